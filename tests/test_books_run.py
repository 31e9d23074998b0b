"""Books in their own formats through the whole pipeline: real Apertium (en→es), real SQLite.

The EPUB is the Standard Ebooks Manifesto cut down to a few spine items (members, manifest
items and itemrefs dropped), the HTML, DOCX and wikitext books are made by pandoc from the
English Manifesto's opening and first paragraphs (with its footnotes). Expected Spanish comes
from ``apertium -u eng-spa`` run here on the plain sentence, and each output is read back by
pandoc, not by our readers.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from lxml import etree

from corpora.formats import read_document
from diglot.pipeline import RunOptions, run
from tests.conftest import SHARED, needs_apertium, needs_shared

MANIFESTO = SHARED / "epub" / "communist-manifesto.en.epub"
EN_MD = SHARED / "manifesto" / "en.md"
OPF = "epub/content.opf"
OPF_NS = "http://www.idpf.org/2007/opf"
#: a sentence with no inline markup in the Markdown opening and in the EPUB's chapter IV
MD_SENTENCE = "Two things result from this fact:"
EPUB_SENTENCE = "Workingmen of all countries unite!"
PANDOC_FROM = {"epub": "epub", "html": "html", "docx": "docx", "wikitext": "mediawiki"}

needs_pandoc = pytest.mark.skipif(
    shutil.which("pandoc") is None,
    reason="pandoc is not installed (apt-get install pandoc)")


def short_epub(out: Path, keep: Sequence[str]) -> Path:
    """The Manifesto EPUB with only the XHTML documents named in ``keep`` (file names such as
    ``chapter-4.xhtml``) and the navigation document: the others' members, manifest items
    and spine itemrefs are dropped; everything else is copied as it is."""
    with zipfile.ZipFile(MANIFESTO) as zin:
        opf = etree.fromstring(zin.read(OPF))
        manifest, spine = opf.find(f"{{{OPF_NS}}}manifest"), opf.find(f"{{{OPF_NS}}}spine")
        assert manifest is not None and spine is not None
        dropped = {item.get("id"): "epub/" + item.get("href", "") for item in manifest
                   if item.get("media-type") == "application/xhtml+xml"
                   and "nav" not in (item.get("properties") or "")
                   and item.get("href", "").rsplit("/", 1)[-1] not in keep}
        for item in list(manifest):
            if item.get("id") in dropped:
                manifest.remove(item)
        for ref in list(spine):
            if ref.get("idref") in dropped:
                spine.remove(ref)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                if info.filename in dropped.values():
                    continue
                data = (etree.tostring(opf, xml_declaration=True, encoding="utf-8")
                        if info.filename == OPF else zin.read(info))
                zout.writestr(info, data, compress_type=info.compress_type)
    return out


def epub(out: Path, keep: Sequence[str]) -> Path:
    """`short_epub`, or the calling test skipped when the EPUB module or the book is absent."""
    if importlib.util.find_spec("corpora.epub") is None:
        pytest.skip("corpora.epub has not landed yet: no EPUB reader to run")
    if not MANIFESTO.is_file():
        pytest.skip(f"{MANIFESTO} is absent (../shared/data is beside the project in CI only)")
    return short_epub(out, keep)


def apertium(text: str) -> str:
    """Raw Apertium's translation of a plain sentence: the independent expected text."""
    done = subprocess.run(["apertium", "-u", "eng-spa"], input=text + "\n", text=True,
                          capture_output=True, check=True)
    return done.stdout.strip()


