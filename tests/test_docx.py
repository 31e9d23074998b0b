"""DOCX reader and writer (corpora.docx): blocks, formatting on the right words, structure kept.

Inputs are made by real tools: python-docx (small documents with known formatting), pandoc
(the French Manifesto with footnotes) and LibreOffice (footnotes and endnotes, tracked
changes, an OLE file) from flat ODF written here.
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from corpora.document import Document
from corpora.docx_rebuild import rebuild
from corpora.docx_runs import W, analyse, w
from corpora.formats import WriteContext, read_document, write_document
from diglot.errors import DataFormatError
from tests.books import tiny_png
from tests.conftest import SHARED

docx = pytest.importorskip("docx")

_LO = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(
    _LO is None, reason="LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
needs_pandoc = pytest.mark.skipif(shutil.which("pandoc") is None,
                                  reason="pandoc is not installed (apt-get install pandoc)")
BOOKS = ["handmade", "pandoc", "libreoffice", "libreoffice-rich"]
TEXT_PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml",
              "word/header1.xml", "word/footer1.xml")
URL = "https://example.org/m?a=1&b=2"
STYLES = ("word/styles.xml", "word/stylesWithEffects.xml")


# --- inputs -----------------------------------------------------------------------------

def _link(par: Any, url: str, text: str) -> None:
    """A w:hyperlink to `url` around `text` (python-docx has no API that adds one)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rid = par.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    for name, val in (("w:color", "0563C1"), ("w:u", "single")):
        el = OxmlElement(name)
        el.set(qn("w:val"), val)
        rpr.append(el)
    t = OxmlElement("w:t")
    t.text = text
    run.append(rpr)
    run.append(t)
    link.append(run)
    par._p.append(link)


def _page_field(par: Any) -> None:
    """"Page " and a PAGE field (complex: begin, code, separate, result, end)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    par.add_run("Page ")
    for kind, code in (("begin", ""), ("", " PAGE "), ("separate", ""), ("", "1"),
                       ("end", "")):
        run = par.add_run()
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText" if code == " PAGE " else "w:t")
            el.text = code
        run._r.append(el)


def make_handmade(path: Path | io.BytesIO) -> Path | io.BytesIO:
    """A small document with formatting on known words, a link, a table, lists, a quote."""
    from docx.shared import RGBColor

    d = docx.Document()
    d.core_properties.title = "Le manifeste"
    d.core_properties.author = "Marx"
    d.add_heading("Titre du livre", 0)
    d.add_heading("Prologue", 1)
    p = d.add_paragraph("Un ")
    p.add_run("spectre").bold = True
    p.add_run(" hante l’Europe, le ")
    p.add_run("spectre").italic = True
    p.add_run(" du ")
    both = p.add_run("communisme")
    both.bold = both.italic = True
    p.add_run(".")
    p = d.add_paragraph("Voir ")
    _link(p, URL, "le texte")
    p.add_run(" et ")
    p.add_run("rouge").font.color.rgb = RGBColor(0xFF, 0, 0)
    run = p.add_run(" puis une tabulation")
    run.add_tab()
    run.add_text("fin")
    run.add_break()
    run.add_text("ligne deux  avec  espaces & <signes>.")
    d.add_paragraph("Une citation célèbre.", style="Quote")
    d.add_paragraph("Premier point", style="List Bullet")
    d.add_paragraph("Second point", style="List Number")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Cellule un"
    table.cell(0, 1).text = "Cellule deux"
    table.cell(1, 0).text = "Cellule trois"
    table.cell(1, 1).add_table(rows=1, cols=1).cell(0, 0).text = "Cellule imbriquée"
    d.add_heading("Section deux", 2)
    p = d.add_paragraph("E = mc")
    p.add_run("2").font.superscript = True
    p.add_run(" et H")
    p.add_run("2").font.subscript = True
    p.add_run("O sont ")
    p.add_run("soulignés").underline = True
    p.add_run(".")
    d.sections[0].header.paragraphs[0].text = "En-tête du manifeste"
    _page_field(d.sections[0].footer.paragraphs[0])
    d.save(str(path) if isinstance(path, Path) else path)
    return path


HANDMADE_BLOCKS = [
    ("title", 0, "Le manifeste"),
    ("heading", 1, "Titre du livre"),
    ("heading", 1, "Prologue"),
    ("paragraph", 0, "Un <b>spectre</b> hante l’Europe, le <i>spectre</i> du "
                     "<b><i>communisme</i></b>."),
    ("paragraph", 0, 'Voir <a href="https://example.org/m?a=1&amp;b=2">le texte</a> et '
                     '<span data-r="1">rouge</span> puis une tabulation<x-tab n="1"/>fin<br/>'
                     "ligne deux avec espaces &amp; &lt;signes>."),
    ("quote", 0, "Une citation célèbre."),
    ("list_item", 1, "Premier point"),
    ("list_item", 1, "Second point"),
    ("cell", 0, "Cellule un"),
    ("cell", 0, "Cellule deux"),
    ("cell", 0, "Cellule trois"),
    ("cell", 0, "Cellule imbriquée"),
    ("heading", 2, "Section deux"),
    ("paragraph", 0, "E = mc<sup>2</sup> et H<sub>2</sub>O sont <u>soulignés</u>."),
    ("paragraph", 0, "En-tête du manifeste"),
    ("paragraph", 0, 'Page <x-field n="1"/>1'),
]

NOTES_FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
  xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
  xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xlink="http://www.w3.org/1999/xlink"
  office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:meta><dc:title>Le manifeste</dc:title><dc:language>fr</dc:language></office:meta>
 <office:automatic-styles>
  <style:style style:name="T1" style:family="text">
   <style:text-properties fo:font-weight="bold"/></style:style>
  <style:style style:name="T2" style:family="text">
   <style:text-properties fo:font-style="italic"/></style:style>
 </office:automatic-styles>
 <office:body><office:text>
  <text:h text:outline-level="1">Prologue</text:h>
  <text:p>Un <text:span text:style-name="T1">spectre</text:span> hante l'Europe<text:note
   text:id="ftn1" text:note-class="footnote"><text:note-citation>1</text:note-citation>
   <text:note-body><text:p>Une <text:span text:style-name="T2">note</text:span> de bas de
   page.</text:p></text:note-body></text:note>, le spectre du <text:span
   text:style-name="T2">communisme</text:span>.</text:p>
  <text:p>Voir <text:a xlink:type="simple" xlink:href="https://example.org/manifeste">le
   texte</text:a> et la fin<text:note text:id="ftn2" text:note-class="endnote">
   <text:note-citation>i</text:note-citation><text:note-body><text:p>Une note de
   fin.</text:p></text:note-body></text:note>.</text:p>
 </office:text></office:body>
</office:document>
"""

BOX_FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
  xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
  xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
  office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:body><office:text>
  <text:p>Avant la boîte.<draw:frame draw:name="Cadre" text:anchor-type="paragraph"
   svg:width="5cm" svg:height="2cm"><draw:text-box><text:p>Texte dans la
   boîte.</text:p></draw:text-box></draw:frame></text:p>
  <text:p>Après la boîte.</text:p>
 </office:text></office:body>
