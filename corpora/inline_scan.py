"""Where each inline Markdown construct starts and ends in the source, by markdown-it-py.

markdown-it's inline tokens carry no source offsets, so its own parser is run with every inline
rule wrapped to record ``state.pos`` before and after a successful match; emphasis delimiters
are located from the delimiter tokens the emphasis rule pushed, which its post-processing turns
into ``em_open``/``strong_open``/``s_open`` in place. Link text ends where markdown-it's own
``parseLinkLabel`` says, so destinations with balanced parentheses, ``<…>`` destinations with
spaces, single-quoted titles and nested brackets are the parser's business, not a regex's.

Math (``$…$`` by Pandoc's rule, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]``) is one more inline rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

#: Paired HTML elements whose content is code or markup of its own: copied whole.
VERBATIM_TAGS = frozenset({"code", "kbd", "samp", "var", "pre", "script", "style", "math",
                           "svg", "tt"})
_VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                        "meta", "source", "track", "wbr"})
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
#: What keeps an element's words from the engine, copied like code: HTML's own "do not
#: translate" marks, and a language of its own (``<i xml:lang="fr">beaux esprits</i>`` in an
#: English book: a quotation a translator keeps as it is); ``und``, ``mul`` and private-use
#: ``x-…`` name no language (Word's HTML marks runs ``lang=X-NONE``), so they do not count.
_NO_TRANSLATE = re.compile(
    r"""\stranslate\s*=\s*["']?no\b|\sclass\s*=\s*["'][^"']*\bnotranslate\b"""
    r"""|\s(?:xml:)?lang\s*=\s*["']?(?!(?:und|mul)\b|[xi]-)[a-z]""", re.I)
_FULL_REF = re.compile(r"\]\[((?:\\.|[^\[\]\\])+)\]")
_ATOMIC = {"backticks": "code_inline", "autolink": "link_open", "math": "math_inline",
           "entity": "text_special", "html_inline": "html_inline"}
_RECORDED = frozenset({"link", "image", "emphasis", "strikethrough", *_ATOMIC})
#: Where a recorded rule other than the entity rule can start (links, images, emphasis,
#: strikethrough, code, autolinks, HTML, math): a text with none of them holds entities at
#: most, found without running the whole parser (MT output is full of ``d&#39;un``).
_NOT_ENTITY = re.compile(r"[\[*_~`<$\\]")


@dataclass
class Node:
    """One construct of an inline text, with source offsets.

    Attributes:
        kind: "span" (markup around translatable text) or "protected" (copied as is).
        name: em, strong, s, link, image, html (spans); code, math, html, autolink... (protected).
        start: Offset of the first character (of the opener, for a span).
        end: Offset one past the last character (of the closer, for a span).
        inner: For spans, the offsets of the text between opener and closer.
        label: For collapsed and shortcut reference links, the label (the link text as written).
        children: The constructs inside a span's text, in order.
    """

    kind: str
    name: str
    start: int
    end: int
    inner: tuple[int, int] = (0, 0)
    label: str | None = None
    children: list[Node] = field(default_factory=list)


def _math(state: Any, silent: bool) -> bool:
    """Inline rule for TeX math; Pandoc's rule for single dollars (prices stay prose)."""
    src, pos, end = state.src, state.pos, state.posMax
    found = _math_end(src, pos, end)
    if found < 0:
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = src[pos:found]
    state.pos = found
    return True


def _math_end(src: str, pos: int, end: int) -> int:
    """End offset of the math starting at ``pos``, or -1."""
    two = src[pos:pos + 2]
    if two in ("\\(", "\\["):
        close = src.find("\\)" if two == "\\(" else "\\]", pos + 2, end)
        return close + 2 if close > pos + 2 else -1
    if two == "$$":
        close = src.find("$$", pos + 2, end)
        return close + 2 if close > pos + 2 else -1
    if src[pos:pos + 1] != "$" or pos + 1 >= end or src[pos + 1].isspace():
        return -1
    j = pos + 1
    while j < end and src[j] != "$":  # the first unescaped "$" closes, or nothing does
        j += 2 if src[j] == "\\" else 1
    if j >= end or src[j - 1].isspace() or (j + 1 < end and src[j + 1].isdigit()):
        return -1
    return j + 1


