"""corpora.formats: which reader a file gets, the editions a run writes, and what is refused."""

import zipfile
from pathlib import Path

import pytest

from corpora.formats import WriteContext, detect_format, read_document, write_document
from diglot.errors import ConfigError, DataFormatError
from diglot.pipeline import RunOptions, run
from tests.conftest import SAMPLE, needs_apertium


@pytest.mark.parametrize("name, expected", [
    ("book.md", "markdown"), ("book.MARKDOWN", "markdown"), ("book.txt", "text"),
    ("book", "text"), ("page.html", "html"), ("page.xhtml", "html"), ("page.HTM", "html"),
    ("book.epub", "epub"), ("letter.docx", "docx"), ("article.wiki", "wikitext"),
    ("article.mediawiki", "wikitext"),
])
def test_format_by_suffix(tmp_path: Path, name: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text("text\n")
    assert detect_format(path) == expected


def test_a_zip_named_as_text_is_recognised_by_its_content(tmp_path: Path) -> None:
    epub = tmp_path / "book.txt"
    with zipfile.ZipFile(epub, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip")
    docx = tmp_path / "letter"
    with zipfile.ZipFile(docx, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    assert (detect_format(epub), detect_format(docx)) == ("epub", "docx")


def test_an_encrypted_office_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "secret.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    with pytest.raises(DataFormatError, match=r"secret\.docx.*password-protected.*remove the "
                                              r"password, or save it as \.docx"):
        detect_format(path)


def test_front_matter_language_becomes_the_target(tmp_path: Path) -> None:
    src = tmp_path / "e.es.md"
    src.write_text("---\ntitle: Ensayo\nlang: es\n---\n\n# Hola\n\nTexto.\n")
    doc = read_document(src, "es")
    texts = {i: "X" + s.text for i, s in enumerate(doc.segments)}
    for edition in ("translated", "bilingual"):
        out = tmp_path / f"{edition}.md"
        write_document(doc, texts, out, WriteContext(src, "es", "en", edition))
        lines = out.read_text().splitlines()
        assert lines[:4] == ["---", "title: Ensayo", "lang: en", "---"]
        assert "# XHola" in lines


def test_a_bilingual_edition_of_a_format_without_one_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "page.wiki"
    src.write_text("== Hola ==\n")
    with pytest.raises(ConfigError, match="bilingual edition .* use --edition translated"):
        run(RunOptions(src, "es", "en", out=tmp_path / "out", edition="bilingual"))
    assert not (tmp_path / "out").exists()  # refused before any work


@needs_apertium
def test_a_run_writes_both_editions(tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = run(RunOptions(SAMPLE, "es", "en", out=out, edition="both",
                             source_lang_check=False))
    translated = Path(summary.outputs["document"])
    bilingual = Path(summary.outputs["bilingual"])
    assert (translated.name, bilingual.name) == ("ensayo.en.md", "ensayo.es-en.md")
    text, both = translated.read_text(), bilingual.read_text()
    assert 'lang="es"' in both and 'lang="es"' not in text
    # every translated paragraph is in the bilingual book, after its source
    last = text.rstrip("\n").splitlines()[-1]
    assert both.rstrip("\n").endswith(f"</div>\n\n{last}")
    assert both.count('<div lang="es" class="diglot-source">') >= 5


def test_an_unknown_edition_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown edition 'parallel'"):
        run(RunOptions(SAMPLE, "es", "en", out=tmp_path / "o", edition="parallel"))


def test_translate_refuses_an_out_file_of_another_format(tmp_path: Path) -> None:
    from diglot.pipeline import translate_only

    src = tmp_path / "page.html"
    src.write_text("<html><body><p>Hola.</p></body></html>")
    with pytest.raises(ConfigError, match=r"wrong\.docx names a docx file, but the book is "
                                          r"html: .* name it wrong\.html"):
        translate_only(RunOptions(src, "es", "en"), tmp_path / "wrong.docx")
    assert not (tmp_path / "wrong.docx").exists()


@needs_apertium
def test_the_same_text_under_another_name_keeps_its_stored_name(tmp_path: Path) -> None:
    """A copy of a book run into the same store is the stored document: metadata and the
    publish hint use the name the store knows, and the run says so."""
    first = tmp_path / "a.es.md"
    first.write_text("Hola mundo.\n")
    copy = tmp_path / "b.es.md"
    copy.write_text("Hola mundo.\n")
    store = tmp_path / "p.db"
    run(RunOptions(first, "es", "en", out=tmp_path / "1", project=store,
                   source_lang_check=False))
    summary = run(RunOptions(copy, "es", "en", out=tmp_path / "2", project=store,
                             source_lang_check=False))
    assert summary.document["name"] == "a.es.md"
    assert any("holds this same text as a.es.md" in w for w in summary.warnings)
