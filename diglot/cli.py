"""The root CLI: `diglot run`, `translate`, `engines`, `align`, `score`, `compare`, `qa`, `report`,
`review`, `export`, `import`, `meta`.

Command bodies parse, call the library and print. Only here do errors become exit codes:
2 for bad input (one line, no traceback unless --debug), 1 for a run that finished with failed
segments, 130 for an interrupted run (the store keeps what was done).
"""

import importlib
import sys
import types
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup
from typer.models import DefaultPlaceholder

from align.cli import app as align_app
from corpora import cli as corpora_cli
from diglot import __version__
from diglot.errors import DiglotError
from diglot.review.cli import app as review_app
from evaluation import cli as evaluation_cli
from glossary.cli import app as glossary_app

app = typer.Typer(name="diglot", no_args_is_help=True, add_completion=False,
                  help="Translate whole books with local open models; publish parallel corpora.")
_state = {"debug": False}

app.add_typer(align_app, name="align")
app.add_typer(glossary_app, name="glossary")
app.add_typer(review_app, name="review")
for _name in ("score", "compare", "qa", "report"):
    app.command(_name)(getattr(evaluation_cli, _name))
for _name, _func in (("export", "export"), ("import", "import_"), ("meta", "meta")):
    app.command(_name)(getattr(corpora_cli, _func))


