"""Markdown to blocks with markdown-it-py (CommonMark), keeping each block's source lines.

Only the text of headings, paragraphs, list items and block quotes is translated; the lines of
everything else (front matter, code, HTML, rules, tables, link definitions, blank lines) are kept
byte for byte, because rendering replaces the translated blocks' lines and nothing else.

A paragraph is one text whatever its line lengths: in CommonMark a line ending inside a
paragraph (a soft break) is a space, so the lines are joined before sentence splitting. Only hard
breaks cut a paragraph into parts: two or more spaces or a backslash before a line end, and a
``<br>`` tag (https://spec.commonmark.org/0.31.2/#hard-line-breaks). The breaks are the ones
markdown-it itself sees (a rule added to its inline parser records them), so a ``<br>`` in a code
span or two spaces at the end of a paragraph do not count.

Layout of the output: each part is written on one line, in place of the source lines it spans;
the markup between parts (the hard break, the line end, the next line's ``> `` or list
indentation) and around them (``# ``, ``- ``, a closing ``##``, a setext underline) is copied from
the source, so lists and quotes stay lists and quotes. A part whose text comes back unchanged
keeps its source lines exactly. A hard break inside a link's text cannot cut the link, so it is
written ``<br>``; a translated part that would open a block where it starts a line is escaped
(``guard_line_start``).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from corpora.document import Block

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token

_VERBATIM = {"fence": "code", "code_block": "code", "html_block": "html", "hr": "rule",
             "table_open": "table"}
_BR = re.compile(r"<br(?:\s[^<>]*)?/?>", re.IGNORECASE)
#: A line of YAML front matter: a key (plain or quoted) at the margin, an indented line (a
#: value's continuation, a nested key), a list item, a comment; blank lines are allowed too.
_YAML_KEY = re.compile(r"""[\w.-][^:#]*:(\s|$)|(["'])[^"']*\1\s*:(\s|$)""")
_YAML_OTHER = re.compile(r"""\s|#|-(\s|$)|$""")
_BLOCK_HEAD = re.compile(r"[#>+*\-=_`~<]|\d{1,9}[.)]")  # how a block can start a line
_UNDERLINE = re.compile(r"(=+|-+)[ \t]*$")  # a setext heading's underline
_ENV_KEY = "diglot_breaks"
#: What a hard break needs in a text: two spaces or a backslash before a line end, a <br> tag.
_MAY_BREAK = re.compile(r"  \n|\\\n|<br", re.IGNORECASE)
Mark = tuple[int, int, bool]  # a hard break: start, end, inside a link's text


def front_matter_end(lines: list[str]) -> int:
    """Number of lines taken by a front matter block at the top (0 if there is none).

    Recognised, as static site generators (Hugo, Jekyll, Zola) and Pandoc read them: YAML between
    ``---`` and ``---`` or ``...`` when every line inside reads as YAML (``key:`` at the margin,
    indented lines, list items, comments, blank lines), so a thematic break followed by prose
    is not taken for it; TOML between ``+++`` lines; a JSON object starting at line 1 (its end
    is found by a JSON decoder, so braces inside strings do not confuse it). Any length.

    Args:
        lines: The document's lines, without line ends.
    """
    if not lines:
        return 0
    first = lines[0].rstrip()
    if first == "---":
        end = _closing_line(lines, ("---", "..."))
        if not end:
            return 0
        inner = lines[1:end - 1]
        keys = any(_YAML_KEY.match(line) for line in inner)
        yaml = all(_YAML_KEY.match(line) or _YAML_OTHER.match(line) for line in inner)
        return end if yaml and (keys or not inner) else 0
    if first == "+++":
        return _closing_line(lines, ("+++",))
    if first.startswith("{"):
        return _json_end(lines)
    return 0


def _closing_line(lines: list[str], closers: tuple[str, ...]) -> int:
    for i in range(1, len(lines)):
        if lines[i].rstrip() in closers:
            return i + 1
    return 0


def _json_end(lines: list[str]) -> int:
    text = "\n".join(lines)
    try:
        value, end = json.JSONDecoder().raw_decode(text)
    except ValueError:
        return 0
    row = text.count("\n", 0, end)
    col = end - (text.rfind("\n", 0, end) + 1)
    if not isinstance(value, dict) or lines[row][col:].strip():
        return 0
    return row + 1


def _record_break(state: StateInline, silent: bool) -> bool:
    """Inline rule that records hard breaks; it never consumes anything.

    Breaks are ``(start, end, inner)``: the break markup's offsets in the inline source, and
    whether it lies inside a link's text (``state.level`` > 0), which must stay one piece.
    They are stored in ``env[_ENV_KEY][source]``.
    """
    if silent:
        return False
    src, pos = state.src, state.pos
    found: set[Mark] = state.env.setdefault(_ENV_KEY, {}).setdefault(src, set())
    inner = state.level > 0
    if src[pos] == "\n":
        start = pos
        while start > 0 and src[start - 1] == " ":
            start -= 1
        if pos - start >= 2:
            found.add((start, pos, inner))
    elif src[pos] == "\\" and src.startswith("\n", pos + 1):
        found.add((pos, pos + 1, inner))
    elif src[pos] == "<" and (m := _BR.match(src, pos)):
        found.add((pos, m.end(), inner))
    return False


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    md.inline.ruler.before("text", "diglot_breaks", _record_break)
    return md


@lru_cache(maxsize=1)
def _block_parser() -> MarkdownIt:
    """`_parser` without its inline pass: only a text that may hold a hard break (`_MAY_BREAK`)
    is parsed inline, for its breaks (most of a book's paragraphs hold none)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").disable("inline")


def guard_line_start(text: str) -> str:
    """Escape what would open a new block where a paragraph's text starts a line.

    A translated part is paragraph text, but written at the start of a line it could begin a
    list (``1. ``, ``- ``), a heading, a quote, a rule, a fence, an HTML block, or underline the
    paragraph into a setext heading (``===``). The first character is then escaped with a
    backslash (after the digits of a list number), which inside a paragraph reads the same.

    Args:
        text: The part's text, on one line.

    Returns:
        The text, escaped when needed.
    """
    if not _BLOCK_HEAD.match(text):
        return text
    tokens = _parser().parse(text)
    if tokens and tokens[0].type == "paragraph_open" and not _UNDERLINE.match(text):
        return text
    digits = re.match(r"\d{1,9}", text)
    at = digits.end() if digits else 0
    return f"{text[:at]}\\{text[at:]}"


def _container_kind(stack: list[str]) -> tuple[str, int]:
    for tok in reversed(stack):
        if tok == "list_item_open":
            return "list_item", len(stack)
        if tok == "blockquote_open":
            return "quote", len(stack)
    return "paragraph", len(stack)


def _line_shifts(content_lines: list[str], source: list[str]) -> list[int] | None:
    """Per content line, what to add to a content index to get the index in the block's source.

    Valid for the characters after the line's leading whitespace; None when a content line is
    not found in its source line.
    """
    shifts: list[int] = []
    cpos = spos = 0
    for text, line in zip(content_lines, source, strict=True):
        body = text.strip()
        head = line.rstrip()
        at = len(head) - len(body) if head.endswith(body) else line.find(body)
        if at < 0:
            return None
        shifts.append(spos + at - (cpos + len(text) - len(text.lstrip())))
        cpos += len(text) + 1
        spos += len(line) + 1
    return shifts


def _part_ranges(content: str, marks: set[Mark]) -> list[tuple[int, int]]:
    """Content ranges between hard breaks (not those in link text), trimmed of whitespace;
    empty ones dropped."""
    ranges: list[tuple[int, int]] = []
    start = 0
    cuts = sorted((a, b) for a, b, inner in marks if not inner)
    for mark_start, mark_end in [*cuts, (len(content), len(content))]:
        a, b = start, mark_start
        while a < b and content[a].isspace():
            a += 1
        while b > a and content[b - 1].isspace():
            b -= 1
        if a < b:
            ranges.append((a, b))
        start = mark_end
    return ranges


def _part_text(content: str, start: int, end: int, inner: list[tuple[int, int]]) -> str:
    """A part's text on one line: soft breaks become spaces, and a hard break inside link text
    (which cannot cut the part) becomes ``<br>``, the same break on one line."""
    pieces: list[str] = []
    pos = start
    for a, b in inner:
        if start <= a < end and not _BR.match(content, a):
            pieces += [content[pos:a], "<br>"]
            pos = b
            while pos < end and content[pos].isspace():
                pos += 1
    pieces.append(content[pos:end])
    return " ".join(line.strip() for line in "".join(pieces).split("\n"))


def _text_block(kind: str, level: int, tok_map: list[int], content: str,
                marks: set[Mark], lines: list[str], setext: bool) -> Block:
    start, end = tok_map
    body_end = end - 1 if setext else end
    content_lines = content.split("\n")
    if len(content_lines) != body_end - start:
        return Block("html", start, end)  # unexpected shape: keep it verbatim rather than guess
    shifts = _line_shifts(content_lines, lines[start:body_end])
    if shifts is None:
        return Block("html", start, end)
    source = "\n".join(lines[start:end])
    ranges = _part_ranges(content, marks)
    if not ranges:
        return Block(kind, start, end, level)
    spans = []
    for a, b in ranges:
        spans.append((a + shifts[content.count("\n", 0, a)],
                      b + shifts[content.count("\n", 0, b - 1)]))
    inner = sorted((a, b) for a, b, inside in marks if inside)
    parts = tuple(_part_text(content, a, b, inner) for a, b in ranges)
    prefixes = (source[:spans[0][0]],) + ("",) * (len(spans) - 1)
    breaks = tuple(source[b:nxt] for (_, b), (nxt, _) in
                   zip(spans, [*spans[1:], (len(source), 0)], strict=True))
    sources = tuple(source[a:b] for a, b in spans)
    return Block(kind, start, end, level, parts, prefixes, breaks, sources=sources)


def parse_markdown(text: str) -> list[Block]:
    """Split Markdown into blocks in source order.

    Args:
        text: The whole document.

    Returns:
        Blocks with 0-based, half-open line ranges into ``text.split("\\n")``.
    """
    lines = text.split("\n")
    fm = front_matter_end(lines)
    blocks: list[Block] = [Block("front_matter", 0, fm)] if fm else []
    body = "\n" * fm + "\n".join(lines[fm:])  # blank front matter keeps line numbers aligned
    env: dict[str, Any] = {}
    tokens: list[Token] = _block_parser().parse(body, env)
    marks: dict[str, set[Mark]] = env.setdefault(_ENV_KEY, {})
    stack: list[str] = []
    in_table = False
    for i, tok in enumerate(tokens):
        if tok.type == "table_close":
            in_table = False
        if in_table:
            continue
        if tok.type in _VERBATIM and tok.map:
            blocks.append(Block(_VERBATIM[tok.type], tok.map[0], tok.map[1]))
            in_table = tok.type == "table_open"
        elif tok.type in ("blockquote_open", "list_item_open"):
            stack.append(tok.type)
        elif tok.type in ("blockquote_close", "list_item_close"):
            stack.pop()
        elif tok.type in ("heading_open", "paragraph_open") and tok.map:
            content = tokens[i + 1].content
            if content not in marks and _MAY_BREAK.search(content):
                _parser().inline.parse(content, _parser(), env, [])  # records its hard breaks
            if tok.type == "heading_open":
                kind, level, setext = "heading", int(tok.tag[1]), tok.markup in ("=", "-")
            else:
                (kind, level), setext = _container_kind(stack), False
            blocks.append(_text_block(kind, level, tok.map, content, marks.get(content, set()),
                                      lines, setext))
    blocks.sort(key=lambda b: b.start)
    return blocks
