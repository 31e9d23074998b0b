"""Readers of the flat corpus files `corpora.tabular` writes (TSV, JSONL, Moses), and of
plain ``source<TAB>target`` TSV, ``datasets`` translation rows and Moses corpora from elsewhere.

Every reader streams; a unit it cannot use is skipped and counted under ``skip_bad``, else a
`DataFormatError` naming the file and line. A file that is not UTF-8, an unknown TSV header and
Moses files of different lengths are always errors.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

from corpora.pairs import DocumentMeta, Pair, language_key, new_pair
from corpora.tabular import _FIX, _KNOWN, _TSV_UNESCAPE, _UNESCAPES, COLUMNS
from diglot.errors import DataFormatError


def _primary(lang: str) -> str:
    return language_key(lang)


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
