"""The whole job: ingest, translate into the store (resumably), pair, write, score.

Everything a run does is kept in the project store as it goes, one transaction per batch, so
the same command after a crash translates only what is missing and writes the same output as an
uninterrupted run.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from align.scorers import length_agreement
from corpora.beads import BeadText, segment_texts
from corpora.document import Document
from corpora.formats import (
    EDITIONS,
    ReadOptions,
    WriteContext,
    detect_format,
    read_document,
    write_document,
)
from corpora.ingest import block_texts
from corpora.meta import input_meta, load_meta, reusable_in, save_meta
from corpora.store import Outcome, Store, StoredTranslation, Work
from corpora.textio import write_atomic
from diglot.errors import ConfigError, DataFormatError, EngineError
from diglot.stages import Stages
from evaluation.metrics import Score, corpus_scores, make_metric, segment_scores
from evaluation.report import write_report
from translate.engine import Engine, open_engine
from translate.langs import Language, resolve
from translate.routing import FlaggedSourceCheck, SourceRouter, flagged_sources, route_sources
from translate.typography import tidy
from translate.versions import engine_version

if TYPE_CHECKING:
    from glossary.termbase import TermBase


class Progress(Protocol):
    def start(self, total: int, description: str) -> None: ...
    def advance(self, n: int) -> None: ...


class NoProgress:
    def start(self, total: int, description: str) -> None:
        pass

    def advance(self, n: int) -> None:
        pass


@dataclass(frozen=True)
class RunOptions:
    """What ``diglot run`` was asked to do."""

    input: Path
    src: str
    tgt: str
    engine: str = "apertium"
    model: str | None = None
    out: Path | None = None
    project: Path | None = None
    reference: Path | None = None
    device: str = "cpu"
    batch_size: int | None = None  # None: the engine's preferred size
    beams: int | None = None
    glossary: Path | None = None
    quantization: str = "int8"  # ctranslate2 only
    threads: int | None = None  # ctranslate2 only
    llm: dict[str, object] = field(default_factory=dict)  # llm only: server, prompt, fallback
    workers: int = 1  # transformers and ctranslate2
    source_lang_check: bool = True  # identify each paragraph's language first (routing.py)
    meta: Path | None = None  # TOML: title, authors, source, licences, attribution
    edition: str = "translated"  # translated | bilingual | both (corpora.formats.EDITIONS)
    wiki_params: frozenset[str] = frozenset()  # wikitext template parameters to translate


@dataclass
class Summary:
    """What a run did; written as summary.json and printed as a few lines."""

    input: str
    source_lang: str
    target_lang: str
    engine: str
    model: str | None
    config_key: str
    params: dict[str, object]
    segments: int = 0
    untranslatable: int = 0
    kept: int = 0  # kept as they are by the source-language check (already in the target...)
    reused: int = 0
    # segments this run took from review: this bitext's bead or translation edits, and
    # reviewers' corrections of the same sentence recalled now (stored then as this config's)
    reviewed: int = 0
    translated: int = 0
    failed: int = 0
    failures: list[dict[str, object]] = field(default_factory=list)
    seconds: float = 0.0
    outputs: dict[str, str] = field(default_factory=dict)
    scores: list[Score] = field(default_factory=list)
    qa: dict[str, object] = field(default_factory=dict)
    glossary: dict[str, object] = field(default_factory=dict)
    memory: dict[str, object] = field(default_factory=dict)
    notes: list[dict[str, object]] = field(default_factory=list)
    engine_stats: dict[str, int] = field(default_factory=dict)
    source_languages: dict[str, Any] = field(default_factory=dict)  # routing.SourcePlan
    # whose text it is and its licences (corpora.meta): what an export will publish it under
    document: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # said on stderr, kept in summary.json
    # wall seconds per stage (diglot.stages), and before the engine took its first segment
    stages: dict[str, float] = field(default_factory=dict)
    first_segment: float | None = None

    @property
    def status(self) -> str:
        return f"done with {self.failed} failed" if self.failed else "done"

    def to_json(self) -> str:
        data = asdict(self)
        data["status"] = self.status
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def resolve_pair(src: str, tgt: str) -> tuple[Language, Language]:
    s, t = resolve(src), resolve(tgt)
    if s.iso3 == t.iso3:
        raise ConfigError(f"--from and --to are both {s.name}; give two different languages")
    return s, t


def make_engine(opts: RunOptions, src: Language, tgt: Language,
                terms: TermBase | None = None) -> Engine:
    """The engine a run asked for; with a term base, wrapped to follow it."""
    name = "transformers" if opts.model and opts.engine == "apertium" else opts.engine
    extra: dict[str, object] = {}
    if name == "ctranslate2":
        extra = {"quantization": opts.quantization, "threads": opts.threads,
                 "workers": opts.workers}
    elif name == "llm":
        extra = dict(opts.llm)
    if opts.workers > 1 and name not in ("transformers", "ctranslate2"):
        raise ConfigError(f"--workers is for the transformers and ctranslate2 engines, not "
                          f"{name}" + (" (use --concurrency)" if name == "llm" else ""))
    engine: Engine
    if opts.workers > 1 and name == "transformers":
        from translate.workers import WorkerPool

        engine = WorkerPool(name, src, tgt, opts.workers, model=opts.model, device=opts.device,
                            beams=opts.beams)
    else:
        engine = open_engine(name, src, tgt, model=opts.model, device=opts.device,
                             beams=opts.beams, **extra)
    if terms is None:
        return engine
    from glossary.enforce import GlossaryEngine

    return GlossaryEngine(engine, terms)


#: Engines that can open a second pair for paragraphs in a third language: cheap to open.
#: A transformers or CTranslate2 model would need a second copy in memory, so there such
#: paragraphs are kept and flagged.
ROUTABLE = ("apertium", "llm")


def _route_sources(opts: RunOptions, engine: Engine, doc: Document) -> SourceRouter:
    """The engine wrapped to keep or reroute paragraphs not in the source language."""
    name = "transformers" if opts.model and opts.engine == "apertium" else opts.engine

    def open_pair(lang: Language) -> Engine | None:
        if name not in ROUTABLE:
            return None
        try:
            return make_engine(opts, lang, engine.tgt)
        except ConfigError:
            return None

    return route_sources(engine, doc, open_pair)


def _translate_batch(engine: Engine, batch: Sequence[Work]) -> list[Outcome]:
    """Translate a batch; if it fails, retry its segments one by one to isolate the failures."""
    start = time.perf_counter()
    try:
        hyps = engine.translate_batch([w.text for w in batch])
        each = (time.perf_counter() - start) / len(batch)
        return [Outcome(w.translation_id, h.text, None, each, h.note)
                for w, h in zip(batch, hyps, strict=True)]
    except EngineError as exc:
        if len(batch) == 1:
            return [Outcome(batch[0].translation_id, None, str(exc),
                            time.perf_counter() - start)]
    return [o for w in batch for o in _translate_batch(engine, [w])]


def _translated(engine: Engine, batches: list[list[Work]], stages: Stages | None = None,
                ) -> Iterator[tuple[list[Work], list[Outcome]]]:
    """Each batch with its outcomes, streamed through the engine when it can stream.

    A streaming engine (Apertium) is fed the next batches while the current one is stored, so
    committing batch by batch costs no engine time. If the stream breaks, the rest goes batch by
    batch, where failures are isolated segment by segment.
    """
    stream = getattr(engine, "translate_stream", None)
    sent = stages.sent if stages is not None else lambda: None

    def feed() -> Iterator[list[str]]:
        for batch in batches:
            sent()
            yield [w.text for w in batch]

    done = 0
    if stream is not None:
        try:
            start = time.perf_counter()
            for batch, hyps in zip(batches, stream(feed()), strict=True):
                now = time.perf_counter()
                each, start = (now - start) / len(batch), now
                yield batch, [Outcome(w.translation_id, h.text, None, each, h.note)
                              for w, h in zip(batch, hyps, strict=True)]
                done += 1
        except EngineError:
            pass
    for batch in batches[done:]:
        sent()
        yield batch, _translate_batch(engine, batch)


@dataclass(frozen=True)
class Progressed:
    """What one ``translate_document`` call did.

    Attributes:
        done: Segments finished now (by the engine or from the translation memory).
        failed: Segments that failed now.
        memory: Of ``done``, segments whose source text the store had already translated
            under the same configuration (another document, or earlier in this one): never
            sent to the engine.
        todo: Segments that were still to translate when the call began.
        reviewed: Of ``memory``, segments given a reviewer's correction of the same source
            text (under any configuration) instead of a machine translation.
        reviewed_at: The positions of those segments.
    """

    done: int
    failed: int
    memory: int
    todo: int
    reviewed: int = 0
    reviewed_at: frozenset[int] = frozenset()


def tidy_output(source: str, text: str, tgt: Language) -> str:
    """An engine's output spaced as the target language wants, whatever the engine.

    A copy of its source (a paragraph kept in its own language, an identity engine) stays
    byte for byte.
    """
    return text if not text or text == source else tidy(text, tgt)


def translate_document(store: Store, doc_id: int, engine: Engine, batch_size: int | None,
                       progress: Progress, stages: Stages | None = None) -> Progressed:
    """Translate every segment of a stored document that is not done yet.

    A source text is sent to the engine once: one the store has translated under the same
    configuration is taken from there, and a text repeated in the document is translated at
    its first occurrence and copied to the others, in the same transaction.
    """
    config = engine.config
    run_id = store.start_run(doc_id, engine.src.code, engine.tgt.code, config.key,
                             config.engine, config.model, config.params,
                             engine_version(config))
    work = store.work(doc_id, engine.tgt.code, config.key)
    progress.start(len(work), f"{config.engine} {engine.src.code}→{engine.tgt.code}")
    known = store.recall(engine.src.code, engine.tgt.code, config.key, (w.text for w in work),
                         doc_id, reusable_in(store.conn, doc_id))
    recalled = [Outcome(w.translation_id, known[w.text].text, note=known[w.text].note)
                for w in work if w.text in known]
    reviewed = frozenset(w.position for w in work if w.text in known and known[w.text].reviewed)
    if recalled:
        store.record(run_id, recalled)
        progress.advance(len(recalled))
    copies: dict[str, list[Work]] = {}
    for w in work:
        if w.text not in known:
            copies.setdefault(w.text, []).append(w)
    unique = [same[0] for same in copies.values()]
    size = batch_size if batch_size else int(getattr(engine, "preferred_batch", 32))
    done, failed, memory = len(recalled), 0, len(recalled)
    batches = [unique[i:i + size] for i in range(0, len(unique), size)]
    for batch, found in _translated(engine, batches, stages):
        outcomes = [replace(o, text=tidy_output(w.text, o.text, engine.tgt)) if o.text else o
                    for w, o in zip(batch, found, strict=True)]
        repeats = [Outcome(same.translation_id, o.text, o.error, 0.0, o.note)
                   for w, o in zip(batch, outcomes, strict=True) for same in copies[w.text][1:]]
        every = outcomes + repeats
        store.record(run_id, every)
        failed += sum(o.error is not None for o in every)
        done += sum(o.error is None for o in every)
        memory += sum(o.error is None for o in repeats)
        progress.advance(len(every))
    store.finish_run(run_id, failed)
    return Progressed(done, failed, memory, len(work), len(reviewed), reviewed)


def _reference_blocks(path: Path, lang: str, doc: Document, input_path: Path) -> list[str]:
    """A reference's blocks, refused unless they match the document's, before any work."""
    make_metric("bleu", lang=lang)  # a tokenizer that is not installed fails here, not after
    ref = block_texts(read_document(path, lang), {})
    count = sum(block.translatable for block in doc.blocks)
    if len(ref) != count:
        raise DataFormatError(
            path, None,
            f"has {len(ref)} paragraphs but {input_path} has {count}; give a reference "
            "with the same paragraph structure (one line per source line for plain text)")
    return ref


def _clean(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ")


def output_paths(opts: RunOptions, src: Language, tgt: Language) -> dict[str, Path]:
    """Where a run writes; ``book.es.md`` gives ``book.en.md``, not ``book.es.en.md``."""
    stem, suffix = opts.input.stem, opts.input.suffix or ".txt"
    for code in (src.iso1, src.iso3, opts.src):
        if code and stem.endswith(f".{code}"):
            stem = stem.removesuffix(f".{code}")
            break
    out = opts.out or Path(f"{stem}.{src.code}-{tgt.code}")
    paths = {
        "document": out / f"{stem}.{tgt.code}{suffix}",
        "bilingual": out / f"{stem}.{src.code}-{tgt.code}{suffix}",
        "bitext": out / f"{stem}.{src.code}-{tgt.code}.tsv",
        "summary": out / "summary.json",
        "evaluation": out / "evaluation.json",
        "report": out / "report.html",
        "project": opts.project or out / "diglot.db",
    }
    if opts.edition == "translated":
        del paths["bilingual"]
    elif opts.edition == "bilingual":
        del paths["document"]
    return paths


@dataclass(frozen=True)
class _Translated:
    """What a run has once the store is written: the document, the text of each segment as
    its review gives it (`corpora.beads.segment_texts`), and the beads behind those texts."""

    doc: Document
    doc_id: int
    texts: dict[int, str]
    beads: list[BeadText]
    summary: Summary
    references: list[str] | None
    terms: TermBase | None = None


def _store_document(store: Store, doc: Document, opts: RunOptions,
                    meta: Mapping[str, Any], summary: Summary) -> int:
    """Add the document to the store (or find it there); its id. Warns in `summary` when the
    store knows the name from another file or the text under another name."""
    other = store.conn.execute(
        "SELECT path FROM documents WHERE name = ? AND path IS NOT NULL AND path != ? "
        "ORDER BY id DESC LIMIT 1", (doc.name, str(opts.input.resolve()))).fetchone()
    if other:
        summary.warnings.append(
            f"the store holds a document named {doc.name} from another file "
            f"({other[0]}); this one takes its place in exports and keeps its "
            "metadata (diglot meta): rename the file or use another --project to keep "
            "both")
    doc_id = store.add_document(doc, opts.input.resolve(), _source_of(doc, opts.input))
    name = store.conn.execute("SELECT name FROM documents WHERE id = ?",
                              (doc_id,)).fetchone()[0]
    if name != doc.name:  # the same content, stored before under another name
        summary.warnings.append(
            f"the store holds this same text as {name} (from an earlier run); it "
            f"keeps that name: diglot meta and export know it as {name}")
    if meta:
        with store.transaction() as conn:
            save_meta(conn, name, meta, "meta file" if opts.meta else "front matter")
    summary.document = asdict(load_meta(store.conn, name))
    return int(doc_id)


def _pair(store: Store, doc: Document, doc_id: int, stored: Sequence[StoredTranslation],
          finished: list[int], opts: RunOptions, summary: Summary, terms: TermBase | None,
          ) -> list[BeadText]:
    """Save each finished segment and its translation as a 1-1 bead of the run's bitext
    (`summary`'s target language and configuration); the bitext's beads."""
    by_position = {t.position: t.text or "" for t in stored}
    scores = length_agreement([doc.segments[p].text for p in finished],
                              [by_position[p] for p in finished])
    bitext = store.save_links(
        doc_id, summary.target_lang, summary.config_key,
        [([p], [p], score) for p, score in zip(finished, scores, strict=True)],
        method="translation",
        glossary_path=str(opts.glossary.resolve()) if opts.glossary else None,
        glossary_version=terms.version if terms is not None else None)
    return store.beads(bitext)


def _translate_stored(opts: RunOptions, project: Path, progress: Progress,
                      stages: Stages | None = None, qa: bool = False) -> _Translated:
    """Ingest, translate what the store lacks, and read back every finished translation.

    When the source-language check or QA (`qa`) will identify languages, lingua starts
    loading its models in a process of its own now, while the book is read and translated
    (`evaluation.langid.warm_up`); the caller releases it (`langid.release`).
    """
    clock = stages or Stages()
    src, tgt = resolve_pair(opts.src, opts.tgt)
    if opts.source_lang_check or qa:
        from evaluation import langid

        langid.warm_up([src, tgt])
    with clock.stage("ingest"):
        doc = read_document(opts.input, src.code, ReadOptions(opts.wiki_params))
        references = (None if opts.reference is None
                      else _reference_blocks(opts.reference, tgt.code, doc, opts.input))
        terms = None
        if opts.glossary is not None:
            from glossary.termbase import read_termbase

            terms = read_termbase(opts.glossary, src, tgt)
        meta = input_meta(doc, opts.input, opts.meta)
    with clock.stage("engine start"):
        engine = base = make_engine(opts, src, tgt, terms)
    if opts.source_lang_check:
        try:
            with clock.stage("source check"):
                engine = _route_sources(opts, base, doc)
        except BaseException:
            base.close()
            raise
    config = engine.config
    summary = Summary(str(opts.input), src.code, tgt.code, config.engine, config.model,
                      config.key, config.params)
    if terms is not None:
        summary.glossary = {"path": str(opts.glossary), "version": terms.version,
                            "terms": len(terms), "warnings": list(terms.warnings)}
    try:
        with Store.open(project) as store:
            with clock.stage("ingest"):
                doc_id = _store_document(store, doc, opts, meta, summary)
            with clock.stage("translate"):
                now = translate_document(store, doc_id, engine, opts.batch_size, progress,
                                         clock)
            with clock.stage("pair"):
                stored = store.translations(doc_id, tgt.code, config.key)
                finished = sorted(t.position for t in stored if t.status == "done" and t.text)
                beads = _pair(store, doc, doc_id, stored, finished, opts, summary, terms)
    finally:
        engine.close()
    if terms is not None:
        summary.glossary["enforcement"] = dict(getattr(base, "stats", {}))
    inner = getattr(base, "engine", base)  # under the glossary wrapper, if any
    summary.source_languages = (engine.plan.summary(doc) if isinstance(engine, SourceRouter)
                                else {"check": "off"})
    summary.engine_stats = dict(getattr(inner, "stats", {}))
    summary.segments = len(doc.segments)
    summary.untranslatable = sum(not s.translate for s in doc.segments)
    # segments the source-language check kept as they are were never sent to an engine
    summary.kept = engine.kept if isinstance(engine, SourceRouter) else 0
    summary.translated = now.done - now.memory - summary.kept
    summary.memory = {"hits": now.memory, "segments": now.todo,
                      "rate": round(now.memory / now.todo, 4) if now.todo else 0.0}
    summary.reused = len(finished) - now.done
    # a re-run writes what the review gives: a segment counts once, whether its text came
    # from a bead's review (carried from another configuration's bitext too) or was recalled
    summary.reviewed = len(now.reviewed_at | {p for b in beads if b.reviewed for p in b.src})
    summary.failures = [{"segment": t.position, "text": doc.segments[t.position].text,
                         "error": t.error} for t in stored if t.status != "done"]
    summary.failed = len(summary.failures)
    summary.notes = [{"segment": t.position, "note": t.note} for t in stored
                     if t.status == "done" and t.note]
    return _Translated(doc, doc_id, segment_texts(beads), beads, summary, references, terms)


def run(opts: RunOptions, progress: Progress | None = None) -> Summary:
    """Run the whole job. Bad input fails before anything is written.

    Raises:
        DiglotError: Bad input, unsupported pair, missing model, locked or newer store.
    """
    clock = Stages()
    paths = output_paths(opts, *resolve_pair(opts.src, opts.tgt))
    bar = progress or NoProgress()
    if opts.edition not in EDITIONS:
        raise ConfigError(f"unknown edition {opts.edition!r}; use one of {', '.join(EDITIONS)}")
    _check_edition(opts)
    from evaluation import langid

    try:
        job = _translate_stored(opts, paths["project"], bar, clock, qa=True)
        return _finish_run(opts, job, paths, bar, clock)
    finally:
        langid.release()  # lingua's models (~200 MB) are not needed past QA


def _finish_run(opts: RunOptions, job: _Translated, paths: dict[str, Path], bar: Progress,
                clock: Stages) -> Summary:
    """Write the editions and the bitext, check and score them, write the report."""
    doc, texts, summary = job.doc, job.texts, job.summary
    with clock.stage("write"):
        for edition, key in (("translated", "document"), ("bilingual", "bilingual")):
            if key in paths:
                written = write_document(doc, texts, paths[key],
                                         _write_context(opts, summary, edition))
                for n, extra in enumerate(written[1:], start=1):
                    paths[f"{key}_{extra.suffix.lstrip('.') or n}"] = extra
        pairs = [f"{_clean(_source(doc, b.src))}\t{_clean(b.text)}\n" for b in job.beads]
        write_atomic(paths["bitext"], "".join(pairs))
        targets = block_texts(doc, texts)
    with clock.stage("qa"):
        if job.references is not None:
            bar.start(1, "corpus scores")
            summary.scores = corpus_scores(targets, [job.references],
                                           hyp_name=paths["document"],
                                           ref_names=[str(opts.reference)],
                                           lang=summary.target_lang)
            bar.advance(1)
        # QA sees a bead over several segments as one item on its first segment
        merged = {p for b in job.beads for p in b.src if p != min(b.src)}
        checked = {p: t for p, t in texts.items() if p not in merged}
        sources = {min(b.src): _source(doc, b.src) for b in job.beads if len(b.src) > 1}
        evaluation = evaluate(doc, checked, targets, job.references, summary, job.terms, bar,
                              sources)
        write_atomic(paths["evaluation"],
                     json.dumps(evaluation, ensure_ascii=False, indent=1) + "\n")
        _store_flags(paths["project"], job, summary, evaluation, checked)
    summary.outputs = {k: str(v) for k, v in paths.items()}
    summary.first_segment = clock.first_segment
    _finish(summary, clock, paths["summary"])
    with clock.stage("report"):
        bar.start(1, "report")
        write_report(paths["summary"].parent, paths["report"])
        bar.advance(1)
    _finish(summary, clock, paths["summary"])  # again, with the report's time
    return summary


def _finish(summary: Summary, clock: Stages, path: Path) -> None:
    """Write summary.json with the run's seconds so far (the report reads it)."""
    summary.seconds = round(clock.elapsed(), 3)
    summary.stages = clock.rounded()
    write_atomic(path, summary.to_json())


def _source_of(doc: Document, path: Path) -> str | bytes:
    """What identifies a document's content in the store: a line-based document's text (as
    read, so earlier stores match), the bytes of any other file."""
    if doc.lines:
        return "\n".join(doc.lines) + ("\n" if doc.trailing_newline else "")
    return path.read_bytes()


def _check_edition(opts: RunOptions) -> None:
    """Refuse a bilingual edition of a format that has none, before any work."""
    from corpora.formats import check_edition

    check_edition(detect_format(opts.input), opts.edition, opts.input)


def _write_context(opts: RunOptions, summary: Summary, edition: str) -> WriteContext:
    from datetime import datetime, timezone

    from diglot import __version__

    return WriteContext(opts.input, summary.source_lang, summary.target_lang, edition,
                        summary.engine, summary.model,
                        datetime.now(timezone.utc).replace(microsecond=0),
                        f"diglot {__version__}", opts.wiki_params)


def _source(doc: Document, positions: Sequence[int]) -> str:
    """The source text of a bead: its segments joined with a space."""
    return " ".join(doc.segments[p].text for p in positions)


def _item_positions(doc: Document, texts: Mapping[int, str]) -> dict[str, int]:
    """The segment position of each QA item `document_items` makes from these texts (one
    item per translatable segment with a text, in document order)."""
    from evaluation.sources import document_items

    positions = [k for k, seg in enumerate(doc.segments) if k in texts and seg.translate]
    return {item.id: k for item, k in zip(document_items(doc, dict(texts)), positions,
                                           strict=True)}


def _store_flags(project: Path, job: _Translated, summary: Summary,
                 evaluation: dict[str, Any], texts: Mapping[int, str]) -> None:
    """Write the run's QA flags into the store, each at its segment position, replacing the
    bitext's earlier ones (the review server shows them on the beads)."""
    at = _item_positions(job.doc, texts)
    flags = [(at[f["item"]], f["check"], f["severity"], f["message"])
             for f in evaluation["flags"] if f["item"] in at]
    with Store.open(project) as store:
        store.save_flags(job.doc_id, summary.target_lang, summary.config_key, flags)


def evaluate(doc: Document, texts: dict[int, str], targets: list[str],
             references: list[str] | None, summary: Summary,
             terms: TermBase | None = None,
             progress: Progress | None = None,
             sources: Mapping[int, str] | None = None) -> dict[str, object]:
    """QA of every translated segment, and per-paragraph scores when there is a reference.

    Args:
        doc: the source document.
        texts: the translation of each segment, by position.
        targets: the translated text of each translatable block (`block_texts`).
        references: the reference text of each translatable block, if any.
        summary: the run's summary; its `qa` is set to the QA counts, and its `glossary`
            gains the term check's counts when there is a term base.
        terms: the run's term base, if any: adds the glossary QA check.
        progress: shown a bar for the glossary check (segments), the QA checks (checks) and
            the paragraph scores (metrics).
        sources: the source text to check against, by position, where it is not the
            segment's own (a bead over several segments: their texts joined).

    Returns:
        What evaluation.json holds.
    """
    from evaluation.checks import default_checks
    from evaluation.qa import Context, run_checks
    from evaluation.sources import document_items

    bar = progress or NoProgress()
    items = document_items(doc, texts)
    if sources:
        at = _item_positions(doc, texts)
        items = [replace(it, source=sources.get(at[it.id], it.source)) for it in items]
    ctx = Context(*resolve_pair(summary.source_lang, summary.target_lang))
    glossary: dict[str, object] = {}
    checks = None
    if terms is not None:
        from evaluation.sources import kept_terms
        from glossary.check import TermChecker, check_segments

        checker = TermChecker(terms)
        ctx = Context(ctx.source, ctx.target, kept_terms(terms))  # dnt terms are not copies
        checks = default_checks(ctx, checker)
        bar.start(len(items), "glossary check")
        found = check_segments(checker, [(it.id, it.source, it.target) for it in items])
        bar.advance(len(items))
        summary.glossary.update(occurrences=found.occurrences, honoured=found.honoured,
                                usage=round(found.usage, 4), violations=found.violation_count,
                                inconsistent_terms=len(found.inconsistencies))
        glossary = {"inconsistencies": [{"term": i.term.source, "forms": dict(i.forms)}
                                        for i in found.inconsistencies]}
    flagged = flagged_sources(doc, summary.source_languages)
    if flagged:  # kept in a third language for want of a pair: a translator's job
        checks = [*(checks or default_checks(ctx)), FlaggedSourceCheck(flagged)]
    report = run_checks(items, ctx, checks, bar)
    summary.qa = report.summary()
    sections = {it.id: it.section for it in items}
    blocks = [b for b in doc.blocks if b.translatable]
    per = (_paragraph_scores(targets, references, bar, summary.target_lang)
           if references is not None else {})
    paragraphs = [{"line": block.start + 1, "source": src, "target": tgt,
                   "reference": references[k] if references is not None else None,
                   "chrf": per["chrf"][k] if per else None,
                   "bleu": per["bleu"][k] if per else None}
                  for k, (block, src, tgt) in enumerate(zip(blocks, block_texts(doc, {}),
                                                             targets, strict=True))]
    return {"checks": list(report.seconds), "qa": summary.qa,
            "segments": {it.id: {"source": it.source, "target": it.target,
                                 "section": it.section} for it in items},
            "flags": [vars(f) | {"section": sections.get(f.item, "")} for f in report.flags],
            "paragraphs": paragraphs, "glossary": glossary}


def _paragraph_scores(targets: list[str], references: list[str], progress: Progress,
                      lang: str) -> dict[str, list[float]]:
    """chrF and BLEU (tokenized for `lang`) of each paragraph, shape {metric: [score of
    paragraph k]}."""
    progress.start(2, f"scores of {len(targets)} paragraphs")
    per: dict[str, list[float]] = {}
    for metric in ("chrf", "bleu"):
        per |= segment_scores(targets, [references], (metric,), lang=lang)
        progress.advance(1)
    return per


def translate_only(opts: RunOptions, out: Path | None,
                   progress: Progress | None = None) -> tuple[str | None, Summary]:
    """The translation step alone: the translated document, written to ``out`` (in the
    input's format, in ``opts.edition``), or returned as text when ``out`` is None.

    Without ``opts.project`` the store is a temporary file, gone when the call returns.

    Raises:
        ConfigError: No ``out`` for a format that is not text (EPUB, DOCX...), or an edition
            that is not one file.
    """
    fmt = detect_format(opts.input)
    if out is None and fmt not in ("markdown", "text", "html", "wikitext"):
        raise ConfigError(f"{opts.input} is {fmt.upper()}: give --out FILE for the "
                          "translated book (it cannot go to standard output)")
    if opts.edition == "both":
        raise ConfigError("diglot translate writes one edition: --edition translated or "
                          "bilingual (diglot run writes both)")
    if out is not None:
        from corpora.formats import SUFFIXES

        named = SUFFIXES.get(out.suffix.lower(), "text")
        if named != fmt and {named, fmt} - {"text", "markdown"}:
            raise ConfigError(
                f"--out {out} names a {named} file, but the book is {fmt}: diglot writes a "
                f"book in its own format; name it {out.stem}{opts.input.suffix}")
    _check_edition(opts)
    from evaluation import langid

    with tempfile.TemporaryDirectory() as tmp:
        project = opts.project or Path(tmp) / "diglot.db"
        try:
            job = _translate_stored(opts, project, progress or NoProgress())
        finally:
            langid.release()
        if out is None:
            written = Path(tmp) / f"out{opts.input.suffix}"
            write_document(job.doc, job.texts, written,
                           _write_context(opts, job.summary, opts.edition))
            return written.read_text(encoding="utf-8"), job.summary
        write_document(job.doc, job.texts, out, _write_context(opts, job.summary, opts.edition))
    return None, job.summary