</office:document>
"""

RICH_FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
  xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
  xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
  xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xlink="http://www.w3.org/1999/xlink"
  office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:automatic-styles>
  <style:style style:name="T1" style:family="text"><style:text-properties
   fo:font-weight="bold"/></style:style>
  <style:style style:name="T3" style:family="text"><style:text-properties
   fo:color="#ff0000"/></style:style>
 </office:automatic-styles>
 <office:master-styles>
  <style:master-page style:name="Standard">
   <style:header><text:p>En-tête courant</text:p></style:header>
   <style:footer><text:p>Page <text:page-number
    text:select-page="current">1</text:page-number></text:p></style:footer>
  </style:master-page>
 </office:master-styles>
 <office:body><office:text>
  <text:h text:outline-level="2">Chapitre <text:bookmark-start text:name="b1"
   />premier<text:bookmark-end text:name="b1"/></text:h>
  <text:p>Un mot<office:annotation><dc:creator>Ana</dc:creator><text:p>Un
   commentaire.</text:p></office:annotation> commenté,<text:tab/>une tabulation<text:line-break
   />et une <text:span text:style-name="T3">couleur</text:span> puis <text:span
   text:style-name="T1">gras</text:span>.</text:p>
  <text:list><text:list-item><text:p>Premier point</text:p></text:list-item><text:list-item>
   <text:p>Second point</text:p><text:list><text:list-item><text:p>Sous-point</text:p>
   </text:list-item></text:list></text:list-item></text:list>
  <table:table><table:table-column table:number-columns-repeated="2"/>
   <table:table-row><table:table-cell><text:p>Cellule A</text:p></table:table-cell>
    <table:table-cell><text:p>Cellule B</text:p></table:table-cell></table:table-row>
  </table:table>
 </office:text></office:body>
</office:document>
"""

RICH_BLOCKS = [
    ("heading", 2, "Chapitre <x-mark n=\"1\"/>premier"),  # a bookmark around a word
    ("paragraph", 0, 'Un mot<x-mark n="1"/> commenté,<x-tab n="2"/>une tabulation<br/>et une '
                     '<span data-r="1">couleur</span> puis <b>gras</b>.'),  # a comment's marks
    ("list_item", 1, "Premier point"),
    ("list_item", 1, "Second point"),
    ("list_item", 2, "Sous-point"),
    ("cell", 0, "Cellule A"),
    ("cell", 0, "Cellule B"),
    ("paragraph", 0, "En-tête courant"),
    ("paragraph", 0, 'Page <x-field n="1"/>1'),
]

TRACKED_FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:body><office:text>
  <text:tracked-changes text:track-changes="true">
   <text:changed-region text:id="ct1"><text:insertion><office:change-info>
    <dc:creator>Ana</dc:creator><dc:date>2024-01-01T10:00:00</dc:date></office:change-info>
   </text:insertion></text:changed-region>
   <text:changed-region text:id="ct2"><text:deletion><office:change-info>
    <dc:creator>Ana</dc:creator><dc:date>2024-01-01T10:00:00</dc:date></office:change-info>
    <text:p>vieille </text:p></text:deletion></text:changed-region>
  </text:tracked-changes>
  <text:p>Premier paragraphe sans changement.</text:p>
  <text:p>Un spectre <text:change-start text:change-id="ct1"/>nouveau <text:change-end
   text:change-id="ct1"/>hante la <text:change text:change-id="ct2"/>Europe.</text:p>
 </office:text></office:body>
</office:document>
"""


def soffice(src: Path, to: str, outdir: Path) -> Path:
    """`src` converted by LibreOffice headless, with a profile of its own."""
    if _LO is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run([_LO, f"-env:UserInstallation=file://{outdir}/.profile", "--headless",
                    "--convert-to", to, "--outdir", str(outdir), str(src)],
                   check=True, capture_output=True, timeout=180)
    return outdir / f"{src.stem}.{to.split(':')[0]}"


def lo_docx(fodt: str, name: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    src = folder / f"{name}.fodt"
    src.write_text(fodt, encoding="utf-8")
    out = soffice(src, "docx", folder)
    if not out.is_file():
        pytest.skip(f"LibreOffice wrote no {out.name}")
    return out


def manifesto_md() -> str:
    """The French Manifesto up to its second chapter, with two Markdown footnotes."""
    path = SHARED / "manifesto" / "fr.md"
    if not path.is_file():
        pytest.skip(f"{path} is absent (../shared/data is beside the project in CI only)")
    text = path.read_text(encoding="utf-8")
    heads = [m.start() for m in re.finditer(r"(?m)^# ", text)]
    body = text[:heads[2]]
    body = body.replace("le spectre du communisme.", "le spectre du communisme[^a].", 1)
    body = re.sub(r"maîtres de jurandes\s+\[2\]", "maîtres de jurandes[^b]", body, count=1)
    return body + ("\n![Le *spectre* du communisme](spectre.png)\n"
                   "\n[^a]: Une note *ajoutée* pour le test.\n\n"
                   "[^b]: Les jurandes : corporations de métiers.\n")


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The test books that the tools installed here can make."""
    folder = tmp_path_factory.mktemp("docx")
    made = {"handmade": folder / "handmade.docx"}
    make_handmade(made["handmade"])
    if shutil.which("pandoc") and (SHARED / "manifesto" / "fr.md").is_file():
        md = folder / "manifesto.md"
        md.write_text(manifesto_md(), encoding="utf-8")
        tiny_png(folder / "spectre.png")
        subprocess.run(["pandoc", "-f", "markdown", "-t", "docx", md.name, "-o",
                        "manifesto.docx"], check=True, timeout=120, cwd=folder)
        made["pandoc"] = folder / "manifesto.docx"
    if _LO is not None:
        made["libreoffice"] = lo_docx(NOTES_FODT, "notes", folder / "lo")
        made["libreoffice-rich"] = lo_docx(RICH_FODT, "rich", folder / "lo")
    return made


def book(books: Mapping[str, Path], name: str) -> Path:
    if name not in books:
        pytest.skip(f"the {name} book needs a tool that is not installed (pandoc, soffice)")
    return books[name]


# --- helpers ----------------------------------------------------------------------------

def x_words(text: str) -> str:
    """A word-changing engine: every word outside tags gets an X in front."""
    return re.sub(r"(<[^<>]*>)|(&\w+;)|([^\W\d_]+)",
                  lambda m: m.group(1) or m.group(2) or "X" + m.group(3), text)


def translate(doc: Document, src: Path, out: Path, texts: Mapping[int, str]) -> Path:
    write_document(doc, texts, out, WriteContext(src, doc.lang, "es"))
    return out


def x_texts(doc: Document) -> dict[int, str]:
    return {i: x_words(s.text) for i, s in enumerate(doc.segments)}


def _rkey(run: etree._Element) -> bytes:
    rpr = run.find(w("rPr"))
    return b"" if rpr is None or len(rpr) == 0 else etree.tostring(rpr)


