"""An EPUB's edition as one HTML page (corpora.epub_html): the Standard Ebooks Manifesto and a
pandoc-built EPUB, read back with lxml, pandoc and headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from corpora import epub
from corpora.document import Document
from corpora.epub_html import page_path, write_html_edition
from corpora.epub_opf import xml_parser
from corpora.formats import ReadOptions, WriteContext
from diglot.errors import DataFormatError
from tests.books import manifesto_md, pandoc_epub
from tests.conftest import SHARED

MANIFESTO = SHARED / "epub" / "communist-manifesto.en.epub"
WHEN = datetime(2026, 11, 30, 11, 0, tzinfo=timezone.utc)
XHTML = "{http://www.w3.org/1999/xhtml}"
SPINE = ["titlepage", "imprint", "preface", "introduction", "halftitlepage", "chapter-1",
         "chapter-2", "chapter-3", "chapter-4", "endnotes", "colophon", "uncopyright"]

needs_manifesto = pytest.mark.skipif(
    not MANIFESTO.is_file(), reason=f"{MANIFESTO} is absent (../shared/data is beside the "
    "project in CI only)")
needs_pandoc = pytest.mark.skipif(shutil.which("pandoc") is None,
                                  reason="pandoc is not installed (apt-get install pandoc)")


# helpers ----------------------------------------------------------------------------------

def shout(text: str) -> str:
    """A word-changing engine: upper case outside tags and entities (tags kept)."""
    return "".join(p if p.startswith(("<", "&")) else p.upper()
                   for p in re.split(r"(<[^>]*>|&#?\w+;)", text))


def context(src: Path, edition: str = "bilingual", src_lang: str = "en",
            tgt_lang: str = "es") -> WriteContext:
    return WriteContext(src, src_lang, tgt_lang, edition, "apertium", "en-es", WHEN,
                        "diglot 0.1.0")


def text_of(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())


def letters(el: etree._Element) -> str:
    """An element's text without whitespace (a translated line break keeps no newline)."""
    return re.sub(r"\s+", "", "".join(el.itertext()))


def shouted(el: etree._Element) -> str:
    """`letters` of an element's source as the test engine makes it: in capitals, except
    words marked as another language than English, which the run keeps."""
    def pieces(node: etree._Element, keep: bool) -> str:
        lang = node.get("lang") or node.get("xml:lang") or ""
        keep = keep or (bool(lang) and not lang.startswith("en"))
        text = node.text or ""
        inner = (text if keep else text.upper()) + "".join(
            pieces(c, keep) + ((c.tail or "") if keep else (c.tail or "").upper()) for c in node
            if isinstance(c.tag, str))
        return inner

    return re.sub(r"\s+", "", pieces(el, False))


def classes(el: etree._Element) -> list[str]:
    return (el.get("class") or "").split()


def lang_of(el: etree._Element) -> str | None:
    while el is not None:
        if el.get("lang") is not None:
            return el.get("lang")
        el = el.getparent()
    return None


def parse_page(path: Path) -> etree._Element:
    """The page parsed by lxml.html; its parser may only complain of HTML5 tags that
    libxml2's HTML 4 parser does not know (section, hgroup...)."""
    parser = lxml.html.HTMLParser(encoding="utf-8")
    root = lxml.html.parse(str(path), parser).getroot()
    errors = [e for e in parser.error_log if "Tag " not in e.message
              or "invalid" not in e.message]
    assert errors == []
    return root


def spine_texts(src: Path, documents: list[str]) -> list[str]:
    """The words of each content document's body, in order."""
    with zipfile.ZipFile(src) as zf:
        out = []
        for member in documents:
            root = etree.fromstring(zf.read(member), xml_parser())
            body = root.find(XHTML + "body")
            out.append(text_of(body))
        return out


def check_page(page: Path) -> etree._Element:
    """What every page must be: ids unique, internal links landing on an id, resources on
    disk beside the page, nothing that runs."""
    root = parse_page(page)
    ids = [el.get("id") for el in root.iter() if el.get("id") is not None]
    assert len(ids) == len(set(ids))
    for el in root.iter():
        for name in ("href", "src"):
            value = el.get(name)
            if value is None:
                continue
            parts = urlsplit(value)
            if value.startswith("#"):
                assert unquote(parts.fragment) in ids, value
            elif not parts.scheme:
                assert ".xhtml" not in value and ".ncx" not in value, value
                assert value.startswith(f"{page.stem}_files/"), value
                assert (page.parent / unquote(parts.path)).is_file(), value
        assert not any(name.startswith("on") for name in el.attrib)
    for img in root.iter("img"):
        assert (page.parent / unquote(img.get("src", "-"))).is_file()
    assert root.find(".//script") is None
    return root


