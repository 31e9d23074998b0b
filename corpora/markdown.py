"""Markdown to blocks with markdown-it-py (CommonMark), keeping each block's source lines.

Only the text of headings, paragraphs, list items and block quotes is translated; the lines of
everything else (front matter, code, HTML, rules, tables, link definitions, blank lines) are kept
byte for byte, because rendering replaces the translated blocks' lines and nothing else.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from corpora.document import Block
from corpora.plaintext import is_wrapped as _is_wrapped

_VERBATIM = {"fence": "code", "code_block": "code", "html_block": "html", "hr": "rule",
             "table_open": "table"}
_HARD_BREAK = re.compile(r"( {2,}|\\)$")


def _front_matter_end(lines: list[str]) -> int:
    """Number of lines taken by a YAML front matter block at the top (0 if none)."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for i, line in enumerate(lines[1:200], start=1):
        if line.rstrip() in ("---", "..."):
            return i + 1
    return 0


def _container_kind(stack: list[str]) -> tuple[str, int]:
    for tok in reversed(stack):
        if tok == "list_item_open":
            return "list_item", len(stack)
        if tok == "blockquote_open":
            return "quote", len(stack)
    return "paragraph", len(stack)


def _text_block(kind: str, level: int, tok_map: list[int], content: str,
                lines: list[str], setext: bool) -> Block:
    start, end = tok_map
    body_end = end - 1 if setext else end
    content_lines = content.split("\n")
    source = lines[start:body_end]
    if len(content_lines) != len(source):
        return Block("html", start, end)  # unexpected shape: keep it verbatim rather than guess
    wrapped = _is_wrapped([line.rstrip() for line in source])
    parts: list[str] = []
    prefixes: list[str] = []
    breaks: list[str] = []
    current: list[str] = []
    for i, (text, line) in enumerate(zip(content_lines, source, strict=True)):
        stripped = text.strip()
        at = line.find(stripped) if stripped else -1
        if at < 0:
            return Block("html", start, end)
        if not current:
            prefixes.append(line[:at])
        hard = _HARD_BREAK.search(text) is not None
        if hard and stripped.endswith("\\"):
            stripped = stripped[:-1].rstrip()
        current.append(stripped)
        if hard or not wrapped or i == len(content_lines) - 1:
            breaks.append(line[at + len(stripped):])
            parts.append(" ".join(current))
            current = []
    suffix = tuple(lines[body_end:end]) if setext else ()
    return Block(kind, start, end, level, tuple(parts), tuple(prefixes), tuple(breaks), suffix)


def parse_markdown(text: str) -> list[Block]:
    """Split Markdown into blocks in source order.

    Args:
        text: The whole document.

    Returns:
        Blocks with 0-based, half-open line ranges into ``text.split("\\n")``.
    """
    lines = text.split("\n")
    fm = _front_matter_end(lines)
    blocks: list[Block] = [Block("front_matter", 0, fm)] if fm else []
    body = "\n" * fm + "\n".join(lines[fm:])  # blank front matter keeps line numbers aligned
    tokens: list[Token] = MarkdownIt("commonmark").enable("table").parse(body)
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
        elif tok.type == "heading_open" and tok.map:
            setext = tok.markup in ("=", "-")
            blocks.append(_text_block("heading", int(tok.tag[1]), tok.map, tokens[i + 1].content,
                                      lines, setext))
        elif tok.type == "paragraph_open" and tok.map:
            kind, depth = _container_kind(stack)
            blocks.append(_text_block(kind, depth, tok.map, tokens[i + 1].content, lines, False))
    blocks.sort(key=lambda b: b.start)
    return blocks
