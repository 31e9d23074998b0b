"""EPUB reader and writer (corpora.epub): the real Standard Ebooks Manifesto and pandoc-built
EPUB 2 and 3 books, checked with EPUBCheck and pandoc; bad books refused with a clear message."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from corpora import epub
from corpora.document import Document
from corpora.epub import font_key, rights_license, xor
from corpora.epub_opf import NS, new_identifier, unique_identifier, xml_parser
from corpora.formats import ReadOptions, WriteContext, detect_format, read_document
from diglot.errors import DataFormatError
from tests.books import ISBN_CC0, manifesto_md, pandoc_epub
from tests.conftest import ROOT, SHARED

MANIFESTO = SHARED / "epub" / "communist-manifesto.en.epub"
WHEN = datetime(2026, 11, 30, 11, 0, tzinfo=timezone.utc)
XHTML = "{http://www.w3.org/1999/xhtml}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: Attributes a writer translates (corpora.xhtml: meant for people), and the root's language.
TRANSLATED_ATTRS = frozenset({"alt", "title", "aria-label", "lang", XML_LANG})

needs_manifesto = pytest.mark.skipif(
    not MANIFESTO.is_file(), reason=f"{MANIFESTO} is absent (../shared/data is beside the "
    "project in CI only)")
needs_epubcheck = pytest.mark.skipif(
    shutil.which("epubcheck") is None or shutil.which("java") is None,
    reason="EPUBCheck is not installed (apt-get install epubcheck, which needs java)")
needs_pandoc = pytest.mark.skipif(shutil.which("pandoc") is None,
                                  reason="pandoc is not installed (apt-get install pandoc)")


# helpers ----------------------------------------------------------------------------------

def shout(text: str) -> str:
    """A word-changing engine: upper case outside tags and entities (tags kept)."""
    return "".join(p if p.startswith(("<", "&")) else p.upper()
                   for p in re.split(r"(<[^>]*>|&#?\w+;)", text))


def shouted(doc: Document) -> dict[int, str]:
    return {i: shout(s.text) for i, s in enumerate(doc.segments)}


def context(src: Path, edition: str = "translated", src_lang: str = "en",
            tgt_lang: str = "es") -> WriteContext:
    return WriteContext(src, src_lang, tgt_lang, edition, "apertium", "en-es", WHEN,
                        "diglot 0.1.0")


def read(path: Path, lang: str = "en") -> Document:
    return epub.read(path, lang, ReadOptions())


def write(doc: Document, texts: Mapping[int, str], src: Path, out: Path,
          edition: str = "translated", src_lang: str = "en", tgt_lang: str = "es") -> Path:
    epub.write(doc, texts, out, context(src, edition, src_lang, tgt_lang))
    return out


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def tree(data: bytes) -> etree._Element:
    return etree.fromstring(data, xml_parser())


def skeleton(el: etree._Element, root: bool = True) -> tuple[object, ...]:
    """An element tree without its text: tags, attributes (less the translated ones),
    children. The structure invariant compares these."""
    if not isinstance(el.tag, str):
        return (type(el).__name__,)
    attrs = sorted((k, v) for k, v in el.attrib.items() if k not in TRANSLATED_ATTRS)
    return (el.tag, tuple(attrs), tuple(skeleton(c, False) for c in el))


def text_of(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())


def rezip(src: Path, out: Path, replace: Mapping[str, bytes | None] | None = None,
          add: Mapping[str, bytes] | None = None) -> Path:
    """A copy of a real book with some members replaced (None: removed) or added: how the
    bad inputs are made from real ones."""
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in replace and replace[info.filename] is None:
                continue
            data = replace.get(info.filename) or zin.read(info)
            kind = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            zout.writestr(info.filename, data, compress_type=kind)
        for name, data in add.items():
            zout.writestr(name, data)
    return out


def opf_of(path: Path) -> tuple[str, etree._Element]:
    files = members(path)
    name = tree(files["META-INF/container.xml"]).find(".//ocf:rootfile", NS).get("full-path")
    return name, tree(files[name])


def epubcheck(path: Path, tmp: Path) -> set[tuple[str, str, str, str]]:
    """EPUBCheck's messages on a book as (ID, severity, member, message): line and column
    left out, so an output is compared with its input message by message."""
    report = tmp / f"{path.stem}.epubcheck.json"
    java = shutil.which("java") or "java"
    jar = os.path.realpath(shutil.which("epubcheck") or "epubcheck")
    cmd = [java, "-jar", jar] if jar.endswith(".jar") else [jar]
    subprocess.run([*cmd, str(path), "-j", str(report)], capture_output=True, timeout=300,
                   check=False)
    messages = json.loads(report.read_text(encoding="utf-8"))["messages"]
    return {(m["ID"], m["severity"], loc.get("path") or "", m["message"])
            for m in messages for loc in (m["locations"] or [{}])}


# fixtures ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """pandoc's EPUB 3 and EPUB 2 of the French Manifesto's first chapters (the EPUB 2 with
    an ISBN and a licence in its metadata)."""
    tmp = tmp_path_factory.mktemp("books")
    text = manifesto_md("fr", chapters=2)
    yield {"epub3": pandoc_epub(text, tmp / "manifeste3.epub", 3),
           "epub2": pandoc_epub(text, tmp / "manifeste2.epub", 2, dublin_core=ISBN_CC0)}


@pytest.fixture(scope="module")
def manifesto() -> Document:
    if not MANIFESTO.is_file():
        pytest.skip(f"{MANIFESTO} is absent (../shared/data is beside the project in CI only)")
    return read(MANIFESTO)


# reading ----------------------------------------------------------------------------------

@needs_manifesto
def test_manifesto_blocks_metadata_and_notes(manifesto: Document) -> None:
    doc = manifesto
    assert detect_format(MANIFESTO) == "epub"
    assert doc.format == "epub" and doc.name == MANIFESTO.name
    kinds = [b.kind for b in doc.blocks]
    assert 250 < len(doc.blocks) < 400 and 500 < len(doc.segments) < 900
    assert kinds.count("heading") >= 15 and kinds.count("paragraph") >= 200
    # the OPF first (title, description), then the spine in order, then the nav document
    assert [(b.kind, b.file) for b in doc.blocks[:2]] == [
        ("title", "epub/content.opf"), ("paragraph", "epub/content.opf")]
    assert doc.blocks[0].parts == ("The Communist Manifesto",)
    files = list(dict.fromkeys(b.file for b in doc.blocks))
    assert files[1:4] == ["epub/text/titlepage.xhtml", "epub/text/imprint.xhtml",
                          "epub/text/preface.xhtml"]
    assert files.index("epub/text/chapter-1.xhtml") < files.index("epub/text/endnotes.xhtml")
    assert files[-1] == "epub/toc.xhtml"  # the nav document, which is not in the spine
    # endnotes: the 10 notes of Standard Ebooks' endnotes.xhtml; their calls travel in parts
    notes = [b for b in doc.blocks if b.file == "epub/text/endnotes.xhtml"
             and b.kind in ("note", "list_item")]
    assert len(notes) == 10
    assert any("By “bourgeoisie” is meant" in b.parts[0] for b in notes)
    assert any('epub:type="noteref"' in p for b in doc.blocks for p in b.parts)
    assert dict(doc.meta)["title"] == "The Communist Manifesto"
    assert [v for k, v in doc.meta if k == "authors"] == ["Karl Marx", "Friedrich Engels"]
    assert dict(doc.meta)["source"] == ("https://standardebooks.org/ebooks/"
                                       "karl-marx_friedrich-engels/the-communist-manifesto/"
                                       "samuel-moore")
    assert dict(doc.meta)["license"] == "CC0-1.0"  # dc:rights names CC0 by its address
    assert dict(doc.meta)["language"] == "en-GB"


@needs_manifesto
def test_read_document_chooses_epub(manifesto: Document) -> None:
    assert read_document(MANIFESTO, "en").blocks == manifesto.blocks


@needs_pandoc
def test_pandoc_books_ncx_labels_and_title(books: dict[str, Path]) -> None:
    for version in ("epub3", "epub2"):
        doc = read(books[version], "fr")
        ncx = [b for b in doc.blocks if b.file == "EPUB/toc.ncx"]
        assert [b.kind for b in ncx][:2] == ["title", "label"]
        assert ncx[0].parts == ("Le manifeste du parti communiste",)
        assert "Prologue." in [b.parts[0] for b in ncx]
        assert doc.blocks[0].kind == "title" and doc.blocks[0].file == "EPUB/content.opf"
        assert any("Maître de jurande, c’est-à-dire" in b.parts[0] for b in doc.blocks)
        if version == "epub3":  # pandoc's EPUB 2 figure has alt="" and notes without epub:type
            assert [b.kind for b in doc.blocks if "Maître de jurande" in b.parts[0]] == ["note"]
            assert any(b.kind == "attribute" and b.parts == ("Le spectre",)
                       for b in doc.blocks)
        # the EPUB 2 table of contents page (guide, not spine) is read after the chapters
        files = list(dict.fromkeys(b.file for b in doc.blocks))
        assert files.index("EPUB/text/ch002.xhtml") < files.index("EPUB/nav.xhtml")
        assert dict(doc.meta)["language"] == "fr"
        assert dict(doc.meta).get("license") == ("CC0-1.0" if version == "epub2" else None)


# writing ----------------------------------------------------------------------------------

@needs_manifesto
def test_manifesto_translated_structure_and_package(manifesto: Document,
                                                    tmp_path: Path) -> None:
    out = write(manifesto, shouted(manifesto), MANIFESTO, tmp_path / "es.epub")
    before, after = members(MANIFESTO), members(out)
    assert list(after) == list(before)  # same members, same order
    with zipfile.ZipFile(out) as zf:
        first = zf.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert first.extra == b"" and zf.read(first) == b"application/epub+zip"
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in zf.infolist()[1:]
                   if not i.is_dir())
    with open(out, "rb") as fh:  # the local header: "mimetype" at byte 30, no extra field
        head = fh.read(58)
    assert head[26:30] == b"\x08\x00\x00\x00" and head[30:58] == b"mimetypeapplication/epub+zip"
    rewritten = {b.file for b in manifesto.blocks} | {"epub/text/halftitlepage.xhtml"}
    for name, data in before.items():
        if name.endswith((".svg", ".css")) or name.startswith("META-INF"):
            assert after[name] == data, name  # byte for byte
        if name.endswith(".xhtml"):
            src, dst = tree(data), tree(after[name])
            assert skeleton(dst) == skeleton(src), name  # tags, ids, links, classes
            assert dst.get(XML_LANG) == "es"
            if name in rewritten and text_of(src).strip():
                assert text_of(dst) != text_of(src), name
    chapter = tree(after["epub/text/chapter-1.xhtml"])
    assert "THE HISTORY OF ALL HITHERTO EXISTING SOCIETY" in text_of(chapter)
    noteref = chapter.find(f".//{XHTML}a[@id='noteref-4']")
    assert noteref is not None and noteref.get("href") == "endnotes.xhtml#note-4"
    notes = tree(after["epub/text/endnotes.xhtml"])
    assert "BY “BOURGEOISIE” IS MEANT" in text_of(notes)
    third = etree.tostring(tree(after["epub/text/chapter-3.xhtml"]), encoding="unicode")
    assert ('PHILOSOPHERS AND <i xml:lang="fr">beaux esprits</i>\u2060—EAGERLY SEIZED'
            in third)  # French in an English book: kept, not sent through the engine

    name, opf = opf_of(out)
    meta = opf.find("opf:metadata", NS)
    assert opf.get(XML_LANG) == "es"
    assert [e.text for e in meta.iterfind("dc:language", NS)] == ["es"]
    assert [e.text for e in meta.iterfind("dc:title", NS)] == ["THE COMMUNIST MANIFESTO"]
    assert meta.find("opf:meta[@refines='#title'][@property='file-as']", NS) is None
    assert meta.find("dc:description", NS).text.startswith("KARL MARX AND FRIEDRICH ENGELS")
    uid = unique_identifier(etree.ElementTree(opf))
    original = ("https://standardebooks.org/ebooks/karl-marx_friedrich-engels/"
                "the-communist-manifesto/samuel-moore")
    assert uid == new_identifier(original, "es", "translated")
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", uid)
    assert original in [e.text for e in meta.iterfind("dc:source", NS)]
    assert [e.text for e in meta.iterfind("dc:identifier", NS)] == [uid]
    ours = [e for e in meta.iterfind("dc:contributor", NS) if "apertium" in (e.text or "")]
    assert [e.text for e in ours] == ["apertium en-es (machine translation, diglot 0.1.0)"]
    role = meta.find(f"opf:meta[@refines='#{ours[0].get('id')}']", NS)
    assert (role.get("property"), role.get("scheme"), role.text) == (
        "role", "marc:relators", "trl")
    modified = meta.findall("opf:meta[@property='dcterms:modified']", NS)
    assert [m.text for m in modified] == ["2026-11-30T11:00:00Z"]


@needs_manifesto
def test_manifesto_nothing_translated_keeps_every_text(manifesto: Document,
                                                       tmp_path: Path) -> None:
    out = write(manifesto, {}, MANIFESTO, tmp_path / "same.epub")
    before, after = members(MANIFESTO), members(out)
    for name, data in before.items():
        if name.endswith(".xhtml"):
            src, dst = tree(data), tree(after[name])
            assert text_of(dst) == text_of(src), name
            assert etree.tostring(dst.find(f"{XHTML}body")) == etree.tostring(
                src.find(f"{XHTML}body")), name  # untouched runs stay byte for byte
    _, opf = opf_of(out)
    assert opf.find("opf:metadata/dc:title", NS).text == "The Communist Manifesto"


@needs_manifesto
def test_manifesto_bilingual(manifesto: Document, tmp_path: Path) -> None:
    out = write(manifesto, shouted(manifesto), MANIFESTO, tmp_path / "en-es.epub",
                edition="bilingual")
    files = members(out)
    name, opf = opf_of(out)
    item = opf.find("opf:manifest/opf:item[@href='diglot-bilingual.css']", NS)
    assert item is not None and item.get("media-type") == "text/css"
    assert "epub/diglot-bilingual.css" in files
    assert [e.text for e in opf.iterfind("opf:metadata/dc:language", NS)] == ["es", "en-GB"]
    chapter = tree(files["epub/text/chapter-1.xhtml"])
    links = [e.get("href") for e in chapter.iterfind(f"{XHTML}head/{XHTML}link")]
    assert links[-1] == "../diglot-bilingual.css"
    sources = [e for e in chapter.iter() if e.get(XML_LANG) == "en"]
    assert len(sources) > 40
    assert any(text_of(e).startswith("The history of all hitherto") for e in sources)
    assert "THE HISTORY OF ALL HITHERTO" in text_of(chapter)
    ids = [e.get("id") for e in chapter.iter() if e.get("id")]
    assert len(ids) == len(set(ids))  # the source copies lose their ids
    def outline(root: etree._Element) -> list[str]:  # what heading navigation lists
        return [text_of(e) for e in root.iter() if isinstance(e.tag, str)
                and re.fullmatch(rf"{re.escape(XHTML)}h[1-6]", e.tag)
                and e.get("role") != "presentation"]

    # the source copy of a heading is not a second heading for screen readers
    preface = tree(files["epub/text/preface.xhtml"])
    assert outline(preface) == ["PREFACE"]
    assert [text_of(e) for e in preface.iter(f"{XHTML}h2")] == ["Preface", "PREFACE"]
    nav = tree(files["epub/toc.xhtml"])  # the navigation stays one label per entry
    assert skeleton(nav) == skeleton(tree(members(MANIFESTO)["epub/toc.xhtml"]))


@needs_pandoc
def test_nav_and_ncx_titles_match_their_headings(books: dict[str, Path],
                                                 tmp_path: Path) -> None:
    for version, path in books.items():
        doc = read(path, "fr")
        out = write(doc, shouted(doc), path, tmp_path / f"{version}.epub", src_lang="fr")
        files = members(out)
        targets: list[tuple[str, str]] = []  # (label, heading it points to) in the output
        ncx = tree(files["EPUB/toc.ncx"])
        for point in ncx.iter(f"{{{NS['ncx']}}}navPoint"):
            label = point.find("ncx:navLabel/ncx:text", NS).text or ""
            src = point.find("ncx:content", NS).get("src")
            targets.append((label, src))
        nav = tree(files["EPUB/nav.xhtml"])
        targets += [(text_of(a), a.get("href")) for a in nav.iter(f"{XHTML}a")]
        matched = 0
        for label, href in targets:
            member, _, frag = href.partition("#")
            page = tree(files[f"EPUB/{member}"])
            heading = next((e for e in page.iter() if frag and e.get("id") == frag), None)
            if heading is not None and heading.tag in (f"{XHTML}section", f"{XHTML}div"):
                heading = heading[0]
            if heading is None or not heading.tag.endswith(("h1", "h2")):
                continue
            for ref in heading.iterfind(f"{XHTML}a[@class='footnote-ref']"):
                ref.text = ""  # a heading's note call is not in its label
            assert " ".join(label.split()) == text_of(heading), (version, href)
            assert label == label.upper() and any(c.isalpha() for c in label)
            matched += 1
        assert matched >= 4, version  # Prologue and chapter I, in the NCX and the nav
        # the segments are the same strings, so the pipeline's dedup translates them once
        texts = [s.text for s in doc.segments]
        assert texts.count("Prologue.") == 3  # heading, nav entry, NCX label


@needs_pandoc
def test_pandoc_books_write_and_reopen(books: dict[str, Path], tmp_path: Path) -> None:
    for version, path in books.items():
        doc = read(path, "fr")
        for edition in ("translated", "bilingual"):
            out = write(doc, shouted(doc), path, tmp_path / f"{version}-{edition}.epub",
                        edition, src_lang="fr", tgt_lang="es")
            name, opf = opf_of(out)
            uid = unique_identifier(etree.ElementTree(opf))
            original = "978-2-07-040011-0" if version == "epub2" else "marx_manifeste"
            assert uid == new_identifier(original, "es", edition)
            sources = opf.findall("opf:metadata/dc:source", NS)
            assert (sources[0].text, dict(sources[0].attrib)) == (original, {"id": "epub-id-1"})
            assert not [a for s in sources for a in s.attrib if a.startswith("{")]  # opf:scheme
            ncx = tree(members(out)["EPUB/toc.ncx"])
            assert ncx.find("ncx:head/ncx:meta[@name='dtb:uid']", NS).get("content") == uid
            assert ncx.find("ncx:docTitle/ncx:text", NS).text == \
                "LE MANIFESTE DU PARTI COMMUNISTE"
            contributors = opf.findall("opf:metadata/dc:contributor", NS)
            if version == "epub2":
                assert contributors[-1].get(f"{{{NS['opf']}}}role") == "trl"
                assert opf.find("opf:metadata/opf:meta", NS) is None
            twice = write(doc, shouted(doc), path, tmp_path / "twice.epub", edition,
                          src_lang="fr", tgt_lang="es")
            assert twice.read_bytes() == out.read_bytes()  # the same run, the same bytes
            again = read(out, "es")  # our output is an EPUB diglot reads again
            assert len(again.blocks) >= len(doc.blocks)
            if shutil.which("pandoc"):
                run = subprocess.run(["pandoc", "-f", "epub", "-t", "plain", str(out)],
                                     capture_output=True, text=True, timeout=120)
                assert run.returncode == 0, run.stderr
                assert "UN SPECTRE HANTE L’EUROPE" in run.stdout


@needs_pandoc
def test_nav_in_the_spine_is_read_there_and_stays_a_nav(books: dict[str, Path],
                                                        tmp_path: Path) -> None:
    opf_name, opf = opf_of(books["epub3"])
    spine = opf.find("opf:spine", NS)
    spine.insert(1, etree.Element(f"{{{NS['opf']}}}itemref", idref="nav", linear="no"))
    book = rezip(books["epub3"], tmp_path / "navspine.epub", {opf_name: etree.tostring(
        opf, xml_declaration=True, encoding="utf-8")})
    doc = read(book, "fr")
    files = list(dict.fromkeys(b.file for b in doc.blocks))
    assert files[:4] == ["EPUB/content.opf", "EPUB/text/title_page.xhtml", "EPUB/nav.xhtml",
                         "EPUB/text/ch001.xhtml"]
    out = write(doc, shouted(doc), book, tmp_path / "out.epub", "bilingual", src_lang="fr")
    nav_in, nav_out = tree(members(book)["EPUB/nav.xhtml"]), tree(members(out)["EPUB/nav.xhtml"])
    assert skeleton(nav_out) == skeleton(nav_in)  # one label per entry, no source copies
    assert "PROLOGUE." in text_of(nav_out)


@needs_pandoc
def test_member_names_with_spaces_and_percent_escapes(books: dict[str, Path],
                                                      tmp_path: Path) -> None:
    files = members(books["epub3"])
    opf = files["EPUB/content.opf"].replace(b'href="text/ch001.xhtml"',
                                            b'href="text/ch%C3%A0p%201.xhtml"')
    bad_names = {"EPUB/text/ch001.xhtml": None, "EPUB/content.opf": opf}
    book = rezip(books["epub3"], tmp_path / "spaces.epub", bad_names,
                 {"EPUB/text/chàp 1.xhtml": files["EPUB/text/ch001.xhtml"]})
    doc = read(book, "fr")
    assert "EPUB/text/chàp 1.xhtml" in {b.file for b in doc.blocks}
    out = write(doc, shouted(doc), book, tmp_path / "out.epub", src_lang="fr")
    assert "UN SPECTRE HANTE L’EUROPE" in text_of(tree(members(out)["EPUB/text/chàp 1.xhtml"]))


@needs_manifesto
@needs_pandoc
def test_pandoc_opens_manifesto_outputs(manifesto: Document, tmp_path: Path) -> None:
    for edition in ("translated", "bilingual"):
        out = write(manifesto, shouted(manifesto), MANIFESTO, tmp_path / f"{edition}.epub",
                    edition)
        run = subprocess.run(["pandoc", "-f", "epub", "-t", "plain", str(out)],
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        assert "THE HISTORY OF ALL HITHERTO EXISTING SOCIETY" in run.stdout
        assert ("The history of all hitherto" in run.stdout) == (edition == "bilingual")


@pytest.mark.slow
@needs_epubcheck
@needs_manifesto
def test_epubcheck_finds_nothing_new_in_the_manifesto(manifesto: Document,
                                                       tmp_path: Path) -> None:
    base = epubcheck(MANIFESTO, tmp_path)
    assert base and all(m[0] == "RSC-005" for m in base)  # the hgroup errors, nothing else
    for edition in ("translated", "bilingual"):
        out = write(manifesto, shouted(manifesto), MANIFESTO, tmp_path / f"{edition}.epub",
                    edition)
        assert epubcheck(out, tmp_path) - base == set(), edition


@pytest.mark.slow
@needs_epubcheck
@needs_pandoc
def test_epubcheck_finds_nothing_new_in_pandoc_books(books: dict[str, Path],
                                                      tmp_path: Path) -> None:
    for version, path in books.items():
        base = epubcheck(path, tmp_path)
        doc = read(path, "fr")
        for edition in ("translated", "bilingual"):
            out = write(doc, shouted(doc), path, tmp_path / f"{version}-{edition}.epub",
                        edition, src_lang="fr")
            assert epubcheck(out, tmp_path) - base == set(), (version, edition)


@needs_pandoc
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab <>&/;\"'=ém")) | st.characters(),
                        max_size=30), min_size=1, max_size=8))
def test_any_translated_text_makes_a_well_formed_book(tmp_path_factory: pytest.TempPathFactory,
                                                      words: list[str]) -> None:
    tmp = tmp_path_factory.mktemp("any")
    text = "# Titre <b>gras</b>\n\nUn *spectre* hante l'Europe.\n\n## Deux\n\nFin.\n"
    path = pandoc_epub(text, tmp / "small.epub", 3)
    doc = read(path, "fr")
    texts = {i: words[i % len(words)] for i in range(len(doc.segments))}
    out = write(doc, texts, path, tmp / "out.epub", src_lang="fr")
    for name, data in members(out).items():
        if name.endswith((".xhtml", ".opf", ".ncx")):
            tree(data)  # well-formed
    read(out, "es")


@needs_pandoc
def test_books_helpers_build_real_files(tmp_path: Path) -> None:
    """tests.books (shared with the DOCX tests): pandoc's DOCX has the notes as footnotes."""
    from tests.books import pandoc_docx

    text = manifesto_md("de", chapters=1)
    assert "[^" in text and "![Le spectre](spectre.png)" in text
    docx = pandoc_docx(text, tmp_path / "manifest.docx")
    with zipfile.ZipFile(docx) as zf:
        assert "word/footnotes.xml" in zf.namelist()
        assert any(n.startswith("word/media/") for n in zf.namelist())


