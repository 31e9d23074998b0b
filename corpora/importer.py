"""``diglot import``: existing translations (TMX, XLIFF, Moses, TSV, JSONL) into the project store
as pairs with their provenance, so the translation memory offers them and an export gives them
back.

Each file becomes one stored document per document name it holds (a TMX that diglot wrote
names them; another file is one document named after it). A pair becomes a segment, a
translation (engine ``human`` when a person made or checked it, so the translation memory
prefers it to any engine's) and a bead that keeps the pair's own provenance. The whole file is
one transaction: a bad unit (without ``--skip-bad``) or an interrupt leaves the store as it was.
Rows are written in chunks with ids assigned here (the transaction holds the write lock), so a
million-unit file imports in bounded memory.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from operator import attrgetter
from pathlib import Path
from typing import Any

from corpora.beads import ensure_bitext
from corpora.meta import FIELDS, load_meta, normalise_license, save_meta
from corpora.pairs import STATUSES, DocumentMeta, Pair, new_pair
from corpora.provenance import IMPORT_KEY
from corpora.store import Store
from diglot.errors import ConfigError, DataFormatError

#: File suffix -> (format name, "module:function" of its reader).
READERS: dict[str, tuple[str, str]] = {
    ".tmx": ("tmx", "corpora.tmx_read:read_tmx"),
    ".xlf": ("xliff", "corpora.xliff_read:read_xliff"),
    ".xliff": ("xliff", "corpora.xliff_read:read_xliff"),
    ".tsv": ("tsv", "corpora.tabular_read:read_tsv"),
    ".jsonl": ("jsonl", "corpora.tabular_read:read_jsonl"),
}
#: Pairs a chunk of inserts: as fast as 20,000 (measured) with half the peak memory.
CHUNK = 2_000


@dataclass
class ImportReport:
    """What an import added."""

    pairs: int = 0
    documents: list[str] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    format: str = ""
    already: bool = False


def reader_for(path: Path, src: str, tgt: str) -> tuple[str, Callable[..., Iterator[Pair]]]:
    """The format and reader for a file: by suffix, and Moses for ``NAME.SRC``/``NAME.TGT``."""
    suffix = path.suffix.lower()
    primary = suffix.lstrip(".").split("-")[0].split("_")[0]
    if path.name.endswith(".meta.jsonl") or primary in (src, tgt):  # a Moses corpus's file
        name, target = "moses", "corpora.tabular_read:read_moses"
    elif suffix in READERS:
        name, target = READERS[suffix]
    else:
        known = ", ".join(sorted(READERS))
        raise ConfigError(f"{path}: unknown corpus format {suffix or '(no suffix)'}; give "
                          f"{known}, or Moses files named NAME.{src} and NAME.{tgt}")
    module, func = target.split(":")
    return name, getattr(importlib.import_module(module), func)


def _digest(path: Path, fmt: str, src: str, tgt: str) -> str:
    """The SHA-256 of what is imported: the file, or a Moses corpus's files together."""
    files = [path]
    if fmt == "moses":
        from corpora.tabular_read import moses_inputs

        files = [f for f in moses_inputs(_moses_prefix(path), src, tgt) if f is not None]
    sha = hashlib.sha256()
    for file in files:
        with open(file, "rb") as f:
            while block := f.read(1 << 20):
                sha.update(block)
    return sha.hexdigest()


def _moses_prefix(path: Path) -> Path:
    """A Moses corpus named by its sidecar (``NAME.meta.jsonl``) is read from ``NAME``."""
    if path.name.endswith(".meta.jsonl"):
        return path.with_name(path.name.removesuffix(".meta.jsonl"))
    return path


@dataclass
class _Doc:
    id: int
    bitext: int
    run: int
    next_position: int = 0
    blocks: dict[int, int] = field(default_factory=dict)  # paragraph -> block id, while current
    block_count: int = 0


