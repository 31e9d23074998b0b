"""TMX 1.4b: a streaming writer with every pair's provenance (the reader: `corpora.tmx_read`).

Writer: one ``<tu tuid=ID>`` line per pair, written as the pairs arrive, with
``creationid``/``creationdate``/``changeid``/``changedate`` for other tools, a
``<prop type="x-FIELD">`` for every provenance field that differs from the `Pair` default
(tuples as JSON lists; ``status``, ``engine``, ``align_method`` and ``document`` always), the
engine's note as ``<note>``, and ``xml:lang`` on each ``tuv``. The header names every
document once (``x-document``: the `DocumentMeta` as JSON, plus a readable ``note``), so a
``tu`` repeats only the document's name. Inline Markdown is level 2 markup
(`corpora.tmx_inline`) or, with ``plain``, level 1 text. The file validates against the LISA
TMX 1.4b DTD. Units are formatted as strings, not lxml elements (``etree.xmlfile``): twenty
``SubElement`` calls a pair made the export five times slower; the header still goes through
lxml, and every text is escaped and checked for characters XML cannot hold.

The reader is `corpora.tmx_read`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lxml import etree

from corpora.pairs import DocumentMeta, ExportHeader, Pair
from corpora.tmx_inline import escape_attr, escape_text, segment_xml
from diglot.errors import DataFormatError

__all__ = ["tmx_date", "write_tmx"]

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_SKIP_HINT = "fix it or pass --skip-bad to skip such units"
#: Provenance fields a tu carries as props, with the `Pair` attribute each comes from.
_TU_FIELDS = ("section", "paragraph", "sentences", "target_sentences", "align_method",
              "align_score", "engine", "model", "engine_version", "decoding",
              "glossary_version", "status", "reviewers", "created_by", "created_at",
              "changed_by", "changed_at", "flags")
#: Written even at their default, so a reader knows the unit is ours (``status``).
_ALWAYS = frozenset({"align_method", "engine", "status"})
_DEFAULTS = tuple((name, object() if name in _ALWAYS else Pair.__dataclass_fields__[name].default)
                  for name in _TU_FIELDS)
#: Document fields in provenance naming, with the `DocumentMeta` attribute.
_DOC_FIELDS = {"title": "title", "authors": "authors", "source_ref": "source",
               "source_license": "source_license",
               "translation_license": "translation_license", "attribution": "attribution"}


# --- writer -------------------------------------------------------------------------------

def write_tmx(pairs: Iterable[Pair], out: Path, header: ExportHeader, *,
              plain: bool = False) -> int:
    """Write pairs as TMX 1.4b, streaming; the file appears under ``out`` only when complete.

    Args:
        pairs: The pairs, in export order.
        out: The TMX file to write.
        header: What the file says about itself (languages, documents, licence, attribution).
        plain: Level 1 (``datatype="plaintext"``, Markdown as plain text) instead of level 2.

    Returns:
        The number of pairs written.

    Raises:
        DataFormatError: a text holds a character XML 1.0 cannot (NUL, C0 controls).
    """
    out = Path(out)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    unit = _UnitWriter(header, plain, out)
    count = 0
    try:
        with open(tmp, "w", encoding="utf-8", newline="", buffering=1 << 20) as stream:
            stream.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                         '<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n<tmx version="1.4">\n')
            stream.write(_header_xml(header, plain, out))
            stream.write("\n<body>\n")
            for pair in pairs:
                stream.write(unit(pair))
                count += 1
            stream.write("</body>\n</tmx>\n")
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count


def _header_xml(header: ExportHeader, plain: bool, out: Path) -> str:
    attrs = {"creationtool": "diglot", "creationtoolversion": header.tool_version,
             "segtype": "sentence", "o-tmf": "diglot", "adminlang": "en",
             "srclang": header.src_lang, "datatype": "plaintext" if plain else "markdown"}
    date = tmx_date(header.created_at)
    if date:
        attrs["creationdate"] = date
    try:
        el = etree.Element("header", attrs)
        for doc in header.documents:
            etree.SubElement(el, "note").text = _document_note(doc)
        props = [("x-license", header.license), ("x-attribution", header.attribution)]
        props += [("x-document", json.dumps(_document_record(doc), ensure_ascii=False))
                  for doc in header.documents]
        for kind, value in props:
            if value:
                etree.SubElement(el, "prop", type=kind).text = value
    except ValueError as err:  # lxml refuses NUL and C0 controls: XML 1.0 cannot hold them
        raise DataFormatError(out, None, f"the export header: {err}; remove the control "
                              "character from the documents' metadata") from None
    return etree.tostring(el, encoding="unicode")


def _document_record(doc: DocumentMeta) -> dict[str, Any]:
    return {"name": doc.name, "title": doc.title, "authors": list(doc.authors),
            "source": doc.source, "source_license": doc.source_license,
            "translation_license": doc.translation_license, "attribution": doc.attribution}


def _document_note(doc: DocumentMeta) -> str:
    """One readable line: name | title | authors | source | licences."""
    licences = " / ".join(f"{what} {lic}" for what, lic in
                          (("source", doc.source_license),
                           ("translation", doc.translation_license)) if lic)
    return " | ".join([doc.name, doc.title or "", ", ".join(doc.authors), doc.source or "",
                       licences or "no licence"])


#: Characters XML 1.0 cannot hold (CR is written as a character reference).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Props seen this often are formatted once (engine, model, status... repeat across pairs).
_CACHE_SIZE = 50_000


class _UnitWriter:
    """Formats ``<tu>`` lines as strings (lxml elements cost five times more per pair)."""

    def __init__(self, header: ExportHeader, plain: bool, out: Path) -> None:
        self.docs = {doc.name: doc for doc in header.documents}
        self.src, self.tgt, self.plain, self.out = header.src_lang, header.tgt_lang, plain, out
        self.props: dict[tuple[str, Any], str] = {}

    def __call__(self, pair: Pair) -> str:
        parts = [f'<tu tuid="{escape_attr(pair.id)}"']
        for attr, value in (("creationid", pair.created_by), ("changeid", pair.changed_by)):
            if value:
                parts.append(f' {attr}="{escape_attr(value)}"')
        for attr, value in (("creationdate", pair.created_at),
                            ("changedate", pair.changed_at)):
            date = tmx_date(value)
            if date:
                parts.append(f' {attr}="{date}"')
        parts.append(">")
        if pair.note:
            parts.append(f"<note>{escape_text(pair.note)}</note>")
        self._props(pair, parts)
        src, tgt = pair.src_lang or self.src, pair.tgt_lang or self.tgt
        for lang, text in ((src, pair.source), (tgt, pair.target)):
            parts.append(f'<tuv xml:lang="{escape_attr(lang)}"><seg>'
                         f"{segment_xml(text, plain=self.plain)}</seg></tuv>")
        parts.append("</tu>\n")
        raw = "".join((pair.id, pair.source, pair.target, pair.note or "", pair.created_by,
                       pair.changed_by or "", pair.document.name, src, tgt))
        if not raw.isprintable():  # a fast no; props were checked when first formatted
            self._check(pair, raw)
        return "".join(parts)

    def _check(self, pair: Pair, text: str) -> str:
        """The text, unless it holds a character XML 1.0 cannot hold."""
        bad = _NOT_XML.search(text)
        if bad:
            raise DataFormatError(self.out, None, f"pair {pair.id} holds "
                                  f"U+{ord(bad.group()):04X}, which XML cannot; remove it "
                                  "from the text, or export the pair as jsonl")
        return text

    def _props(self, pair: Pair, parts: list[str]) -> None:
        """``x-FIELD`` props: the document's name (its record is in the header) and every
        field that differs from the `Pair` default."""
        doc = pair.document
        parts.append(f'<prop type="x-document">{escape_text(doc.name)}</prop>')
        if self.docs.get(doc.name) != doc:  # not described in the header: carried here
            for key, attr in _DOC_FIELDS.items():
                value = getattr(doc, attr)
                if value is not None and value != ():
                    carried = f'<prop type="x-{key}">{escape_text(_text(value))}</prop>'
                    parts.append(self._check(pair, carried))
        cache = self.props
        for name, default in _DEFAULTS:
            value = getattr(pair, name)
            if value is None or value == default:
                continue
            xml = cache.get((name, value))
            if xml is None:
                xml = f'<prop type="x-{name}">{escape_text(_text(value))}</prop>'
                self._check(pair, xml)
                if len(cache) < _CACHE_SIZE:
                    cache[(name, value)] = xml
            parts.append(xml)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, tuple):
        if all(v.__class__ is int for v in value):
            return str(list(value))  # what json.dumps writes, faster
        return json.dumps(list(value), ensure_ascii=False)
    return repr(value)  # a float's repr reads back as the same float


def tmx_date(iso: str | None) -> str | None:
    """An ISO 8601 date as TMX writes dates (``20261130T080513Z``, UTC), None if unparsable.

    Args:
        iso: ``2026-11-30T08:05:13.000+00:00`` or any form `datetime.fromisoformat` reads; a
            date without a zone counts as UTC.
    """
    if not iso:
        return None
    if len(iso) >= 25 and iso.endswith("+00:00") and iso[10] == "T":  # how diglot stores
        digits = f"{iso[0:4]}{iso[5:7]}{iso[8:10]}{iso[11:13]}{iso[14:16]}{iso[17:19]}"
        if digits.isascii() and digits.isdigit():
            return f"{digits[:8]}T{digits[8:]}Z"
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return when.strftime("%Y%m%dT%H%M%SZ")


def _iso_date(tmx: str | None) -> str | None:
    """A TMX date (``YYYYMMDDThhmmssZ``) as diglot stores dates, None if unparsable."""
    if not tmx:
        return None
    try:
        when = datetime.strptime(tmx, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return when.isoformat(timespec="milliseconds")
