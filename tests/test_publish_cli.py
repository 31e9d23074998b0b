"""The issue's "done when": the bundled sample, run and reviewed, is exported to every format from
the command line with the licence from its front matter; real clients open the files; TMX and
JSONL come back through `diglot import` with the same pairs and provenance; imported human
translations serve the translation memory; a bad file imports nothing."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from diglot.review import Actor
from diglot.review.service import ReviewService
from tests.conftest import needs_apertium
from tests.test_cli import diglot
from tests.ttk import read_with_ttk

SAMPLES = Path(__file__).resolve().parent.parent / "diglot" / "samples"
DTD = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "standards" / "tmx14.dtd"

pytestmark = needs_apertium


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's first command on the sample, then a review: one bead edited and confirmed,
    one confirmed as it is."""
    root = tmp_path_factory.mktemp("publish-cli")
    res = diglot("run", str(SAMPLES / "ensayo.es.md"), "--from", "es", "--to", "en",
                 "--glossary", str(SAMPLES / "glosario.es-en.tsv"), "--out", str(root / "out"))
    assert res.returncode == 0, res.stderr
    db = root / "out" / "diglot.db"
    service = ReviewService(db)
    try:
        beads = service.beads(1, limit=100).beads
        first, second = beads[0], beads[1]
        service.set_status(1, first.id, "confirmed", first.version, Actor("ana", "reviewer"),
                           text="Labour and language")
        service.set_status(1, second.id, "confirmed", second.version, Actor("luis", "reviewer"))
    finally:
        service.close()
    return db


def _ok(*args: str) -> str:
    res = diglot(*args)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_the_reviewed_sample_exports_to_every_format(reviewed: Path, tmp_path: Path) -> None:
    for fmt, name in [("tmx", "c.tmx"), ("xliff", "c.xlf"), ("moses", "c"), ("tsv", "c.tsv"),
                      ("jsonl", "c.jsonl")]:
        out = _ok("export", str(reviewed), "--to", fmt, "--out", str(tmp_path / name))
        assert out.startswith("20 of 20 pairs written") and "2 confirmed, 18 machine" in out
        assert "licence: CC-BY-4.0; documents: ensayo.es.md" in out
    rows = [json.loads(x) for x in (tmp_path / "c.jsonl").read_text("utf-8").splitlines()]
    assert (rows[0]["target"], rows[0]["status"], rows[0]["reviewers"]) == (
        "Labour and language", "confirmed", ["ana"])
    assert {r["license"] for r in rows} == {"CC-BY-4.0"}
    moses_src = (tmp_path / "c.es").read_text("utf-8").splitlines()
    moses_tgt = (tmp_path / "c.en").read_text("utf-8").splitlines()
    meta = (tmp_path / "c.meta.jsonl").read_text("utf-8").splitlines()
    assert len(moses_src) == len(moses_tgt) == len(meta) == 20
    assert moses_tgt[0] == "Labour and language" and moses_src[0] == rows[0]["source"]
    tsv = (tmp_path / "c.tsv").read_text("utf-8").splitlines()
    assert tsv[0].split("\t")[:3] == ["id", "source", "target"] and len(tsv) == 21
    for name in ("c.tsv", "c.jsonl"):  # QA reads an export, its languages from the pairs
        res = diglot("qa", str(tmp_path / name))
        assert res.returncode == 0 and "20 segments" in res.stderr, (name, res.stderr)