def rezip(src: Path, out: Path, replace: Mapping[str, bytes]) -> Path:
    """A copy of a real book with some members' bytes replaced or added."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        names = set()
        for info in zin.infolist():
            names.add(info.filename)
            kind = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            zout.writestr(info.filename, replace.get(info.filename) or zin.read(info),
                          compress_type=kind)
        for name, data in replace.items():
            if name not in names:
                zout.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return out


@pytest.fixture(scope="module")
def manifesto() -> Document:
    if not MANIFESTO.is_file():
        pytest.skip(f"{MANIFESTO} is absent (../shared/data is beside the project in CI only)")
    return epub.read(MANIFESTO, "en", ReadOptions())


@pytest.fixture(scope="module")
def bilingual(manifesto: Document, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Manifesto's bilingual edition written by the EPUB writer, shouted."""
    out = tmp_path_factory.mktemp("bilingual") / "manifesto.es.epub"
    texts = {i: shout(s.text) for i, s in enumerate(manifesto.segments)}
    epub.write(manifesto, texts, out, context(MANIFESTO))
    return page_path(out)


def write_page(doc: Document, texts: Mapping[int, str], src: Path, out: Path,
               edition: str = "bilingual", src_lang: str = "en") -> etree._Element:
    write_html_edition(doc, texts, out, context(src, edition, src_lang))
    return check_page(out)


# the Manifesto ------------------------------------------------------------------------------