def normal(xml: bytes) -> bytes:
    """A part's XML with what a rebuilt paragraph may change taken out: the text of w:t
    (an empty w:t or w:r dropped),
    where runs of the same formatting are cut (adjacent runs with equal w:rPr merged, their
    w:t joined), run attributes (rsid), empty w:rPr, and the layout hints w:proofErr and
    w:lastRenderedPageBreak; whitespace between elements (pretty-printing) too; the order of
    a w:rPr's properties."""
    root = etree.fromstring(xml, etree.XMLParser(remove_blank_text=True))
    for el in list(root.iter(w("proofErr"), w("lastRenderedPageBreak"), w("t"))):
        if el.tag != w("t") or not el.text:
            el.getparent().remove(el)
    for run in list(root.iter(w("r"))):
        run.attrib.clear()
        rpr = run.find(w("rPr"))
        if rpr is not None and len(rpr) == 0:
            run.remove(rpr)
        elif rpr is not None:  # the same properties in another order are the same formatting
            rpr[:] = sorted(rpr, key=etree.tostring)
        if not any(child.tag != w("rPr") for child in run):
            run.getparent().remove(run)
    for parent in root.iter(w("p"), w("hyperlink")):
        prev = None
        for child in list(parent):
            if child.tag == w("r") and prev is not None and prev.tag == w("r") \
                    and _rkey(prev) == _rkey(child):
                prev.extend([c for c in child if c.tag != w("rPr")])
                parent.remove(child)
            else:
                prev = child
    for run in root.iter(w("r")):
        last = None
        for child in list(run):
            if child.tag == w("t") and last is not None and last.tag == w("t"):
                run.remove(child)
                continue
            if child.tag == w("t"):
                child.text = None
                child.attrib.clear()
            last = child
    return etree.tostring(root, method="c14n")


def unlang(xml: bytes) -> bytes:
    """A part without its proofing languages (w:lang), which the writer makes the target's."""
    root = etree.fromstring(xml)
    for el in list(root.iter(w("lang"))):
        el.getparent().remove(el)
    return etree.tostring(root)


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def paragraph_texts(path: Path) -> list[str]:
    d = docx.Document(str(path))
    texts = [p.text for p in d.paragraphs]
    for table in d.tables:
        texts += [c.text for row in table.rows for c in row.cells]
    return texts


# --- reading ----------------------------------------------------------------------------

def test_handmade_blocks(books: dict[str, Path]) -> None:
    doc = read_document(books["handmade"], "fr")
    got = [(b.kind, b.level, b.parts[0]) for b in doc.blocks]
    assert got == HANDMADE_BLOCKS
    assert doc.blocks[0].file == "docProps/core.xml"
    assert {b.file for b in doc.blocks[1:-2]} == {"word/document.xml"}
    assert [b.file for b in doc.blocks[-2:]] == ["word/header1.xml", "word/footer1.xml"]
    assert dict(doc.meta) == {"title": "Le manifeste", "authors": "Marx"}


@needs_soffice
def test_libreoffice_notes_read(books: dict[str, Path]) -> None:
    doc = read_document(book(books, "libreoffice"), "fr")
    got = [(b.kind, b.file, b.parts[0]) for b in doc.blocks]
    assert got == [
        ("title", "docProps/core.xml", "Le manifeste"),
        ("heading", "word/document.xml", "Prologue"),
        ("paragraph", "word/document.xml",
         "Un <b>spectre</b> hante l'Europe<x-note n=\"1\"/>, le spectre du "
         "<i>communisme</i>."),
        ("paragraph", "word/document.xml",
         'Voir <a href="https://example.org/manifeste">le texte</a> et la fin'
         '<x-note n="1"/>.'),
        ("note", "word/footnotes.xml", "Une <i>note</i> de bas de page."),
        ("note", "word/endnotes.xml", "Une note de fin."),
    ]


@needs_soffice
def test_libreoffice_rich_read(books: dict[str, Path]) -> None:
    doc = read_document(book(books, "libreoffice-rich"), "fr")
    assert [(b.kind, b.level, b.parts[0]) for b in doc.blocks] == RICH_BLOCKS
    assert [b.file for b in doc.blocks[-2:]] == ["word/header1.xml", "word/footer1.xml"]


@needs_pandoc
def test_pandoc_manifesto_read(books: dict[str, Path]) -> None:
    doc = read_document(book(books, "pandoc"), "fr")
    headings = [b.parts[0] for b in doc.blocks if b.kind == "heading"]
    assert headings[:3] == ["Le manifeste du parti communiste", "Prologue.",
                            "I. Bourgeois et prolétaires\u00a0 [1]."]  # pandoc's Title style
    assert doc.blocks[0].parts == ("Le manifeste du parti communiste",)  # core title
    notes = [b.parts[0] for b in doc.blocks if b.kind == "note"]
    assert notes == ["Une note <i>ajoutée</i> pour le test.",
                     "Les jurandes : corporations de métiers."]
    assert [b.parts[0] for b in doc.blocks if b.kind == "caption"] == \
        ["Le <i>spectre</i> du communisme"]  # the image's paragraph has no words: no block
    first = next(doc.blocks[i + 1].parts[0] for i, b in enumerate(doc.blocks)
                 if b.parts == ("Prologue.",))
    assert first.startswith("<i>Un spectre hante l’Europe</i>, le spectre du communisme"
                            '<x-note n="1"/>. Toutes')


# --- writing ----------------------------------------------------------------------------

def test_formatting_stays_on_its_words(books: dict[str, Path], tmp_path: Path) -> None:
    src = books["handmade"]
    doc = read_document(src, "fr")
    out = translate(doc, src, tmp_path / "out.docx", x_texts(doc))
    d = docx.Document(str(out))
    runs = [r for p in d.paragraphs for r in p.runs]
    assert [r.text for r in runs if r.bold and not r.italic] == ["Xspectre"]
    assert [r.text for r in runs if r.italic and not r.bold] == ["Xspectre"]
    assert [r.text for r in runs if r.bold and r.italic] == ["Xcommunisme"]
    assert [r.text for r in runs if r.underline] == ["Xsoulignés"]
    assert [r.text for r in runs if r.font.superscript] == ["2"]
    assert [r.text for r in runs if r.font.subscript] == ["2"]
    assert [r.text for r in runs if r.font.color.rgb == docx.shared.RGBColor(0xFF, 0, 0)] \
        == ["Xrouge"]
    links = [h for p in d.paragraphs for h in p.hyperlinks]
    assert [(h.url, h.text) for h in links] == [(URL, "Xle Xtexte")]
    assert [p.text for p in d.paragraphs][:4] == [
        "XTitre Xdu Xlivre", "XPrologue",
        "XUn Xspectre Xhante Xl’XEurope, Xle Xspectre Xdu Xcommunisme.",
        "XVoir Xle Xtexte Xet Xrouge Xpuis Xune Xtabulation\tXfin\nXligne Xdeux Xavec "
        "Xespaces & <Xsignes>."]
    assert d.core_properties.title == "XLe Xmanifeste"
    assert d.core_properties.language == "es"
    assert d.tables[0].cell(1, 1).tables[0].cell(0, 0).text == "XCellule Ximbriquée"
    assert d.sections[0].header.paragraphs[0].text == "XEn-Xtête Xdu Xmanifeste"
    footer = d.sections[0].footer.paragraphs[0]
    assert footer.text == "XPage 1"
    assert [f.get(w("fldCharType")) for f in footer._p.iter(w("fldChar"))] == \
        ["begin", "separate", "end"]
    assert [t.text for t in footer._p.iter(w("instrText"))] == [" PAGE "]


