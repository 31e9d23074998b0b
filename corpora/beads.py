"""Bitexts and their beads in the project store, as plain functions over a connection.

A bitext is one document in one target language under one engine configuration; its beads are
the rows of ``links`` (source segment positions, target segment positions, score). A run writes
the beads once; after that they belong to the reviewers: a re-run keeps every bead of a bitext
that has review activity and only adds beads for segments that no active bead covers, so
review state and bead ids survive. The functions take a ``sqlite3.Connection`` (not a
``Store``) so the review server, which opens its own connections, shares them.
"""

from __future__ import annotations

import bisect
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

#: ``(source segment positions, target segment positions, score)``: a bead as an aligner or
#: the pipeline proposes it.
Proposed = tuple[Sequence[int], Sequence[int], float | None]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def find_bitext(conn: sqlite3.Connection, doc_id: int, tgt: str, key: str) -> int | None:
    """The id of a document's bitext for a target language and engine config, if any."""
    row = conn.execute("SELECT id FROM bitexts WHERE document_id = ? AND tgt_lang = ? "
                       "AND config_key = ?", (doc_id, tgt, key)).fetchone()
    return int(row[0]) if row else None


def ensure_bitext(conn: sqlite3.Connection, doc_id: int, tgt: str, key: str,
                  glossary_path: str | None = None, glossary_version: str | None = None) -> int:
    """The bitext row for (document, target, config), created when missing; a glossary path
    and version given here are recorded on it (the latest run's)."""
    conn.execute(
        "INSERT INTO bitexts (document_id, tgt_lang, config_key, glossary_path, "
        "glossary_version, created_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (document_id, tgt_lang, config_key) DO NOTHING",
        (doc_id, tgt, key, glossary_path, glossary_version, _now()))
    bitext_id = find_bitext(conn, doc_id, tgt, key)
    assert bitext_id is not None  # inserted just above
    if glossary_path is not None or glossary_version is not None:
        conn.execute("UPDATE bitexts SET glossary_path = COALESCE(?, glossary_path), "
                     "glossary_version = COALESCE(?, glossary_version) WHERE id = ?",
                     (glossary_path, glossary_version, bitext_id))
    return bitext_id


def has_review(conn: sqlite3.Connection, bitext_id: int) -> bool:
    """Whether anyone has reviewed a bitext: a bead edit, an alignment or status change in the
    log, a comment, a bead status other than unreviewed, or a retired bead."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM links WHERE bitext_id = ? AND (status != 'unreviewed' "
        "OR retired_at IS NOT NULL)) "
        "OR EXISTS (SELECT 1 FROM link_ops WHERE bitext_id = ?) "
        "OR EXISTS (SELECT 1 FROM edits e JOIN links l ON l.id = e.link_id "
        "WHERE l.bitext_id = ?) "
        "OR EXISTS (SELECT 1 FROM comments c JOIN links l ON l.id = c.link_id "
        "WHERE l.bitext_id = ?)", (bitext_id,) * 4).fetchone()
    return bool(row[0])


@dataclass(frozen=True)
class StoredBead:
    """An active bead as stored: its id, document order key, and both sides' positions."""

    id: int
    ord: float
    src: tuple[int, ...]
    tgt: tuple[int, ...]


def active_beads(conn: sqlite3.Connection, bitext_id: int) -> list[StoredBead]:
    """A bitext's active (not retired) beads in document order."""
    rows = conn.execute("SELECT id, ord, src_segments, tgt_ids FROM links WHERE bitext_id = ? "
                        "AND retired_at IS NULL ORDER BY ord, id", (bitext_id,)).fetchall()
    return [StoredBead(int(i), float(o), positions(s), positions(t)) for i, o, s, t in rows]


def positions(text: str) -> tuple[int, ...]:
    """A JSON list of integers as the store writes it ("[3, 4]"), read without the JSON
    parser (a book has tens of thousands of beads)."""
    inner = text.strip()[1:-1]
    return tuple(map(int, inner.split(","))) if inner.strip() else ()