@dataclass
class _Recorder:
    state: Any = None
    records: list[tuple[str, int, int, list[Any], int]] = field(default_factory=list)


def _recording(name: str, rule: Callable[..., bool]) -> Callable[..., bool]:
    def wrapped(state: Any, silent: bool) -> bool:
        recorder: _Recorder | None = state.env.get("diglot_recorder")
        if silent or recorder is None or recorder.state is not state or name not in _RECORDED:
            return rule(state, silent)
        start, count, label_end = state.pos, len(state.tokens), -1
        if name in ("link", "image"):
            at = start if name == "link" else start + 1
            if state.src[at:at + 1] == "[":
                label_end = state.md.helpers.parseLinkLabel(state, at, name == "link")
        ok = rule(state, silent)
        if ok:
            recorder.records.append((name, start, state.pos, state.tokens[count:], label_end))
        return ok

    return wrapped


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("strikethrough")
    md.inline.ruler.before("escape", "math", _math)
    for name in md.inline.ruler.get_all_rules():
        md.inline.ruler.at(name, _recording(name, md.inline.ruler.__rules__[
            md.inline.ruler.__find__(name)].fn))
    return md


def normalize_label(label: str) -> str:
    """A link label as CommonMark compares them (case-folded, inner whitespace collapsed)."""
    from markdown_it.common.utils import normalizeReference

    return str(normalizeReference(label))


def reference_labels(document: str) -> frozenset[str]:
    """The normalised labels of a Markdown document's link reference definitions.

    Args:
        document: The whole Markdown source (definitions may be anywhere in it).
    """
    if "]:" not in document:
        return frozenset()
    env: dict[str, Any] = {}
    _block_parser().parse(document, env)
    return frozenset(env.get("references", {}))


