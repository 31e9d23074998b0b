"""``diglot export``: a project store's current bitexts out as a corpus file, with provenance and
licence on every pair.

The export reads one snapshot of the store (a read transaction: a review server may go on
writing), checks the licences before anything is written, streams the pairs through the
review-status and score selection and the chosen filters, and hands them to the format's writer,
which writes to a temporary file and renames it when done.
"""

from __future__ import annotations

import importlib
import itertools
import shlex
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from corpora.meta import (
    attribution_text,
    combined_license,
    load_meta,
    no_derivatives,
    normalise_license,
    same_license,
)
from corpora.pairs import DocumentMeta, ExportHeader, Pair
from corpora.provenance import BitextRef, current_bitexts, store_pairs
from corpora.schema import migrate, require_store
from diglot.errors import ConfigError, StoreError

#: Format name -> "module:function" of its writer (imported only when used).
WRITERS: dict[str, str] = {
    "tmx": "corpora.tmx:write_tmx",
    "xliff": "corpora.xliff:write_xliff",
    "moses": "corpora.tabular:write_moses",
    "tsv": "corpora.tabular:write_tsv",
    "jsonl": "corpora.tabular:write_jsonl",
    "hf": "corpora.hfdata:write_hf",
}
#: Which review states each ``--status`` keeps.
STATUS_SELECTION = {"any": {"machine", "edited", "confirmed"},
                    "edited": {"edited", "confirmed"}, "confirmed": {"confirmed"}}


@dataclass(frozen=True)
class ExportOptions:
    """What to export and how (the options of ``diglot export``)."""

    store: Path
    format: str
    out: Path
    status: str = "any"
    min_score: float | None = None
    documents: tuple[str, ...] = ()
    license: str | None = None
    src_lang: str | None = None
    tgt_lang: str | None = None
    filters: str = ""
    allow_unlicensed: bool = False
    plain: bool = False


@dataclass
class ExportReport:
    """What an export wrote and what it left out.

    Attributes:
        written: Pairs written.
        considered: Pairs read from the store.
        removed: Pairs left out, by reason (``status``, each filter's name), in order.
        by_status: Pairs written, by review status.
        documents: Names of the documents exported.
        license: The file's licence, None when unlicensed.
        src_lang: Source language.
        tgt_lang: Target language.
        changed: Pairs written with a change the format forced, by kind (``flattened``: a
            line break or tab in a Moses line became a space).
    """

    written: int = 0
    considered: int = 0
    removed: dict[str, int] = field(default_factory=dict)
    by_status: Counter[str] = field(default_factory=Counter)
    documents: list[str] = field(default_factory=list)
    license: str | None = None
    src_lang: str = ""
    tgt_lang: str = ""
    changed: Counter[str] = field(default_factory=Counter)


def _connect(path: Path) -> sqlite3.Connection:
    if not path.is_file():  # connecting would create it
        raise StoreError(f"{path}: no such project store; give the diglot.db a `diglot run` "
                         "wrote (by default in its output folder)")
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        require_store(conn, path)
        migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _select(refs: list[BitextRef], opts: ExportOptions) -> list[BitextRef]:
    """The bitexts the options choose; one language pair."""
    if not refs:
        raise ConfigError(f"{opts.store}: the store has no aligned bitext to export; run "
                          "`diglot run` (or `diglot import`) into it first")
    chosen = refs
    if opts.documents:
        names = {r.document for r in refs}
        unknown = [d for d in opts.documents if d not in names]
        if unknown:
            raise ConfigError(f"{opts.store}: no document named {', '.join(unknown)}; the store "
                              f"has {', '.join(sorted(names))}")
        chosen = [r for r in refs if r.document in opts.documents]
    if opts.src_lang:
        chosen = [r for r in chosen if r.src_lang == opts.src_lang]
    if opts.tgt_lang:
        chosen = [r for r in chosen if r.tgt_lang == opts.tgt_lang]
    if not chosen:
        raise ConfigError(f"{opts.store}: no bitext in {opts.src_lang or '*'}-"
                          f"{opts.tgt_lang or '*'}; the store has "
                          f"{', '.join(sorted({f'{r.src_lang}-{r.tgt_lang}' for r in refs}))}")
    return chosen


