"""Reading beads: a bitext's rows, their texts, sections, flags and terms, as views.

A bead's current target text is the text of its latest ``edits`` row, else its machine text:
the translations of its ``tgt_ids`` joined with a space (each translation's latest
translation-level edit, else the engine's text). Whole-bitext work (filters, counts) is a
handful of queries over the bitext, never one query per bead; terms and messages are computed
for the beads of one page only.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from diglot.review.terms import (
    LIVE_CHECKS,
    Glossaries,
    Glossary,
    live_flags,
    side_flags,
    term_hits,
)
from diglot.review.views import BeadView, FlagView, NotFound, SourceSentence

CHUNK = 500  # ids per IN (...) list, well under SQLite's variable limit


@dataclass(frozen=True)
class Bitext:
    """A bitext row with its document's name and source language."""

    id: int
    document_id: int
    document: str
    src_lang: str
    tgt_lang: str
    config_key: str
    glossary_path: str | None
    glossary_version: str | None
    superseded_by: int | None = None


class Row(NamedTuple):
    """A bead as stored in ``links`` (a named tuple: made by the ten thousand per page)."""

    id: int
    bitext_id: int
    ord: float
    src: tuple[int, ...]
    tgt_kind: str
    tgt: tuple[int, ...]
    score: float | None
    method: str
    version: int
    status: str
    status_by: str | None
    status_at: str | None
    retired_at: str | None


ROW_SQL = ("SELECT id, bitext_id, ord, src_segments, tgt_kind, tgt_ids, score, method, version, "
           "status, status_by, status_at, retired_at FROM links")


def ints(text: str) -> tuple[int, ...]:
    """A JSON list of integers as the store writes it ("[3, 4]"), read without the JSON
    parser (three times faster: a book's page reads every bead's two lists)."""
    inner = text[1:-1]
    return tuple(map(int, inner.split(","))) if inner.strip() else ()


def read_row(r: Any) -> Row:
    return Row(r[0], r[1], float(r[2] or 0), ints(r[3]), r[4], ints(r[5]), r[6], r[7], r[8],
               r[9], r[10], r[11], r[12])


@dataclass(frozen=True)
class Edit:
    """The latest ``edits`` row of a bead."""

    id: int
    text: str
    author: str | None
    created_at: str


@dataclass(frozen=True)
class Machine:
    """One translation of a segment: its row, the machine text and the engine's note."""

    translation_id: int
    text: str | None
    note: str | None


@dataclass(frozen=True)
class DocText:
    """A document's segment texts, the heading each falls under and its block (paragraph,
    heading, list item), by segment position."""

    texts: tuple[str, ...]
    sections: tuple[str, ...]
    blocks: tuple[int, ...] = ()


