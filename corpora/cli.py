"""`diglot export`, `diglot import` and `diglot meta`: publishing a project store's bitexts."""

from pathlib import Path
from typing import Annotated

import typer

StorePath = Annotated[Path, typer.Argument(dir_okay=False,
                                           help="Project store (diglot.db of a run).")]


def export(
    store: StorePath,
    to: Annotated[str, typer.Option("--to", "-t",
                                    help="tmx, xliff, moses, tsv, jsonl or hf.")],
    out: Annotated[Path, typer.Option("--out", "-o", help=(
        "Output file; for moses the prefix (OUT.es, OUT.en, OUT.meta.jsonl); for hf a "
        "folder (Parquet, save_to_disk copy, dataset card)."))],
    status: Annotated[str, typer.Option(help=(
        "Which pairs: any, edited (a person edited or confirmed them) or confirmed."))] = "any",
    min_score: Annotated[float | None, typer.Option(
        min=0.0, max=1.0, help="Leave out pairs aligned with a lower score.")] = None,
    document: Annotated[list[str] | None, typer.Option(
        help="Only this document (by name; repeat for several).")] = None,
    license: Annotated[str | None, typer.Option(
        help="Only the documents under this SPDX licence (split an export by licence).")]
        = None,
    src: Annotated[str | None, typer.Option("--from", "-f",
                                            help="Source language, when the store has several.")]
        = None,
    tgt: Annotated[str | None, typer.Option("--target-lang",
                                            help="Target language, when the store has several.")]
        = None,
    filters: Annotated[str, typer.Option(help=(
        "Comma-separated: duplicate, near-duplicate, length-ratio, langid, numbers, qa, or "
        "all (--min-score adds score). Pairs with an empty side are always left out."))]
        = "",
    allow_unlicensed: Annotated[bool, typer.Option(
        "--allow-unlicensed", help="Export documents that have no licence.")] = False,
    plain: Annotated[bool, typer.Option(
        "--plain", help="TMX level 1: inline markup as plain text, not <bpt>/<ept>/<ph>.")]
        = False,
) -> None:
    """Publish a store's current bitexts with provenance and licence on every pair."""
    from corpora.export import ExportOptions, ExportReport
    from corpora.export import export as run_export
    from diglot.cli import guard

    def job() -> ExportReport:
        from translate.langs import resolve

        s = resolve(src).code if src else None
        t = resolve(tgt).code if tgt else None
        return run_export(ExportOptions(store, to.lower(), out, status, min_score,
                                        tuple(document or ()), license, s, t, filters,
                                        allow_unlicensed, plain))

    report = guard(job, "nothing was written (the export writes a temporary file and renames "
                        "it at the end)")
    removed = ", ".join(f"{name} {n}" for name, n in report.removed.items() if n)
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(report.by_status.items()))
    typer.echo(f"{report.written} of {report.considered} pairs written to {out} "
               f"({report.src_lang}-{report.tgt_lang}; {statuses or 'none'}); "
               f"left out: {removed or 'none'}")
    typer.echo(f"licence: {report.license or 'none (--allow-unlicensed)'}; documents: "
               f"{', '.join(report.documents)}")
    for kind, n in report.changed.items():
        if n and kind == "flattened":
            typer.echo(f"{n} pairs had a line break or tab, written as a space in the Moses "
                       "files (the .meta.jsonl sidecar's id gives the pair)")


