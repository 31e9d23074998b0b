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
Every reader streams; a unit it cannot use is skipped and counted under ``skip_bad``, else a
`DataFormatError` naming the file and line. A file that is not UTF-8, an unknown TSV header
and Moses files of different lengths are always errors.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import fields
from json.encoder import encode_basestring as _quote
from pathlib import Path
from typing import IO, Any

from corpora.pairs import PROVENANCE_FIELDS, DocumentMeta, ExportHeader, Pair, new_pair
from corpora.pairs import provenance as _provenance
from diglot.errors import ConfigError, DataFormatError

#: Columns of a TSV file and keys of a JSONL object, in order.
COLUMNS: tuple[str, ...] = ("id", "source", "target", *PROVENANCE_FIELDS)
_KNOWN = frozenset(COLUMNS)
_BREAKS = re.compile(r"[\r\n\t]")
_FIX = "fix it or pass --skip-bad to skip such units"


# ---------------------------------------------------------------- writing

@contextmanager
def _replacing(out: Path) -> Iterator[IO[str]]:
    """A text file beside `out` that replaces it when the block ends without an error."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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
    with _replacing(out) as fh:
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
    with _replacing(out) as fh:
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
        src_fh, tgt_fh, meta_fh = (stack.enter_context(_replacing(p)) for p in
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


# ---------------------------------------------------------------- reading

def _primary(code: str) -> str:
    return code.replace("_", "-").split("-", 1)[0].lower()


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(1-based number, text with its line end) of each line, split on ``\\n`` only."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise DataFormatError(path, None, f"cannot be read ({exc.strerror}); check the path") \
            from None
    with fh:
        for number, raw in enumerate(fh, 1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataFormatError(path, number, _not_utf8(path, raw[exc.start])) from None
            yield number, text.removeprefix("\ufeff") if number == 1 else text


def _not_utf8(path: Path, byte: int) -> str:
    """What to say about a file that is not UTF-8: the encoding textio detects and the iconv
    command that converts it, as for every other input diglot reads."""
    from corpora.textio import _convert, _guess_encoding

    with path.open("rb") as fh:
        encoding = _guess_encoding(fh.read(200_000))
    if encoding is None:
        return f"is not UTF-8 (byte 0x{byte:02x}) and its encoding is unknown; save it as UTF-8"
    return f"is not UTF-8 (byte 0x{byte:02x}, detected {encoding}); {_convert(path, encoding)}"


def _ints(value: Any) -> tuple[int, ...]:
    if isinstance(value, str):
        inner = value[1:-1]
        if value[:1] == "[" and value[-1:] == "]" and inner.isdigit():
            return (int(inner),)
        value = json.loads(value) if value else []
    if not isinstance(value, list):
        raise ValueError(f"expected a list of numbers, got {value!r}")
    return tuple(int(v) for v in value)


def _strs(value: Any) -> tuple[str, ...]:
    if value == "[]":
        return ()
    if isinstance(value, str):
        value = json.loads(value) if value.startswith("[") else [value] if value else []
    if not isinstance(value, list):
        raise ValueError(f"expected a list of strings, got {value!r}")
    return tuple(str(v) for v in value)


def _score(value: Any) -> float:
    return float(value)


def _decoding(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True,
                                                           separators=(",", ":"))


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {value!r}")
    return value


#: How a record's value becomes a `Pair` argument (the inverse of `provenance`, as
#: `corpora.pairs.from_provenance`, for the fields a flat file has); text fields are taken as
#: they are (`_TEXT`).
_TEXT = frozenset({"section", "align_method", "engine", "model", "engine_version",
                   "glossary_version", "status", "created_by", "created_at", "changed_by",
                   "changed_at", "note"})
_DECODE: dict[str, Any] = {
    "paragraph": int, "sentences": _ints, "target_sentences": _ints, "align_score": _score,
    "decoding": _decoding, "reviewers": _strs, "flags": _strs, **dict.fromkeys(_TEXT)}
#: Document keys in `DocumentMeta` argument order after the name.
_DOC_KEYS = ("title", "authors", "source_ref", "source_license", "translation_license",
             "attribution")


#: `Pair` fields after the texts, with the default of a pair whose file does not say it: a
#: human translation a person confirmed, aligned by the import (``sentences`` is its number).
_IMPORTED = tuple((f.name, {"engine": "human", "status": "confirmed",
                            "align_method": "import"}.get(f.name, f.default))
                  for f in fields(Pair)[6:])


class _Units:
    """Turns a reader's (line, source, target, record) into Pairs: defaults, checks, skips."""

    def __init__(self, path: Path, src: str, tgt: str, document: str, skip_bad: bool,
                 skipped: Counter[str] | None) -> None:
        self.path, self.src, self.tgt, self.document = path, src, tgt, document
        self.skip_bad = skip_bad
        self.skipped: Counter[str] = skipped if skipped is not None else Counter()
        self.numbers: Counter[str] = Counter()
        self.documents: dict[tuple[Any, ...], DocumentMeta] = {}
        self.langs: dict[tuple[str, str], bool] = {}

    def bad(self, line: int, reason: str, message: str) -> None:
        """Count a bad unit under `reason`, or raise when not skipping."""
        if not self.skip_bad:
            raise DataFormatError(self.path, line, f"{message}; {_FIX}")
        self.skipped[reason] += 1

    def unreadable(self, line: int, reason: str, message: str) -> None:
        """A unit too broken to read: numbered (later units keep their ids) and `bad`."""
        self.numbers[self.document] += 1
        self.bad(line, reason, message)

    def pair(self, line: int, source: Any, target: Any, record: dict[str, Any]) -> Pair | None:
        """The pair of one unit, or None when it is bad and skipped."""
        name = str(record.get("document") or self.document)
        number = self.numbers[name]
        self.numbers[name] += 1
        langs = (str(record.get("src_lang") or self.src), str(record.get("tgt_lang") or self.tgt))
        ok = self.langs.get(langs)
        if ok is None:
            ok = self.langs[langs] = (_primary(langs[0]), _primary(langs[1])) == (
                _primary(self.src), _primary(self.tgt))
        if not ok:
            self.bad(line, "language", f"the pair is {langs[0]}→{langs[1]}, not "
                     f"{self.src}→{self.tgt}")
            return None
        if not isinstance(source, str) or not isinstance(target, str):
            self.bad(line, "no text", "source or target text is missing or not a string")
            return None
        if not source.strip() or not target.strip():
            self.bad(line, "empty", "the source or the target is empty")
            return None
        try:
            values = _values(record)
            doc = self._document(name, record)
        except (ValueError, TypeError) as exc:
            self.bad(line, "bad field", f"a provenance field is malformed ({exc})")
            return None
        values.setdefault("sentences", (number,))
        get = values.get
        return new_pair(str(record.get("id") or f"{name}:{number}"), doc, langs[0], langs[1],
                        source, target, *[get(key, default) for key, default in _IMPORTED])

    def _document(self, name: str, record: dict[str, Any]) -> DocumentMeta:
        raw = tuple(map(record.get, _DOC_KEYS))
        key = (name, *raw) if type(raw[1]) is not list else (name, raw[0], tuple(raw[1]),
                                                             *raw[2:])
        doc = self.documents.get(key)
        if doc is None:
            text = [None if v is None else _text(v) for v in raw[2:]]
            doc = self.documents[key] = DocumentMeta(
                name, None if raw[0] is None else _text(raw[0]),
                () if raw[1] is None else _strs(raw[1]), *text)
        return doc


