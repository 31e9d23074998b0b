"""What QA's checks need to know about a text before judging it: its prose words, and whether
it needs translating at all (names, references, entries of a keep list).

A text that needs no translation is one a translator correctly leaves as it is: a name run
(``Radio Nacional de España``), a reference line (``↑ https://… Drone rescues man``), a URL,
a do-not-translate glossary term or an entry of the user's keep list.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache

URL = re.compile(r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+\.[\w.]+")
CODE = re.compile(r"`[^`]*`")
WORD = re.compile(r"[^\W\d_]+")
_CITATION = re.compile(r"^\W*(?:ibid|op\.\s*cit|cf|vgl|p|pp|s|vol|chap|isbn|doi)\b\.?",
                       re.IGNORECASE)
#: A footnote or reference marker at the start of a line, after an optional list bullet:
#: Wikipedia's ↑ and ^ back-links, ↩, daggers, Markdown footnote labels ``[^1]:``, ``[12]``.
_MARKER = re.compile(r"^\s*(?:[-*+•]\s+)?(?:[↑^↩†‡]|\[\^?\w+\]:?|\(\d+\)\s)")
_DOI = re.compile(r"\b(?:doi:\s*10\.\d+/\S+|isbn[\s:-]*[\d-]{10,})", re.IGNORECASE)
#: A URL with at most this many words of prose around it is a reference, not a sentence.
REFERENCE_WORDS = 12
#: Texts with fewer letters than this need no translation check (names, numbers, labels).
MIN_LETTERS = 12
#: Lower-case words that occur inside names: "Radio Nacional de España", "Universidad de
#: Buenos Aires", "Ludwig van Beethoven", "Bank of England", "Boulogne-sur-Mer".
PARTICLES = frozenset({
    "a", "al", "am", "an", "and", "à", "au", "aux", "auf", "bei", "bin", "d", "da", "dal",
    "dalla", "das", "de", "dei", "degli", "del", "della", "delle", "dels", "den", "der",
    "des", "di", "do", "dos", "du", "e", "el", "en", "et", "for", "för", "från", "für", "i",
    "ibn", "im", "in", "l", "la", "las", "le", "les", "lès", "lo", "los", "of", "on", "op",
    "sous", "sul", "sur", "te", "ten", "ter", "the", "til", "to", "und", "upon", "van", "vom",
    "von", "y", "z", "zu", "zum", "zur",
})


def prose(text: str) -> list[str]:
    """The words of `text` outside URLs, e-mail addresses and code spans."""
    return WORD.findall(CODE.sub(" ", URL.sub(" ", text)))


def plain(text: str) -> str:
    """The text with HTML entities decoded (some engines and APIs return them escaped)."""
    return html.unescape(text) if "&" in text else text


def norm(text: str) -> str:
    """Case and spacing folded, for comparing a target with its source."""
    return " ".join(text.casefold().split())


def is_name_run(words: Sequence[str]) -> bool:
    """Whether the words are names only: capitalised words, with lower-case particles
    (``de``, ``van``, ``of the``) only between two capitalised words."""
    if not words or not words[0][0].isupper() or not words[-1][0].isupper():
        return False
    return all(w[0].isupper() or w in PARTICLES for w in words)


def is_reference(text: str) -> bool:
    """Whether a line is a reference rather than prose: it starts with a footnote marker
    (↑, ^, ``[^1]:``), cites (``ibid.``, ``pp.``, a DOI or ISBN), or is a URL with at most
    `REFERENCE_WORDS` words around it (a linked title)."""
    if _MARKER.match(text) or _CITATION.match(text) or _DOI.search(text):
        return True
    return bool(URL.search(text)) and len(prose(text)) <= REFERENCE_WORDS


@lru_cache(maxsize=16)
def _kept_pattern(keep: tuple[str, ...]) -> re.Pattern[str] | None:
    entries = sorted({k.strip() for k in keep if k.strip()}, key=len, reverse=True)
    if not entries:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, entries)) + r")(?!\w)",
                      re.IGNORECASE)


def without_kept(text: str, keep: tuple[str, ...]) -> str:
    """The text with every entry of the keep list (whole words, any case) blanked out."""
    pattern = _kept_pattern(keep) if keep else None
    return text if pattern is None else pattern.sub(" ", text)


def exemption(text: str, keep: tuple[str, ...] = ()) -> str | None:
    """Why a text needs no translation (or cannot be judged), or None if it is prose.

    Args:
        text: a source or target segment.
        keep: texts that stay as they are (do-not-translate terms, the user's keep list).

    Returns:
        "too little text", "a reference", "kept as it is" or "names only"; None for prose.
    """
    words = prose(text)
    if sum(map(len, words)) < MIN_LETTERS:
        return "too little text"
    if is_reference(text):
        return "a reference"
    if keep:
        rest = prose(without_kept(text, keep))
        if len(rest) < len(words) and (sum(map(len, rest)) < MIN_LETTERS
                                       or is_name_run(rest)):
            return "kept as it is"
    if is_name_run(words):
        return "names only"
    return None


def language_sample(text: str, keep: tuple[str, ...] = ()) -> str:
    """The words that tell a text's language: names (capitalised words inside a sentence),
    kept terms, URLs and code left out, since those keep their own language in any
    translation."""
    words = prose(without_kept(plain(text), keep))
    return " ".join(w for k, w in enumerate(words) if k == 0 or not w[0].isupper())


def word_count(text: str) -> int:
    """How many words of prose a text has."""
    return len(prose(text))
