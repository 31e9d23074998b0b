"""Review progress of a whole bitext: each bead's state (status, edited, flags, comments,
section), cached per bitext, and the filters and counts made from it.

A page of a 10,000-bead book needs the states of every bead (the filter's total, the check
counts, the section of the page's first bead), so they are read with a few queries over the
bitext and kept until a change: a signature read from primary keys tells when the store moved
on, and a change this process makes to one bead's text, status or comments patches its state
in place.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

from diglot.review.beads import (
    Bitext,
    DocText,
    Edit,
    Machine,
    Reader,
    Row,
    ints,
)
from diglot.review.terms import Glossary, side_flags
from diglot.review.views import FlagView, ReviewError, SectionCounts
from evaluation.qa import PROBLEMS

SHOW = ("all", "flagged", "unconfirmed", "needs-work", "edited", "low-score")
LOW_SCORE = 0.5


class State(NamedTuple):
    """A bead with what filters and counts need (the rest of its row is read for a page)."""

    id: int
    src: tuple[int, ...]
    version: int
    status: str
    score: float | None
    order: int
    section: str
    edited: bool
    flags: tuple[FlagView, ...]
    comments: int

    @property
    def flagged(self) -> bool:
        # a stale flag was found on the machine output, which an edit has replaced
        return any(f.severity in PROBLEMS and not f.stale for f in self.flags)


@contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction around several queries (they then see one state of the store),
    unless the connection is in a transaction already."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")


class StateCache:
    """The states of each bitext's beads, kept while the store is unchanged.

    Args:
        reader: Reads beads (and caches documents and re-checked flags).
    """

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self._states: dict[int, tuple[tuple[object, ...], list[State]]] = {}
        self._texts: dict[int, tuple[tuple[object, ...], dict[int, tuple[str, str]]]] = {}
        self._lock = threading.Lock()

    def signature(self, conn: sqlite3.Connection, bitext: Bitext) -> tuple[object, ...]:
        """What changes whenever a bitext's states may, read from primary keys only: every
        review change appends an edit, a log row or a comment (or adds a bead), and a run,
        which may rewrite beads and flags, adds a run row and finishes it."""
        glossary = self.reader.glossary(bitext)
        row = conn.execute(
            "SELECT (SELECT MAX(id) FROM edits), (SELECT MAX(id) FROM link_ops), (SELECT "
            "MAX(id) FROM comments), (SELECT MAX(id) FROM links), (SELECT MAX(id) FROM flags), "
            "(SELECT MAX(id) FROM runs), (SELECT finished_at FROM runs WHERE id = (SELECT "
            "MAX(id) FROM runs))").fetchone()
        return (*row, glossary.version if glossary else None)

    def states(self, conn: sqlite3.Connection, bitext: Bitext) -> list[State]:
        """Every active bead of a bitext with its section, edited state, flags and comment
        count, in document order: a few queries over the bitext, none per bead, and nothing
        at all while the bitext is unchanged."""
        with snapshot(conn):
            glossary = self.reader.glossary(bitext)
            signature = self.signature(conn, bitext)
            with self._lock:
                cached = self._states.get(bitext.id)
            if cached is not None and cached[0] == signature:
                return cached[1]
            out = self._states_now(conn, bitext, glossary)
        with self._lock:
            self._states[bitext.id] = (signature, out)
        return out

    def texts(self, conn: sqlite3.Connection, bitext: Bitext) -> dict[int, tuple[str, str]]:
        """Each active bead's source and current target text, casefolded (what a search looks
        in): read with a few queries over the bitext on the first search, then kept like the
        states."""
        with snapshot(conn):
            signature = self.signature(conn, bitext)
            with self._lock:
                cached = self._texts.get(bitext.id)
            if cached is not None and cached[0] == signature:
                return cached[1]
            states = self.states(conn, bitext)
            targets = {bead: ints(tgt) if kind == "translation" else () for bead, kind, tgt in
                       conn.execute("SELECT id, tgt_kind, tgt_ids FROM links WHERE "
                                    "bitext_id = ? AND retired_at IS NULL", (bitext.id,))}
            edits = self.reader.latest_edits(conn, list(targets))
            machine = self.reader.machine(conn, bitext,
                                          {p for tgt in targets.values() for p in tgt})
            doc = self.reader.doc(conn, bitext.document_id)
        texts = {p: m.text or "" for p, m in machine.items()}
        out = {}
        for state in states:
            edit = edits.get(state.id)
            target = (edit.text if edit is not None else
                      " ".join(t for p in targets[state.id] if (t := texts.get(p))))
            out[state.id] = (" ".join(doc.texts[p] for p in state.src).casefold(),
                             target.casefold())
        with self._lock:
            self._texts[bitext.id] = (signature, out)
        return out

    def _states_now(self, conn: sqlite3.Connection, bitext: Bitext, glossary: Glossary | None
                    ) -> list[State]:
        light = conn.execute("SELECT id, src_segments, version, status, score, tgt_ids FROM links "
                             "WHERE bitext_id = ? AND retired_at IS NULL ORDER BY ord, id",
                             (bitext.id,)).fetchall()
        doc = self.reader.doc(conn, bitext.document_id)
        edits = self.reader.latest_edits(conn, [r[0] for r in light])
        # rows read in full: edited beads, and beads with an empty side (their flag)
        bare = [r[0] for r in light if r[1] == "[]" or r[5] == "[]"]
        touched = self.reader.rows_by_id(conn, [*edits, *bare])
        machine = self.reader.machine(conn, bitext, (p for r in touched.values() for p in r.tgt))
        stored = self.reader.stored_flags(conn, bitext)
        comments = dict(conn.execute(
            "SELECT c.link_id, COUNT(*) FROM comments c JOIN links l ON l.id = c.link_id "
            "WHERE l.bitext_id = ? AND l.retired_at IS NULL GROUP BY c.link_id", (bitext.id,)))
        out, section = [], ""
        for n, (bead, src_json, version, status, score, tgt_json) in enumerate(light, start=1):
            src = ints(src_json)
            if src:
                section = doc.sections[src[0]]
            edit = edits.get(bead)
            if edit is None and not stored and src and tgt_json != "[]":
                # the common case: nothing to look at
                out.append(State(bead, src, version, status, score, n, section, False, (),
                                 comments.get(bead, 0)))
            else:
                out.append(self._state(bitext, glossary, doc, State(
                    bead, src, version, status, score, n, section, False, (),
                    comments.get(bead, 0)), touched.get(bead), edit, machine, stored))
        return out

    def _state(self, bitext: Bitext, glossary: Glossary | None, doc: DocText, state: State,
               row: Row | None, edit: Edit | None, machine: dict[int, Machine],
               stored: dict[int, list[FlagView]]) -> State:
        """A bead's state with its edited mark and flags filled in."""
        mtext = self.reader.machine_text(row, machine) if row is not None else ""
        edited = edit is not None and edit.text != mtext
        source = " ".join(doc.texts[p] for p in state.src)
        target = edit.text if edit is not None else mtext
        flags = self.reader.flags(bitext, glossary, state.id, state.version, state.src, source,
                                  target, edited, stored)
        # without its row, an unedited bead has target ids (see _states_now): a target
        return state._replace(edited=edited, flags=flags + side_flags(
            state.src, target if edit is not None or row is not None else None))

    def patch(self, conn: sqlite3.Connection, bitext: Bitext, bead_id: int,
              before: tuple[object, ...], after: tuple[object, ...]) -> None:
        """Update the cached states after this process changed one bead's text, status or
        comments (not its alignment), when they were current just before the change: saves
        then cost no rebuild of the whole bitext.

        Call inside the change's transaction, after the change.
        """
        self._patch_text(conn, bitext, bead_id, before, after)
        with self._lock:
            cached = self._states.get(bitext.id)
        if cached is None or cached[0] != before:
            return
        states = list(cached[1])
        k = next((k for k, s in enumerate(states) if s.id == bead_id), None)
        if k is None:
            return
        row = self.reader.row(conn, bitext.id, bead_id)
        edit = self.reader.latest_edits(conn, [bead_id]).get(bead_id)
        count = conn.execute("SELECT COUNT(*) FROM comments WHERE link_id = ?",
                             (bead_id,)).fetchone()[0]
        state = states[k]._replace(version=row.version, status=row.status, score=row.score,
                                   comments=count)
        reader = self.reader
        states[k] = self._state(bitext, reader.glossary(bitext),
                                reader.doc(conn, bitext.document_id), state, row, edit,
                                reader.machine(conn, bitext, row.tgt),
                                reader.stored_flags(conn, bitext, row.src))
        with self._lock:
            self._states[bitext.id] = (after, states)


    def _patch_text(self, conn: sqlite3.Connection, bitext: Bitext, bead_id: int,
                    before: tuple[object, ...], after: tuple[object, ...]) -> None:
        with self._lock:
            cached = self._texts.get(bitext.id)
        if cached is None or cached[0] != before or bead_id not in cached[1]:
            return
        row = self.reader.row(conn, bitext.id, bead_id)
        target = self.reader.texts(conn, bitext, [row])[0][row.id].casefold()
        texts = dict(cached[1])
        texts[bead_id] = (texts[bead_id][0], target)
        with self._lock:
            self._texts[bitext.id] = (after, texts)


