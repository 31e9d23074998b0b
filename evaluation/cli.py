"""`diglot score`, `diglot compare`, `diglot qa` and `diglot report`.

Registered on the root app by diglot/cli.py. Bodies parse, call the library and print.
"""

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from evaluation.metrics import Score

File = Annotated[Path, typer.Argument(exists=True, dir_okay=False)]
Metrics = Annotated[str, typer.Option("--metrics", "-m",
                                      help="Comma-separated: bleu,chrf,chrf++,ter.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
Tokenize = Annotated[str | None, typer.Option(
    "--tokenize", "-tok", help="BLEU's tokenizer, as sacrebleu's -tok: 13a, zh, ja-mecab, "
    "ko-mecab, char, intl, none... (default: chosen by --lang, else 13a).")]
Lang = Annotated[str | None, typer.Option(
    "--lang", "-l", help="Target language, as sacrebleu's -l: zh, ja and ko choose BLEU's "
    "zh, ja-mecab and ko-mecab tokenizers.")]


def score(hypothesis: File, references: Annotated[list[Path], typer.Argument(
              exists=True, dir_okay=False, help="One or more reference files.")],
          metrics: Metrics = "bleu,chrf",
          segments: Annotated[bool, typer.Option(
              "--segments", help="Also give each line's scores.")] = False,
          tokenize: Tokenize = None, lang: Lang = None, as_json: Json = False) -> None:
    """Score a system output against references, line by line; each score with its signature."""
    from diglot.cli import guard
    from evaluation.metrics import (
        corpus_scores,
        parse_metrics,
        read_lines,
        segment_scores,
    )

    def job() -> "tuple[list[Score], dict[str, list[float]]]":
        names = parse_metrics(metrics)
        hyps = read_lines(hypothesis)
        refs = [read_lines(r) for r in references]
        found = corpus_scores(hyps, refs, names, hypothesis, references, tokenize=tokenize,
                              lang=lang)
        return found, (segment_scores(hyps, refs, names, tokenize=tokenize, lang=lang)
                       if segments else {})

    found, per_line = guard(job)
    if as_json:
        out: dict[str, object] = {"hypothesis": str(hypothesis),
                                  "references": [str(r) for r in references],
                                  "scores": [{"metric": s.metric, "score": round(s.score, 4),
                                              "signature": s.signature}
                                             | ({"warning": s.warning} if s.warning else {})
                                             for s in found]}
        if segments:
            out["segments"] = per_line
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for s in found:
            typer.echo(str(s))
        if segments:
            typer.echo("line\t" + "\t".join(per_line))
            for k, row in enumerate(zip(*per_line.values(), strict=True), start=1):
                typer.echo(f"{k}\t" + "\t".join(f"{v:.2f}" for v in row))
    _warn(hypothesis, found)


def _warn(hypothesis: Path, found: "list[Score]") -> None:
    for warning in dict.fromkeys(s.warning for s in found if s.warning):
        typer.echo(f"diglot: warning: {hypothesis}: {warning}", err=True)


def compare(reference: File,
            systems: Annotated[list[Path], typer.Argument(
                exists=True, dir_okay=False, help="Baseline first, then the other systems.")],
            metrics: Metrics = "bleu,chrf",
            also_ref: Annotated[list[Path] | None, typer.Option(
                "--also-ref", exists=True, dir_okay=False,
                help="Another reference (repeat for more).")] = None,
            test: Annotated[str, typer.Option(
                help="bs: paired bootstrap; ar: approximate randomisation.")] = "bs",
            samples: Annotated[int, typer.Option(
                min=0, help="Resamples (0: 1000 for bs, 10000 for ar).")] = 0,
            tokenize: Tokenize = None, lang: Lang = None, as_json: Json = False) -> None:
    """Compare systems on one test set: scores, 95 % intervals and p-values against the first."""
    from diglot.cli import guard
    from evaluation.metrics import Comparison, compare_systems, parse_metrics, read_lines

    ref_paths = [reference, *(also_ref or [])]

    def job() -> list[Comparison]:
        refs = [read_lines(r) for r in ref_paths]
        named = [(str(p), read_lines(p)) for p in systems]
        return compare_systems(refs, named, parse_metrics(metrics), test, samples, ref_paths,
                               tokenize=tokenize, lang=lang)

    results = guard(job)
    for c in results:
        if c.warning:
            typer.echo(f"diglot: warning: {c.system}: {c.warning}", err=True)
    if as_json:
        typer.echo(json.dumps([{"system": c.system, "metric": c.metric, "score": c.score,
                                "mean": c.mean, "ci": c.ci, "p_value": c.p_value,
                                "significant": c.significant, "signature": c.signature,
                                "warning": c.warning}
                               for c in results], indent=2))
        return
    for c in results:
        spread = f" ({c.mean:.1f} ± {c.ci:.1f})" if c.mean is not None and c.ci else ""
        verdict = ("baseline" if c.p_value is None else
                   f"p = {c.p_value:.4f}{' *' if c.significant else ''}")
        typer.echo(f"{c.metric:7} {c.score:6.1f}{spread}  {verdict}  {c.system}")
    typer.echo("* significantly different from the baseline (p < 0.05); signatures: "
               + "; ".join(sorted({c.signature for c in results})))


def qa(bitext: Annotated[Path | None, typer.Argument(
           exists=True, help="source<TAB>target TSV (NAME.fr-en.tsv names its languages), "
           "`diglot align` TSV, a run folder, or a project store (diglot.db: every current "
           "bitext, with its reviewers' edits).")]
       = None,
       src_lang: Annotated[str | None, typer.Option("--from", "-f",
                                                    help="Source language.")] = None,
       tgt_lang: Annotated[str | None, typer.Option("--to", "-t",
                                                    help="Target language.")] = None,
       target: Annotated[Path | None, typer.Option(
           exists=True, dir_okay=False,
           help="Target-only mode: one document whose paragraphs should all be in --lang.")]
       = None,
       lang: Annotated[str | None, typer.Option(help="Expected language (with --target).")]
       = None,
       glossary: Annotated[Path | None, typer.Option(
           "--glossary", "-g", exists=True, dir_okay=False,
           help="Term base (.tsv/.csv/.tbx): adds the glossary check; its do-not-translate "
                "terms are exempt from the copy and language checks.")] = None,
       keep: Annotated[Path | None, typer.Option(
           "--keep", exists=True, dir_okay=False,
           help="Texts that stay as they are (names, titles, mottos), one a line: exempt "
                "from the copy and language checks.")] = None,
       as_json: Json = False) -> None:
    """Check translations: wrong language, copies, truncation, numbers, length, loops, markup,
    punctuation.

    Exits 1 when an error-level problem is found, so it can gate a pipeline; warnings and
    info notes (a quotation rightly copied) do not.
    """
    from diglot.cli import guard
    from evaluation.qa import Context, Report, run_checks
    from evaluation.sources import read_bitext, read_keep, target_paragraphs
    from translate.langs import resolve

    def job() -> Report:
        from diglot.errors import ConfigError

        kept = read_keep(keep) if keep is not None else ()
        if target is not None:
            if not lang:
                raise ConfigError("--target needs --lang, the language the document should be in")
            return run_checks(target_paragraphs(target, lang), Context(None, resolve(lang), kept))
        if bitext is None:
            raise ConfigError("give a bitext, run folder or project store, or --target FILE "
                              "--lang L")
        found = read_bitext(bitext, src_lang, tgt_lang)
        s, t = src_lang or found.source_lang, tgt_lang or found.target_lang
        if not s or not t:
            raise ConfigError(f"{bitext} does not name its languages; give --from and --to")
        ctx = Context(resolve(s), resolve(t), kept)
        if glossary is None:
            return run_checks(found.items, ctx)
        from evaluation.checks import default_checks
        from evaluation.sources import kept_terms
        from glossary.check import TermChecker
        from glossary.termbase import read_termbase

        base = read_termbase(glossary, ctx.source, ctx.target)
        ctx = Context(ctx.source, ctx.target, kept + kept_terms(base))
        return run_checks(found.items, ctx, default_checks(ctx, TermChecker(base)))

    report = guard(job)
    if as_json:
        typer.echo(json.dumps({**report.summary(),
                               "flags": [vars(f) for f in report.flags]},
                              ensure_ascii=False, indent=2))
    else:
        for flag in report.flags:
            typer.echo(str(flag))
        counts = ", ".join(f"{k} {v}" for k, v in report.counts().items())
        notes = sum(f.severity == "info" for f in report.flags)
        typer.echo(f"{report.items} segments, {report.flagged_items()} flagged ({counts})"
                   + (f"; {notes} info notes" if notes else ""), err=True)
        for name, why in report.skipped.items():
            typer.echo(f"diglot: warning: {name} check skipped: {why}", err=True)
    if any(f.severity == "error" for f in report.flags):
        raise typer.Exit(1)


def report(run: Annotated[Path, typer.Argument(exists=True, file_okay=False,
                                               help="A run folder (diglot run --out).")],
           out: Annotated[Path | None, typer.Option(
               "--out", "-o", dir_okay=False,
               help="HTML file (default RUN/report.html); the JSON goes beside it.")] = None,
           ) -> None:
    """Write a self-contained HTML report of a run (scores, charts, QA, worst segments)."""
    from diglot.cli import guard
    from evaluation.report import write_report

    html_path, json_path = guard(lambda: write_report(run, out))
    typer.echo(f"wrote {html_path} and {json_path}")
    sys.stdout.flush()
