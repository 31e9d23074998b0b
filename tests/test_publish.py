"""Publishing: document metadata and licences, provenance of a reviewed run's pairs, the export's
licence rules and selections, and import into a store. A real run with Apertium writes the
store; reviews go through the review service, as a reviewer's browser would."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from corpora.export import ExportOptions, export
from corpora.meta import combined_license, load_meta, save_meta
from corpora.pairs import DocumentMeta
from corpora.provenance import current_bitexts, store_pairs
from diglot.errors import ConfigError, DataFormatError
from diglot.pipeline import RunOptions, run
from diglot.review import Actor
from diglot.review.service import ReviewService
from tests.conftest import needs_apertium

SAMPLES = Path(__file__).resolve().parent.parent / "diglot" / "samples"
ESSAY_META = DocumentMeta(
    "ensayo.es.md", "El trabajo y la lengua", ("Colectivo diglot",),
    "https://example.org/diglot/samples/ensayo.es.md", "CC-BY-4.0", None,
    "«El trabajo y la lengua», Colectivo diglot, CC BY 4.0")
ALICE = Actor("alice", "reviewer")
BOB = Actor("bob", "reviewer")
NOTE_MD = "# Nota\n\nEl perro come. La casa es roja.\n"

pytestmark = needs_apertium


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample essay run es→en with its glossary (front matter: CC-BY-4.0) and a note with
    no metadata, in one store."""
    root = tmp_path_factory.mktemp("publish")
    glossary = root / "glosario.es-en.tsv"
    shutil.copyfile(SAMPLES / "glosario.es-en.tsv", glossary)
    db = root / "diglot.db"
    run(RunOptions(input=SAMPLES / "ensayo.es.md", src="es", tgt="en", glossary=glossary,
                   out=root / "essay", project=db, source_lang_check=False))
    note = root / "nota.es.md"
    note.write_text(NOTE_MD, encoding="utf-8")
    run(RunOptions(input=note, src="es", tgt="en", out=root / "note", project=db,
                   source_lang_check=False))
    return db