#: The Pair fields an imported pair's bead keeps in ``links.provenance`` (its document's live
#: in ``document_meta``; its texts in segments and translations), in this order.
PACKED_FIELDS = ("id", "src_lang", "tgt_lang", "section", "paragraph", "sentences",
                 "target_sentences", "align_method", "align_score", "engine", "model",
                 "engine_version", "decoding", "glossary_version", "status", "reviewers",
                 "created_by", "created_at", "changed_by", "changed_at", "flags", "note")
#: The version of that layout, first in the stored array; a change to the fields needs a new one.
PACKED_VERSION = 1
_PACK = attrgetter(*PACKED_FIELDS)
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"),
                           check_circular=False).encode


def pack_provenance(pair: Pair) -> str:
    """A pair's provenance as ``links.provenance`` keeps it: a JSON array, `PACKED_VERSION`
    then the `PACKED_FIELDS` values (tuples as arrays). A third of the size of the flat record
    and a third of the time to write (no keys), read back exactly by `unpack_provenance`."""
    return _ENCODE((PACKED_VERSION, *_PACK(pair)))


def unpack_provenance(values: list[Any], document: DocumentMeta, source: str,
                      target: str) -> Pair:
    """The pair `pack_provenance` stored, under ``document`` with these texts.

    Args:
        values: The decoded JSON array (`PACKED_VERSION` first).
        document: The document's current metadata.
        source: Source text.
        target: Target text.

    Raises:
        ValueError: The array is not of this layout (another version, another length).
    """
    if len(values) != len(PACKED_FIELDS) + 1 or values[0] != PACKED_VERSION:
        raise ValueError(f"stored provenance of version {values[:1]} with {len(values)} "
                         f"values; this diglot reads version {PACKED_VERSION}")
    (_, pair_id, src_lang, tgt_lang, section, paragraph, sentences, target_sentences,
     align_method, align_score, engine, model, engine_version, decoding, glossary_version,
     status, reviewers, created_by, created_at, changed_by, changed_at, flags, note) = values
    return new_pair(pair_id, document, src_lang, tgt_lang, source, target, section, paragraph,
                    tuple(sentences), tuple(target_sentences), align_method, align_score,
                    engine, model, engine_version, decoding, glossary_version, status,
                    tuple(reviewers), created_by, created_at, changed_by, changed_at,
                    tuple(flags), note)


_INSERTS = {
    "blocks": "INSERT INTO blocks (id, document_id, position, kind, level, start_line, "
              "end_line) VALUES (?, ?, ?, 'paragraph', 0, 0, 0)",
    "segments": "INSERT INTO segments (id, document_id, block_id, position, part, lang, text, "
                "translate) VALUES (?, ?, ?, ?, 0, ?, ?, 1)",
    "translations": "INSERT INTO translations (id, segment_id, tgt_lang, config_key, engine, "
                    f"model, params, text, status, attempts, run_id, updated_at) VALUES "
                    f"(?, ?, ?, '{IMPORT_KEY}', ?, ?, ?, ?, 'done', 1, ?, ?)",
    "links": "INSERT INTO links (id, document_id, tgt_lang, config_key, position, src_segments, "
             "tgt_kind, tgt_ids, score, method, bitext_id, ord, status, status_by, status_at, "
             f"provenance) VALUES (?, ?, ?, '{IMPORT_KEY}', ?, ?, 'translation', ?, ?, ?, ?, ?, "
             "?, ?, ?, ?)",
}