def _one_pair(refs: list[BitextRef], opts: ExportOptions) -> None:
    pairs = sorted({f"{r.src_lang}-{r.tgt_lang}" for r in refs})
    if len(pairs) > 1:
        raise ConfigError(f"{opts.store}: the selection holds several language pairs "
                          f"({', '.join(pairs)}); a corpus file holds one: add --from and "
                          "--target-lang")


def _licensed(metas: dict[str, DocumentMeta], opts: ExportOptions) -> dict[str, DocumentMeta]:
    """The documents whose licence allows this export, or an error that says what to do."""
    if opts.license is not None:
        wanted = normalise_license(opts.license, "--license")
        chosen = {n: m for n, m in metas.items() if m.license and same_license(m.license, wanted)}
        if not chosen:
            held = ", ".join(f"{n} ({m.license or 'no licence'})" for n, m in metas.items())
            raise ConfigError(f"no document is under {wanted}: {held}")
    else:
        chosen = metas
        missing = [n for n, m in metas.items() if not m.license]
        if missing and not opts.allow_unlicensed:
            raise ConfigError(
                f"{len(missing)} document(s) have no licence: {', '.join(missing[:5])}"
                f"{' …' if len(missing) > 5 else ''}; set it with `diglot meta {opts.store} "
                f"{shlex.quote(missing[0])} --license SPDX` (or `license:` in the file's front "
                "matter), or pass --allow-unlicensed to publish them without one")
    forbidden = [n for n, m in chosen.items() if no_derivatives(m)]
    if forbidden:
        raise ConfigError(
            f"{', '.join(forbidden)}: the original's licence ({chosen[forbidden[0]].source_license}"
            ") forbids adaptations, and a translation is one; publish it only with the rights "
            f"holder's permission, recorded as `diglot meta {opts.store} "
            f"{shlex.quote(forbidden[0])} --translation-license SPDX`, or leave it out with "
            "--document or --license")
    combined_license(chosen.values())  # raises when they may not share a file
    return chosen


#: What a Hugging Face export folder holds: an existing folder is replaced only when it holds
#: nothing else (a previous export), so `--out` can never empty a folder of other files.
HF_ENTRIES = frozenset({"README.md", "data", "disk"})


def check_output(out: Path, fmt: str, store: Path) -> Path:
    """Where an export may write, or an error that says why not (before anything is read).

    A file format writes a regular file (an existing one is replaced when the export is
    complete); ``hf`` writes a folder that does not exist, or one a previous ``hf`` export
    made. Missing parent folders are created.

    Raises:
        ConfigError: ``out`` is a folder (file formats), a file (hf), a folder holding other
            files or the store itself, a symlink, or a device or other special file.
    """
    if out.is_symlink():
        raise ConfigError(f"{out}: is a symbolic link; give the path of a new or regular file")
    resolved = out.resolve()
    if fmt == "hf":
        if resolved.exists() and not resolved.is_dir():
            raise ConfigError(f"{out}: exists and is not a folder; --to hf writes a folder "
                              "(README.md, data/, disk/): give a new folder name")
        if store.resolve().is_relative_to(resolved):
            raise ConfigError(f"{out}: holds the project store; give a new folder for the "
                              f"dataset, e.g. --out {resolved.name}-hf")
        if resolved.is_dir():
            others = sorted(p.name for p in resolved.iterdir() if p.name not in HF_ENTRIES)
            if others:
                raise ConfigError(f"{out}: the folder holds other files ({', '.join(others[:3])}"
                                  f"{' …' if len(others) > 3 else ''}); --to hf replaces the "
                                  "whole folder: give a new or empty one")
    elif resolved.is_dir():
        raise ConfigError(f"{out}: is a folder; give a file name, e.g. {out / ('corpus.' + fmt)}")
    elif resolved.exists() and not resolved.is_file():
        raise ConfigError(f"{out}: is not a regular file (a device or pipe); give a file path")
    resolved.parent.mkdir(parents=True, exist_ok=True)
    return resolved


