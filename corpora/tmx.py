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
import re
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lxml import etree

from corpora.pairs import DocumentMeta, ExportHeader, Pair
from corpora.textio import atomic_output
from corpora.tmx_inline import escape_attr, escape_text, segment_xml
from corpora.xmlout import write_chunks
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
    unit = _UnitWriter(header, plain, out)
    with atomic_output(out, binary=True) as stream:
        stream.write(('<?xml version="1.0" encoding="UTF-8"?>\n'
                      '<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n<tmx version="1.4">\n'
                      f"{_header_xml(header, plain, out)}\n<body>\n").encode())
        count = write_chunks(stream, pairs, unit, unit.careful)
        stream.write(b"</body>\n</tmx>\n")
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
#: Entries a formatting cache holds before it starts again (each a few hundred bytes).
_CACHE_SIZE = 4096


class _UnitWriter:
    """Formats ``<tu>`` lines as strings (lxml elements cost five times more per pair).

    A unit's props come in runs whose values repeat from pair to pair: the run's engine,
    model, version, decoding and glossary; the status and reviewers; who made and changed the
    pair and when (the ``tu`` attributes too); the section; the flags. Each run is formatted
    once, kept in a bounded cache, and a pair costs a few dictionary look-ups plus what is its
    own (id, texts, positions, score). Characters XML cannot hold are looked for once a chunk
    (`corpora.xmlout`); `careful` names the pair that holds one.
    """

    def __init__(self, header: ExportHeader, plain: bool, out: Path) -> None:
        self.docs = {doc.name: doc for doc in header.documents}
        self.src, self.tgt, self.plain, self.out = header.src_lang, header.tgt_lang, plain, out
        self.doc: DocumentMeta | None = None
        self.doc_xml = ""
        self.langs: dict[tuple[str, str], tuple[str, str]] = {}
        self.sections: dict[str, str] = {}
        self.methods: dict[str | None, str] = {}
        self.runs: dict[tuple[Any, ...], str] = {}
        self.reviews: dict[tuple[Any, ...], str] = {}
        self.people: dict[tuple[Any, ...], tuple[str, str]] = {}
        self.flags: dict[tuple[str, ...], str] = {}

    def __call__(self, pair: Pair) -> str:
        v = pair.__dict__  # faster than attribute access, ~25 fields a pair
        if pair.document is not self.doc:
            self._document(pair.document)
        key: tuple[Any, ...] = (v["created_by"], v["created_at"], v["changed_by"],
                                v["changed_at"])
        people = self.people.get(key) or _remember(self.people, key, _people_xml(*key))
        section = v["section"]
        section_xml = (self.sections.get(section) or _remember(
            self.sections, section, _prop("section", section))) if section else ""
        method = v["align_method"]
        method_xml = (self.methods.get(method) or _remember(
            self.methods, method, _prop("align_method", method))) if method is not None else ""
        key = (v["engine"], v["model"], v["engine_version"], v["decoding"],
               v["glossary_version"])
        run = self.runs.get(key) or _remember(self.runs, key, _run_xml(*key))
        key = (v["status"], v["reviewers"])
        review = self.reviews.get(key) or _remember(self.reviews, key, _review_xml(*key))
        flags = v["flags"]
        flags_xml = (self.flags.get(flags) or _remember(
            self.flags, flags, _prop("flags", flags))) if flags else ""
        langs = (v["src_lang"] or self.src, v["tgt_lang"] or self.tgt)
        tuv = self.langs.get(langs) or _remember(self.langs, langs, _tuv_xml(*langs))
        note, paragraph, score = v["note"], v["paragraph"], v["align_score"]
        return "".join((
            f'<tu tuid="{escape_attr(v["id"])}"', people[0], ">",
            f"<note>{escape_text(note)}</note>" if note else "", self.doc_xml, section_xml,
            "" if paragraph is None or paragraph == 0 else
            f'<prop type="x-paragraph">{paragraph}</prop>' if paragraph.__class__ is int
            else _prop("paragraph", paragraph),
            _positions("sentences", v["sentences"]),
            _positions("target_sentences", v["target_sentences"]), method_xml,
            "" if score is None else f'<prop type="x-align_score">{score!r}</prop>'
            if score.__class__ is float else _prop("align_score", score),
            run, review, people[1], flags_xml, tuv[0],
            segment_xml(v["source"], plain=self.plain), tuv[1],
            segment_xml(v["target"], plain=self.plain), "</seg></tuv></tu>\n"))

    def careful(self, pair: Pair) -> str:
        """The unit, unless it holds a character XML 1.0 cannot hold."""
        unit = self(pair)
        bad = _NOT_XML.search(unit)
        if bad:
            raise DataFormatError(self.out, None, f"pair {pair.id} holds "
                                  f"U+{ord(bad.group()):04X}, which XML cannot; remove it "
                                  "from the text, or export the pair as jsonl")
        return unit

    def _document(self, doc: DocumentMeta) -> None:
        """The ``x-document`` prop: the document's name (its record is in the header), and
        its fields when the header does not describe it."""
        parts = [_prop("document", doc.name)]
        if self.docs.get(doc.name) != doc:  # not described in the header: carried here
            parts += [_prop(key, getattr(doc, attr)) for key, attr in _DOC_FIELDS.items()
                      if getattr(doc, attr) not in (None, ())]
        self.doc, self.doc_xml = doc, "".join(parts)


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> Any:
    if len(cache) >= _CACHE_SIZE:  # bounded: start again rather than grow with the corpus
        cache.clear()
    cache[key] = value
    return value


def _prop(name: str, value: Any) -> str:
    return f'<prop type="x-{name}">{escape_text(_text(value))}</prop>'


def _positions(name: str, value: Any) -> str:
    if value is None or value == ():
        return ""
    if len(value) == 1 and value[0].__class__ is int:
        return f'<prop type="x-{name}">[{value[0]}]</prop>'
    return _prop(name, value)


def _people_xml(created_by: str, created_at: str, changed_by: str | None,
                changed_at: str | None) -> tuple[str, str]:
    """The ``tu`` attributes and the props for who made and changed a pair, and when."""
    attrs = []
    for attr, value in (("creationid", created_by), ("changeid", changed_by)):
        if value:
            attrs.append(f' {attr}="{escape_attr(value)}"')
    for attr, value in (("creationdate", created_at), ("changedate", changed_at)):
        date = tmx_date(value)
        if date:
            attrs.append(f' {attr}="{date}"')
    props = [_prop(name, value) for name, value, default in (
        ("created_by", created_by, ""), ("created_at", created_at, ""),
        ("changed_by", changed_by, None), ("changed_at", changed_at, None))
        if value is not None and value != default]
    return "".join(attrs), "".join(props)


def _run_xml(engine: str, model: str | None, version: str | None, decoding: str,
             glossary: str | None) -> str:
    """Props for the engine, model, version, decoding and glossary (the engine always)."""
    return "".join(_prop(name, value) for name, value in (
        ("engine", engine), ("model", model), ("engine_version", version),
        ("decoding", None if decoding == "{}" else decoding), ("glossary_version", glossary))
        if value is not None)


def _review_xml(status: str, reviewers: tuple[str, ...]) -> str:
    return ((_prop("status", status) if status is not None else "")
            + (_prop("reviewers", reviewers) if reviewers is not None and reviewers != ()
               else ""))


def _tuv_xml(src: str, tgt: str) -> tuple[str, str]:
    return (f'<tuv xml:lang="{escape_attr(src)}"><seg>',
            f'</seg></tuv><tuv xml:lang="{escape_attr(tgt)}"><seg>')


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