def _values(record: dict[str, Any]) -> dict[str, Any]:
    """The `Pair` arguments in `record` (None values left to the defaults)."""
    values = {}
    get = record.get
    for key, decode in _DECODE.items():
        value = get(key)
        if value is None:
            continue
        if decode is not None:
            values[key] = decode(value)
        elif type(value) is str:
            values[key] = value
        else:
            raise ValueError(f"{key}: expected text, got {value!r}")
    return values


def read_tsv(path: Path, src: str, tgt: str, *, document: str | None = None,
             skip_bad: bool = False, skipped: Counter[str] | None = None) -> Iterator[Pair]:
    """Read pairs from a TSV file: ours (header row) or plain ``source<TAB>target``.

    A file whose first row names columns (all of them `COLUMNS`, ``source`` and ``target``
    among them) is ours: cells unescaped as `write_tsv` escapes them; missing columns take
    the defaults of an import (``engine="human"``, ``status="confirmed"``, ...). Any other
    file is plain two-column text, split on tabs with nothing unescaped, as ``diglot run``
    writes it. Empty lines are skipped.

    Args:
        path: The file.
        src: Source language; a row's ``src_lang`` must match it on the primary subtag.
        tgt: Target language, likewise.
        document: Document name for rows without one (default: the file name).
        skip_bad: Skip bad rows (counted in `skipped`) instead of raising.
        skipped: Counts of skipped rows by reason.

    Yields:
        The pairs in file order.

    Raises:
        DataFormatError: Not UTF-8, an unknown header column, or a bad row when not
            `skip_bad` (file and line in the message).
    """
    units = _Units(path, src, tgt, document or path.name, skip_bad, skipped)
    lines = _lines(path)
    first = next(lines, None)
    if first is None:
        return
    head: list[str] | None = first[1].rstrip("\r\n").split("\t")
    if head is not None and ({"source", "target"} <= set(head) or len(head) > 2):
        unknown = [name for name in head if name not in _KNOWN]
        if unknown or len(set(head)) != len(head) or not {"source", "target"} <= set(head):
            raise DataFormatError(path, 1, f"unknown or repeated header column(s) "
                                  f"{', '.join(unknown) or head}, or no source/target; a TSV "
                                  "header names columns among: " + ", ".join(COLUMNS))
    else:
        head, lines = None, itertools.chain([first], lines)
    width = len(head) if head is not None else 2
    for number, text in lines:
        text = text.rstrip("\n").removesuffix("\r")
        if not text:
            continue
        cells = text.split("\t")
        if len(cells) != width:
            units.unreadable(number, "columns", f"has {len(cells)} columns, expected {width}"
                      + ("" if head else " (source<TAB>target)"))
            continue
        if head is None:
            pair = units.pair(number, cells[0], cells[1], {})
        else:
            if "\\" in text:
                cells = [_TSV_UNESCAPE.sub(_unescape, c) for c in cells]
            record = {k: v for k, v in zip(head, cells, strict=True) if v}
            pair = units.pair(number, record.pop("source"), record.pop("target"), record)
        if pair is not None:
            yield pair


