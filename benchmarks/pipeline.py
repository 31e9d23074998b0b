"""Benchmark: a whole `diglot run` (Apertium fr→es) against raw Apertium, stage by stage.

Inputs (all real French text from ../shared/data, nothing written by this project):

* the Manifesto: ``manifesto/fr.md`` (Laura Lafargue's 1886 translation), ~740 segments;
* the book: the Manifesto, then the Text+Berg dev article (``textberg-dev/dev.fr``), FLORES
  dev (``flores-dev/fra.dev``) and the four real French MT outputs of FLORES dev in
  ``flores-dev/systems/en-fr`` (Bergamot base and tiny, Google, Microsoft), as chapters of
  four-sentence paragraphs: ~6,800 segments of which ~6,260 distinct (the MT systems agree on
  some sentences; those repeats are the translation memory's share, shown as its own row).

Rows, each the median of REPEATS runs, alternating raw and diglot:

* "apertium -u fr-es, raw": the segments diglot sends, one a line, piped through one
  ``apertium -u fr-es`` (the baseline, measured in the same run); also on the distinct
  segments only (what the translation memory leaves the engine).
* "diglot run, end to end": the installed CLI into a fresh folder (Python start-up, imports,
  everything); "in-run": summary.json's ``seconds`` (from the start of the run to the end of
  the report). Then each stage's seconds (summary.json ``stages``) and how long the run took
  before the engine took its first segment (``first_segment``).
* "translation memory": the same book plus one line, as another document into the same
  project: every segment but the last comes from the store's translation memory, so this is
  the run without the engine.
* start-up: ``diglot --help``, and a one-paragraph run end to end and before its first
  segment (imports included: end to end less in-run, plus ``first_segment``).

Peak RSS: ``/usr/bin/time -f %M`` when present (the largest single process), else
getrusage(RUSAGE_CHILDREN) in a fresh Python child. Goals (issue 18): in-run ≤ 1.10× raw on
the book, ≤ 1.25× on the Manifesto; end to end ≤ 1.20× on the book.

Run from the project root:  .venv/bin/python benchmarks/pipeline.py [--repeats N]
(about 5 minutes with 3 repeats on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared/data"
MANIFESTO = DATA / "manifesto/fr.md"
SYSTEMS = ("bergamot-base-memory", "bergamot-tiny", "google", "microsoft")
DIGLOT = Path(sys.executable).parent / "diglot"
GNU_TIME = shutil.which("/usr/bin/time")  # GNU time; None when absent
STAGES = ("ingest", "engine start", "source check", "translate", "pair", "write", "qa",
          "report")

# Fallback: a fresh Python child runs the command and reports its children's peak RSS (KiB).
_RUSAGE_CHILD = """import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdin=sys.stdin, stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)"""


def measure(cmd: list[str], stdin: str | None = None) -> tuple[float, float]:
    """Run ``cmd`` once; (wall seconds, peak RSS in MB)."""
    with tempfile.TemporaryDirectory(prefix="diglot-bench-") as tmp:
        rss_file = Path(tmp) / "rss"
        if GNU_TIME:
            full = [GNU_TIME, "-f", "%M", "-o", str(rss_file), *cmd]
        else:
            full = [sys.executable, "-c", _RUSAGE_CHILD, *cmd]
        start = time.perf_counter()
        proc = subprocess.run(full, input=stdin, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
        raw = rss_file.read_text() if GNU_TIME else proc.stderr
        kib = int(raw.strip().splitlines()[-1])
    return seconds, kib / 1024


def diglot_run(source: Path, out: Path) -> tuple[float, float, dict[str, Any]]:
    """One ``diglot run`` into ``out``: (wall s, peak RSS MB, its summary.json)."""
    seconds, rss = measure([str(DIGLOT), "run", str(source), "--from", "fr", "--to", "es",
                            "--engine", "apertium", "--out", str(out)])
    return seconds, rss, json.loads((out / "summary.json").read_text(encoding="utf-8"))


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _chapters(title: str, lines: list[str], per: int = 40, para: int = 4) -> str:
    """``lines`` (one sentence each) as chapters of ``per`` sentences in paragraphs of
    ``para``."""
    out = []
    for start in range(0, len(lines), per):
        chunk = lines[start:start + per]
        paras = [" ".join(chunk[k:k + para]) for k in range(0, len(chunk), para)]
        out.append(f"# {title} {start // per + 1}\n\n" + "\n\n".join(paras))
    return "\n\n".join(out)


def build_book(path: Path) -> None:
    """Write the unique-text French book (see the module docstring) to ``path``."""
    parts = [MANIFESTO.read_text(encoding="utf-8"),
             _chapters("Chronique", _lines(DATA / "textberg-dev/dev.fr")),
             _chapters("Dépêches", _lines(DATA / "flores-dev/fra.dev"))]
    parts += [_chapters(f"Dépêches ({name})",
                        _lines(DATA / f"flores-dev/systems/en-fr/flores-dev.{name}.fr"))
              for name in SYSTEMS]
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")


def package_version(name: str) -> str:
    if not shutil.which("dpkg-query"):
        return "unknown (no dpkg-query)"
    proc = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", name], capture_output=True,
                          text=True)
    return proc.stdout.strip() if proc.returncode == 0 else "not installed (dpkg)"


def table(title: str, rows: list[tuple[str, int | str, float, float | None]],
          baseline: float) -> None:
    """Print rows of (system, segments, seconds, peak RSS MB or None, CPU-free ratio base)."""
    print(f"\n**{title}**\n")
    print("| system | segments | seconds (median) | segments/s | × raw | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, n, secs, rss in rows:
        rate = f"{n / secs:.0f}" if isinstance(n, int) and n and secs else "-"
        ratio = f"{secs / baseline:.2f}" if baseline else "-"
        print(f"| {name} | {n} | {secs:.2f} | {rate} | {ratio} | "
              f"{'-' if rss is None else f'{rss:.0f}'} |")


def compare(label: str, source: Path, repeats: int, goal: float,
            goal_e2e: float | None) -> None:
    from corpora.formats import read_document

    doc = read_document(source, "fr")
    lines = [s.text.replace("\n", " ") for s in doc.segments if s.translate]
    distinct = list(dict.fromkeys(lines))
    raw_all, raw_distinct, runs = [], [], []
    with tempfile.TemporaryDirectory(prefix="diglot-bench-out-") as tmp:
        for k in range(repeats):
            raw_all.append(measure(["apertium", "-u", "fr-es"], "\n".join(lines) + "\n"))
            raw_distinct.append(measure(["apertium", "-u", "fr-es"],
                                        "\n".join(distinct) + "\n"))
            runs.append(diglot_run(source, Path(tmp) / f"run{k}"))
        # the same text and one more line, into the last run's project: a new document whose
        # segments all come from the translation memory but the last
        again = Path(tmp) / f"again-{source.name}"
        again.write_text(source.read_text(encoding="utf-8") + "\n\nFin du livre.\n",
                         encoding="utf-8")
        memory = [diglot_run(again, Path(tmp) / f"run{repeats - 1}")]
    med = statistics.median
    for _, _, summary in runs + memory:
        if summary["failed"]:
            sys.exit(f"diglot run failed segments: {summary['failures'][:3]}")
    base = med(r[0] for r in raw_all)
    in_run = med(r[2]["seconds"] for r in runs)
    e2e = med(r[0] for r in runs)
    first = runs[-1][2]
    mem = memory[0][2]
    rows: list[tuple[str, int | str, float, float | None]] = [
        ("apertium -u fr-es, raw, every segment — baseline", len(lines), base,
         max(r[1] for r in raw_all)),
        ("apertium -u fr-es, raw, distinct segments only", len(distinct),
         med(r[0] for r in raw_distinct), max(r[1] for r in raw_distinct)),
        ("diglot run, end to end (CLI: start-up, imports, run)", len(lines), e2e,
         max(r[1] for r in runs)),
        ("diglot run, in-run (summary.json seconds)", len(lines), in_run, None)]
    rows += [(f"· stage: {name}", "", med(r[2]["stages"].get(name, 0.0) for r in runs), None)
             for name in STAGES]
    rows.append(("· before the first segment reached the engine", "",
                 med(r[2]["first_segment"] or 0.0 for r in runs), None))
    rows.append((f"diglot run (in-run), the same text again in another document: translation "
                 f"memory {mem['memory']['hits']} hits, {mem['translated']} translated",
                 mem["segments"] - mem["untranslatable"], mem["seconds"], memory[0][1]))
    table(f"{label}: {len(lines)} segments ({len(distinct)} distinct; the translation "
          f"memory served {first['memory']['hits']} repeats in the first run)", rows, base)
    verdict = "met" if in_run / base <= goal else "NOT met"
    print(f"\nin-run {in_run / base:.2f}× raw (goal ≤ {goal:.2f}: {verdict})", end="")
    if goal_e2e is not None:
        verdict = "met" if e2e / base <= goal_e2e else "NOT met"
        print(f"; end to end {e2e / base:.2f}× raw (goal ≤ {goal_e2e:.2f}: {verdict})", end="")
    print()
    print(f"runs (s): raw {', '.join(f'{r[0]:.2f}' for r in raw_all)}; diglot end to end "
          f"{', '.join(f'{r[0]:.2f}' for r in runs)}; in-run "
          f"{', '.join(format(r[2]['seconds'], '.2f') for r in runs)}")


def startup(repeats: int) -> None:
    """`diglot --help`, and what a one-paragraph run pays before its first segment."""
    helps = [measure([str(DIGLOT), "--help"]) for _ in range(max(repeats, 5))]
    with tempfile.TemporaryDirectory(prefix="diglot-bench-one-") as tmp:
        one = Path(tmp) / "one.fr.md"
        one.write_text("Un spectre hante l'Europe : le spectre du communisme.\n",
                       encoding="utf-8")
        runs = [diglot_run(one, Path(tmp) / f"out{k}") for k in range(max(repeats, 3))]
    med = statistics.median
    e2e, in_run = med(r[0] for r in runs), med(r[2]["seconds"] for r in runs)
    first = med(r[2]["first_segment"] or 0.0 for r in runs)
    print("\n**Start-up**\n")
    print("| what | seconds (median) | peak RSS MB |")
    print("|---|---:|---:|")
    print(f"| diglot --help (goal < 0.30) | {med(h[0] for h in helps):.3f} | "
          f"{max(h[1] for h in helps):.0f} |")
    print(f"| one-paragraph diglot run, end to end | {e2e:.3f} | "
          f"{max(r[1] for r in runs):.0f} |")
    print(f"| · before the run starts (Python, imports, CLI: end to end less in-run) | "
          f"{e2e - in_run:.3f} | - |")
    print(f"| · from the run's start to the first segment at the engine | {first:.3f} | - |")
    for name in STAGES:
        print(f"| · stage: {name} | {med(r[2]['stages'].get(name, 0.0) for r in runs):.3f} "
              "| - |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="the Manifesto and start-up only")
    args = parser.parse_args()
    if not MANIFESTO.is_file():
        sys.exit(f"benchmark input not found: {MANIFESTO} (expected shared/data beside the "
                 "project)")
    if not shutil.which("apertium"):
        sys.exit("apertium is not installed (apt-get install apertium apertium-fr-es)")
    if not DIGLOT.exists():
        sys.exit(f"diglot CLI not found at {DIGLOT}; run with the project's .venv/bin/python")
    sys.path.insert(0, str(ROOT))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} at start, "
          f"{platform.platform()}, Python {platform.python_version()}")
    print(f"apertium-fr-es {package_version('apertium-fr-es')}, "
          f"apertium {package_version('apertium')}; {args.repeats} runs each, alternating, "
          "median; peak RSS " + ("by /usr/bin/time -f %M (the largest process)" if GNU_TIME
                                 else "by getrusage(RUSAGE_CHILDREN)"))
    compare("The Manifesto (fr.md), fr→es", MANIFESTO, args.repeats, 1.25, None)
    if not args.quick:
        with tempfile.TemporaryDirectory(prefix="diglot-bench-in-") as tmp:
            book = Path(tmp) / "book.fr.md"
            build_book(book)
            compare("The book (unique text), fr→es", book, args.repeats, 1.10, 1.20)
    startup(args.repeats)


if __name__ == "__main__":
    main()