def chunks(items: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def marks(n: int) -> str:
    return ",".join("?" * n)


class Reader:
    """Reads beads as views, with caches for what does not change under a reviewer
    (documents' texts and sections) and what is costly to recompute (the QA of an edited bead,
    by bead version)."""

    def __init__(self) -> None:
        self.glossaries = Glossaries()
        self._docs: dict[int, DocText] = {}
        self._live: dict[tuple[int, int, str], tuple[FlagView, ...]] = {}
        self._lock = threading.Lock()

    # rows ---------------------------------------------------------------------------------

    def bitext(self, conn: sqlite3.Connection, bitext_id: int) -> Bitext:
        """A bitext, or NotFound."""
        r = conn.execute(
            "SELECT b.id, b.document_id, d.name, d.lang, b.tgt_lang, b.config_key, "
            "b.glossary_path, b.glossary_version, b.superseded_by FROM bitexts b "
            "JOIN documents d "
            "ON d.id = b.document_id WHERE b.id = ?", (bitext_id,)).fetchone()
        if r is None:
            raise NotFound(f"no bitext {bitext_id} in this store; open the overview to pick one")
        return Bitext(*r)

    def runs(self, conn: sqlite3.Connection, bitext: Bitext
             ) -> tuple[int, str | None, str, str | None]:
        """A bitext's runs: how many, when the last finished, the latest one's engine and
        model."""
        key = (bitext.document_id, bitext.tgt_lang, bitext.config_key)
        count, last = conn.execute("SELECT COUNT(*), MAX(finished_at) FROM runs WHERE "
                                   "document_id = ? AND tgt_lang = ? AND config_key = ?",
                                   key).fetchone()
        engine, model = conn.execute(
            "SELECT engine, model FROM runs WHERE document_id = ? AND tgt_lang = ? AND "
            "config_key = ? ORDER BY id DESC LIMIT 1", key).fetchone() or ("", None)
        return int(count), last, engine or "", model

    def row(self, conn: sqlite3.Connection, bitext_id: int, bead_id: int) -> Row:
        """An active bead of a bitext, or NotFound (unknown, another bitext's, merged away)."""
        r = conn.execute(f"{ROW_SQL} WHERE id = ?", (bead_id,)).fetchone()
        if r is None or r[1] != bitext_id:
            raise NotFound(f"no bead {bead_id} in bitext {bitext_id}; reload the document")
        row = read_row(r)
        if row.retired_at is not None:
            raise NotFound(f"bead {bead_id} was merged into its neighbour; reload the document")
        return row

    def rows_by_id(self, conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, Row]:
        """Some beads' rows, by id."""
        out: dict[int, Row] = {}
        for part in chunks(list(ids)):
            out |= {r[0]: read_row(r) for r in conn.execute(
                f"{ROW_SQL} WHERE id IN ({marks(len(part))})", tuple(part))}
        return out

    def neighbour(self, conn: sqlite3.Connection, row: Row, after: bool) -> Row | None:
        """The active bead just before or after one, in document order."""
        cmp, order = (">", "ASC") if after else ("<", "DESC")
        r = conn.execute(
            f"{ROW_SQL} WHERE bitext_id = ? AND retired_at IS NULL AND (ord {cmp} ? OR "
            f"(ord = ? AND id {cmp} ?)) ORDER BY ord {order}, id {order} LIMIT 1",
            (row.bitext_id, row.ord, row.ord, row.id)).fetchone()
        return read_row(r) if r else None

    def order(self, conn: sqlite3.Connection, row: Row) -> int:
        """A bead's 1-based place among its bitext's active beads."""
        return int(conn.execute(
            "SELECT COUNT(*) FROM links WHERE bitext_id = ? AND retired_at IS NULL AND "
            "(ord < ? OR (ord = ? AND id < ?))",
            (row.bitext_id, row.ord, row.ord, row.id)).fetchone()[0]) + 1

    # texts --------------------------------------------------------------------------------

    def doc(self, conn: sqlite3.Connection, document_id: int) -> DocText:
        """A document's segment texts and sections (documents never change: cached)."""
        with self._lock:
            found = self._docs.get(document_id)
        if found is not None:
            return found
        texts, sections, blocks, section = [], [], [], ""
        for text, kind, block, last in conn.execute(
                "SELECT s.text, b.kind, s.block_id, LAG(s.block_id) OVER (ORDER BY s.position) "
                "FROM segments s JOIN blocks b ON b.id = s.block_id WHERE s.document_id = ? "
                "ORDER BY s.position", (document_id,)):
            if kind == "heading":
                section = (f"{section} {text}" if block == last else text).strip("#* ")
            texts.append(text)
            sections.append(section)
            blocks.append(int(block))
        found = DocText(tuple(texts), tuple(sections), tuple(blocks))
        with self._lock:
            self._docs[document_id] = found
        return found

    def latest_edits(self, conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, Edit]:
        """The latest ``edits`` row of each bead that has one."""
        out: dict[int, Edit] = {}
        for part in chunks(list(ids)):
            for link, eid, text, author, at in conn.execute(
                    "SELECT e.link_id, e.id, e.text, e.author, e.created_at FROM edits e "
                    "WHERE e.id IN (SELECT MAX(id) FROM edits WHERE link_id IN "
                    f"({marks(len(part))}) GROUP BY link_id)", tuple(part)):
                out[int(link)] = Edit(int(eid), text, author, at)
        return out

    def machine(self, conn: sqlite3.Connection, bitext: Bitext, positions: Iterable[int]
                ) -> dict[int, Machine]:
        """The translations of segments of a bitext's document, by segment position."""
        wanted = sorted(set(positions))
        out: dict[int, Machine] = {}
        for part in chunks(wanted):
            for pos, tid, text, note, edited in conn.execute(
                    "SELECT s.position, t.id, t.text, t.note, (SELECT e.text FROM edits e "
                    "WHERE e.translation_id = t.id AND e.link_id IS NULL ORDER BY e.id DESC "
                    "LIMIT 1) FROM translations t JOIN segments s ON s.id = t.segment_id "
                    "WHERE s.document_id = ? AND t.tgt_lang = ? AND t.config_key = ? AND "
                    f"t.status = 'done' AND s.position IN ({marks(len(part))})",
                    (bitext.document_id, bitext.tgt_lang, bitext.config_key, *part)):
                out[int(pos)] = Machine(int(tid), edited if edited is not None else text, note)
        return out

    @staticmethod
    def machine_text(row: Row, machine: dict[int, Machine]) -> str:
        if row.tgt_kind != "translation":
            return ""
        return " ".join(t for p in row.tgt if (m := machine.get(p)) and (t := m.text))

    def texts(self, conn: sqlite3.Connection, bitext: Bitext, rows: Sequence[Row]
              ) -> tuple[dict[int, str], dict[int, str], dict[int, Edit], dict[int, Machine]]:
        """Current and machine texts of some beads.

        Returns:
            (bead id -> current text, bead id -> machine text, bead id -> latest edit,
            position -> translation) for the given beads.
        """
        edits = self.latest_edits(conn, [r.id for r in rows])
        machine = self.machine(conn, bitext, (p for r in rows for p in r.tgt))
        mtexts = {r.id: self.machine_text(r, machine) for r in rows}
        current = {r.id: edits[r.id].text if r.id in edits else mtexts[r.id] for r in rows}
        return current, mtexts, edits, machine

    # flags --------------------------------------------------------------------------------

    def stored_flags(self, conn: sqlite3.Connection, bitext: Bitext,
                     positions: Sequence[int] | None = None) -> dict[int, list[FlagView]]:
        """The run's QA flags by segment position (all of the bitext's, or of some)."""
        sql = ("SELECT position, check_name, severity, message FROM flags WHERE document_id = ? "
               "AND tgt_lang = ? AND config_key = ?")
        key = (bitext.document_id, bitext.tgt_lang, bitext.config_key)
        found = (conn.execute(f"{sql} ORDER BY id", key).fetchall() if positions is None else
                 [r for part in chunks(sorted(set(positions))) for r in conn.execute(
                     f"{sql} AND position IN ({marks(len(part))}) ORDER BY id", (*key, *part))])
        out: dict[int, list[FlagView]] = {}
        for pos, check, severity, message in found:
            out.setdefault(int(pos), []).append(FlagView(check, severity, message))
        return out

    def flags(self, bitext: Bitext, glossary: Glossary | None, bead: int, version: int,
              src: tuple[int, ...], source: str, target: str, edited: bool,
              stored: dict[int, list[FlagView]]) -> tuple[FlagView, ...]:
        """A bead's flags: the run's, or for an edited bead the one-segment checks re-run on
        its text plus the run's other flags marked stale."""
        run = [f for p in src for f in stored.get(p, ())]
        if not edited:
            return tuple(run)
        key = (bead, version, glossary.version if glossary else "")
        with self._lock:
            live = self._live.get(key)
        if live is None:
            live = tuple(live_flags(glossary, bitext.src_lang, bitext.tgt_lang, source, target))
            with self._lock:
                if len(self._live) > 100_000:
                    self._live.clear()
                self._live[key] = live
        old = tuple(FlagView(f.check, f.severity, f.message, True) for f in run
                    if f.check not in LIVE_CHECKS)
        return live + old

    def glossary(self, bitext: Bitext) -> Glossary | None:
        return self.glossaries.get(bitext.glossary_path, bitext.src_lang, bitext.tgt_lang)

    # views --------------------------------------------------------------------------------

    def views(self, conn: sqlite3.Connection, bitext: Bitext, rows: Sequence[Row],
              orders: Sequence[int], sections: Sequence[str]) -> list[BeadView]:
        """Full views of some beads (one page): texts, flags, terms, notes, comments."""
        doc = self.doc(conn, bitext.document_id)
        current, mtexts, edits, machine = self.texts(conn, bitext, rows)
        stored = self.stored_flags(conn, bitext, [p for r in rows for p in r.src])
        glossary = self.glossary(bitext)
        ids = [r.id for r in rows]
        comments: dict[int, int] = {}
        for part in chunks(ids):
            comments |= dict(conn.execute(
                f"SELECT link_id, COUNT(*) FROM comments WHERE link_id IN ({marks(len(part))}) "
                "GROUP BY link_id", tuple(part)))
        out = []
        for r, order, section in zip(rows, orders, sections, strict=True):
            source = " ".join(doc.texts[p] for p in r.src)
            target, mtext = current[r.id], mtexts[r.id]
            edited = r.id in edits and target != mtext
            flags = self.flags(bitext, glossary, r.id, r.version, r.src, source, target, edited,
                               stored) + side_flags(r.src, target)
            terms = term_hits(glossary, source, target) if glossary else []
            notes = [n for p in r.tgt if (m := machine.get(p)) and (n := m.note)]
            edit = edits.get(r.id)
            by, at = (edit.author, edit.created_at) if edit else (None, None)
            if r.status_at and (at is None or r.status_at > at):
                by, at = r.status_by, r.status_at
            out.append(BeadView(
                r.id, r.bitext_id, order, section,
                [SourceSentence(p, doc.texts[p]) for p in r.src], target, mtext, r.version,
                r.status, r.status_by, edited, r.score, r.method, list(flags), terms,
                notes, int(comments.get(r.id, 0)), by, at))
        return out

    def view(self, conn: sqlite3.Connection, bitext: Bitext, row: Row) -> BeadView:
        """The full view of one bead."""
        doc = self.doc(conn, bitext.document_id)
        if row.src:
            section = doc.sections[row.src[0]]
        else:  # a bead left without source sentences falls under its predecessor's heading
            r = conn.execute(
                "SELECT src_segments FROM links WHERE bitext_id = ? AND retired_at IS NULL AND "
                "src_segments != '[]' AND (ord < ? OR (ord = ? AND id < ?)) "
                "ORDER BY ord DESC, id DESC LIMIT 1",
                (row.bitext_id, row.ord, row.ord, row.id)).fetchone()
            section = doc.sections[json.loads(r[0])[0]] if r else ""
        return self.views(conn, bitext, [row], [self.order(conn, row)], [section])[0]
