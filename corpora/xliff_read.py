"""XLIFF reader, for XLIFF 1.2 and 2.x, streaming and safe (no entities, no DTD, no network).

Units diglot wrote (its ``x-`` notes) round-trip exactly: ``final`` → confirmed,
``reviewed`` → edited, ``translated`` → machine. Another tool's states are read as a CAT
tool means them, where ``translated`` is a person's translation nobody has reviewed yet:

- XLIFF 2.x (``segment/@state``): ``final`` → confirmed; ``reviewed`` and ``translated`` →
  edited; ``initial`` (a pre-filled target, e.g. by MT) → machine.
- XLIFF 1.2 (``trans-unit/@approved``, ``target/@state``): ``approved="yes"``, ``final`` or
  ``signed-off`` → confirmed; ``new`` and ``needs-translation`` → machine; any other state
  (``translated``, ``needs-review-*``, ``x-…``) → edited.
- No state at all (a plain translation memory) → confirmed, as for TMX.
- A unit with no target yet is skipped and counted (``untranslated (no target)``), not an
  error: a CAT file holds them.

Units without diglot's notes become one pair per segment (XLIFF 2) or per ``trans-unit``
(1.2, whole ``<source>``/``<target>``, ``<alt-trans>`` ignored) with the defaults of the
corpus spec (``engine="human"``, ``align_method="import"``, ``id={document}:{n}``), their
other notes joined into ``note``. Inline codes become text: 2.0 ``<cp>`` its character,
``<ph>/<sc>/<ec>`` their ``equiv``, ``<pc>/<mrk>`` their content; 1.2 ``<g>/<mrk>`` their
content, ``<ph>/<bpt>/<ept>/<it>`` their native code, ``<x>/<bx>/<ex>`` their ``equiv-text``.
"""

from __future__ import annotations

import collections
import json
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from lxml import etree

from corpora.pairs import STATUSES, DocumentMeta, Pair, from_provenance, language_key, new_pair
from corpora.xliff import (
    _DOC_FIELDS,
    _HINT,
    _STATUS_2,
    _STATUS_12,
    _UNIT_KEYS,
    NS2,
    NS12,
)
from diglot.errors import DataFormatError

_SAFE = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}


def read_xliff(path: Path, src: str, tgt: str, *, document: str | None = None,
               skip_bad: bool = False,
               skipped: collections.Counter[str] | None = None) -> Iterator[Pair]:
    """Read an XLIFF 1.2 or 2.x file as pairs, streaming (memory stays flat).

    Args:
        path: The file (UTF-8).
        src: Expected source language; matches on the primary subtag (``fr-FR`` ~ ``fr``).
        tgt: Expected target language.
        document: Document name for files that do not say theirs (default: the file name).
        skip_bad: Count bad units in `skipped` and go on instead of raising.
        skipped: Counts of skipped units by reason (also ``not for translation``: units
            marked ``translate="no"`` without a target, never an error).

    Yields:
        One `Pair` per unit (ours) or per segment (other tools').

    Raises:
        DataFormatError: the file is not UTF-8, not well-formed, has a DOCTYPE, is not
            XLIFF, lacks or mismatches its languages; or a unit is bad and not `skip_bad`.
    """
    ns, root = _sniff(path)
    reader = _Reader(path, ns, (src, tgt), document or path.name, skip_bad,
                     skipped if skipped is not None else collections.Counter())
    if ns == NS2:
        reader.langs = _languages(path, root.sourceline, root.get("srcLang"),
                                  root.get("trgLang"), src, tgt, "srcLang", "trgLang")
    unit_tag, file_tag = f"{{{ns}}}{'unit' if ns == NS2 else 'trans-unit'}", f"{{{ns}}}file"
    read_unit = reader.unit2 if ns == NS2 else reader.unit12
    # End events only (a start event a unit would cost more than finding the file lazily).
    context = etree.iterparse(str(path), events=("end",),
                              tag=[unit_tag, file_tag, f"{{{ns}}}group"], **_SAFE)
    try:
        for _, elem in context:
            if elem.tag == unit_tag:
                yield from read_unit(elem)  # a list: generators a unit cost more
            elif elem.tag == file_tag:
                reader.file = None
            _release(elem)
    except etree.XMLSyntaxError as err:
        raise DataFormatError(path, err.lineno or 1, _syntax(err)) from None