@needs_manifesto
def test_the_epub_writer_writes_the_page_beside_a_bilingual_edition(
        manifesto: Document, bilingual: Path, tmp_path: Path) -> None:
    assert bilingual.name == "manifesto.es.html"
    assert bilingual.with_suffix(".epub").is_file() and bilingual.is_file()
    out = tmp_path / "translated.epub"
    epub.write(manifesto, {}, out, context(MANIFESTO, "translated"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["translated.epub"]
    assert page_path(tmp_path / "book.html") == tmp_path / "book.html.html"


@needs_manifesto
def test_manifesto_page_sections_head_and_languages(bilingual: Path) -> None:
    root = check_page(bilingual)
    assert root.get("lang") == "es"
    head = root.find("head")
    assert head.find("meta[@charset]").get("charset") == "utf-8"
    assert head.findtext("title") == "THE COMMUNIST MANIFESTO"
    styles = head.findall("style")
    assert [s.get("data-file") for s in styles[:3]] == [
        "epub/css/core.css", "epub/css/se.css", "epub/css/local.css"]
    css = "".join(s.text or "" for s in styles)
    assert "epub|type" not in css and 'section[data-epub-type~="titlepage"]' in css
    assert ".diglot-pair" in css and "grid-template-columns" in css
    sections = root.findall("body/section")
    assert [s.get("id") for s in sections] == [f"{name}.xhtml" for name in SPINE]
    assert all("diglot-document" in classes(s) and s.get("lang") == "es" for s in sections)
    assert sections[5].get("data-epub-type") == "bodymatter z3998:non-fiction"
    assert sections[5].get("data-file") == "epub/text/chapter-1.xhtml"
    assert root.find(".//nav") is None  # the nav document is not in this book's spine
    sources = [el for el in root.iter() if "diglot-source" in classes(el)]
    targets = [el for el in root.iter() if "diglot-target" in classes(el)]
    assert len(sources) == len(targets) > 200
    assert all(lang_of(el) == "en" for el in sources)
    assert all(lang_of(el) == "es" for el in targets)
    assert not [el for el in root.iter() if el.get("id") and lang_of(el) == "en"]


@needs_manifesto
def test_every_translated_block_once_after_its_source(manifesto: Document,
                                                      bilingual: Path) -> None:
    root = parse_page(bilingual)
    targets = [el for el in root.iter() if "diglot-target" in classes(el)]
    for target in targets:
        source = target.getprevious()
        assert source is not None and "diglot-source" in classes(source)
        assert letters(target) == shouted(source)
    spine = {f"epub/text/{name}.xhtml" for name in SPINE}
    expected = [lxml.html.fromstring(f"<p>{' '.join(b.parts)}</p>") for b in manifesto.blocks
                if b.file in spine and b.kind not in ("attribute", "title")]
    assert [letters(t) for t in targets] == [shouted(t) for t in expected]
    assert "beauxesprits" in "".join(letters(t) for t in targets)  # French, kept


@needs_manifesto
def test_notes_and_links_land_in_the_page(bilingual: Path) -> None:
    root = check_page(bilingual)
    ids = {el.get("id"): el for el in root.iter() if el.get("id")}
    call = ids["noteref-3"]  # on the translation, not on the source's copy
    assert call.get("href") == "#note-3" and "diglot-target" in classes(call.getparent())
    back = ids["note-3"].find(".//a[@data-epub-type='backlink']")
    assert back is not None and back.get("href") == "#noteref-3"
    assert ids["note-3"].find(".//p[@class='diglot-source']") is not None
    images = [img.get("src") for img in root.iter("img")]
    assert images == ["manifesto.es_files/images/titlepage.svg",
                      "manifesto.es_files/images/logo.svg",
                      "manifesto.es_files/images/logo.svg"]
    assert not (bilingual.parent / "manifesto.es_files/images/cover.svg").exists()


@needs_manifesto
def test_nothing_translated_gives_the_books_text_in_order(manifesto: Document,
                                                          tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    root = write_page(manifesto, {}, MANIFESTO, page, "translated")
    sections = root.findall("body/section")
    expected = spine_texts(MANIFESTO, [f"epub/text/{name}.xhtml" for name in SPINE])
    assert [text_of(s) for s in sections] == expected
    assert not [el for el in root.iter() if "diglot-pair" in classes(el)]
    assert "max-width: 40em" in root.find("head").findall("style")[-1].text


@needs_manifesto
@needs_pandoc
def test_pandoc_reads_the_page(bilingual: Path) -> None:
    result = subprocess.run(["pandoc", "-f", "html", "-t", "plain", str(bilingual)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0 and result.stderr == ""
    plain = " ".join(result.stdout.split())
    assert "The history of all hitherto existing society" in plain
    assert "THE HISTORY OF ALL HITHERTO EXISTING SOCIETY" in plain


# other books --------------------------------------------------------------------------------

@needs_pandoc
def test_pandoc_epub_page(tmp_path: Path) -> None:
    book = pandoc_epub(manifesto_md("fr", chapters=2), tmp_path / "manifeste.epub", 3)
    doc = epub.read(book, "fr", ReadOptions())
    texts = {i: shout(s.text) for i, s in enumerate(doc.segments)}
    page = tmp_path / "out" / "manifeste.es.html"
    root = write_page(doc, texts, book, page, src_lang="fr")
    assert [s.get("data-file") for s in root.findall("body/section")] == [
        "EPUB/text/title_page.xhtml", "EPUB/text/ch001.xhtml", "EPUB/text/ch002.xhtml"]
    assert root.find(".//nav") is None  # pandoc's nav document is not in its spine
    [img] = root.iter("img")
    assert img.get("alt") == "LE SPECTRE" and img.get("src").startswith("manifeste.es_files/")
    assert (page.parent / img.get("src")).read_bytes()[:4] == b"\x89PNG"
    calls = [a for a in root.iter("a") if a.get("data-epub-type") == "noteref"]
    assert calls and all(a.get("href", "").startswith("#") for a in calls)
    assert any("SPECTRE" in text_of(s) for s in root.iter("section"))
    assert any(s.text and "div.column" in s.text for s in root.find("head").iter("style"))
    result = subprocess.run(["pandoc", "-f", "html", "-t", "plain", str(page)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0 and result.stderr == ""


@pytest.fixture(scope="module")
def small_book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Document]:
    """pandoc's EPUB 3 of the French Manifesto's prologue, read."""
    if shutil.which("pandoc") is None:
        pytest.skip("pandoc is not installed (apt-get install pandoc)")
    book = pandoc_epub(manifesto_md("fr", chapters=1),
                       tmp_path_factory.mktemp("small") / "prologue.epub", 3)
    return book, epub.read(book, "fr", ReadOptions())


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from([*"ab <>&/\"'=#;é", "<em>", "</em>", "</a>",
                                           '<a href="x">', "<br/>", "</style>", "<script>"]),
                         max_size=12).map("".join),
                min_size=1, max_size=6))
def test_any_translation_gives_a_valid_page(small_book: tuple[Path, Document],
                                            tmp_path: Path, words: list[str]) -> None:
    book, doc = small_book
    texts = {i: words[i % len(words)] for i in range(len(doc.segments))}
    write_page(doc, texts, book, tmp_path / "any.html", src_lang="fr")


@needs_pandoc
def test_a_nav_document_in_the_spine_is_a_section_linking_into_the_page(
        small_book: tuple[Path, Document], tmp_path: Path) -> None:
    book, _ = small_book
    with zipfile.ZipFile(book) as zf:
        opf = zf.read("EPUB/content.opf").decode("utf-8")
    opf = re.sub(r"(<spine[^>]*>)", r'\1<itemref idref="nav" />', opf, count=1)
    navved = rezip(book, tmp_path / "nav.epub", {"EPUB/content.opf": opf.encode("utf-8")})
    doc = epub.read(navved, "fr", ReadOptions())
    texts = {i: shout(s.text) for i, s in enumerate(doc.segments)}
    root = write_page(doc, texts, navved, tmp_path / "nav.html", src_lang="fr")
    first = root.find("body/section")
    assert first.get("data-file") == "EPUB/nav.xhtml"
    toc = first.find(".//nav[@id='toc']")
    entries = {text_of(a): a.get("href") for a in toc.iter("a")}
    assert entries["PROLOGUE."].startswith("#")  # into the chapter's section, checked above
    assert not [el for el in first.iter() if "diglot-pair" in classes(el)]


@needs_pandoc
def test_an_obfuscated_font_is_written_plain_for_the_browser(
        small_book: tuple[Path, Document], tmp_path: Path) -> None:
    book, _ = small_book
    algorithm = "http://www.idpf.org/2008/embedding"
    font = bytes(range(256)) * 8 + b"tail of the font"
    with zipfile.ZipFile(book) as zf:
        opf = zf.read("EPUB/content.opf").decode("utf-8")
        css = zf.read("EPUB/styles/stylesheet1.css").decode("utf-8")
    found = re.search(r"<dc:identifier[^>]*>([^<]+)<", opf)
    assert found is not None
    key = epub.font_key(algorithm, found.group(1))
    assert key is not None
    opf = opf.replace("</manifest>", '<item id="f" href="fonts/serif.otf" '
                      'media-type="font/otf" /></manifest>')
    css += '\n@font-face { font-family: "S"; src: url(../fonts/serif.otf); }\n'
    encryption = (
        '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
        'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
        f'<enc:EncryptionMethod Algorithm="{algorithm}"/><enc:CipherData>'
        '<enc:CipherReference URI="EPUB/fonts/serif.otf"/></enc:CipherData>'
        '</enc:EncryptedData></encryption>')
    fonted = rezip(book, tmp_path / "font.epub", {
        "EPUB/content.opf": opf.encode(), "EPUB/styles/stylesheet1.css": css.encode(),
        "META-INF/encryption.xml": encryption.encode(),
        "EPUB/fonts/serif.otf": epub.xor(font[:1040], key) + font[1040:]})
    doc = epub.read(fonted, "fr", ReadOptions())
    write_page(doc, {}, fonted, tmp_path / "font.html", src_lang="fr")
    assert (tmp_path / "font_files" / "fonts" / "serif.otf").read_bytes() == font
    assert 'url("font_files/fonts/serif.otf")' in (tmp_path / "font.html").read_text()


def _hostile(tmp_path: Path) -> Path:
    """A copy of the Manifesto whose chapter 4 runs script, links to javascript:, repeats
    an id, and whose CSS tries to close its style element; a second document reuses ids of
    the first and links to the NCX-less nav."""
    with zipfile.ZipFile(MANIFESTO) as zf:
        chapter = zf.read("epub/text/chapter-4.xhtml").decode("utf-8")
        css = zf.read("epub/css/local.css").decode("utf-8")
    chapter = chapter.replace(
        "<section ",
        '<script>window.bad = 1</script><p id="chapter-1" onclick="bad()">Clicked '
        '<a href="javascript:bad()">here</a> &lt;/style&gt; <a href="../toc.xhtml">toc</a> '
        '<a href="chapter-1.xhtml">chapter one</a><!-- a comment --></p>'
        '<p id="twice">One</p><p id="twice">Two</p>'
        '<p><a name="old-anchor">An</a> <a href="#old-anchor">old</a> anchor.</p>'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'viewBox="0 0 10 10"><image xlink:href="../images/logo.svg" width="10" height="10"/>'
        '</svg><section ', 1)
    css += ('\n/* </style><script>window.bad = 2</script> */\n'
            'p { background: url("../images/logo.svg"); }\n')
    return rezip(MANIFESTO, tmp_path / "hostile.epub", {
        "epub/text/chapter-4.xhtml": chapter.encode("utf-8"),
        "epub/css/local.css": css.encode("utf-8")})


@needs_manifesto
def test_hostile_content_is_escaped_and_inert(tmp_path: Path) -> None:
    book = _hostile(tmp_path)
    doc = epub.read(book, "en", ReadOptions())
    page = tmp_path / "hostile.html"
    root = write_page(doc, {}, book, page, "translated")
    html = page.read_text(encoding="utf-8")
    body = html[html.index("</head>"):]
    assert "<script" not in body and "javascript:" not in body and "<!--" not in body
    assert "&lt;/style&gt;" in body
    # the stylesheet's text cannot end its style element: it stays a comment of the CSS
    assert r"/* <\/style><script>window.bad = 2<\/script> */" in html
    assert html.count("</style>") == len(root.find("head").findall("style"))
    chapter4 = root.find("body/section[@id='chapter-4.xhtml']")
    clicked = chapter4.find("p")
    assert clicked.get("id") == "chapter-4--chapter-1"  # chapter-1's id came first
    links = {a.text: a.get("href") for a in clicked.iter("a")}
    assert links == {"here": None, "toc": None, "chapter one": "#chapter-1.xhtml"}
    paragraphs = chapter4.findall("p")
    assert paragraphs[1].get("id") == "twice" and paragraphs[2].get("id") != "twice"
    old, link = paragraphs[3].findall("a")
    assert old.get("id") == "old-anchor" and link.get("href") == "#old-anchor"
    image = chapter4.find("svg/image")
    assert image.get("href") == "hostile_files/images/logo.svg"
    assert 'url("hostile_files/images/logo.svg")' in html


@needs_manifesto
@needs_pandoc
def test_a_page_from_another_book_is_refused(tmp_path: Path) -> None:
    book = pandoc_epub(manifesto_md("fr", chapters=1), tmp_path / "other.epub", 3)
    doc = epub.read(book, "fr", ReadOptions())
    with pytest.raises(DataFormatError, match="changed since it was read"):
        write_html_edition(doc, {}, tmp_path / "page.html", context(MANIFESTO))
    assert not (tmp_path / "page.html").exists()


# in a browser -------------------------------------------------------------------------------

@pytest.mark.slow
@needs_manifesto
def test_the_page_in_chromium(bilingual: Path, tmp_path: Path) -> None:
    """Two columns on a wide window, source above translation on a narrow one, every image
    loaded; screenshots of chapter 1 to $DIGLOT_SCREENSHOTS (default: a temporary folder)."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Playwright is not installed (pip install -e '.[test]')")
    chromium = Path("/usr/bin/chromium")
    exe = str(chromium) if chromium.is_file() else shutil.which("chromium")
    if exe is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    shots = Path(os.environ.get("DIGLOT_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, headless=True)
        try:
            for width in (1400, 600):
                page = browser.new_page(viewport={"width": width, "height": 1000})
                failed: list[str] = []
                page.on("requestfailed", lambda r, failed=failed: failed.append(r.url))
                page.goto(bilingual.as_uri() + "#chapter-1")
                assert failed == []
                assert page.evaluate("[...document.images].every(i => i.naturalWidth > 0)")
                pair = page.locator("#chapter-1 > div.diglot-pair").first
                source = pair.locator(".diglot-source").bounding_box()
                target = pair.locator(".diglot-target").bounding_box()
                assert source is not None and target is not None
                if width == 1400:  # side by side, the source on the left
                    assert target["x"] > source["x"] + source["width"] - 1
                    assert abs(target["y"] - source["y"]) < 2
                else:  # the source above its translation
                    assert target["y"] >= source["y"] + source["height"]
                    assert abs(target["x"] - source["x"]) < 20
                page.screenshot(path=str(shots / f"bi-{width}.png"))
                page.close()
        finally:
            browser.close()