def test_real_clients_open_the_tmx_and_the_xliff(reviewed: Path, tmp_path: Path) -> None:
    tmx, xlf = tmp_path / "c.tmx", tmp_path / "c.xlf"
    _ok("export", str(reviewed), "--to", "tmx", "--out", str(tmx))
    _ok("export", str(reviewed), "--to", "xliff", "--out", str(xlf))
    if DTD.is_file() and shutil.which("xmllint"):
        done = subprocess.run(["xmllint", "--noout", "--dtdvalid", str(DTD), str(tmx)],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    _ok("export", str(reviewed), "--to", "jsonl", "--out", str(tmp_path / "c.jsonl"))
    rows = [json.loads(x) for x in (tmp_path / "c.jsonl").read_text("utf-8").splitlines()]
    for path in (tmx, xlf):
        units = read_with_ttk(path)["units"]
        assert [(u["source"], u["target"]) for u in units] == [
            (r["source"], r["target"]) for r in rows], path


@pytest.mark.slow
def test_the_hugging_face_export_loads_with_the_cards_licence(reviewed: Path,
                                                               tmp_path: Path) -> None:
    pytest.importorskip("datasets")
    import datasets
    import yaml

    out = tmp_path / "hf"
    _ok("export", str(reviewed), "--to", "hf", "--out", str(out))
    card = (out / "README.md").read_text("utf-8")
    header = yaml.safe_load(card.split("---")[1])
    assert (header["license"], header["language"], header["task_categories"]) == (
        "cc-by-4.0", ["es", "en"], ["translation"])
    loaded = datasets.load_from_disk(str(out / "disk"))
    assert loaded.num_rows == 20
    assert loaded[0]["translation"] == {"es": "El trabajo y la lengua",
                                        "en": "Labour and language"}
    assert "Colectivo diglot" in card and "CC-BY-4.0" in card


@pytest.mark.parametrize("fmt,name,given", [
    ("tmx", "c.tmx", "c.tmx"), ("jsonl", "c.jsonl", "c.jsonl"), ("xliff", "c.xlf", "c.xlf"),
    ("tsv", "c.tsv", "c.tsv"), ("moses", "c", "c.en"), ("moses", "c", "c.meta.jsonl")])
def test_an_export_imported_into_a_fresh_store_exports_the_same(
        reviewed: Path, tmp_path: Path, fmt: str, name: str, given: str) -> None:
    _ok("export", str(reviewed), "--to", fmt, "--out", str(tmp_path / name))
    first = tmp_path / given
    fresh = tmp_path / "fresh.db"
    out = _ok("import", str(first), "--from", "es", "--to", "en", "--project", str(fresh))
    assert out.startswith("imported 20 pairs (2 confirmed, 18 machine)")
    _ok("export", str(reviewed), "--to", "jsonl", "--out", str(tmp_path / "a.jsonl"))
    _ok("export", str(fresh), "--to", "jsonl", "--out", str(tmp_path / "b.jsonl"))
    assert (tmp_path / "a.jsonl").read_text("utf-8") == (tmp_path / "b.jsonl").read_text("utf-8")
    again = _ok("import", str(first), "--from", "es", "--to", "en", "--project", str(fresh))
    assert "imported into" in again and "before; nothing to do" in again


def test_imported_human_translations_serve_the_translation_memory(tmp_path: Path) -> None:
    tm = tmp_path / "memoria.tsv"
    tm.write_text("El perro come.\tThe hound eats.\n", encoding="utf-8")
    db = tmp_path / "p.db"
    out = _ok("import", str(tm), "--from", "es", "--to", "en", "--project", str(db),
              "--license", "CC0-1.0")
    assert out.startswith("imported 1 pair (1 confirmed)")
    doc = tmp_path / "t.es.txt"
    doc.write_text("El perro come. El gato duerme.\n", encoding="utf-8")
    _ok("run", str(doc), "--from", "es", "--to", "en", "--project", str(db), "--out",
        str(tmp_path / "o"), "--source-lang-check", "off")
    assert (tmp_path / "o" / "t.en.txt").read_text("utf-8") == \
        "The hound eats. The cat sleeps.\n"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT translation_license FROM document_meta WHERE name = ?",
                            ("memoria.tsv",)).fetchone() == ("CC0-1.0",)