class _HelpFlag(TyperGroup):
    """A group whose --help, when not given, reads False as a flag does. Typer leaves it None
    and coerces None through pydantic, which it imports for that (~100 modules, a third of
    `diglot run --help`) only to return None; a False flag it does not coerce."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None and option.default is None:
            option.default = False
        return option


def _help_flags(typer_app: typer.Typer) -> None:
    """Make every group of `typer_app` (itself and the groups mounted below it) a _HelpFlag."""
    cls = typer_app.info.cls
    base = (cls.value if isinstance(cls, DefaultPlaceholder) else cls) or TyperGroup
    if not issubclass(base, _HelpFlag):
        typer_app.info.cls = (_HelpFlag if base is TyperGroup else
                              type(base.__name__, (_HelpFlag, base), {"__doc__": base.__doc__}))
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _help_flags(group.typer_instance)


_help_flags(app)
T = TypeVar("T")

Input = Annotated[Path, typer.Argument(
    help="The book to translate: Markdown (.md), text, EPUB, HTML, DOCX or MediaWiki "
         "wikitext (.wiki).", dir_okay=False)]
From = Annotated[str, typer.Option("--from", "-f", help="Source language (es, fra, fra_Latn).")]
To = Annotated[str, typer.Option("--to", "-t", help="Target language.")]
EngineOpt = Annotated[str, typer.Option("--engine", "-e",
                                        help="apertium, transformers (--model implies it), "
                                             "ctranslate2 or llm.")]
Model = Annotated[str | None, typer.Option("--model", "-m",
                                           help="Model: a local folder or hub id; for llm, the "
                                                "server's model name.")]
Project = Annotated[Path | None, typer.Option("--project", "-p", dir_okay=False,
                                              help="Project store (default OUT/diglot.db).")]
RunOut = Annotated[Path | None, typer.Option(
    "--out", "-o", file_okay=False, help="Output folder (default: in the current folder, named "
    "after the input and the pair: ensayo.es.md → ensayo.es-en).")]
TranslateProject = Annotated[Path | None, typer.Option(
    "--project", "-p", dir_okay=False,
    help="Project store that keeps the translations, so a rerun resumes and reuses them "
    "(default: a temporary store, deleted at the end).")]
Device = Annotated[str, typer.Option(help="Torch device for transformers: cpu, cuda, mps.")]
Batch = Annotated[int | None, typer.Option(
    min=1, help="Segments per committed batch (default: what suits the engine).")]
Beams = Annotated[int | None, typer.Option(min=1, help="Beam size (default: the model's).")]
Quantization = Annotated[str, typer.Option(
    help="ctranslate2 weights: int8, int8_float32, int16, float16, bfloat16, float32.")]
Threads = Annotated[int | None, typer.Option(
    min=1, help="ctranslate2 computation threads (default: every core).")]
Workers = Annotated[int, typer.Option(
    min=1, help="transformers: processes, each with its share of the cores and its own copy "
    "of the model; ctranslate2: batches at once (one copy). Output and resume unchanged.")]
_LLM = "LLM server (--engine llm)"
BaseUrl = Annotated[str, typer.Option(
    rich_help_panel=_LLM, help="OpenAI-compatible API root: llama.cpp :8080/v1, Ollama "
    ":11434/v1, vLLM :8000/v1.")]
Endpoint = Annotated[str, typer.Option(
    rich_help_panel=_LLM, help="completions (few-shot, base models) or chat (instruction "
    "models).")]
Unit = Annotated[str | None, typer.Option(
    rich_help_panel=_LLM, help="sentence, context (after the sentences just translated) or "
    "paragraph; default: sentence for completions, context for chat.")]
ApiKeyEnv = Annotated[str | None, typer.Option(
    rich_help_panel=_LLM, help="Environment variable that holds the server's API key.")]
Concurrency = Annotated[int, typer.Option(
    min=1, rich_help_panel=_LLM, help="Requests in flight at once.")]
Timeout = Annotated[float, typer.Option(
    min=1, rich_help_panel=_LLM, help="Seconds to wait for one answer.")]
Fallback = Annotated[str | None, typer.Option(
    rich_help_panel=_LLM, help="Engine for segments the LLM keeps getting wrong (apertium).")]
Examples = Annotated[Path | None, typer.Option(
    exists=True, dir_okay=False, rich_help_panel=_LLM,
    help="Few-shot examples, source<TAB>target per line (default: built-in, 6 languages).")]


def _llm(base_url: str, endpoint: str, unit: str | None, api_key_env: str | None,
         concurrency: int, timeout: float, fallback: str | None,
         examples: Path | None) -> dict[str, object]:
    return {"base_url": base_url, "endpoint": endpoint, "unit": unit,
            "api_key_env": api_key_env, "concurrency": concurrency, "timeout": timeout,
            "fallback": fallback, "examples": examples}


class OnOff(str, Enum):
    on = "on"
    off = "off"


SourceLangCheck = Annotated[OnOff, typer.Option(
    "--source-lang-check", help="Identify each paragraph's language first: keep those already "
    "in the target language, send those in a third language through its own pair (or keep "
    "and flag them). off: every paragraph goes through the engine.")]


class Edition(str, Enum):
    translated = "translated"
    bilingual = "bilingual"
    both = "both"


EditionOpt = Annotated[Edition, typer.Option(
    "--edition", rich_help_panel="Book formats",
    help="translated: the book in the target language; bilingual: source and translation "
    "paragraph by paragraph, the source marked with its language (EPUB, HTML, Markdown, "
    "text); both.")]
WikiParams = Annotated[str, typer.Option(
    "--wiki-params", metavar="LIST", rich_help_panel="Book formats",
    help="Wikitext: template parameters whose values are translated, comma-separated "
         "(quote,text); every other template is kept as it is.")]
# the longer spelling, accepted but not shown (its name does not fit 80 columns)
WikiParamsLong = Annotated[str, typer.Option("--wiki-translate-params", hidden=True)]


def _names(value: str) -> frozenset[str]:
    return frozenset(n.strip() for n in value.split(",") if n.strip())


GlossaryOpt = Annotated[Path | None, typer.Option(
    "--glossary", "-g", exists=True, dir_okay=False,
    help="Term base (.tsv/.csv/.tbx) the translation must follow.")]


#: What an interrupt leaves behind, said when a long job is stopped with Ctrl-C.
RESUME = "the store keeps every finished batch: run the same command again to resume"


def guard(fn: Callable[[], T], interrupted: str = RESUME) -> T:
    """Run a command's job; a DiglotError becomes one line and exit 2, Ctrl-C exit 130 with
    what the interrupt left (``interrupted``)."""
    try:
        return fn()
    except DiglotError as exc:
        if _state["debug"]:
            raise
        typer.echo(f"diglot: error: {exc}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        typer.echo(f"\ndiglot: interrupted; {interrupted}", err=True)
        raise typer.Exit(130) from None


class _RichProgress:
    """A progress bar with ETA on stderr (rich comes with typer)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=False)
        self.task: Any = None

    def start(self, total: int, description: str) -> None:
        self.bar.start()
        self.task = self.bar.add_task(description, total=total)

    def advance(self, n: int) -> None:
        self.bar.advance(self.task, n)

    def stop(self) -> None:
        self.bar.stop()


def _show_version(shown: bool) -> None:
    """Eager, so `diglot --version` alone answers before click asks for a command."""
    if shown:
        typer.echo(f"diglot {__version__}")
        raise typer.Exit()


@app.callback()
def _root(debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
          version: Annotated[bool, typer.Option(
              "--version", is_eager=True, callback=_show_version,
              help="Show the version and exit.")] = False,
          ) -> None:
    _state["debug"] = debug


