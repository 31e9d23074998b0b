"""Checking a translation against a term base: violations, term usage and consistency.

A source term is honoured in a segment when one of its accepted target forms (in any inflection)
appears in the aligned target; it is violated when none does, or when one of its forbidden forms
does. Across a document, a term whose occurrences use different accepted forms is reported as
inconsistent, with the segments that use each.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from typing import NamedTuple

from glossary.match import Match, PhraseIndex
from glossary.termbase import Term, TermBase
from glossary.text import WORD, Normalizer, fold


class Violation(NamedTuple):
    """A term not honoured in one segment (a named tuple: cheap to make and to pass between
    processes by the hundred thousand).

    Attributes:
        segment: The segment's id ("line 12", "bitext.tsv:40").
        kind: "missing" (no accepted form in the target) or "forbidden" (a forbidden form used).
        term: The glossary entry.
        position: Character offset of the term in the source segment.
        source_text: The term as written in the source.
        found: For "forbidden", the forbidden form as written in the target.
    """

    segment: str
    kind: str
    term: Term
    position: int
    source_text: str
    found: str = ""

    @property
    def message(self) -> str:
        expected = " | ".join(self.term.targets)
        if self.kind == "forbidden":
            return (f"'{self.source_text}' (char {self.position}) rendered with the forbidden "
                    f"'{self.found}'; use {expected}")
        return f"'{self.source_text}' (char {self.position}) not rendered as {expected}"

    def __str__(self) -> str:
        return f"{self.segment}: {self.message}"


@dataclass(frozen=True)
class Inconsistency:
    """A term rendered in more than one accepted way across a document.

    Attributes:
        term: The glossary entry.
        forms: Each form used, with the ids of the segments that use it.
    """

    term: Term
    forms: tuple[tuple[str, tuple[str, ...]], ...]

    def __str__(self) -> str:
        used = "; ".join(f"{form} ×{len(ids)} ({', '.join(ids[:3])}"
                         f"{', …' if len(ids) > 3 else ''})" for form, ids in self.forms)
        return f"'{self.term.source}' rendered {len(self.forms)} ways: {used}"


#: A violation as it is found and passed between processes: (segment id, kind, term index,
#: position, source text, found); ``Violation`` objects are made only when asked for.
Found = tuple[str, str, int, int, str, str]


def _violations(found: Sequence[Found], terms: Sequence[Term]) -> list[Violation]:
    return [Violation(seg, kind, terms[t], pos, text, bad)
            for seg, kind, t, pos, text, bad in found]


@dataclass
class CheckReport:
    """What ``check_segments`` found.

    Attributes:
        segments: Segments checked.
        occurrences: Source-term occurrences found.
        honoured: Occurrences matched by an accepted target form (at most one form per
            occurrence, so ``honoured / occurrences`` is the term usage rate).
        inconsistencies: Terms rendered in more than one accepted way.
        terms: The term base's entries (what ``found`` indexes).
        found: Each violation, in document order, as compact rows; see ``violations``.
    """

    segments: int = 0
    occurrences: int = 0
    honoured: int = 0
    inconsistencies: list[Inconsistency] = field(default_factory=list)
    terms: Sequence[Term] = ()
    found: list[Found] = field(default_factory=list, repr=False)

    @property
    def usage(self) -> float:
        """Term usage rate (Dinu et al. 2019): honoured occurrences over all occurrences."""
        return self.honoured / self.occurrences if self.occurrences else 1.0

    @property
    def violation_count(self) -> int:
        return len(self.found)

    def first_violations(self, limit: int | None = None) -> list[Violation]:
        """The first ``limit`` violations in document order (all of them by default)."""
        return _violations(self.found[:limit], self.terms)

    @property
    def violations(self) -> list[Violation]:
        """Every violation, in document order."""
        return self.first_violations()


@dataclass(frozen=True)
class SegmentCheck:
    """One segment's terms: what the source has and what the target does with them."""

    terms: dict[int, list[Match]]  # term index -> its occurrences in the source
    used: dict[int, list[int]]  # term index -> accepted form index of each target occurrence
    forbidden: dict[int, list[Match]]  # term index -> forbidden forms found in the target


#: Most letters an inflected word may differ by at its end ("-ies", "-aux", "-ern").
INFLECTION = 3


def _joined(keys: Sequence[str]) -> str:
    return "\x01" + "\x01".join(keys) + "\x01"