@pytest.fixture()
def db(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "diglot.db"
    with sqlite3.connect(built) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    return copy


def _pairs(db: Path, name: str = "ensayo.es.md") -> list:
    with sqlite3.connect(db) as conn:
        ref = next(r for r in current_bitexts(conn) if r.document == name)
        return list(store_pairs(conn, ref, load_meta(conn, name)))


# metadata ------------------------------------------------------------------------------------

def test_front_matter_gives_the_documents_metadata(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert load_meta(conn, "ensayo.es.md") == ESSAY_META
        assert load_meta(conn, "nota.es.md") == DocumentMeta("nota.es.md")
        assert conn.execute("SELECT origin FROM document_meta").fetchall() == [("front matter",)]


def test_meta_file_wins_over_front_matter_and_is_checked(tmp_path: Path) -> None:
    doc = tmp_path / "texto.es.md"
    doc.write_text("---\ntitle: Viejo\nlicense: CC0-1.0\ndate: 2020\n---\n\nEl perro come.\n",
                   encoding="utf-8")
    meta = tmp_path / "texto.toml"
    meta.write_text('title = "Nuevo"\nauthors = ["Ana", "Luis"]\n'
                    'translation_license = "cc-by-sa-4.0"\n', encoding="utf-8")
    db = tmp_path / "p.db"
    run(RunOptions(input=doc, src="es", tgt="en", out=tmp_path / "o", project=db, meta=meta,
                   source_lang_check=False))
    with sqlite3.connect(db) as conn:
        assert load_meta(conn, "texto.es.md") == DocumentMeta(
            "texto.es.md", "Nuevo", ("Ana", "Luis"), None, "CC0-1.0", "CC-BY-SA-4.0")

    meta.write_text('title = "x"\nlicense_url = "MIT"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"texto.toml: unknown key 'license_url'; the keys "
                                          r"are"):
        run(RunOptions(input=doc, src="es", tgt="en", out=tmp_path / "o2", project=db,
                       meta=meta))
    meta.write_text('title = "x"\nlicense = \n', encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"texto.toml:2: is not valid TOML"):
        run(RunOptions(input=doc, src="es", tgt="en", out=tmp_path / "o2", project=db,
                       meta=meta))
    assert not (tmp_path / "o2").exists()  # refused before anything was written


def test_a_licence_spdx_does_not_know_is_refused_with_the_file(tmp_path: Path) -> None:
    doc = tmp_path / "texto.es.md"
    doc.write_text("---\nlicense: CC-BY-SA\n---\n\nEl perro come.\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"texto.es.md front matter: license: 'CC-BY-SA' is "
                                          r"not an SPDX licence expression.*CC-BY-SA-4.0"):
        run(RunOptions(input=doc, src="es", tgt="en", out=tmp_path / "o",
                       project=tmp_path / "p.db"))
    doc.write_text("---\ntitle: [unclosed\n---\n\nEl perro come.\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"texto.es.md:\d: front matter is not valid YAML"):
        run(RunOptions(input=doc, src="es", tgt="en", out=tmp_path / "o",
                       project=tmp_path / "p.db"))
    assert not (tmp_path / "o").exists()


def test_licences_that_may_not_share_a_file() -> None:
    def doc(name: str, lic: str | None) -> DocumentMeta:
        return DocumentMeta(name, source_license=lic)

    assert combined_license([doc("a", "CC0-1.0"), doc("b", "CC-BY-4.0")]) == \
        "CC-BY-4.0 AND CC0-1.0"
    assert combined_license([doc("a", "CC-BY-SA-4.0"), doc("b", "CC-BY-4.0"),
                             doc("c", "CC-BY-SA-4.0")]) == "CC-BY-4.0 AND CC-BY-SA-4.0"
    assert combined_license([doc("a", None)]) is None
    with pytest.raises(ConfigError, match=r"CC-BY-NC-4.0: a; CC-BY-SA-4.0: b.*one export with "
                                          r"--license CC-BY-NC-4.0 and --license CC-BY-SA-4.0"):
        combined_license([doc("a", "CC-BY-NC-4.0"), doc("b", "CC-BY-SA-4.0")])
    # a pair holds the original's text and the translation's: both licences apply
    both = DocumentMeta("x", source_license="CC-BY-4.0", translation_license="CC-BY-SA-4.0")
    assert both.license == "CC-BY-4.0 AND CC-BY-SA-4.0"
    assert DocumentMeta("x", source_license="MIT OR Apache-2.0",
                        translation_license="CC0-1.0").license == "(MIT OR Apache-2.0) AND CC0-1.0"
    # a translation licence cannot launder a NonCommercial original into a ShareAlike file
    with pytest.raises(ConfigError, match=r"--license 'CC-BY-NC-4.0 AND CC0-1.0' and "
                                          r"--license CC-BY-SA-4.0"):
        combined_license([DocumentMeta("a", source_license="CC-BY-NC-4.0",
                                       translation_license="CC0-1.0"), doc("b", "CC-BY-SA-4.0")])


# provenance of a reviewed run ----------------------------------------------------------------

def test_pairs_carry_the_provenance_of_the_run_and_the_review(db: Path) -> None:
    service = ReviewService(db)
    try:
        beads = {" ".join(s.text for s in b.source): b
                 for b in service.beads(1, limit=100).beads}
        social = beads["Toda traducción es un trabajo social."]
        edited = service.edit(1, social.id, "All translation is social labour.",
                              social.version, ALICE)
        service.set_status(1, social.id, "confirmed", edited.version, BOB)
        title = beads["El trabajo y la lengua"]
        service.edit(1, title.id, "Labour and language", title.version, ALICE)
    finally:
        service.close()
    pairs = {p.source: p for p in _pairs(db)}
    assert len(pairs) == 20
    social_pair = pairs["Toda traducción es un trabajo social."]
    assert (social_pair.target, social_pair.status, social_pair.reviewers,
            social_pair.changed_by) == ("All translation is social labour.", "confirmed",
                                        ("alice", "bob"), "bob")
    assert social_pair.section == "La traducción como trabajo"
    assert social_pair.document == ESSAY_META and social_pair.license == "CC-BY-4.0"
    assert (social_pair.engine, social_pair.model) == ("apertium", "spa-eng")
    assert social_pair.engine_version is not None and "apertium-eng-spa" in \
        social_pair.engine_version
    assert social_pair.created_by == "apertium/spa-eng" and social_pair.created_at
    assert social_pair.changed_at is not None and social_pair.changed_at > \
        social_pair.created_at
    assert json.loads(social_pair.decoding) == {"mark_unknown": False} or \
        "mark_unknown" in social_pair.decoding
    assert social_pair.glossary_version and social_pair.align_method == "translation"
    assert social_pair.align_score is not None and 0 <= social_pair.align_score <= 1
    assert social_pair.id == f"ensayo.es.md:{social_pair.sentences[0]}"
    title_pair = pairs["El trabajo y la lengua"]
    assert (title_pair.status, title_pair.reviewers, title_pair.section, title_pair.paragraph) \
        == ("edited", ("alice",), "El trabajo y la lengua", title_pair.paragraph)
    untouched = pairs["Una persona lee un texto, lo comprende y lo escribe de nuevo en otra "
                      "lengua."]
    assert (untouched.status, untouched.reviewers, untouched.changed_by) == ("machine", (), None)


# export: licences and selections -------------------------------------------------------------

def _export(db: Path, out: Path, **options: object) -> list[dict[str, Any]]:
    opts = ExportOptions(db, "jsonl", out, **options)  # type: ignore[arg-type]
    export(opts)
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_documents_without_a_licence_are_not_exported_unless_allowed(db: Path,
                                                                      tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    with pytest.raises(ConfigError, match=r"1 document\(s\) have no licence: nota.es.md; set "
                                          r"it with `diglot meta .*nota.es.md --license SPDX`.*"
                                          r"--allow-unlicensed"):
        export(ExportOptions(db, "jsonl", out))
    assert not out.exists()
    rows = _export(db, out, allow_unlicensed=True)
    assert {r["document"] for r in rows} == {"ensayo.es.md", "nota.es.md"}
    assert {r["license"] for r in rows if r["document"] == "nota.es.md"} == {None}
    only = _export(db, tmp_path / "l.jsonl", license="cc-by-4.0")
    assert {r["document"] for r in only} == {"ensayo.es.md"} and len(only) == 20
    assert {r["license"] for r in only} == {"CC-BY-4.0"}


def test_incompatible_licences_are_split_with_license(db: Path, tmp_path: Path) -> None:
    with sqlite3.connect(db) as conn:
        save_meta(conn, "nota.es.md", {"source_license": "CC-BY-NC-4.0"}, "test")
        save_meta(conn, "ensayo.es.md", {"translation_license": "CC-BY-SA-4.0"}, "test")
    with pytest.raises(ConfigError, match=r"one export with --license 'CC-BY-4.0 AND "
                                          r"CC-BY-SA-4.0' and --license CC-BY-NC-4.0 each"):
        export(ExportOptions(db, "jsonl", tmp_path / "c.jsonl"))
    nc = _export(db, tmp_path / "nc.jsonl", license="CC-BY-NC-4.0")
    assert [r["source"] for r in nc] == ["Nota", "El perro come.", "La casa es roja."]


def test_status_and_document_selection_are_counted(db: Path, tmp_path: Path) -> None:
    service = ReviewService(db)
    try:
        first = service.beads(1, limit=1).beads[0]
        service.set_status(1, first.id, "confirmed", first.version, BOB)
    finally:
        service.close()
    out = tmp_path / "c.jsonl"
    report = export(ExportOptions(db, "jsonl", out, status="confirmed",
                                  documents=("ensayo.es.md",)))
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["source"], r["status"], r["changed_by"]) for r in rows] == [
        ("El trabajo y la lengua", "confirmed", "bob")]
    assert (report.written, report.considered, report.removed["status"]) == (1, 20, 19)
    with pytest.raises(ConfigError, match=r"no document named nope; the store has "
                                          r"ensayo.es.md, nota.es.md"):
        export(ExportOptions(db, "jsonl", out, documents=("nope",)))
    with pytest.raises(ConfigError, match=r"unknown format 'docx'; choose one of tmx, xliff"):
        export(ExportOptions(db, "docx", out))


def test_an_import_never_hides_a_document_of_the_same_name(db: Path, tmp_path: Path) -> None:
    from corpora.importer import import_file
    from corpora.store import Store

    out = tmp_path / "c.jsonl"
    export(ExportOptions(db, "jsonl", out, documents=("ensayo.es.md",)))
    with Store.open(db) as store:
        before = store.conn.execute("SELECT COUNT(*) FROM documents").fetchone()
        with pytest.raises(ConfigError, match=r"c.jsonl: the store holds a document named "
                                              r"'ensayo.es.md' already.*--document NAME"):
            import_file(store, out, "es", "en")
        assert store.conn.execute("SELECT COUNT(*) FROM documents").fetchone() == before
        report = import_file(store, out, "es", "en", document="ensayo (copia)")
        assert (report.pairs, report.documents) == (20, ["ensayo (copia)"])
        assert load_meta(store.conn, "ensayo (copia)").title == "El trabajo y la lengua"


def test_an_export_that_would_be_empty_says_why_and_writes_nothing(db: Path,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "c.xlf"
    with pytest.raises(ConfigError, match=r"nothing to export: 20 pairs read, all left out "
                                          r"\(status 20\); loosen --status"):
        export(ExportOptions(db, "xliff", out, status="confirmed",
                             documents=("ensayo.es.md",)))
    assert list(tmp_path.iterdir()) == [tmp_path / "diglot.db"] or not out.exists()


def test_an_export_never_overwrites_what_is_not_its_own(db: Path, tmp_path: Path) -> None:
    options = {"license": "CC-BY-4.0"}
    # the store's own folder, a folder of other files, an existing file: all refused
    with pytest.raises(ConfigError, match=r"holds the project store; give a new folder"):
        export(ExportOptions(db, "hf", tmp_path, **options))  # type: ignore[arg-type]
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("precious", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"mine: the folder holds other files \(notes.txt\)"):
        export(ExportOptions(db, "hf", other, **options))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"is a folder; give a file name"):
        export(ExportOptions(db, "tsv", other, **options))  # type: ignore[arg-type]
    assert (other / "notes.txt").read_text(encoding="utf-8") == "precious"
    link = tmp_path / "link.tsv"
    link.symlink_to(other / "notes.txt")
    with pytest.raises(ConfigError, match=r"link.tsv: is a symbolic link"):
        export(ExportOptions(db, "tsv", link, **options))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"--plain is for --to tmx"):
        export(ExportOptions(db, "tsv", tmp_path / "x.tsv", plain=True, **options))  # type: ignore[arg-type]
    # a missing folder on the way is made, as for every format
    nested = tmp_path / "a" / "b" / "c.tmx"
    export(ExportOptions(db, "tmx", nested, **options))  # type: ignore[arg-type]
    assert nested.is_file()


def test_read_only_commands_refuse_a_file_that_is_not_a_store(tmp_path: Path) -> None:
    from diglot.errors import StoreError

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (x TEXT)")
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    for path, what in [(other, "an SQLite database of another program"),
                       (empty, "an empty file")]:
        before = path.read_bytes()
        with pytest.raises(StoreError, match=rf"{path.name}: not a diglot project store "
                                             rf"\({what}\)"):
            export(ExportOptions(path, "tsv", tmp_path / "x.tsv"))
        assert path.read_bytes() == before
    with pytest.raises(StoreError, match=r"missing.db: no such project store"):
        export(ExportOptions(tmp_path / "missing.db", "tsv", tmp_path / "x.tsv"))
    assert not (tmp_path / "missing.db").exists()


def test_no_derivatives_licences_and_equivalent_expressions(db: Path, tmp_path: Path) -> None:
    with sqlite3.connect(db) as conn:
        save_meta(conn, "nota.es.md", {"source_license": "CC-BY-ND-4.0"}, "test")
    with pytest.raises(ConfigError, match=r"nota.es.md: the original's licence \(CC-BY-ND-4.0\) "
                                          r"forbids adaptations.*--translation-license SPDX"):
        export(ExportOptions(db, "jsonl", tmp_path / "c.jsonl"))
    # the rights holder's permission, recorded as the translation's licence, lets it through
    with sqlite3.connect(db) as conn:
        save_meta(conn, "nota.es.md", {"source_license": "CC0-1.0 OR LicenseRef-Permiso",
                                       "translation_license": "CC0-1.0"}, "test")
    rows = _export(db, tmp_path / "n.jsonl", license="CC0-1.0 AND (LicenseRef-Permiso OR CC0-1.0)")
    assert {r["license"] for r in rows} == {"(CC0-1.0 OR LicenseRef-Permiso) AND CC0-1.0"}


def test_an_edited_pair_is_checked_again_on_its_text(db: Path, tmp_path: Path) -> None:
    service = ReviewService(db)
    try:
        bead = next(b for b in service.beads(1, limit=100).beads
                    if b.source[0].text == "Toda traducción es un trabajo social.")
        service.edit(1, bead.id, "All translation is 7 social labours.", bead.version, ALICE)
    finally:
        service.close()
    rows = {r["source"]: r for r in _export(db, tmp_path / "c.jsonl", license="CC-BY-4.0")}
    edited = rows["Toda traducción es un trabajo social."]
    assert edited["status"] == "edited" and "numbers:error" in edited["flags"]
    assert all(not r["flags"] for s, r in rows.items() if s != edited["source"])


@pytest.mark.parametrize("fields,message", [
    ('"status": "bogus"', r"pair x.jsonl:0: status 'bogus' is not one of machine, edited, "
                          r"confirmed; fix it in the file"),
    ('"created_at": "yesterday"', r"created_at 'yesterday' is not an ISO 8601 date"),
    ('"align_score": 7', r"align_score 7.0 is outside \[0, 1\]"),
    ('"translation_license": "NOTSPDX"', r"document 'x.jsonl': translation_license: 'NOTSPDX' "
                                         r"is not an SPDX licence expression")])
def test_an_import_refuses_provenance_a_store_cannot_keep(tmp_path: Path, fields: str,
                                                          message: str) -> None:
    from corpora.importer import import_file
    from corpora.store import Store

    bad = tmp_path / "x.jsonl"
    bad.write_text('{"source": "hola", "target": "hello", "src_lang": "es", "tgt_lang": "en", '
                   f'{fields}}}\n', encoding="utf-8")
    with Store.open(tmp_path / "p.db") as store:
        with pytest.raises((DataFormatError, ConfigError), match=message):
            import_file(store, bad, "es", "en")
        assert store.conn.execute("SELECT COUNT(*) FROM documents").fetchone() == (0,)


def test_a_renamed_import_renames_its_pair_ids(db: Path, tmp_path: Path) -> None:
    from corpora.importer import import_file
    from corpora.store import Store

    out = tmp_path / "c.jsonl"
    export(ExportOptions(db, "jsonl", out, documents=("ensayo.es.md",)))
    with Store.open(db) as store:
        import_file(store, out, "es", "en", document="copia")
    rows = _export(db, tmp_path / "all.jsonl", allow_unlicensed=True)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)) == 20 + 3 + 20
    assert "copia:0" in ids and "ensayo.es.md:0" in ids


def test_an_import_refuses_a_side_longer_than_any_sentence(tmp_path: Path) -> None:
    from corpora.importer import MAX_SEGMENT, import_file
    from corpora.store import Store

    huge = tmp_path / "huge.tsv"
    huge.write_text(f"hola\thello\n{'a' * (MAX_SEGMENT + 1)}\tb\n", encoding="utf-8")
    with Store.open(tmp_path / "p.db") as store:
        with pytest.raises(DataFormatError, match=r"pair huge.tsv:1: a side is 1,000,001 "
                                                  r"characters long.*split it or leave it out"):
            import_file(store, huge, "es", "en")
        assert import_file(store, huge, "es", "en", skip_bad=True).skipped == {"bad field": 1}