def _sniff(path: Path) -> tuple[str, etree._Element]:
    """The root's namespace and element, after the file-level checks."""
    with open(path, "rb") as handle:
        head = handle.read(1024)
    if not head.strip():
        raise DataFormatError(path, 1, "the file is empty; it is not XLIFF")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or re.match(
            rb"<\?xml[^>]*encoding=[\"'](?!utf-?8[\"'])", head, re.IGNORECASE):
        raise DataFormatError(path, 1, "the file is not UTF-8; convert it to UTF-8 "
                              "(e.g. iconv -f ENCODING -t UTF-8) and declare encoding=\"UTF-8\"")
    try:
        _, root = next(etree.iterparse(str(path), events=("start",), **_SAFE))
    except etree.XMLSyntaxError as err:
        raise DataFormatError(path, err.lineno or 1, _syntax(err)) from None
    except StopIteration:  # cannot happen: a root start tag parsed or the parse failed
        raise DataFormatError(path, 1, "no root element; it is not XLIFF") from None
    if root.getroottree().docinfo.doctype:
        raise DataFormatError(path, root.sourceline, "the file has a <!DOCTYPE>: XLIFF needs "
                              "none and its entities could expand without limit; remove it")
    ns, _, local = root.tag.rpartition("}")
    ns = ns[1:]
    if local != "xliff" or ns not in (NS2, NS12, NS12[:-1] + "1"):
        raise DataFormatError(path, root.sourceline, f"the root is <{local}> in namespace "
                              f"{ns or 'none'}, not XLIFF 1.1, 1.2 or 2.x; is it XLIFF?")
    return ns, root


def _languages(path: Path, line: int | None, file_src: str | None, file_tgt: str | None,
               src: str, tgt: str, src_attr: str, tgt_attr: str) -> tuple[str, str]:
    for value, attr in ((file_src, src_attr), (file_tgt, tgt_attr)):
        if not value:
            raise DataFormatError(path, line, f"no {attr} attribute: the file does not say "
                                  f"its language; add {attr}=\"...\"")
    file_src, file_tgt = file_src or "", file_tgt or ""
    if (_primary(file_src), _primary(file_tgt)) != (_primary(src), _primary(tgt)):
        raise DataFormatError(path, line, f"the file is {file_src}→{file_tgt}, not {src}→{tgt};"
                              f" import it with --from {file_src} --to {file_tgt}")
    return file_src, file_tgt


def _primary(lang: str) -> str:
    return language_key(lang)


def _syntax(err: etree.XMLSyntaxError) -> str:
    return (f"not well-formed XML ({err.msg}): the file is truncated, not UTF-8 or broken; "
            "re-export it from its tool")


def _release(elem: etree._Element) -> None:
    """Free a finished element and its earlier siblings (memory stays flat)."""
    elem.clear(keep_tail=True)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