# metadata ----------------------------------------------------------------------------------

def test_rights_statements_give_a_licence_only_when_they_name_one() -> None:
    assert rights_license("CC-BY-SA-4.0") == "CC-BY-SA-4.0"
    assert rights_license("cc0-1.0") == "CC0-1.0"
    assert rights_license("Licensed under https://creativecommons.org/licenses/by-nc/4.0/ "
                          "by the authors, see the colophon for details.") == "CC-BY-NC-4.0"
    assert rights_license("Dedicated to the public domain via CC0, see "
                          "https://creativecommons.org/publicdomain/zero/1.0/ and more.") \
        == "CC0-1.0"
    assert rights_license("https://creativecommons.org/licenses/by-sa/3.0/") == "CC-BY-SA-3.0"
    assert rights_license("Public domain in the USA.") is None  # prose: not guessed
    assert rights_license("CC BY-SA") is None
    assert rights_license("All rights reserved") is None
    assert rights_license("Copyright 2020 by the Translators; licensed under the terms of "
                          "https://creativecommons.org/licenses/by/4.0/ or "
                          "https://creativecommons.org/licenses/by-sa/4.0/") is None


def test_new_identifier_is_stable_and_differs_by_language_and_edition() -> None:
    a = new_identifier("urn:isbn:9780140447576", "es", "translated")
    assert a == new_identifier("urn:isbn:9780140447576", "es", "translated")
    assert a == "urn:uuid:" + str(__import__("uuid").uuid5(
        __import__("uuid").NAMESPACE_URL, "urn:isbn:9780140447576\nes\ntranslated"))
    assert len({a, new_identifier("urn:isbn:9780140447576", "fr", "translated"),
                new_identifier("urn:isbn:9780140447576", "es", "bilingual")}) == 3


