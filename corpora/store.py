"""The project store: one SQLite file (WAL) that a long job writes to as it goes.

Every write that belongs together (a document with its blocks and segments, one batch of
translations) is one transaction, so a killed run leaves the store at a batch boundary and the
same command resumes from there. A lock file beside the database keeps a second run out; the
kernel releases it when a run dies, even by SIGKILL.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from corpora.beads import BeadText, bead_texts, save_flags
from corpora.carry import save_run_beads
from corpora.document import Document
from corpora.schema import migrate
from diglot.errors import StoreError


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Work:
    """A segment waiting for (or retrying) translation."""

    translation_id: int
    position: int
    text: str


@dataclass(frozen=True)
class Outcome:
    """The result of translating one segment: text, or the error that prevented it."""

    translation_id: int
    text: str | None
    error: str | None = None
    seconds: float = 0.0
    note: str | None = None


@dataclass(frozen=True)
class Recalled:
    """A translation the store already has for a source text (see `Store.recall`)."""

    text: str
    note: str | None = None
    reviewed: bool = False  # a reviewer's correction, not an engine's output


@dataclass(frozen=True)
class StoredTranslation:
    position: int
    status: str
    text: str | None
    error: str | None
    attempts: int
    note: str | None = None


class Store:
    """A project store. Open it with ``Store.open(path)`` as a context manager."""

    def __init__(self, conn: sqlite3.Connection, path: Path, lock: IO[str] | None) -> None:
        self.conn = conn
        self.path = path
        self._lock = lock

    @classmethod
    @contextmanager
    def open(cls, path: Path) -> Iterator[Store]:
        """Open (creating or migrating) a store and hold its lock until the block ends.

        Raises:
            StoreError: Another run holds the lock, the file is not a diglot store, or it was
                written by a newer diglot.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(f"{path}.lock", "w")  # noqa: SIM115 - held for the store's lifetime
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise StoreError(
                f"{path}: store is locked by another diglot run; wait for it to finish or use "
                "another --project file"
            ) from None
        lock.write(str(os.getpid()))
        lock.flush()
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        try:
            store = cls(conn, path, lock)
            store._prepare()
            yield store
        finally:
            conn.close()
            lock.close()

    def _prepare(self) -> None:
        migrate(self.conn, self.path)
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work: committed when the block ends, rolled back on error."""
        if self.conn.in_transaction:
            yield self.conn
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # documents ---------------------------------------------------------------------------

    def add_document(self, doc: Document, path: Path | None, source: str | bytes) -> int:
        """Store a document with its blocks and segments once; return its id.

        The same content in the same language is the same document, so re-running a command
        finds the rows (and translations) of the earlier run. If that run cut the text into
        other segments (an older diglot), its rows are kept aside under a changed hash, so their
        translations still serve as translation memory, and this segmentation is stored anew.
        ``source`` is what identifies the content: a line-based document's text, a book
        file's bytes (EPUB, DOCX).
        """
        data = source.encode("utf-8") if isinstance(source, str) else source
        sha = hashlib.sha256(data).hexdigest()
        row = self.conn.execute(
            "SELECT id FROM documents WHERE sha256 = ? AND lang = ? AND format = ?",
            (sha, doc.lang, doc.format)).fetchone()
        if row:
            stored = self.conn.execute("SELECT text FROM segments WHERE document_id = ? "
                                       "ORDER BY position", (row[0],)).fetchall()
            if [r[0] for r in stored] == [s.text for s in doc.segments]:
                return int(row[0])
        with self.transaction() as c:
            if row:
                c.execute("UPDATE documents SET sha256 = sha256 || ':resegmented:' || id "
                          "WHERE id = ?", (row[0],))
            cur = c.execute(
                "INSERT INTO documents (name, path, sha256, format, lang, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (doc.name, str(path) if path else None, sha, doc.format, doc.lang, _now()))
            doc_id = int(cur.lastrowid or 0)
            block_ids = []
            for i, block in enumerate(doc.blocks):
                cur = c.execute(
                    "INSERT INTO blocks (document_id, position, kind, level, start_line, end_line)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (doc_id, i, block.kind, block.level, block.start, block.end))
                block_ids.append(cur.lastrowid)
            c.executemany(
                "INSERT INTO segments (document_id, block_id, position, part, lang, text, "
                "translate) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(doc_id, block_ids[s.block], i, s.part, doc.lang, s.text, int(s.translate))
                 for i, s in enumerate(doc.segments)])
        return doc_id

    # runs and translations ---------------------------------------------------------------

    def start_run(self, doc_id: int, src: str, tgt: str, key: str, engine: str,
                  model: str | None, params: dict[str, object],
                  engine_version: str | None = None) -> int:
        """Record a run and create a pending translation for every segment that has none."""
        params_json = json.dumps(params, sort_keys=True)
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO runs (document_id, src_lang, tgt_lang, config_key, engine, model, "
                "params, started_at, status, engine_version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?)",
                (doc_id, src, tgt, key, engine, model, params_json, _now(), engine_version))
            run_id = int(cur.lastrowid or 0)
            c.execute(
                "INSERT INTO translations (segment_id, tgt_lang, config_key, engine, model, "
                "params, status, updated_at) SELECT id, ?, ?, ?, ?, ?, 'pending', ? "
                "FROM segments WHERE document_id = ? AND translate = 1 "
                "ON CONFLICT (segment_id, tgt_lang, config_key) DO NOTHING",
                (tgt, key, engine, model, params_json, _now(), doc_id))
        return run_id

    def finish_run(self, run_id: int, failed: int) -> None:
        with self.transaction() as c:
            c.execute("UPDATE runs SET finished_at = ?, status = ? WHERE id = ?",
                      (_now(), "failed" if failed else "done", run_id))

    def work(self, doc_id: int, tgt: str, key: str) -> list[Work]:
        """Segments of a document still to translate (pending, or failed before), in order."""
        rows = self.conn.execute(
            "SELECT t.id, s.position, s.text FROM translations t "
            "JOIN segments s ON s.id = t.segment_id WHERE s.document_id = ? AND t.tgt_lang = ? "
            "AND t.config_key = ? AND t.status != 'done' ORDER BY s.position",
            (doc_id, tgt, key)).fetchall()
        return [Work(*row) for row in rows]

    def record(self, run_id: int, outcomes: Sequence[Outcome]) -> None:
        """Save one batch of results in one transaction."""
        now = _now()
        with self.transaction() as c:
            c.executemany(
                "UPDATE translations SET text = ?, error = ?, seconds = ?, run_id = ?, "
                "updated_at = ?, attempts = attempts + 1, note = ?, "
                "status = CASE WHEN ? IS NULL THEN 'done' ELSE 'failed' END WHERE id = ?",
                [(o.text, o.error, o.seconds, run_id, now, o.note, o.error, o.translation_id)
                 for o in outcomes])

    def memory(self, src: str, tgt: str, key: str, texts: Iterable[str]) -> dict[str, str]:
        """The translation memory: finished translations of these source texts under one
        engine configuration, from any document in the store (see `recall`)."""
        return {source: hit.text for source, hit in self.recall(src, tgt, key, texts).items()}

    def recall(self, src: str, tgt: str, key: str, texts: Iterable[str],
               document: int | None = None,
               reusable: Callable[[str], bool] | None = None) -> dict[str, Recalled]:
        """The translation memory with notes: translations of these source texts from any
        document in the store, each with the note stored with it (how it was made: kept in
        its language, a fallback engine...).

        A reviewer's latest correction of the same source text (an ``edits`` row on a
        translation: a translation-level edit or an edit of a 1:1 bead) wins, under any
        engine configuration of the same languages: a person's text beats any engine. Else
        the finished machine translations under this configuration serve; among several, the
        most recent wins.

        Args:
            src: Source language code.
            tgt: Target language code.
            key: Engine configuration key (engine, model, decoding settings, glossary version).
            texts: The source texts wanted.
            document: The document being translated: its own bead edits are left out, since
                the run carries its review over with the history (see `corpora.carry`); taken
                here they would become the new configuration's machine text, and the bead's
                diff and "edited" state would be lost.
            reusable: Whether a person's translation from the document of this name may be
                reused here (its licence allows it: see `corpora.meta.reusable_in`); None:
                any. A reused text's note names the document it came from.

        Returns:
            Source text -> `Recalled` (translation, note, whether a reviewer wrote it), for
            the texts the store has.
        """
        wanted = set(texts)
        if not wanted:
            return {}
        rows = self.conn.execute(
            "SELECT s.text, t.text, t.note FROM translations t "
            "JOIN segments s ON s.id = t.segment_id WHERE t.config_key = ? AND t.tgt_lang = ? "
            "AND t.status = 'done' AND s.lang = ? ORDER BY t.updated_at, t.id",
            (key, tgt, src))
        found = {source: Recalled(text, note) for source, text, note in rows
                 if source in wanted and text}
        # a person's text: pairs `diglot import` brought in that a person translated or
        # checked, then reviewers' corrections (the latest wins)
        human = self.conn.execute(
            "SELECT s.text, t.text, s.document_id, d.name FROM translations t "
            "JOIN segments s ON s.id = t.segment_id JOIN documents d ON d.id = s.document_id "
            "WHERE t.engine = 'human' AND t.status = 'done' AND t.tgt_lang = ? AND s.lang = ? "
            "ORDER BY t.id", (tgt, src)).fetchall()
        edited = self.conn.execute(
            "SELECT s.text, e.text, s.document_id, d.name FROM edits e "
            "JOIN translations t ON t.id = e.translation_id JOIN segments s "
            "ON s.id = t.segment_id JOIN documents d ON d.id = s.document_id "
            "WHERE t.tgt_lang = ? AND s.lang = ? "
            "AND NOT (e.link_id IS NOT NULL AND s.document_id IS ?) ORDER BY e.id",
            (tgt, src, document)).fetchall()
        for source, text, doc_id, name in (*human, *edited):
            if source not in wanted or not text:
                continue
            if doc_id == document:  # this document's own review
                found[source] = Recalled(text, None, True)
            elif reusable is None or reusable(name):
                found[source] = Recalled(text, f"a person's translation, from the translation "
                                         f"memory ({name})", True)
        return found

    def translations(self, doc_id: int, tgt: str, key: str) -> list[StoredTranslation]:
        """Every translation of a document for a target and engine config, in segment order."""
        rows = self.conn.execute(
            "SELECT s.position, t.status, t.text, t.error, t.attempts, t.note FROM translations t "
            "JOIN segments s ON s.id = t.segment_id WHERE s.document_id = ? AND t.tgt_lang = ? "
            "AND t.config_key = ? ORDER BY s.position", (doc_id, tgt, key)).fetchall()
        return [StoredTranslation(*row) for row in rows]

    def save_links(self, doc_id: int, tgt: str, key: str,
                   links: Sequence[tuple[list[int], list[int], float | None]],
                   method: str, glossary_path: str | None = None,
                   glossary_version: str | None = None) -> int:
        """Write a run's sentence links (beads) for a document, target and engine config.

        Creates the bitext when missing and records the run's glossary on it. Beads that
        reviewers have touched are never deleted: see `corpora.beads.save_beads`. The bitext
        becomes the document's current one in this target language; a review of the one
        it replaces (a run under another configuration, e.g. before a glossary change) is
        carried into it: see `corpora.carry.save_run_beads`.

        Args:
            doc_id: The document.
            tgt: Target language code.
            key: Engine configuration key.
            links: ``(source segment positions, target translation positions, score)``.
            method: How the links were made.
            glossary_path: The run's glossary file, if it had one.
            glossary_version: That glossary's version.

        Returns:
            The bitext id.
        """
        with self.transaction() as c:
            return save_run_beads(c, doc_id, tgt, key, links, method, glossary_path,
                                  glossary_version)

    def beads(self, bitext_id: int) -> list[BeadText]:
        """A bitext's active beads in document order with their current texts (what a
        review gives: see `corpora.beads.bead_texts`)."""
        return bead_texts(self.conn, bitext_id)

    def save_flags(self, doc_id: int, tgt: str, key: str,
                   flags: Sequence[tuple[int, str, str, str]]) -> None:
        """Replace a bitext's QA flags with a run's.

        Args:
            doc_id: The document.
            tgt: Target language code.
            key: Engine configuration key.
            flags: ``(segment position, check name, severity, message)``.
        """
        with self.transaction() as c:
            save_flags(c, doc_id, tgt, key, flags)
