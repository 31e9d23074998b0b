"""Benchmark: a book in its own format (EPUB) through diglot against raw Apertium, en→es.

Measures, on the Standard Ebooks Communist Manifesto (../shared/data/epub/
communist-manifesto.en.epub):

* "apertium raw": the book's translatable segment texts as diglot reads them
  (``corpora.formats.read_document``), one per line, piped through ``apertium -u eng-spa`` in
  one process; once with their inline tags (``<em>``, ``<a …>``) as diglot's segments hold
  them, once with the tags stripped.
* "diglot translate": the CLI, ``diglot translate BOOK --from en --to es --out OUT.epub
  --source-lang-check off``: read the EPUB, translate, put the markup back, write the book.
* "diglot run": the same plus QA, the bitext TSV, evaluation.json, summary.json and the report.
* the split, in a fresh Python process with a fresh store: read (``read_document``), translate
  (the store and the Apertium engine, as the pipeline does), write (``write_document``).

Every command runs in a fresh temporary folder (nothing reused from a store), ``--repeats``
times, alternating, and the median is shown. Each runs under a fresh Python child that reports
``getrusage(RUSAGE_CHILDREN)``: CPU seconds (user + system of every process under it) and peak
RSS (of the largest single process). That child is a subreaper (``PR_SET_CHILD_SUBREAPER``):
diglot stops Apertium by killing the shell that runs its pipeline, and the orphaned stages are
reaped there, so their CPU time counts. CPU seconds are shown beside wall seconds because the
machine may be shared: under load, wall seconds swing from run to run (the "runs" line).

Then the same book with its four chapters repeated to 50 chapter documents (new members,
manifest items and spine itemrefs; a valid EPUB): "repeated" as they are, which the
translation memory makes nearly free, and "unique", where every sentence-ending full stop in a
copy's text gets " in YEAR" before it (a different year per copy), so that nearly every
sentence is new to the memory and goes to Apertium. The split is shown for both, and raw
Apertium on the unique book's segments as its baseline.

Run from the project root:  .venv/bin/python benchmarks/books.py [--repeats 3] [--chapters 50]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT.parent / "shared/data/epub/communist-manifesto.en.epub"
DIGLOT = Path(sys.executable).parent / "diglot"
PAIR = "eng-spa"  # Apertium's mode name for en→es in Debian's apertium-eng-spa
OPF_NS = "http://www.idpf.org/2007/opf"
CHAPTERS = ("chapter-1.xhtml", "chapter-2.xhtml", "chapter-3.xhtml", "chapter-4.xhtml")

# A fresh Python child runs the command and reports its children's CPU time and peak RSS. It
# is their subreaper: diglot stops Apertium by killing the shell that runs its pipeline, whose
# stages then exit on their own, orphaned; reaped here, their CPU time and RSS are counted.
_RUSAGE_CHILD = """import ctypes, os, resource, subprocess, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
subprocess.run(sys.argv[1:], stdin=sys.stdin, stdout=subprocess.DEVNULL, check=True)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(r.ru_utime + r.ru_stime, r.ru_maxrss, file=sys.stderr)"""


def reap_orphans() -> None:
    """Wait for every child, orphaned grandchildren included (this process is a subreaper)."""
    while True:
        try:
            os.wait()
        except ChildProcessError:
            return


@dataclass(frozen=True)
class Measure:
    """One command's cost: wall seconds, CPU seconds of every process under it, peak RSS MB."""

    wall: float
    cpu: float
    rss: float


