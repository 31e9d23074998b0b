"""QA speed: all checks over a 100,000-segment bitext, and each check alone.

    .venv/bin/python benchmarks/qa.py [--segments 100000] [--copies 0.01]

The bitext is the real FLORES dev outputs of every system in ../shared/data/flores-dev/systems
(fr-en), repeated until it has the requested number of segments (no check caches anything,
so repeats cost what new segments would); `--copies` replaces that share of the targets by
their source, so that the copy and language checks meet suspects and identify their sources'
language. Goal: ≥ 3,000 segments/s for the full set, language identification included.
Targets whose function words plainly say they are in the target language never reach lingua
(evaluation/function_words.py); the run says how many did.
Baselines measured in the same run: the cheapest possible pass over the same data (reading
every segment once), the copy and language checks without identifying the source's
language (what they cost before it was added), and the language check with lingua on every
target (what it cost before the function-word test).
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


def planted(items: list[Item], share: float) -> list[Item]:
    """The items with every (1/share)-th target replaced by its source (a copy)."""
    from evaluation.qa import Item

    step = max(1, round(1 / share)) if share > 0 else len(items) + 1
    return [Item(it.id, it.source, it.source) if k % step == step - 1 else it
            for k, it in enumerate(items)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--copies", type=float, default=0.01,
                        help="share of targets replaced by their source (default 1 %%)")
    args = parser.parse_args()
    from evaluation import langid
    from evaluation.checks import CopiedCheck, UntranslatedCheck, default_checks
    from evaluation.qa import Context, run_checks
    from translate.langs import resolve

    items = planted(bitext(args.segments), args.copies)
    ctx = Context(resolve("fr"), resolve("en"))
    start = time.perf_counter()
    chars = sum(len(it.source) + len(it.target) for it in items)
    base = time.perf_counter() - start
    run_checks(items[:200], ctx)  # load the language models once, outside the timing
    langid.IDENTIFIED.clear()
    start = time.perf_counter()
    report = run_checks(items, ctx)
    total = time.perf_counter() - start
    identified = dict(langid.IDENTIFIED)
    plain = run_checks(items, ctx, [CopiedCheck(identify_source=False),
                                    UntranslatedCheck(identify_source=False)])
    every = run_checks(items, ctx, [UntranslatedCheck(function_words=False)])
    n = len(items)
    print(f"QA over {n:,} segments ({chars:,} characters, {args.copies:.1%} planted copies), "
          f"{os.cpu_count()} cores\n")
    print("| what | seconds | segments/s | flags |")
    print("|---|---|---|---|")
    print(f"| baseline: read every segment once | {base:.2f} | {n / base:,.0f} | |")
    for name, t in plain.seconds.items():
        print(f"| baseline: {name} without source identification | {t:.2f} | {n / t:,.0f} | "
              f"{sum(f.check == name for f in plain.flags):,} |")
    t = every.seconds["untranslated"]
    print(f"| baseline: untranslated, lingua on every target (no function-word test) | "
          f"{t:.2f} | {n / t:,.0f} | {len(every.flags):,} |")
    counts = report.counts()
    for check in default_checks(ctx):
        t = report.seconds[check.name]
        print(f"| {check.name} | {t:.2f} | {n / t:,.0f} | {counts[check.name]:,} |")
    notes = sum(f.severity == "info" for f in report.flags)
    print(f"| (info notes, not counted above) | | | {notes:,} |")
    print(f"| **all checks** | {total:.2f} | **{n / total:,.0f}** | "
          f"{len(report.flags):,} |")
    print(f"\nTexts lingua identified in the full run (the function words settled the rest): "
          f"{identified.get('detect', 0):,} detected of {n:,} targets and copied sources, "
          f"{identified.get('confidence', 0):,} confidence values")
    print(f"\ngoal ≥ 3,000 segments/s for all checks: "
          f"{'met' if n / total >= 3000 else 'NOT met'}")


if __name__ == "__main__":
    main()