def test_masked_engine_output(books: dict[str, Path], tmp_path: Path) -> None:
    """The engines' own path: tags masked as placeholders, words changed, unmasked."""
    from corpora.inline import mask, unmask

    src = books["handmade"]
    doc = read_document(src, "fr")
    texts = {}
    for i, s in enumerate(doc.segments):
        masked, literals = mask(s.text)
        texts[i] = unmask(re.sub(r"[^\W\d_]+", lambda m: "X" + m.group(0), masked), literals)
    again = read_document(translate(doc, src, tmp_path / "out.docx", texts), "es")
    assert [b.parts[0] for b in again.blocks] == [x_words(b.parts[0]) for b in doc.blocks]


@needs_soffice
def test_text_box(tmp_path: Path) -> None:
    """A text box's paragraphs are read after the paragraph holding it; its VML copy for
    old readers gets the same translation."""
    src = lo_docx(BOX_FODT, "box", tmp_path)
    doc = read_document(src, "fr")
    assert [b.parts[0] for b in doc.blocks] == ["Avant la boîte.", "Texte dans la boîte.",
                                                "Après la boîte."]
    out = translate(doc, src, tmp_path / "out.docx", x_texts(doc))
    xml = members(out)["word/document.xml"].decode()
    assert xml.count("XTexte Xdans Xla Xboîte.") == 2 and "Texte dans" not in \
        xml.replace("XTexte Xdans", "")
    assert "mc:Fallback" in xml
    before = members(src)["word/document.xml"]
    assert normal(members(out)["word/document.xml"]) == normal(before)


@pytest.mark.parametrize("name", BOOKS)
def test_structure_kept(books: dict[str, Path], tmp_path: Path, name: str) -> None:
    """Only w:t text, how runs of one formatting are cut and proofing languages may change;
    every other member but the core properties and the styles is byte for byte the input's."""
    src = book(books, name)
    doc = read_document(src, "fr")
    out = translate(doc, src, tmp_path / "out.docx", x_texts(doc))
    before, after = members(src), members(out)
    assert list(before) == list(after)
    for member, data in before.items():
        if member in TEXT_PARTS:
            assert normal(unlang(after[member])) == normal(unlang(data)), member
            assert after[member] != data
        elif member in STYLES:  # the document default's language is the target's
            assert unlang(after[member]) == unlang(data)
            assert after[member] != data
        elif member != "docProps/core.xml":
            assert after[member] == data, member
    again = read_document(out, "es")
    assert [b.kind for b in again.blocks] == [b.kind for b in doc.blocks]
    assert [b.parts[0] for b in again.blocks] == [x_words(b.parts[0]) for b in doc.blocks]


@pytest.mark.parametrize("name", BOOKS)
def test_round_trip_untranslated(books: dict[str, Path], tmp_path: Path, name: str) -> None:
    src = book(books, name)
    doc = read_document(src, "fr")
    out = translate(doc, src, tmp_path / "out.docx", {})
    before, after = members(src), members(out)
    kept = ("docProps/core.xml", *STYLES)  # the target language, as a translation's
    assert {m: d for m, d in before.items() if m not in kept} == \
        {m: d for m, d in after.items() if m not in kept}
    assert {m: unlang(after[m]) for m in STYLES if m in after} == \
        {m: unlang(before[m]) for m in STYLES if m in before}
    assert paragraph_texts(out) == paragraph_texts(src)


@pytest.mark.parametrize("name", BOOKS)
def test_rebuild_with_source_part(books: dict[str, Path], name: str) -> None:
    """Rebuilding every paragraph from its own part keeps its text (runs of spaces
    collapsed) and its formatting."""
    with zipfile.ZipFile(book(books, name)) as zf:
        for member in TEXT_PARTS:
            if member not in zf.namelist():
                continue
            data = zf.read(member)
            root = etree.fromstring(data)
            for p in root.iter(w("p")):
                before = "".join(t.text or "" for t in p.iter(w("t")))
                para = analyse(p, lambda rid: URL)
                if para.part:
                    rebuild(p, para, para.part)
                after = "".join(t.text or "" for t in p.iter(w("t")))
                assert after == re.sub(r" {2,}", " ", before)
            assert normal(etree.tostring(root)) == normal(data)


def test_engine_mistakes_never_lose_markup(books: dict[str, Path], tmp_path: Path) -> None:
    """An LLM's part with a lost link, a repeated note, unknown and unclosed tags and bare
    & and <: written without error, each source element exactly once."""
    src = books["handmade"]
    doc = read_document(src, "fr")
    b = next(i for i, bl in enumerate(doc.blocks) if bl.parts[0].startswith("Voir"))
    segs = [i for i, s in enumerate(doc.segments) if s.block == b]
    texts = {segs[0]: "See <b>the <i>text</b> & red <x-tab  n=\"1\" /><x-tab n=\"1\"/>"
                      "</span></q> 1 < 2 <span data-r=\"9\">end"}
    texts.update({i: "" for i in segs[1:]})
    out = translate(doc, src, tmp_path / "out.docx", texts)
    p = next(p for p in docx.Document(str(out)).paragraphs if p.text.startswith("See"))
    assert p.text == "See the text & red \t 1 < 2 end\nle texte"  # lost <br/> and link last
    xml = etree.tostring(p._p)
    assert xml.count(b"<w:tab/>") == 1 and xml.count(b"<w:br/>") == 1
    assert [h.url for h in p.hyperlinks] == [URL]  # the lost link, back at the end
    bold = [r.text for r in p.runs if r.bold]
    assert bold == ["the ", "text"]
    assert [r.text for r in p.runs if r.italic] == ["text"]


def test_formatting_follows_moved_tags(books: dict[str, Path], tmp_path: Path) -> None:
    """Word order changes: the formatting goes where the translation puts the tags."""
    src = books["handmade"]
    doc = read_document(src, "fr")
    b = next(i for i, bl in enumerate(doc.blocks) if bl.parts[0].startswith("Un <b>"))
    segs = [i for i, s in enumerate(doc.segments) if s.block == b]
    texts = {i: "" for i in segs}
    texts[segs[0]] = ("A <i>spectre</i> is haunting Europe, the <b><i>communist</i></b> "
                      "<b>spectre</b>.")
    out = translate(doc, src, tmp_path / "out.docx", texts)
    p = next(p for p in docx.Document(str(out)).paragraphs if p.text.startswith("A spectre"))
    assert [(r.text, bool(r.bold), bool(r.italic)) for r in p.runs] == [
        ("A ", False, False), ("spectre", False, True), (" is haunting Europe, the ", False,
                                                          False),
        ("communist", True, True), (" ", False, False), ("spectre", True, False),
        (".", False, False)]