def measure(cmd: list[str], stdin: str | None = None) -> Measure:
    """Run ``cmd`` once under a fresh Python child that reports its rusage."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _RUSAGE_CHILD, *cmd], input=stdin,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    cpu, kib = proc.stderr.strip().splitlines()[-1].split()
    return Measure(wall, float(cpu), int(kib) / 1024)


def segment_lines(book: Path, strip_tags: bool = False) -> list[str]:
    """The translatable segment texts diglot reads from ``book``, one line each."""
    from corpora.formats import read_document

    doc = read_document(book, "en")
    lines = [s.text.replace("\n", " ") for s in doc.segments if s.translate]
    return [re.sub(r"<[^>]+>", "", line) for line in lines] if strip_tags else lines


def diglot_translate(book: Path) -> Measure:
    with tempfile.TemporaryDirectory(prefix="diglot-bench-") as tmp:
        return measure([str(DIGLOT), "translate", str(book), "--from", "en", "--to", "es",
                        "--out", str(Path(tmp) / "out.es.epub"), "--source-lang-check", "off"])


def diglot_run(book: Path) -> Measure:
    with tempfile.TemporaryDirectory(prefix="diglot-bench-") as tmp:
        out = Path(tmp) / "out"
        m = measure([str(DIGLOT), "run", str(book), "--from", "en", "--to", "es", "--out",
                     str(out), "--source-lang-check", "off"])
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    if summary["reused"] or summary["failed"]:
        sys.exit(f"diglot run reused or failed segments: {summary['reused']}, "
                 f"{summary['failed']}")
    return m


def phases(book: Path) -> dict[str, float]:
    """Read, translate and write ``book`` in a fresh process with a fresh store: each phase's
    seconds, the process's peak RSS (MB) after it, and Apertium's peak RSS."""
    proc = subprocess.run([sys.executable, __file__, "--phases", str(book)], cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"phases of {book} failed:\n{proc.stderr[-2000:]}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def run_phases(book: Path) -> None:
    """The child of `phases`: prints one JSON line."""
    import resource
    from datetime import datetime, timezone

    from corpora.formats import WriteContext, read_document, write_document
    from corpora.store import Store
    from diglot.pipeline import NoProgress, translate_document
    from translate.engine import open_engine
    from translate.langs import resolve

    def peak() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def cpu() -> float:  # this process and its waited-for children (Apertium, once closed)
        own, kids = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                         resource.RUSAGE_CHILDREN))
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    import ctypes

    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: Apertium's stages
    src, tgt = resolve("en"), resolve("es")
    out: dict[str, float] = {"base_rss": peak()}
    with tempfile.TemporaryDirectory(prefix="diglot-bench-") as tmp:
        start, used = time.perf_counter(), cpu()
        doc = read_document(book, src.code)
        out |= {"read": time.perf_counter() - start, "read_cpu": cpu() - used,
                "read_rss": peak(),
                "segments": len(doc.segments),
                "unique": len({s.text for s in doc.segments if s.translate}),
                "translatable": sum(s.translate for s in doc.segments)}
        from corpora.formats import make_document

        # the segmenting share of reading, again: sentence splitting and the has-words test
        # of each segment, which every format (Markdown too) pays
        start, used = time.perf_counter(), cpu()
        make_document(doc.name, doc.format, src.code, doc.blocks)
        out |= {"split": time.perf_counter() - start, "split_cpu": cpu() - used}
        start, used = time.perf_counter(), cpu()
        engine = open_engine("apertium", src, tgt)
        try:
            with Store.open(Path(tmp) / "diglot.db") as store:
                doc_id = store.add_document(doc, book.resolve(), book.read_bytes())
                done = translate_document(store, doc_id, engine, None, NoProgress())
                texts = {t.position: t.text for t in
                         store.translations(doc_id, tgt.code, engine.config.key)
                         if t.status == "done" and t.text is not None}
        finally:
            engine.close()
            reap_orphans()
        out |= {"translate": time.perf_counter() - start, "translate_cpu": cpu() - used,
                "translate_rss": peak(),
                "memory_hits": done.memory, "failed": done.failed,
                "engine_rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
        start, used = time.perf_counter(), cpu()
        write_document(doc, texts, Path(tmp) / "out.epub",
                       WriteContext(book, src.code, tgt.code, "translated", "apertium", PAIR,
                                    datetime.now(timezone.utc), "diglot benchmark"))
        out |= {"write": time.perf_counter() - start, "write_cpu": cpu() - used,
                "write_rss": peak()}
    print(json.dumps(out))


# --- the long book --------------------------------------------------------------------------


def long_book(source: Path, out: Path, chapters: int, unique: bool) -> Path:
    """``source`` with its four chapters repeated to ``chapters`` chapter documents: each copy
    a new member beside its original, with a manifest item and a spine itemref after the last
    chapter. With ``unique``, each copy's sentences are made new (see the module docstring)."""
    with zipfile.ZipFile(source) as zin:
        opf_name = _opf_name(zin)
        opf = etree.fromstring(zin.read(opf_name))
        manifest = opf.find(f"{{{OPF_NS}}}manifest")
        spine = opf.find(f"{{{OPF_NS}}}spine")
        assert manifest is not None and spine is not None  # our own fixed input
        items = {i.get("id"): i for i in manifest}
        last_ref = [r for r in spine if r.get("idref") == CHAPTERS[-1]][0]
        base = posixpath_dir(opf_name)
        added: dict[str, bytes] = {}
        for n in range(chapters - len(CHAPTERS)):
            original = items[CHAPTERS[n % len(CHAPTERS)]]
            href = original.get("href", "").replace(".xhtml", f"-copy-{n + 1}.xhtml")
            new_id = f"copy-{n + 1}-{original.get('id')}"
            item = etree.SubElement(manifest, f"{{{OPF_NS}}}item", id=new_id, href=href)
            item.set("media-type", "application/xhtml+xml")
            ref = etree.Element(f"{{{OPF_NS}}}itemref", idref=new_id)
            last_ref.addnext(ref)
            last_ref = ref
            data = zin.read(base + original.get("href", ""))
            added[base + href] = _unique_text(data, 1800 + n) if unique else data
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            zout.writestr(zipfile.ZipInfo("mimetype"), zin.read("mimetype"),
                          compress_type=zipfile.ZIP_STORED)
            for info in zin.infolist():
                if info.filename == "mimetype":
                    continue
                data = (etree.tostring(opf, xml_declaration=True, encoding="utf-8")
                        if info.filename == opf_name else zin.read(info))
                zout.writestr(info.filename, data)
            for name, data in added.items():
                zout.writestr(name, data)
    return out


