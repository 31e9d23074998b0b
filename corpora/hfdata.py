"""Hugging Face datasets export: Parquet, a ``save_to_disk`` copy and a dataset card.

``{out}/data/train-00000-of-00001.parquet`` holds ``id``, ``translation``
(``datasets.Translation``: ``{"fr": ..., "en": ...}``) and every provenance field as its own
column, with the ``datasets.Features`` schema in the file's metadata, so
``load_dataset("parquet", ...)`` and the Hub give back the same features. ``{out}/disk/`` is
``Dataset.save_to_disk`` of the same rows (for ``load_from_disk``); ``{out}/README.md`` is the
dataset card: the YAML block the Hub reads (licence, languages, task, size, ``configs``) and a
body naming the sources, licences, attribution, engines and how much a person reviewed.

Rows go to Parquet and to an Arrow stream file in batches, built as pyarrow columns directly,
so memory stays bounded by one batch; ``save_to_disk`` then copies the memory-mapped stream.
``datasets`` and ``pyarrow`` are imported inside the functions (nothing heavy at import).
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpora.pairs import PROVENANCE_FIELDS, ExportHeader, Pair
from diglot.errors import ConfigError

PARQUET = "data/train-00000-of-00001.parquet"
_LISTS = {"authors": "string", "sentences": "int64", "target_sentences": "int64",
          "reviewers": "string", "flags": "string"}
_TYPES = {"paragraph": "int64", "align_score": "float64"}

#: Licence ids the Hub knows (huggingface.co/docs/hub/repositories-licenses) that are
#: lower-cased SPDX ids, or the Hub's name for a family of them.
HUB_LICENSES = frozenset((
    "apache-2.0", "mit", "afl-3.0", "artistic-2.0", "bsl-1.0", "bsd-2-clause", "bsd-3-clause",
    "bsd-3-clause-clear", "cc0-1.0", "cc-by-2.0", "cc-by-2.5", "cc-by-3.0", "cc-by-4.0",
    "cc-by-sa-3.0", "cc-by-sa-4.0", "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0",
    "cc-by-nd-4.0", "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0",
    "cc-by-nc-sa-4.0", "cdla-sharing-1.0", "cdla-permissive-1.0", "cdla-permissive-2.0", "wtfpl",
    "ecl-2.0", "epl-1.0", "epl-2.0", "etalab-2.0", "eupl-1.1", "eupl-1.2", "agpl-3.0", "gfdl",
    "gpl-2.0", "gpl-3.0", "lgpl-2.1", "lgpl-3.0", "isc", "lppl-1.3c", "ms-pl", "mpl-2.0",
    "odc-by", "odbl", "osl-3.0", "postgresql", "ofl-1.1", "ncsa", "unlicense", "zlib", "pddl",
))
_HUB_ALIASES = {"odc-by-1.0": "odc-by", "odbl-1.0": "odbl", "pddl-1.0": "pddl"}
_SIZES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
          (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"),
          (1_000_000_000, "100M<n<1B"))


def features(src: str, tgt: str) -> Any:
    """The ``datasets.Features`` of an export: id, translation, provenance columns."""
    import datasets

    string = datasets.Value("string")
    listing = getattr(datasets, "List", None) or datasets.Sequence  # List: datasets >= 4
    cols: dict[str, Any] = {"id": string,
                            "translation": datasets.Translation(languages=[src, tgt])}
    for name in PROVENANCE_FIELDS:
        if name in _LISTS:
            cols[name] = listing(datasets.Value(_LISTS[name]))
        else:
            cols[name] = datasets.Value(_TYPES.get(name, "string"))
    return datasets.Features(cols)


@dataclass
class _Stats:
    """What the card counts while the rows stream past."""

    total: int = 0
    status: Counter[str] = field(default_factory=Counter)
    engines: Counter[tuple[str, str | None]] = field(default_factory=Counter)
    documents: Counter[str] = field(default_factory=Counter)

    def add(self, pairs: list[Pair], columns: dict[str, list[Any]]) -> None:
        self.total += len(pairs)
        self.status.update(columns["status"])
        self.engines.update(zip(columns["engine"], columns["model"], strict=True))
        self.documents.update(p.document.name for p in pairs)


_DOC_ATTRS = {"document": "name", "title": "title", "authors": "authors",
              "source_ref": "source", "license": "license", "source_license": "source_license",
              "translation_license": "translation_license", "attribution": "attribution"}


def _columns(pairs: list[Pair]) -> dict[str, list[Any]]:
    """The non-document columns of `pairs` as Python lists (tuples for list fields)."""
    names = ["id", "source", "target"] + [n for n in PROVENANCE_FIELDS if n not in _DOC_ATTRS]
    return {name: [getattr(p, name) for p in pairs] for name in names}


def _list_array(values: list[tuple[Any, ...]], kind: Any) -> Any:
    """A list<kind> array from tuples, built from flat values and offsets (no nesting)."""
    import pyarrow as pa

    offsets = [0, *itertools.accumulate(map(len, values))]
    flat = pa.array(list(itertools.chain.from_iterable(values)), kind.value_type)
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), flat, type=kind)


def _batch(pairs: list[Pair], columns: dict[str, list[Any]], src: str, tgt: str,
           schema: Any) -> Any:
    """One pyarrow RecordBatch of `pairs` in `schema` order. Document columns are built once
    per document and repeated with ``take``."""
    import pyarrow as pa

    index: dict[int, int] = {}
    docs = [p.document for p in pairs]
    rows = [index.setdefault(id(d), len(index)) for d in docs]
    unique = list({id(d): d for d in docs}.values())
    take = pa.array(rows, pa.int32())

    def array(name: str) -> Any:
        kind = schema.field(name).type
        if name in _DOC_ATTRS:
            values = [getattr(d, _DOC_ATTRS[name]) for d in unique]
            return pa.array(values, kind).take(take)
        if pa.types.is_list(kind):
            return _list_array(columns[name], kind)
        return pa.array(columns[name], kind)

    struct = schema.field("translation").type
    texts = {src: columns["source"], tgt: columns["target"]}
    arrays = [array("id"), pa.StructArray.from_arrays(
        [pa.array(texts[f.name], pa.string()) for f in struct], fields=list(struct))]
    arrays += [array(name) for name in PROVENANCE_FIELDS]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def write_hf(pairs: Iterable[Pair], out: Path, header: ExportHeader, *,
             pretty_name: str | None = None, batch_size: int = 10_000) -> int:
    """Export pairs as a Hugging Face dataset folder: Parquet, save_to_disk and card.

    Args:
        pairs: The pairs, in row order.
        out: The folder to create (an existing one is replaced once the new one is complete).
        header: Languages, documents, licence and attribution for the card and columns.
        pretty_name: The card's title (default: from the documents' titles).
        batch_size: Rows per Parquet row group and per Arrow batch (memory is one batch).

    Returns:
        The number of pairs written.

    Raises:
        ConfigError: The source and target languages are the same code, or no pairs.
    """
    import datasets
    import pyarrow as pa
    import pyarrow.parquet as pq

    if header.src_lang.lower() == header.tgt_lang.lower():
        raise ConfigError(f"source and target language are both {header.src_lang!r}; the "
                          "translation column is keyed by language, so they must differ")
    feats = features(header.src_lang, header.tgt_lang)
    schema = feats.arrow_schema
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(6)}.tmp")
    stats = _Stats()
    try:
        (tmp / "data").mkdir(parents=True)
        stream = tmp / "stream.arrow"
        with pq.ParquetWriter(tmp / PARQUET, schema) as parquet, \
                pa.OSFile(str(stream), "wb") as sink, pa.ipc.new_stream(sink, schema) as arrow:
            it = iter(pairs)
            while chunk := list(itertools.islice(it, batch_size)):
                columns = _columns(chunk)
                batch = _batch(chunk, columns, header.src_lang, header.tgt_lang, schema)
                parquet.write_batch(batch)
                arrow.write_batch(batch)
                stats.add(chunk, columns)
        if not stats.total:  # datasets 5.2 cannot load an empty save_to_disk folder
            raise ConfigError(f"{out}: no pairs to export; a Hugging Face dataset needs at "
                              "least one row")
        info = datasets.DatasetInfo(description=_title(header, pretty_name),
                                    license=header.license or "", features=feats)
        dataset = datasets.Dataset.from_file(str(stream), info=info,
                                             split=datasets.Split.TRAIN)
        _quietly(dataset.save_to_disk, str(tmp / "disk"))
        del dataset
        stream.unlink()
        (tmp / "README.md").write_text(dataset_card(header, stats, pretty_name),
                                       encoding="utf-8")
        _replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return stats.total


def _quietly(call: Any, *args: Any) -> None:
    """Run `call` without datasets' progress bars (the CLI shows its own)."""
    import datasets

    was_off = datasets.are_progress_bars_disabled()
    datasets.disable_progress_bars()
    try:
        call(*args)
    finally:
        if not was_off:
            datasets.enable_progress_bars()