def _unescape(match: re.Match[str]) -> str:
    return _UNESCAPES.get(match[1], match[0])


def read_jsonl(path: Path, src: str, tgt: str, *, document: str | None = None,
               skip_bad: bool = False, skipped: Counter[str] | None = None) -> Iterator[Pair]:
    """Read pairs from JSON Lines: our objects, or ``{"translation": {src: .., tgt: ..}}``.

    Keys other than `COLUMNS` (and ``translation``) are ignored; blank lines are skipped.

    Args:
        path: The file.
        src: Source language (matched on the primary subtag).
        tgt: Target language.
        document: Document name for objects without one (default: the file name).
        skip_bad: Skip bad lines (counted in `skipped`) instead of raising.
        skipped: Counts of skipped lines by reason.

    Yields:
        The pairs in file order.

    Raises:
        DataFormatError: Not UTF-8, or a bad line when not `skip_bad`.
    """
    units = _Units(path, src, tgt, document or path.name, skip_bad, skipped)
    for number, text in _lines(path):
        if not text.strip():
            continue
        pair = _json_unit(units, number, text, None)
        if pair is not None:
            yield pair


def _json_unit(units: _Units, number: int, text: str,
               texts: tuple[str, str] | None) -> Pair | None:
    try:
        obj = json.loads(text)
    except ValueError as exc:
        units.unreadable(number, "bad JSON", f"is not valid JSON ({exc})")
        return None
    if not isinstance(obj, dict):
        units.unreadable(number, "bad JSON", "is not a JSON object")
        return None
    source: Any
    target: Any
    if texts is not None:
        source, target = texts
    elif "source" not in obj and isinstance(obj.get("translation"), dict):
        by_lang = {_primary(k): v for k, v in obj["translation"].items()}
        source, target = by_lang.get(_primary(units.src)), by_lang.get(_primary(units.tgt))
    else:
        source, target = obj.get("source"), obj.get("target")
    return units.pair(number, source, target, obj)  # it reads only the keys it knows


