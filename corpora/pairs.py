"""Records of a published bitext: a document's provenance and licence, and one translation pair
with its provenance. Every corpus writer (TMX, XLIFF, Moses, TSV/JSONL, Hugging Face datasets)
takes an iterator of `Pair` and every reader yields them, so export and import meet here.

Dates are ISO 8601 strings in UTC (``2026-11-30T08:05:13.000+00:00``); writers convert them to
their format's own form (TMX: ``20261130T080513Z``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from typing import Any

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
        """The licence its pairs are published under: the translation's, else the original's."""
        return self.translation_license or self.source_license


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


_PAIR_FIELDS = {f.name for f in fields(Pair)}
_DOC_KEYS = {"document": "name", "title": "title", "authors": "authors",
             "source_ref": "source", "source_license": "source_license",
             "translation_license": "translation_license", "attribution": "attribution"}


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
    doc_values: dict[str, Any] = {}
    for key, attr in _DOC_KEYS.items():
        value = record.get(key)
        if value is not None:
            doc_values[attr] = _tuple(value, str) if attr == "authors" else str(value)
    doc_values.setdefault("name", "")
    cache_key = tuple(sorted(doc_values.items()))
    doc = documents.get(cache_key) if documents is not None else None
    if doc is None:
        doc = DocumentMeta(**doc_values)
        if documents is not None:
            documents[cache_key] = doc
    values: dict[str, Any] = {}
    for key, value in record.items():
        if key not in _PAIR_FIELDS or key in ("document", "id", "source", "target") \
                or value is None:
            continue
        if key in ("sentences", "target_sentences"):
            value = _tuple(value, int)
        elif key in ("reviewers", "flags"):
            value = _tuple(value, str)
        elif key == "paragraph":
            value = int(value)
        elif key == "align_score":
            value = float(value) if value != "" else None
        elif key == "decoding" and not isinstance(value, str):
            value = json.dumps(value, sort_keys=True, separators=(",", ":"))
        values[key] = value
    return Pair(pair_id, doc, str(record.get("src_lang", "")), str(record.get("tgt_lang", "")),
                source, target, **{k: v for k, v in values.items()
                                   if k not in ("src_lang", "tgt_lang")})


def _tuple(value: Any, kind: type) -> tuple[Any, ...]:
    if isinstance(value, str):
        value = json.loads(value) if value.startswith("[") else [value] if value else []
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"expected a list, got {value!r}")
    return tuple(kind(v) for v in value)


def with_document(pair: Pair, document: DocumentMeta) -> Pair:
    """The same pair under another document record (an import's --document/--license)."""
    return replace(pair, document=document)
