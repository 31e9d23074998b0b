"""Corpus publishing speed and memory: export to every format, TMX import at three sizes.

    nice .venv/bin/python benchmarks/corpus.py [--pairs 1000000] [--formats tmx,xliff,...]
        [--keep DIR] [--profile]

The store is built the way `diglot run` and a review leave it (documents, blocks, segments,
runs, translations, bitexts, 1:1 beads in ``links``, QA flags, reviewers' edits and
confirmations, document metadata with a licence), written with bulk SQL, not the engine: the
FLORES dev French sentences (../shared/data/flores-dev/fra.dev, CC BY-SA 4.0) with the English
outputs of the systems in flores-dev/systems/fr-en, one system per document, repeated with a
numbered suffix so that pairs are not all duplicates, in documents of 10,000 pairs with a heading
every 100. Every 20th bead is confirmed, every 50th edited, every 100th edited and confirmed by a
second reviewer; every 33rd segment has a QA warning, every 500th an error.

1. Export (`corpora.export.export`) to each format in its own subprocess: pairs/s and the
   child's peak RSS (``os.wait4``). Baseline in the same run: the same (source, target) pairs
   from one SQL query written as TSV with the csv module, also in a subprocess.
2. TMX import (`corpora.importer.import_file` into a fresh store) of TMX exports of the first
   10 %, 30 % and 100 % of the store's documents (100k, 300k, 1M units by default): units/s and
   peak RSS, which must stay flat as the file grows. For comparison: the TMX reader alone
   (`read_tmx`, no store) and the floor, lxml ``iterparse`` counting ``tu`` elements.

Peak RSS is the child's ``ru_maxrss``; peak anon is its largest anonymous resident memory,
sampled every 50 ms (``RssAnon``): the heap, without the pages of memory-mapped files that
``ru_maxrss`` counts (the hf export reads its Arrow file through a mapping). The machine is
shared: compare each row with the baseline and floor of the same run, not across runs.

Goals (issue 16): every export ≥ 50,000 pairs/s, import ≥ 30,000 units/s, memory flat.
``--profile`` runs each child under cProfile and prints its 12 hottest functions (the main
thread only: the importer's read-ahead thread shows in the ``read_tmx only`` row's profile).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FLORES = ROOT.parent / "shared" / "data" / "flores-dev"
SYSTEMS = (  # (engine, model, version, outputs file)
    ("bergamot", "base-memory", "bergamot-translator 0.4.5", "flores-dev.bergamot-base-memory.en"),
    ("bergamot", "tiny", "bergamot-translator 0.4.5", "flores-dev.bergamot-tiny.en"),
    ("google", "nmt", "translate v3", "flores-dev.google.en"),
    ("microsoft", "translator", "translator 3.0", "flores-dev.microsoft.en"),
)
FORMATS = ("tmx", "xliff", "moses", "tsv", "jsonl", "hf")
LICENSE = "CC-BY-SA-4.0"
REVIEWERS = ("alice", "bob", "chloé")
SECTION, PARAGRAPH = 100, 5  # pairs per heading, sentences per paragraph
EXPORT_GOAL, IMPORT_GOAL = 50_000, 30_000
BASELINE_SQL = """
    SELECT s.text, COALESCE((SELECT e.text FROM edits e WHERE e.link_id = l.id
                             ORDER BY e.id DESC LIMIT 1), t.text)
    FROM links l
    JOIN segments s ON s.document_id = l.document_id AND s.position = l.position
    JOIN translations t ON t.segment_id = s.id AND t.tgt_lang = l.tgt_lang
        AND t.config_key = l.config_key
    WHERE l.retired_at IS NULL ORDER BY l.document_id, l.ord
"""


# the store -----------------------------------------------------------------------------------

def _texts() -> tuple[list[str], list[list[str]]]:
    """FLORES dev French sources and each system's English outputs (997 lines each)."""
    sources = (FLORES / "fra.dev").read_text(encoding="utf-8").splitlines()
    outputs = [(FLORES / "systems" / "fr-en" / f).read_text(encoding="utf-8").splitlines()
               for *_, f in SYSTEMS]
    for out in outputs:
        if len(out) != len(sources):
            raise SystemExit(f"{FLORES}: system outputs and fra.dev differ in length")
    return sources, outputs


def _stamp(day: int, seconds: int) -> str:
    """An ISO 8601 UTC time as the store writes them, ``day`` days into November 2026."""
    h, rest = divmod(seconds % 86_400, 3600)
    return f"2026-11-{1 + day % 28:02d}T{h:02d}:{rest // 60:02d}:{rest % 60:02d}.000+00:00"


