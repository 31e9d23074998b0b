"""Writing beads: versioned text rows, and the alignment changes (merge, split, move).

Every function here runs inside the caller's ``BEGIN IMMEDIATE`` transaction and checks the
versions the request was based on before it writes anything (`Stale` rolls the transaction
back; the service turns it into a `Conflict` showing the bead as it is now). A merged-away bead
is retired, never deleted; each change appends an ``edits`` row per bead it leaves active (so
the bead's history shows it) and a ``link_ops`` row with both sides before and after.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from corpora.splitter import split_sentences
from diglot.review.beads import Bitext, Machine, Reader, Row
from diglot.review.db import now
from diglot.review.views import Actor, ReviewError

#: What an alignment change writes as the bead's method (it was aligned by a person).
REVIEWED = "review"


class Stale(Exception):  # noqa: N818 - internal signal, never shown; becomes a Conflict
    """A bead's version is not the one the request was based on."""

    def __init__(self, bitext_id: int, bead_id: int) -> None:
        super().__init__(f"bead {bead_id} changed")
        self.bitext_id = bitext_id
        self.bead_id = bead_id


def expect(row: Row, version: int) -> None:
    """Raise `Stale` unless the bead is at ``version`` (read inside the write transaction)."""
    if row.version != version:
        raise Stale(row.bitext_id, row.id)


def translation_id(row: Row, machine: dict[int, Machine]) -> int | None:
    """The translation a 1:1 bead's text stands for (so the translation memory sees a
    reviewer's correction); None for other beads."""
    if row.tgt_kind == "translation" and len(row.src) == 1 and row.tgt == row.src:
        found = machine.get(row.src[0])
        return found.translation_id if found else None
    return None


def bump(conn: sqlite3.Connection, row: Row, base_version: int) -> int:
    """Raise the bead's version (checked: `Stale` when it moved on); return the new one."""
    cur = conn.execute("UPDATE links SET version = version + 1 WHERE id = ? AND version = ?",
                       (row.id, base_version))
    if cur.rowcount != 1:
        raise Stale(row.bitext_id, row.id)
    return base_version + 1


