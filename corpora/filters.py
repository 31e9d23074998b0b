"""Corpus filters: OpusFilter's proven ones, applied to a stream of pairs with a count each.

A filter sees the pairs in batches (language identification is only fast in batches) and says
which to keep. `apply` runs the chosen filters in a fixed order, cheapest first, each on what
the ones before it kept, and counts every removed pair under the first filter that removed it.
Models: OpusFilter's ``DuplicateFilter`` step (exact and letters-only duplicates),
``LengthRatioFilter`` (characters, threshold 3), ``LanguageIDFilter`` and ``NumeralFilter``;
OpusTools' alignment-certainty threshold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from corpora.pairs import Pair
from diglot.errors import ConfigError

if TYPE_CHECKING:
    from evaluation.langid import LanguageIdentifier
    from evaluation.qa import Context

#: Default longest/shortest length ratio in characters (OpusFilter's LengthRatioFilter).
MAX_RATIO = 3.0
#: A side with fewer letters than this is too short to identify reliably and passes the
#: language filter: on FLORES dev (en, fr, sentence prefixes), lingua named a wrong language
#: for 2 % of 10–19-letter texts and 0.7 % of 20–24-letter ones.
MIN_LETTERS = 20
#: Pairs read ahead and filtered together.
BATCH = 1000

_DIGIT = re.compile(r"\d")


class Filter(Protocol):
    """One reason to leave a pair out of a corpus."""

    @property
    def name(self) -> str:
        """The filter's name in ``--filters`` and in the report."""
        ...

    def keep(self, pairs: Sequence[Pair]) -> list[bool]:
        """Whether to keep each pair of a batch, in order (filters may remember earlier
        batches: the duplicate filters do)."""
        ...


class EmptyFilter:
    """Either side blank (always on: an empty side is no translation pair)."""

    name = "empty"

    def keep(self, pairs: Sequence[Pair]) -> list[bool]:
        return [bool(p.source.strip()) and bool(p.target.strip()) for p in pairs]


class DuplicateFilter:
    """Exact duplicates (same source and same target): the first one is kept.

    Remembers one 64-bit hash per distinct pair seen (a set of ints, about 60 bytes each with
    Python's overhead: 60 MB for a million pairs), never the texts.
    """

    name = "duplicate"

    def __init__(self) -> None:
        self._seen: set[int] = set()

    def _key(self, pair: Pair) -> tuple[str, str]:
        return pair.source, pair.target

    def keep(self, pairs: Sequence[Pair]) -> list[bool]:
        out = []
        for pair in pairs:
            key = hash(self._key(pair))
            out.append(key not in self._seen)
            self._seen.add(key)
        return out


def normalise(text: str) -> str:
    """Text compared by the near-duplicate filter: casefolded, with punctuation, symbols and
    whitespace removed; letters and digits kept ("It costs 5 €!" → "itcosts5")."""
    return "".join(filter(str.isalnum, text.casefold()))  # 1.6x faster than re.sub


class NearDuplicateFilter(DuplicateFilter):
    """Duplicates once both sides are normalised (see `normalise`): the first one is kept."""

    name = "near-duplicate"

    def _key(self, pair: Pair) -> tuple[str, str]:
        return normalise(pair.source), normalise(pair.target)


@dataclass(frozen=True)
class LengthRatioFilter:
    """Sides whose lengths in characters differ by more than ``max_ratio`` (longer / shorter);
    a side of zero length never passes."""

    max_ratio: float = MAX_RATIO
    name: str = "length-ratio"

    def keep(self, pairs: Sequence[Pair]) -> list[bool]:
        out = []
        for p in pairs:
            a, b = len(p.source.strip()), len(p.target.strip())
            out.append(min(a, b) > 0 and max(a, b) <= self.max_ratio * min(a, b))
        return out


@dataclass(frozen=True)
class ScoreFilter:
    """Alignment score below ``min_score``; a pair without a score passes."""

    min_score: float
    name: str = "score"

    def keep(self, pairs: Sequence[Pair]) -> list[bool]:
        return [p.align_score is None or p.align_score >= self.min_score for p in pairs]


class QAFilter:
    """An error-level QA flag on the pair (``numbers:error`` in `Pair.flags`)."""

    name = "qa"

    def keep(self, pairs: Sequence[Pair]) -> list[bool]:
        return [not any(f.endswith(":error") for f in p.flags) for p in pairs]


class NumbersFilter:
    """Numbers that differ between source and target, whatever their local format (the QA
    numbers check of `evaluation.checks`: "1,5" = "1.5", "trois" = 3)."""

    name = "numbers"

    def keep(self, pairs: Sequence[Pair]) -> list[bool]:
        from evaluation.checks import NumbersCheck
        from evaluation.qa import Item

        out = [True] * len(pairs)
        check = NumbersCheck()
        for (src, tgt), ks in _by_languages(pairs).items():
            # the check finds nothing without a digit; a regex tells 4x faster than it does
            items = [Item(str(k), pairs[k].source, pairs[k].target) for k in ks
                     if _DIGIT.search(pairs[k].source) or _DIGIT.search(pairs[k].target)]
            for flag in check.run(items, _context(src, tgt)):
                out[int(flag.item)] = False
        return out


