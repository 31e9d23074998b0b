"""Inline Markdown as pieces: text to translate, spans (emphasis, links, HTML) and literals.

Engines must translate the words of ``*a spectre* haunts [Europe](url) [1]`` and keep the
emphasis, the link target and the reference intact. The boundaries come from markdown-it-py's
inline parser (``corpora.inline_scan``); inside plain text, URLs, bare domains, file names,
paths and code identifiers (``README.md``, ``old.reddit.com/r/LocalLLaMA/``, ``max_tokens``,
``LocalLLaMA``) are protected too, since an engine would lower-case or translate them.

This tokenizer is lossless: joining the pieces' text gives back the input exactly, so any
engine encoding can be undone. ``mask``/``unmask`` are the encoding for NMT engines: protected
pieces become ``⟦i⟧`` and spans ``⟦i⟧…⟦/i⟧``; what the engine loses or crosses is put back in a
defined place and reported (``unmask_noted``).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from corpora.inline_scan import Node, reference_labels, scan
from corpora.placeholders import Literal, Markup, restore, wrap_whole

__all__ = ["Literal", "Markup", "Piece", "expand_references", "has_words", "keep_markup", "mask",
           "reference_labels", "tokenize", "unbreakable", "unmask", "unmask_noted"]

_URL_END = ".,;:!?\"'»”’"
_LITERAL = re.compile("|".join([
    r"(?P<url>(?:(?:https?|ftp)://|www\.)[^\s<>\[\]{}]+)",
    r"(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)",
    r"(?P<path>(?<![\w/.~-])(?:~|\.\.?)/[\w.@%+~-]+(?:/[\w.@%+~-]*)*"  # ~/a, ./a, ../a
    r"|(?<![\w/.~-])/[\w.@%+~-]+(?:/[\w.@%+~-]*)+"  # /a/b, /r/LocalLLaMA/
    r"|(?<![\w/.~-])[\w.-]+(?:/[\w.@%+~-]+){2,}/?"  # a/b/c
    r"|(?<![\w\\])[A-Za-z]:\\[\w.\\-]+)",  # C:\Users\ana
    r"(?P<file>(?<![\w/.@-])(?:[\w-]+/)*[\w-]+(?:\.[\w-]+)*\.[a-z][a-z0-9]{1,5}(?![\w-])"
    r"(?:/[^\s<>\[\]{}]*)?)",
    r"(?P<camel>\b(?=[A-Za-z]*[a-z][A-Z])[A-Za-z][A-Za-z0-9]*\b)",
    r"(?P<snake>\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b)",
    r"(?P<ref>\[\d+(?:\s*[,–-]\s*\d+)*\]|\[\^[^\]\s]+\])",
    r"(?P<placeholder>⟦[^⟦⟧\s]{1,12}⟧)",
]))
#: What each _LITERAL alternative needs somewhere in the text: "/" or "\\" (paths, and a
#: URL's "://"), "www.", "@", "_", ".x" (file names), "aB" (camel case), "[" (references),
#: "⟦". Text with none of them holds no literal: the search is skipped.
_LITERAL_HINT = re.compile(r"[/\\@_\[⟦]|www\.|\.[a-z]|[a-z][A-Z]")
#: Where one of the inline rules ``scan`` records can start: "[" (links, images, and the
#: "][" of full references), "*" "_" "~" (emphasis, strikethrough), "`" (code), "<"
#: (autolinks, HTML), "$" "\\" (math), "&" (entities). Text with none of them has no
#: construct: the parse is skipped.
_MARKUP_CHAR = re.compile(r"[\[*_~`<$\\&]")
#: Either of the two: text with neither is one text piece. Written as one character class
#: first (a candidate character, then what makes it one), which the engine scans for fast.
_ANY_HINT = re.compile(r"[\[*_~`<$\\&/@⟦A-Z.w]"
                       r"(?:(?<=[\[*_~`<$\\&/@⟦])|(?<=[a-z][A-Z])|(?<=\.)(?=[a-z])|(?<=w)(?=ww\.))")
_NO_REFERENCES: frozenset[str] = frozenset()
_LETTER = re.compile(r"[^\W\d_]")
_WORDY = re.compile(r"[^\W_]")
#: Spans whose markers must touch their text (CommonMark's flanking rules).
_TIGHT = frozenset({"em", "strong", "s"})
#: Spans nested deeper than this are left as text (markdown-it's own inline limit is 20).
_MAX_DEPTH = 24


@dataclass(frozen=True)
class Piece:
    """One piece of an inline text.

    Attributes:
        kind: "text" (to translate), "protected" (copied as is), "open" or "close" (span markup).
        text: The source characters of the piece.
        span: For open/close, the span's number (unique within the text); else -1.
        name: What the markup is: em, strong, s, link, image, html for spans; code, math, html,
            autolink, entity, url, email, path, file, camel, snake, ref, placeholder for
            protected pieces; "" for text.
        label: On the closer of a collapsed or shortcut reference link (``[mapa][]``,
            ``[guía rápida]``), the label, which a translation must write out:
            ``[map][mapa]``.
    """

    kind: str
    text: str
    span: int = -1
    name: str = ""
    label: str | None = None

    @property
    def closer(self) -> str:
        """The closer a translation writes: with the label when the text was the label."""
        return self.text if self.label is None else f"][{self.label}]"


def tokenize(text: str, references: Collection[str] = ()) -> list[Piece]:
    """Split inline Markdown into pieces; ``"".join(p.text for p in pieces) == text``.

    Args:
        text: Inline Markdown (a sentence or a paragraph).
        references: Labels of the document's link reference definitions (see
            ``reference_labels``), so ``[guía rápida]`` is known to be a link; full
            references (``[texto][ref]``) are links without them.
    """
    if not _ANY_HINT.search(text):  # most sentences: no markup, no literal
        return [Piece("text", text)] if text else []
    labels = references if isinstance(references, frozenset) else \
        frozenset(references) if references else _NO_REFERENCES
    return list(_parsed(text, labels))


@lru_cache(maxsize=16384)
def _parsed(text: str, references: frozenset[str]) -> tuple[Piece, ...]:
    """``tokenize``'s pieces, kept: a run tokenizes a segment's source, the engine's answer and
    the tidied answer several times over (splitting, routing, encoding, typography). Only
    texts with markup or literals come here: a book's worth of them fits (a few MB)."""
    return tuple(_pieces(text, 0, len(text), _scan(text, references), [0]))