def posixpath_dir(name: str) -> str:
    return name.rsplit("/", 1)[0] + "/" if "/" in name else ""


def _opf_name(zf: zipfile.ZipFile) -> str:
    container = etree.fromstring(zf.read("META-INF/container.xml"))
    return str(container.xpath("//*[local-name()='rootfile']/@full-path")[0])


_FULL_STOP = re.compile(r"\.(?=[\"”’)]?(\s|$))")


def _unique_text(xhtml: bytes, year: int) -> bytes:
    """The document with " in YEAR" before every sentence-ending full stop of its body text."""
    tree = etree.fromstring(xhtml)
    body = tree.find("{http://www.w3.org/1999/xhtml}body")
    assert body is not None  # the Manifesto's chapters have one
    for el in body.iter():
        if isinstance(el.tag, str) and el.text:
            el.text = _FULL_STOP.sub(f" in {year}.", el.text)
        if el is not body and el.tail:
            el.tail = _FULL_STOP.sub(f" in {year}.", el.tail)
    return etree.tostring(tree, xml_declaration=True, encoding="utf-8")


# --- the tables -----------------------------------------------------------------------------


def manifesto_table(repeats: int) -> None:
    lines = segment_lines(BOOK)
    plain = segment_lines(BOOK, strip_tags=True)
    tagged = sum(a != b for a, b in zip(lines, plain, strict=True))
    rows: dict[str, list[Measure]] = {"raw": [], "plain": [], "translate": [], "run": [],
                                      "startup": []}
    splits = []
    for _ in range(repeats):
        rows["raw"].append(measure(["apertium", "-u", PAIR], "\n".join(lines) + "\n"))
        rows["plain"].append(measure(["apertium", "-u", PAIR], "\n".join(plain) + "\n"))
        rows["translate"].append(diglot_translate(BOOK))
        rows["run"].append(diglot_run(BOOK))
        splits.append(phases(BOOK))
        rows["startup"].append(measure([str(DIGLOT), "--help"]))
    n = len(lines)
    med = statistics.median
    raw = Measure(med(m.wall for m in rows["raw"]), med(m.cpu for m in rows["raw"]), 0)
    print(f"\n### The Manifesto EPUB, en→es: {n} sentences to translate "
          f"({splits[0]['unique']} distinct, {tagged} with inline tags)\n")
    print("| system | sentences | seconds | sentences/s | CPU s | overhead (wall) "
          "| overhead (CPU) | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    names = {"raw": f"apertium -u {PAIR}, raw (segments with tags) — baseline",
             "plain": f"apertium -u {PAIR}, raw (tags stripped)",
             "translate": "diglot translate (read, translate, markup, write the EPUB)",
             "run": "diglot run (+ QA, TSV, scores, report)",
             "startup": "diglot --help (Python start-up, CLI imports: in both rows above)"}
    for key, name in names.items():
        wall, cpu = med(m.wall for m in rows[key]), med(m.cpu for m in rows[key])
        rss = max(m.rss for m in rows[key])
        over = ("- | -" if key == "startup"
                else f"{wall / raw.wall - 1:+.0%} | {cpu / raw.cpu - 1:+.0%}")
        count = f"{n / wall:.0f}" if key != "startup" else "-"
        print(f"| {name} | {n if key != 'startup' else '-'} | {wall:.2f} | {count} | "
              f"{cpu:.2f} | {over} | {rss:.0f} |")
    _split_rows("in-process split, Manifesto", splits, n, raw)
    print("\nruns (wall s): " + "; ".join(
        f"{k} {', '.join(f'{m.wall:.2f}' for m in v)}" for k, v in rows.items()))


