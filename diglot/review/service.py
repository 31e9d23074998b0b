"""The review service: every read and write of the review workspace, over the project store.

One SQLite connection per thread (a web server's threadpool calls in from many threads), WAL,
every write one short ``BEGIN IMMEDIATE`` transaction in which the versions the request was
based on are checked (optimistic concurrency): a change based on an old version is refused with
`Conflict`, showing the bead as it is now, and nothing is written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from diglot.review import changes, spread
from diglot.review.beads import Bitext, Reader, Row
from diglot.review.changes import (
    Stale,
    add_text,
    bump,
    clean_text,
    expect,
    guard,
    reopen,
    translation_id,
    writable,
)
from diglot.review.db import Database, now
from diglot.review.progress import StateCache, counts, sections, select
from diglot.review.views import (
    STATUSES,
    Actor,
    BeadPage,
    BeadView,
    BitextInfo,
    BitextSummary,
    CheckCount,
    CommentView,
    Conflict,
    Forbidden,
    GlossaryChange,
    NotFound,
    OccurrenceView,
    ReviewError,
    TextVersion,
)

Target = tuple[int, int, int]  # (bitext id, bead id, version)
T = TypeVar("T")

MAX_PAGE = 1000


class ReviewService:
    """Reads and changes the beads of a project store's bitexts.

    Args:
        db: The project store; migrated to this diglot's schema on open (without the run's
            lock: the migration re-reads the schema version under SQLite's write lock).

    Raises:
        StoreError: The file is missing, not a store, or newer than this diglot.
    """

    def __init__(self, db: Path) -> None:
        self.path = db
        self.db = Database(db)
        self.reader = Reader()
        self.states = StateCache(self.reader)

    def close(self) -> None:
        """Close every thread's connection."""
        self.db.close()

    # reads --------------------------------------------------------------------------------

    def overview(self) -> list[BitextSummary]:
        """Every bitext with its runs and review progress, totals and per section."""
        conn, out = self.db.conn, []
        for (bid,) in conn.execute("SELECT id FROM bitexts ORDER BY id").fetchall():
            bitext = self.reader.bitext(conn, bid)
            runs, last, engine, model = self.reader.runs(conn, bitext)
            states = self.states.states(conn, bitext)
            out.append(BitextSummary(
                bitext.id, bitext.document, bitext.src_lang, bitext.tgt_lang, bitext.config_key,
                engine, model, runs, last, counts("", states), sections(states),
                bitext.superseded_by))
        return out

    def bitext(self, bitext_id: int) -> BitextInfo:
        """A bitext with its sections' progress.

        Raises:
            NotFound: No such bitext.
        """
        conn = self.db.conn
        bitext = self.reader.bitext(conn, bitext_id)
        _, _, engine, model = self.reader.runs(conn, bitext)
        states = self.states.states(conn, bitext)
        return BitextInfo(bitext.id, bitext.document_id, bitext.document, bitext.src_lang,
                          bitext.tgt_lang, bitext.config_key, engine, model,
                          bitext.glossary_path, bitext.glossary_version, len(states),
                          sections(states), bitext.superseded_by)

    def beads(self, bitext_id: int, *, offset: int = 0, limit: int = 100, show: str = "all",
              check: str | None = None, max_score: float | None = None,
              q: str | None = None, clamp: bool = False) -> BeadPage:
        """One page of a bitext's beads in document order, filtered.

        Args:
            bitext_id: The bitext.
            offset: Index of the first bead wanted among those that pass the filter.
            limit: Page size (1 to 1000).
            show: "all", "flagged" (a QA error or warning), "unconfirmed", "needs-work",
                "edited" or "low-score" (link score under ``max_score``).
            check: Only beads with a flag of this check.
            max_score: The low-score threshold (default 0.5).
            q: Only beads whose source or current target contains this text (case-insensitive);
                None or blank for all.
            clamp: For a page a person follows a link to: an offset past the last bead gives
                the last page, and ``BeadPage.offset`` says where it starts (0 when no bead
                passes). Without it (the API) such an offset gives an empty page, so a client
                paging until it gets one stops.

        Returns:
            The page.

        Raises:
            NotFound: No such bitext.
            ReviewError: An unknown filter, or a bad offset or limit.
        """
        if offset < 0 or not 1 <= limit <= MAX_PAGE:
            raise ReviewError(f"offset must be 0 or more and limit 1 to {MAX_PAGE}")
        conn = self.db.conn
        bitext = self.reader.bitext(conn, bitext_id)
        states = self.states.states(conn, bitext)
        q = q.strip() if q else ""
        chosen = select(states, show, check, max_score,
                        self.states.texts(conn, bitext) if q else None, q)
        counts: dict[str, int] = {}
        for s in states:
            for name in {f.check for f in s.flags}:
                counts[name] = counts.get(name, 0) + 1
        if clamp and offset >= len(chosen):
            offset = max(0, (len(chosen) - 1) // limit * limit)
        page = chosen[offset:offset + limit]
        rows = self.reader.rows_by_id(conn, [s.id for s in page])
        views = self.reader.views(conn, bitext, [rows[s.id] for s in page], [s.order for s in page],
                                  [s.section for s in page])
        return BeadPage(len(chosen), offset, limit, views,
                        [CheckCount(name, n) for name, n in sorted(counts.items())])

    def bead(self, bitext_id: int, bead_id: int) -> BeadView:
        """One bead.

        Raises:
            NotFound: No such bead in that bitext (or it was merged away).
        """
        conn = self.db.conn
        bitext = self.reader.bitext(conn, bitext_id)
        return self.reader.view(conn, bitext, self.reader.row(conn, bitext_id, bead_id))

    def history(self, bitext_id: int, bead_id: int) -> list[TextVersion]:
        """A bead's text versions, the machine text first, then every edit in order.

        Raises:
            NotFound: No such bead in that bitext.
        """
        conn = self.db.conn
        bitext = self.reader.bitext(conn, bitext_id)
        row = self.reader.row(conn, bitext_id, bead_id)
        machine = self.reader.texts(conn, bitext, [row])[1][row.id]
        out = [TextVersion(None, 1, machine, "machine", None, None)]
        out += [TextVersion(int(i), int(v or 0), t, k, a, c) for i, v, t, k, a, c in conn.execute(
            "SELECT id, version, text, kind, author, created_at FROM edits WHERE link_id = ? "
            "ORDER BY id", (row.id,))]
        return out

    def comments(self, bitext_id: int, bead_id: int) -> list[CommentView]:
        """A bead's comments, oldest first.

        Raises:
            NotFound: No such bead in that bitext.
        """
        conn = self.db.conn
        self.reader.row(conn, bitext_id, bead_id)
        return [CommentView(*r) for r in conn.execute(
            "SELECT id, author, text, created_at FROM comments WHERE link_id = ? ORDER BY id",
            (bead_id,))]

    def occurrences(self, bitext_id: int, bead_id: int) -> list[Target]:
        """Other active beads (any bitext of the same languages) with the same source text
        and another current text.

        Returns:
            ``(bitext id, bead id, version)`` of each; pass them to `apply`.

        Raises:
            NotFound: No such bead in that bitext.
        """
        conn = self.db.conn
        bitext = self.reader.bitext(conn, bitext_id)
        row = self.reader.row(conn, bitext_id, bead_id)
        return spread.occurrences(conn, self.states, bitext, row)

    def occurrence_views(self, bitext_id: int, bead_id: int) -> list[OccurrenceView]:
        """The beads `occurrences` lists, with what a reviewer needs to choose among them.

        Raises:
            NotFound: No such bead in that bitext.
        """
        conn = self.db.conn
        bitext = self.reader.bitext(conn, bitext_id)
        row = self.reader.row(conn, bitext_id, bead_id)
        return spread.occurrence_views(conn, self.states, bitext, row)

    # writes -------------------------------------------------------------------------------

    @contextmanager
    def _write(self, yours: dict[str, object]) -> Iterator[None]:
        """A write transaction whose `Stale` becomes a `Conflict` with the bead as it is
        now (read after the rollback)."""
        try:
            yield
        except Stale as stale:
            current = self.bead(stale.bitext_id, stale.bead_id)
            todo = ("compare both versions and save again" if "text" in yours else
                    "look at it and choose again")
            raise Conflict(f"row {current.order} was changed by {current.updated_by or 'someone'}"
                           f" (now version {current.version}); {todo}", current, yours) from None

    def _open(self, conn: sqlite3.Connection, bitext_id: int) -> Bitext:
        """A bitext to write to: `NotFound`, or `Gone` when a newer run superseded it."""
        bitext = self.reader.bitext(conn, bitext_id)
        writable(conn, bitext)
        return bitext

    def _text_change(self, bitext_id: int, bead_id: int, base_version: int, actor: Actor,
                     kind: str, pick: Callable[[Row, str, str], str], yours: dict[str, object]
                     ) -> BeadView:
        """Write a new text version unless it equals the current text."""
        with self._write(yours), self.db.write() as conn:
            bitext = self._open(conn, bitext_id)
            row = self.reader.row(conn, bitext_id, bead_id)
            current, mtexts, _, machine = self.reader.texts(conn, bitext, [row])
            text = pick(row, current[row.id], mtexts[row.id])
            if text != current[row.id]:
                before = self.states.signature(conn, bitext)
                expect(row, base_version)
                guard(conn, self.reader, row, actor)
                version = bump(conn, row, base_version)
                add_text(conn, row, text, kind, version, base_version, actor,
                         translation_id(row, machine))
                reopen(conn, row, version, actor)
                self.states.patch(conn, bitext, row.id, before,
                                  self.states.signature(conn, bitext))
        return self.bead(bitext_id, bead_id)

    def edit(self, bitext_id: int, bead_id: int, text: str, base_version: int,
             actor: Actor) -> BeadView:
        """Save a new target text for a bead (a text equal to the current one writes nothing).

        A bead confirmed by someone else can be edited only by an admin; a confirmed bead
        whose text changes goes back to unreviewed (logged; to save and confirm at once, use
        `set_status` with ``text``).

        Raises:
            ReviewError: Empty text, or a control character or U+FFFD in it (the message names
                it and its place).
            TooLarge: Over `MAX_TEXT` characters.
            NotFound: No such bead in that bitext.
            Forbidden: The bead was confirmed by someone else, and the actor is no admin.
            Gone: The bitext was superseded by a newer run (read only).
            Conflict: The bead is no longer at ``base_version``.
        """
        text = clean_text(text)
        return self._text_change(bitext_id, bead_id, base_version, actor, "edit",
                                 lambda row, current, machine: text, {"text": text})

    def revert(self, bitext_id: int, bead_id: int, to_edit: int | None, base_version: int,
               actor: Actor) -> BeadView:
        """Make an earlier text current again: an edit of this bead, or the machine text.

        Args:
            to_edit: An ``edits`` id of this bead (see `history`); None for the machine text.

        Raises:
            NotFound: No such bead, or no such edit of it.
            Forbidden: The bead was confirmed by someone else, and the actor is no admin.
            Gone: The bitext was superseded by a newer run (read only).
            Conflict: The bead is no longer at ``base_version``.
        """
        def pick(row: Row, current: str, machine: str) -> str:
            if to_edit is None:
                return machine
            conn = self.db.conn
            found = conn.execute("SELECT text FROM edits WHERE id = ? AND link_id = ?",
                                 (to_edit, row.id)).fetchone()
            if found is None:
                raise NotFound(f"row {self.reader.order(conn, row)} has no edit {to_edit}; pick "
                               "one from its history")
            return str(found[0])

        return self._text_change(bitext_id, bead_id, base_version, actor, "revert", pick,
                                 {"to_edit": to_edit})

    def set_status(self, bitext_id: int, bead_id: int, status: str, base_version: int,
                   actor: Actor, text: str | None = None) -> BeadView:
        """Mark a bead confirmed, needs-work or unreviewed; with a text, save it first, in
        the same transaction ("save and confirm": the confirmation is for that text).

        Args:
            text: A new target text, or None; a text equal to the current one is no change.

        Raises:
            ReviewError: An unknown status, or a bad text (see `edit`).
            TooLarge: A text over `MAX_TEXT` characters.
            Forbidden: Reopening or editing a bead someone else confirmed, without the admin
                role.
            Gone: The bitext was superseded by a newer run (read only).
            NotFound: No such bead in that bitext.
            Conflict: The bead is no longer at ``base_version``.
        """
        if status not in STATUSES:
            raise ReviewError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        yours: dict[str, object] = {"status": status}
        if text is not None:
            text = clean_text(text)
            yours["text"] = text
        with self._write(yours), self.db.write() as conn:
            bitext = self._open(conn, bitext_id)
            row = self.reader.row(conn, bitext_id, bead_id)
            before = self.states.signature(conn, bitext)
            if changes.set_status(conn, self.reader, bitext, row, status, text, base_version,
                                  actor):
                self.states.patch(conn, bitext, row.id, before,
                                  self.states.signature(conn, bitext))
        return self.bead(bitext_id, bead_id)

    def comment(self, bitext_id: int, bead_id: int, text: str, actor: Actor) -> CommentView:
        """Add a comment to a bead (no version check: comments never conflict).

        Raises:
            ReviewError: Empty text, or a control character in it.
            TooLarge: Over `MAX_TEXT` characters.
            NotFound: No such bead in that bitext.
            Gone: The bitext was superseded by a newer run (read only).
        """
        text = clean_text(text, "comment")
        with self.db.write() as conn:
            bitext = self._open(conn, bitext_id)
            self.reader.row(conn, bitext_id, bead_id)
            before, at = self.states.signature(conn, bitext), now()
            cur = conn.execute("INSERT INTO comments (link_id, author, text, created_at) "
                               "VALUES (?, ?, ?, ?)", (bead_id, actor.name, text, at))
            self.states.patch(conn, bitext, bead_id, before, self.states.signature(conn, bitext))
        return CommentView(int(cur.lastrowid or 0), actor.name, text, at)

    def _realign(self, bitext_id: int, bead_id: int, yours: dict[str, object],
                 change: Callable[..., T], *args: object) -> T:
        with self._write(yours), self.db.write() as conn:
            bitext = self._open(conn, bitext_id)
            row = self.reader.row(conn, bitext_id, bead_id)
            return change(conn, self.reader, bitext, row, *args)

    def merge_next(self, bitext_id: int, bead_id: int, base_version: int, next_version: int,
                   actor: Actor) -> BeadView:
        """Merge a bead with the next one (retired, never deleted).

        Raises:
            ReviewError: It is the last bead, or the two are in different paragraphs.
            NotFound: No such bead in that bitext.
            Forbidden: Either bead was confirmed by someone else, and the actor is no admin.
            Gone: The bitext was superseded by a newer run (read only).
            Conflict: Either bead changed since the versions given.
        """
        self._realign(bitext_id, bead_id, {"merge": "next"}, changes.merge_next, base_version,
                      next_version, actor)
        return self.bead(bitext_id, bead_id)

    def split(self, bitext_id: int, bead_id: int, source_count: int, target_at: int,
              base_version: int, actor: Actor) -> tuple[BeadView, BeadView]:
        """Split a bead in two: the first keeps ``source_count`` source sentences and the
        target text before character ``target_at`` (stripped); a new bead after it gets the
        rest.

        Raises:
            ReviewError: A count or offset out of range, or a half left with nothing.
            NotFound: No such bead in that bitext.
            Forbidden: The bead was confirmed by someone else, and the actor is no admin.
            Gone: The bitext was superseded by a newer run (read only).
            Conflict: The bead changed since ``base_version``.
        """
        new = self._realign(bitext_id, bead_id, {"split": [source_count, target_at]},
                            changes.split, source_count, target_at, base_version, actor)
        return self.bead(bitext_id, bead_id), self.bead(bitext_id, new)

    def move(self, bitext_id: int, bead_id: int, side: str, direction: str, base_version: int,
             other_version: int, actor: Actor) -> tuple[BeadView, BeadView]:
        """Move a bead's first source or target sentence to the end of the previous bead
        ("previous"), or its last one to the start of the next bead ("next").

        Returns:
            The two beads in document order.

        Raises:
            ReviewError: A bad side or direction, no such neighbour, nothing to move, a
                bead that the move would leave with neither source nor target, or beads in
                different paragraphs.
            NotFound: No such bead in that bitext.
            Forbidden: Either bead was confirmed by someone else, and the actor is no admin.
            Gone: The bitext was superseded by a newer run (read only).
            Conflict: Either bead changed since the versions given.
        """
        first, second = self._realign(bitext_id, bead_id, {"move": [side, direction]},
                                      changes.move, side, direction, base_version,
                                      other_version, actor)
        return self.bead(bitext_id, first), self.bead(bitext_id, second)

    def apply(self, bitext_id: int, bead_id: int, targets: list[Target], actor: Actor) -> int:
        """Write a bead's current text to other occurrences of its source, all or nothing.

        Args:
            targets: ``(bitext id, bead id, version)`` as `occurrences` listed them.

        Returns:
            How many beads were written.

        Raises:
            ReviewError: A target that is not an occurrence of this bead's source, or targets
                not given as ``[bitext id, bead id, version]``.
            Forbidden: A target confirmed by someone else, and the actor is no admin.
            Gone: This bitext or a target's was superseded by a newer run.
            NotFound: No such bead.
            Conflict: A target changed since `occurrences` listed it.
        """
        try:
            targets = [(int(b), int(i), int(v)) for b, i, v in targets]
        except (TypeError, ValueError):
            raise ReviewError("beads must be a list of [bitext id, bead id, version] triples "
                              "of whole numbers, e.g. [[2, 31, 4]], as occurrences lists them"
                              ) from None
        text = self.bead(bitext_id, bead_id).target
        return self._realign(bitext_id, bead_id, {"text": text, "beads": targets},
                             spread.apply, targets, actor)

    def add_term(self, bitext_id: int, source: str, target: str, actor: Actor
                 ) -> GlossaryChange:
        """Add a source/target pair to the bitext's glossary file (admins only); the file's
        version before and after is recorded. The bitext keeps the version its run used.

        Raises:
            Forbidden: The actor is not an admin.
            ReviewError: An empty term, a tab or line break in one, or an entry the glossary
                refuses or has already.
            TooLarge: A term over `MAX_TEXT` characters.
            NotFound: No such bitext.
            Gone: The bitext was superseded by a newer run (read only).
        """
        if actor.role != "admin":
            raise Forbidden("only an admin can change the glossary; ask one to add the term")
        source, target = clean_text(source, "source term"), clean_text(target, "target term")
        if any(c in t for t in (source, target) for c in "\t\n\r"):
            raise ReviewError("a term cannot hold a tab or a line break; give one term a side")
        with self.db.write() as conn:
            bitext = self._open(conn, bitext_id)
            return spread.add_term(conn, self.path, bitext, source, target, actor)