@dataclass
class _Reader:
    """The state of one read: current file's document and languages, counters."""

    path: Path
    ns: str
    wanted: tuple[str, str]
    default_doc: str
    skip_bad: bool
    skipped: collections.Counter[str]
    langs: tuple[str, str] = ("", "")
    file: etree._Element | None = None
    doc: DocumentMeta | None = None
    numbers: collections.Counter[str] = field(default_factory=collections.Counter)
    documents: dict[tuple[Any, ...], DocumentMeta] = field(default_factory=dict)

    def _document(self, unit: etree._Element) -> DocumentMeta:
        """The unit's document; at a file's first unit, read from the file (its original,
        notes, 1.2 languages) before release frees the notes."""
        if self.file is not None and self.doc is not None:
            return self.doc
        file = self.file = next(unit.iterancestors(f"{{{self.ns}}}file"), None)
        if file is None:
            raise DataFormatError(self.path, unit.sourceline, "a unit outside any <file>; "
                                  "this is not XLIFF as the standard has it")
        record = {"document": file.get("original") or self.default_doc}
        if self.ns == NS2:
            record.update(_split_notes(file.find(_NOTES2), _DOC_FIELDS)[0])
        else:
            self.langs = _languages(self.path, file.sourceline, file.get("source-language"),
                                    file.get("target-language"), *self.wanted,
                                    "source-language", "target-language")
        self.doc = from_provenance("", "", "", record, self.documents).document
        return self.doc

    def unit2(self, unit: etree._Element) -> list[Pair]:
        doc = self._document(unit)
        ours, others = _split_notes(unit.find(_NOTES2), _UNIT_KEYS)
        parts = [c for c in unit if c.tag == _SEGMENT or c.tag == _IGNORABLE]
        if ours:
            return self._attempt(unit, self._ours, unit, doc, ours, parts)
        return [pair for seg in parts if seg.tag == _SEGMENT
                for pair in self._attempt(seg, self._theirs, seg, doc, seg.find(_SOURCE2),
                                          seg.find(_TARGET2), _their_status2(seg.get("state")),
                                          others)]

    def unit12(self, unit: etree._Element) -> list[Pair]:
        doc = self._document(unit)
        target = unit.find(f"{{{self.ns}}}target")
        if unit.get("translate") == "no" and target is None:
            self.skipped["not for translation"] += 1
            return []
        approved, state = unit.get("approved"), target.get("state") if target is not None else None
        status = ("confirmed" if approved == "yes" or (state is None and approved is None)
                  else _STATUS_12.get(state or "", _THEIR_12.get(state or "", "edited")))
        notes = [n.text for n in unit.iterchildren(f"{{{self.ns}}}note") if n.text]
        return self._attempt(unit, self._theirs, unit, doc,
                             unit.find(f"{{{self.ns}}}source"), target, status, notes)

    def _attempt(self, elem: etree._Element, make: Callable[..., Pair],
                 *args: Any) -> list[Pair]:
        """``[make(*args)]``, or a bad unit's error, or ``[]`` and its count."""
        try:
            return [make(*args)]
        except _Untranslated:  # a CAT file's unit nobody has translated yet: nothing to pair
            self.skipped["untranslated (no target)"] += 1
            return []
        except _BadUnit as bad:
            if not self.skip_bad:
                raise DataFormatError(self.path, bad.line or elem.sourceline,
                                      f"{bad.reason}; {_HINT}") from None
            self.skipped[bad.reason] += 1
            return []

    def _ours(self, unit: etree._Element, doc: DocumentMeta, record: dict[str, str],
              parts: list[etree._Element]) -> Pair:
        """A unit diglot wrote: its fields from the notes, its status from the state."""
        if len(parts) == 1:  # as we write them
            source, target = _text(parts[0].find(_SOURCE2)), _text(parts[0].find(_TARGET2))
            status = _status2(parts[0].get("state"))
        else:
            source, target, status = _joined(parts)
        if not source or not target:
            raise _BadUnit("unit without target" if source else "unit without source")
        try:
            values: dict[str, Any] = {key: text if key not in _CONVERT else _CONVERT[key](text)
                                      for key, text in record.items()}
        except (ValueError, TypeError) as err:
            raise _BadUnit(f"bad provenance note ({err})") from None
        pair_id = values.pop("id", None) or unit.get("id", "")
        src, tgt = values.pop("src_lang", self.langs[0]), values.pop("tgt_lang", self.langs[1])
        tail = _TAIL.copy()  # new_pair: a fifth of what Pair(**values) costs a unit
        tail.update(values)
        tail["status"] = status
        return new_pair(pair_id, doc, src, tgt, source, target, *tail.values())

    def _theirs(self, elem: etree._Element, doc: DocumentMeta, source_elem: etree._Element | None,
                target_elem: etree._Element | None, status: str, notes: list[str]) -> Pair:
        """A unit (1.2) or segment (2.x) another tool wrote: the corpus spec's defaults."""
        source, target = _text(source_elem), _text(target_elem)
        if not target:
            raise _Untranslated
        if not source:
            raise _BadUnit("unit without source", elem.sourceline)
        n = self.numbers[doc.name]
        self.numbers[doc.name] += 1
        return Pair(f"{doc.name}:{n}", doc, self.langs[0], self.langs[1], source, target,
                    sentences=(n,), align_method="import", engine="human", status=status,
                    note="\n".join(notes) or None)


class _BadUnit(Exception):
    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.line = reason, line


_SEGMENT, _IGNORABLE = f"{{{NS2}}}segment", f"{{{NS2}}}ignorable"
_NOTES2 = f"{{{NS2}}}notes"
_SOURCE2, _TARGET2 = f"{{{NS2}}}source", f"{{{NS2}}}target"