def _scan(text: str, references: Collection[str] = ()) -> list[Node]:
    return scan(text, references) if _MARKUP_CHAR.search(text) else []


def _pieces(text: str, start: int, end: int, nodes: list[Node], counter: list[int],
            depth: int = 0) -> list[Piece]:
    out: list[Piece] = []
    pos = start
    for node in nodes:
        out += _plain(text[pos:node.start])
        out += _node(text, node, counter, depth)
        pos = node.end
    return out + _plain(text[pos:end])


def _node(text: str, node: Node, counter: list[int], depth: int) -> list[Piece]:
    whole = text[node.start:node.end]
    if node.kind == "protected":
        return [Piece("protected", whole, name=node.name)]
    if depth >= _MAX_DEPTH:  # markup nested this deep is no prose: left as text
        return [Piece("text", whole)]
    span = counter[0]
    counter[0] += 1
    a, b = node.inner
    if node.name == "image":  # markdown-it parses an image's alt text on its own
        alt = text[a:b]
        inner = _pieces(alt, 0, len(alt), _scan(alt), counter, depth + 1)
    else:
        inner = _pieces(text, a, b, node.children, counter, depth + 1)
    if not any(p.kind == "text" and _WORDY.search(p.text) for p in inner):
        return [Piece("protected", whole, name=node.name)]  # nothing to translate inside
    return [Piece("open", text[node.start:a], span, node.name), *inner,
            Piece("close", text[b:node.end], span, node.name, node.label)]


