"""Words and their match keys: the one tokenizer and normaliser every glossary step shares.

A key is the word lower-cased, stemmed with the language's Snowball stemmer (PyStemmer) and
stripped of diacritics, so "classes sociales" and "Classe sociale" share keys and "Etat" in an
old print matches "État". Chinese and Japanese characters are a word each, since they are
written without spaces.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
WORD = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
#: ``split`` gives gap, word, gap, ..., word, gap: word k at 2k + 1, what precedes it at 2k.
WORDS_AND_GAPS = re.compile(f"({WORD.pattern})")
#: A word after one of these alone is glued to the one before ("petite-bourgeoisie").
HYPHENS = frozenset(("-", "\u2010", "\u2011"))


@dataclass(frozen=True)
class Token:
    """A word of a text and where it is.

    Attributes:
        text: The word as written.
        start: Offset of its first character.
        end: Offset after its last character.
        glued: Joined to the previous word by a hyphen ("petite-bourgeoisie"), so a term may
            not start or end between the two.
    """

    text: str
    start: int
    end: int
    glued: bool = False


def tokenize(text: str) -> list[Token]:
    """The words of a text with their offsets."""
    tokens: list[Token] = []
    prev_end = -1
    for m in WORD.finditer(text):
        glued = prev_end >= 0 and text[prev_end:m.start()] in HYPHENS
        tokens.append(Token(m.group(), m.start(), m.end(), glued))
        prev_end = m.end()
    return tokens


def fold(word: str) -> str:
    """The word without diacritics ("État" → "Etat")."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=64)
def _stemmer(language: str) -> Callable[[str], str] | None:
    import Stemmer  # PyStemmer: Snowball stemmers in C

    name = language.lower()
    if name not in Stemmer.algorithms():
        return None
    stem: Callable[[str], str] = Stemmer.Stemmer(name).stemWord
    return stem


class Normalizer:
    """Maps words of one language to match keys, with a cache (texts repeat their words).

    Args:
        language: English name of the language ("French"); languages Snowball has no stemmer
            for are matched on lower-cased, diacritic-free words.
    """

    def __init__(self, language: str) -> None:
        self.language = language
        self.stem = _stemmer(language)
        self._cache: dict[str, str] = {}

    @property
    def stems(self) -> bool:
        return self.stem is not None

    def key(self, word: str) -> str:
        """The match key of one word."""
        found = self._cache.get(word)
        if found is None:
            lower = word.lower()
            found = fold(self.stem(lower) if self.stem is not None else lower)
            if len(self._cache) < 1_000_000:
                self._cache[word] = found
        return found

    def keys(self, words: list[str]) -> list[str]:
        try:  # every word seen before: one C-level pass
            return list(map(self._cache.__getitem__, words))
        except KeyError:
            return [self.key(w) for w in words]

    def phrase(self, text: str) -> tuple[str, ...]:
        """The keys of a phrase's words: ``phrase("classes sociales") == ("class", "social")``."""
        return tuple(self.keys(WORD.findall(text)))


def words_key(text: str) -> tuple[str, ...]:
    """The words of a text lower-cased and without accents: two entries with the same
    ``words_key`` are the same entry ("Classe sociale", "classe sociale")."""
    return tuple(fold(w.lower()) for w in WORD.findall(text))


def case_shape(word: str) -> str:
    """"U" all capitals, "T" capitalised, "l" otherwise: what a case-sensitive term must match."""
    if word.isupper() and len(word) > 1:
        return "U"
    return "T" if word[:1].isupper() else "l"
