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
from functools import lru_cache
from typing import Any

from corpora.carry import CARRIER
from corpora.pairs import DocumentMeta, Pair, from_provenance
from diglot.errors import DiglotError
from evaluation.qa import Context, Item

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


@dataclass
class _Layout:
    """A document's segments with the bitext's translations, by segment position.

    Attributes:
        texts: Position -> segment text.
        block_of: Position -> the position of its block.
        section: Block position -> its section (the text of the heading at or above it).
        machine: Position -> its finished translation: (the text, whether a person wrote it,
            when the engine made it (ISO 8601), the engine's note or None); the text is the
            latest translation-level edit if any, else the engine's.
        edits: Position -> translation-level edits by people, (author, ISO time), oldest first.
    """

    texts: dict[int, str]
    block_of: dict[int, int]
    section: dict[int, str]
    machine: dict[int, tuple[str, bool, str, str | None]]
    edits: dict[int, list[tuple[str, str]]]


def _layout(conn: sqlite3.Connection, ref: BitextRef) -> _Layout:
    """Segments, blocks, sections and finished translations of a bitext's document in one
    query (segments and translations share their rows: `corpora.beads.machine_texts` and a
    second pass over the translations cost as much again), plus translation-level edits."""
    texts: dict[int, str] = {}
    block_of: dict[int, int] = {}
    heading_parts: dict[int, list[str]] = defaultdict(list)
    kinds: dict[int, str] = {}
    machine: dict[int, tuple[str, bool, str, str | None]] = {}
    latest, edits = _translation_times(conn, ref)
    for position, text, block, kind, done, translated, at, note in conn.execute(
            "SELECT s.position, s.text, b.position, b.kind, t.status = 'done', t.text, "
            "t.updated_at, t.note FROM segments s JOIN blocks b ON b.id = s.block_id "
            "LEFT JOIN translations t ON t.segment_id = s.id AND t.tgt_lang = ? AND "
            "t.config_key = ? WHERE s.document_id = ? ORDER BY s.position",
            (ref.tgt_lang, ref.config_key, ref.document_id)):
        texts[position] = text
        block_of[position] = block
        kinds[block] = kind
        if kind == "heading":
            heading_parts[block].append(text)
        if done:
            edited = latest.get(position)
            machine[position] = ((edited, True, at, note or None) if edited is not None
                                 else (translated or "", False, at, note or None))
    section, current = {}, ""
    for block in sorted(kinds):
        if kinds[block] == "heading":
            current = " ".join(heading_parts[block])
        section[block] = current
    return _Layout(texts, block_of, section, machine, edits)


def _translation_times(conn: sqlite3.Connection, ref: BitextRef
                       ) -> tuple[dict[int, str], dict[int, list[tuple[str, str]]]]:
    """Translation-level edits (``link_id IS NULL``) per target position: the latest text,
    and the people's edits (author, time), oldest first (``diglot run`` carrying a review
    over is no person)."""
    latest: dict[int, str] = {}
    edits: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for position, text, author, at in conn.execute(
            "SELECT s.position, e.text, e.author, e.created_at FROM edits e JOIN translations t "
            "ON t.id = e.translation_id JOIN segments s ON s.id = t.segment_id "
            "WHERE e.link_id IS NULL AND s.document_id = ? AND t.tgt_lang = ? "
            "AND t.config_key = ? ORDER BY e.id",
            (ref.document_id, ref.tgt_lang, ref.config_key)):
        latest[position] = text
        if author and author != CARRIER:
            edits[position].append((author, at))
    return latest, dict(edits)


