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
from pathlib import Path

from corpora.beads import ensure_bitext
from corpora.meta import FIELDS, load_meta, normalise_license, save_meta
from corpora.pairs import DocumentMeta, Pair, provenance
from corpora.provenance import IMPORT_KEY
from corpora.store import Store
from diglot.errors import ConfigError

#: File suffix -> (format name, "module:function" of its reader).
READERS: dict[str, tuple[str, str]] = {
    ".tmx": ("tmx", "corpora.tmx_read:read_tmx"),
    ".xlf": ("xliff", "corpora.xliff_read:read_xliff"),
    ".xliff": ("xliff", "corpora.xliff_read:read_xliff"),
    ".tsv": ("tsv", "corpora.tabular_read:read_tsv"),
    ".jsonl": ("jsonl", "corpora.tabular_read:read_jsonl"),
}
CHUNK = 20_000
#: Provenance kept on the bead; the document's fields live in ``document_meta``.
_DOCUMENT_FIELDS = ("title", "authors", "source_ref", "license", "source_license",
                    "translation_license", "attribution")


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
    blocks: dict[int, int] = field(default_factory=dict)


class _Writer:
    """Chunked inserts of imported pairs, with row ids assigned here."""

    def __init__(self, conn: sqlite3.Connection, path: Path, fmt: str, digest: str,
                 src: str, tgt: str) -> None:
        self.conn, self.path, self.fmt, self.digest = conn, path, fmt, digest
        self.src, self.tgt = src, tgt
        self.docs: dict[str, _Doc] = {}
        self.now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        self.ids = {t: int(conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}").fetchone()[0])
                    for t in ("blocks", "segments", "translations", "links")}
        self.rows: dict[str, list[tuple[object, ...]]] = {t: [] for t in self.ids}

    def _next(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

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
        doc = self.document(pair.document.name)
        n = doc.next_position
        doc.next_position += 1
        block = doc.blocks.get(pair.paragraph)
        if block is None:
            block = doc.blocks[pair.paragraph] = self._next("blocks")
            self.rows["blocks"].append((block, doc.id, len(doc.blocks) - 1, "paragraph", 0, 0, 0))
        segment = self._next("segments")
        self.rows["segments"].append((segment, doc.id, block, n, 0, self.src, pair.source, 1))
        human = pair.status != "machine" or pair.engine == "human"
        self.rows["translations"].append((
            self._next("translations"), segment, self.tgt, IMPORT_KEY,
            "human" if human else pair.engine, pair.model, pair.decoding, pair.target, "done",
            1, doc.run, pair.created_at or self.now))
        record = {"id": pair.id, **{k: v for k, v in provenance(pair).items()
                                    if k not in _DOCUMENT_FIELDS}}
        confirmed = pair.status == "confirmed"
        self.rows["links"].append((
            self._next("links"), doc.id, self.tgt, IMPORT_KEY, n, f"[{n}]", f"[{n}]",
            pair.align_score, pair.align_method, doc.bitext, float(n),
            "confirmed" if confirmed else "unreviewed",
            pair.changed_by if confirmed else None,
            (pair.changed_at or self.now) if confirmed else None,
            json.dumps(record, ensure_ascii=False, separators=(",", ":"))))
        if len(self.rows["links"]) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        c = self.conn
        c.executemany("INSERT INTO blocks (id, document_id, position, kind, level, start_line, "
                      "end_line) VALUES (?, ?, ?, ?, ?, ?, ?)", self.rows["blocks"])
        c.executemany("INSERT INTO segments (id, document_id, block_id, position, part, lang, "
                      "text, translate) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self.rows["segments"])
        c.executemany("INSERT INTO translations (id, segment_id, tgt_lang, config_key, engine, "
                      "model, params, text, status, attempts, run_id, updated_at) VALUES "
                      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self.rows["translations"])
        c.executemany("INSERT INTO links (id, document_id, tgt_lang, config_key, position, "
                      "src_segments, tgt_kind, tgt_ids, score, method, bitext_id, ord, status, "
                      "status_by, status_at, provenance) VALUES "
                      "(?, ?, ?, ?, ?, ?, 'translation', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      self.rows["links"])
        for rows in self.rows.values():
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
                         document=fallback, skip_bad=skip_bad,
                         skipped=report.skipped):
            pair = _placed(pair, document, seen)
            if pair.document.name not in seen:
                seen[pair.document.name] = pair.document
                _remember(conn, pair.document, spdx)
            writer.add(pair)
            report.pairs += 1
            report.by_status[pair.status] += 1
        writer.flush()
        report.documents = list(writer.docs)
    return report


def _placed(pair: Pair, document: str | None, seen: dict[str, DocumentMeta]) -> Pair:
    if document is None or pair.document.name == document:
        return pair
    meta = seen.get(document) or replace(pair.document, name=document)
    return replace(pair, document=meta)


def _remember(conn: sqlite3.Connection, meta: DocumentMeta, spdx: str | None) -> None:
    """Keep the metadata a file gives for a document, and the licence given on the command
    line; what the store already holds for that name stays unless the file says otherwise."""
    values: dict[str, object] = {f: getattr(meta, f) for f in FIELDS
                                 if getattr(meta, f) not in (None, ())}
    if spdx is not None:
        values["translation_license"] = spdx
    if values or load_meta(conn, meta.name) == DocumentMeta(meta.name):
        save_meta(conn, meta.name, values, "import")