# fonts and DRM ------------------------------------------------------------------------------

def _with_encrypted(src: Path, out: Path, member: str, media: str, data: bytes,
                    algorithm: str) -> Path:
    """A real book with one more manifest item, listed in META-INF/encryption.xml."""
    opf_name, opf = opf_of(src)
    base = os.path.dirname(opf_name)
    manifest = opf.find("opf:manifest", NS)
    etree.SubElement(manifest, f"{{{NS['opf']}}}item", id="extra-item",
                     href=os.path.relpath(member, base), attrib={"media-type": media})
    encryption = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
        'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
        f'<enc:EncryptionMethod Algorithm="{algorithm}"/><enc:CipherData>'
        f'<enc:CipherReference URI="{member}"/></enc:CipherData></enc:EncryptedData>'
        '</encryption>')
    return rezip(src, out, {opf_name: etree.tostring(opf, xml_declaration=True,
                                                     encoding="utf-8")},
                 {"META-INF/encryption.xml": encryption.encode(), member: data})


@needs_pandoc
def test_drm_encrypted_book_is_refused(books: dict[str, Path], tmp_path: Path) -> None:
    bad = rezip(books["epub3"], tmp_path / "drm.epub", add={"META-INF/encryption.xml": (
        b'<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
        b'xmlns:enc="http://www.w3.org/2001/04/xmlenc#" '
        b'xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><enc:EncryptedData>'
        b'<enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>'
        b'<ds:KeyInfo><ds:RetrievalMethod URI="license.lcpl#/encryption/content_key"/>'
        b'</ds:KeyInfo><enc:CipherData><enc:CipherReference URI="EPUB/text/ch002.xhtml"/>'
        b'</enc:CipherData></enc:EncryptedData></encryption>')})
    with pytest.raises(DataFormatError, match=r"is DRM-protected \(encrypted: "
                       r"EPUB/text/ch002.xhtml with http://www.w3.org/2001/04/xmlenc#aes128-cbc"
                       r"\); diglot cannot read it: use a DRM-free copy"):
        read(bad)