def _plain(text: str) -> list[Piece]:
    """Text with its literals (URLs, file names, identifiers...) as protected pieces."""
    if not _LITERAL_HINT.search(text):
        return [Piece("text", text)] if text else []
    out: list[Piece] = []
    pos = done = 0
    while m := _LITERAL.search(text, pos):
        end = m.end()
        if m.lastgroup in ("url", "file", "path"):
            end = m.start() + len(_trim_url(m.group(0)))
        if m.lastgroup != "file" or _filelike(text[m.start():end]):
            if m.start() > done:
                out.append(Piece("text", text[done:m.start()]))
            out.append(Piece("protected", text[m.start():end], name=m.lastgroup or ""))
            done = end
        pos = max(end, m.start() + 1)
    if done < len(text):
        out.append(Piece("text", text[done:]))
    return out


def _trim_url(url: str) -> str:
    """A URL without the sentence punctuation after it; a ")" stays when it closes a "("."""
    while url:
        if url[-1] in _URL_END or (url[-1] == ")" and url.count(")") > url.count("(")):
            url = url[:-1]
        else:
            return url
    return url


def _filelike(name: str) -> bool:
    """A dotted name that is not an abbreviation or an initial (``p.ej``, ``ee.uu``,
    ``H.von``): a path, or a first part of 2+ characters and some part of 3+."""
    if "/" in name:
        return True
    parts = re.split(r"[.\-]", name)
    return len(parts[0]) >= 2 and any(len(part) >= 3 for part in parts)


def unbreakable(text: str) -> list[tuple[int, int]]:
    """Where a sentence splitter must not cut: inside a protected piece (code, math, an HTML
    tag, a URL...) or a link or image, whose halves would no longer parse as one.

    A cut inside emphasis or a paired HTML element is harmless: each half keeps its markers
    as literals. Returns ``(start, end)`` offsets into ``text``, in order.
    """
    out: list[tuple[int, int]] = []
    starts: dict[int, int] = {}
    at = 0
    for p in tokenize(text):
        if p.kind == "protected" or (p.name == "html" and p.kind in ("open", "close")):
            out.append((at, at + len(p.text)))  # a literal, or an HTML tag with attributes
        if p.kind == "open":
            starts[p.span] = at
        elif p.kind == "close" and p.name in ("link", "image"):
            out.append((starts[p.span], at + len(p.text)))
        at += len(p.text)
    kept: list[tuple[int, int]] = []
    reach = -1  # the furthest end of the ranges kept so far (sorted by start, longest first)
    for r in sorted(set(out), key=lambda r: (r[0], -r[1])):
        if r[1] > reach:  # not inside one kept before it (a sweep: a long paragraph is linear)
            kept.append(r)
            reach = r[1]
    return kept


def has_words(text: str) -> bool:
    """True when the text has letters outside protected pieces (anything worth translating)."""
    return any(p.kind == "text" and _LETTER.search(p.text) for p in tokenize(text))


def expand_references(text: str, references: Collection[str]) -> str:
    """Collapsed and shortcut reference links written in full: ``[mapa][]`` → ``[mapa][mapa]``.

    The link text is the label in those forms, so once it is translated the label must be
    written out. The rendered HTML is the same.

    Args:
        text: Inline Markdown.
        references: The document's reference labels (``reference_labels``).
    """
    if not references or "[" not in text:
        return text
    return "".join(p.closer if p.kind == "close" else p.text
                   for p in tokenize(text, references))




