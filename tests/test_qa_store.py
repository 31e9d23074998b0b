"""`diglot qa` and `diglot glossary check` on a project store, and languages from a bitext's name.

The store is made by the real pipeline (Apertium) on the Spanish sample, es→en with the sample
glossary and es→fr; reviews are made with the real review service. Expected texts come from
the run's own bitext TSV and from the edits the tests make.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from diglot.errors import ConfigError, StoreError
from diglot.pipeline import RunOptions, run
from diglot.review import Actor
from diglot.review.service import ReviewService
from evaluation.sources import (
    is_store,
    languages_from_name,
    read_bitext,
    read_store,
)
from glossary.segments import read_segments
from tests.conftest import SAMPLE, needs_apertium
from tests.test_cli import _one_line_error, diglot

GLOSSARY = SAMPLE.parent / "glosario.es-en.tsv"
ALICE = Actor("alice", "reviewer")
ES_EN = 1  # bitext of the es→en run


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One store: the sample es→en (with the glossary) and es→fr, 20 beads each."""
    if shutil.which("apertium-wblank-mode") is None:
        pytest.skip("Apertium is not installed (apt-get install apertium apertium-eng-spa "
                    "apertium-fr-es)")
    root = tmp_path_factory.mktemp("qa-store")
    db = root / "diglot.db"
    run(RunOptions(input=SAMPLE, src="es", tgt="en", glossary=GLOSSARY, out=root / "en",
                   project=db, source_lang_check=False))
    run(RunOptions(input=SAMPLE, src="es", tgt="fr", out=root / "fr", project=db,
                   source_lang_check=False))
    return db


def _copy(built: Path, folder: Path) -> Path:
    db = folder / "diglot.db"
    with sqlite3.connect(built) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    return db


def _tsv(built: Path, name: str) -> list[tuple[str, str]]:
    rows = (built.parent / name).read_text(encoding="utf-8").splitlines()
    return [(a, b) for a, b in (row.split("\t") for row in rows)]


@needs_apertium
def test_store_items_are_the_current_beads_with_the_stores_languages(built: Path) -> None:
    assert is_store(built) and not is_store(built.parent / "en" / "ensayo.es-en.tsv")
    found = read_store(built, "es", "en")
    assert (found.source_lang, found.target_lang) == ("es", "en")
    assert [(it.source, it.target) for it in found.items] == _tsv(built, "en/ensayo.es-en.tsv")
    assert [it.id for it in found.items] == [f"ensayo.es.md segment {n}" for n in range(1, 21)]
    sections = {it.source: it.section for it in found.items}
    assert sections["El trabajo y la lengua"] == "El trabajo y la lengua"
    assert sections["Toda traducción es un trabajo social."] == "La traducción como trabajo"
    assert sections["Una buena herramienta no decide por el traductor."] == "Conclusión"
    fr = read_store(built, tgt="fr")
    assert (fr.source_lang, fr.target_lang) == ("es", "fr")
    assert [(it.source, it.target) for it in fr.items] == _tsv(built, "fr/ensayo.es-fr.tsv")


@needs_apertium
def test_several_language_pairs_need_a_choice(built: Path) -> None:
    with pytest.raises(ConfigError, match=r"diglot\.db: the store holds several language pairs "
                                          r"\(es-en, es-fr\); choose one with --from and --to"):
        read_store(built)
    with pytest.raises(ConfigError, match="no bitext from es to de; the store holds es-en, "
                                          "es-fr"):
        read_store(built, "es", "de")
    res = diglot("qa", str(built))
    _one_line_error(res, r"several language pairs \(es-en, es-fr\); choose one with --from "
                         r"and --to")


@needs_apertium
def test_qa_reads_reviewers_edits_and_merged_beads(built: Path, tmp_path: Path) -> None:
    db = _copy(built, tmp_path)
    svc = ReviewService(db)
    try:
        beads = {b.order: b for b in svc.beads(ES_EN, limit=100).beads}
        # segment 5 "Toda traducción es un trabajo social." gets a number it does not have
        svc.edit(ES_EN, beads[5].id, "All 3 translations are social labour.", beads[5].version,
                 ALICE)
        # segments 18 and 19 (one paragraph) become one bead
        svc.merge_next(ES_EN, beads[18].id, beads[18].version, beads[19].version, ALICE)
    finally:
        svc.close()
    items = {it.id: it for it in read_store(db, "es", "en").items}
    assert len(items) == 19
    assert items["ensayo.es.md segment 5"].target == "All 3 translations are social labour."
    merged = items["ensayo.es.md segments 18-19"]
    assert merged.source == ("Una buena herramienta no decide por el traductor. Le muestra el "
                             "texto, le ahorra el trabajo repetitivo y le deja la última "
                             "palabra.")
    assert "ensayo.es.md segment 19" not in items
    res = diglot("qa", str(db), "--from", "es", "--to", "en")
    assert res.returncode == 1, res.stderr
    assert ("ensayo.es.md segment 5: error: [numbers] numbers differ from the source: adds 3"
            in res.stdout.splitlines())
    assert res.stderr.startswith("19 segments, 1 flagged")