def test_untranslated_rebuilt_paragraph_keeps_whitespace(tmp_path: Path) -> None:
    d = docx.Document()
    p = d.add_paragraph("  Deux espaces avant, ")
    p.add_run("gras").bold = True
    p.add_run(" et après.  ")
    d.save(str(tmp_path / "in.docx"))
    doc = read_document(tmp_path / "in.docx", "fr")
    assert doc.blocks[0].parts == ("Deux espaces avant, <b>gras</b> et après.",)
    out = translate(doc, tmp_path / "in.docx", tmp_path / "out.docx",
                    {0: "Dos espacios antes, <b>negrita</b> y después."})
    assert docx.Document(str(out)).paragraphs[0].text == \
        "  Dos espacios antes, negrita y después.  "


def test_marks_inside_a_paragraph(tmp_path: Path) -> None:
    """Bookmarks keep their words, proofing marks are dropped, a smart tag's words are text
    and an LLM's <strong> is <b>."""
    d = docx.Document()
    p = d.add_paragraph()
    p._p.append(etree.fromstring(
        f'<w:r xmlns:w="{W}"><w:t xml:space="preserve">Un </w:t></w:r>'))
    for xml in (f'<w:bookmarkStart xmlns:w="{W}" w:id="0" w:name="spectre"/>',
                f'<w:r xmlns:w="{W}"><w:rPr><w:b/></w:rPr><w:t>spectre</w:t></w:r>',
                f'<w:bookmarkEnd xmlns:w="{W}" w:id="0"/>',
                f'<w:r xmlns:w="{W}"><w:t xml:space="preserve"> </w:t></w:r>',
                f'<w:proofErr xmlns:w="{W}" w:type="spellStart"/>',
                f'<w:r xmlns:w="{W}"><w:t xml:space="preserve">hante </w:t></w:r>',
                f'<w:proofErr xmlns:w="{W}" w:type="spellEnd"/>',
                f'<w:smartTag xmlns:w="{W}" w:element="place"><w:r><w:t>l’Europe</w:t></w:r>'
                "</w:smartTag>"):
        p._p.append(etree.fromstring(xml))
    d.save(str(tmp_path / "in.docx"))
    doc = read_document(tmp_path / "in.docx", "fr")
    assert doc.blocks[0].parts == ('Un <x-mark n="1"/><b>spectre</b><x-mark n="2"/> hante '
                                   "l’Europe",)
    out = translate(doc, tmp_path / "in.docx", tmp_path / "out.docx",
                    {0: 'Un <x-mark n="1"/><strong>espectro</strong><x-mark n="2"/> recorre '
                        "Europa"})
    p = docx.Document(str(out)).paragraphs[0]
    assert p.text == "Un espectro recorre Europa"
    assert [r.text for r in p.runs if r.bold] == ["espectro"]
    names = [etree.QName(c).localname for c in p._p if c.tag != w("pPr")]
    assert names == ["r", "bookmarkStart", "r", "bookmarkEnd", "r"]


def test_inline_content_control(tmp_path: Path) -> None:
    """A content control inside a paragraph (Word's cover page fields): its words are
    translated, its properties kept."""
    d = docx.Document()
    p = d.add_paragraph("Titre : ")
    p._p.append(etree.fromstring(
        f'<w:sdt xmlns:w="{W}"><w:sdtPr><w:alias w:val="Title"/><w:tag w:val="t"/></w:sdtPr>'
        '<w:sdtContent><w:r><w:rPr><w:b/></w:rPr><w:t>Le manifeste</w:t></w:r>'
        "</w:sdtContent></w:sdt>"))
    p.add_run(" (1848)")
    d.save(str(tmp_path / "in.docx"))
    doc = read_document(tmp_path / "in.docx", "fr")
    assert doc.blocks[0].parts == ('Titre : <x-control n="1">Le manifeste</x-control> (1848)',)
    out = translate(doc, tmp_path / "in.docx", tmp_path / "out.docx",
                    {0: 'Título: <x-control n="1">El manifiesto</x-control> (1848)'})
    xml = members(out)["word/document.xml"]
    assert normal(xml) == normal(members(tmp_path / "in.docx")["word/document.xml"])
    sdt = etree.fromstring(xml).find(f".//{w('sdt')}")
    assert sdt is not None
    assert "".join(sdt.itertext()) == "El manifiesto"
    assert sdt.find(f".//{w('b')}") is not None and sdt.find(f".//{w('alias')}") is not None


def test_paragraph_kinds_by_properties(tmp_path: Path) -> None:
    """A paragraph's own numbering and outline level count; numbering switched off on a
    List Bullet paragraph makes it a paragraph."""
    d = docx.Document()
    off = d.add_paragraph("Plus une liste", style="List Bullet")
    num = etree.SubElement(off._p.get_or_add_pPr(), w("numPr"))
    etree.SubElement(num, w("numId")).set(w("val"), "0")
    nested = d.add_paragraph("Point imbriqué", style="List Bullet")
    num = etree.SubElement(nested._p.get_or_add_pPr(), w("numPr"))
    etree.SubElement(num, w("ilvl")).set(w("val"), "2")
    etree.SubElement(num, w("numId")).set(w("val"), "1")
    outline = d.add_paragraph("Titre par niveau")
    etree.SubElement(outline._p.get_or_add_pPr(), w("outlineLvl")).set(w("val"), "2")
    d.save(str(tmp_path / "in.docx"))
    got = [(b.kind, b.level) for b in read_document(tmp_path / "in.docx", "fr").blocks]
    assert got == [("paragraph", 0), ("list_item", 3), ("heading", 3)]


def test_spelling_language_cuts_no_span(tmp_path: Path) -> None:
    """Word marks the spelling language run by run as one types: those runs are plain text,
    and the translation takes the paragraph's formatting."""
    d = docx.Document()
    p = d.add_paragraph()
    for text, lang in (("Un ", "fr-FR"), ("spectre", "en-GB"), (" hante ", None),
                       ("l’Europe", "fr-FR")):
        run = p.add_run(text)
        if lang:
            el = etree.SubElement(run._r.get_or_add_rPr(), w("lang"))
            el.set(w("val"), lang)
    p.add_run(".").bold = True
    d.save(str(tmp_path / "in.docx"))
    doc = read_document(tmp_path / "in.docx", "fr")
    assert doc.blocks[0].parts == ("Un spectre hante l’Europe<b>.</b>",)
    out = translate(doc, tmp_path / "in.docx", tmp_path / "out.docx",
                    {0: "Un espectro recorre Europa<b>.</b>"})
    runs = docx.Document(str(out)).paragraphs[0].runs
    assert [(r.text, bool(r.bold)) for r in runs] == [("Un espectro recorre Europa", False),
                                                      (".", True)]


def _lang(el: etree._Element | None) -> tuple[str | None, ...] | None:
    """An element's w:rPr/w:lang (val, eastAsia, bidi), None if it has none."""
    lang = None if el is None else el.find(f"{w('rPr')}/{w('lang')}")
    return None if lang is None else tuple(lang.get(w(a)) for a in ("val", "eastAsia", "bidi"))


