"""Sentence alignment quality and speed, with Gale–Church as the baseline measured in the same run.

    .venv/bin/python benchmarks/align.py            # everything (about 10 minutes on 2 cores)
    .venv/bin/python benchmarks/align.py --quick    # Text+Berg and the scaling run only

Each configuration runs in its own process, so its peak memory (max RSS) and time are its own;
embeddings start from an empty cache, so the time includes embedding every sentence once.
Data: ../shared/data/textberg-dev (de–fr, 1 document) and ../shared/data/mac-dev (zh–en,
6 chapters), scored with the strict and lax measures of Sennrich & Volk (2011).
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

SETS = {
    "textberg-dev": [("textberg-dev/dev.de", "textberg-dev/dev.fr", "textberg-dev/dev.defr",
                      None)],
    "mac-dev": [(f"mac-dev/zh/{k:03}", f"mac-dev/en/{k:03}", f"mac-dev/gold/{k:03}.align",
                 f"mac-dev/zh/{k:03}.trans") for k in range(1, 7)],
}
SCORERS = {
    "textberg-dev": ["length", "embedding", "embedding+length"],
    "mac-dev": ["length", "embedding", "embedding+length"],
}
# Not here: embedding+translation (chrF against mac-dev/zh/*.trans). Its chrF is computed in
# Python for every cell of the table, which on MAC chapters (full tables of ~90k cells × 14 bead
# types) takes many minutes; it needs a vectorised chrF first.


def _lines(rel: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in (DATA / rel).read_text(encoding="utf-8").splitlines())


def job_quality(dataset: str, scorer_name: str, cache: Path) -> dict[str, float | int]:
    from align.aligner import Side, align_sides
    from align.cli import make_scorer
    from align.gold import read_links, score_alignments

    pairs, sentences = [], 0
    start = time.perf_counter()
    for src_rel, tgt_rel, gold_rel, trans_rel in SETS[dataset]:
        src, tgt = _lines(src_rel), _lines(tgt_rel)
        scorer = make_scorer(scorer_name, cache=cache,
                             translation=_lines(trans_rel) if trans_rel else None)
        alignment = align_sides(Side(Path(src_rel), src), Side(Path(tgt_rel), tgt), scorer)
        gold = read_links(DATA / gold_rel, len(src), len(tgt))
        pairs.append((gold, [(b.src, b.tgt) for b in alignment.beads]))
        sentences += len(src) + len(tgt)
    seconds = time.perf_counter() - start
    return {**score_alignments(pairs).as_dict(), "seconds": seconds, "sentences": sentences}


class SyntheticEmbedder:
    """Vectors for synthetic sentences "k:…": sentence k of both sides shares a direction."""

    name = "synthetic"

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim

    def embed(self, texts):  # type: ignore[no-untyped-def]
        import numpy as np

        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            base, _, noise = text.partition(":")
            vec = np.random.default_rng(int(base)).normal(size=self.dim)
            vec += 0.6 * np.random.default_rng(zlib.crc32(noise.encode())).normal(size=self.dim)
            out[row] = vec / np.linalg.norm(vec)
        return out


def job_scaling(n: int) -> dict[str, float | int]:
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
    scorer = Combined([(1.0, EmbeddingScorer(SyntheticEmbedder())), (0.01, GaleChurch())])
    scorer.fit(src, tgt)  # embeddings are not what this measures
    start = time.perf_counter()
    alignment = align_sides(Side(Path("src"), tuple(src)), Side(Path("tgt"), tuple(tgt)), scorer)
    return {"seconds": time.perf_counter() - start, "links": len(alignment.links),
            "tgt": len(tgt)}


def _run_job(*args: str) -> dict[str, float | int]:
    proc = subprocess.Popen([sys.executable, __file__, "--job", *args], stdout=subprocess.PIPE,
                            text=True, cwd=ROOT)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"job {args} failed")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--job":
        kind = sys.argv[2]
        if kind == "quality":
            result = job_quality(sys.argv[3], sys.argv[4], Path(sys.argv[5]))
        else:
            result = job_scaling(int(sys.argv[3]))
        print(json.dumps(result))
        return
    quick = "--quick" in sys.argv
    if not DATA.is_dir():
        raise SystemExit(f"{DATA} is absent: the benchmark needs ../shared/data")
    print("## Quality: strict and lax P/R/F1 (Sennrich & Volk), time and peak memory\n")
    print("| data | scorer | strict P | strict R | strict F1 | lax P | lax R | lax F1 "
          "| seconds | sentences/s | peak MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for dataset in (["textberg-dev"] if quick else list(SETS)):
        with tempfile.TemporaryDirectory() as tmp:
            for name in SCORERS[dataset]:
                r = _run_job("quality", dataset, name, str(Path(tmp) / "cache.sqlite"))
                print(f"| {dataset} | {name} | {r['precision_strict']:.3f} | "
                      f"{r['recall_strict']:.3f} | {r['f1_strict']:.3f} | "
                      f"{r['precision_lax']:.3f} | {r['recall_lax']:.3f} | {r['f1_lax']:.3f} | "
                      f"{r['seconds']:.1f} | {r['sentences'] / r['seconds']:.0f} | "
                      f"{r['peak_mb']:.0f} |", flush=True)
    print("\n(embedding+length reuses the embedding cache that the embedding row filled; "
          "the embedding row's time includes embedding every sentence once.)")
    print("\n## Scaling: the aligner alone (embeddings precomputed), n × ~n sentences\n")
    print("| n | seconds | seconds per 1k sentences | peak MB |")
    print("|---|---|---|---|")
    for n in (1000, 2000, 5000, 10000):
        r = _run_job("scaling", str(n))
        print(f"| {n} | {r['seconds']:.2f} | {r['seconds'] / n * 1000:.3f} | "
              f"{r['peak_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