class TermChecker:
    """Finds a term base's terms in source segments and their renderings in targets.

    Implements the QA capability's ``TermChecker`` protocol (``violations``).

    Args:
        base: The term base.
    """

    def __init__(self, base: TermBase) -> None:
        self.base = base
        self.source_index = PhraseIndex(Normalizer(base.src.name))
        self.target_index = PhraseIndex(Normalizer(base.tgt.name))
        # target payload -> (term index, form index, forbidden?)
        self.forms: list[tuple[int, int, bool]] = []
        # term index -> (form index, keys joined as in ``_joined``, forbidden?)
        self.patterns: list[list[tuple[int, str, bool]]] = []
        # (payloads found at one place, text there) -> the entry it is, or -1
        self._chosen: dict[tuple[tuple[int, ...], str], int] = {}
        norm = self.target_index.norm
        for t, term in enumerate(base.terms):
            self.source_index.add(term.source, t, term.case_sensitive)
            self.patterns.append([])
            for kind, forms in ((False, term.targets), (True, term.forbidden)):
                for f, form in enumerate(forms):
                    self.forms.append((t, f, kind))
                    self.target_index.add(form, len(self.forms) - 1, term.case_sensitive)
                    pattern = _joined(norm.phrase(form))
                    # forms that match alike ("Communist", "communistic") are one rendering
                    if len(pattern) > 2 and all(p != pattern for _, p, _ in self.patterns[t]):
                        self.patterns[t].append((f, pattern, kind))

    def in_source(self, source: str) -> dict[int, list[Match]]:
        """The terms of a source text: term index -> occurrences (leftmost-longest).

        Snowball stems derivations too ("communication", "commune" and "communisme" all
        stem to "commun"), so a stem match must also look like an inflection: each word may
        differ from the entry's only in its last three letters. Where entries stem alike
        ("bourgeoisie", "bourgeois"), an occurrence goes to the entry written like it: the same
        word, else the entry that is its prefix ("bourgeoise" is "bourgeois"), else the longest
        shared start.
        """
        found: dict[int, list[Match]] = defaultdict(list)
        chosen_for = self._chosen
        for payloads, start, end, text in self.source_index.groups(source):
            chosen = chosen_for.get((payloads, text))
            if chosen is None:  # a book repeats its terms: each written form is judged once
                chosen = chosen_for[payloads, text] = self._choose(payloads, text)
            if chosen >= 0:
                found[chosen].append(Match(chosen, start, end, text))
        return found

    def _choose(self, payloads: tuple[int, ...], text: str) -> int:
        """The entry an occurrence belongs to, or -1 when it is not an inflection of any."""
        inflected = [p for p in payloads if self._judge(p, text)]
        if not inflected:
            return -1
        return max(inflected, key=lambda p: self._closeness(p, text))

    def _judge(self, payload: int, text: str) -> bool:
        words = WORD.findall(self.base.terms[payload].source)
        for a, b in zip(WORD.findall(text), words, strict=True):
            a, b = fold(a.lower()), fold(b.lower())
            if a != b:
                shared = len(os.path.commonprefix([a, b]))
                if len(a) - shared > INFLECTION or len(b) - shared > INFLECTION:
                    return False
        return True

    def _closeness(self, payload: int, text: str) -> tuple[bool, bool, int]:
        written = fold(text.lower())
        term = fold(self.base.terms[payload].source.lower())
        shared = len(os.path.commonprefix([written, term]))
        return written == term, written.startswith(term), shared

    def segment(self, source: str, target: str,
                terms: dict[int, list[Match]] | None = None) -> SegmentCheck:
        """One aligned pair: its source terms and how the target renders them.

        Args:
            source: The source segment.
            target: Its translation.
            terms: ``in_source(source)`` when the caller has it already (one source checked
                against several translations).
        """
        terms = self.in_source(source) if terms is None else terms
        used: dict[int, list[int]] = defaultdict(list)
        forbidden: dict[int, list[Match]] = defaultdict(list)
        if not terms:
            return SegmentCheck(terms, used, forbidden)
        # only the forms of the terms in the source are looked for: a substring count over
        # the target's joined keys, in C; a precise scan only for case and forbidden forms
        joined = _joined(self.target_index.norm.keys(WORD.findall(target)))
        precise = False
        for t in terms:
            for f, pattern, bad in self.patterns[t]:
                if pattern in joined:
                    if bad or self.base.terms[t].case_sensitive:
                        precise = True
                    else:
                        used[t] += [f] * joined.count(pattern)
        if precise:
            for m in self.target_index.find(target, every=True):
                t, f, bad = self.forms[m.payload]
                if t in terms and (bad or self.base.terms[t].case_sensitive):
                    (forbidden[t].append(m) if bad else used[t].append(f))
        return SegmentCheck(terms, used, forbidden)

    def segment_violations(self, segment_id: str, source: str, target: str
                           ) -> tuple[list[Violation], SegmentCheck]:
        """One aligned pair's violations, by position in the source, and its check."""
        found, check = self._found(segment_id, source, target)
        return _violations(found, self.base.terms), check

    def _found(self, segment_id: str, source: str, target: str
               ) -> tuple[list[Found], SegmentCheck]:
        check = self.segment(source, target)
        found: list[Found] = []
        for t, occurrences in check.terms.items():
            bad = check.forbidden.get(t)
            if bad:
                first = occurrences[0]
                found.append((segment_id, "forbidden", t, first.start, first.text, bad[0].text))
            elif not check.used.get(t):
                found += [(segment_id, "missing", t, m.start, m.text, "") for m in occurrences]
        if len(found) > 1:
            found.sort(key=itemgetter(3))
        return found, check

    def violations(self, source: str, target: str) -> list[str]:
        """Messages for the QA ``glossary`` check."""
        return [v.message for v in self.segment_violations("", source, target)[0]]