@needs_manifesto
def test_drm_message_from_the_manifesto(tmp_path: Path) -> None:
    listed = "".join(
        '<EncryptedData xmlns="http://www.w3.org/2001/04/xmlenc#"><EncryptionMethod '
        'Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/><CipherData>'
        f'<CipherReference URI="epub/text/chapter-{n}.xhtml"/></CipherData></EncryptedData>'
        for n in (1, 2, 3))
    bad = rezip(MANIFESTO, tmp_path / "adept.epub", add={
        "META-INF/encryption.xml": ('<encryption xmlns="urn:oasis:names:tc:opendocument:'
                                    f'xmlns:container">{listed}</encryption>').encode()})
    with pytest.raises(DataFormatError, match=r"adept.epub: is DRM-protected \(encrypted: "
                       r"epub/text/chapter-1.xhtml with .*aes128-cbc and 2 more\)"):
        read(bad)


@needs_pandoc
@pytest.mark.parametrize("algorithm", ["http://www.idpf.org/2008/embedding",
                                       "http://ns.adobe.com/pdf/enc#RC"])
def test_obfuscated_font_is_read_and_rekeyed(books: dict[str, Path], tmp_path: Path,
                                             algorithm: str) -> None:
    font = bytes(range(256)) * 8 + b"tail of the font"  # any bytes: only the key matters
    src = books["epub3"]
    old_uid = "urn:uuid:0f6b4d1e-9c6b-4f0e-8a43-0c2d6f0f8b11"
    _, opf = opf_of(src)
    opf.find("opf:metadata/dc:identifier", NS).text = old_uid
    keyed = rezip(src, tmp_path / "uid.epub", {"EPUB/content.opf": etree.tostring(
        opf, xml_declaration=True, encoding="utf-8")})
    key = font_key(algorithm, old_uid)
    assert key is not None
    n = 1040 if "idpf" in algorithm else 1024
    book = _with_encrypted(keyed, tmp_path / "font.epub", "EPUB/fonts/serif.otf",
                           "font/otf", xor(font[:n], key) + font[n:], algorithm)
    doc = read(book, "fr")  # a font obfuscated is not DRM
    out = write(doc, shouted(doc), book, tmp_path / "out.epub", src_lang="fr")
    _, new_opf = opf_of(out)
    new_uid = unique_identifier(etree.ElementTree(new_opf))
    new_key = font_key(algorithm, new_uid)
    assert new_key is not None and new_uid != old_uid
    data = members(out)["EPUB/fonts/serif.otf"]
    assert xor(data[:n], new_key) + data[n:] == font  # the same font under the new id
    assert members(out)["META-INF/encryption.xml"] == members(book)["META-INF/encryption.xml"]


