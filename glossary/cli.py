"""`diglot glossary check | extract | convert | info`."""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from glossary.check import CheckReport
    from glossary.termbase import TermBase
    from translate.langs import Language

app = typer.Typer(no_args_is_help=True, help="Term bases: check terminology, extract "
                                             "candidate terms, convert TSV/CSV/TBX.")

GlossaryOpt = Annotated[Path, typer.Option("--glossary", "-g", exists=True, dir_okay=False,
                                           help="Term base: .tsv, .csv or .tbx.")]
From = Annotated[str | None, typer.Option(
    "--from", "-f", help="Source language (default: from the input or the glossary).")]
To = Annotated[str | None, typer.Option("--to", "-t", help="Target language.")]


def _pair(src: str | None, tgt: str | None) -> "tuple[Language | None, Language | None]":
    from translate.langs import resolve

    return (resolve(src) if src else None), (resolve(tgt) if tgt else None)


def _codes(src: str | None, tgt: str | None) -> tuple[str | None, str | None]:
    """The codes a store knows the languages by, to choose a pair in a store of several."""
    s, t = _pair(src, tgt)
    return (s.code if s else None), (t.code if t else None)


@app.command()
def check(bitext: Annotated[Path, typer.Argument(
              exists=True, help="Bitext TSV, align TSV, run folder or project store (.db).")],
          glossary: GlossaryOpt, src: From = None, tgt: To = None,
          limit: Annotated[int, typer.Option(min=0, help="Violations to print (0: all).")] = 50,
          as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
          ) -> None:
    """Terms not rendered as the glossary says, and terms rendered in several ways.

    Exits 1 when there are violations.
    """
    from diglot.cli import guard
    from glossary.check import TermChecker, check_segments
    from glossary.segments import read_segments
    from glossary.termbase import read_termbase

    def job() -> "tuple[TermBase, CheckReport]":
        segments = read_segments(bitext, *_codes(src, tgt))
        s, t = _pair(src or segments.source_lang, tgt or segments.target_lang)
        base = read_termbase(glossary, s, t)
        return base, check_segments(TermChecker(base), segments.rows)

    base, report = guard(job)
    for warning in base.warnings:
        typer.echo(f"diglot: warning: {warning}", err=True)
    if as_json:
        typer.echo(json.dumps(_as_dict(base, report), ensure_ascii=False, indent=1))
    else:
        _print(base, report, limit)
    if report.violation_count:
        raise typer.Exit(1)


def _as_dict(base: "TermBase", report: "CheckReport") -> dict[str, object]:
    return {"glossary": str(base.path), "version": base.version, "terms": len(base),
            "segments": report.segments, "occurrences": report.occurrences,
            "honoured": report.honoured, "usage": round(report.usage, 4),
            "violations": [{"segment": v.segment, "kind": v.kind, "term": v.term.source,
                            "position": v.position, "source": v.source_text,
                            "found": v.found, "expected": list(v.term.targets)}
                           for v in report.violations],
            "inconsistencies": [{"term": i.term.source,
                                 "forms": {form: list(ids) for form, ids in i.forms}}
                                for i in report.inconsistencies]}


def _print(base: "TermBase", report: "CheckReport", limit: int) -> None:
    typer.echo(f"{base.path} ({len(base)} terms, version {base.version}): "
               f"{report.segments} segments, {report.occurrences} term occurrences, "
               f"{report.usage:.1%} rendered as the glossary says")
    shown = report.first_violations(limit or None)
    typer.echo(f"{report.violation_count} violations"
               + (f" (first {len(shown)}; --limit 0 for all)"
                  if len(shown) < report.violation_count else ""))
    for v in shown:
        typer.echo(f"  {v}")
    typer.echo(f"{len(report.inconsistencies)} terms rendered in more than one way")
    for inc in report.inconsistencies:
        typer.echo(f"  {inc}")


@app.command()
def extract(bitext: Annotated[Path, typer.Argument(
                exists=True, help="Aligned bitext: TSV, align TSV or run folder.")],
            src: From = None, tgt: To = None,
            out: Annotated[Path | None, typer.Option(
                "--out", "-o", dir_okay=False, help="TSV to write (default stdout).")] = None,
            top: Annotated[int, typer.Option(min=1, help="Candidates to keep.")] = 200,
            min_count: Annotated[int, typer.Option(
                min=1, help="Least segments a pair must share.")] = 2,
            max_words: Annotated[int, typer.Option(min=1, max=8)] = 4) -> None:
    """Propose candidate term pairs from an aligned bitext, best first, as an editable TSV."""
    from corpora.textio import write_atomic
    from diglot.cli import guard
    from diglot.errors import ConfigError
    from glossary.extract import candidates_tsv, extract_candidates
    from glossary.segments import read_segments

    def job() -> str:
        segments = read_segments(bitext, *_codes(src, tgt))
        s, t = _pair(src or segments.source_lang, tgt or segments.target_lang)
        if s is None or t is None:
            raise ConfigError(f"{bitext} does not name its languages; give --from and --to")
        pairs = [(a, b) for _, a, b in segments.rows]
        found = extract_candidates(pairs, s, t, max_words=max_words, min_count=min_count,
                                   top=top)
        return candidates_tsv(found, s, t)

    text = guard(job)
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_atomic(out, text)
        typer.echo(f"wrote {text.count(chr(10)) - 1} candidates to {out}", err=True)


@app.command()
def convert(source: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                                   help="Glossary: .tsv, .csv or .tbx.")],
            target: Annotated[Path, typer.Argument(dir_okay=False,
                                                   help="Output: .tbx, or .tsv.")],
            src: From = None, tgt: To = None) -> None:
    """Convert a glossary between TSV/CSV and TBX-Basic (validating it on the way)."""
    from diglot.cli import guard
    from glossary.tbx import write_tbx
    from glossary.termbase import read_termbase, write_tsv

    def job() -> int:
        base = read_termbase(source, *_pair(src, tgt))
        for warning in base.warnings:
            typer.echo(f"diglot: warning: {warning}", err=True)
        (write_tbx if target.suffix.lower() in (".tbx", ".xml") else write_tsv)(base, target)
        return len(base)

    typer.echo(f"wrote {guard(job)} terms to {target}")


@app.command()
def info(glossary: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
         src: From = None, tgt: To = None) -> None:
    """Validate a glossary and show its pair, size and version."""
    from diglot.cli import guard
    from glossary.termbase import read_termbase

    base = guard(lambda: read_termbase(glossary, *_pair(src, tgt)))
    for warning in base.warnings:
        typer.echo(f"diglot: warning: {warning}", err=True)
    flags = sum(t.dnt for t in base.terms), sum(bool(t.forbidden) for t in base.terms)
    typer.echo(f"{glossary}: {base.src.code}→{base.tgt.code}, {len(base)} terms "
               f"({flags[0]} do-not-translate, {flags[1]} with forbidden forms), "
               f"version {base.version}")
