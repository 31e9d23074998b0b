"""Inline Markdown as pieces: text to translate, spans (emphasis, links) and protected literals.

Engines must translate the words of ``*a spectre* haunts [Europe](url) [1]`` and keep the
emphasis, the link target and the reference intact. This tokenizer is lossless: joining the
pieces' text gives back the input exactly, so any engine encoding can be undone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PROTECTED = [
    r"(?P<code>(?P<ticks>`+).+?(?P=ticks))",
    r"(?P<image>!\[[^\]\n]*\]\([^)\n]*\))",
    r"(?P<autolink><(?:https?|ftp|mailto):[^>\s]+>)",
    r"(?P<tag></?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>)",
    r"(?P<footnote>\[\^[^\]\s]+\])",
    r"(?P<ref>\[\d+(?:\s*[,–-]\s*\d+)*\])",
]
_LINK = r"(?P<link>\[(?P<ltext>[^\[\]\n]+)\](?P<ldest>\([^()\s]*(?:\s+\"[^\"]*\")?\)))"
_URL = r"(?P<url>(?:https?://|www\.)[^\s<>()\[\]]*[^\s<>()\[\].,;:!?\"'»”])"
_STRONG = r"(?P<strong>(?P<sd>\*\*|__)(?=\S)(?P<stext>.+?)(?<=\S)(?P=sd))"
_EM = r"(?P<em>(?<![\w*])(?P<ed>[*_])(?=[^\s*_])(?P<etext>.+?)(?<=[^\s*_])(?P=ed)(?![\w*]))"
_SCAN = re.compile("|".join([*_PROTECTED, _LINK, _URL, _STRONG, _EM]), re.DOTALL)
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Piece:
    """One piece of an inline text.

    Attributes:
        kind: "text" (to translate), "protected" (copied as is), "open" or "close" (span markup).
        text: The source characters of the piece.
        span: For open/close, the span's number (unique within the text); else -1.
    """

    kind: str
    text: str
    span: int = -1


def tokenize(text: str) -> list[Piece]:
    """Split inline Markdown into pieces; ``"".join(p.text for p in pieces) == text``."""
    counter = [0]
    return _scan(text, counter)


def _scan(text: str, counter: list[int]) -> list[Piece]:
    pieces: list[Piece] = []
    pos = 0
    for m in _SCAN.finditer(text):
        if m.start() > pos:
            pieces.append(Piece("text", text[pos:m.start()]))
        kind = m.lastgroup
        if m.group("link"):
            pieces += _span("[", m.group("ltext"), "]" + m.group("ldest"), counter)
        elif m.group("strong"):
            d = m.group("sd")
            pieces += _span(d, m.group("stext"), d, counter)
        elif m.group("em"):
            d = m.group("ed")
            pieces += _span(d, m.group("etext"), d, counter)
        else:
            pieces.append(Piece("protected", m.group(0)))
        del kind
        pos = m.end()
    if pos < len(text):
        pieces.append(Piece("text", text[pos:]))
    return pieces


def _span(opener: str, inner: str, closer: str, counter: list[int]) -> list[Piece]:
    span = counter[0]
    counter[0] += 1
    return [Piece("open", opener, span), *_scan(inner, counter), Piece("close", closer, span)]


def has_words(text: str) -> bool:
    """True when the text has letters outside protected pieces (anything worth translating)."""
    return any(p.kind == "text" and _LETTER.search(p.text) for p in tokenize(text))


def mask(text: str) -> tuple[str, list[str]]:
    """Replace protected pieces and link targets with numbered placeholders for NMT engines.

    Returns:
        The masked text and the literals, placeholder ``⟦i⟧`` standing for ``literals[i]``.
    """
    literals: list[str] = []
    out: list[str] = []
    for piece in tokenize(text):
        if piece.kind == "protected" or (piece.kind == "close" and piece.text.startswith("](")):
            if piece.kind == "close":
                out.append("]")
                literals.append(piece.text[1:])
            else:
                literals.append(piece.text)
            out.append(f"⟦{len(literals) - 1}⟧")
        else:
            out.append(piece.text)
    return "".join(out), literals


_PLACEHOLDER = re.compile(r"\s?⟦(\d+)⟧")


def unmask(text: str, literals: list[str]) -> str:
    """Put the literals back; any placeholder the engine dropped is appended, never lost."""
    used: set[int] = set()

    def put(m: re.Match[str]) -> str:
        i = int(m.group(1))
        if i >= len(literals) or i in used:
            return ""
        used.add(i)
        lead = m.group(0)[: len(m.group(0)) - len(m.group(0).lstrip())]
        return lead + literals[i]

    restored = _PLACEHOLDER.sub(put, text)
    missing = [lit for i, lit in enumerate(literals) if i not in used]
    return " ".join([restored, *missing]) if missing else restored