def _writer(name: str) -> Callable[..., int]:
    if name not in WRITERS:
        raise ConfigError(f"unknown format {name!r}; choose one of {', '.join(WRITERS)}")
    module, func = WRITERS[name].split(":")
    writer: Callable[..., int] = getattr(importlib.import_module(module), func)
    return writer


def _counted(pairs: Iterable[Pair], report: ExportReport, keep: Callable[[Pair], bool],
             reason: str) -> Iterator[Pair]:
    removed = report.removed.setdefault(reason, 0)
    for pair in pairs:
        report.considered += reason == "status"
        if keep(pair):
            yield pair
        else:
            removed += 1
            report.removed[reason] = removed


def export(opts: ExportOptions) -> ExportReport:
    """Export a store's current bitexts as one corpus file (or folder, for ``hf``).

    Args:
        opts: The options; ``opts.filters`` a comma-separated list of `corpora.filters` names.

    Returns:
        What was written and what was left out.

    Raises:
        StoreError: The store is missing or unreadable.
        ConfigError: An unknown format, status, filter or document; documents without a
            licence (without ``allow_unlicensed``); documents under licences that may not
            share a file; several language pairs in the selection.
    """
    from corpora.filters import apply, parse_filters

    writer = _writer(opts.format)
    if opts.status not in STATUS_SELECTION:
        raise ConfigError(f"--status {opts.status!r}: choose any, edited or confirmed")
    if opts.plain and opts.format != "tmx":
        raise ConfigError("--plain is for --to tmx (TMX level 1); the other formats keep "
                          "inline markup as text")
    filters = parse_filters(opts.filters, min_score=opts.min_score)
    check_output(opts.out, opts.format, opts.store)
    conn = _connect(opts.store)
    try:
        conn.execute("BEGIN")  # one snapshot for the whole export
        refs = _select(current_bitexts(conn), opts)
        metas = _licensed({r.document: load_meta(conn, r.document) for r in refs}, opts)
        refs = [r for r in refs if r.document in metas]
        _one_pair(refs, opts)
        docs = tuple(metas.values())
        report = ExportReport(documents=list(metas), license=combined_license(docs),
                              src_lang=refs[0].src_lang, tgt_lang=refs[0].tgt_lang)
        header = ExportHeader(report.src_lang, report.tgt_lang, docs, report.license,
                              attribution_text(docs), _version(),
                              datetime.now(timezone.utc).isoformat(timespec="seconds"))
        stream: Iterable[Pair] = (p for r in refs for p in store_pairs(conn, r, metas[r.document]))
        wanted = STATUS_SELECTION[opts.status]
        stream = _counted(stream, report, lambda p: p.status in wanted, "status")
        kept, filtered = apply(stream, filters)
        first = next(kept, None)
        if first is None:  # nothing to write: say why rather than leave an empty corpus file
            report.removed.update(filtered.removed)
            why = ", ".join(f"{name} {n}" for name, n in report.removed.items() if n)
            raise ConfigError(f"nothing to export: {report.considered} pairs read, all left out "
                              f"({why or 'none had text on both sides'}); loosen --status, "
                              "--min-score or --filters")
        out = check_output(opts.out, opts.format, opts.store)
        report.written = writer(_tally(itertools.chain([first], kept), report), out,
                                header, **_writer_options(opts, report))
        report.removed.update(filtered.removed)
        return report
    finally:
        conn.close()


def _tally(pairs: Iterable[Pair], report: ExportReport) -> Iterator[Pair]:
    for pair in pairs:
        report.by_status[pair.status] += 1
        yield pair


def _writer_options(opts: ExportOptions, report: ExportReport) -> dict[str, Any]:
    if opts.format == "moses":
        return {"report": report.changed}
    return {"plain": True} if opts.plain and opts.format == "tmx" else {}


def _version() -> str:
    from diglot import __version__

    return __version__