@dataclass
class _Ids:
    block: int = 0
    segment: int = 0
    translation: int = 0
    link: int = 0


def _document_rows(d: int, k0: int, n: int, ids: _Ids, texts: tuple[list[str], list[list[str]]]
                   ) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of document ``d`` holding global pairs ``k0 .. k0 + n - 1``."""
    sources, outputs = texts
    engine, model, _, _ = SYSTEMS[d % len(SYSTEMS)]
    key = hashlib.sha256(f"{engine}/{model}".encode()).hexdigest()[:16]
    params = json.dumps({"beam_size": 4}, sort_keys=True)
    made = _stamp(d, 3600)
    rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in (
        "blocks", "segments", "translations", "links", "edits", "link_ops", "flags")}
    block, line = 0, 0
    for i in range(n):
        k = k0 + i
        if i % SECTION == 0 or (i % SECTION - 1) % PARAGRAPH == 0:
            heading = i % SECTION == 0
            ids.block += 1
            block = ids.block
            rows["blocks"].append((block, d + 1, len(rows["blocks"]),
                                   "heading" if heading else "paragraph", 2 if heading else 0,
                                   line, line + 1))
            line += 2
        if i % SECTION == 0:
            src, tgt = f"Partie {i // SECTION + 1}", f"Part {i // SECTION + 1}"
        else:
            repeat, line_no = divmod(k, len(sources))
            src, tgt = sources[line_no], outputs[d % len(SYSTEMS)][line_no]
            if repeat:  # the same sentence again: a numbered variant, not a duplicate
                src, tgt = f"{src} ({repeat})", f"{tgt} ({repeat})"
        ids.segment += 1
        ids.translation += 1
        ids.link += 1
        rows["segments"].append((ids.segment, d + 1, block, i, 0, "fr", src, 1))
        rows["translations"].append((
            ids.translation, ids.segment, "en", key, engine, model, params, tgt, "done", 1,
            0.01, d + 1, made, "kept in its language" if k % 250 == 1 else None))
        score = round(min(len(src), len(tgt)) / max(len(src), len(tgt), 1), 4)
        confirmed = k % 20 == 0 or k % 100 == 7
        version = 1 + (k % 50 == 7) + confirmed
        who = REVIEWERS[k % len(REVIEWERS)]
        at = _stamp(d + 1, k % 86_400)
        if k % 50 == 7:
            rows["edits"].append((ids.translation, ids.link, f"{tgt} (revised)", who, None, at, 2,
                                  1, "edit"))
            who = REVIEWERS[(k + 1) % len(REVIEWERS)]
            at = _stamp(d + 2, k % 86_400)
        rows["links"].append((
            ids.link, d + 1, "en", key, i, f"[{i}]", "translation", f"[{i}]", score,
            "translation", d + 1, float(i), version, "confirmed" if confirmed else "unreviewed",
            who if confirmed else None, at if confirmed else None))
        if confirmed:
            rows["link_ops"].append((d + 1, "status", json.dumps(
                {"bead": ids.link, "from": "unreviewed", "to": "confirmed", "version": version}),
                who, at))
        if k % 33 == 5:
            rows["flags"].append((d + 1, "en", key, i, "numbers", "warning",
                                  "a number in the source is missing from the target"))
        if k % 500 == 3:
            rows["flags"].append((d + 1, "en", key, i, "length", "error",
                                  "the target is far longer than the source"))
    return rows


INSERTS = {
    "blocks": "INSERT INTO blocks (id, document_id, position, kind, level, start_line, end_line) "
              "VALUES (?, ?, ?, ?, ?, ?, ?)",
    "segments": "INSERT INTO segments (id, document_id, block_id, position, part, lang, text, "
                "translate) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "translations": "INSERT INTO translations (id, segment_id, tgt_lang, config_key, engine, "
                    "model, params, text, status, attempts, seconds, run_id, updated_at, note) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "links": "INSERT INTO links (id, document_id, tgt_lang, config_key, position, src_segments, "
             "tgt_kind, tgt_ids, score, method, bitext_id, ord, version, status, status_by, "
             "status_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "edits": "INSERT INTO edits (translation_id, link_id, text, author, note, created_at, "
             "version, base_version, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "link_ops": "INSERT INTO link_ops (bitext_id, op, detail, author, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
    "flags": "INSERT INTO flags (document_id, tgt_lang, config_key, position, check_name, "
             "severity, message) VALUES (?, ?, ?, ?, ?, ?, ?)",
}


def _document_head(conn: Any, d: int) -> str:
    """Insert document ``d``'s document, run, bitext and metadata rows; return its name."""
    from corpora.meta import save_meta

    name = f"flores-{d:03d}.fr.md"
    engine, model, version, _ = SYSTEMS[d % len(SYSTEMS)]
    key = hashlib.sha256(f"{engine}/{model}".encode()).hexdigest()[:16]
    made = _stamp(d, 3600)
    conn.execute("INSERT INTO documents (id, name, path, sha256, format, lang, created_at) "
                 "VALUES (?, ?, ?, ?, 'markdown', 'fr', ?)",
                 (d + 1, name, f"/corpus/{name}", hashlib.sha256(name.encode()).hexdigest(),
                  _stamp(d, 0)))
    conn.execute("INSERT INTO runs (id, document_id, src_lang, tgt_lang, config_key, engine, "
                 "model, params, started_at, finished_at, status, engine_version) VALUES "
                 "(?, ?, 'fr', 'en', ?, ?, ?, ?, ?, ?, 'done', ?)",
                 (d + 1, d + 1, key, engine, model, json.dumps({"beam_size": 4}),
                  _stamp(d, 60), made, version))
    glossary = (f"g{d % 7:07x}", "/corpus/glossaire.fr-en.tsv") if d % 2 else (None, None)
    conn.execute("INSERT INTO bitexts (id, document_id, tgt_lang, config_key, glossary_path, "
                 "glossary_version, created_at) VALUES (?, ?, 'en', ?, ?, ?, ?)",
                 (d + 1, d + 1, key, glossary[1], glossary[0], made))
    save_meta(conn, name, {
        "title": f"FLORES-200 dev, part {d + 1}", "authors": ("FLORES-200 contributors",),
        "source": "https://github.com/facebookresearch/flores", "source_license": LICENSE,
        "translation_license": LICENSE,
        "attribution": f"FLORES-200 dev (part {d + 1}), NLLB Team et al., CC BY-SA 4.0"},
        "meta file")
    return name


