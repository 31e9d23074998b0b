"""XLIFF 2.0: a streaming writer (the reader, for XLIFF 1.2 and 2.x: `corpora.xliff_read`).

The writer puts one ``<file id="fN" original=DOCUMENT>`` per run of pairs of one document,
with the document's metadata as file ``<notes>`` and one ``<unit>`` per pair: its provenance
as ``<note category="x-FIELD">`` (each `PROVENANCE_FIELDS` field whose value is not `Pair`'s
default, and ``x-engine`` always: it marks the unit as diglot's; lists as JSON; ``x-id`` when
the pair id is no XML name), one ``<segment state>`` with ``<source>`` and ``<target>``. The
review status is the segment's state: machine → ``translated``, edited → ``reviewed``, confirmed →
``final``. The export header rides on the root as ``dg:`` attributes (XLIFF allows other
namespaces' attributes there). Characters XML cannot carry (C0 controls) become XLIFF's
``<cp hex>`` in texts and U+FFFD in notes.

The reader is `corpora.xliff_read`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import fields
from itertools import groupby
from json.encoder import encode_basestring as _json_string
from operator import attrgetter
from pathlib import Path
from typing import IO, Any

from corpora.pairs import (
    PROVENANCE_FIELDS,
    DocumentMeta,
    ExportHeader,
    Pair,
)
from corpora.textio import atomic_output
from corpora.xmlout import write_chunks

NS2 = "urn:oasis:names:tc:xliff:document:2.0"
NS12 = "urn:oasis:names:tc:xliff:document:1.2"
DG = "urn:diglot:xliff"  # our header attributes on the root

STATE_OF = {"machine": "translated", "edited": "reviewed", "confirmed": "final"}
_STATUS_2 = {"final": "confirmed", "reviewed": "edited", "translated": "machine",
             "initial": "machine"}
_STATUS_12 = {"final": "confirmed", "signed-off": "confirmed"}

#: Document fields, written once per ``<file>`` as notes, and how `DocumentMeta` names them.
_DOC_FIELDS = {"title": "title", "authors": "authors", "source_ref": "source",
               "source_license": "source_license",
               "translation_license": "translation_license", "attribution": "attribution"}
#: Pair fields written as unit notes (status is the segment state; languages are the root's).
_UNIT_FIELDS = tuple(f for f in PROVENANCE_FIELDS if f not in _DOC_FIELDS
                     and f not in ("src_lang", "tgt_lang", "document", "license", "status"))
_UNIT_KEYS = frozenset((*_UNIT_FIELDS, "id", "src_lang", "tgt_lang"))
#: (field, the default a note is left out for, the note's opening tag); the engine is always
#: written: it marks a unit as diglot's.
_UNIT_NOTES = tuple((f.name, object() if f.name == "engine" else f.default,
                     f'<note category="x-{f.name}">')
                    for f in fields(Pair) if f.name in _UNIT_FIELDS)
_NOTE_OF = {name: (name, default, opening) for name, default, opening in _UNIT_NOTES}
#: Fields whose values repeat from pair to pair, by group: each group's notes for one set of
#: values are formatted once (in `_UNIT_NOTES` order: a group's fields are neighbours there).
_GROUPS = {group: tuple(_NOTE_OF[name] for name in names) for group, names in {
    "section": ("section",), "align_method": ("align_method",), "reviewers": ("reviewers",),
    "flags": ("flags",),
    "run": ("engine", "model", "engine_version", "decoding", "glossary_version"),
    "people": ("created_by", "created_at", "changed_by", "changed_at")}.items()}
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NOT_NAME = re.compile(r"[^\w.:-]")
_HINT = "fix it or pass --skip-bad to skip such units"


# --- writer ---------------------------------------------------------------------------
# The writer formats the markup itself rather than building lxml elements for xmlfile: a unit
# has a dozen notes, and element objects cost ~17x more than escaped strings (64 µs against
# 3.7 µs a unit here), which put the export far below 50,000 pairs/s. Every text goes
# through `_esc`/`_attr`, and the tests parse the output with lxml and Translate Toolkit.


def write_xliff(pairs: Iterable[Pair], out: Path, header: ExportHeader) -> int:
    """Write pairs as XLIFF 2.0, streaming, to a temp file that replaces `out` when done.

    Args:
        pairs: Pairs grouped by document (a new ``<file>`` starts whenever it changes).
        out: The ``.xlf`` file to write.
        header: The export's languages, licence, attribution, tool version and date.

    Returns:
        The number of pairs written.
    """
    with atomic_output(out, binary=True) as handle:
        count = _write(pairs, handle, header)
    return count


def _write(pairs: Iterable[Pair], handle: IO[bytes], header: ExportHeader) -> int:
    licence = f' dg:license="{_attr(header.license)}"' if header.license else ""
    handle.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<xliff xmlns="{NS2}" '
                 f'xmlns:dg="{DG}" version="2.0" srcLang="{_attr(_bcp47(header.src_lang))}" '
                 f'trgLang="{_attr(_bcp47(header.tgt_lang))}" dg:tool="diglot" '
                 f'dg:toolVersion="{_attr(header.tool_version)}" '
                 f'dg:created="{_attr(header.created_at)}"{licence} '
                 f'dg:attribution="{_attr(header.attribution)}">\n'.encode())
    count = 0
    langs = (header.src_lang, header.tgt_lang)
    fast = _UnitWriter(langs)
    for number, (doc, group) in enumerate(groupby(pairs, attrgetter("document")), 1):
        handle.write(f'<file id="f{number}" original="{_attr(doc.name)}">{_doc_notes(doc)}\n'
                     .encode())
        count += write_chunks(handle, group, fast, lambda pair: _unit(pair, langs))
        handle.write(b"</file>\n")
    handle.write(b"</xliff>\n")
    return count


def _doc_notes(doc: DocumentMeta) -> str:
    notes = [_note(key, getattr(doc, attr)) for key, attr in _DOC_FIELDS.items()
             if getattr(doc, attr) not in (None, ())]
    return f"<notes>{''.join(notes)}</notes>" if notes else ""


def _unit(pair: Pair, langs: tuple[str, str]) -> str:
    """One ``<unit>``: notes for the fields that differ from `Pair`'s defaults, and the
    engine always (it marks the unit as diglot's)."""
    uid = pair.id
    notes = []
    if not uid or _NOT_NAME.search(uid):  # unit ids are XML NMTOKENs
        notes.append(_note("id", uid))
        uid = _NOT_NAME.sub("_", uid) or "_"
    if pair.src_lang != langs[0]:
        notes.append(_note("src_lang", pair.src_lang))
    if pair.tgt_lang != langs[1]:
        notes.append(_note("tgt_lang", pair.tgt_lang))
    values = pair.__dict__  # faster than getattr, ~18 fields a pair
    for key, default, opening in _UNIT_NOTES:
        value = values[key]
        if value is not None and value != default:
            notes.append(f"{opening}{_value_text(value)}</note>")
    return (f'<unit id="{_attr(uid)}"><notes>{"".join(notes)}</notes><segment state="'
            f'{STATE_OF.get(pair.status, "translated")}">{_text_element("source", pair.source)}'
            f'{_text_element("target", pair.target)}</segment></unit>\n')


#: Entries a formatting cache holds before it starts again.
_CACHE_SIZE = 4096


class _UnitWriter:
    """`_unit` for texts that hold only characters XML can (what `write_chunks` checks a chunk
    at a time; a chunk that fails goes through `_unit`): the same markup with substring tests
    instead of regular expressions, and the notes whose values repeat from pair to pair (the
    run's engine, model, version, decoding and glossary; who made and changed the pair and
    when; section, method, reviewers, flags) formatted once and kept in bounded caches."""

    def __init__(self, langs: tuple[str, str]) -> None:
        self.langs = langs
        self.id_prefix: str | None = None  # ids' part before the last ":", an NMTOKEN
        self.caches: dict[str, dict[Any, str]] = {name: {} for name in _GROUPS}

    def __call__(self, pair: Pair) -> str:
        v = pair.__dict__  # faster than getattr, ~25 fields a pair
        uid, id_note = self._id(v["id"])
        paragraph, score, note, c = v["paragraph"], v["align_score"], v["note"], self.caches
        return "".join((
            f'<unit id="{uid}"><notes>', id_note,
            "" if v["src_lang"] == self.langs[0] else _note("src_lang", v["src_lang"]),
            "" if v["tgt_lang"] == self.langs[1] else _note("tgt_lang", v["tgt_lang"]),
            _cached(c, "section", v["section"]),
            "" if paragraph is None or paragraph == 0 else _note("paragraph", paragraph),
            _positions("sentences", v["sentences"]),
            _positions("target_sentences", v["target_sentences"]),
            _cached(c, "align_method", v["align_method"]),
            "" if score is None else _note("align_score", score),
            _cached(c, "run", (v["engine"], v["model"], v["engine_version"], v["decoding"],
                               v["glossary_version"])),
            _cached(c, "reviewers", v["reviewers"]),
            _cached(c, "people", (v["created_by"], v["created_at"], v["changed_by"],
                                  v["changed_at"])),
            _cached(c, "flags", v["flags"]),
            "" if note is None else _note("note", note),
            '</notes><segment state="', STATE_OF.get(v["status"], "translated"), '">',
            _fast_element("source", v["source"]), _fast_element("target", v["target"]),
            "</segment></unit>\n"))

    def _id(self, uid: str) -> tuple[str, str]:
        """The unit id (an XML NMTOKEN) and an ``x-id`` note with the pair's id when it is
        not one."""
        head, colon, tail = uid.rpartition(":")
        if colon and head == self.id_prefix and tail.isascii() and tail.isdigit():
            return uid, ""  # a document prefix already checked, and a number
        if uid and not _NOT_NAME.search(uid):
            self.id_prefix = head if colon else None
            return uid, ""
        return _attr(_NOT_NAME.sub("_", uid) or "_"), _note("id", uid)


def _cached(caches: dict[str, dict[Any, str]], group: str, key: Any) -> str:
    """The notes of a group of fields (`_GROUPS`) for these values, formatted once."""
    cache = caches[group]
    xml = cache.get(key)
    if xml is None:
        if len(cache) >= _CACHE_SIZE:  # bounded: start again rather than grow with the corpus
            cache.clear()
        fields = _GROUPS[group]
        values = key if len(fields) > 1 else (key,)
        xml = cache[key] = "".join(
            f"{opening}{_value_text(value)}</note>"
            for (_, default, opening), value in zip(fields, values, strict=True)
            if value is not None and value != default)
    return xml


def _positions(name: str, value: Any) -> str:
    if value is None or value == ():
        return ""
    if len(value) == 1 and value[0].__class__ is int:
        return f'<note category="x-{name}">[{value[0]}]</note>'
    return _note(name, value)


def _fast_element(tag: str, text: str) -> str:
    """`_text_element` for a text without characters XML cannot hold."""
    space = (' xml:space="preserve"' if "  " in text or "\n" in text or "\t" in text
             or "\r" in text or text[:1].isspace() or text[-1:].isspace() else "")
    if "&" in text or "<" in text or ">" in text or "\r" in text:
        text = (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\r", "&#13;"))
    return f"<{tag}{space}>{text}</{tag}>"


def _note(key: str, value: Any) -> str:
    return f'<note category="x-{key}">{_value_text(value)}</note>'


def _value_text(value: Any) -> str:
    """A field's note text: strings escaped, tuples as JSON lists, numbers by str()."""
    kind = type(value)
    if kind is str:
        return _esc(value)
    if kind is tuple:
        if all(type(v) is int for v in value):
            return f"[{', '.join(map(str, value))}]"
        return _esc(f"[{', '.join(map(_json_string, value))}]")
    return str(value)  # int, float: str() round-trips


def _text_element(tag: str, text: str) -> str:
    space = (' xml:space="preserve"' if "  " in text or "\n" in text or "\t" in text
             or "\r" in text or text[:1].isspace() or text[-1:].isspace() else "")
    if _SPECIAL.search(text) is None:
        return f"<{tag}{space}>{text}</{tag}>"
    if _BAD_XML.search(text) is None:
        return f"<{tag}{space}>{_esc(text)}</{tag}>"
    pieces = _BAD_XML.split(text)  # XLIFF 2 carries them as <cp hex="000C"/>
    body = "".join(f'<cp hex="{ord(char):04X}"/>{_esc(piece)}'
                   for char, piece in zip(_BAD_XML.findall(text), pieces[1:], strict=True))
    return f"<{tag}{space}>{_esc(pieces[0])}{body}</{tag}>"


def _esc(text: str) -> str:
    """Text content: escaped, CR kept as a reference, XML-illegal characters as U+FFFD."""
    if _SPECIAL.search(text) is None:
        return text
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BAD_XML.sub("\ufffd", text.replace("\r", "&#13;"))


def _attr(text: str) -> str:
    return _esc(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def _bcp47(lang: str) -> str:
    return lang.replace("_", "-")
