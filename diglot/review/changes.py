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
from diglot.review.views import MAX_TEXT, Actor, Forbidden, Gone, ReviewError, TooLarge

#: What an alignment change writes as the bead's method (it was aligned by a person).
REVIEWED = "review"


class Stale(Exception):  # noqa: N818 - internal signal, never shown; becomes a Conflict
    """A bead's version is not the one the request was based on."""

    def __init__(self, bitext_id: int, bead_id: int) -> None:
        super().__init__(f"bead {bead_id} changed")
        self.bitext_id = bitext_id
        self.bead_id = bead_id


#: Hints a refused text ends with, by what the text is for.
_HINTS = {"text": ("to go back to the machine output, revert instead",
                   "split the bead or shorten it")}


def _bad_character(text: str) -> tuple[int, str, str] | None:
    """The first character a reviewer's text must not hold: a C0 control character other
    than tab and line breaks (NUL reaches the output files), DEL, a C1 control character
    other than NEL, or U+FFFD (a byte a form could not decode as UTF-8); with its 1-based
    place and what to do."""
    for k, c in enumerate(text, start=1):
        code = ord(c)
        if (code < 32 and c not in "\t\n\r") or 0x7F <= code <= 0x9F and code != 0x85:
            return k, f"the control character U+{code:04X}", "remove it"
        if code == 0xFFFD:
            return k, "U+FFFD (a byte that could not be read as UTF-8)", \
                "retype that character, or send the text as UTF-8"
    return None


def clean_text(text: object, what: str = "text") -> str:
    """A reviewer's text (a bead's target, a comment, a glossary term), checked: line breaks
    made "\\n", surrounding space stripped.

    Args:
        text: The text as received.
        what: What it is, as messages name it ("text", "comment", "source term"...).

    Raises:
        ReviewError: Not a string, empty or whitespace only, or holding a control character
            or U+FFFD (the message names it and its place).
        TooLarge: Longer than `MAX_TEXT` characters.
    """
    if not isinstance(text, str):
        raise ReviewError(f"the {what} must be a string")
    empty_hint, long_hint = _HINTS.get(what, ("", "shorten it"))
    if len(text) > MAX_TEXT:
        raise TooLarge(f"the {what} has {len(text):,} characters; the most is {MAX_TEXT:,}: "
                       f"{long_hint}")
    bad = _bad_character(text)
    if bad is not None:
        raise ReviewError(f"the {what} holds {bad[1]} at character {bad[0]}: {bad[2]}")
    # NEL and the Unicode line and paragraph separators are line breaks to every reader that
    # splits lines as Python does: written raw they would cut the TSV's rows
    text = text.replace("\r\n", "\n")
    for brk in "\r\x85\u2028\u2029":
        text = text.replace(brk, "\n")
    text = text.strip()
    if not text:
        raise ReviewError(f"the {what} is empty; write something"
                          + (f" ({empty_hint})" if empty_hint else ""))
    return text


def row_of(conn: sqlite3.Connection, reader: Reader, row: Row) -> str:
    """How messages name a bead: its row number in the document view ("row 8")."""
    return f"row {reader.order(conn, row)}"


def writable(conn: sqlite3.Connection, bitext: Bitext) -> None:
    """Refuse a write to a bitext a newer run replaced (its review was carried over there).

    Raises:
        Gone: The bitext is superseded; the message names the newer one.
    """
    if bitext.superseded_by is None:
        return
    found = conn.execute("SELECT created_at FROM bitexts WHERE id = ?",
                         (bitext.superseded_by,)).fetchone()
    when = str(found[0])[:16].replace("T", " ") if found else "a newer run"
    raise Gone(f"{bitext.document} → {bitext.tgt_lang} (bitext {bitext.id}) was superseded by "
               f"the run of {when}, which carries its review over: open "
               f"/bitexts/{bitext.superseded_by} and make the change there")


def guard(conn: sqlite3.Connection, reader: Reader, row: Row, actor: Actor,
          verb: str = "change") -> None:
    """Refuse a change to a bead someone else confirmed, unless the actor is an admin.

    Raises:
        Forbidden: The message says who confirmed it and what to do.
    """
    if row.status == "confirmed" and row.status_by != actor.name and actor.role != "admin":
        raise Forbidden(f"{row_of(conn, reader, row)} was confirmed by {row.status_by}: only "
                        f"{row.status_by} or an admin can {verb} it; comment on the bead, or "
                        "ask an admin to reopen it")


def reopen(conn: sqlite3.Connection, row: Row, version: int, actor: Actor) -> None:
    """Set a confirmed bead back to unreviewed after a change of its text (the confirmation
    was for a text it no longer has); logged as a status change. Call after the change."""
    if row.status != "confirmed":
        return
    conn.execute("UPDATE links SET status = 'unreviewed', status_by = ?, status_at = ? "
                 "WHERE id = ?", (actor.name, now(), row.id))
    log(conn, row.bitext_id, "status", {"bead": row.id, "from": "confirmed",
                                        "to": "unreviewed", "version": version,
                                        "reason": "text changed"}, actor)