@needs_pandoc
def test_encrypted_image_is_drm_even_with_a_font_algorithm(books: dict[str, Path],
                                                           tmp_path: Path) -> None:
    book = _with_encrypted(books["epub3"], tmp_path / "img.epub", "EPUB/media/x.png",
                           "image/png", b"\x89PNG", "http://www.idpf.org/2008/embedding")
    with pytest.raises(DataFormatError, match=r"DRM-protected \(encrypted: EPUB/media/x.png"):
        read(book)


# bad books ---------------------------------------------------------------------------------

def test_corrupt_zip_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "broken.epub"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 64 + b"not a zip at all")
    with pytest.raises(DataFormatError, match=r"broken.epub: is not a valid EPUB: not a zip "
                       r"file .*download or export the book again"):
        read(bad)
    with pytest.raises(DataFormatError, match="not a valid EPUB"):
        read_document(bad, "en")


@needs_manifesto
def test_truncated_epub_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "half.epub"
    bad.write_bytes(MANIFESTO.read_bytes()[:300_000])
    with pytest.raises(DataFormatError, match="not a valid EPUB"):
        read(bad)


@needs_manifesto
def test_missing_spine_item_is_named(tmp_path: Path) -> None:
    bad = rezip(MANIFESTO, tmp_path / "gap.epub", {"epub/text/chapter-2.xhtml": None})
    with pytest.raises(DataFormatError, match=r"gap.epub: spine item epub/text/chapter-2.xhtml "
                       r"is missing from the EPUB"):
        read(bad)


