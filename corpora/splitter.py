"""Sentence splitting: one splitter for every language and every step of diglot.

sentencex (Wikimedia) is used because it is maintained, rule-based (no model to download),
covers about 300 languages through fallback chains, and keeps the text's own whitespace, so the
sentences of a paragraph join back into exactly that paragraph.
"""

from __future__ import annotations

import re
from functools import lru_cache

_INITIAL = re.compile(r"^\S{1,2}\.$")  # "M.", "J." — titles and initials, not sentences


@lru_cache(maxsize=64)
def _iso1(lang: str) -> str:
    from translate.langs import resolve

    info = resolve(lang)
    return info.iso1 or info.iso3


def split_sentences(text: str, lang: str) -> list[tuple[str, str]]:
    """Split a paragraph into sentences.

    Args:
        text: One paragraph (no block structure inside).
        lang: Language code (any form ``translate.langs.resolve`` accepts).

    Returns:
        ``(sentence, trailing_whitespace)`` pairs; joining them gives back ``text`` without its
        leading whitespace.
    """
    from sentencex import segment

    body = text.lstrip()
    if not body:
        return []
    pieces = [p for p in segment(_iso1(lang), body) if p]
    if "".join(pieces) != body:  # never lose a character to the splitter
        pieces = [body]
    merged: list[str] = []
    for piece in pieces:
        if merged and _INITIAL.match(merged[-1].strip()):
            merged[-1] += piece
        else:
            merged.append(piece)
    out: list[tuple[str, str]] = []
    for piece in merged:
        stripped = piece.rstrip()
        if not stripped:  # whitespace-only piece: attach to the previous sentence
            if out:
                out[-1] = (out[-1][0], out[-1][1] + piece)
            continue
        out.append((stripped, piece[len(stripped):]))
    return out