def pandoc_text(path: Path, fmt: str) -> str:
    """What pandoc reads in a book, as plain text with its whitespace collapsed."""
    done = subprocess.run(["pandoc", "-f", PANDOC_FROM[fmt], "-t", "plain", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return " ".join(done.stdout.split())


def opening_md() -> str:
    """The English Manifesto from its title to the third paragraph of section I, with the
    section's first three footnotes."""
    if not EN_MD.is_file():
        pytest.skip(f"{EN_MD} is absent (../shared/data is beside the project in CI only)")
    lines = EN_MD.read_text(encoding="utf-8").splitlines()
    start = lines.index("# Manifesto of the Communist Party")
    end = next(i for i, line in enumerate(lines) if line.startswith("[^3]:"))
    return "\n".join(lines[start:end + 1]) + "\n"


def book(fmt: str, folder: Path) -> Path:
    """A small English book in ``fmt``, made by the format's real producer."""
    if importlib.util.find_spec(f"corpora.{fmt}") is None:
        pytest.skip(f"corpora.{fmt} has not landed yet: no {fmt} reader to run")
    if fmt == "epub":
        return epub(folder / "manifesto.en.epub",
                    ("titlepage.xhtml", "chapter-4.xhtml", "endnotes.xhtml"))
    md = folder / "manifesto.en.md"
    md.write_text(opening_md(), encoding="utf-8")
    suffix = {"html": ".html", "docx": ".docx", "wikitext": ".wiki"}[fmt]
    to = {"html": "html", "docx": "docx", "wikitext": "mediawiki"}[fmt]
    out = folder / f"manifesto.en{suffix}"
    subprocess.run(["pandoc", "--quiet", "-s", str(md), "-t", to, "-o", str(out),
                    "--metadata", "title=Manifesto", "--metadata", "lang=en"],
                   check=True, capture_output=True, timeout=120)
    return out


def stored_formats(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT format FROM documents ORDER BY id")]


def members(path: Path) -> list[tuple[str, bytes]]:
    """A zip's members in order, the OPF's modified date (the time of writing) masked."""
    with zipfile.ZipFile(path) as zf:
        out = [(info.filename, zf.read(info)) for info in zf.infolist()]
    return [(name, re.sub(rb"(dcterms:modified\">)[^<]*", rb"\1", data) if name == OPF
             else data) for name, data in out]


def member(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name).decode("utf-8")


def squash(text: str) -> str:
    return " ".join(text.split())


# --- every format through the pipeline ------------------------------------------------------


@needs_apertium
@needs_shared
@needs_pandoc
@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["epub", "html", "docx", "wikitext"])
def test_a_run_writes_the_book_and_every_report(fmt: str, tmp_path: Path) -> None:
    src = book(fmt, tmp_path)
    both = fmt in ("epub", "html")
    summary = run(RunOptions(src, "en", "es", out=tmp_path / "out", source_lang_check=False,
                             edition="both" if both else "translated"))
    outputs = {k: Path(v) for k, v in summary.outputs.items()}
    expected = {"document", "bitext", "summary", "evaluation", "report", "project"}
    # an EPUB's bilingual edition also comes as one HTML page for the browser
    page = {"bilingual_html"} if both and fmt == "epub" else set()
    assert set(outputs) == expected | ({"bilingual"} if both else set()) | page
    assert all(p.is_file() for p in outputs.values())
    assert outputs["document"].suffix == src.suffix
    assert summary.status == "done" and summary.translated > 10
    assert summary.segments == len(read_document(src, "en").segments)
    sentence = EPUB_SENTENCE if fmt == "epub" else MD_SENTENCE
    spanish = apertium(sentence)
    translated = pandoc_text(outputs["document"], fmt)
    assert squash(spanish) in translated and sentence not in translated
    if both:
        bilingual = pandoc_text(outputs["bilingual"], fmt)
        assert sentence in bilingual and squash(spanish) in bilingual
        assert bilingual.index(sentence) < bilingual.index(squash(spanish))
    bitext = dict(line.split("\t") for line in
                  outputs["bitext"].read_text(encoding="utf-8").splitlines())
    assert squash(bitext[sentence]) == squash(spanish)
    assert json.loads(outputs["summary"].read_text())["status"] == "done"
    evaluation = json.loads(outputs["evaluation"].read_text())
    assert {"qa", "segments", "flags", "paragraphs"} <= set(evaluation)
    assert "<html" in outputs["report"].read_text(encoding="utf-8")
    assert stored_formats(outputs["project"]) == [fmt]


# --- resume after kill -9 -------------------------------------------------------------------


def _cmd(src: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "diglot", "run", str(src), "--from", "en", "--to", "es",
            "--out", str(out), "--batch-size", "4", "--source-lang-check", "off",
            "--edition", "both"]


def _done(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM translations WHERE status = 'done'")
                       .fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _stored(db: Path) -> dict[int, tuple[str, str, str | None]]:
    """Each segment's (source text, status, translation) in a one-document store."""
    with sqlite3.connect(db, timeout=5) as conn:
        rows = conn.execute("SELECT s.position, s.text, t.status, t.text FROM translations t "
                            "JOIN segments s ON s.id = t.segment_id").fetchall()
    return {p: (src, status, text) for p, src, status, text in rows}


def _replay(stored: dict[int, tuple[str, str, str | None]]) -> dict[int, str | None]:
    """What a run resuming from ``stored`` gives each segment, made here without the
    pipeline: finished ones kept, the others recalled when the same text is finished, else
    sent to a fresh Apertium once per text, in order, 4 to a batch (as ``--batch-size 4``)."""
    from diglot.pipeline import tidy_output
    from translate.apertium import ApertiumEngine, open_apertium
    from translate.langs import resolve

    known = {src: text for src, status, text in stored.values() if status == "done"}
    todo = list(dict.fromkeys(src for _, (src, status, _) in sorted(stored.items())
                              if status != "done" and src not in known))
    engine = open_apertium(resolve("en"), resolve("es"))
    assert isinstance(engine, ApertiumEngine)
    try:
        batches = [todo[i:i + 4] for i in range(0, len(todo), 4)]
        hyps = [h for batch in engine.translate_stream(batches) for h in batch]
        new = {src: tidy_output(src, h.text, engine.tgt)
               for src, h in zip(todo, hyps, strict=True)}
    finally:
        engine.close()
    return {p: text if status == "done" else known.get(src, new.get(src))
            for p, (src, status, text) in stored.items()}


def _shape(data: bytes) -> bytes:
    """An XML member without its text: its elements, attributes and order."""
    tree = etree.fromstring(data)
    for el in tree.iter():
        el.text = el.tail = None
    return etree.tostring(tree)


@needs_apertium
@needs_shared
@pytest.mark.slow
def test_an_epub_run_killed_midway_resumes_to_the_uninterrupted_output(tmp_path: Path) -> None:
    """Kill -9 mid-run, run again: the books are the uninterrupted run's, member by member.

    Their words differ from that run's where Apertium's own history differs: its tagger
    carries state from one segment to the next, even across the null-flushed requests of one
    pipeline (``apertium -u eng-spa`` gives "take care" as "cuida" after one sentence of
    chapter I and as "a seguir bien" alone), and the resumed run starts a new pipeline at the
    first missing segment. So every translation is checked against a replay of exactly that:
    the finished segments kept, the rest through a fresh Apertium in the same batches.
    """
    src = epub(tmp_path / "manifesto.en.epub",
               ("chapter-1.xhtml", "chapter-4.xhtml", "endnotes.xhtml"))
    clean = tmp_path / "clean"
    done = subprocess.run(_cmd(src, clean), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    killed = tmp_path / "killed"
    proc = subprocess.Popen(_cmd(src, killed), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _done(killed / "diglot.db") < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    summary = json.loads((clean / "summary.json").read_text())
    total = summary["translated"] + summary["memory"]["hits"]
    at_kill = _stored(killed / "diglot.db")
    before = sum(status == "done" for _, status, _ in at_kill.values())
    assert 40 <= before < total, "the run was not killed halfway; make the book longer"
    assert not list(killed.glob("*.epub"))  # no book half written
    resumed = subprocess.run(_cmd(src, killed), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    again = json.loads((killed / "summary.json").read_text())
    assert again["reused"] == before
    assert again["translated"] + again["memory"]["hits"] == total - before
    final = {p: text for p, (_, _, text) in _stored(killed / "diglot.db").items()}
    uninterrupted = {p: text for p, (_, _, text) in _stored(clean / "diglot.db").items()}
    assert final == _replay(at_kill)
    assert all(final[p] == uninterrupted[p] for p, (_, status, _) in at_kill.items()
               if status == "done")
    for name in ("manifesto.es.epub", "manifesto.en-es.epub"):
        ours, theirs = members(killed / name), members(clean / name)
        assert [n for n, _ in ours] == [n for n, _ in theirs]
        for (member_name, data), (_, expected) in zip(ours, theirs, strict=True):
            if member_name.endswith((".xhtml", ".opf")):
                assert _shape(data) == _shape(expected), member_name
            else:
                assert data == expected, member_name
    # the book holds exactly the stored texts: where the translations agree, so do the books
    if final == uninterrupted:
        assert members(killed / "manifesto.es.epub") == members(clean / "manifesto.es.epub")
    tsv = (killed / "manifesto.en-es.tsv").read_text(encoding="utf-8").splitlines()
    assert [line.split("\t")[1] for line in tsv] == \
        [(final[p] or "").replace("\t", " ").replace("\n", " ") for p in sorted(final)
         if final[p]]
    with sqlite3.connect(killed / "diglot.db") as conn:
        per_segment = conn.execute("SELECT COUNT(*), COUNT(DISTINCT segment_id), "
                                   "MAX(attempts) FROM translations").fetchone()
    assert per_segment == (total, total, 1)  # none translated twice, none lost


# --- translation memory, glossary, review ---------------------------------------------------


def _texts(path: Path) -> list[str]:
    return [s.text for s in read_document(path, "en").segments if s.translate]


@needs_apertium
@needs_shared
@pytest.mark.slow
def test_a_second_epub_sharing_a_chapter_takes_it_from_the_memory(tmp_path: Path) -> None:
    first = epub(tmp_path / "first.en.epub", ("titlepage.xhtml", "chapter-4.xhtml"))
    second = epub(tmp_path / "second.en.epub", ("chapter-4.xhtml", "endnotes.xhtml"))
    db = tmp_path / "diglot.db"
    run(RunOptions(first, "en", "es", out=tmp_path / "a", project=db, source_lang_check=False))
    summary = run(RunOptions(second, "en", "es", out=tmp_path / "b", project=db,
                             source_lang_check=False))
    known, texts = set(_texts(first)), _texts(second)
    new = [t for t in texts if t not in known]
    # chapter IV, the book's title and the table of contents come from the first book; a
    # new text repeated in the second is translated once
    assert summary.translated == len(set(new))
    assert summary.memory["hits"] == len(texts) - len(set(new))
    assert summary.memory["hits"] >= 19 + 23  # chapter IV's segments and the contents'
    chapter = "epub/text/chapter-4.xhtml"
    assert member(tmp_path / "b" / "second.es.epub", chapter) == \
        member(tmp_path / "a" / "first.es.epub", chapter)
    assert stored_formats(db) == ["epub", "epub"]


@needs_apertium
@needs_shared
@pytest.mark.slow
def test_a_glossary_term_is_enforced_in_the_epub(tmp_path: Path) -> None:
    src = book("epub", tmp_path)
    glossary = tmp_path / "terms.en-es.tsv"
    glossary.write_text("en\tes\nworking class\tclase obrera\n", encoding="utf-8")
    assert "clase obrera" not in apertium("the interests of the working class")
    plain = run(RunOptions(src, "en", "es", out=tmp_path / "plain", source_lang_check=False))
    summary = run(RunOptions(src, "en", "es", out=tmp_path / "out", glossary=glossary,
                             source_lang_check=False))
    chapter = member(Path(summary.outputs["document"]), "epub/text/chapter-4.xhtml")
    before = member(Path(plain.outputs["document"]), "epub/text/chapter-4.xhtml")
    source = member(src, "epub/text/chapter-4.xhtml")
    assert source.count("working class") == 3
    assert chapter.count("clase obrera") == 3 and "clase obrera" not in before
    assert summary.glossary["terms"] == 1 and summary.glossary["violations"] == 0


@needs_apertium
@needs_shared
@pytest.mark.slow
def test_a_review_edit_reaches_both_editions_of_the_epub(tmp_path: Path) -> None:
    from diglot.review import Actor
    from diglot.review.service import ReviewService

    src = book("epub", tmp_path)
    opts = RunOptions(src, "en", "es", out=tmp_path / "out", source_lang_check=False,
                      edition="both")
    first = run(opts)
    machine = squash(apertium(EPUB_SENTENCE))
    reviewed = "¡Proletarios de todos los países, uníos!"
    service = ReviewService(Path(first.outputs["project"]))
    try:
        (bitext,) = service.overview()
        beads = [b for b in service.beads(bitext.id, limit=1000).beads
                 if " ".join(s.text for s in b.source) == EPUB_SENTENCE]
        assert len(beads) == 1 and beads[0].target == machine
        service.edit(bitext.id, beads[0].id, reviewed, beads[0].version,
                     Actor("ana", "reviewer"))
    finally:
        service.close()
    again = run(opts)
    assert again.reviewed == 1 and again.translated == 0
    chapter = "epub/text/chapter-4.xhtml"
    translated = member(Path(again.outputs["document"]), chapter)
    bilingual = member(Path(again.outputs["bilingual"]), chapter)
    assert f"<p>{reviewed}</p>" in translated and machine not in translated
    assert reviewed in bilingual and EPUB_SENTENCE in bilingual and machine not in bilingual
    assert bilingual.index(EPUB_SENTENCE) < bilingual.index(reviewed)
    tsv = Path(again.outputs["bitext"]).read_text(encoding="utf-8")
    assert f"{EPUB_SENTENCE}\t{reviewed}\n" in tsv


# --- refusals -------------------------------------------------------------------------------


@needs_shared
def test_translate_refuses_an_epub_without_out(tmp_path: Path) -> None:
    src = epub(tmp_path / "manifesto.en.epub", ("chapter-4.xhtml",))
    done = subprocess.run([sys.executable, "-m", "diglot", "translate", str(src),
                           "--from", "en", "--to", "es"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode != 0 and done.stdout == ""
    assert "is EPUB: give --out FILE for the translated book" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == [src]  # no store, no book left behind

