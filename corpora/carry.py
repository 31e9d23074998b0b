"""One current bitext per document and target language: a review moves with the configuration.

A bitext is keyed by its engine configuration, and the configuration can change under a
review: a term added to the glossary gives the glossary a new version, so the same
`diglot run` writes a new bitext. Left alone, the review would fork there (statuses, comments
and text history behind in the old bitext, later edits there ignored by every run). So when a
run writes a bitext and another current bitext of the same document and target language has
review activity, the review is carried into the run's bitext in the run's transaction: the
bead layout and order keys, statuses, comments, and each edited or confirmed bead's text
history, ending on the text it had (a confirmed bead keeps the text that was confirmed, not
the new engine output). Unreviewed beads take the new machine output. The other bitexts stay
in the store, read only, with ``superseded_by`` naming the current one.

A run under an older configuration (the glossary change reverted) carries the current review
back the same way: its bitext's own beads are retired (kept, not deleted) and it becomes the
current one, so no run brings an outdated review back silently.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timezone

from corpora.beads import (
    Proposed,
    bead_texts,
    ensure_bitext,
    find_bitext,
    has_review,
    machine_text,
    machine_texts,
    positions,
    save_beads,
)

#: The author of what a carry writes itself (its log row, a kept text): no person wrote it.
CARRIER = "diglot run"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def save_run_beads(conn: sqlite3.Connection, doc_id: int, tgt: str, key: str,
                   links: Sequence[Proposed], method: str, glossary_path: str | None = None,
                   glossary_version: str | None = None) -> int:
    """Write a run's beads into its bitext and make that bitext the current one.

    When the bitext is new, or was superseded, or has no review of its own, and another
    current bitext of the document and target language has review activity, that review is
    carried in first (`carry_review`; among several, the one reviewed last). Then the run's
    beads are saved (`corpora.beads.save_beads`: a reviewed bitext only gains beads for newly
    finished segments), and every other bitext of the document and target language is marked
    superseded by this one. Call inside a transaction.

    Args:
        conn: An open connection to the store.
        doc_id: The document.
        tgt: Target language code.
        key: Engine configuration key.
        links: The beads proposed, in document order.
        method: How they were made.
        glossary_path: The run's glossary file, if it had one.
        glossary_version: That glossary's version.

    Returns:
        The bitext id.
    """
    existing = find_bitext(conn, doc_id, tgt, key)
    stale = existing is not None and conn.execute(
        "SELECT superseded_by IS NOT NULL FROM bitexts WHERE id = ?", (existing,)).fetchone()[0]
    bitext_id = ensure_bitext(conn, doc_id, tgt, key, glossary_path, glossary_version)
    if existing is None or stale or not has_review(conn, bitext_id):
        source = _reviewed_current(conn, doc_id, tgt, bitext_id)
        if source is not None:
            carry_review(conn, source, bitext_id, links)
    save_beads(conn, doc_id, tgt, key, links, method, glossary_path, glossary_version)
    conn.execute("UPDATE bitexts SET superseded_by = NULL WHERE id = ?", (bitext_id,))
    conn.execute("UPDATE bitexts SET superseded_by = ? WHERE document_id = ? AND tgt_lang = ? "
                 "AND id != ?", (bitext_id, doc_id, tgt, bitext_id))
    return bitext_id


def _reviewed_current(conn: sqlite3.Connection, doc_id: int, tgt: str, bitext_id: int
                      ) -> int | None:
    """The current bitext of a document and target language (other than ``bitext_id``) with
    review activity, the one reviewed last if there are several (a store from before bitexts
    had successors); None if there is none."""
    found: list[tuple[str, int]] = []
    for (other,) in conn.execute(
            "SELECT id FROM bitexts WHERE document_id = ? AND tgt_lang = ? AND id != ? AND "
            "superseded_by IS NULL", (doc_id, tgt, bitext_id)).fetchall():
        if has_review(conn, int(other)):
            last = conn.execute(
                "SELECT MAX(t) FROM (SELECT MAX(created_at) AS t FROM link_ops WHERE bitext_id "
                "= ?1 UNION ALL SELECT MAX(e.created_at) FROM edits e JOIN links l ON l.id = "
                "e.link_id WHERE l.bitext_id = ?1 UNION ALL SELECT MAX(c.created_at) FROM "
                "comments c JOIN links l ON l.id = c.link_id WHERE l.bitext_id = ?1 UNION ALL "
                "SELECT MAX(status_at) FROM links WHERE bitext_id = ?1)", (other,)).fetchone()[0]
            found.append((last or "", int(other)))
    return max(found)[1] if found else None


def carry_review(conn: sqlite3.Connection, source: int, target: int,
                 links: Sequence[Proposed]) -> int:
    """Carry a bitext's review into another bitext of the same document and target language.

    The target's own beads go first (retired when it has review activity, else deleted).
    Each active bead of the source is copied with its order key, source and target positions
    (the target positions now name the target configuration's translations), method, version,
    status, ``status_by`` and ``status_at``; its comments are copied with their authors and
    times. A bead that is edited or confirmed keeps its text: its ``edits`` rows are copied
    with their authors, times and kinds, then, if the copy's text is not the text the bead
    had (a confirmed bead over machine output that changed), one ``carry`` row restores it.
    One ``link_ops`` row ``carry`` names the source. Call inside a transaction.

    Args:
        conn: An open connection to the store.
        source: The bitext whose review moves.
        target: The bitext that takes it.
        links: The run's proposed beads: a copied bead with the same positions as one of
            them takes its score (its machine output is the target's), others keep theirs.

    Returns:
        How many beads were carried.
    """
    old_key, = conn.execute("SELECT config_key FROM bitexts WHERE id = ?", (source,)).fetchone()
    doc_id, tgt, key = conn.execute("SELECT document_id, tgt_lang, config_key FROM bitexts "
                                    "WHERE id = ?", (target,)).fetchone()
    now = _now()
    if has_review(conn, target):
        conn.execute("UPDATE links SET retired_at = ?, version = version + 1 WHERE bitext_id = ?"
                     " AND retired_at IS NULL", (now, target))
    else:
        conn.execute("DELETE FROM links WHERE bitext_id = ?", (target,))
    was = {b.id: b.text for b in bead_texts(conn, source)}
    machine = machine_texts(conn, doc_id, tgt, key)
    scores = {(tuple(src), tuple(dst)): score for src, dst, score in links}
    top = conn.execute("SELECT COALESCE(MAX(position), -1) FROM links WHERE bitext_id = ?",
                       (target,)).fetchone()[0]
    edited = {int(i) for (i,) in conn.execute(
        "SELECT DISTINCT e.link_id FROM edits e JOIN links l ON l.id = e.link_id WHERE "
        "l.bitext_id = ? AND l.retired_at IS NULL", (source,))}
    pairs: list[tuple[int, int]] = []
    # beads whose text the target's engine output would change: (new id, old id, version)
    restore: list[tuple[int, int, int]] = []
    for n, (old, ord_, src, kind, dst, score, method, version, status, by, at) in enumerate(
            conn.execute("SELECT id, ord, src_segments, tgt_kind, tgt_ids, score, method, "
                         "version, status, status_by, status_at FROM links WHERE bitext_id = ?"
                         " AND retired_at IS NULL ORDER BY ord, id", (source,)).fetchall()):
        pair = (positions(src), positions(dst))
        cur = conn.execute(
            "INSERT INTO links (document_id, tgt_lang, config_key, position, src_segments, "
            "tgt_kind, tgt_ids, score, method, bitext_id, ord, version, status, status_by, "
            "status_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (doc_id, tgt, key, int(top) + 1 + n, src, kind, dst,
             scores.get(pair, score) if kind == "translation" else score, method, target, ord_,
             version, status, by, at))
        new = int(cur.lastrowid or 0)
        pairs.append((old, new))
        # an edited bead's copied history ends on its text; a confirmed one over machine
        # output keeps that output (unless it had none: a segment that failed then)
        if status == "confirmed" and old not in edited and was[old] and (
                was[old] != machine_text(machine, pair[1])):
            restore.append((new, old, int(version)))
    _copy_rows(conn, pairs, edited, key)
    conn.executemany(
        "INSERT INTO edits (link_id, text, author, note, created_at, version, base_version, "
        "kind) VALUES (?, ?, ?, ?, ?, ?, ?, 'carry')",
        [(new, was[old], CARRIER, f"the text it had in bitext {source} (the earlier "
          "configuration's run), kept", now, version + 1, version)
         for new, old, version in restore])
    conn.executemany("UPDATE links SET version = version + 1 WHERE id = ?",
                     [(new,) for new, _, _ in restore])
    conn.execute("INSERT INTO link_ops (bitext_id, op, detail, author, created_at) "
                 "VALUES (?, 'carry', ?, ?, ?)",
                 (target, json.dumps({"from": source, "config_key": old_key,
                                      "beads": [list(p) for p in pairs],
                                      "kept": [new for new, _, _ in restore]}), CARRIER, now))
    return len(pairs)


def _copy_rows(conn: sqlite3.Connection, pairs: Sequence[tuple[int, int]], edited: set[int],
               key: str) -> None:
    """Copy the beads' text history and comments (old id, new id) in their order; an edit's
    translation becomes the target configuration's translation of the same segment."""
    conn.executemany(
        "INSERT INTO edits (translation_id, link_id, text, author, note, created_at, version, "
        "base_version, kind) SELECT (SELECT t2.id FROM translations t1 JOIN translations t2 "
        "ON t2.segment_id = t1.segment_id AND t2.tgt_lang = t1.tgt_lang AND t2.config_key = ? "
        "WHERE t1.id = e.translation_id), ?, e.text, e.author, e.note, e.created_at, e.version, "
        "e.base_version, e.kind FROM edits e WHERE e.link_id = ? ORDER BY e.id",
        [(key, new, old) for old, new in pairs if old in edited])
    conn.executemany(
        "INSERT INTO comments (link_id, author, text, created_at) SELECT ?, author, text, "
        "created_at FROM comments WHERE link_id = ? ORDER BY id",
        [(new, old) for old, new in pairs])