#: Below this many segments one process is faster than starting workers.
PARALLEL_FROM = 20_000


def check_segments(checker: TermChecker, segments: Iterable[tuple[str, str, str]],
                   workers: int | None = None) -> CheckReport:
    """Check every aligned pair of a document.

    Args:
        checker: A checker for the term base.
        segments: ``(segment id, source, target)`` in document order.
        workers: Processes to use; by default every core for ``PARALLEL_FROM`` segments or
            more (forked, so the automaton is shared, not copied), else one.

    Returns:
        Violations, the term usage rate and the terms rendered inconsistently.
    """
    with _no_gc():
        return _check_all(checker, list(segments), workers)


@contextmanager
def _no_gc() -> Iterator[None]:
    """The check makes a million small acyclic objects: the cycle collector would only
    rescan them, a third of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check_all(checker: TermChecker, rows: list[tuple[str, str, str]], workers: int | None
               ) -> CheckReport:
    workers = workers or ((os.cpu_count() or 1) if len(rows) >= PARALLEL_FROM else 1)
    if workers == 1 or "fork" not in mp.get_all_start_methods():
        parts = [_check_part(checker, rows)]
    else:
        size = -(-len(rows) // (workers * 4))
        chunks = [(i, i + size) for i in range(0, len(rows), size)]
        # forked workers inherit the checker and the rows: only the results are pickled
        with mp.get_context("fork").Pool(workers, _init_worker, (checker, rows)) as pool:
            parts = pool.map(_check_chunk, chunks)
    report = CheckReport(terms=checker.base.terms)
    usage: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for (segments, occurrences, honoured), found, part_usage in parts:
        report.segments += segments
        report.occurrences += occurrences
        report.honoured += honoured
        report.found += found
        for t, by_form in part_usage.items():
            for f, ids in by_form.items():
                usage[t][f] += ids
    report.inconsistencies = _inconsistent(checker.base, usage)
    return report


_WORKER: list[tuple[TermChecker, list[tuple[str, str, str]]]] = []
#: A part's counts (segments, occurrences, honoured), violations and usage by term and form.
_Part = tuple[tuple[int, int, int], list[Found], dict[int, dict[int, list[str]]]]


def _init_worker(checker: TermChecker, rows: list[tuple[str, str, str]]) -> None:
    gc.disable()  # a short-lived worker: see _no_gc
    _WORKER[:] = [(checker, rows)]


def _check_chunk(span: tuple[int, int]) -> _Part:
    checker, rows = _WORKER[0]
    return _check_part(checker, rows[span[0]:span[1]])


def _check_part(checker: TermChecker, rows: Iterable[tuple[str, str, str]]) -> _Part:
    segments = occurrences = honoured = 0
    found: list[Found] = []
    usage: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for seg_id, source, target in rows:
        if not source.strip() or not target.strip():
            continue  # a sentence with no counterpart in the alignment: nothing to check
        segments += 1
        violations, check = checker._found(seg_id, source, target)
        found += violations
        for t, matches in check.terms.items():
            used = check.used.get(t, ())
            occurrences += len(matches)
            honoured += min(len(matches), len(used))
            for f in set(used):
                usage[t][f].append(seg_id)
    return (segments, occurrences, honoured), found, {t: dict(u) for t, u in usage.items()}


def _inconsistent(base: TermBase, usage: dict[int, dict[int, list[str]]]
                  ) -> list[Inconsistency]:
    found = []
    for t, by_form in usage.items():
        if len(by_form) > 1:
            term = base.terms[t]
            forms = sorted(((term.targets[f], tuple(ids)) for f, ids in by_form.items()),
                           key=lambda x: -len(x[1]))
            found.append(Inconsistency(term, tuple(forms)))
    return sorted(found, key=lambda i: -sum(len(ids) for _, ids in i.forms))


def usage_rate(checker: TermChecker, pairs: Sequence[tuple[str, str]]) -> float:
    """Term usage over aligned pairs (share of source-term occurrences honoured)."""
    return check_segments(checker, ((str(i), s, t) for i, (s, t) in enumerate(pairs))).usage