@needs_pandoc
def test_zip_without_container_is_not_an_epub(books: dict[str, Path], tmp_path: Path) -> None:
    bad = rezip(books["epub2"], tmp_path / "nocontainer.epub",
                {"META-INF/container.xml": None})
    with pytest.raises(DataFormatError, match=r"META-INF/container.xml is missing"):
        read(bad)


@needs_manifesto
def test_not_well_formed_xhtml_names_member_and_line(tmp_path: Path) -> None:
    lines = members(MANIFESTO)["epub/text/chapter-1.xhtml"].decode().splitlines()
    lines[14] = lines[14].replace("</p>", "")  # an unclosed <p> on line 15
    bad = rezip(MANIFESTO, tmp_path / "unclosed.epub",
                {"epub/text/chapter-1.xhtml": "\n".join(lines).encode()})
    with pytest.raises(DataFormatError) as caught:
        read(bad)
    message = str(caught.value)
    assert message.startswith(f"{bad}: epub/text/chapter-1.xhtml, line ")
    assert "not well-formed XML" in message
    found = re.search(r"line (\d+)", message)
    assert found is not None
    line = int(found.group(1))
    assert 15 <= line <= len(lines)


@needs_pandoc
def test_entity_bomb_is_not_expanded(books: dict[str, Path], tmp_path: Path) -> None:
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE html [<!ENTITY a "aaaaaaaaaa">'
            + "".join(f'<!ENTITY {c} "&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};">'
                      for p, c in zip("abcdefgh", "bcdefghi", strict=True)) +
            ']>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head>'
            '<body><p>Un &i; spectre.</p></body></html>')
    bad = rezip(books["epub3"], tmp_path / "bomb.epub", {"EPUB/text/ch001.xhtml": bomb.encode()})
    try:
        doc = read(bad, "fr")
    except DataFormatError as exc:  # refused is fine too; expanded is not
        assert "ch001.xhtml" in str(exc)
        return
    assert max(len(p) for b in doc.blocks for p in b.parts) < 10_000