def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=(
        "TMX, XLIFF 1.2/2.0, TSV, JSONL, or one Moses file NAME.SRC (NAME.TGT beside it)."))],
    src: Annotated[str, typer.Option("--from", "-f", help="Source language.")],
    tgt: Annotated[str, typer.Option("--to", "-t", help="Target language.")],
    project: Annotated[Path, typer.Option("--project", "-p", dir_okay=False,
                                          help="Project store to import into.")],
    license: Annotated[str | None, typer.Option(
        help="SPDX licence of the imported translations.")] = None,
    document: Annotated[str | None, typer.Option(
        help="Store every pair under this document name.")] = None,
    skip_bad: Annotated[bool, typer.Option(
        "--skip-bad", help="Skip bad units (counted) instead of stopping at the first.")] = False,
) -> None:
    """Bring existing translations into a store as reviewed pairs (all or nothing)."""
    from corpora.importer import import_file
    from corpora.store import Store
    from diglot.cli import guard
    from translate.langs import resolve

    def job() -> object:
        from diglot.errors import ConfigError, DataFormatError

        s, t = resolve(src).code, resolve(tgt).code
        if s == t:
            raise ConfigError(f"--from and --to are both {s}; a translation pair needs two "
                              "languages")
        if document is not None and not document.strip():
            raise ConfigError("--document is empty; give the name to store the pairs under")
        created = not project.exists()
        try:
            with Store.open(project) as store:
                found = import_file(store, file, s, t, document=document, license=license,
                                    skip_bad=skip_bad)
            if not found.already and not found.pairs:
                skipped = sum(found.skipped.values())
                raise DataFormatError(file, None, "holds no translation pair to import"
                                      + (f" ({skipped} bad units skipped)" if skipped else "")
                                      + f"; check that it is {found.format} in {s}-{t}")
            return found
        except BaseException:
            if created:  # a failed import into a new store leaves no empty store behind
                for leftover in (project, *(Path(f"{project}{x}")
                                            for x in ("-wal", "-shm", ".lock"))):
                    leftover.unlink(missing_ok=True)
            raise

    report = guard(job, "nothing was imported (one transaction)")
    from corpora.importer import ImportReport

    assert isinstance(report, ImportReport)
    if report.already:
        typer.echo(f"{file} was imported into {project} before; nothing to do")
        return
    skipped = (f"{sum(report.skipped.values())} bad units ("
               + ", ".join(f"{why}: {n}" for why, n in report.skipped.items()) + ")")
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(report.by_status.items()))
    typer.echo(f"imported {report.pairs} pair{'s' * (report.pairs != 1)} "
               f"({statuses or 'none'}) from {file} "
               f"({report.format}) into {project} as {', '.join(report.documents) or '-'}"
               + (f"; skipped {skipped}" if report.skipped else ""))


def meta(
    store: StorePath,
    document: Annotated[str | None, typer.Argument(
        help="Document name (as `diglot meta STORE` lists them); omit to list.")] = None,
    title: Annotated[str | None, typer.Option(help="Title.")] = None,
    author: Annotated[list[str] | None, typer.Option(
        help="Author (repeat for several; replaces the stored list).")] = None,
    source: Annotated[str | None, typer.Option(help="Source URL or citation.")] = None,
    license: Annotated[str | None, typer.Option(help="The original's SPDX licence.")] = None,
    translation_license: Annotated[str | None, typer.Option(
        help="The translation's SPDX licence (default: the original's).")] = None,
    attribution: Annotated[str | None, typer.Option(
        help="Credit line re-users must give.")] = None,
    from_file: Annotated[Path | None, typer.Option(
        "--meta", exists=True, dir_okay=False, help="TOML file with these keys.")] = None,
) -> None:
    """Show or set whose text a document is and under which licences ("" clears a field)."""
    from corpora.meta import (
        document_names,
        load_meta,
        meta_values,
        read_meta_file,
        save_meta,
    )
    from corpora.store import Store
    from diglot.cli import guard
    from diglot.errors import ConfigError

    given = {"title": title, "author": author, "source": source, "license": license,
             "translation_license": translation_license, "attribution": attribution}

    def job() -> list[str]:
        if not store.is_file():
            raise ConfigError(f"{store}: no such project store; give the diglot.db of a run")
        with Store.open(store) as opened:
            names = document_names(opened.conn)
            if document is None:
                if from_file is not None or any(v is not None for v in given.values()):
                    raise ConfigError("name the document to set its metadata: diglot meta "
                                      f"{store} DOCUMENT --license …; the store has "
                                      f"{', '.join(names) or 'none'}")
                return [_describe(load_meta(opened.conn, n)) for n in names]
            if document not in names:
                raise ConfigError(f"{store}: no document named {document!r}; the store has "
                                  f"{', '.join(names) or 'none'}")
            values = read_meta_file(from_file) if from_file is not None else {}
            for key, value in given.items():
                if value is not None:
                    values.update(meta_values({key: value}, f"--{key.replace('_', '-')}",
                                              strict=True, clearing=True))
            with opened.transaction() as conn:
                found = (save_meta(conn, document, values, "diglot meta") if values
                         else load_meta(conn, document))
            return [_describe(found)]

    for line in guard(job):
        typer.echo(line)


def _describe(doc: object) -> str:
    from corpora.pairs import DocumentMeta

    assert isinstance(doc, DocumentMeta)
    fields = [("title", doc.title), ("authors", "; ".join(doc.authors) or None),
              ("source", doc.source), ("license", doc.source_license),
              ("translation license", doc.translation_license),
              ("attribution", doc.attribution)]
    shown = "\n".join(f"  {k}: {v}" for k, v in fields if v)
    return f"{doc.name}\n{shown or '  (no metadata: set it with --title, --license ...)'}"