def save_beads(conn: sqlite3.Connection, doc_id: int, tgt: str, key: str,
               links: Sequence[Proposed], method: str, glossary_path: str | None = None,
               glossary_version: str | None = None) -> int:
    """Write a run's beads for a bitext (creating the bitext); return the bitext's id.

    Without review activity the bitext's beads become ``links``: a bead equal to a stored one
    (same source and target positions) keeps its row and id, the others are replaced. With
    review activity nothing is deleted or changed: only 1:1 beads are added, for the source
    positions of ``links`` that no active bead covers (segments finished since the last run),
    each placed in document order after the last bead that starts before it.

    Call inside a transaction.

    Args:
        conn: An open connection to the store.
        doc_id: The document.
        tgt: Target language code.
        key: Engine configuration key.
        links: The beads proposed, in document order.
        method: How they were made (e.g. "sentence").
        glossary_path: The run's glossary file, if it had one.
        glossary_version: That glossary's version.

    Returns:
        The bitext id.
    """
    bitext_id = ensure_bitext(conn, doc_id, tgt, key, glossary_path, glossary_version)
    if has_review(conn, bitext_id):
        _add_uncovered(conn, doc_id, tgt, key, bitext_id, links, method)
    else:
        _replace(conn, doc_id, tgt, key, bitext_id, links, method)
    return bitext_id


def _insert(conn: sqlite3.Connection, doc_id: int, tgt: str, key: str, bitext_id: int,
            position: int, ord_: float, link: Proposed, method: str) -> None:
    src, dst, score = link
    conn.execute(
        "INSERT INTO links (document_id, tgt_lang, config_key, position, src_segments, "
        "tgt_kind, tgt_ids, score, method, bitext_id, ord) "
        "VALUES (?, ?, ?, ?, ?, 'translation', ?, ?, ?, ?, ?)",
        (doc_id, tgt, key, position, json.dumps(list(src)), json.dumps(list(dst)), score,
         method, bitext_id, ord_))


def _replace(conn: sqlite3.Connection, doc_id: int, tgt: str, key: str, bitext_id: int,
             links: Sequence[Proposed], method: str) -> None:
    stored = {(tuple(json.loads(s)), tuple(json.loads(t))): int(i) for i, s, t in conn.execute(
        "SELECT id, src_segments, tgt_ids FROM links WHERE bitext_id = ?", (bitext_id,))}
    wanted = [(tuple(src), tuple(dst)) for src, dst, _ in links]
    keep = set(wanted)
    gone = [i for pair, i in stored.items() if pair not in keep]
    conn.executemany("DELETE FROM links WHERE id = ?", [(i,) for i in gone])
    # positions are unique per bitext: move the kept rows out of the way, then renumber
    conn.execute("UPDATE links SET position = -1 - position WHERE bitext_id = ?", (bitext_id,))
    for n, (pair, link) in enumerate(zip(wanted, links, strict=True)):
        if pair in stored:
            conn.execute("UPDATE links SET position = ?, ord = ?, score = ?, method = ? "
                         "WHERE id = ?", (n, float(n), link[2], method, stored[pair]))
        else:
            _insert(conn, doc_id, tgt, key, bitext_id, n, float(n), link, method)


def _add_uncovered(conn: sqlite3.Connection, doc_id: int, tgt: str, key: str, bitext_id: int,
                   links: Sequence[Proposed], method: str) -> None:
    beads = active_beads(conn, bitext_id)
    covered = {p for b in beads for p in (*b.src, *b.tgt)}
    new = sorted({p for src, _, _ in links for p in src} - covered)
    if not new:
        return
    scores = {src[0]: score for src, dst, score in links if len(src) == 1 and list(dst) == [src[0]]}
    # reach[i]: the furthest source position among beads[:i+1]; a bead without source
    # segments stays with the bead before it
    reach, furthest = [], -1
    for b in beads:
        furthest = max(furthest, *b.src) if b.src else furthest
        reach.append(furthest)
    ords = [b.ord for b in beads]
    top = conn.execute("SELECT COALESCE(MAX(position), -1) FROM links WHERE bitext_id = ?",
                       (bitext_id,)).fetchone()[0]
    for n, p in enumerate(new, start=1):
        at = bisect.bisect_left(reach, p)  # insert before the first bead reaching p or beyond
        before = ords[at - 1] if at else None
        after = ords[at] if at < len(ords) else None
        if before is None:
            ord_ = after - 1.0 if after is not None else 0.0
        else:
            ord_ = before + 1.0 if after is None else (before + after) / 2
        _insert(conn, doc_id, tgt, key, bitext_id, int(top) + n, ord_, ([p], [p], scores.get(p)),
                method)
        reach.insert(at, p)
        ords.insert(at, ord_)


@dataclass(frozen=True)
class BeadText:
    """An active bead with its texts.

    Attributes:
        id: The bead (``links.id``).
        src: Its source segment positions.
        tgt: Its target positions: the segments whose translations make its machine text.
        text: Its current text: its latest bead edit (``edits.link_id``), else ``machine``.
        machine: Its translations joined with a space, each the translation's latest
            translation-level edit (``link_id IS NULL``) if any, else the engine's text.
        edited: Whether ``text`` comes from a bead edit.
        reviewed: Whether ``text`` comes from a person: a bead edit, or a translation-level
            edit within ``machine``.
    """

    id: int
    src: tuple[int, ...]
    tgt: tuple[int, ...]
    text: str
    machine: str
    edited: bool
    reviewed: bool