def _people(conn: sqlite3.Connection, ref: BitextRef
            ) -> tuple[dict[int, str], dict[int, list[tuple[str, str]]]]:
    """Bead-level edits of a bitext's active beads: each bead's latest text, and the people
    who edited it (author, time) in edit order. Reads only the edits whose bead ids fall in
    the bitext's range (an index range, not a scan of every edit for every bitext)."""
    low, high = conn.execute("SELECT MIN(id), MAX(id) FROM links WHERE bitext_id = ?",
                             (ref.id,)).fetchone()
    latest: dict[int, str] = {}
    acts: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if low is None:
        return latest, acts
    for link, text, author, at in conn.execute(
            "SELECT e.link_id, e.text, e.author, e.created_at FROM edits e JOIN links l "
            "ON l.id = e.link_id WHERE e.link_id BETWEEN ? AND ? AND l.bitext_id = ? "
            "AND l.retired_at IS NULL ORDER BY e.id", (low, high, ref.id)):
        latest[link] = text
        if author and at and author != CARRIER:
            acts[link].append((author, at))
    return latest, dict(acts)


def _flags(conn: sqlite3.Connection, ref: BitextRef) -> dict[int, tuple[str, ...]]:
    """Per source position: its QA flags as sorted ``check:severity``."""
    out: dict[int, set[str]] = defaultdict(set)
    for position, check, severity in conn.execute(
            "SELECT position, check_name, severity FROM flags WHERE document_id = ? AND "
            "tgt_lang = ? AND config_key = ?", (ref.document_id, ref.tgt_lang, ref.config_key)):
        out[position].add(f"{check}:{severity}")
    return {position: tuple(sorted(found)) for position, found in out.items()}