@lru_cache(maxsize=1)
def _block_parser() -> Any:
    """Definitions are blocks: no inline parsing needed to collect them."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").disable("inline")


def scan(text: str, references: Collection[str] = ()) -> list[Node]:
    """The inline constructs of a text, outermost first, nested by containment.

    Args:
        text: Inline Markdown (a sentence or a paragraph).
        references: Labels of the document's link reference definitions; labels written in
            full reference links (``[text][label]``) in ``text`` count as defined too.

    Returns:
        The top-level nodes in source order; text between them is plain text.
    """
    from markdown_it.rules_inline import StateInline

    md = _parser()
    if not _NOT_ENTITY.search(text):
        return _entities(StateInline(text, md, {}, []))
    labels = {normalize_label(x) for x in references}
    labels.update(normalize_label(m.group(1)) for m in _FULL_REF.finditer(text))
    recorder = _Recorder()
    env: dict[str, Any] = {"references": {x: {"href": "", "title": ""} for x in labels if x},
                           "diglot_recorder": recorder}
    state = StateInline(text, md, env, [])
    recorder.state = state
    md.inline.tokenize(state)
    ranges = {id(tok): span for _, tok, span in _delimiters(recorder.records)}
    for rule in md.inline.ruler2.getRules(""):
        rule(state)
    nodes = _atoms(text, recorder.records) + _emphasis(state.tokens, ranges)
    paired, pairs = _pair_html(text, [n for n in nodes if n.name == "html"], nodes)
    return _nest([n for n in nodes if id(n) not in paired] + pairs)


def _entities(state: Any) -> list[Node]:
    """The entities of a text with no other construct: markdown-it's own entity rule tried at
    each "&", as its parser does when no other rule can match (an entity holds no "&")."""
    ruler = state.md.inline.ruler
    rule = ruler.__rules__[ruler.__find__("entity")].fn
    nodes: list[Node] = []
    start = state.src.find("&")
    while start >= 0:
        state.pos = start
        if rule(state, True):
            nodes.append(Node("protected", "entity", start, state.pos))
        start = state.src.find("&", max(state.pos, start + 1))
    return nodes


def _delimiters(records: list[tuple[str, int, int, list[Any], int]]
                ) -> list[tuple[str, Any, tuple[int, int]]]:
    """Each emphasis/strikethrough delimiter token with its source range."""
    out = []
    for name, start, end, tokens, _ in records:
        if name not in ("emphasis", "strikethrough"):
            continue
        pos = end
        for tok in reversed(tokens):  # a leading token may be pending text from before start
            if pos <= start:
                break
            out.append((name, tok, (pos - len(tok.content), pos)))
            pos -= len(tok.content)
    return out


def _emphasis(tokens: list[Any], ranges: dict[int, tuple[int, int]]) -> list[Node]:
    nodes: list[Node] = []
    stack: list[tuple[Any, tuple[int, int]]] = []
    for tok in tokens:
        if tok.type not in ("em_open", "strong_open", "s_open", "em_close", "strong_close",
                            "s_close") or id(tok) not in ranges:
            continue
        a, b = ranges[id(tok)]
        size = len(tok.markup)
        if tok.nesting == 1:
            stack.append((tok, (b - size, b)))
        elif stack:
            _, (o0, o1) = stack.pop()
            nodes.append(Node("span", tok.tag, o0, a + size, (o1, a)))
    return nodes


def _atoms(text: str, records: list[tuple[str, int, int, list[Any], int]]) -> list[Node]:
    """Links, images and protected literals, from the rules that matched them."""
    nodes: list[Node] = []
    for name, start, end, tokens, label_end in records:
        types = {tok.type for tok in tokens}
        if name in ("link", "image") and label_end > 0 and {"link_open", "image"} & types:
            inner = (start + 1 if name == "link" else start + 2, label_end)
            closer = text[label_end:end]
            label = text[inner[0]:inner[1]] if closer in ("]", "][]") else None
            nodes.append(Node("span", name, start, end, inner, label))
        elif name in _ATOMIC and _ATOMIC[name] in types:
            if name == "entity" and not text.startswith("&", start):
                continue
            kind = {"backticks": "code", "html_inline": "html"}.get(name, name)
            nodes.append(Node("protected", kind, start, end))
    return nodes


def _path(pos: int, spans: list[Node]) -> tuple[int, ...]:
    """The Markdown spans whose text holds the offset (or whose markup does: -1)."""
    return tuple(i if s.inner[0] <= pos < s.inner[1] else -1 for i, s in enumerate(spans)
                 if s.start <= pos < s.end)


def _pair_html(text: str, tags: list[Node], nodes: list[Node]) -> tuple[set[int], list[Node]]:
    """Paired inline HTML tags (``<b>…</b>``) as spans, or as one protected piece for code, for
    an element marked ``translate="no"`` or ``class="notranslate"``, and for one in a language
    of its own (``lang``/``xml:lang``).

    A pair is kept only when both tags sit inside the same Markdown spans, so spans nest; the
    tags of a pair that would cross other markup stay single protected pieces.

    Returns:
        The ids of the tag nodes now in pairs, and the pairs.
    """
    spans = [n for n in nodes if n.kind == "span"]
    stack: list[tuple[str, Node]] = []
    out: list[Node] = []
    paired: set[int] = set()
    for node in tags:
        m = _TAG.match(text, node.start)
        if not m or m.group(2).lower() in _VOID_TAGS or text[node.end - 2:node.end] == "/>":
            continue
        tag = m.group(2).lower()
        if not m.group(1):
            stack.append((tag, node))
            continue
        found = next((k for k in range(len(stack) - 1, -1, -1) if stack[k][0] == tag), None)
        if found is None:
            continue
        opener = stack[found][1]
        del stack[found:]
        if _path(opener.start, spans) != _path(node.start, spans):
            continue
        paired.update((id(opener), id(node)))
        if tag in VERBATIM_TAGS or _NO_TRANSLATE.search(text, opener.start, opener.end):
            out.append(Node("protected", "html", opener.start, node.end))
        else:
            out.append(Node("span", "html", opener.start, node.end, (opener.end, node.start)))
    return paired, out


def _nest(nodes: list[Node]) -> list[Node]:
    """Nodes as a tree by containment; a node inside a protected one is dropped."""
    nodes.sort(key=lambda n: (n.start, -n.end))
    top: list[Node] = []
    stack: list[Node] = []
    for node in nodes:
        while stack and node.start >= stack[-1].end:
            stack.pop()
        parent = stack[-1] if stack else None
        if parent is not None and (parent.kind == "protected" or node.end > parent.end
                                   or node.start < parent.inner[0]
                                   or node.end > parent.inner[1]):
            continue
        (parent.children if parent is not None else top).append(node)
        stack.append(node)
    return top