def same_block(conn: sqlite3.Connection, reader: Reader, bitext: Bitext, a: Row, b: Row,
               positions: Sequence[int]) -> None:
    """Refuse an alignment change that would put source sentences of two blocks (paragraphs,
    headings, list items) in one bead: the output document is written by block.

    Args:
        a: The first of the two beads, in document order.
        b: The second.
        positions: The source positions the changed bead(s) would join.

    Raises:
        ReviewError: Naming both rows.
    """
    blocks = reader.doc(conn, bitext.document_id).blocks
    if len({blocks[p] for p in positions}) > 1:
        n = reader.order(conn, a)
        raise ReviewError(f"rows {n} and {n + 1} are in different paragraphs: the translated "
                          "document keeps paragraphs; edit each bead instead")


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


def set_status(conn: sqlite3.Connection, reader: Reader, bitext: Bitext, row: Row,
               status: str, text: str | None, base_version: int, actor: Actor) -> bool:
    """Save a bead's new text (if it differs) and set its status, checking ``base_version``
    once; return whether anything was written.

    A text change of a confirmed bead sets it back to unreviewed unless the new status is
    "confirmed"; a bead someone else confirmed cannot be edited or reopened but by an admin.
    """
    version, was = row.version, row.status
    if text is not None:
        current, _, _, machine = reader.texts(conn, bitext, [row])
        if text != current[row.id]:
            expect(row, base_version)
            guard(conn, reader, row, actor)
            version = bump(conn, row, base_version)
            add_text(conn, row, text, "edit", version, base_version, actor,
                     translation_id(row, machine))
            if status != "confirmed":
                reopen(conn, row, version, actor)
                was = "unreviewed" if was == "confirmed" else was
    if was == status:
        return version != row.version
    if version == row.version:  # no text written: check the version here
        expect(row, base_version)
        guard(conn, reader, row, actor, "reopen")
    conn.execute("UPDATE links SET status = ?, status_by = ?, status_at = ?, "
                 "version = version + 1 WHERE id = ? AND version = ?",
                 (status, actor.name, now(), row.id, version))
    log(conn, bitext.id, "status", {"bead": row.id, "from": was, "to": status,
                                    "version": version + 1}, actor)
    return True


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
        raise ReviewError(f"{row_of(conn, reader, row)} is the last of the document; there is "
                          "no next bead to merge it with")
    expect(row, base_version)
    expect(nxt, next_version)
    guard(conn, reader, row, actor, "merge")
    guard(conn, reader, nxt, actor, "merge")
    src, tgt = row.src + nxt.src, row.tgt + nxt.tgt
    same_block(conn, reader, bitext, row, nxt, src)
    current = reader.texts(conn, bitext, [row, nxt])[0]
    text = _join(current[row.id], current[nxt.id])
    conn.execute("UPDATE links SET src_segments = ?, tgt_ids = ?, score = NULL, method = ?, "
                 "version = version + 1 WHERE id = ? AND version = ?",
                 (json.dumps(list(src)), json.dumps(list(tgt)), REVIEWED, row.id, row.version))
    conn.execute("UPDATE links SET retired_at = ?, version = version + 1 WHERE id = ? AND "
                 "version = ?", (now(), nxt.id, nxt.version))
    add_text(conn, row, text, "merge", row.version + 1, row.version, actor)
    # the retired bead's comments are about text the merged bead now holds: they follow it
    moved = [i for (i,) in conn.execute("SELECT id FROM comments WHERE link_id = ? ORDER BY id",
                                        (nxt.id,))]
    conn.execute("UPDATE comments SET link_id = ? WHERE link_id = ?", (row.id, nxt.id))
    log(conn, bitext.id, "merge", {
        "before": [_side(r, r.src, r.tgt, r.version, current[r.id]) for r in (row, nxt)],
        "after": [_side(row, src, tgt, row.version + 1, text)],
        "retired": nxt.id, "comments_moved": moved}, actor)
    reopen(conn, row, row.version + 1, actor)


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
    guard(conn, reader, row, actor, "split")
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
    reopen(conn, row, row.version + 1, actor)
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
        raise ReviewError(f"{row_of(conn, reader, row)} has no {direction} bead to move a "
                          "sentence to")
    expect(row, base_version)
    expect(other, other_version)
    guard(conn, reader, row, actor, "move sentences of")
    guard(conn, reader, other, actor, "move sentences into")
    first, second = (row, other) if forward else (other, row)
    current = reader.texts(conn, bitext, [row, other])[0]
    text, other_text = current[row.id], current[other.id]
    src, other_src = row.src, other.src
    if side == "source":
        if not src:
            raise ReviewError(f"{row_of(conn, reader, row)} has no source sentence to move")
        moved = [src[-1]] if forward else [src[0]]
        same_block(conn, reader, bitext, first, second, (*moved, *other.src))
        src = src[:-1] if forward else src[1:]
        other_src = (*moved, *other_src) if forward else (*other_src, *moved)
    else:
        sentences = _sentences(text, bitext.tgt_lang)
        if not sentences:
            raise ReviewError(f"{row_of(conn, reader, row)} has no target text to move")
        same_block(conn, reader, bitext, first, second, (*row.src, *other.src))
        piece = sentences[-1] if forward else sentences[0]
        text = "".join(sentences[:-1] if forward else sentences[1:]).strip()
        other_text = _join(piece, other_text) if forward else _join(other_text, piece)
    if not src and not text:
        raise ReviewError(f"this move would leave {row_of(conn, reader, row)} with nothing; "
                          "merge it with its neighbour instead")
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
    for old in (row, other):
        reopen(conn, old, old.version + 1, actor)
    return (row.id, other.id) if forward else (other.id, row.id)