def _replace_dir(new: Path, out: Path) -> None:
    """Put folder `new` at `out`; an existing `out` is moved aside first, then removed."""
    if not out.exists():
        os.replace(new, out)
        return
    old = out.with_name(f".{out.name}.{secrets.token_hex(6)}.old")
    os.replace(out, old)
    os.replace(new, out)
    shutil.rmtree(old, ignore_errors=True)


def hub_license(expression: str | None) -> dict[str, Any]:
    """The card's licence keys for an SPDX expression, as the Hub reads them.

    Every id the Hub knows → ``license: id`` (a list for a compound expression); otherwise
    ``license: other`` with ``license_name`` (the expression, lower-cased, dashed) and
    ``license_link`` (its SPDX page, when it is an SPDX id); None → ``unknown``.
    """
    if not expression:
        return {"license": "unknown"}
    ids = _license_ids(expression)
    hub = [_hub_id(i) for i in ids]
    if ids and all(hub):
        return {"license": hub[0] if len(hub) == 1 else hub}
    name = re.sub(r"[^a-z0-9.]+", "-", expression.lower()).strip("-")
    keys: dict[str, Any] = {"license": "other", "license_name": name}
    spdx = [i for i, h in zip(ids, hub, strict=True) if not h and not i.startswith("LicenseRef")]
    if spdx:
        keys["license_link"] = f"https://spdx.org/licenses/{spdx[0]}.html"
    return keys


