"""QA speed: all checks over a 100,000-segment bitext, and each check alone.

    .venv/bin/python benchmarks/qa.py [--segments 100000]

The bitext is the real FLORES dev outputs of every system in ../shared/data/flores-dev/systems
(fr-en), repeated until it has the requested number of segments (no check caches anything,
so repeats cost what new segments would). Goal: ≥ 3,000 segments/s for the full set,
language identification included. The baseline row is the cheapest possible pass over the
same data (reading every segment once), measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evaluation.qa import Item

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "flores-dev" / "systems" / "fr-en"


def bitext(size: int) -> list[Item]:
    from evaluation.qa import Item

    sources = (DATA / "flores-dev.fr").read_text(encoding="utf-8").splitlines()
    pairs = []
    for path in sorted(DATA.glob("flores-dev.*.en")):
        pairs += list(zip(sources, path.read_text(encoding="utf-8").splitlines(), strict=True))
    items: list[Item] = []
    while len(items) < size:
        for src, tgt in pairs[: size - len(items)]:
            items.append(Item(str(len(items) + 1), src, tgt))
    return items


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--segments", type=int, default=100_000)
    args = parser.parse_args()
    from evaluation.checks import default_checks
    from evaluation.qa import Context, run_checks
    from translate.langs import resolve

    items = bitext(args.segments)
    ctx = Context(resolve("fr"), resolve("en"))
    start = time.perf_counter()
    chars = sum(len(it.source) + len(it.target) for it in items)
    base = time.perf_counter() - start
    run_checks(items[:200], ctx)  # load the language models once, outside the timing
    start = time.perf_counter()
    report = run_checks(items, ctx)
    total = time.perf_counter() - start
    n = len(items)
    print(f"QA over {n:,} segments ({chars:,} characters), {os.cpu_count()} cores\n")
    print("| what | seconds | segments/s | flags |")
    print("|---|---|---|---|")
    print(f"| baseline: read every segment once | {base:.2f} | {n / base:,.0f} | |")
    counts = report.counts()
    for check in default_checks(ctx):
        t = report.seconds[check.name]
        print(f"| {check.name} | {t:.2f} | {n / t:,.0f} | {counts[check.name]:,} |")
    print(f"| **all checks** | {total:.2f} | **{n / total:,.0f}** | "
          f"{len(report.flags):,} |")
    print(f"\ngoal ≥ 3,000 segments/s for all checks: "
          f"{'met' if n / total >= 3000 else 'NOT met'}")


if __name__ == "__main__":
    main()
