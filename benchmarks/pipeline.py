"""Benchmark: diglot's apertium pipeline against raw apertium, fr→es.

Measures, on the French Communist Manifesto (../shared/data/manifesto/fr.md):

* "apertium fr-es (raw)": the sentences diglot would send (``ingest`` segments with
  ``translate`` set), one per line, piped through ``apertium -u fr-es`` in one subprocess.
* "diglot run": the installed CLI, ``diglot run FR.md --from fr --to es --engine apertium``,
  into a fresh temporary folder each time (nothing reused from a store). End-to-end time
  includes Python start-up and imports; diglot's own "seconds" from summary.json is also shown.

Each is run 3 times, alternating, and the median is reported with peak RSS of the child
(``/usr/bin/time -f %M`` when present, else getrusage(RUSAGE_CHILDREN) in a fresh Python
child, which is a max over that process's children).

Run from the project root:  .venv/bin/python benchmarks/pipeline.py
"""

from __future__ import annotations

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

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared/data/manifesto/fr.md"
DIGLOT = Path(sys.executable).parent / "diglot"
REPEATS = 3
GNU_TIME = shutil.which("/usr/bin/time")  # GNU time; None when absent

# Fallback: a fresh Python child runs the command and reports its children's peak RSS (KiB).
_RUSAGE_CHILD = """import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdin=sys.stdin, stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)"""


def measure(cmd: list[str], stdin: str | None = None) -> tuple[float, float]:
    """Run ``cmd`` once; return (wall seconds, peak RSS in MB)."""
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


def run_diglot(source: Path) -> tuple[float, float, float, int]:
    """One ``diglot run`` in a fresh folder: (wall s, peak RSS MB, summary seconds, segments)."""
    with tempfile.TemporaryDirectory(prefix="diglot-bench-out-") as tmp:
        out = Path(tmp) / "out"
        seconds, rss = measure([str(DIGLOT), "run", str(source), "--from", "fr", "--to", "es",
                                "--engine", "apertium", "--out", str(out)])
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    if summary["reused"] or summary["failed"]:
        sys.exit(f"diglot run reused or failed segments: {summary}")
    return seconds, rss, float(summary["seconds"]), int(summary["translated"])


def package_version(name: str) -> str:
    if not shutil.which("dpkg-query"):
        return "unknown (no dpkg-query)"
    proc = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", name], capture_output=True,
                          text=True)
    return proc.stdout.strip() if proc.returncode == 0 else "not installed (dpkg)"


def main() -> None:
    if not SOURCE.is_file():
        sys.exit(f"benchmark input not found: {SOURCE} (expected shared/data beside the project)")
    if not shutil.which("apertium"):
        sys.exit("apertium is not installed (apt-get install apertium apertium-fr-es)")
    if not DIGLOT.exists():
        sys.exit(f"diglot CLI not found at {DIGLOT}; run with the project's .venv/bin/python")
    sys.path.insert(0, str(ROOT))
    print(f"input: {SOURCE}  fr→es, {REPEATS} runs each (alternating), median seconds")
    print(f"machine: {os.cpu_count()} CPUs, {platform.platform()}, "
          f"Python {platform.python_version()}")
    print(f"apertium-fr-es {package_version('apertium-fr-es')}, "
          f"apertium {package_version('apertium')}")
    print("peak RSS: " + ("/usr/bin/time -f %M (max over repeats)" if GNU_TIME
                          else "getrusage(RUSAGE_CHILDREN) in a fresh python child"))
    # The Manifesto alone is a one-second job, where fixed costs (Python start-up, imports)
    # weigh; eight copies of it are the size of a book.
    with tempfile.TemporaryDirectory(prefix="diglot-bench-in-") as tmp:
        book = Path(tmp) / "book.fr.md"
        book.write_text("\n\n".join([SOURCE.read_text(encoding="utf-8")] * 8), encoding="utf-8")
        for label, source in (("Manifesto", SOURCE), ("Manifesto x8 (a book)", book)):
            compare(label, source)


def compare(label: str, source: Path) -> None:
    from corpora.ingest import ingest

    doc = ingest(source, "fr")
    lines = [s.text.replace("\n", " ") for s in doc.segments if s.translate]
    text = "\n".join(lines) + "\n"
    raw: list[tuple[float, float]] = []
    dig: list[tuple[float, float, float, int]] = []
    for _ in range(REPEATS):
        raw.append(measure(["apertium", "-u", "fr-es"], stdin=text))
        dig.append(run_diglot(source))
    raw_t, raw_m = [r[0] for r in raw], [r[1] for r in raw]
    dig_t, dig_m, dig_s = [d[0] for d in dig], [d[1] for d in dig], [d[2] for d in dig]
    dig_n = dig[-1][3]
    med = statistics.median
    rows = [("apertium fr-es (raw)", len(lines), med(raw_t), max(raw_m)),
            ("diglot run (end to end)", dig_n, med(dig_t), max(dig_m)),
            ("diglot run (summary seconds)", dig_n, med(dig_s), float("nan"))]
    print(f"\n{label}")
    print(f"{'system':<30} | {'segments':>8} | {'seconds (median)':>16} | {'segments/s':>10} | "
          f"{'peak RSS MB':>11}")
    print("-" * 88)
    for name, n, secs, rss in rows:
        rss_txt = "-" if rss != rss else f"{rss:.1f}"
        print(f"{name:<30} | {n:>8} | {secs:>16.3f} | {n / secs:>10.1f} | {rss_txt:>11}")
    print(f"overhead diglot/raw: end to end {med(dig_t) / med(raw_t):.2f}, "
          f"in-run {med(dig_s) / med(raw_t):.2f} (goal <= 1.10)")
    print(f"runs (s): raw {', '.join(f'{t:.3f}' for t in raw_t)}; diglot "
          f"{', '.join(f'{t:.3f}' for t in dig_t)}; summary {', '.join(f'{t:.3f}' for t in dig_s)}")

if __name__ == "__main__":
    main()
