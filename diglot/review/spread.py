"""Corrections that reach beyond one bead: the other occurrences of a source sentence, and
terms added to a bitext's glossary file.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

from corpora.textio import read_text, split_lines, write_atomic
from diglot.errors import DiglotError
from diglot.review.beads import Bitext, Reader, Row
from diglot.review.changes import (
    Stale,
    add_text,
    bump,
    reopen,
    row_of,
    translation_id,
    writable,
)
from diglot.review.db import now
from diglot.review.progress import StateCache
from diglot.review.terms import language
from diglot.review.views import Actor, Forbidden, GlossaryChange, OccurrenceView, ReviewError
from glossary.termbase import _roles, read_termbase

Target = tuple[int, int, int]  # (bitext id, bead id, version)


def _source(reader: Reader, conn: sqlite3.Connection, bitext: Bitext, row: Row) -> str:
    texts = reader.doc(conn, bitext.document_id).texts
    return " ".join(texts[p] for p in row.src)


def occurrences(conn: sqlite3.Connection, cache: StateCache, bitext: Bitext, row: Row
                ) -> list[Target]:
    """Other active beads, in any bitext of the same languages, with the same source text
    and another current text.

    Returns:
        ``(bitext id, bead id, version)`` of each, ordered.
    """
    if not row.src:
        return []
    reader = cache.reader
    source = _source(reader, conn, bitext, row)
    first = reader.doc(conn, bitext.document_id).texts[row.src[0]]
    mine = reader.texts(conn, bitext, [row])[0][row.id]
    found: list[Target] = []
    starts = conn.execute(
        "SELECT b.id, s.position FROM segments s JOIN documents d ON d.id = s.document_id "
        "JOIN bitexts b ON b.document_id = s.document_id WHERE s.text = ? AND d.lang = ? "
        "AND b.tgt_lang = ? AND b.superseded_by IS NULL",
        (first, bitext.src_lang, bitext.tgt_lang)).fetchall()
    by_bitext: dict[int, list[int]] = {}
    for bid, pos in starts:
        by_bitext.setdefault(int(bid), []).append(int(pos))
    for bid, positions in sorted(by_bitext.items()):
        other, wanted = reader.bitext(conn, bid), set(positions)
        ids = [s.id for s in cache.states(conn, other) if s.src and s.src[0] in wanted]
        rows = [r for r in reader.rows_by_id(conn, ids).values()
                if r.id != row.id and _source(reader, conn, other, r) == source]
        if rows:
            current = reader.texts(conn, other, rows)[0]
            found += [(bid, r.id, r.version) for r in rows if current[r.id] != mine]
    return sorted(found)


def occurrence_views(conn: sqlite3.Connection, cache: StateCache, bitext: Bitext, row: Row
                     ) -> list[OccurrenceView]:
    """`occurrences` with each bead's row number, document, text and status."""
    reader, out = cache.reader, []
    found = occurrences(conn, cache, bitext, row)
    for bid in sorted({b for b, _, _ in found}):
        other = reader.bitext(conn, bid)
        order = {s.id: s.order for s in cache.states(conn, other)}
        rows = reader.rows_by_id(conn, [i for b, i, _ in found if b == bid])
        current, mtexts, edits, _ = reader.texts(conn, other, list(rows.values()))
        for r in sorted(rows.values(), key=lambda r: order[r.id]):
            edited = r.id in edits and current[r.id] != mtexts[r.id]
            out.append(OccurrenceView(bid, r.id, r.version, order[r.id], other.document,
                                      current[r.id], r.status, r.status_by, edited))
    return out


def apply(conn: sqlite3.Connection, reader: Reader, bitext: Bitext, row: Row,
          targets: list[Target], actor: Actor) -> int:
    """Write a bead's current text to other occurrences of its source (all or nothing).

    Raises:
        ReviewError: A target is not an occurrence of this bead's source, or is repeated.
        NotFound: A target bead does not exist (or not in the bitext named).
        Gone: A target's bitext was superseded by a newer run.
        Forbidden: A target was confirmed by someone else and the actor is no admin.
        Stale: A target's version changed since it was listed.

    Returns:
        How many beads were written (targets whose text already matched are left as they are).
    """
    if len(set(targets)) != len(targets):
        raise ReviewError("a bead is listed twice; give each occurrence once, as occurrences "
                          "lists them")
    source = _source(reader, conn, bitext, row)
    text = reader.texts(conn, bitext, [row])[0][row.id]
    checked = []
    for bid, bead_id, version in targets:
        other = reader.bitext(conn, bid)
        target = reader.row(conn, bid, bead_id)
        writable(conn, other)
        if (target.id == row.id or other.tgt_lang != bitext.tgt_lang
                or other.src_lang != bitext.src_lang
                or _source(reader, conn, other, target) != source):
            raise ReviewError(f"{row_of(conn, reader, target)} of {other.document} is not "
                              f"another occurrence of {row_of(conn, reader, row)}'s source; "
                              "list them with occurrences first")
        if target.version != version:
            raise Stale(bid, bead_id)
        if target.status == "confirmed" and target.status_by != actor.name \
                and actor.role != "admin":
            raise Forbidden(f"{row_of(conn, reader, target)} of {other.document} was confirmed "
                            f"by {target.status_by}: only {target.status_by} or an admin can "
                            "change it; leave it out, or ask an admin")
        checked.append((other, target, version))
    written = 0
    for other, target, version in checked:
        current, _, _, machine = reader.texts(conn, other, [target])
        if current[target.id] == text:
            continue
        new = bump(conn, target, version)
        add_text(conn, target, text, "apply", new, version, actor,
                 translation_id(target, machine), f"applied from bead {row.id}")
        reopen(conn, target, new, actor)
        written += 1
    return written