def _split_rows(label: str, splits: list[dict[str, float]], n: int,
                raw: Measure | None) -> None:
    """The phases' rows: medians over the runs, the total their sum."""
    med = statistics.median
    steps = ("read", "translate", "write")
    secs = {p: med(s[p] for s in splits) for p in steps}
    cpus = {p: med(s[f"{p}_cpu"] for s in splits) for p in steps}
    total, total_cpu = sum(secs.values()), sum(cpus.values())
    for phase in steps:
        rss = max(s[f"{phase}_rss"] for s in splits)
        extra = (f"; {med(s['memory_hits'] for s in splits):.0f} memory hits, Apertium peak "
                 f"{max(s['engine_rss'] for s in splits):.0f} MB" if phase == "translate"
                 else "")
        print(f"| {label}: {phase} ({secs[phase] / total:.0%} of the total{extra}) | {n} | "
              f"{secs[phase]:.2f} | {n / secs[phase]:.0f} | {cpus[phase]:.2f} | - | - | "
              f"{rss:.0f} |")
    over = (f"{total / raw.wall - 1:+.0%} | {total_cpu / raw.cpu - 1:+.0%}" if raw
            else "- | -")
    print(f"| {label}: read + translate + write | {n} | {total:.2f} | {n / total:.0f} | "
          f"{total_cpu:.2f} | {over} | {max(s['write_rss'] for s in splits):.0f} |")
    # what the book format itself costs: reading without the segmenting (which every format,
    # Markdown too, pays) and writing; as a share of raw Apertium (the goal: ≤ 10 %)
    own = med(s["read"] - s["split"] + s["write"] for s in splits)
    own_cpu = med(s["read_cpu"] - s["split_cpu"] + s["write_cpu"] for s in splits)
    share = (f"+{own / raw.wall:.0%} | +{own_cpu / raw.cpu:.0%}" if raw else "- | -")
    print(f"| {label}: the format's own work (parse, walk, place markup, write: read less its "
          f"{med(s['split'] for s in splits):.2f} s of segmenting) | {n} | {own:.2f} | "
          f"{n / own:.0f} | {own_cpu:.2f} | {share} | - |")


def long_table(chapters: int) -> None:
    print(f"\n### The Manifesto with its chapters repeated to {chapters} chapter documents\n")
    print("| system | sentences | seconds | sentences/s | CPU s | overhead (wall) "
          "| overhead (CPU) | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="diglot-bench-book-") as tmp:
        for unique in (False, True):
            book = long_book(BOOK, Path(tmp) / f"long-{unique}.en.epub", chapters, unique)
            split = phases(book)
            n = int(split["translatable"])
            kind = "unique" if unique else "repeated"
            raw = None
            mb = book.stat().st_size / 2**20
            if unique:
                raw = measure(["apertium", "-u", PAIR], "\n".join(segment_lines(book)) + "\n")
                print(f"| apertium -u {PAIR}, raw, {kind} book ({mb:.1f} MB) — baseline | {n} | "
                      f"{raw.wall:.2f} | {n / raw.wall:.0f} | {raw.cpu:.2f} | - | - | "
                      f"{raw.rss:.0f} |")
            _split_rows(f"{kind} ({int(split['unique'])} distinct, {mb:.1f} MB)", [split], n,
                        raw)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--chapters", type=int, default=50)
    parser.add_argument("--phases", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.phases:
        run_phases(args.phases)
        return
    if not BOOK.is_file():
        sys.exit(f"benchmark input not found: {BOOK} (expected shared/data beside the project)")
    if not shutil.which("apertium"):
        sys.exit("apertium is not installed (apt-get install apertium apertium-eng-spa)")
    if not DIGLOT.exists():
        sys.exit(f"diglot CLI not found at {DIGLOT}; run with the project's .venv/bin/python")
    print(f"## benchmarks/books.py — {' '.join([Path(sys.executable).name, *sys.argv])}\n")
    print(f"- input: {BOOK.relative_to(ROOT.parent)} en→es, Apertium {PAIR} "
          f"(apertium-eng-spa {package_version('apertium-eng-spa')}, apertium "
          f"{package_version('apertium')})")
    print(f"- machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start, "
          f"{platform.platform()}, Python {platform.python_version()}")
    print(f"- {args.repeats} runs each, alternating, median; fresh temporary store each run; "
          "CPU s and peak RSS from getrusage(RUSAGE_CHILDREN) of a fresh Python child "
          "(peak RSS: the largest single process); overhead = diglot / raw − 1 (goal ≤ +10 %)")
    manifesto_table(args.repeats)
    long_table(args.chapters)


def package_version(name: str) -> str:
    if not shutil.which("dpkg-query"):
        return "unknown (no dpkg-query)"
    proc = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", name], capture_output=True,
                          text=True)
    return proc.stdout.strip() if proc.returncode == 0 else "not installed (dpkg)"


if __name__ == "__main__":
    main()