def _license_ids(expression: str) -> list[str]:
    tokens = re.findall(r"[A-Za-z0-9.+\-:]+", expression)
    ids, after_with = [], False
    for token in tokens:
        if token.upper() in ("AND", "OR", "WITH"):
            after_with = token.upper() == "WITH"
        elif not after_with:
            ids.append(token)
    return ids


def _hub_id(spdx: str) -> str | None:
    low = re.sub(r"(-only|-or-later|\+)$", "", spdx.lower())
    low = _HUB_ALIASES.get(low, low)
    if low.startswith("gfdl-"):
        low = "gfdl"
    return low if low in HUB_LICENSES else None


def size_category(count: int) -> str:
    """The Hub's ``size_categories`` bucket for `count` rows."""
    for limit, name in _SIZES:
        if count < limit:
            return name
    return "n>1B"


def _title(header: ExportHeader, pretty_name: str | None) -> str:
    if pretty_name:
        return pretty_name
    titles = [d.title or d.name for d in header.documents]
    what = titles[0] if len(titles) == 1 else "diglot parallel corpus"
    return f"{what} ({header.src_lang}–{header.tgt_lang})"


def dataset_card(header: ExportHeader, stats: _Stats, pretty_name: str | None = None) -> str:
    """The README.md of an export: the Hub's YAML block, then sources, engines and review."""
    import yaml

    title = _title(header, pretty_name)
    meta = {**hub_license(header.license),
            "language": [_lang(header.src_lang), _lang(header.tgt_lang)],
            # the Hub's language list takes ISO 639 codes; full BCP 47 tags go in details
            **({"language_details": [header.src_lang, header.tgt_lang]}
               if _lang(header.src_lang) != header.src_lang
               or _lang(header.tgt_lang) != header.tgt_lang else {}),
            "multilinguality": ["translation"],
            "task_categories": ["translation"],
            "size_categories": [size_category(stats.total)],
            "pretty_name": title,
            "configs": [{"config_name": "default",
                         "data_files": [{"split": "train", "path": "data/train-*.parquet"}]}]}
    lines = ["---", yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).rstrip(), "---",
             "", f"# {title}", "",
             f"{stats.total} {header.src_lang}→{header.tgt_lang} translation pairs exported by "
             f"diglot {header.tool_version} on {header.created_at}. Licence: "
             f"{header.license or 'none given (unlicensed)'}.", "", "## Sources", ""]
    for doc in header.documents:
        lines += [f"- **{doc.title or doc.name}** (`{doc.name}`, "
                  f"{stats.documents.get(doc.name, 0)} pairs)",
                  f"  - authors: {', '.join(doc.authors) or 'not given'}",
                  f"  - source: {doc.source or 'not given'}",
                  f"  - original licence: {doc.source_license or 'not given'}; "
                  f"translation licence: {doc.translation_license or 'not given'}",
                  f"  - attribution: {doc.attribution or 'not given'}"]
    credits = [f"- {line}" for line in header.attribution.splitlines() if line.strip()]
    lines += ["", "## Attribution", "", *(credits or ["None given."]), "",
              "## Engines", "", "| engine | model | pairs |", "|---|---|---:|"]
    lines += [f"| {_cell(e)} | {_cell(m or '—')} | {n} |"
              for (e, m), n in sorted(stats.engines.items(), key=_engine_order)]
    lines += ["", "## Review status", "", "| status | pairs |", "|---|---:|"]
    lines += [f"| {s} | {stats.status.get(s, 0)} |" for s in ("machine", "edited", "confirmed")]
    lines += ["", "`machine`: engine output nobody touched; `edited`: a person changed it; "
              "`confirmed`: a person confirmed it. Every row carries its own provenance "
              "(document, licence, engine, model, reviewers, dates, QA flags).", ""]
    return "\n".join(lines)


def _lang(code: str) -> str:
    return code.replace("_", "-").split("-", 1)[0].lower()


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _engine_order(item: tuple[tuple[str, str | None], int]) -> tuple[str, str]:
    return item[0][0], item[0][1] or ""