def build_store(path: Path, pairs: int, per_doc: int) -> list[tuple[str, int]]:
    """Write a store of ``pairs`` pairs in documents of ``per_doc``; return (name, pairs)."""
    from corpora.store import Store

    texts = _texts()
    ids = _Ids()
    docs: list[tuple[str, int]] = []
    with Store.open(path) as store:
        k = 0
        while k < pairs:
            with store.transaction() as conn:  # ~100,000 pairs a transaction
                for _ in range(10):
                    if k >= pairs:
                        break
                    n = min(per_doc, pairs - k)
                    docs.append((_document_head(conn, len(docs)), n))
                    for table, rows in _document_rows(len(docs) - 1, k, n, ids, texts).items():
                        conn.executemany(INSERTS[table], rows)
                    k += n
        store.conn.execute("ANALYZE")
    return docs


# the children --------------------------------------------------------------------------------

def _child_export(job: dict[str, Any]) -> dict[str, Any]:
    from corpora.export import ExportOptions, export

    opts = ExportOptions(Path(job["store"]), job["format"], Path(job["out"]),
                         documents=tuple(job.get("documents", ())))
    start = time.perf_counter()
    report = export(opts)
    return {"n": report.written, "seconds": time.perf_counter() - start}


def _child_baseline(job: dict[str, Any]) -> dict[str, Any]:
    import sqlite3

    start = time.perf_counter()
    conn = sqlite3.connect(job["store"])
    n = 0
    with open(job["out"], "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(("source", "target"))
        for row in conn.execute(BASELINE_SQL):
            writer.writerow(row)
            n += 1
    conn.close()
    return {"n": n, "seconds": time.perf_counter() - start}


def _child_import(job: dict[str, Any]) -> dict[str, Any]:
    from corpora.importer import import_file
    from corpora.store import Store

    with Store.open(Path(job["store"])) as store:
        start = time.perf_counter()
        report = import_file(store, Path(job["file"]), "fr", "en")
        seconds = time.perf_counter() - start
    return {"n": report.pairs, "seconds": seconds}


def _child_read(job: dict[str, Any]) -> dict[str, Any]:
    from collections import Counter

    from corpora.importer import reader_for

    path = Path(job["file"])
    _, read = reader_for(path, "fr", "en")  # the reader `diglot import` uses, wherever it lives
    start = time.perf_counter()
    n = sum(1 for _ in read(path, "fr", "en", document="x", skip_bad=False, skipped=Counter()))
    return {"n": n, "seconds": time.perf_counter() - start}


def _child_floor(job: dict[str, Any]) -> dict[str, Any]:
    from lxml import etree

    start = time.perf_counter()
    n = 0
    for _, tu in etree.iterparse(job["file"], events=("end",), tag="tu", resolve_entities=False,
                                 no_network=True, load_dtd=False):
        n += 1
        tu.clear()
        while tu.getprevious() is not None:
            del tu.getparent()[0]
    return {"n": n, "seconds": time.perf_counter() - start}


CHILDREN = {"export": _child_export, "baseline": _child_baseline, "import": _child_import,
            "read": _child_read, "floor": _child_floor}


class _AnonPeak:
    """The largest anonymous resident memory (heap, not mapped files) of this process, sampled
    every 50 ms from /proc/self/status: ``ru_maxrss`` also counts the pages of memory-mapped
    files read (Arrow's), which the kernel can drop at any time."""

    def __init__(self) -> None:
        self.kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    self.kb = max(self.kb, int(line.split()[1]))

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self._sample()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self._sample()
        return self.kb / 1024


def child(job: dict[str, Any]) -> None:
    """Run one job and print its result as the last line of stdout."""
    work = CHILDREN[job["kind"]]
    anon = _AnonPeak()
    if job.get("profile"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        result = profiler.runcall(work, job)
        stats = pstats.Stats(profiler)
        total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
        top = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:12]  # type: ignore[attr-defined]
        result["profile"] = [(f"{Path(f).name}:{line}:{fn}", v[2] / total, v[3] / total)
                             for (f, line, fn), v in top]
    else:
        result = work(job)
    result["anon_mb"] = anon.stop()
    print(json.dumps(result))


@dataclass
class Measured:
    n: int
    seconds: float
    rss_mb: float
    anon_mb: float
    profile: list[tuple[str, float, float]]

    @property
    def rate(self) -> float:
        return self.n / self.seconds if self.seconds else 0.0


def spawn(job: dict[str, Any]) -> Measured:
    """Run a job in a fresh interpreter; its result with the child's peak RSS."""
    proc = subprocess.Popen([sys.executable, __file__, "--child", json.dumps(job)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"child {job['kind']} failed ({proc.returncode}): {out[-2000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    return Measured(result["n"], result["seconds"], usage.ru_maxrss / 1024, result["anon_mb"],
                    result.get("profile", []))


# the run ---------------------------------------------------------------------------------------

def _size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.parent.glob(f"{path.name}*")
                                            if p.is_file()] + list(path.rglob("*"))
    return sum(p.stat().st_size for p in files if p.is_file()) / 1e6


def _same_pairs(export_tsv: Path, baseline_tsv: Path) -> bool:
    """Whether the TSV export holds the baseline's (source, target) pairs, in order (the
    export is linear TSV with backslash escapes, which FLORES texts never need; the baseline
    is csv-quoted)."""
    with open(export_tsv, encoding="utf-8", newline="") as a, \
            open(baseline_tsv, encoding="utf-8", newline="") as b:
        ra = csv.DictReader(a, delimiter="\t", quoting=csv.QUOTE_NONE)
        rb = csv.DictReader(b, delimiter="\t")
        return all(x["source"] == y["source"] and x["target"] == y["target"]
                   for x, y in zip(ra, rb, strict=True))


def _profile_lines(m: Measured, what: str) -> Iterator[str]:
    if m.profile:
        yield f"\nprofile of {what} (own time share, cumulative share):"
        yield from (f"  {own:6.1%} {cum:6.1%}  {name}" for name, own, cum in m.profile)


def _say(*lines: str) -> None:
    if lines:
        print("\n".join(lines), flush=True)


def run_exports(work: Path, store: Path, formats: list[str], profile: bool) -> None:
    """Part 1: the baseline, then each format; print the table as rows come."""
    base = spawn({"kind": "baseline", "store": str(store), "out": str(work / "baseline.tsv")})
    _say("| format | pairs | seconds | pairs/s | × baseline | peak RSS MB | peak anon MB | "
         f"output MB | goal ≥ {EXPORT_GOAL:,}/s |", "|---|---|---|---|---|---|---|---|---|",
         f"| baseline: SQL → csv TSV | {base.n:,} | {base.seconds:.1f} | {base.rate:,.0f} "
         f"| 1.00 | {base.rss_mb:.0f} | {base.anon_mb:.0f} | "
         f"{_size_mb(work / 'baseline.tsv'):.0f} | |")
    notes: list[str] = []
    for fmt in formats:
        out = work / "export" / (f"corpus.{fmt}" if fmt != "hf" else "corpus-hf")
        out.parent.mkdir(exist_ok=True)
        m = spawn({"kind": "export", "format": fmt, "store": str(store), "out": str(out),
                   "profile": profile})
        ok = m.rate >= EXPORT_GOAL and m.n == base.n
        _say(f"| {fmt} | {m.n:,} | {m.seconds:.1f} | {m.rate:,.0f} | "
             f"{m.rate / base.rate:.2f} | {m.rss_mb:.0f} | {m.anon_mb:.0f} | "
             f"{_size_mb(out):.0f} | {'met' if ok else 'NOT met'} |")
        notes.extend(_profile_lines(m, f"export {fmt}"))
        if fmt == "tsv":
            notes.append(f"\nTSV export holds the baseline's pairs in order: "
                         f"{_same_pairs(out, work / 'baseline.tsv')}")
    _say(*notes)


def run_imports(work: Path, store: Path, docs: list[tuple[str, int]], full_tmx: Path | None,
                profile: bool) -> None:
    """Part 2: TMX files of 10 %, 30 % and 100 % of the documents, each read and imported."""
    total = sum(n for _, n in docs)
    _say("| what | units | TMX MB | seconds | units/s | peak RSS MB | peak anon MB | goal |",
         "|---|---|---|---|---|---|---|---|")
    notes: list[str] = []
    for share in (0.1, 0.3, 1.0):
        chosen, n = [], 0
        for name, count in docs:
            if n >= share * total:
                break
            chosen.append(name)
            n += count
        tmx = work / f"import-{n}.tmx"
        if n == total and full_tmx is not None and full_tmx.is_file():
            tmx = full_tmx
        else:
            made = spawn({"kind": "export", "format": "tmx", "store": str(store),
                          "out": str(tmx), "documents": chosen})
            _say(f"| (TMX export of {n:,} pairs) | {made.n:,} | {_size_mb(tmx):.0f} | "
                 f"{made.seconds:.1f} | {made.rate:,.0f} | {made.rss_mb:.0f} | "
                 f"{made.anon_mb:.0f} | |")
        fresh = work / f"import-{n}.db"
        for kind, label in (("floor", "floor: lxml iterparse, count tu"),
                            ("read", "read_tmx only (no store)"), ("import", "**import_file**")):
            m = spawn({"kind": kind, "file": str(tmx), "store": str(fresh),
                       "profile": profile and kind != "floor"})
            goal = "" if kind == "floor" else ("met" if m.rate >= IMPORT_GOAL else "NOT met")
            _say(f"| {label} | {m.n:,} | {_size_mb(tmx):.0f} | {m.seconds:.1f} | "
                 f"{m.rate:,.0f} | {m.rss_mb:.0f} | {m.anon_mb:.0f} | {goal} |")
            if n == total:
                notes.extend(_profile_lines(m, f"{kind} of {n:,} units"))
        for p in work.glob(f"import-{n}.db*"):
            p.unlink()
    _say(*notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--keep", type=Path, help="write the store and files here, keep them")
    parser.add_argument("--profile", action="store_true", help="cProfile every child")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    unknown = set(formats) - set(FORMATS)
    if unknown:
        parser.error(f"unknown formats {', '.join(sorted(unknown))}; choose from {FORMATS}")
    work = args.keep or Path(tempfile.mkdtemp(prefix="diglot-corpus-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        store = work / "diglot.db"
        for p in work.glob("diglot.db*"):
            p.unlink()
        per_doc = max(1, min(10_000, args.pairs // 10))
        start = time.perf_counter()
        docs = build_store(store, args.pairs, per_doc)
        built = time.perf_counter() - start
        print(f"Store: {args.pairs:,} pairs in {len(docs)} documents of {per_doc:,} "
              f"({len(SYSTEMS)} systems, FLORES dev fr→en), {_size_mb(store):.0f} MB, built in "
              f"{built:.1f} s; {os.cpu_count()} cores\n")
        print("## Export (each format in its own process)\n", flush=True)
        run_exports(work, store, formats, args.profile)
        full_tmx = work / "export" / "corpus.tmx" if "tmx" in formats else None
        print("\n## TMX import into a fresh store (each in its own process)\n")
        run_imports(work, store, docs, full_tmx, args.profile)
        print(f"\ngoals: export ≥ {EXPORT_GOAL:,} pairs/s, import ≥ {IMPORT_GOAL:,} units/s, "
              "peak RSS flat from 10 % to 100 % of the pairs")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