def add_text(conn: sqlite3.Connection, row: Row, text: str, kind: str, version: int,
             base_version: int | None, actor: Actor, tm: int | None = None,
             note: str | None = None) -> int:
    """Append a text version of a bead; return its edits id."""
    cur = conn.execute(
        "INSERT INTO edits (translation_id, link_id, text, author, note, created_at, version, "
        "base_version, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (tm, row.id, text, actor.name, note, now(), version, base_version, kind))
    return int(cur.lastrowid or 0)


def log(conn: sqlite3.Connection, bitext_id: int, op: str, detail: dict[str, object],
        actor: Actor) -> None:
    """Append an alignment or status change to the bitext's log."""
    conn.execute("INSERT INTO link_ops (bitext_id, op, detail, author, created_at) "
                 "VALUES (?, ?, ?, ?, ?)",
                 (bitext_id, op, json.dumps(detail, ensure_ascii=False), actor.name, now()))


def _side(row: Row, src: Sequence[int], tgt: Sequence[int], version: int, text: str
          ) -> dict[str, object]:
    return {"id": row.id, "version": version, "source": list(src), "target_ids": list(tgt),
            "text": text}


def _join(*texts: str) -> str:
    return " ".join(t.strip() for t in texts if t.strip())


def merge_next(conn: sqlite3.Connection, reader: Reader, bitext: Bitext, row: Row,
               base_version: int, next_version: int, actor: Actor) -> None:
    """Merge a bead with the next one: sources, target ids and texts joined in order; the
    next bead is retired."""
    nxt = reader.neighbour(conn, row, after=True)
    if nxt is None:
        raise ReviewError(f"bead {row.id} is the last of the document; there is no next bead "
                          "to merge it with")
    expect(row, base_version)
    expect(nxt, next_version)
    current = reader.texts(conn, bitext, [row, nxt])[0]
    text = _join(current[row.id], current[nxt.id])
    src, tgt = row.src + nxt.src, row.tgt + nxt.tgt
    conn.execute("UPDATE links SET src_segments = ?, tgt_ids = ?, score = NULL, method = ?, "
                 "version = version + 1 WHERE id = ? AND version = ?",
                 (json.dumps(list(src)), json.dumps(list(tgt)), REVIEWED, row.id, row.version))
    conn.execute("UPDATE links SET retired_at = ?, version = version + 1 WHERE id = ? AND "
                 "version = ?", (now(), nxt.id, nxt.version))
    add_text(conn, row, text, "merge", row.version + 1, row.version, actor)
    log(conn, bitext.id, "merge", {
        "before": [_side(r, r.src, r.tgt, r.version, current[r.id]) for r in (row, nxt)],
        "after": [_side(row, src, tgt, row.version + 1, text)],
        "retired": nxt.id}, actor)


def _ord_between(conn: sqlite3.Connection, reader: Reader, row: Row) -> float:
    """An order key after a bead and before the next, renumbering the bitext's keys when
    halving has run out of floating-point precision."""
    nxt = reader.neighbour(conn, row, after=True)
    if nxt is None:
        return row.ord + 1.0
    mid = (row.ord + nxt.ord) / 2
    if row.ord < mid < nxt.ord:
        return mid
    ids = [i for (i,) in conn.execute("SELECT id FROM links WHERE bitext_id = ? "
                                      "ORDER BY ord, id", (row.bitext_id,))]
    conn.executemany("UPDATE links SET ord = ? WHERE id = ?",
                     [(float(2 * n), i) for n, i in enumerate(ids)])
    return float(2 * ids.index(row.id) + 1)


def split(conn: sqlite3.Connection, reader: Reader, bitext: Bitext, row: Row,
          source_count: int, target_at: int, base_version: int, actor: Actor) -> int:
    """Split a bead in two; return the new (second) bead's id.

    The first keeps ``source_count`` source sentences and the target text before character
    ``target_at``; the second gets the rest. Target ids that mirror the source (the
    pipeline's beads) are split with it; others stay with the first bead.
    """
    expect(row, base_version)
    text = reader.texts(conn, bitext, [row])[0][row.id]
    if not 0 <= source_count <= len(row.src):
        raise ReviewError(f"source_count must be 0 to {len(row.src)} (the bead's source "
                          f"sentences), not {source_count}")
    if not 0 <= target_at <= len(text):
        raise ReviewError(f"target_at must be 0 to {len(text)} (the target text's length), "
                          f"not {target_at}")
    first_text, second_text = text[:target_at].strip(), text[target_at:].strip()
    src1, src2 = row.src[:source_count], row.src[source_count:]
    if not (src1 or first_text) or not (src2 or second_text):
        raise ReviewError("this split leaves a bead with neither source sentences nor target "
                          "text; choose a point with something on both sides")
    tgt1, tgt2 = ((src1, src2) if row.tgt == row.src else (row.tgt, ()))
    ord_ = _ord_between(conn, reader, row)
    position = conn.execute(
        "SELECT COALESCE(MAX(position), -1) + 1 FROM links WHERE document_id = ? AND "
        "tgt_lang = ? AND config_key = ?",
        (bitext.document_id, bitext.tgt_lang, bitext.config_key)).fetchone()[0]
    cur = conn.execute(
        "INSERT INTO links (document_id, tgt_lang, config_key, position, src_segments, "
        "tgt_kind, tgt_ids, score, method, bitext_id, ord) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, "
        "?, ?, ?)", (bitext.document_id, bitext.tgt_lang, bitext.config_key, position,
                     json.dumps(list(src2)), row.tgt_kind, json.dumps(list(tgt2)), REVIEWED,
                     bitext.id, ord_))
    new = row._replace(id=int(cur.lastrowid or 0), src=src2, tgt=tgt2, version=1)
    conn.execute("UPDATE links SET src_segments = ?, tgt_ids = ?, score = NULL, method = ?, "
                 "version = version + 1 WHERE id = ? AND version = ?",
                 (json.dumps(list(src1)), json.dumps(list(tgt1)), REVIEWED, row.id, row.version))
    add_text(conn, row, first_text, "split", row.version + 1, row.version, actor)
    add_text(conn, new, second_text, "split", 1, None, actor)
    log(conn, bitext.id, "split", {
        "before": [_side(row, row.src, row.tgt, row.version, text)],
        "after": [_side(row, src1, tgt1, row.version + 1, first_text),
                  _side(new, src2, tgt2, 1, second_text)]}, actor)
    return new.id


def _sentences(text: str, lang: str) -> list[str]:
    return [s + gap for s, gap in split_sentences(text, lang)]


def move(conn: sqlite3.Connection, reader: Reader, bitext: Bitext, row: Row, side: str,
         direction: str, base_version: int, other_version: int, actor: Actor
         ) -> tuple[int, int]:
    """Move a bead's first source sentence or target sentence to the end of the previous
    bead, or its last one to the start of the next bead.

    The target side moves text (split into sentences for the target language); the source
    side moves a segment position, and the target ids stay where they are (the target side
    did not move). Returns the two beads' ids in document order.
    """
    if side not in ("source", "target"):
        raise ReviewError(f"side must be 'source' or 'target', not {side!r}")
    if direction not in ("previous", "next"):
        raise ReviewError(f"direction must be 'previous' or 'next', not {direction!r}")
    forward = direction == "next"
    other = reader.neighbour(conn, row, after=forward)
    if other is None:
        raise ReviewError(f"bead {row.id} has no {direction} bead to move a sentence to")
    expect(row, base_version)
    expect(other, other_version)
    current = reader.texts(conn, bitext, [row, other])[0]
    text, other_text = current[row.id], current[other.id]
    src, other_src = row.src, other.src
    if side == "source":
        if not src:
            raise ReviewError(f"bead {row.id} has no source sentence to move")
        moved = [src[-1]] if forward else [src[0]]
        src = src[:-1] if forward else src[1:]
        other_src = (*moved, *other_src) if forward else (*other_src, *moved)
    else:
        sentences = _sentences(text, bitext.tgt_lang)
        if not sentences:
            raise ReviewError(f"bead {row.id} has no target text to move")
        piece = sentences[-1] if forward else sentences[0]
        text = "".join(sentences[:-1] if forward else sentences[1:]).strip()
        other_text = _join(piece, other_text) if forward else _join(other_text, piece)
    if not src and not text:
        raise ReviewError(f"this move would leave bead {row.id} with nothing; merge it with "
                          "its neighbour instead")
    before, after = [], []
    for old, new_src, new_text in ((row, src, text), (other, other_src, other_text)):
        conn.execute("UPDATE links SET src_segments = ?, score = NULL, method = ?, "
                     "version = version + 1 WHERE id = ? AND version = ?",
                     (json.dumps(list(new_src)), REVIEWED, old.id, old.version))
        add_text(conn, old, new_text, "move", old.version + 1, old.version, actor)
        before.append(_side(old, old.src, old.tgt, old.version, current[old.id]))
        after.append(_side(old, new_src, old.tgt, old.version + 1, new_text))
    log(conn, bitext.id, "move", {"side": side, "direction": direction, "before": before,
                                  "after": after}, actor)
    return (row.id, other.id) if forward else (other.id, row.id)