@app.command()
def run(input: Input, src: From, tgt: To, engine: EngineOpt = "apertium", model: Model = None,
        out: RunOut = None, project: Project = None,
        reference: Annotated[Path | None, typer.Option(
            "--reference", "-r", dir_okay=False,
            help="Reference translation: adds BLEU and chrF.")] = None,
        device: Device = "cpu", batch_size: Batch = None, beams: Beams = None,
        glossary: GlossaryOpt = None, quantization: Quantization = "int8",
        threads: Threads = None, workers: Workers = 1,
        base_url: BaseUrl = "http://127.0.0.1:8080/v1",
        endpoint: Endpoint = "completions", unit: Unit = None, api_key_env: ApiKeyEnv = None,
        concurrency: Concurrency = 1, timeout: Timeout = 120.0, fallback: Fallback = None,
        examples: Examples = None, source_lang_check: SourceLangCheck = OnOff.on,
        meta: Annotated[Path | None, typer.Option(
            "--meta", exists=True, dir_okay=False,
            help="TOML with title, authors, source, license, translation_license, "
                 "attribution (front matter is read too; this file wins).")] = None,
        edition: EditionOpt = Edition.translated, wiki_params: WikiParams = "",
        wiki_params_long: WikiParamsLong = "") -> None:
    """Translate a book; write it (and its bilingual edition), a sentence-aligned TSV, QA,
    scores and a report."""
    from diglot.pipeline import RunOptions
    from diglot.pipeline import run as run_pipeline
    from translate.routing import describe as describe_sources

    opts = RunOptions(input, src, tgt, engine, model, out, project, reference, device,
                      batch_size, beams, glossary, quantization, threads,
                      _llm(base_url, endpoint, unit, api_key_env, concurrency, timeout,
                           fallback, examples), workers,
                      source_lang_check=source_lang_check == OnOff.on, meta=meta,
                      edition=edition.value,
                      wiki_params=_names(f"{wiki_params},{wiki_params_long}"))
    progress = _RichProgress()
    try:
        summary = guard(lambda: run_pipeline(opts, progress))
    finally:
        progress.stop()
    hits = summary.memory.get("hits", 0)
    for warning in summary.warnings:
        typer.echo(f"diglot: warning: {warning}", err=True)
    typer.echo(f"{summary.segments} segments: {summary.translated} translated now, "
               f"{summary.reused} from the store, {hits} from the translation memory, "
               f"{summary.reviewed} as reviewed, "
               f"{summary.untranslatable + summary.kept} kept as is, "
               f"{summary.failed} failed ({summary.seconds:.1f} s, {summary.engine} "
               f"{summary.model})")
    typer.echo("time: " + ", ".join(f"{name} {secs:.1f} s" for name, secs in
                                    summary.stages.items() if secs >= 0.05)
               + ("" if summary.first_segment is None
                  else f"; first segment at the engine after {summary.first_segment:.1f} s"))
    if summary.notes:
        typer.echo(f"{len(summary.notes)} segments carry a note (a retry, a fallback engine, "
                   f"an unresolved problem, kept or routed by source language): see notes in "
                   f"{summary.outputs['summary']}")
    sources = describe_sources(summary.source_languages)
    if sources:
        typer.echo(sources)
    for found in summary.scores:
        typer.echo(str(found))
        if found.warning:
            typer.echo(f"diglot: warning: {found.warning}", err=True)
    qa = summary.qa
    if summary.glossary:
        g = summary.glossary
        typer.echo(f"glossary {g['version']}: {g.get('honoured', 0)} of "
                   f"{g.get('occurrences', 0)} term occurrences as the glossary says, "
                   f"{g.get('violations', 0)} violations, {g.get('inconsistent_terms', 0)} "
                   "terms rendered in several ways")
    typer.echo(f"QA: {qa.get('flagged_segments', 0)} of {qa.get('segments', 0)} segments "
               f"flagged ({qa.get('errors', 0)} errors, {qa.get('warnings', 0)} warnings)")
    books = [v for k, v in summary.outputs.items() if k.startswith(("document", "bilingual"))]
    typer.echo(f"wrote {', '.join(books)}, {summary.outputs['bitext']}, "
               f"{summary.outputs['summary']}, {summary.outputs['report']}")
    typer.echo(f"review it in the browser: diglot review {summary.outputs['project']} "
               "(then open http://127.0.0.1:8765)")
    doc = summary.document
    licence = doc.get("translation_license") or doc.get("source_license")
    typer.echo(f"publish it: diglot export {summary.outputs['project']} --to tmx|xliff|moses|"
               f"tsv|jsonl|hf --out PATH ("
               + (f"licence {licence}" if licence else
                  f"no licence yet: diglot meta {summary.outputs['project']} {doc.get('name')} "
                  "--license SPDX") + ")")
    if summary.failed:
        typer.echo(f"diglot: {summary.status}; run the same command again to retry them "
                   f"(errors in {summary.outputs['summary']})", err=True)
        raise typer.Exit(1)
    typer.echo(summary.status)