def glossary_path(db: Path, bitext: Bitext) -> Path:
    """The bitext's glossary file: its run's, else ``glossary.<src>-<tgt>.tsv`` beside the
    store."""
    if bitext.glossary_path:
        return Path(bitext.glossary_path)
    return db.parent / f"glossary.{bitext.src_lang}-{bitext.tgt_lang}.tsv"


def _line(old: str | None, path: Path, bitext: Bitext, source: str, target: str) -> str:
    """The file's new content: the entry appended under the file's own header."""
    comma = path.suffix.lower() == ".csv"
    sep = "," if comma else "\t"
    if old is None or not old.strip():
        header = [bitext.src_lang, bitext.tgt_lang]
        old, n = sep.join(header) + "\n", 1
    else:
        lines = split_lines(old)
        n, first = next((k, ln) for k, ln in enumerate(lines, 1)
                        if ln.strip() and not ln.startswith("#"))
        header = next(csv.reader([first])) if comma else first.split("\t")
    roles = _roles(header, path, n)[0]
    cells = [""] * len(header)
    cells[roles["source"]], cells[roles["target"]] = source, target
    buf = io.StringIO()
    if comma:
        csv.writer(buf, lineterminator="\n").writerow(cells)
    else:
        buf.write("\t".join(cells).rstrip("\t") + "\n")
    return old + ("" if old.endswith("\n") else "\n") + buf.getvalue()


def add_term(conn: sqlite3.Connection, db: Path, bitext: Bitext, source: str, target: str,
             actor: Actor) -> GlossaryChange:
    """Append an entry to the bitext's glossary file (atomically) and record the change.

    Call inside the write transaction: it keeps two writers of the file apart.

    Raises:
        ReviewError: The file is TBX, cannot be read, refuses the entry (a conflict with an
            existing entry), or has it already.
    """
    path = glossary_path(db, bitext)
    if path.suffix.lower() in (".tbx", ".xml"):
        raise ReviewError(f"{path} is a TBX file; add the term with your terminology tool")
    src, tgt = language(bitext.src_lang), language(bitext.tgt_lang)
    if source.startswith("#"):
        raise ReviewError(f"a source term cannot start with '#' in {path.name}: the file reads "
                          "such a line as a comment; write the term without it")
    old = read_text(path) if path.exists() else None
    try:
        old_version = read_termbase(path, src, tgt).version if old is not None else None
        new_text = _line(old, path, bitext, source, target)
    except (DiglotError, StopIteration, KeyError) as exc:
        raise ReviewError(f"{path} cannot be read as a glossary ({exc}); fix the file first"
                          ) from None
    write_atomic(path, new_text)
    try:
        new_version = read_termbase(path, src, tgt).version
    except DiglotError as exc:
        _restore(path, old)
        raise ReviewError(f"the glossary refuses this entry: {exc}") from None
    if new_version == old_version:
        _restore(path, old)
        raise ReviewError(f"{source!r} → {target!r} is in the glossary already")
    at = now()
    if not bitext.glossary_path:  # the view shows the new file's terms from now on
        conn.execute("UPDATE bitexts SET glossary_path = ? WHERE id = ?", (str(path), bitext.id))
    cur = conn.execute(
        "INSERT INTO glossary_changes (bitext_id, path, old_version, new_version, source, "
        "target, author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (bitext.id, str(path), old_version, new_version, source, target, actor.name, at))
    return GlossaryChange(int(cur.lastrowid or 0), bitext.id, str(path), old_version,
                          new_version, source, target, actor.name, at)


def _restore(path: Path, old: str | None) -> None:
    if old is None:
        path.unlink(missing_ok=True)
    else:
        write_atomic(path, old)