def _joined(parts: list[etree._Element]) -> tuple[str | None, str | None, str]:
    """Source, target and status of a unit of several segments (and ignorables between
    them): the texts joined, the status of the least checked segment."""
    sources, targets, states = [], [], []
    for part in parts:
        source, target = _text(part.find(_SOURCE2)), _text(part.find(_TARGET2))
        if part.tag == _SEGMENT:
            states.append(_status2(part.get("state")))
        elif target is None:  # an ignorable's target may be left out
            target = source
        if source is None or target is None:
            return source, target, "machine"
        sources.append(source)
        targets.append(target)
    status = min(states or ["confirmed"], key=STATUSES.index)
    return "".join(sources), "".join(targets), status


def _status2(state: str | None) -> str:
    return "confirmed" if state is None else _STATUS_2.get(state, "machine")


#: Another tool's states: a CAT tool's "translated" is a person's translation nobody has
#: reviewed yet (edited); only an "initial" target (pre-translated, e.g. by MT) is machine.
_THEIR_2 = {"final": "confirmed", "reviewed": "edited", "translated": "edited",
            "initial": "machine"}
_THEIR_12 = {"new": "machine", "needs-translation": "machine"}


def _their_status2(state: str | None) -> str:
    return "confirmed" if state is None else _THEIR_2.get(state, "edited")


class _Untranslated(Exception):
    """A unit or segment with a source and no target yet."""


def _strs(text: str) -> tuple[str, ...]:
    """A JSON list of strings; ``["a", "b"]`` without escapes skips the JSON decoder (no
    backslash means no quote inside an item)."""
    if "\\" not in text and text[:2] == '["' and text[-2:] == '"]':
        items = text[2:-2].split('", "')
        if not any('"' in item for item in items):
            return tuple(items)
    value = json.loads(text)
    if not isinstance(value, list) or any(type(v) is not str for v in value):
        raise ValueError(f"expected a JSON list of strings, got {text[:80]!r}")
    return tuple(value)


def _ints(text: str) -> tuple[int, ...]:
    """A JSON list of integers (``[3, 4]``), without the JSON decoder's cost."""
    if text[:1] != "[" or text[-1:] != "]":
        raise ValueError(f"expected a JSON list of int, got {text[:80]!r}")
    inner = text[1:-1]
    return tuple(map(int, inner.split(","))) if inner.strip() else ()


#: `Pair`'s fields after the two texts with their defaults, in order: what a unit's notes set.
_TAIL: dict[str, Any] = {f.name: f.default for f in fields(Pair)[6:]}
#: How note texts become `Pair` field values (the rest are strings).
_CONVERT: dict[str, Callable[[str], Any]] = {
    "paragraph": int, "align_score": float, "sentences": _ints, "target_sentences": _ints,
    "reviewers": _strs, "flags": _strs}


def _split_notes(notes: etree._Element | None,
                 known: Collection[str]) -> tuple[dict[str, str], list[str]]:
    """Split notes into diglot's fields (``x-FIELD``, FIELD in `known`) and other texts."""
    ours: dict[str, str] = {}
    others: list[str] = []
    if notes is None:
        return ours, others
    for note in notes:
        category = note.get("category")
        if category is not None and category[2:] in known and category[:2] == "x-":
            ours[category[2:]] = note.text or ""
        elif isinstance(note.tag, str) and note.text:
            others.append(note.text)
    return ours, others


def _text(elem: etree._Element | None) -> str | None:
    """Plain text of a source/target with its inline codes resolved (None when absent)."""
    if elem is None:
        return None
    if not len(elem):
        return elem.text or ""
    parts = [elem.text or ""]
    for child in elem:
        if isinstance(child.tag, str):
            parts.append(_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _inline(child: etree._Element) -> str:
    ns, _, local = child.tag.rpartition("}")
    if local == "cp":
        try:
            return chr(int(child.get("hex", ""), 16))
        except (ValueError, OverflowError):
            raise _BadUnit(f"bad <cp hex={child.get('hex')!r}>", child.sourceline) from None
    if local in ("pc", "mrk", "g"):
        inner = _text(child) or ""
        return (child.get("equivStart") or "") + inner + (child.get("equivEnd") or "")
    if ns[1:] == NS2:  # ph, sc, ec: their plain-text equivalent; sm, em: nothing
        return child.get("equiv") or ""
    if local in ("ph", "bpt", "ept", "it"):  # XLIFF 1.2: the native code itself
        return "".join(child.itertext())
    return child.get("equiv-text") or ""  # 1.2 x, bx, ex