@needs_pandoc
def test_epub2_named_entities_read_as_characters(books: dict[str, Path],
                                                 tmp_path: Path) -> None:
    """An EPUB 2 document may use XHTML 1.1's named entities (its DTD declares them)."""
    data = members(books["epub2"])["EPUB/text/ch001.xhtml"].replace(
        b"le spectre du communisme", b"le&nbsp;spectre du communisme &amp; l&eacute;t&eacute;")
    book = rezip(books["epub2"], tmp_path / "entities.epub", {"EPUB/text/ch001.xhtml": data})
    doc = read(book, "fr")
    assert any("le\xa0spectre du communisme &amp; l\u00e9t\u00e9" in b.parts[0]
               for b in doc.blocks)
    out = write(doc, shouted(doc), book, tmp_path / "out.epub", src_lang="fr")
    text = members(out)["EPUB/text/ch001.xhtml"].decode("utf-8")
    assert "LE\xa0SPECTRE DU COMMUNISME &amp; LÉTÉ" in text


@needs_manifesto
def test_source_changed_since_read(manifesto: Document, tmp_path: Path) -> None:
    data = members(MANIFESTO)["epub/text/chapter-1.xhtml"].replace(
        b"</section>", b"<p>A paragraph added since.</p></section>")
    changed = rezip(MANIFESTO, tmp_path / "changed.epub", {"epub/text/chapter-1.xhtml": data})
    with pytest.raises(DataFormatError, match=r"changed since it was read "
                       r"\(epub/text/chapter-1.xhtml\); run again"):
        write(manifesto, {}, changed, tmp_path / "out.epub")
    assert not (tmp_path / "out.epub").exists()