def mask(text: str, references: Collection[str] = ()) -> tuple[str, list[Literal]]:
    """Replace protected pieces with ``⟦i⟧`` and span markup with ``⟦i⟧…⟦/i⟧`` for NMT engines.

    Args:
        text: Inline Markdown.
        references: The document's reference labels, if known (see ``tokenize``).

    Returns:
        The masked text and the literals: ``literals[i]`` is the protected text for ``⟦i⟧``,
        or the ``Markup`` of the span marked ``⟦i⟧…⟦/i⟧``.
    """
    literals: list[Literal] = []
    out: list[str] = []
    number: dict[int, int] = {}
    opened: dict[int, int] = {}
    pieces = tokenize(text, references)
    for k, piece in enumerate(pieces):
        if piece.kind == "text":
            out.append(piece.text)
        elif piece.kind == "close":
            first = pieces[opened[piece.span]]
            whole = "".join(p.text for p in pieces[opened[piece.span]:k + 1]) \
                if piece.name in ("link", "image") or first.text[:3].lower() == "<a " else ""
            literals[number[piece.span]] = Markup(first.text, piece.closer, piece.text,
                                                  piece.label or "", piece.name in _TIGHT,
                                                  whole)
            out.append(f"⟦/{number[piece.span]}⟧")
        else:
            if piece.kind == "open":
                number[piece.span] = len(literals)
                opened[piece.span] = k
            out.append(f"⟦{len(literals)}⟧")
            literals.append(piece.text)
    return "".join(out), literals


def unmask(text: str, literals: list[Literal]) -> str:
    """Put the literals back; what the engine dropped is put back too, never lost."""
    return unmask_noted(text, literals)[0]


def unmask_noted(text: str, literals: list[Literal]) -> tuple[str, str | None]:
    """Put the literals back, and say what could not be placed where the engine put it.

    A protected literal whose placeholder is missing is appended at the end. A span with one
    marker missing gets it at the start (opener) or the end (closer) of the text; with both
    missing it covers the whole text; reversed markers are swapped; a span crossing another
    is closed with it. Each of these is named in the note.

    Returns:
        The text, and a note such as ``markup: could not place <b>…</b>`` (None when every
        placeholder came back in order).
    """
    return restore(text, literals)


def keep_markup(source: str, target: str) -> tuple[str, str | None]:
    """Check an engine's raw Markdown output (an LLM's) against the source's markup.

    Every protected literal of the source must be in the target as many times, every link or
    image target (``](url)``, ``][label]``) and every HTML tag pair too, and as many emphasis
    spans of each kind. What is missing is put back: a literal at the end, as ``unmask``
    does; a lost emphasis around the text; a lost link, image or HTML element at the end with
    its source text (around the text it could nest inside another link).

    Returns:
        The target with the missing markup put back, and a note naming it (None if nothing
        was missing).
    """
    want = tokenize(source)
    if all(p.kind == "text" for p in want):
        return target, None
    protected = [p.text for p in want if p.kind == "protected"]
    missing = [lit for lit in dict.fromkeys(protected)
               for _ in range(protected.count(lit) - target.count(lit))]
    found = _spans(target)
    lost: list[tuple[Markup, str]] = []
    for key, spans in _spans(source).items():
        lost += spans[len(found.get(key, [])):]
    for markup, whole in lost:
        if whole:
            missing.append(whole)
        else:
            target = wrap_whole(target, markup)
    if missing:
        target = " ".join([target, *missing])
    names = [f"{m.opener}…{m.closer}" for m, _ in lost] + \
        [lit for lit in missing if lit not in {w for _, w in lost}]
    return target, ("markup: " + "; ".join(f"could not place {n}" for n in names)
                    if names else None)


def _spans(text: str) -> dict[tuple[str, str], list[tuple[Markup, str]]]:
    """Spans by what identifies them (emphasis by kind, links by target, HTML by tag), each
    with its whole source text ("" for emphasis, which is put around the text instead)."""
    pieces = tokenize(text)
    opened: dict[int, int] = {}
    out: dict[tuple[str, str], list[tuple[Markup, str]]] = {}
    for k, p in enumerate(pieces):
        if p.kind == "open":
            opened[p.span] = k
        elif p.kind == "close":
            first = pieces[opened[p.span]]
            tight = p.name in _TIGHT
            key = (p.name, "" if tight else first.text if p.name == "html" else p.closer)
            whole = "" if tight else "".join(x.text for x in pieces[opened[p.span]:k + 1])
            out.setdefault(key, []).append((Markup(first.text, p.closer, p.text), whole))
    return out
