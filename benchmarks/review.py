"""Review workspace speed: first page of the document view, save latency, server memory.

    .venv/bin/python benchmarks/review.py [--beads 10000] [--runs 15] [--seconds 15]

The store is the French Manifesto (../shared/data/manifesto/fr.md) translated to Spanish by the
real pipeline (Apertium), repeated to about 10,000 beads (tests/review_server.manifesto_store).
The server is the real one (`python -m diglot review`) in a subprocess on loopback, measured
from outside as a browser would meet it:

- server time of the first page: GET /bitexts/{id} (the HTML document view, 100 beads) and
  GET /api/bitexts/{id}/beads (the same page as JSON), the first request and the median of the
  next ``--runs``;
- browser time: Debian's Chromium through Playwright, a fresh context each run (cold cache):
  navigation start to DOMContentLoaded, to first contentful paint and to the first bead row
  visible (median);
- save latency: reviewers each with their own session posting edits (unique texts) and status
  changes for ``--seconds``, p50/p95 of acknowledged edits: 1 and 20 reviewers back to back
  (closed loop, no think time: the server saturated, far harder than twenty people typing) and
  20 reviewers each writing about once a second (still a very busy team);
- server memory: VmHWM (peak resident set) from /proc/PID/status after all of the above.

Baselines measured in the same run: the same measures on the sample's store (diglot/samples,
tens of beads) and, as the floor, a plain SQLite read of one page of 100 beads' rows with their
source and machine texts. Goals (issue 15): first page < 300 ms server time, p95 save < 100 ms
at 20 reviewers, on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.review_server import (  # noqa: E402  (the project root is put on the path first)
    MANIFESTO,
    Server,
    build_store,
    manifesto_store,
    percentile,
    run_load,
    serve,
)

CHROMIUM = Path("/usr/bin/chromium")
PAGE = 100
FLOOR_SQL = """
    SELECT l.id, l.version, l.status, s.text, t.text
    FROM links l
    JOIN segments s ON s.document_id = l.document_id AND s.position = l.position
    LEFT JOIN translations t ON t.segment_id = s.id AND t.tgt_lang = l.tgt_lang
        AND t.config_key = l.config_key
    WHERE l.bitext_id = ? AND l.retired_at IS NULL
    ORDER BY l.ord LIMIT ?
"""


@dataclass
class Measures:
    """Everything measured on one store (milliseconds unless named otherwise)."""

    beads: int
    floor: tuple[float, float] = (0.0, 0.0)  # first, median
    html: tuple[float, float] = (0.0, 0.0)
    api: tuple[float, float] = (0.0, 0.0)
    browser: dict[str, float] = field(default_factory=dict)
    saves: dict[str, Saves] = field(default_factory=dict)
    peak_mb: float = 0.0


def bitext_of(db: Path) -> tuple[int, int]:
    """The store's first bitext and its number of active beads."""
    with sqlite3.connect(db) as conn:
        bitext = int(conn.execute("SELECT min(id) FROM bitexts").fetchone()[0])
        beads = conn.execute("SELECT count(*) FROM links WHERE bitext_id = ? "
                             "AND retired_at IS NULL", (bitext,)).fetchone()[0]
    return bitext, int(beads)


def floor_read(db: Path, bitext: int, runs: int) -> tuple[float, float]:
    """A plain SQLite read of one page of beads: a fresh connection's first, then the median."""
    conn = sqlite3.connect(db)
    try:
        times = []
        for _ in range(runs + 1):
            start = time.perf_counter()
            rows = conn.execute(FLOOR_SQL, (bitext, PAGE)).fetchall()
            times.append((time.perf_counter() - start) * 1000)
            if not rows:
                raise SystemExit(f"the floor query read no beads of bitext {bitext} in {db}")
    finally:
        conn.close()
    return times[0], statistics.median(times[1:])


