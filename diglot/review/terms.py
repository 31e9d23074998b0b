"""Glossary terms and cheap QA for the beads a reviewer sees.

The term base of a bitext is read once per file version (path, size, modification time) and
checked against the beads of one page only. A bead whose text a reviewer changed is re-checked
with the QA checks that look at one segment alone; the checks that need the whole document
(length statistics) or language identification are not re-run, and their flags stay marked as
found on the machine output (``FlagView.stale``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from diglot.errors import DiglotError
from diglot.review.views import FlagView, TermHit
from evaluation.checks import GlossaryCheck, segment_checks
from evaluation.qa import Check, Context, Item
from glossary.check import TermChecker
from glossary.termbase import TermBase, read_termbase
from translate.langs import Language, resolve

#: Checks that judge one segment by itself: re-run on a reviewer's text.
SEGMENT_CHECKS: tuple[Check, ...] = segment_checks()
LIVE_CHECKS = frozenset({c.name for c in SEGMENT_CHECKS} | {GlossaryCheck.name})


@lru_cache(maxsize=64)
def language(code: str) -> Language:
    """A language code resolved once."""
    return resolve(code)


@dataclass(frozen=True)
class Glossary:
    """A term base read from a file, with its checker.

    Attributes:
        base: The entries.
        checker: Finds them in sources and targets.
        version: The term base's version (a content hash).
    """

    base: TermBase
    checker: TermChecker
    version: str


class Glossaries:
    """Term bases by file, re-read when the file changes."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str, str], tuple[tuple[int, int], Glossary | None]] = {}
        self._lock = threading.Lock()

    def get(self, path: str | None, src: str, tgt: str) -> Glossary | None:
        """The term base of a file for a language pair; None without a file, or when it is
        missing or unreadable (the view then shows no terms; the run reported why)."""
        if not path:
            return None
        try:
            st = Path(path).stat()
        except OSError:
            return None
        stamp = (st.st_mtime_ns, st.st_size)
        key = (path, src, tgt)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            base = read_termbase(Path(path), language(src), language(tgt))
            found: Glossary | None = Glossary(base, TermChecker(base), base.version)
        except DiglotError:
            found = None
        with self._lock:
            self._cache[key] = (stamp, found)
        return found


def term_hits(glossary: Glossary, source: str, target: str) -> list[TermHit]:
    """The glossary terms of a bead's source and where its target renders them.

    Args:
        glossary: The bitext's term base.
        source: The bead's source text.
        target: Its current target text.

    Returns:
        One hit per term found in the source, in source order.
    """
    checker = glossary.checker
    found = checker.in_source(source)
    if not found:
        return []
    check = checker.segment(source, target, found)
    spans: dict[int, list[list[int]]] = {t: [] for t in found}
    for m in checker.target_index.find(target, every=True):
        t, _, forbidden = checker.forms[m.payload]
        if t in spans and not forbidden:
            spans[t].append([m.start, m.end])
    hits = []
    for t, matches in sorted(found.items(), key=lambda kv: kv[1][0].start):
        term = glossary.base.terms[t]
        violated = bool(check.forbidden.get(t)) or not check.used.get(t)
        hits.append(TermHit(term.source, list(term.targets),
                            [[m.start, m.end] for m in matches], spans[t], violated))
    return hits


EMPTY_SIDE = "empty-side"
_NO_SOURCE = FlagView(EMPTY_SIDE, "warning", "no source sentence: merge this bead with a "
                      "neighbour, or move a sentence to it")
_NO_TARGET = FlagView(EMPTY_SIDE, "warning", "no target text: write one, or merge this bead "
                      "with a neighbour")


def side_flags(src: tuple[int, ...], target: str | None) -> tuple[FlagView, ...]:
    """The "empty-side" flag of a bead with no source sentence or no target text (a split
    or a move can leave one; the output document then has a sentence with nothing facing it).

    Args:
        src: The bead's source segment positions.
        target: Its current target text; None when not read (a bead with target ids whose
            machine text is taken to be there).
    """
    no_target = target is not None and not target.strip()
    return (() if src else (_NO_SOURCE,)) + ((_NO_TARGET,) if no_target else ())


def live_flags(glossary: Glossary | None, src: str, tgt: str, source: str, target: str
               ) -> list[FlagView]:
    """The one-segment QA checks (and the glossary check) on a reviewer's text.

    Args:
        glossary: The bitext's term base, if any.
        src: Source language code.
        tgt: Target language code.
        source: The bead's source text.
        target: Its current target text.

    Returns:
        The flags found, none of them stale.
    """
    ctx = Context(language(src), language(tgt))
    checks: list[Check] = list(SEGMENT_CHECKS)
    if glossary is not None:
        checks.append(GlossaryCheck(glossary.checker))
    item = [Item("bead", source, target)]
    return [FlagView(f.check, f.severity, f.message) for c in checks for f in c.run(item, ctx)]