def _set_lang(rpr: etree._Element, val: str) -> None:
    etree.SubElement(rpr, w("lang")).set(w("val"), val)


def test_proofing_language_is_the_target(tmp_path: Path) -> None:
    """Word and LibreOffice spell-check and hyphenate by w:lang: the translation's is the
    target's where it was the source's (any region), the document default's whatever it
    was; a Latin quotation keeps its own."""
    d = docx.Document()  # python-docx's default: en-US, eastAsia en-US, bidi ar-SA
    _set_lang(d.styles["Quote"].element.get_or_add_rPr(), "en-GB")
    _set_lang(d.styles["Intense Quote"].element.get_or_add_rPr(), "de-DE")
    p = d.add_paragraph()
    _set_lang(etree.SubElement(p._p.get_or_add_pPr(), w("rPr")), "en-GB")  # its mark
    for text, lang, italic in (("A spectre is haunting ", "en-GB", False),
                               ("Europe: ", None, False),
                               ("Gallia est omnis divisa", "la", True), (".", "en-GB", False)):
        run = p.add_run(text)
        run.italic = italic or None
        if lang:
            _set_lang(run._r.get_or_add_rPr(), lang)
    d.add_paragraph("Karl Marx", style="Quote")
    d.save(str(tmp_path / "in.docx"))
    doc = read_document(tmp_path / "in.docx", "en")
    assert [b.parts[0] for b in doc.blocks] == [
        "A spectre is haunting Europe: <i>Gallia est omnis divisa</i>.", "Karl Marx"]
    out = tmp_path / "out.docx"
    write_document(doc, {0: "Un espectro recorre Europa: <i>Gallia est omnis divisa</i>.",
                         1: "Karl Marx"}, out, WriteContext(tmp_path / "in.docx", "en", "es"))
    got = docx.Document(str(out))
    defaults = got.styles.element.find(f"{w('docDefaults')}/{w('rPrDefault')}")
    assert _lang(defaults) == ("es-ES", "es-ES", "ar-SA")
    assert _lang(got.styles["Quote"].element) == ("es-ES", None, None)
    assert _lang(got.styles["Intense Quote"].element) == ("de-DE", None, None)
    para = got.paragraphs[0]
    assert [(r.text, _lang(r._r)) for r in para.runs] == [
        ("Un espectro recorre Europa: ", ("es-ES", None, None)),
        ("Gallia est omnis divisa", ("la", None, None)), (".", ("es-ES", None, None))]
    assert _lang(para._p.pPr) == ("es-ES", None, None)
    effects = members(out)["word/stylesWithEffects.xml"].decode()  # Word 2007's copy
    assert '<w:lang w:val="es-ES" w:eastAsia="es-ES" w:bidi="ar-SA"/>' in effects


def test_proofing_language_of_a_book_declared_in_another(tmp_path: Path) -> None:
    """pandoc writes en-US as the default for a French book: the default becomes the target
    all the same (the words are the target's), its East Asian and bidi languages stay; one
    absent is added in its place among the run properties."""
    d = docx.Document()
    d.add_paragraph("Un spectre hante l’Europe.")
    d.save(str(tmp_path / "in.docx"))
    doc = read_document(tmp_path / "in.docx", "fr")
    write_document(doc, {0: "Un espectro recorre Europa."}, tmp_path / "out.docx",
                   WriteContext(tmp_path / "in.docx", "fr", "pt_BR"))
    got = docx.Document(str(tmp_path / "out.docx"))
    defaults = got.styles.element.find(f"{w('docDefaults')}/{w('rPrDefault')}")
    assert _lang(defaults) == ("pt-BR", "en-US", "ar-SA")
    rpr = defaults.find(w("rPr"))
    rpr.remove(rpr.find(w("lang")))  # no default language at all
    got.save(str(tmp_path / "bare.docx"))
    doc = read_document(tmp_path / "bare.docx", "fr")
    write_document(doc, {0: "Un espectro recorre Europa."}, tmp_path / "out2.docx",
                   WriteContext(tmp_path / "bare.docx", "fr", "es"))
    styles = etree.fromstring(members(tmp_path / "out2.docx")["word/styles.xml"])
    rpr = styles.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}")
    assert [etree.QName(c).localname for c in rpr] == ["rFonts", "sz", "szCs", "lang"]
    assert _lang(rpr.getparent()) == ("es-ES", None, None)


@pytest.mark.parametrize(("code", "tag"), [("es", "es-ES"), ("EN", "en-US"), ("pt", "pt-PT"),
                                           ("pt_BR", "pt-BR"), ("es-MX", "es-MX"),
                                           ("eo", "eo")])
def test_word_language_tag(code: str, tag: str) -> None:
    from corpora.docx_rebuild import word_lang

    assert word_lang(code) == tag


def test_greater_than_is_not_escaped(tmp_path: Path) -> None:
    """A part escapes & and < only, as the XHTML formats do, so that "< Le progrès >" is
    the same segment from DOCX as from EPUB (one translation memory); a translation's
    &gt; is still read as >."""
    d = docx.Document()
    d.core_properties.title = "A > B & C"
    d.add_paragraph("< Le progrès > & 1 > 0")
    p = d.add_paragraph("Voir ")
    _link(p, "https://example.org/a?b=<c>&d=\"e\"", "le lien")
    d.save(str(tmp_path / "in.docx"))
    doc = read_document(tmp_path / "in.docx", "fr")
    assert [b.parts[0] for b in doc.blocks] == [
        "A > B &amp; C", "&lt; Le progrès > &amp; 1 > 0",
        'Voir <a href="https://example.org/a?b=&lt;c&gt;&amp;d=&quot;e&quot;">le lien</a>']
    out = translate(doc, tmp_path / "in.docx", tmp_path / "out.docx", {
        0: "A &gt; B &amp; C", 1: "&lt; El progreso &gt; &amp; 1 > 0",
        2: 'Ver <a href="https://example.org/a?b=&lt;c&gt;&amp;d=&quot;e&quot;">el enlace</a>'})
    got = docx.Document(str(out))
    assert got.core_properties.title == "A > B & C"
    assert [p.text for p in got.paragraphs] == ["< El progreso > & 1 > 0", "Ver el enlace"]
    assert [h.url for h in got.paragraphs[1].hyperlinks] == ['https://example.org/a?b=<c>&d="e"']


# --- refusals ---------------------------------------------------------------------------

@needs_soffice
def test_tracked_changes_refused(tmp_path: Path) -> None:
    src = lo_docx(TRACKED_FODT, "tracked", tmp_path)
    with pytest.raises(DataFormatError, match=re.escape(
            "has tracked changes (1 insertions, 1 deletions, first in paragraph 2: "
            "'Un spectre nouveau hante la vieille Europe.'); accept or reject them in "
            "Word/LibreOffice (Review → Accept All) and run again")):
        read_document(src, "fr")


