"""A bitext's beads as published pairs, each with its provenance, read from the project store.

Everything a pair says comes from rows the run and the review wrote: the segments and blocks
(position, section), the run (engine, model, version, decoding settings), the bitext (glossary
version), the bead (alignment method and score, status, who set it and when), the edits (who
changed the text and when: the "diglot run" that carries a review into a new configuration is
not a person and is left out), and the run's QA flags. A pair that came in by ``diglot import``
gives back the provenance it arrived with, updated by any review since.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from corpora.beads import machine_texts
from corpora.carry import CARRIER
from corpora.pairs import DocumentMeta, Pair, from_provenance, new_pair

#: The config key and method of pairs that ``diglot import`` wrote.
IMPORT_KEY = "import"


@dataclass(frozen=True)
class BitextRef:
    """A current bitext to publish: one document in one target language."""

    id: int
    document_id: int
    document: str
    src_lang: str
    tgt_lang: str
    config_key: str
    glossary_version: str | None


def current_bitexts(conn: sqlite3.Connection) -> list[BitextRef]:
    """Each document's current bitext per target language, in store order.

    A bitext is current when no run under another configuration superseded it; of several
    stored versions of a document with the same name (the file was edited and run again),
    only the latest counts.
    """
    rows = conn.execute(
        "SELECT b.id, d.id, d.name, d.lang, b.tgt_lang, b.config_key, b.glossary_version "
        "FROM bitexts b JOIN documents d ON d.id = b.document_id "
        "WHERE b.superseded_by IS NULL AND d.sha256 NOT LIKE '%:resegmented:%' "
        "AND EXISTS (SELECT 1 FROM links l WHERE l.bitext_id = b.id) "
        "ORDER BY d.id, b.id").fetchall()
    latest: dict[tuple[str, str, str], BitextRef] = {}
    for row in rows:
        ref = BitextRef(*row)
        latest[(ref.document, ref.src_lang, ref.tgt_lang)] = ref  # later documents win
    return sorted(latest.values(), key=lambda r: (r.document_id, r.id))


@dataclass(frozen=True)
class _Run:
    engine: str
    model: str | None
    params: str
    version: str | None


def _run(conn: sqlite3.Connection, ref: BitextRef) -> _Run:
    row = conn.execute(
        "SELECT engine, model, params, engine_version FROM runs WHERE document_id = ? AND "
        "tgt_lang = ? AND config_key = ? ORDER BY id DESC LIMIT 1",
        (ref.document_id, ref.tgt_lang, ref.config_key)).fetchone()
    if row is None:
        return _Run("unknown", None, "{}", None)
    params = json.dumps(json.loads(row[2] or "{}"), sort_keys=True, separators=(",", ":"))
    return _Run(row[0], row[1], params, row[3])


def _layout(conn: sqlite3.Connection, document_id: int
            ) -> tuple[dict[int, str], dict[int, int], dict[int, str]]:
    """Segment texts and blocks of a document, and the section (heading text) of each block."""
    texts: dict[int, str] = {}
    block_of: dict[int, int] = {}
    heading_parts: dict[int, list[str]] = defaultdict(list)
    kinds: dict[int, str] = {}
    for position, text, block, kind in conn.execute(
            "SELECT s.position, s.text, b.position, b.kind FROM segments s "
            "JOIN blocks b ON b.id = s.block_id WHERE s.document_id = ? ORDER BY s.position",
            (document_id,)):
        texts[position] = text
        block_of[position] = block
        kinds[block] = kind
        if kind == "heading":
            heading_parts[block].append(text)
    section, current = {}, ""
    for block in sorted(kinds):
        if kinds[block] == "heading":
            current = " ".join(heading_parts[block])
        section[block] = current
    return texts, block_of, section


@dataclass
class _People:
    """Who changed a bead and when, in order (people only)."""

    acts: list[tuple[str, str]]  # (author, ISO time)

    def add(self, author: str | None, at: str | None) -> None:
        if author and at and author != CARRIER:
            self.acts.append((author, at))


def _people(conn: sqlite3.Connection, ref: BitextRef) -> dict[int, _People]:
    """Per bead: the people who edited its text or set its status, oldest first."""
    out: dict[int, _People] = defaultdict(lambda: _People([]))
    for link, author, at in conn.execute(
            "SELECT e.link_id, e.author, e.created_at FROM edits e JOIN links l "
            "ON l.id = e.link_id WHERE l.bitext_id = ? AND l.retired_at IS NULL ORDER BY e.id",
            (ref.id,)):
        out[link].add(author, at)
    for link, author, at in conn.execute(
            "SELECT id, status_by, status_at FROM links WHERE bitext_id = ? AND "
            "retired_at IS NULL AND status != 'unreviewed'", (ref.id,)):
        out[link].add(author, at)
    for acts in out.values():
        acts.acts.sort(key=lambda act: act[1])
    return out


def _translation_times(conn: sqlite3.Connection, ref: BitextRef
                       ) -> tuple[dict[int, str], dict[int, str], dict[int, list[tuple[str, str]]]]:
    """Per target position: when the engine's text was made, its note, and translation-level
    edits (author, time)."""
    made, notes = {}, {}
    for position, at, note in conn.execute(
            "SELECT s.position, t.updated_at, t.note FROM translations t JOIN segments s "
            "ON s.id = t.segment_id WHERE s.document_id = ? AND t.tgt_lang = ? AND "
            "t.config_key = ? AND t.status = 'done'",
            (ref.document_id, ref.tgt_lang, ref.config_key)):
        made[position] = at
        if note:
            notes[position] = note
    edits: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for position, author, at in conn.execute(
            "SELECT s.position, e.author, e.created_at FROM edits e JOIN translations t "
            "ON t.id = e.translation_id JOIN segments s ON s.id = t.segment_id "
            "WHERE e.link_id IS NULL AND s.document_id = ? AND t.tgt_lang = ? "
            "AND t.config_key = ? ORDER BY e.id",
            (ref.document_id, ref.tgt_lang, ref.config_key)):
        if author and author != CARRIER:
            edits[position].append((author, at))
    return made, notes, edits


def _flags(conn: sqlite3.Connection, ref: BitextRef) -> dict[int, set[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    for position, check, severity in conn.execute(
            "SELECT position, check_name, severity FROM flags WHERE document_id = ? AND "
            "tgt_lang = ? AND config_key = ?", (ref.document_id, ref.tgt_lang, ref.config_key)):
        out[position].add(f"{check}:{severity}")
    return out


def _beads(conn: sqlite3.Connection, ref: BitextRef) -> Iterator[tuple[Any, ...]]:
    """Active beads in document order: id, source and target positions (JSON), score, method,
    status, imported provenance, and the latest bead edit's text (None when unedited) — what
    `corpora.beads.bead_texts` gives, in one query for a million-bead export."""
    return conn.execute(
        "SELECT l.id, l.src_segments, l.tgt_ids, l.score, l.method, l.status, l.provenance, "
        "(SELECT e.text FROM edits e WHERE e.link_id = l.id ORDER BY e.id DESC LIMIT 1) "
        "FROM links l WHERE l.bitext_id = ? AND l.retired_at IS NULL ORDER BY l.ord, l.id",
        (ref.id,))


def _positions(text: str) -> tuple[int, ...]:
    inner = text[1:-1]
    if "," not in inner:  # one position, the common case
        return (int(inner),) if inner.strip() else ()
    return tuple(map(int, inner.split(",")))


def store_pairs(conn: sqlite3.Connection, ref: BitextRef, meta: DocumentMeta) -> Iterator[Pair]:
    """A bitext's active beads as pairs with provenance, in document order.

    A bead's target text is its latest bead edit, else its translations joined (each its
    latest translation-level edit, else the engine's text), as `corpora.beads.bead_texts`
    gives it. Beads with one side empty (a source sentence left untranslated, a target
    sentence with no source) are yielded too, with "" on that side: the export's ``empty``
    filter counts them.

    Args:
        conn: The store, inside a read transaction for a consistent snapshot.
        ref: The bitext.
        meta: Its document's metadata (shared by every pair).

    Yields:
        One `Pair` per active bead.
    """
    texts, block_of, section = _layout(conn, ref.document_id)
    run = _run(conn, ref)
    machine = machine_texts(conn, ref.document_id, ref.tgt_lang, ref.config_key)
    made, notes, translation_edits = _translation_times(conn, ref)
    flags = _flags(conn, ref)
    people = _people(conn, ref)
    creator = f"{run.engine}/{run.model}" if run.model else run.engine
    fixed = (meta, ref.src_lang, ref.tgt_lang)
    for bead_id, src_json, tgt_json, score, method, link_status, imported, edit in _beads(conn,
                                                                                        ref):
        src, tgt = _positions(src_json), _positions(tgt_json)
        made_by = [machine[p] for p in tgt if p in machine]
        target = edit if edit is not None else " ".join(t for t, _ in made_by if t)
        acts = people[bead_id].acts if bead_id in people else []
        if translation_edits and any(p in translation_edits for p in tgt):
            acts = sorted([*acts, *(a for p in tgt for a in translation_edits.get(p, ()))],
                          key=lambda act: act[1])
        status = ("confirmed" if link_status == "confirmed" else "edited"
                  if edit is not None or any(human for _, human in made_by) else "machine")
        source = texts[src[0]] if len(src) == 1 and src[0] in texts else \
            " ".join(texts[p] for p in src if p in texts)
        if imported is not None:
            yield _imported(json.loads(imported), meta, source, target, acts, status,
                            link_status)
            continue
        first = src[0] if src else (tgt[0] if tgt else 0)
        block = block_of.get(first, 0)
        times = [made[p] for p in tgt if p in made]
        yield new_pair(
            f"{meta.name}:{first}", *fixed, source, target, section.get(block, ""), block, src,
            tgt, method, score, run.engine, run.model, run.version, run.params,
            ref.glossary_version, status, _names(acts) if acts else (), creator,
            min(times) if times else "", acts[-1][0] if acts else None,
            acts[-1][1] if acts else None,
            tuple(sorted({f for p in src for f in flags.get(p, ())})) if flags else (),
            "; ".join(notes[p] for p in tgt if p in notes) or None if notes else None)


def _names(acts: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(author for author, _ in acts))


def _imported(record: dict[str, object], meta: DocumentMeta, source: str, target: str,
              acts: list[tuple[str, str]], status: str, link_status: str) -> Pair:
    """An imported pair as it arrived, with any review since laid over it."""
    pair = from_provenance(str(record.get("id", "")), source, target, record)
    pair = replace(pair, document=meta)
    # the import wrote the file's own confirmation as the bead's status: not a change made here
    acts = [act for act in acts if not pair.changed_at or act[1] > pair.changed_at]
    if not acts:  # nobody touched it here: the file's own review state stands
        return pair
    imported_reviewers = tuple(pair.reviewers)
    if pair.status == "confirmed" and link_status != "confirmed":
        status = "edited"  # reopened here
    return replace(pair, status=status if status != "machine" else pair.status,
                   reviewers=tuple(dict.fromkeys((*imported_reviewers, *_names(acts)))),
                   changed_by=acts[-1][0], changed_at=acts[-1][1])