def time_get(url: str, path: str, runs: int) -> tuple[float, float]:
    """The first GET of ``path`` (a new session) and the median of the next ``runs``."""
    times = []
    with httpx.Client(base_url=url, timeout=60.0) as client:
        client.get("/api/session").raise_for_status()
        for _ in range(runs + 1):
            start = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
            response.raise_for_status()
    return times[0], statistics.median(times[1:])


PAINT_JS = """() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    return [nav.responseStart, nav.responseEnd, nav.domContentLoadedEventEnd,
            fcp ? fcp.startTime : -1];
}"""
#: Installed before the page's own scripts: notes the page clock at the first animation frame
#: (just before a paint) in which a bead row has a layout box.
FIRST_ROW_JS = """(() => {
    const check = () => {
        const row = document.querySelector('tr.bead');
        if (row !== null && row.getBoundingClientRect().height > 0) {
            window.__diglotFirstRow = performance.now();
        } else {
            requestAnimationFrame(check);
        }
    };
    requestAnimationFrame(check);
})();"""


def browser_times(url: str, bitext: int, runs: int) -> dict[str, float]:
    """Medians over fresh browser contexts: first byte, HTML received, DOMContentLoaded, first
    contentful paint, first bead row visible.

    Times are the page's own clock from navigation start; the row is looked for every frame
    by a script Playwright installs before the page's own.
    Empty when Playwright or /usr/bin/chromium is missing.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {}
    if not CHROMIUM.exists():
        return {}
    samples: dict[str, list[float]] = {"ttfb": [], "html": [], "dcl": [], "fcp": [], "row": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            for _ in range(runs):
                context = browser.new_context()
                context.add_init_script(FIRST_ROW_JS)
                page = context.new_page()
                page.goto(f"{url}/bitexts/{bitext}", wait_until="load")
                row = page.wait_for_function("() => window.__diglotFirstRow").json_value()
                ttfb, html, dcl, fcp = page.evaluate(PAINT_JS)
                for key, value in (("ttfb", ttfb), ("html", html), ("dcl", dcl), ("row", row)):
                    samples[key].append(float(value))
                if fcp >= 0:
                    samples["fcp"].append(float(fcp))
                context.close()
        finally:
            browser.close()
    return {k: statistics.median(v) for k, v in samples.items() if v}


@dataclass(frozen=True)
class Saves:
    """Save latency of one load: acknowledged edits' p50/p95 (ms), their number, the share of
    writes refused with 409 and acknowledged writes (edits and status) per second."""

    p50: float
    p95: float
    edits: int
    conflicts: float
    per_second: float


def save_latency(server: Server, bitext: int, reviewers: int, seconds: float,
                 beads: int, pause: float) -> Saves:
    """Reviewers (local mode, each its own session) writing for ``seconds``."""
    users: list[tuple[str, str | None]] = [("bench", None)] * reviewers
    outcomes = asyncio.run(run_load(server.url, users, bitext, seconds, beads=beads,
                                    pause=pause))
    errors = [o for o in outcomes if o.status >= 500 or o.status == 0]
    if errors:
        raise SystemExit(f"the server failed under load: {errors[:3]}")
    saves = [o.seconds * 1000 for o in outcomes if o.kind == "edit" and o.status == 200]
    conflicts = sum(o.status == 409 for o in outcomes) / max(1, len(outcomes))
    done = sum(o.status == 200 for o in outcomes) / seconds
    return Saves(percentile(saves, 50), percentile(saves, 95), len(saves), conflicts, done)


def peak_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


#: (label, reviewers, mean pause between a reviewer's writes in seconds)
LOADS = (("1 reviewer, back to back", 1, 0.0), ("20 reviewers, back to back", 20, 0.0),
         ("20 reviewers, a write every ~1 s each", 20, 1.0))


def measure(db: Path, args: argparse.Namespace) -> Measures:
    bitext, beads = bitext_of(db)
    result = Measures(beads, floor=floor_read(db, bitext, args.runs))
    with serve(db, user="bench") as server:
        result.html = time_get(server.url, f"/bitexts/{bitext}", args.runs)
        result.api = time_get(server.url, f"/api/bitexts/{bitext}/beads?limit={PAGE}",
                              args.runs)
        result.browser = browser_times(server.url, bitext, args.browser_runs)
        for label, reviewers, pause in LOADS:
            result.saves[label] = save_latency(server, bitext, reviewers, args.seconds,
                                               min(beads, 1000), pause)
        result.peak_mb = peak_mb(server.process.pid)
    return result


def ms(value: float) -> str:
    if value != value:
        return "–"
    return f"{value:.2f}" if value < 1 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def ratio(big: float, small: float) -> str:
    return f"{big / small:.1f}×" if small > 0 and big == big and small == small else "–"


def table(big: Measures, small: Measures) -> None:
    print(f"| measure | Manifesto fr→es ({big.beads:,} beads) | sample es→en "
          f"({small.beads} beads) | ratio | goal |")
    print("|---|---|---|---|---|")

    def row(name: str, a: float, b: float, goal: str = "") -> None:
        print(f"| {name} | {ms(a)} | {ms(b)} | {ratio(a, b)} | {goal} |")

    row("floor: plain SQLite read of 100 beads' rows, ms (median)", big.floor[1], small.floor[1])
    row("GET /bitexts/{id} document view, first request, ms", big.html[0], small.html[0])
    row("GET /bitexts/{id} document view, ms (median)", big.html[1], small.html[1],
        "< 300" + (" ✓" if big.html[1] < 300 else " ✗"))
    row("GET /api/bitexts/{id}/beads (100), first request, ms", big.api[0], small.api[0])
    row("GET /api/bitexts/{id}/beads (100), ms (median)", big.api[1], small.api[1],
        "< 300" + (" ✓" if big.api[1] < 300 else " ✗"))
    for key, name in (("ttfb", "first byte"), ("html", "HTML received"),
                      ("dcl", "DOMContentLoaded"), ("fcp", "first contentful paint"),
                      ("row", "first bead row visible")):
        row(f"browser: navigation → {name}, ms (median)", big.browser.get(key, float("nan")),
            small.browser.get(key, float("nan")))
    for label, reviewers, _ in LOADS:
        a, b = big.saves[label], small.saves[label]
        goal = "< 100" + (" ✓" if a.p95 < 100 else " ✗") if reviewers >= 20 else ""
        row(f"save p50, {label}, ms", a.p50, b.p50)
        row(f"save p95, {label}, ms ({a.edits:,} / {b.edits:,} edits; 409s {a.conflicts:.0%}"
            f" / {b.conflicts:.0%}; {a.per_second:.0f} / {b.per_second:.0f} writes/s)",
            a.p95, b.p95, goal)
    row("server peak RSS (VmHWM), MiB", big.peak_mb, small.peak_mb)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--beads", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15, help="timed GETs after the first")
    parser.add_argument("--browser-runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=15.0, help="each save-latency load")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not MANIFESTO.is_file():
            raise SystemExit(f"skipped: {MANIFESTO} is absent (../shared/data is beside the "
                             f"project in CI only)")
        start = time.perf_counter()
        big_db = manifesto_store(Path(tmp) / "manifesto", args.beads)
        built = time.perf_counter() - start
        small_db = build_store(Path(tmp) / "sample")
        small = measure(small_db, args)
        big = measure(big_db, args)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nReview server on loopback, {os.cpu_count()} cores (load average at the end "
          f"{load}: other work shares them); Manifesto store built by the "
          f"real pipeline in {built:.0f} s; each save load {args.seconds:.0f} s; "
          f"GETs: first + median of {args.runs}; browser: median of {args.browser_runs} cold "
          f"contexts\n")
    table(big, small)


if __name__ == "__main__":
    main()
