"""Flat corpus files: TSV and JSONL with every provenance field, and Moses plain text.

- **TSV**: a header row ``id, source, target`` + `PROVENANCE_FIELDS`, then one pair a line;
  a tab, line break or backslash in a cell is backslash-escaped (``\\t``, ``\\n``, ``\\r``,
  ``\\\\``: PostgreSQL's text format), never quoted, so one pair stays one line for ``cut``,
  ``wc -l`` and ``shuf``. Lists are JSON; None is an empty cell. The reader also takes
  ``diglot run``'s plain ``source<TAB>target`` files (no header, nothing escaped).
- **JSONL**: one object a line with the same keys (lists as lists, None as null). The reader
  also takes ``datasets``' translation rows: ``{"translation": {"fr": ..., "en": ...}}``.
- **Moses**: ``{out}.{src}`` and ``{out}.{tgt}``, one pair a line (line breaks and tabs inside
  a text become spaces, and are counted), and ``{out}.meta.jsonl``: id + provenance a line.

Every writer streams and writes a hidden file beside its output, renamed over it at the end.
The readers are `corpora.tabular_read`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from contextlib import ExitStack
from json.encoder import encode_basestring as _quote
from pathlib import Path
from typing import Any

from corpora.pairs import PROVENANCE_FIELDS, DocumentMeta, ExportHeader, Pair
from corpora.pairs import provenance as _provenance
from corpora.textio import atomic_output
from diglot.errors import ConfigError

#: Columns of a TSV file and keys of a JSONL object, in order.
COLUMNS: tuple[str, ...] = ("id", "source", "target", *PROVENANCE_FIELDS)
_KNOWN = frozenset(COLUMNS)
_BREAKS = re.compile(r"[\r\n\t]")
_FIX = "fix it or pass --skip-bad to skip such units"


# ---------------------------------------------------------------- writing

_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_TSV_UNESCAPE = re.compile(r"\\(.)")
_UNESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
_TABS = len(COLUMNS) - 1
_NOTHING = ""


def _opt(value: str | None) -> str:
    return _NOTHING if value is None else value


def _null(value: str | None) -> str:
    return "null" if value is None else _quote(value)


class _Encoder:
    """Pairs as TSV rows and JSON objects, fast: what repeats from pair to pair (a document's
    cells, the engine's settings, short lists) is encoded once and reused."""

    def __init__(self) -> None:
        self.docs: dict[int, tuple[DocumentMeta, str, str]] = {}
        self.runs: dict[tuple[Any, ...], tuple[str, str]] = {}
        self.lists: dict[tuple[Any, ...], str] = {}

    def _doc(self, doc: DocumentMeta) -> tuple[DocumentMeta, str, str]:
        hit = self.docs.get(id(doc))
        if hit is None or hit[0] is not doc:
            cells = (doc.name, doc.title, list(doc.authors), doc.source, doc.license,
                     doc.source_license, doc.translation_license, doc.attribution)
            keys = ("document", "title", "authors", "source_ref", "license", "source_license",
                    "translation_license", "attribution")
            hit = (doc, "\t".join(_cell(v) for v in cells),
                   json.dumps(dict(zip(keys, cells, strict=True)), ensure_ascii=False)[1:-1])
            self.docs[id(doc)] = hit
        return hit

    def _run(self, p: Pair) -> tuple[str, str]:
        key = (p.engine, p.model, p.engine_version, p.decoding, p.glossary_version)
        hit = self.runs.get(key)
        if hit is None:
            names = ("engine", "model", "engine_version", "decoding", "glossary_version")
            hit = ("\t".join(_cell(v) for v in key),
                   json.dumps(dict(zip(names, key, strict=True)), ensure_ascii=False)[1:-1])
            if len(self.runs) > 4096:
                self.runs.clear()
            self.runs[key] = hit
        return hit

    def _list(self, values: tuple[Any, ...]) -> str:
        if not values:
            return "[]"
        if len(values) == 1 and type(values[0]) is int:
            return f"[{values[0]}]"
        hit = self.lists.get(values)
        if hit is None:
            hit = json.dumps(list(values), ensure_ascii=False)
            if len(self.lists) > 4096:
                self.lists.clear()
            self.lists[values] = hit
        return hit

    def tsv(self, p: Pair) -> str:
        """One TSV row (without its line end), cells in `COLUMNS` order."""
        line = "\t".join((
            p.id, p.source, p.target, p.src_lang, p.tgt_lang, self._doc(p.document)[1],
            p.section, str(p.paragraph), self._list(p.sentences),
            self._list(p.target_sentences), p.align_method,
            _NOTHING if p.align_score is None else repr(p.align_score), self._run(p)[0],
            p.status, self._list(p.reviewers), p.created_by, p.created_at, _opt(p.changed_by),
            _opt(p.changed_at), self._list(p.flags), _opt(p.note)))
        if "\\" in line or "\n" in line or "\r" in line or line.count("\t") != _TABS:
            line = "\t".join(_cell(v) for v in (
                p.id, p.source, p.target, *_provenance(p).values()))
        return line

    def json(self, p: Pair, text: bool = True) -> str:
        """One JSON object (without its line end), keys in `COLUMNS` order; no texts when
        not `text` (a Moses sidecar)."""
        score = "null" if p.align_score is None else repr(float(p.align_score))
        head = (f'{{"id": {_quote(p.id)}, "source": {_quote(p.source)}, '
                f'"target": {_quote(p.target)}, ') if text else f'{{"id": {_quote(p.id)}, '
        return (
            f'{head}"src_lang": {_quote(p.src_lang)}, "tgt_lang": {_quote(p.tgt_lang)}, '
            f'{self._doc(p.document)[2]}, "section": {_quote(p.section)}, '
            f'"paragraph": {int(p.paragraph)}, "sentences": {self._list(p.sentences)}, '
            f'"target_sentences": {self._list(p.target_sentences)}, '
            f'"align_method": {_quote(p.align_method)}, "align_score": {score}, '
            f'{self._run(p)[1]}, "status": {_quote(p.status)}, '
            f'"reviewers": {self._list(p.reviewers)}, "created_by": {_quote(p.created_by)}, '
            f'"created_at": {_quote(p.created_at)}, "changed_by": {_null(p.changed_by)}, '
            f'"changed_at": {_null(p.changed_at)}, "flags": {self._list(p.flags)}, '
            f'"note": {_null(p.note)}}}')


def _cell(value: Any) -> str:
    """A TSV cell: None empty, lists as JSON, text with backslash escapes."""
    if value is None:
        return _NOTHING
    if isinstance(value, list):
        value = json.dumps(value, ensure_ascii=False)
    return str(value).translate(_TSV_ESCAPES)


def write_tsv(pairs: Iterable[Pair], out: Path, header: ExportHeader) -> int:
    """Write pairs as TSV: a header row (`COLUMNS`), then one pair a line.

    A tab, line break or backslash inside a cell is written ``\\t``, ``\\n``, ``\\r``,
    ``\\\\`` (as PostgreSQL's text COPY and "linear TSV" do), so every pair is one line for
    ``cut``, ``wc -l`` and ``shuf``. Lists are JSON; None is an empty cell.

    Args:
        pairs: The pairs, in file order.
        out: The file to write (replaced at the end, never left half-written).
        header: The export's header (TSV has no header block beyond the column names).

    Returns:
        The number of pairs written.
    """
    count = 0
    encode = _Encoder().tsv
    with atomic_output(out) as fh:
        fh.write("\t".join(COLUMNS) + "\n")
        for pair in pairs:
            fh.write(encode(pair) + "\n")
            count += 1
    return count


def write_jsonl(pairs: Iterable[Pair], out: Path, header: ExportHeader) -> int:
    """Write pairs as JSON Lines: one object a line with `COLUMNS` as keys.

    Args:
        pairs: The pairs, in file order.
        out: The file to write (replaced at the end).
        header: The export's header (JSONL has no header block).

    Returns:
        The number of pairs written.
    """
    count = 0
    encode = _Encoder().json
    with atomic_output(out) as fh:
        for pair in pairs:
            fh.write(encode(pair) + "\n")
            count += 1
    return count


def moses_outputs(out: Path, src: str, tgt: str) -> tuple[Path, Path, Path]:
    """The three files of a Moses export with prefix `out`: source, target, sidecar."""
    if src.lower() == tgt.lower():
        raise ConfigError(f"source and target language are both {src!r}; Moses files are "
                          "named by language, so they must differ")
    return (out.with_name(f"{out.name}.{src}"), out.with_name(f"{out.name}.{tgt}"),
            out.with_name(f"{out.name}.meta.jsonl"))


def write_moses(pairs: Iterable[Pair], out: Path, header: ExportHeader, *,
                report: Counter[str] | None = None) -> int:
    """Write pairs as Moses plain text: two aligned files and a provenance sidecar.

    Args:
        pairs: The pairs, in file order.
        out: The prefix: writes ``{out}.{src}``, ``{out}.{tgt}`` and ``{out}.meta.jsonl``.
        header: Gives the two language codes of the file names.
        report: If given, ``report["flattened"]`` counts the pairs whose text had line
            breaks or tabs replaced by spaces (one pair must stay one line).

    Returns:
        The number of pairs written.
    """
    flattened = count = 0
    encode = _Encoder().json
    with ExitStack() as stack:
        src_fh, tgt_fh, meta_fh = (stack.enter_context(atomic_output(p)) for p in
                                   moses_outputs(out, header.src_lang, header.tgt_lang))
        for pair in pairs:
            source, target = pair.source, pair.target
            if ("\n" in source or "\t" in source or "\r" in source or "\n" in target
                    or "\t" in target or "\r" in target):  # 10x faster than a regex
                source, target = _BREAKS.sub(" ", source), _BREAKS.sub(" ", target)
                flattened += 1
            src_fh.write(source + "\n")
            tgt_fh.write(target + "\n")
            meta_fh.write(encode(pair, False) + "\n")
            count += 1
    if report is not None:
        report["flattened"] += flattened
    return count