def test_formatting_change_in_a_note_refused(books: dict[str, Path], tmp_path: Path) -> None:
    """A tracked formatting change (w:rPrChange) counts too, wherever it is."""
    d = docx.Document()
    run = d.add_paragraph("Un ").add_run("spectre")
    run.bold = True
    change = etree.SubElement(run._r.get_or_add_rPr(), w("rPrChange"))
    change.set(w("id"), "1")
    change.set(w("author"), "Ana")
    d.save(str(tmp_path / "fmt.docx"))
    with pytest.raises(DataFormatError, match=r"tracked changes \(0 insertions, 0 deletions, "
                       r"1 formatting changes, first in paragraph 1: 'Un spectre'\)"):
        read_document(tmp_path / "fmt.docx", "fr")


@needs_pandoc
def test_tracked_change_in_a_footnote_refused(books: dict[str, Path], tmp_path: Path) -> None:
    src, bad = book(books, "pandoc"), tmp_path / "bad.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/footnotes.xml":
                data = data.replace(b"corporations de m", b'corp</w:t></w:r><w:del w:id="90" '
                                    b'w:author="A"><w:r><w:delText>ZZ</w:delText></w:r></w:del>'
                                    b'<w:r><w:t xml:space="preserve">orations de m', 1)
                assert b"w:del " in data
            zout.writestr(info, data)
    with pytest.raises(DataFormatError, match=r"has tracked changes \(0 insertions, 1 deletions, "
                       r"first in word/footnotes.xml paragraph \d+: 'Les jurandes : "
                       r"corpZZorations de métiers.'\)"):
        read_document(bad, "fr")


def test_not_a_zip(tmp_path: Path) -> None:
    bad = tmp_path / "bad.docx"
    bad.write_text("not a zip at all", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"bad.docx: is not a DOCX file \(not a zip"):
        read_document(bad, "fr")


def test_zip_without_document(tmp_path: Path) -> None:
    bad = tmp_path / "bad.docx"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("word/styles.xml", "<x/>")
    with pytest.raises(DataFormatError, match="has no word/document.xml, so it is not a Word"):
        read_document(bad, "fr")


def test_damaged_document_xml(books: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.docx"
    with zipfile.ZipFile(books["handmade"]) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, data[:len(data) // 2] if info.filename == "word/document.xml"
                          else data)
    with pytest.raises(DataFormatError, match="bad.docx: .*(damaged|cannot be opened)"):
        read_document(bad, "fr")


def test_source_changed_since_read(books: dict[str, Path], tmp_path: Path) -> None:
    doc = read_document(books["handmade"], "fr")
    other = tmp_path / "other.docx"
    make_handmade(other)
    d = docx.Document(str(other))
    d.add_paragraph("Un paragraphe de plus.")
    d.save(str(other))
    with pytest.raises(DataFormatError, match="changed since it was read; run again"):
        write_document(doc, {}, tmp_path / "out.docx", WriteContext(other, "fr", "es"))
    assert not (tmp_path / "out.docx").exists()
    make_handmade(other)
    d = docx.Document(str(other))
    d.core_properties.title = "Un autre titre"
    d.save(str(other))
    with pytest.raises(DataFormatError, match="changed since it was read; run again"):
        write_document(doc, {}, tmp_path / "out.docx", WriteContext(other, "fr", "es"))


@needs_soffice
@pytest.mark.slow
def test_ole_file_refused(tmp_path: Path) -> None:
    """A password-protected DOCX is an OLE compound file, as a Word 97 .doc is; LibreOffice
    7.4's --convert-to cannot encrypt, so the .doc stands for it when no encrypted file is
    made."""
    src = tmp_path / "secret.fodt"
    src.write_text(TRACKED_FODT.replace("text:track-changes=\"true\"", ""), encoding="utf-8")
    enc = soffice(src, 'docx:MS Word 2007 XML:{"EncryptionPassword":{"type":"string",'
                  '"value":"x"}}', tmp_path / "enc")
    ole = enc if enc.is_file() and enc.read_bytes()[:4] == b"\xd0\xcf\x11\xe0" else None
    if ole is None:
        doc = soffice(src, "doc", tmp_path / "doc")
        ole = doc.rename(doc.with_suffix(".docx"))
    with pytest.raises(DataFormatError, match="password-protected \\(encrypted\\) Office file"):
        read_document(ole, "fr")


# --- other readers ----------------------------------------------------------------------

def _first_words(doc: Document) -> str:
    """The first two words of the last body paragraph, list item or note without markup,
    as the word-changing engine writes them."""
    part = [b.parts[0] for b in doc.blocks
            if b.kind in ("paragraph", "list_item", "note") and "<" not in b.parts[0]
            and "header" not in b.file and "footer" not in b.file][-1]
    return " ".join(x_words(part).split()[:2])


@needs_pandoc
@pytest.mark.parametrize("name", BOOKS)
def test_output_opens_in_python_docx_and_pandoc(books: dict[str, Path], tmp_path: Path,
                                               name: str) -> None:
    src = book(books, name)
    doc = read_document(src, "fr")
    out = translate(doc, src, tmp_path / "out.docx", x_texts(doc))
    assert len(docx.Document(str(out)).paragraphs) == len(docx.Document(str(src)).paragraphs)
    text = subprocess.run(["pandoc", "-f", "docx", "-t", "plain", str(out)], check=True,
                          capture_output=True, text=True, timeout=120).stdout
    assert _first_words(doc) in text


@needs_soffice
@pytest.mark.slow
@pytest.mark.parametrize("name", BOOKS)
def test_output_converts_with_libreoffice(books: dict[str, Path], tmp_path: Path,
                                          name: str) -> None:
    src = book(books, name)
    doc = read_document(src, "fr")
    out = translate(doc, src, tmp_path / "out.docx", x_texts(doc))
    pdf = soffice(out, "pdf", tmp_path / "pdf")
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    if name != "pandoc":  # LibreOffice reads our notes back as notes
        back = soffice(out, "odt", tmp_path / "odt")
        with zipfile.ZipFile(back) as zf:
            content = zf.read("content.xml").decode()
            styles = zf.read("styles.xml").decode()
        assert _first_words(doc) in content
        assert 'fo:language="es" fo:country="ES"' in styles  # spell-checked as Spanish
        if name == "libreoffice":
            assert content.count("<text:note ") == 2 and "XUne" in content


@needs_soffice
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("apertium-wblank-mode") is None,
                    reason="Apertium is not installed (apt-get install apertium apertium-fr-es)")