def machine_texts(conn: sqlite3.Connection, doc_id: int, tgt: str, key: str
                  ) -> dict[int, tuple[str, bool]]:
    """The finished translations of a document's segments under one configuration.

    Returns:
        Segment position -> (text, whether a person wrote it): the translation's latest
        translation-level edit (``link_id IS NULL``) if any, else the engine's text.
    """
    machine: dict[int, tuple[str, bool]] = {}
    for position, text, edit in conn.execute(
            "SELECT s.position, t.text, (SELECT e.text FROM edits e WHERE e.translation_id = t.id"
            " AND e.link_id IS NULL ORDER BY e.id DESC LIMIT 1) FROM translations t "
            "JOIN segments s ON s.id = t.segment_id WHERE s.document_id = ? AND t.tgt_lang = ? "
            "AND t.config_key = ? AND t.status = 'done'", (doc_id, tgt, key)):
        machine[int(position)] = (edit, True) if edit is not None else (text or "", False)
    return machine


def machine_text(machine: dict[int, tuple[str, bool]], tgt: Sequence[int]) -> str:
    """A bead's machine text: the translations of its target positions joined with a space."""
    return " ".join(text for p in tgt if p in machine and (text := machine[p][0]))


def bead_texts(conn: sqlite3.Connection, bitext_id: int) -> list[BeadText]:
    """A bitext's active beads in document order, with their current and machine texts.

    Args:
        conn: An open connection to the store.
        bitext_id: The bitext.

    Returns:
        One `BeadText` per active bead, in document order.
    """
    row = conn.execute("SELECT document_id, tgt_lang, config_key FROM bitexts WHERE id = ?",
                       (bitext_id,)).fetchone()
    if row is None:
        return []
    machine = machine_texts(conn, *row)
    edits = dict(conn.execute(
        "SELECT e.link_id, e.text FROM edits e JOIN links l ON l.id = e.link_id "
        "WHERE l.bitext_id = ? AND l.retired_at IS NULL AND e.id = (SELECT MAX(e2.id) "
        "FROM edits e2 WHERE e2.link_id = e.link_id)", (bitext_id,)).fetchall())
    out = []
    for bead in active_beads(conn, bitext_id):
        parts = [machine[p] for p in bead.tgt if p in machine]
        made = machine_text(machine, bead.tgt)
        edited = bead.id in edits
        out.append(BeadText(bead.id, bead.src, bead.tgt, edits[bead.id] if edited else made,
                            made, edited, edited or any(human for _, human in parts)))
    return out


def segment_texts(beads: Sequence[BeadText]) -> dict[int, str]:
    """The text each source segment gets from the beads over it, for writing a document.

    A bead over several segments puts its text on its first segment and "" on the others; a
    bead with no source segment adds its text to the previous bead's (to the next one's when
    it comes first).

    Args:
        beads: Active beads in document order (`bead_texts`).

    Returns:
        Segment position -> text, for every position some bead covers.
    """
    out: dict[int, str] = {}
    last: int | None = None
    waiting: list[str] = []  # texts of beads without source before the first with one
    for bead in beads:
        if not bead.src:
            if last is None:
                waiting.append(bead.text)
            else:
                out[last] = _join(out[last], bead.text)
            continue
        first = min(bead.src)
        out.update({p: "" for p in bead.src})
        out[first] = _join(*waiting, bead.text)
        waiting, last = [], first
    return out


def _join(*texts: str) -> str:
    return " ".join(t for t in texts if t)


def save_flags(conn: sqlite3.Connection, doc_id: int, tgt: str, key: str,
               flags: Sequence[tuple[int, str, str, str]]) -> None:
    """Replace a bitext's QA flags. Call inside a transaction.

    Args:
        conn: An open connection to the store.
        doc_id: The document.
        tgt: Target language code.
        key: Engine configuration key.
        flags: ``(segment position, check name, severity, message)``.
    """
    conn.execute("DELETE FROM flags WHERE document_id = ? AND tgt_lang = ? AND config_key = ?",
                 (doc_id, tgt, key))
    conn.executemany(
        "INSERT INTO flags (document_id, tgt_lang, config_key, position, check_name, severity,"
        " message) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(doc_id, tgt, key, *flag) for flag in flags])