class LangidFilter:
    """A side that is clearly in another language than its pair says (lingua, batched).

    A side with fewer than `MIN_LETTERS` letters passes, and so does one the identifier cannot
    tell apart from its language (see `LanguageIdentifier.other_than`).

    Raises:
        ConfigError: (from `keep`) neither language of a pair has a language model.
    """

    name = "langid"

    def __init__(self) -> None:
        self._identifiers: dict[tuple[str, str], LanguageIdentifier] = {}

    def _identifier(self, src: str, tgt: str) -> LanguageIdentifier:
        if (src, tgt) not in self._identifiers:
            from evaluation.langid import LanguageIdentifier

            ctx = _context(src, tgt)
            try:
                found = LanguageIdentifier([*([ctx.source] if ctx.source else []), ctx.target])
            except ConfigError as exc:
                raise ConfigError(f"langid filter: {exc}; leave langid out of --filters") \
                    from None
            self._identifiers[(src, tgt)] = found
        return self._identifiers[(src, tgt)]

    def keep(self, pairs: Sequence[Pair]) -> list[bool]:
        out = [True] * len(pairs)
        for (src, tgt), ks in _by_languages(pairs).items():
            ctx = _context(src, tgt)
            lid = self._identifier(src, tgt)
            for code, side in ((ctx.source.code if ctx.source else None, "source"),
                               (ctx.target.code, "target")):
                if code is None:
                    continue
                picked = [k for k in ks if _letters(getattr(pairs[k], side)) >= MIN_LETTERS]
                other = lid.other_than([getattr(pairs[k], side) for k in picked], code)
                for k, lang in zip(picked, other, strict=True):
                    if lang is not None:
                        out[k] = False
        return out


def _letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


def _by_languages(pairs: Sequence[Pair]) -> dict[tuple[str, str], list[int]]:
    """Indices of a batch's pairs grouped by (source language, target language)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for k, p in enumerate(pairs):
        groups.setdefault((p.src_lang, p.tgt_lang), []).append(k)
    return groups


def _context(src: str, tgt: str) -> Context:
    from evaluation.qa import Context
    from translate.langs import resolve

    return Context(resolve(src) if src else None, resolve(tgt))

#: Filter names in the order `apply` runs them: cheap ones first, so the costly ones
#: (numbers, langid) see fewer pairs.
NAMES = ("empty", "duplicate", "near-duplicate", "length-ratio", "score", "qa", "numbers",
         "langid")


def parse_filters(spec: str, *, min_score: float | None = None,
                  max_ratio: float = MAX_RATIO) -> list[Filter]:
    """The filters named in a comma-separated list (``"duplicate,langid"``), in run order.

    ``empty`` is always included; ``score`` is included when `min_score` is given; ``all``
    stands for every filter but ``score``.

    Args:
        spec: Filter names separated by commas ("" for none but the always-on ones).
        min_score: Least alignment score a pair needs (the score filter's threshold).
        max_ratio: Largest length ratio in characters (the length-ratio filter's).

    Returns:
        New filter objects (the duplicate filters hold state: use them for one stream).

    Raises:
        ConfigError: an unknown name (the message lists the valid ones), ``score`` without
            `min_score`, or a ratio below 1.
    """
    names = {n.strip().lower() for n in spec.split(",") if n.strip()}
    if "all" in names:
        names = (names - {"all"}) | (set(NAMES) - {"score"})
    unknown = sorted(names - set(NAMES))
    if unknown:
        raise ConfigError(f"unknown filter {', '.join(repr(n) for n in unknown)}; choose "
                          f"among {', '.join(NAMES)}, or all")
    if "score" in names and min_score is None:
        raise ConfigError("the score filter needs a threshold: give --min-score")
    if max_ratio < 1:
        raise ConfigError(f"a length ratio of {max_ratio} keeps nothing; give 1 or more")
    names |= {"empty"} | ({"score"} if min_score is not None else set())
    made: dict[str, Filter] = {
        "empty": EmptyFilter(), "duplicate": DuplicateFilter(),
        "near-duplicate": NearDuplicateFilter(), "length-ratio": LengthRatioFilter(max_ratio),
        "qa": QAFilter(), "numbers": NumbersFilter(), "langid": LangidFilter()}
    if min_score is not None:
        made["score"] = ScoreFilter(min_score)
    return [made[n] for n in NAMES if n in names]


@dataclass
class FilterReport:
    """What the filters removed: pairs per filter (each under the first that removed it).

    Complete once the stream `apply` returns has been read to its end.

    Attributes:
        removed: Filter name -> pairs it removed, every filter applied included (0 if none).
        seen: Pairs read.
        kept: Pairs that passed every filter.
    """

    removed: dict[str, int] = field(default_factory=dict)
    seen: int = 0
    kept: int = 0

    def __str__(self) -> str:
        counts = ", ".join(f"{name} {n}" for name, n in self.removed.items())
        return f"kept {self.kept} of {self.seen} pairs; removed: {counts or 'none'}"


def apply(pairs: Iterable[Pair], filters: Sequence[Filter], batch: int = BATCH
          ) -> tuple[Iterator[Pair], FilterReport]:
    """Filter a stream of pairs lazily, in order, reading `batch` pairs ahead.

    Args:
        pairs: The pairs, in corpus order.
        filters: From `parse_filters` (run in the order given).
        batch: How many pairs each filter sees at once.

    Returns:
        The kept pairs (a generator: nothing runs until it is read) and the report it fills.
    """
    report = FilterReport({f.name: 0 for f in filters})

    def run() -> Iterator[Pair]:
        for chunk in _chunks(pairs, batch):
            report.seen += len(chunk)
            for f in filters:
                mask = f.keep(chunk)
                report.removed[f.name] += len(chunk) - sum(mask)
                chunk = [p for p, ok in zip(chunk, mask, strict=True) if ok]
            report.kept += len(chunk)
            yield from chunk

    return run(), report


def _chunks(pairs: Iterable[Pair], size: int) -> Iterator[list[Pair]]:
    chunk: list[Pair] = []
    for pair in pairs:
        chunk.append(pair)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