@app.command()
def translate(input: Input, src: From, tgt: To, engine: EngineOpt = "apertium",
              model: Model = None,
              out: Annotated[Path | None, typer.Option(
                  "--out", "-o", dir_okay=False, help="Output file (default stdout).")] = None,
              project: TranslateProject = None, device: Device = "cpu",
              batch_size: Batch = None,
              beams: Beams = None, glossary: GlossaryOpt = None,
              quantization: Quantization = "int8", threads: Threads = None,
              workers: Workers = 1, base_url: BaseUrl = "http://127.0.0.1:8080/v1",
              endpoint: Endpoint = "completions", unit: Unit = None,
              api_key_env: ApiKeyEnv = None, concurrency: Concurrency = 1,
              timeout: Timeout = 120.0, fallback: Fallback = None,
              examples: Examples = None,
              source_lang_check: SourceLangCheck = OnOff.on,
              edition: EditionOpt = Edition.translated, wiki_params: WikiParams = "",
              wiki_params_long: WikiParamsLong = "") -> None:
    """Translate a book and write only the translated book (text formats: to standard output
    unless --out)."""
    from diglot.pipeline import RunOptions, translate_only
    from translate.routing import describe as describe_sources

    opts = RunOptions(input, src, tgt, engine, model, None, project, None, device, batch_size,
                      beams, glossary, quantization, threads,
                      _llm(base_url, endpoint, unit, api_key_env, concurrency, timeout,
                           fallback, examples), workers,
                      source_lang_check=source_lang_check == OnOff.on,
                      edition=edition.value,
                      wiki_params=_names(f"{wiki_params},{wiki_params_long}"))
    progress = _RichProgress()
    try:
        text, summary = guard(lambda: translate_only(opts, out, progress))
    finally:
        progress.stop()
    if text is not None:
        sys.stdout.write(text)
    moved = summary.source_languages.get("moved")
    if moved:
        typer.echo(describe_sources(summary.source_languages), err=True)
    if summary.failed:
        typer.echo(f"diglot: {summary.status}", err=True)
        raise typer.Exit(1)


@app.command("engines")
def engines_cmd(base_url: Annotated[str, typer.Option(
        help="Where to look for the LLM engine's OpenAI-compatible server.")]
        = "http://127.0.0.1:8080/v1") -> None:
    """List the engines, language pairs and local models usable on this machine."""
    from translate.cli import engines

    engines(base_url)


class _Deferred(type):
    """Stands in for a rich class while typer's help formatter is imported, and loads the real
    one the first time it is called or asked for an attribute."""

    _where: tuple[str, str]

    def _real(cls) -> Any:
        module, name = cls._where
        return getattr(importlib.import_module(module), name)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._real()(*args, **kwargs)

    def __getattr__(cls, name: str) -> Any:
        return getattr(cls._real(), name)


#: What typer.rich_utils imports at its top but uses only for markdown markup (ours is rich)
#: and for the traceback of a crash: ~60 % of its import (markdown-it, pygments, rich.pretty).
_DEFERRED = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}


def _import_help_formatter() -> None:
    """Import typer.rich_utils, which renders help and usage errors, without loading
    rich.markdown and rich.traceback: each is a stand-in module while it imports, then removed
    from sys.modules so that the real one loads when first needed. Any surprise (a typer that
    imports something else from them) falls back to the plain import."""
    if "typer.rich_utils" in sys.modules:
        return
    stubs: dict[str, types.ModuleType] = {}
    for module, name in _DEFERRED.items():
        if module not in sys.modules:
            stub = types.ModuleType(module)
            setattr(stub, name, _Deferred(name, (), {"_where": (module, name)}))
            stubs[module] = sys.modules[module] = stub
    try:
        importlib.import_module("typer.rich_utils")
    except ImportError:
        sys.modules.pop("typer.rich_utils", None)
    finally:
        for module, stub in stubs.items():
            if sys.modules.get(module) is stub:
                del sys.modules[module]
    importlib.import_module("typer.rich_utils")


def main() -> None:
    _import_help_formatter()
    app()