@needs_apertium
def test_a_superseded_bitext_is_left_out(built: Path, tmp_path: Path) -> None:
    db = _copy(built, tmp_path)
    # a run without the glossary is another configuration: its bitext replaces the first
    run(RunOptions(input=SAMPLE, src="es", tgt="en", out=tmp_path / "plain", project=db,
                   source_lang_check=False))
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT id, superseded_by FROM bitexts WHERE tgt_lang = 'en' "
                            "ORDER BY id").fetchall()
    assert rows == [(ES_EN, 3), (3, None)]
    found = read_store(db, "es", "en")
    assert [(it.source, it.target) for it in found.items] == _tsv(
        db, "plain/ensayo.es-en.tsv")


@needs_apertium
def test_glossary_check_reads_the_current_texts_of_a_store(built: Path, tmp_path: Path) -> None:
    db = _copy(built, tmp_path)
    segments = read_segments(db, "es", "en")
    assert [(a, b) for _, a, b in segments.rows] == _tsv(built, "en/ensayo.es-en.tsv")
    # `diglot glossary check` does not pass --from/--to on to the store yet: one pair only
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("DELETE FROM bitexts WHERE tgt_lang = 'fr'")
    res = diglot("glossary", "check", str(db), "--glossary", str(GLOSSARY))
    assert res.returncode == 0, res.stderr
    assert "0 violations" in res.stdout
    svc = ReviewService(db)
    try:
        bead = svc.beads(ES_EN, limit=100).beads[4]  # "Toda traducción es un trabajo social."
        svc.edit(ES_EN, bead.id, "All translation is social work.", bead.version, ALICE)
    finally:
        svc.close()
    segments = read_segments(db, "es", "en")
    assert ("ensayo.es.md segment 5", "Toda traducción es un trabajo social.",
            "All translation is social work.") in segments.rows
    assert (segments.source_lang, segments.target_lang) == ("es", "en")
    res = diglot("glossary", "check", str(db), "--glossary", str(GLOSSARY))
    assert res.returncode == 1
    assert "ensayo.es.md segment 5" in res.stdout and "use labour" in res.stdout


def test_an_sqlite_file_that_is_no_store_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(StoreError, match="other.db: an SQLite file without diglot's tables, "
                                         "not a project store"):
        read_store(other)
    with sqlite3.connect(other) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("t",)]
    _one_line_error(diglot("qa", str(other)), r"other\.db: an SQLite file without diglot's")


def test_bitext_names_give_the_languages(tmp_path: Path) -> None:
    assert languages_from_name(Path("out/ensayo.es-en.tsv")) == ("es", "en")
    assert languages_from_name(Path("book.fra-eng.tsv")) == ("fr", "en")
    assert languages_from_name(Path("book.tsv")) is None
    assert languages_from_name(Path("book.xx-en.tsv")) is None
    assert languages_from_name(Path("book.es-en.txt")) is None
    bitext = tmp_path / "notes.fr-en.tsv"
    bitext.write_text("Il a 3 chats.\tHe has 4 cats.\nLe chien dort.\tThe dog sleeps.\n",
                      encoding="utf-8")
    found = read_bitext(bitext)
    assert (found.source_lang, found.target_lang, len(found.items)) == ("fr", "en", 2)
    res = diglot("qa", str(bitext))
    assert res.returncode == 1, res.stderr
    assert res.stdout.splitlines() == [
        "notes.fr-en.tsv:1: error: [numbers] numbers differ from the source: missing 3; adds 4"]
    plain = tmp_path / "notes.tsv"
    shutil.copyfile(bitext, plain)
    _one_line_error(diglot("qa", str(plain)), r"notes\.tsv does not name its languages; give "
                                              r"--from and --to")
    # options win over the name
    res = diglot("qa", str(bitext), "--from", "es", "--to", "en", "--json")
    assert res.returncode == 1 and '"segments": 2' in res.stdout