def test_a_bad_unit_imports_nothing_unless_skipped(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("El perro come.\tThe dog eats.\nsin tabulador\nLa casa.\tThe house.\n",
                   encoding="utf-8")
    db = tmp_path / "p.db"
    res = diglot("import", str(bad), "--from", "es", "--to", "en", "--project", str(db))
    assert res.returncode == 2 and "bad.tsv:2:" in res.stderr and "--skip-bad" in res.stderr
    assert not db.exists() and not Path(f"{db}.lock").exists()  # the new store is not kept
    good = tmp_path / "memoria.tsv"
    good.write_text("uno\tone\n", encoding="utf-8")
    _ok("import", str(good), "--from", "es", "--to", "en", "--project", str(db))
    res = diglot("import", str(bad), "--from", "es", "--to", "en", "--project", str(db))
    with sqlite3.connect(db) as conn:  # an existing store keeps exactly what it had
        assert conn.execute("SELECT COUNT(*) FROM documents").fetchone() == (1,)
        assert conn.execute("SELECT COUNT(*) FROM translations").fetchone() == (1,)
    out = _ok("import", str(bad), "--from", "es", "--to", "en", "--project", str(db),
              "--skip-bad")
    assert out.startswith("imported 2 pairs") and "skipped 1 bad units" in out


def test_the_memory_reuses_a_persons_text_only_where_its_licence_allows(tmp_path: Path) -> None:
    memory = tmp_path / "nc.tsv"
    memory.write_text("El perro come.\tThe hound eats.\n", encoding="utf-8")
    db = tmp_path / "p.db"
    _ok("import", str(memory), "--from", "es", "--to", "en", "--project", str(db),
        "--license", "CC-BY-NC-4.0")
    doc = tmp_path / "abierto.es.md"
    doc.write_text("---\nlicense: CC-BY-4.0\n---\n\nEl perro come.\n", encoding="utf-8")
    _ok("run", str(doc), "--from", "es", "--to", "en", "--project", str(db), "--out",
        str(tmp_path / "o"), "--source-lang-check", "off")
    # a NonCommercial memory does not become part of a CC BY translation
    assert "The dog eats." in (tmp_path / "o" / "abierto.en.md").read_text("utf-8")
    same = tmp_path / "nc.es.md"
    same.write_text("---\nlicense: CC-BY-NC-4.0\n---\n\nEl perro come.\n", encoding="utf-8")
    _ok("run", str(same), "--from", "es", "--to", "en", "--project", str(db), "--out",
        str(tmp_path / "o2"), "--source-lang-check", "off")
    assert "The hound eats." in (tmp_path / "o2" / "nc.en.md").read_text("utf-8")
    _ok("export", str(db), "--to", "jsonl", "--out", str(tmp_path / "c.jsonl"), "--document",
        "nc.es.md")
    (row,) = [json.loads(x) for x in (tmp_path / "c.jsonl").read_text("utf-8").splitlines()]
    assert (row["target"], row["license"]) == ("The hound eats.", "CC-BY-NC-4.0")
    assert row["note"] == "a person's translation, from the translation memory (nc.tsv)"


def test_a_run_warns_when_another_file_of_the_same_name_takes_a_documents_place(
        tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    for folder, text in (("a", "El perro come.\n"), ("b", "La casa es roja.\n")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "nota.es.txt").write_text(text, encoding="utf-8")
    first = diglot("run", str(tmp_path / "a" / "nota.es.txt"), "--from", "es", "--to", "en",
                   "--project", str(db), "--out", str(tmp_path / "oa"))
    again = diglot("run", str(tmp_path / "a" / "nota.es.txt"), "--from", "es", "--to", "en",
                   "--project", str(db), "--out", str(tmp_path / "oa"))
    other = diglot("run", str(tmp_path / "b" / "nota.es.txt"), "--from", "es", "--to", "en",
                   "--project", str(db), "--out", str(tmp_path / "ob"))
    assert "warning" not in first.stderr and "warning" not in again.stderr
    assert other.returncode == 0 and (
        f"diglot: warning: the store holds a document named nota.es.txt from another file "
        f"({tmp_path / 'a' / 'nota.es.txt'}); this one takes its place in exports") in other.stderr