class _Writer:
    """Chunked inserts of imported pairs, with row ids assigned here.

    Every pair is one segment, one translation and one link, so their ids advance together:
    the k-th pair of this import gets the k-th id after each table's largest.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, fmt: str, digest: str,
                 src: str, tgt: str) -> None:
        self.conn, self.path, self.fmt, self.digest = conn, path, fmt, digest
        self.src, self.tgt = src, tgt
        self.docs: dict[str, _Doc] = {}
        self.current: _Doc | None = None
        self.now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        first = {t: int(conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}").fetchone()[0])
                 for t in _INSERTS}
        self.block_id = first["blocks"]
        self.segment0, self.translation0 = first["segments"], first["translations"]
        self.link0 = first["links"]
        self.k = 0  # pairs added so far
        self.rows: dict[str, list[tuple[object, ...]]] = {t: [] for t in _INSERTS}

    def document(self, name: str) -> _Doc:
        if name in self.docs:
            return self.docs[name]
        c = self.conn
        if c.execute("SELECT 1 FROM documents WHERE name = ? LIMIT 1", (name,)).fetchone():
            raise ConfigError(f"{self.path}: the store holds a document named {name!r} already "
                              "(from a run or another import); import this file under another "
                              "name with --document NAME, or into another --project store")
        cur = c.execute("INSERT INTO documents (name, path, sha256, format, lang, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)", (name, str(self.path.resolve()),
                                                      f"{self.digest}:{name}", self.fmt,
                                                      self.src, self.now))
        doc_id = int(cur.lastrowid or 0)
        run = c.execute("INSERT INTO runs (document_id, src_lang, tgt_lang, config_key, engine, "
                        "model, params, started_at, finished_at, status) VALUES "
                        "(?, ?, ?, ?, 'import', ?, ?, ?, ?, 'done')",
                        (doc_id, self.src, self.tgt, IMPORT_KEY, self.fmt,
                         json.dumps({"file": str(self.path)}), self.now, self.now))
        bitext = ensure_bitext(c, doc_id, self.tgt, IMPORT_KEY)
        self.docs[name] = _Doc(doc_id, bitext, int(run.lastrowid or 0))
        return self.docs[name]

    def add(self, pair: Pair) -> None:
        doc = self.docs.get(pair.document.name) or self.document(pair.document.name)
        if doc is not self.current:  # a file's documents come one after another: only the
            if self.current is not None:  # current one's paragraph map is kept (flat memory)
                self.current.blocks.clear()
            self.current = doc
        n = doc.next_position
        doc.next_position = n + 1
        self.k += 1
        segment = self.segment0 + self.k
        rows = self.rows
        block = doc.blocks.get(pair.paragraph)
        if block is None:
            self.block_id += 1
            block = doc.blocks[pair.paragraph] = self.block_id
            rows["blocks"].append((block, doc.id, doc.block_count))
            doc.block_count += 1
        rows["segments"].append((segment, doc.id, block, n, self.src, pair.source))
        human = pair.status != "machine" or pair.engine == "human"
        rows["translations"].append((
            self.translation0 + self.k, segment, self.tgt, "human" if human else pair.engine,
            pair.model, pair.decoding, pair.target, doc.run, pair.created_at or self.now))
        at = f"[{n}]"
        if pair.status == "confirmed":
            status, by, when = "confirmed", pair.changed_by, pair.changed_at or self.now
        else:
            status, by, when = "unreviewed", None, None
        links = rows["links"]
        links.append((self.link0 + self.k, doc.id, self.tgt, n, at, at, pair.align_score,
                      pair.align_method, doc.bitext, float(n), status, by, when,
                      pack_provenance(pair)))
        if len(links) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        for table, rows in self.rows.items():
            self.conn.executemany(_INSERTS[table], rows)
            rows.clear()


def import_file(store: Store, path: Path, src: str, tgt: str, *, document: str | None = None,
                license: str | None = None, skip_bad: bool = False) -> ImportReport:
    """Import a corpus file into a store, all or nothing.

    Args:
        store: The open project store.
        path: A TMX, XLIFF (1.2 or 2.0), TSV, JSONL, or one Moses file ``NAME.SRC``.
        src: Source language code.
        tgt: Target language code.
        document: Store every pair under this document name (default: the names the file
            gives, else the file's name).
        license: SPDX licence of the imported translations (sets each document's
            translation licence).
        skip_bad: Count and skip bad units instead of stopping at the first.

    Returns:
        What was imported; ``already`` when this file was imported into the store before
        (nothing is done then).

    Raises:
        DataFormatError: A bad unit (without ``skip_bad``) or a bad file, naming file and line.
        ConfigError: An unknown format or licence.
    """
    fmt, read = reader_for(path, src, tgt)
    spdx = normalise_license(license, "--license") if license else None
    digest = _digest(path, fmt, src, tgt)
    report = ImportReport(format=fmt)
    if store.conn.execute("SELECT 1 FROM documents WHERE sha256 LIKE ? LIMIT 1",
                          (f"{digest}:%",)).fetchone():
        report.already = True
        return report
    fallback = document or path.name
    with store.transaction() as conn:
        writer = _Writer(conn, path, fmt, digest, src, tgt)
        seen: dict[str, DocumentMeta] = {}
        for pair in read(_moses_prefix(path) if fmt == "moses" else path, src, tgt,
                         document=fallback, skip_bad=skip_bad, skipped=report.skipped):
            pair = _placed(pair, document, seen)
            try:
                check_pair(path, pair)
            except DataFormatError:
                if not skip_bad:
                    raise
                report.skipped["bad field"] += 1
                continue
            if pair.document.name not in seen:
                seen[pair.document.name] = pair.document
                _remember(conn, pair.document, spdx, path)
            writer.add(pair)
            report.pairs += 1
            report.by_status[pair.status] += 1
        writer.flush()
        report.documents = list(writer.docs)
    return report


def _placed(pair: Pair, document: str | None, seen: dict[str, DocumentMeta]) -> Pair:
    """The pair under ``--document``'s name: its document record renamed, and its id too when
    the id named the old document (``old:12`` → ``new:12``), so ids stay unique in a store."""
    if document is None or pair.document.name == document:
        return pair
    meta = seen.get(document) or replace(pair.document, name=document)
    old = f"{pair.document.name}:"
    pair_id = f"{document}:{pair.id[len(old):]}" if pair.id.startswith(old) else pair.id
    return replace(pair, document=meta, id=pair_id)


#: Longest side a pair may have, in characters: far beyond any sentence or paragraph, and
#: within what every format diglot writes can read back (libxml2 refuses a text node over
#: 10 MB unless told to parse "huge" trees, which the readers do not).
MAX_SEGMENT = 1_000_000


def check_pair(path: Path, pair: Pair) -> None:
    """Refuse a pair whose provenance a store cannot keep as it is.

    Raises:
        DataFormatError: A side longer than `MAX_SEGMENT`, an unknown review status, a score
            outside [0, 1], a date that is not ISO 8601; the message names the pair.
    """
    problem = None
    longest = max(len(pair.source), len(pair.target))
    if longest > MAX_SEGMENT:
        problem = (f"a side is {longest:,} characters long, more than any sentence "
                   f"({MAX_SEGMENT:,}); split it or leave it out")
    elif pair.status not in STATUSES:
        problem = f"status {pair.status!r} is not one of {', '.join(STATUSES)}"
    elif pair.align_score is not None and not 0.0 <= pair.align_score <= 1.0:
        problem = f"align_score {pair.align_score} is outside [0, 1]"
    else:
        for name in ("created_at", "changed_at"):
            value = getattr(pair, name)
            if value and not _iso(value):
                problem = f"{name} {value!r} is not an ISO 8601 date (2026-11-30T08:05:13Z)"
                break
    if problem:
        raise DataFormatError(path, None, f"pair {pair.id}: {problem}; fix it in the file")


def _iso(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _remember(conn: sqlite3.Connection, meta: DocumentMeta, spdx: str | None,
              path: Path) -> None:
    """Keep the metadata a file gives for a document (its licences checked as SPDX), and the
    licence given on the command line; what the store already holds for that name stays
    unless the file says otherwise."""
    values: dict[str, object] = {f: getattr(meta, f) for f in FIELDS
                                 if getattr(meta, f) not in (None, ())}
    for name in ("source_license", "translation_license"):
        if isinstance(values.get(name), str):
            values[name] = normalise_license(str(values[name]),
                                             f"{path}: document {meta.name!r}: {name}")
    if spdx is not None:
        values["translation_license"] = spdx
    if values or load_meta(conn, meta.name) == DocumentMeta(meta.name):
        save_meta(conn, meta.name, values, "import")