def test_diglot_run_with_apertium(books: dict[str, Path], tmp_path: Path) -> None:
    """The whole pipeline on LibreOffice's DOCX, fr→es with Apertium: formatting on the
    translated words, both notes translated, the core properties in Spanish."""
    src = book(books, "libreoffice")
    done = subprocess.run([sys.executable, "-m", "diglot", "run", str(src), "-f", "fr", "-t",
                           "es", "-o", str(tmp_path / "out")], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out" / "notes.es.docx"
    got = [(b.kind, b.parts[0]) for b in read_document(out, "es").blocks]
    assert got[0] == ("title", "El manifiesto")
    assert got[2][1].startswith("Un <b>espectro</b>") and "<i>comunismo</i>" in got[2][1]
    assert '<a href="https://example.org/manifeste">el texto</a>' in got[3][1]
    assert [kind for kind, _ in got[-2:]] == ["note", "note"]
    assert all(part.startswith("Una") for _, part in got[-2:])
    core = members(out)["docProps/core.xml"].decode()  # python-docx does not find
    assert "<dc:language>es</dc:language>" in core  # LibreOffice's core properties


_TEMPLATES = Path("/usr/lib/libreoffice/share/template/common")


@needs_soffice
@pytest.mark.slow
def test_libreoffice_templates(tmp_path: Path) -> None:
    """LibreOffice's own templates (agendas, letters, faxes: tables, frames, fields, styled
    runs) saved as DOCX: each is written with every word changed, keeps its structure, reads
    back with the changed words and opens in pandoc."""
    found = sorted(_TEMPLATES.rglob("*.ott"))[::5] if _TEMPLATES.is_dir() else []
    if not found:
        pytest.skip(f"no LibreOffice templates in {_TEMPLATES}")
    subprocess.run([str(_LO), f"-env:UserInstallation=file://{tmp_path}/.profile",
                    "--headless", "--convert-to", "docx", "--outdir", str(tmp_path),
                    *map(str, found)], check=True, capture_output=True, timeout=300)
    books = sorted(tmp_path.glob("*.docx"))
    assert len(books) == len(found)
    for src in books:
        doc = read_document(src, "en")
        out = translate(doc, src, tmp_path / "out" / src.name, x_texts(doc))
        before, after = members(src), members(out)
        for member, data in before.items():
            if member in TEXT_PARTS:
                assert normal(unlang(after[member])) == normal(unlang(data)), \
                    (src.name, member)
        again = read_document(out, "es")
        assert [b.parts[0] for b in again.blocks] == [x_words(b.parts[0]) for b in doc.blocks]
        subprocess.run(["pandoc", "-f", "docx", "-t", "plain", str(out)], check=True,
                       capture_output=True, timeout=120)


# --- any engine output ------------------------------------------------------------------

_PIECES = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["<b>", "</b>", "<i>", "</i>", "<u>", "</u>", "<sup>", "</sup>",
                     '<span data-r="1">', "</span>", f'<a href="{URL}">'.replace("&", "&amp;"),
                     "</a>", '<x-tab n="1"/>', "<br/>", "<br>", "&amp;", "&lt;", "&", "<",
                     ">", "</q>", "<a>", "<x-note n=\"7\"/>", "&#0;", "\x00", "\x0b",
                     '<x-control n="1">', "</x-control>"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(_PIECES, max_size=25))
def test_writer_never_raises(pieces: list[str]) -> None:
    """Any translated part is written: each source link, tab and break exactly once."""
    root = etree.fromstring(_handmade_xml())
    p = next(p for p in root.iter(w("p"))
             if any((t.text or "").startswith("Voir") for t in p.iter(w("t"))))
    para = analyse(p, lambda rid: URL)
    rebuild(p, para, "".join(pieces))
    xml = etree.tostring(p)
    assert xml.count(b"<w:hyperlink") == 1
    assert xml.count(b"<w:tab/>") == 1 and xml.count(b"<w:br/>") == 1
    etree.fromstring(xml)


@functools.cache
def _handmade_xml() -> bytes:
    """The handmade document's document.xml, made once (in memory)."""
    data = io.BytesIO()
    make_handmade(data)
    with zipfile.ZipFile(data) as zf:
        return zf.read("word/document.xml")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(title=st.lists(_PIECES, max_size=6), part=st.lists(_PIECES, max_size=12))
def test_write_never_raises(books: dict[str, Path], tmp_path: Path, title: list[str],
                            part: list[str]) -> None:
    """Whole books written from any title and paragraph text open in python-docx."""
    src = books["handmade"]
    doc = read_document(src, "fr")
    texts = {i: "".join(title) if s.block == 0 else "".join(part)
             for i, s in enumerate(doc.segments)}
    out = translate(doc, src, tmp_path / "any.docx", texts)
    d = docx.Document(str(out))
    assert len(d.paragraphs) == len(docx.Document(str(src)).paragraphs)
    assert sum(len(p.hyperlinks) for p in d.paragraphs) == 1


_RPR = {"b": "<w:b/>", "i": "<w:i/>", "c": '<w:color w:val="FF0000"/>',
        "u": '<w:u w:val="single"/>', "sup": '<w:vertAlign w:val="superscript"/>'}
_RUN = st.tuples(st.lists(st.sampled_from(sorted(_RPR)), unique=True, max_size=2),
                 st.text(alphabet="ab é&<>", max_size=5),
                 st.sampled_from(["", "", "", "tab", "br", "fn"]))


def _run_xml(run: tuple[list[str], str, str]) -> str:
    flags, text, extra = run
    rpr = "".join(_RPR[f] for f in ("b", "i", "c", "u", "sup") if f in flags)
    child = {"": "", "tab": "<w:tab/>", "br": "<w:br/>",
             "fn": '<w:footnoteReference w:id="3"/>'}[extra]
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (f"<w:r>{f'<w:rPr>{rpr}</w:rPr>' if rpr else ''}"
            f'<w:t xml:space="preserve">{text}</w:t>{child}</w:r>')


def _formatted(p: etree._Element) -> list[tuple[str, bytes, bool]]:
    """Each visible character and run child with its w:rPr and whether it is in a link."""
    out = []
    for run in p.iter(w("r")):
        rpr = run.find(w("rPr"))
        key = b"" if rpr is None or not len(rpr) else etree.tostring(rpr)
        link = run.getparent().tag == w("hyperlink")
        for child in run:
            if child.tag == w("t"):
                out += [(ch, key, link) for ch in child.text or "" if not ch.isspace()]
            elif child.tag != w("rPr"):
                out.append((etree.QName(child).localname, key, link))
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=st.lists(st.one_of(_RUN, st.lists(_RUN, min_size=1, max_size=3)), max_size=6))
def test_rebuild_keeps_each_characters_formatting(items: list[Any]) -> None:
    """Any paragraph of runs and links, rebuilt from its own part: every visible character
    keeps its w:rPr and its link, every tab, break and note reference is there once in its
    place; only runs of whitespace inside the text become one space."""
    body = "".join(_run_xml(i) if isinstance(i, tuple) else
                   '<w:hyperlink w:anchor="x">' + "".join(map(_run_xml, i)) + "</w:hyperlink>"
                   for i in items)
    root = etree.fromstring(f'<w:document xmlns:w="{W}"><w:p>{body}</w:p></w:document>')
    p = root[0]
    before, want = "".join(t.text or "" for t in p.iter(w("t"))), _formatted(p)
    para = analyse(p, lambda rid: "")
    if para.part:
        rebuild(p, para, para.part)
    after = "".join(t.text or "" for t in p.iter(w("t")))
    assert _formatted(p) == want
    assert after.split() == before.split()
    if para.part and "/>" not in para.part:  # the paragraph's own outer whitespace kept
        assert after[:len(after) - len(after.lstrip())] == \
            before[:len(before) - len(before.lstrip())]
        assert after[len(after.rstrip()):] == before[len(before.rstrip()):]