# memory -------------------------------------------------------------------------------------

_MEMORY_SCRIPT = """
import resource, sys
from pathlib import Path
from corpora import epub
from corpora.formats import ReadOptions, WriteContext


def peak_kib():  # this process's own peak: getrusage after exec reports the parent's
    try:
        with open("/proc/self/status") as fh:
            return next(int(x.split()[1]) for x in fh if x.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


src, out = Path(sys.argv[1]), Path(sys.argv[2])
doc = epub.read(src, "en", ReadOptions())
epub.write(doc, {}, out, WriteContext(src, "en", "es"))
print(peak_kib(), len(doc.blocks))
"""


def _peak(src: Path, out: Path) -> tuple[int, int]:
    """Peak resident memory (bytes) of reading and writing a book in a fresh process."""
    run = subprocess.run([sys.executable, "-c", _MEMORY_SCRIPT, str(src), str(out)],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr
    peak, blocks = (int(x) for x in run.stdout.split())
    return peak * 1024, blocks


@pytest.mark.slow
@needs_manifesto
def test_fifty_megabyte_epub_in_bounded_memory(tmp_path: Path) -> None:
    """Big images are streamed, not held: the peak grows by far less than the file."""
    opf_name, opf = opf_of(MANIFESTO)
    manifest = opf.find("opf:manifest", NS)
    images = {}
    for n in range(5):
        images[f"epub/images/plate-{n}.png"] = os.urandom(10 << 20)  # incompressible
        etree.SubElement(manifest, f"{{{NS['opf']}}}item", id=f"plate-{n}",
                         href=f"images/plate-{n}.png", attrib={"media-type": "image/png"})
    big = rezip(MANIFESTO, tmp_path / "big.epub", {opf_name: etree.tostring(
        opf, xml_declaration=True, encoding="utf-8")}, images)
    del images
    size = big.stat().st_size
    assert size > 50 << 20
    small_peak, small_blocks = _peak(MANIFESTO, tmp_path / "small-out.epub")
    big_peak, big_blocks = _peak(big, tmp_path / "big-out.epub")
    print(f"peak RSS: Manifesto {small_peak >> 20} MiB, with 50 MiB of images "
          f"{big_peak >> 20} MiB ({size >> 20} MiB file)")
    assert big_blocks == small_blocks > 250
    assert big_peak - small_peak < size // 4  # not one copy of the file, let alone two
    assert members(tmp_path / "big-out.epub")["epub/images/plate-3.png"] == \
        members(big)["epub/images/plate-3.png"]