def moses_inputs(path: Path, src: str, tgt: str) -> tuple[Path, Path, Path | None]:
    """The source, target and (if present) sidecar files of a Moses corpus.

    Args:
        path: The prefix (``corpus`` for ``corpus.fr`` + ``corpus.en``) or either file.
        src: Source language; the file suffix matches on the primary subtag when no file
            has it exactly.
        tgt: Target language.

    Raises:
        DataFormatError: A file is missing.
    """
    if path.is_file() and _primary(path.suffix[1:]) in (_primary(src), _primary(tgt)):
        path = path.with_suffix("")
    found = []
    for lang in (src, tgt):
        exact = path.with_name(f"{path.name}.{lang}")
        near = sorted(p for p in path.parent.glob(f"{_glob_escape(path.name)}.*")
                      if _primary(p.name[len(path.name) + 1:]) == _primary(lang)
                      and "." not in p.name[len(path.name) + 1:])
        if not exact.is_file() and not near:
            raise DataFormatError(exact, None, f"no such file; a Moses corpus is "
                                  f"{path.name}.{src} + {path.name}.{tgt}, one pair a line")
        found.append(exact if exact.is_file() else near[0])
    meta = path.with_name(f"{path.name}.meta.jsonl")
    return found[0], found[1], meta if meta.is_file() else None


def _glob_escape(name: str) -> str:
    """`name` with glob's special characters made literal."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def _count_lines(path: Path) -> int:
    count, last = 0, b"\n"
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk
    return count + (not last.endswith(b"\n"))


def read_moses(path: Path, src: str, tgt: str, *, document: str | None = None,
               skip_bad: bool = False, skipped: Counter[str] | None = None) -> Iterator[Pair]:
    """Read pairs from Moses plain text, with provenance from a ``.meta.jsonl`` sidecar.

    Args:
        path: The prefix or either language file (see `moses_inputs`).
        src: Source language.
        tgt: Target language.
        document: Document name for pairs without a sidecar (default: the prefix's name).
        skip_bad: Skip bad lines (counted in `skipped`) instead of raising.
        skipped: Counts of skipped lines by reason.

    Yields:
        The pairs in file order.

    Raises:
        DataFormatError: The files have different numbers of lines (checked before the first
            pair), are not UTF-8, or a bad line when not `skip_bad`.
    """
    src_path, tgt_path, meta_path = moses_inputs(path, src, tgt)
    named = [(p, _count_lines(p)) for p in (src_path, tgt_path, meta_path) if p is not None]
    for other, count in named[1:]:
        if count != named[0][1]:
            raise DataFormatError(other, min(count, named[0][1]) + 1,
                                  f"has {count} lines but {src_path.name} has {named[0][1]}; "
                                  "aligned files must have one pair a line in both")
    prefix = src_path.with_suffix("")
    units = _Units(src_path, src, tgt, document or prefix.name, skip_bad, skipped)
    meta = _lines(meta_path) if meta_path is not None else None
    for (number, source), (_, target) in zip(_lines(src_path), _lines(tgt_path), strict=True):
        source = source.rstrip("\n").removesuffix("\r")
        target = target.rstrip("\n").removesuffix("\r")
        if meta is not None:
            units.path = meta_path or src_path
            pair = _json_unit(units, number, next(meta)[1], (source, target))
            units.path = src_path
        else:
            pair = units.pair(number, source, target, {})
        if pair is not None:
            yield pair
