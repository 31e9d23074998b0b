"""Numbers in text, compared across languages whatever their local format.

"1,5" (French) and "1.5" (English) are the same number; so are "1 000", "1.000", "1'000" and
"1,000". Rather than guess the locale, each written number keeps every value it can stand for
and two numbers match when those sets meet. A space-grouped "1 500" may also be two numbers,
"1" and "500", and is tried both ways. Small numbers written as words ("three", "trois") count
as numbers, since translators often spell them out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

_NUMBER = re.compile(r"\d+(?:[.,'’]\d+)*")
#: HTML entities (&#39;, &quot;) that some engines and APIs leave in their output.
ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
# 11:29, 11 h 29, 11h29, 9:30 pm, 9 a.m.; hours and minutes, with the 12-hour clock resolved
_TIME = re.compile(r"(?<![\d.,])(\d{1,2})(?:\s?(?::|h\b|h(?=\d))\s?(\d{2})|(?=\s?[ap]\.?\s?m\b))"
                   r"(?:\s?([ap])\.?\s?m\b\.?)?(?!\d)", re.IGNORECASE)
_GROUP_SPACE = re.compile(r"\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?![\d.,]\d)")

_WORDS = {
    "en": "zero one two three four five six seven eight nine ten eleven twelve",
    "fr": "zéro un deux trois quatre cinq six sept huit neuf dix onze douze",
    "es": "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce",
    "de": "null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf",
    "it": "zero uno due tre quattro cinque sei sette otto nove dieci undici dodici",
    "pt": "zero um dois três quatro cinco seis sete oito nove dez onze doze",
}
_ALSO = {"en": {"1": "a an first", "2": "second twice", "3": "third"},
         "fr": {"1": "une premier première", "2": "second seconde deuxième"},
         "es": {"1": "un una primer primero primera", "2": "segundo segunda"},
         "de": {"1": "ein eine einen einem einer erste ersten", "2": "zweite zweiten"},
         "it": {"1": "un una primo prima"}, "pt": {"1": "uma primeiro primeira"}}


@dataclass(frozen=True)
class Number:
    """A number as written, with every value it may stand for."""

    text: str
    values: frozenset[float]
    parts: tuple[Number, ...] = ()  # "1 500" may also be "1" and "500"

    def matches(self, other: Number) -> bool:
        return bool(self.values & other.values)


def _values(text: str) -> frozenset[float]:
    """Readings of digits with . , ' separators: grouped thousands, or a decimal mark."""
    groups = re.split(r"[.,'’]", text)
    seps = re.findall(r"[.,'’]", text)
    values = set()
    if not seps:
        return frozenset({float(text)})
    if all(len(g) == 3 for g in groups[1:]) and len(set(seps)) == 1:
        values.add(float("".join(groups)))  # 1,000 / 1.000.000 / 1'000
    if len(seps) == 1 or (len(set(seps)) == 2 and seps[-1] != seps[0]):
        whole = "".join(groups[:-1])  # 1,5 / 1.5 / 1.000,5 / 1,000.5
        if len(seps) == 1 or all(len(g) == 3 for g in groups[1:-1]):
            values.add(float(f"{whole}.{groups[-1]}"))
    if not values:  # dotted dates, versions, references: 12.03.2020, 1.2.3
        values.add(float("".join(groups)))
    return frozenset(values)


def numbers(text: str) -> list[Number]:
    """The numbers written with digits in `text`, in order."""
    text = ENTITY.sub(" ", text)
    out: list[Number] = []
    taken: list[tuple[int, int]] = []
    for m in _TIME.finditer(text):
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        hours = {hour, hour + 12} if (m.group(3) or "").lower() == "p" and hour < 12 else {hour}
        values = {v for h in hours for v in (h + minute / 100, h * 100 + minute, float(h))
                  if minute == 0 or v != float(h)}
        out.append(Number(m.group(), frozenset(values)))
        taken.append(m.span())
    for m in _GROUP_SPACE.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        pieces = re.split(r"[ \u00a0\u202f\u2009]", m.group())
        parts = tuple(Number(p, _values(p)) for p in pieces)
        out.append(Number(m.group(), frozenset({float("".join(pieces))}), parts))
        taken.append(m.span())
    for m in _NUMBER.finditer(text):
        if not any(s <= m.start() < e for s, e in taken):
            token = m.group().rstrip(".,'’")
            if token.strip("0"):  # "00" is the minutes of a time written another way
                out.append(Number(token, _values(token)))
    return out


@lru_cache(maxsize=64)
def number_words(lang: str) -> Mapping[str, float]:
    """Spelled-out small numbers of a language, word → value (one shared, read-only mapping
    per language: a check of one segment at a time asks for it on every call)."""
    words = {w: float(k) for k, w in enumerate(_WORDS.get(lang, "").split())}
    for value, extra in _ALSO.get(lang, {}).items():
        words.update(dict.fromkeys(extra.split(), float(value)))
    return words


def mismatches(source: Sequence[Number], target: Sequence[Number],
               target_words: frozenset[float] = frozenset(),
               source_words: frozenset[float] = frozenset()) -> tuple[list[str], list[str]]:
    """Numbers of the source missing from the target, and numbers the target adds.

    Args:
        source: numbers of the source segment.
        target: numbers of the target segment.
        target_words: values the target spells out in words (they cover missing numbers).
        source_words: values the source spells out in words (they cover added numbers).

    Returns:
        (missing source numbers, added target numbers), as written.
    """
    left = list(target)
    missing: list[Number] = []
    for num in source:
        hit = next((k for k, t in enumerate(left) if num.matches(t)), None)
        if hit is not None:
            del left[hit]
        else:
            missing.append(num)
    missing, left = _split_groups(missing, left)
    left, missing = _split_groups(left, missing)
    lost = [n.text for n in missing if not (n.values & target_words)]
    added = [n.text for n in left if not (n.values & source_words)]
    return lost, added


def _split_groups(unmatched: list[Number], others: list[Number],
                  ) -> tuple[list[Number], list[Number]]:
    """Retry unmatched space-grouped numbers as their separate parts."""
    still, pool = [], list(others)
    for num in unmatched:
        if not num.parts:
            still.append(num)
            continue
        if not any(part.matches(t) for part in num.parts for t in pool):
            still.append(num)  # no part matches either: report the number as written
            continue
        for part in num.parts:
            hit = next((k for k, t in enumerate(pool) if part.matches(t)), None)
            if hit is None:
                still.append(part)
            else:
                del pool[hit]
    return still, pool