def counts(section: str, states: list[State]) -> SectionCounts:
    """Review progress of some beads (a section, or a whole bitext with section "")."""
    return SectionCounts(
        section, states[0].order if states else 0, len(states),
        sum(s.status == "confirmed" for s in states),
        sum(s.status == "needs-work" for s in states), sum(s.edited for s in states),
        sum(s.flagged for s in states),
        sum(s.status == "unreviewed" and not s.edited and not s.comments for s in states))


def sections(states: list[State]) -> list[SectionCounts]:
    """Review progress per section, in document order."""
    groups: list[tuple[str, list[State]]] = []
    for s in states:
        if not groups or groups[-1][0] != s.section:
            groups.append((s.section, []))
        groups[-1][1].append(s)
    return [counts(name, members) for name, members in groups]


def select(states: list[State], show: str, check: str | None, max_score: float | None,
           texts: dict[int, tuple[str, str]] | None = None, q: str = "") -> list[State]:
    """The beads a filter shows (see `ReviewService.beads`); with ``texts`` (see
    `StateCache.texts`), only those whose source or target contains ``q`` (casefolded).

    Raises:
        ReviewError: An unknown ``show``.
    """
    if show not in SHOW:
        raise ReviewError(f"show must be one of {', '.join(SHOW)}, not {show!r}")
    threshold = LOW_SCORE if max_score is None else max_score
    keep: dict[str, Callable[[State], bool]] = {
        "all": lambda s: True,
        "flagged": lambda s: s.flagged,
        "unconfirmed": lambda s: s.status != "confirmed",
        "needs-work": lambda s: s.status == "needs-work",
        "edited": lambda s: s.edited,
        "low-score": lambda s: s.score is not None and s.score < threshold,
    }
    chosen = [s for s in states if keep[show](s)
              and (check is None or any(f.check == check for f in s.flags))]
    if texts is None:
        return chosen
    needle = q.casefold()
    return [s for s in chosen if needle in texts[s.id][0] or needle in texts[s.id][1]]