def _beads(conn: sqlite3.Connection, ref: BitextRef) -> Iterator[tuple[Any, ...]]:
    """Active beads in document order: id, source and target positions (JSON), score, method,
    status, who set the status and when, and imported provenance (JSON). Their latest edits
    come from `_people`: a subquery a bead cost a fifth of the query."""
    return conn.execute(
        "SELECT id, src_segments, tgt_ids, score, method, status, status_by, status_at, "
        "provenance FROM links WHERE bitext_id = ? AND retired_at IS NULL ORDER BY ord, id",
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
    lay = _layout(conn, ref)
    run = _run(conn, ref)
    flags = _flags(conn, ref)
    bead_edits, people = _people(conn, ref)
    creator = f"{run.engine}/{run.model}" if run.model else run.engine
    # what every pair of the bitext shares, made once through the dataclass (defaults of any
    # field added later included); each pair is a copy of its fields with the bead's own
    # values set: a quarter of what 25 arguments through `new_pair` cost
    shared = Pair("", meta, ref.src_lang, ref.tgt_lang, "", "", engine=run.engine,
                  model=run.model, engine_version=run.version, decoding=run.params,
                  glossary_version=ref.glossary_version, created_by=creator).__dict__
    texts, block_of, section, prefix = lay.texts, lay.block_of, lay.section, f"{meta.name}:"
    trans_edits = lay.edits
    for bead, src_json, tgt_json, score, method, link_status, by, at, imported in _beads(conn,
                                                                                       ref):
        src = _positions(src_json)
        tgt = src if tgt_json == src_json else _positions(tgt_json)
        edit = bead_edits.get(bead)
        target, human, created_at, note = _target(lay, tgt, edit)
        acts = people.get(bead)
        if acts is not None or by or trans_edits:  # else nobody touched it: the common case
            acts = _acts(acts, by, at, link_status, trans_edits, tgt)
        status = ("confirmed" if link_status == "confirmed" else "edited"
                  if edit is not None or human else "machine")
        source = (texts[src[0]] if len(src) == 1 and src[0] in texts
                  else " ".join(texts[p] for p in src if p in texts))
        if imported is not None:
            yield _imported(json.loads(imported), meta, source, target, acts or [], status,
                            link_status)
            continue
        first = src[0] if src else (tgt[0] if tgt else 0)
        block = block_of.get(first, 0)
        values = shared.copy()
        values["id"] = f"{prefix}{first}"
        values["source"] = source
        values["target"] = target
        values["section"] = section.get(block, "")
        values["paragraph"] = block
        values["sentences"] = src
        values["target_sentences"] = tgt
        values["align_method"] = method
        values["align_score"] = score
        values["status"] = status
        values["created_at"] = created_at
        if acts:
            values["reviewers"] = _names(acts)
            values["changed_by"], values["changed_at"] = acts[-1]
        if flags:
            values["flags"] = _bead_flags(flags, src)
        if edit is not None or human:  # a person's text: the run's flags were for another
            values["flags"] = recheck(values["flags"], source, target, ref.src_lang,
                                      ref.tgt_lang)
        values["note"] = note
        pair = _new(Pair)
        _set(pair, "__dict__", values)
        yield pair


_new, _set = object.__new__, object.__setattr__


def recheck(flags: tuple[str, ...], source: str, target: str, src_lang: str,
            tgt_lang: str) -> tuple[str, ...]:
    """The QA flags of a text a person wrote: the one-segment checks run again on it (as the
    review workspace does), the run's flags of the other checks kept.

    Args:
        flags: The run's flags on the machine text (``check:severity``).
        source: Source text.
        target: The person's text.
        src_lang: Source language code.
        tgt_lang: Target language code.

    Returns:
        The flags, sorted.
    """
    ctx = _context(src_lang, tgt_lang)
    if ctx is None:
        return flags
    checks, names = _segment_checks()
    item = [Item("pair", source, target)]
    live = {f"{f.check}:{f.severity}" for c in checks for f in c.run(item, ctx)}
    return tuple(sorted(live | {f for f in flags if f.split(":")[0] not in names}))


@lru_cache(maxsize=1)
def _segment_checks() -> tuple[tuple[Any, ...], frozenset[str]]:
    from evaluation.checks import segment_checks

    checks = segment_checks()
    return checks, frozenset(c.name for c in checks)


@lru_cache(maxsize=64)
def _context(src_lang: str, tgt_lang: str) -> Context | None:
    from translate.langs import resolve

    try:
        return Context(resolve(src_lang), resolve(tgt_lang))
    except DiglotError:  # a code an imported file gave that diglot does not know
        return None


def _target(lay: _Layout, tgt: tuple[int, ...], edit: str | None
            ) -> tuple[str, bool, str, str | None]:
    """A bead's target text, whether a person wrote any of its translations, when the first
    was made ("" when none) and the engines' notes (None when none)."""
    if len(tgt) == 1:  # the common case, without the joins
        found = lay.machine.get(tgt[0])
        if found is None:
            return edit or "", False, "", None
        text, human, made, note = found
        return text if edit is None else edit, human, made, note
    made_by = [lay.machine[p] for p in tgt if p in lay.machine]
    return (" ".join(m[0] for m in made_by if m[0]) if edit is None else edit,
            any(m[1] for m in made_by), min(m[2] for m in made_by) if made_by else "",
            "; ".join(m[3] for m in made_by if m[3]) or None)


def _acts(edits: list[tuple[str, str]] | None, by: str | None, at: str | None,
          link_status: str, translation_edits: dict[int, list[tuple[str, str]]],
          tgt: tuple[int, ...]) -> list[tuple[str, str]]:
    """The people who changed a bead (its edits, its status, its translations' edits) and
    when, oldest first."""
    acts = list(edits) if edits else []
    if by and at and by != CARRIER and link_status != "unreviewed":
        acts.append((by, at))
    if translation_edits and any(p in translation_edits for p in tgt):
        acts.extend(a for p in tgt for a in translation_edits.get(p, ()))
    if len(acts) > 1:
        acts.sort(key=lambda act: act[1])
    return acts


def _bead_flags(flags: dict[int, tuple[str, ...]], src: tuple[int, ...]) -> tuple[str, ...]:
    if len(src) == 1:
        return flags.get(src[0], ())
    return tuple(sorted({f for p in src for f in flags.get(p, ())}))


def _names(acts: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(author for author, _ in acts))


def _imported(record: dict[str, Any] | list[Any], meta: DocumentMeta, source: str, target: str,
              acts: list[tuple[str, str]], status: str, link_status: str) -> Pair:
    """An imported pair as it arrived, with any review since laid over it: ``record`` is
    `corpora.importer.pack_provenance`'s array, or the flat record of a store imported into
    before it (a `corpora.pairs.provenance` dict with the pair's ``id``)."""
    if isinstance(record, list):
        from corpora.importer import unpack_provenance  # here: importer imports this module

        pair = unpack_provenance(record, meta, source, target)
    else:
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
