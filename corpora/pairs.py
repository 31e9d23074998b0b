"""Records of a published bitext: a document's provenance and licence, and one translation pair
with its provenance. Every corpus writer (TMX, XLIFF, Moses, TSV/JSONL, Hugging Face datasets)
takes an iterator of `Pair` and every reader yields them, so export and import meet here.

Dates are ISO 8601 strings in UTC (``2026-11-30T08:05:13.000+00:00``); writers convert them to
their format's own form (TMX: ``20261130T080513Z``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from typing import Any

from diglot.errors import DiglotError


@lru_cache(maxsize=512)
def language_key(code: str) -> str:
    """What two language tags must share to name the same language: the primary subtag, as
    ISO 639-1 where there is one (``spa``, ``es-ES`` and ``ES`` all give ``es``)."""
    primary = code.strip().replace("_", "-").split("-", 1)[0].lower()
    from translate.langs import resolve

    try:
        return resolve(primary).code.split("-")[0] if primary else ""
    except DiglotError:
        return primary


#: Review states of a pair, from the least to the most checked: ``machine`` (an engine's text
#: nobody touched), ``edited`` (a person changed the text), ``confirmed`` (a person confirmed it).
STATUSES = ("machine", "edited", "confirmed")


@dataclass(frozen=True)
class DocumentMeta:
    """Whose text a document is and under what terms it may be shared.

    Attributes:
        name: The document's name in the store (e.g. ``ensayo.es.md``).
        title: Its title.
        authors: Its authors, in order.
        source: Where it comes from: a URL or a citation.
        source_license: The original's licence as an SPDX expression (``CC-BY-SA-4.0``).
        translation_license: The translation's licence as an SPDX expression.
        attribution: The credit line a re-user must give.
    """

    name: str
    title: str | None = None
    authors: tuple[str, ...] = ()
    source: str | None = None
    source_license: str | None = None
    translation_license: str | None = None
    attribution: str | None = None

    @property
    def license(self) -> str | None:
        """The licence its pairs are published under: a pair holds the original's text and
        the translation's, so both licences (joined with AND when they differ), else the one
        given."""
        if self.source_license and self.translation_license \
                and self.source_license != self.translation_license:
            return f"{_grouped(self.source_license)} AND {_grouped(self.translation_license)}"
        return self.translation_license or self.source_license


def _grouped(expression: str) -> str:
    return f"({expression})" if " OR " in expression else expression


@dataclass(frozen=True)
class Pair:
    """One published translation pair (a bead with text on both sides) and where it comes from.

    Attributes:
        id: Stable id: ``{document}:{first source sentence}`` (``ensayo.es.md:12``), the same
            in every export of the same review state and after a round trip through import.
        document: Provenance of the document it belongs to.
        src_lang: Source language code (``es``).
        tgt_lang: Target language code (``en``).
        source: Source text, with its inline Markdown/HTML.
        target: Target text (the current one: a reviewer's if any, else the engine's).
        section: Text of the heading the pair falls under ("" before the first heading).
        paragraph: Index of its block (paragraph, heading, list item) in the document.
        sentences: Source sentence ids (segment positions in the document), in order.
        target_sentences: Target sentence ids (the machine translation's segment positions).
        align_method: How the pair was aligned (``sentence``, ``vecalign``, ``review``,
            ``import``).
        align_score: Alignment score in [0, 1] (Gale–Church P(length difference) for a run's
            beads), None when unknown.
        engine: Engine that made the machine text (``apertium``, ``transformers``, ``human``
            for a pair a person translated).
        model: Its model (``es-en`` for Apertium, a hub id, a GGUF name), None when none.
        engine_version: The engine's version (``apertium 3.8.3``), None when unknown.
        decoding: Decoding settings as compact JSON with sorted keys (``{"beams": 4}``).
        glossary_version: Version of the glossary the run followed, None when none.
        status: ``machine``, ``edited`` or ``confirmed`` (see `STATUSES`).
        reviewers: People who edited or confirmed it, in the order they first did.
        created_by: Who made the first version: ``engine/model`` or a person's name.
        created_at: When the first version was made.
        changed_by: Who made the last change (an edit or a confirmation), None when none.
        changed_at: When, None when none.
        flags: QA flags as ``check:severity`` (``numbers:error``), sorted.
        note: The engine's note (a retry, a fallback engine), None when none.
    """

    id: str
    document: DocumentMeta
    src_lang: str
    tgt_lang: str
    source: str
    target: str
    section: str = ""
    paragraph: int = 0
    sentences: tuple[int, ...] = ()
    target_sentences: tuple[int, ...] = ()
    align_method: str = "sentence"
    align_score: float | None = None
    engine: str = "human"
    model: str | None = None
    engine_version: str | None = None
    decoding: str = "{}"
    glossary_version: str | None = None
    status: str = "machine"
    reviewers: tuple[str, ...] = ()
    created_by: str = ""
    created_at: str = ""
    changed_by: str | None = None
    changed_at: str | None = None
    flags: tuple[str, ...] = field(default=())
    note: str | None = None

    @property
    def license(self) -> str | None:
        return self.document.license


@dataclass(frozen=True)
class ExportHeader:
    """What a corpus file says about itself as a whole (TMX header, XLIFF root, dataset card).

    Attributes:
        src_lang: Source language code.
        tgt_lang: Target language code.
        documents: Every document the export may hold pairs of.
        license: The file's licence as one SPDX expression, None when unlicensed.
        attribution: The credit lines of all documents, one per line ("" when none).
        tool_version: diglot's version.
        created_at: When the export was made (ISO 8601, UTC).
    """

    src_lang: str
    tgt_lang: str
    documents: tuple[DocumentMeta, ...]
    license: str | None
    attribution: str
    tool_version: str
    created_at: str


_PAIR_FIELDS = tuple(f.name for f in fields(Pair))


def new_pair(*values: Any) -> Pair:
    """A `Pair` from all its field values in order, made without the frozen dataclass's
    per-field ``object.__setattr__`` (10 µs of a million-pair export's budget of 20 µs a pair).
    The result is the same immutable, equal-comparing `Pair`; no field is checked."""
    pair = object.__new__(Pair)
    pair.__dict__.update(zip(_PAIR_FIELDS, values, strict=True))
    return pair


#: Provenance fields of a pair in the order flat formats (TSV, JSONL, Moses sidecar, Parquet)
#: write them, after ``id``, ``source`` and ``target``. Document fields are prefixed ``doc_``
#: except the licences. Tuples are written as JSON lists in TSV and as lists elsewhere.
PROVENANCE_FIELDS: tuple[str, ...] = (
    "src_lang", "tgt_lang", "document", "title", "authors", "source_ref", "license",
    "source_license", "translation_license", "attribution", "section", "paragraph",
    "sentences", "target_sentences", "align_method", "align_score", "engine", "model",
    "engine_version", "decoding", "glossary_version", "status", "reviewers", "created_by",
    "created_at", "changed_by", "changed_at", "flags", "note")


def provenance(pair: Pair) -> dict[str, Any]:
    """A pair's provenance as one flat record, in `PROVENANCE_FIELDS` order (values: str,
    int, float, None, or a list for tuple fields)."""
    doc = pair.document
    return {
        "src_lang": pair.src_lang, "tgt_lang": pair.tgt_lang, "document": doc.name,
        "title": doc.title, "authors": list(doc.authors), "source_ref": doc.source,
        "license": doc.license, "source_license": doc.source_license,
        "translation_license": doc.translation_license, "attribution": doc.attribution,
        "section": pair.section, "paragraph": pair.paragraph,
        "sentences": list(pair.sentences), "target_sentences": list(pair.target_sentences),
        "align_method": pair.align_method, "align_score": pair.align_score,
        "engine": pair.engine, "model": pair.model, "engine_version": pair.engine_version,
        "decoding": pair.decoding, "glossary_version": pair.glossary_version,
        "status": pair.status, "reviewers": list(pair.reviewers),
        "created_by": pair.created_by, "created_at": pair.created_at,
        "changed_by": pair.changed_by, "changed_at": pair.changed_at,
        "flags": list(pair.flags), "note": pair.note,
    }


_DOC_KEYS = ("document", "title", "authors", "source_ref", "source_license",
             "translation_license", "attribution")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _score(value: Any) -> float | None:
    return float(value) if value != "" else None


def _decoding(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True,
                                                            separators=(",", ":"))


def _ints(value: Any) -> tuple[int, ...]:
    return _tuple(value, int)


def _texts(value: Any) -> tuple[str, ...]:
    return _tuple(value, str)


#: Pair field -> how a flat record's value becomes it (the fields after id, document,
#: languages, source and target).
_CONVERT: dict[str, Any] = {
    "section": _text, "paragraph": int, "sentences": _ints, "target_sentences": _ints,
    "align_method": _text, "align_score": _score, "engine": _text, "model": _text,
    "engine_version": _text, "decoding": _decoding, "glossary_version": _text,
    "status": _text, "reviewers": _texts, "created_by": _text, "created_at": _text,
    "changed_by": _text, "changed_at": _text, "flags": _texts, "note": _text,
}


def _document(record: dict[str, Any],
              documents: dict[tuple[Any, ...], DocumentMeta] | None) -> DocumentMeta:
    values = [record.get(key) for key in _DOC_KEYS]
    authors: tuple[str, ...] = _texts(values[2]) if values[2] is not None else ()
    values[2] = authors
    key = tuple(values)
    doc = documents.get(key) if documents is not None else None
    if doc is None:
        name, title, _, source, source_license, translation_license, attribution = [
            v if v is None else str(v) for v in values]
        doc = DocumentMeta(name or "", title, authors, source, source_license,
                           translation_license, attribution)
        if documents is not None:
            documents[key] = doc
    return doc


def from_provenance(pair_id: str, source: str, target: str, record: dict[str, Any],
                    documents: dict[tuple[Any, ...], DocumentMeta] | None = None) -> Pair:
    """The inverse of `provenance`: a pair from its flat record (readers of TSV, JSONL, Moses
    sidecars, TMX props). Missing keys take the `Pair` defaults; ``license`` is derived, so
    it is ignored; unknown keys are ignored.

    Args:
        pair_id: The pair's id.
        source: Source text.
        target: Target text.
        record: Provenance fields (`PROVENANCE_FIELDS` names); tuple fields as lists, or as
            JSON list strings.
        documents: A cache that makes pairs of the same document share one `DocumentMeta`.

    Raises:
        ValueError: a field has the wrong type (the reader adds file and line).
    """
    values = {key: convert(value) for key, convert in _CONVERT.items()
              if (value := record.get(key)) is not None}
    return Pair(pair_id, _document(record, documents), _text(record.get("src_lang", "")),
                _text(record.get("tgt_lang", "")), source, target, **values)


def _tuple(value: Any, kind: type) -> tuple[Any, ...]:
    if isinstance(value, str):
        value = json.loads(value) if value.startswith("[") else [value] if value else []
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"expected a list, got {value!r}")
    return tuple(kind(v) for v in value)


def with_document(pair: Pair, document: DocumentMeta) -> Pair:
    """The same pair under another document record (an import's --document/--license)."""
    return replace(pair, document=document)
