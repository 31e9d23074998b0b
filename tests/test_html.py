"""The HTML format: saved pages and XHTML chapters read into blocks and written back, the
same kind of file, in the same encoding, with translations (or the bilingual edition) in
place; a MediaWiki page's chrome left as it is."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from corpora.formats import WriteContext, read_document, write_document
from corpora.xhtml import XML_LANG
from diglot.errors import DataFormatError
from tests.conftest import needs_apertium

_PIECE = re.compile(r"(<[^>]*>|&#?\w+;)")

PAGE = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Le Manifeste</title>
<meta name="author" content="Karl Marx">
<meta name="author" content="Friedrich Engels">
<link rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/deed.fr">
<script>var s = "<p>pas ici</p>";</script>
</head>
<body>
<h1 id="top">Un spectre hante l'Europe</h1>
<p>Toute l'histoire de <em>toute société</em> jusqu'à nos jours.</p>
<pre>ls -l</pre>
<p><img src="a.png" alt="Une image"> Texte</p>
</body>
</html>
"""

TRANSLATED = """<!DOCTYPE html>
<html lang="es">
<head>
<meta charset="utf-8">
<title>EL MANIFIESTO</title>
<meta name="author" content="Karl Marx">
<meta name="author" content="Friedrich Engels">
<link rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/deed.fr">
<script>var s = "<p>pas ici</p>";</script>
</head>
<body>
<h1 id="top">UN FANTASMA RECORRE EUROPA</h1>
<p>La historia de <em>toda sociedad</em> hasta hoy.</p>
<pre>ls -l</pre>
<p><img src="a.png" alt="UNE IMAGE"> TEXTE</p>
</body>
</html>
"""

XHTML = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" \
xml:lang="en-GB">
\t<head>
\t\t<title>I: Bourgeois and Proletarians</title>
\t</head>
\t<body epub:type="bodymatter">
\t\t<section id="chapter-1" epub:type="chapter">
\t\t\t<p>The history<a href="endnotes.xhtml#note-4" id="noteref-4" \
epub:type="noteref">4</a> of all hitherto existing society.</p>
\t\t\t<p>Freeman&#160;and slave, <i xml:lang="la">patricius</i> and plebeian.</p>
\t\t</section>
\t</body>
</html>
"""

WIKI = """<!DOCTYPE html>
<html class="client-nojs" lang="fr" dir="ltr">
<head>
<meta charset="UTF-8">
<title>Manifeste du parti communiste — Wikipédia</title>
<link rel="canonical" href="https://fr.wikipedia.org/wiki/Manifeste_du_parti_communiste">
<link rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/deed.fr">
<style>.mw-editsection{font-size:small}</style>
</head>
<body class="mediawiki">
<div id="content" class="mw-body">
<h1 id="firstHeading" class="firstHeading"><span class="mw-page-title-main">Manifeste du \
parti communiste</span></h1>
<div id="mw-content-text" class="mw-body-content" lang="fr" dir="ltr"><div \
class="mw-parser-output">
<p>Le <b>Manifeste</b> est un essai de <a href="/wiki/Karl_Marx" title="Karl Marx">Karl \
Marx</a><sup id="cite_ref-1" class="reference"><a href="#cite_note-1">[1]</a></sup>.</p>
<div id="toc" class="toc" role="navigation" aria-labelledby="mw-toc-heading"><div \
class="toctitle" lang="fr" dir="ltr"><h2 id="mw-toc-heading">Sommaire</h2></div>
<ul>
<li class="toclevel-1 tocsection-1"><a href="#Histoire"><span class="tocnumber">1</span> \
<span class="toctext">Histoire</span></a></li>
</ul>
</div>
<h2><span class="mw-headline" id="Histoire">Histoire</span><span class="mw-editsection">\
<span class="mw-editsection-bracket">[</span><a href="/w/index.php?title=M&amp;\
veaction=edit&amp;section=1" title="Modifier la section : Histoire">modifier</a><span \
class="mw-editsection-divider"> | </span><a href="/w/index.php?title=M&amp;action=edit&amp;\
section=1" title="Modifier le code source de la section : Histoire">modifier le wikicode</a>\
<span class="mw-editsection-bracket">]</span></span></h2>
<p>Rédigé en 1847<sup id="cite_ref-2" class="reference"><a href="#cite_note-2">[2]</a>\
</sup>, il paraît à Londres.</p>
<div class="mw-references-wrap"><ol class="references">
<li id="cite_note-1"><span class="mw-cite-backlink"><a href="#cite_ref-1">↑</a></span> \
<span class="reference-text">Écrit en allemand.</span></li>
<li id="cite_note-2"><span class="mw-cite-backlink"><a href="#cite_ref-2">↑</a></span> \
<span class="reference-text">Voir <i>Œuvres</i>, tome 1.</span></li>
</ol></div>
<div role="navigation" class="navbox"><table class="navbox-inner"><tr><th \
class="navbox-title">Marxisme</th></tr><tr><td class="navbox-list"><div>\
<a href="/wiki/Capital">Le Capital</a> · <a href="/wiki/Manifeste">Manifeste</a></div>\
</td></tr></table></div>
</div></div></div>
</body>
</html>
"""

EDIT = ('<span class="mw-editsection"><span class="mw-editsection-bracket">[</span><a '
        'href="/w/index.php?title=M&amp;veaction=edit&amp;section=1" title="Modifier la '
        'section : Histoire">modifier</a><span class="mw-editsection-divider"> | </span><a '
        'href="/w/index.php?title=M&amp;action=edit&amp;section=1" title="Modifier le code '
        'source de la section : Histoire">modifier le wikicode</a><span '
        'class="mw-editsection-bracket">]</span></span>')


def shout(text: str) -> str:
    """A word-changing engine: text outside tags and entities in capitals."""
    return "".join(p if _PIECE.fullmatch(p) else p.upper() for p in _PIECE.split(text))


def context(src: Path, edition: str = "translated", src_lang: str = "fr",
            tgt_lang: str = "es") -> WriteContext:
    return WriteContext(src, src_lang, tgt_lang, edition, "apertium", f"{src_lang}-{tgt_lang}")


def page(tmp_path: Path, text: str, name: str = "page.html", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def shape(root: etree._Element) -> list[tuple[str, list[tuple[str, str]]]]:
    """The tree without its text and people's attributes (and without the root's language)."""
    skip = {"alt", "title", "lang", XML_LANG}
    return [(str(el.tag), [(k, v) for k, v in el.attrib.items() if k not in skip])
            for el in root.iter()]


def test_read_page(tmp_path: Path) -> None:
    doc = read_document(page(tmp_path, PAGE), "fr")
    assert doc.format == "html"
    assert [(b.kind, b.parts) for b in doc.blocks] == [
        ("title", ("Le Manifeste",)),
        ("heading", ("Un spectre hante l'Europe",)),
        ("paragraph", ("Toute l'histoire de <em>toute société</em> jusqu'à nos jours.",)),
        ("paragraph", ('<img src="a.png" alt="Une image"/> Texte',)),
        ("attribute", ("Une image",))]
    assert doc.meta == (("title", "Le Manifeste"), ("authors", "Karl Marx"),
                        ("authors", "Friedrich Engels"), ("license", "CC-BY-SA-4.0"))


def test_write_translated(tmp_path: Path) -> None:
    src = page(tmp_path, PAGE)
    doc = read_document(src, "fr")
    spanish = {"Le Manifeste": "EL MANIFIESTO",
               "Un spectre hante l'Europe": "UN FANTASMA RECORRE EUROPA",
               "Toute l'histoire de <em>toute société</em> jusqu'à nos jours.":
                   "La historia de <em>toda sociedad</em> hasta hoy."}
    texts = {i: spanish.get(s.text, shout(s.text)) for i, s in enumerate(doc.segments)}
    write_document(doc, texts, tmp_path / "out.html", context(src))
    assert (tmp_path / "out.html").read_text(encoding="utf-8") == TRANSLATED


def test_untranslated_round_trip(tmp_path: Path) -> None:
    src = page(tmp_path, PAGE)
    write_document(read_document(src, "fr"), {}, tmp_path / "out.html", context(src))
    assert (tmp_path / "out.html").read_text(encoding="utf-8") == \
        PAGE.replace('lang="fr"', 'lang="es"')


def test_xhtml_stays_xhtml(tmp_path: Path) -> None:
    src = page(tmp_path, XHTML, "chapter.xhtml")
    doc = read_document(src, "en")
    assert [b.parts for b in doc.blocks] == [
        ("I: Bourgeois and Proletarians",),
        ('The history<a href="endnotes.xhtml#note-4" id="noteref-4" epub:type="noteref">4</a> '
         "of all hitherto existing society.",),
        ('Freeman\xa0and slave, <i xml:lang="la">patricius</i> and plebeian.',)]
    assert (doc.blocks[1].start, doc.blocks[1].end) == (8, 9)  # line 9
    texts = {i: shout(s.text) for i, s in enumerate(doc.segments)}
    write_document(doc, texts, tmp_path / "out.xhtml", context(src, src_lang="en"))
    data = (tmp_path / "out.xhtml").read_bytes()
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
                           b'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub=')
    assert b'xml:lang="es"' in data and data.endswith(b"</html>\n")
    assert ('<p>THE HISTORY<a href="endnotes.xhtml#note-4" id="noteref-4" epub:type="noteref">'
            "4</a> OF ALL HITHERTO EXISTING SOCIETY.</p>") in data.decode()
    assert '<i xml:lang="la">patricius</i> AND PLEBEIAN' in data.decode()  # Latin: kept
    assert shape(etree.fromstring(data)) == shape(etree.fromstring(XHTML.encode()))


def test_untranslated_xhtml_is_the_same_text(tmp_path: Path) -> None:
    src = page(tmp_path, XHTML, "chapter.xhtml")
    write_document(read_document(src, "en"), {}, tmp_path / "out.xhtml",
                   context(src, src_lang="en"))
    assert (tmp_path / "out.xhtml").read_text(encoding="utf-8") == \
        XHTML.replace('xml:lang="en-GB"', 'xml:lang="es"').replace("&#160;", "\xa0")


def test_malformed_xhtml_names_file_and_line(tmp_path: Path) -> None:
    src = page(tmp_path, XHTML.replace("</p>\n\t\t\t<p>Freeman", "\n\t\t\t<p>Freeman"),
               "chapter.xhtml")
    with pytest.raises(DataFormatError, match=r"chapter\.xhtml:\d+: is not well-formed XHTML"):
        read_document(src, "en")
    try:
        read_document(src, "en")
    except DataFormatError as exc:
        assert exc.line is not None and 11 <= exc.line <= 13


def test_xhtml_written_so_html_reads_it(tmp_path: Path) -> None:
    src = page(tmp_path, '<html xmlns="http://www.w3.org/1999/xhtml"><head><script '
                         'src="a.js"></script><link rel="x" href="y"/></head><body><p>Un<a '
                         'id="x"></a><br/>deux</p><svg xmlns="http://www.w3.org/2000/svg">'
                         "<rect/></svg></body></html>")
    doc = read_document(src, "fr")
    assert [s.text for s in doc.segments] == ['Un<a id="x"/>', "deux"]
    write_document(doc, {0: 'Uno<a id="x"/>', 1: "dos"}, tmp_path / "out.html", context(src))
    assert (tmp_path / "out.html").read_text(encoding="utf-8") == (
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="es" xml:lang="es"><head><script '
        'src="a.js">'
        '</script><link rel="x" href="y"/></head><body><p>Uno<a id="x"></a><br/>dos</p><svg '
        'xmlns="http://www.w3.org/2000/svg"><rect/></svg></body></html>')


def test_bilingual_xhtml_named_html_marks_both_languages(tmp_path: Path) -> None:
    src = page(tmp_path, '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Un</p><ul><li>'
                         "Deux</li></ul></body></html>")
    write_document(read_document(src, "fr"), {0: "Uno", 1: "Dos"}, tmp_path / "out.html",
                   context(src, "bilingual"))
    body = (tmp_path / "out.html").read_text(encoding="utf-8").split("<body>")[1]
    assert body == (
        '<div class="diglot-pair"><p class="diglot-source" xml:lang="fr" lang="fr">Un</p><p '
        'class="diglot-target" xml:lang="es" lang="es">Uno</p></div><ul><li><span '
        'class="diglot-pair"><span class="diglot-source" xml:lang="fr" lang="fr">Deux</span> '
        '<span class="diglot-target" xml:lang="es" lang="es">Dos</span></span></li></ul>'
        "</body></html>")


def test_xmlns_without_declaration_falls_back_to_html(tmp_path: Path) -> None:
    src = page(tmp_path, '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Un<br>deux'
                         "</p></body></html>")
    assert [b.parts for b in read_document(src, "fr").blocks] == [("Un", "deux")]


def test_encoding_kept(tmp_path: Path) -> None:
    text = ('<html><head><meta charset="iso-8859-1"><title>Été</title></head>'
            "<body><p>Déjà vu à Noël.</p></body></html>")
    src = page(tmp_path, text, encoding="iso-8859-1")
    doc = read_document(src, "fr")
    assert [b.parts for b in doc.blocks] == [("Été",), ("Déjà vu à Noël.",)]
    write_document(doc, {1: "Ya visto en Navidad — ¡ñ!"}, tmp_path / "out.html", context(src))
    data = (tmp_path / "out.html").read_bytes()
    assert "Ya visto en Navidad &#8212; ¡ñ!".encode("iso-8859-1") in data


def test_mediawiki_page(tmp_path: Path) -> None:
    src = page(tmp_path, WIKI)
    doc = read_document(src, "fr")
    got = [(b.kind, b.parts[0]) for b in doc.blocks]
    assert got == [
        ("title", "Manifeste du parti communiste — Wikipédia"),
        ("heading", '<span class="mw-page-title-main">Manifeste du parti communiste</span>'),
        ("paragraph", 'Le <b>Manifeste</b> est un essai de <a href="/wiki/Karl_Marx" '
                      'title="Karl Marx">Karl Marx</a><sup id="cite_ref-1" class="reference">'
                      '<a href="#cite_note-1">[1]</a></sup>.'),
        ("attribute", "Karl Marx"),
        ("heading", "Sommaire"),
        ("list_item", '<a href="#Histoire"><span class="tocnumber">1</span> '
                      '<span class="toctext">Histoire</span></a>'),
        ("heading", '<span class="mw-headline" id="Histoire">Histoire</span>'
                    '<span class="mw-editsection"/>'),
        ("paragraph", 'Rédigé en 1847<sup id="cite_ref-2" class="reference"><a '
                      'href="#cite_note-2">[2]</a></sup>, il paraît à Londres.'),
        ("note", '<span class="mw-cite-backlink"/> <span class="reference-text">Écrit en '
                 "allemand.</span>"),
        ("note", '<span class="mw-cite-backlink"/> <span class="reference-text">Voir '
                 "<i>Œuvres</i>, tome 1.</span>"),
        ("cell", "Marxisme"),
        ("cell", '<a href="/wiki/Capital">Le Capital</a> · <a href="/wiki/Manifeste">'
                 "Manifeste</a>")]
    assert dict(doc.meta)["source"] == "https://fr.wikipedia.org/wiki/Manifeste_du_parti_communiste"
    texts = {i: shout(s.text) for i, s in enumerate(doc.segments)}
    write_document(doc, texts, tmp_path / "out.html", context(src))
    written = (tmp_path / "out.html").read_text(encoding="utf-8")
    assert f'<span class="mw-headline" id="Histoire">HISTOIRE</span>{EDIT}</h2>' in written
    assert ('RÉDIGÉ EN 1847<sup id="cite_ref-2" class="reference"><a href="#cite_note-2">[2]'
            "</a></sup>, IL PARAÎT À LONDRES.") in written
    assert '<span class="reference-text">VOIR <i>ŒUVRES</i>, TOME 1.</span>' in written
    assert "<style>.mw-editsection{font-size:small}</style>" in written
    assert '<div id="mw-content-text" class="mw-body-content" lang="es" dir="ltr">' in written
    assert shape(lxml.html.document_fromstring(written)) == \
        shape(lxml.html.document_fromstring(WIKI))


def test_bilingual_page(tmp_path: Path) -> None:
    src = page(tmp_path, PAGE)
    doc = read_document(src, "fr")
    texts = {i: shout(s.text) for i, s in enumerate(doc.segments)}
    write_document(doc, texts, tmp_path / "bi.html", context(src, "bilingual"))
    root = lxml.html.document_fromstring((tmp_path / "bi.html").read_bytes())
    assert root.get("lang") == "es"
    style = root.find("head/style")
    assert style is not None and "grid-template-columns" in (style.text or "")
    pairs = root.find_class("diglot-pair")
    assert [[(c.tag, c.get("class"), c.get("lang"), c.text_content()) for c in p]
            for p in pairs] == [
        [("h1", "diglot-source", "fr", "Un spectre hante l'Europe"),
         ("h1", "diglot-target", "es", "UN SPECTRE HANTE L'EUROPE")],
        [("p", "diglot-source", "fr", "Toute l'histoire de toute société jusqu'à nos jours."),
         ("p", "diglot-target", "es", "TOUTE L'HISTOIRE DE TOUTE SOCIÉTÉ JUSQU'À NOS JOURS.")],
        [("p", "diglot-source", "fr", " Texte"), ("p", "diglot-target", "es", " TEXTE")]]
    assert [e.get("id") for e in root.iter() if e.get("id")] == ["top"]
    assert pairs[0][1].get("id") == "top"  # links land on the translation
    assert [i.get("alt") for i in root.iter("img")] == ["Une image", "UNE IMAGE"]


def test_bilingual_mediawiki_ids_unique(tmp_path: Path) -> None:
    src = page(tmp_path, WIKI)
    doc = read_document(src, "fr")
    write_document(doc, {i: shout(s.text) for i, s in enumerate(doc.segments)},
                   tmp_path / "bi.html", context(src, "bilingual"))
    root = lxml.html.document_fromstring((tmp_path / "bi.html").read_bytes())
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)) == len(
        [e for e in lxml.html.document_fromstring(WIKI).iter() if e.get("id")])
    sources = root.find_class("diglot-source")
    assert len(sources) == len(root.find_class("diglot-target")) == 10  # not the title
    assert all(s.get("lang") == "fr" for s in sources)


def test_changed_since_read(tmp_path: Path) -> None:
    src = page(tmp_path, PAGE)
    doc = read_document(src, "fr")
    src.write_text(PAGE.replace("<pre>ls -l</pre>", "<p>Nouveau</p>"), encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"page\.html: changed since it was read"):
        write_document(doc, {}, tmp_path / "out.html", context(src))
    assert not (tmp_path / "out.html").exists()


def test_unreadable_pages(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match=r"empty\.html: cannot be read as HTML"):
        read_document(page(tmp_path, "", "empty.html"), "fr")
    with pytest.raises(DataFormatError, match=r"gone\.html: cannot be read"):
        read_document(tmp_path / "gone.html", "fr")


@pytest.mark.skipif(shutil.which("pandoc") is None,
                    reason="pandoc not installed (apt install pandoc)")
@pytest.mark.parametrize("edition", ["translated", "bilingual"])
def test_pandoc_reads_our_output(tmp_path: Path, edition: str) -> None:
    for name, text in (("page.html", PAGE), ("wiki.html", WIKI), ("c.xhtml", XHTML)):
        src = page(tmp_path, text, name)
        doc = read_document(src, "fr")
        out = tmp_path / f"out-{name}"
        write_document(doc, {i: shout(s.text) for i, s in enumerate(doc.segments)}, out,
                       context(src, edition))
        done = subprocess.run(["pandoc", "-f", "html", "-t", "plain", str(out)],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "HISTOIRE" in done.stdout or "SPECTRE" in done.stdout or "HISTORY" in done.stdout


@needs_apertium
@pytest.mark.slow
def test_pipeline_end_to_end(tmp_path: Path) -> None:
    from diglot.pipeline import RunOptions, run

    src = page(tmp_path, WIKI, "manifeste.fr.html")
    run(RunOptions(src, "fr", "es", out=tmp_path / "out", edition="both",
                   source_lang_check=False))
    translated = (tmp_path / "out" / "manifeste.es.html").read_text(encoding="utf-8")
    bilingual = (tmp_path / "out" / "manifeste.fr-es.html").read_text(encoding="utf-8")
    assert '<html class="client-nojs" lang="es" dir="ltr">' in translated
    assert EDIT in translated and "[1]</a></sup>" in translated
    assert "Londres" in translated and "il paraît" not in translated
    assert shape(lxml.html.document_fromstring(translated)) == \
        shape(lxml.html.document_fromstring(WIKI))
    assert "il paraît à Londres" in bilingual and 'class="diglot-target"' in bilingual


def test_utf16_page(tmp_path: Path) -> None:
    src = page(tmp_path, "<html><body><p>Déjà vu</p></body></html>\n", encoding="utf-16")
    doc = read_document(src, "fr")
    assert [b.parts for b in doc.blocks] == [("Déjà vu",)]
    write_document(doc, {0: "Ya visto"}, tmp_path / "out.html", context(src))
    assert "<p>Ya visto</p>" in (tmp_path / "out.html").read_bytes().decode("utf-16")


def test_too_deep_pages_are_refused(tmp_path: Path) -> None:
    deep = "<div>" * 3000 + "<p>x</p>" + "</div>" * 3000
    with pytest.raises(DataFormatError, match=r"deep\.html:1: elements are nested more than "
                                              r"256 deep here.*close the unclosed tags"):
        read_document(page(tmp_path, f"<html><body>{deep}</body></html>", "deep.html"), "en")
    with pytest.raises(DataFormatError, match=r"deep\.xhtml:1: elements are nested more "
                                              r"than 256 deep here"):
        read_document(page(tmp_path, '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/'
                                     f'xhtml"><body>{deep}</body></html>', "deep.xhtml"), "en")


def test_other_languages_kept_and_form_text_translated(tmp_path: Path) -> None:
    src = page(tmp_path, '<!DOCTYPE html>\n<html lang="en"><head><meta name="description" '
               'content="The page"></head><body><p>The <i lang="fr">beaux esprits</i> came.</p>'
               '<blockquote lang="de"><p>Ein Zitat</p></blockquote>'
               '<p><button aria-label="Close the window">Close</button> <input '
               'placeholder="Your name"><select><option>The first</option></select></p>'
               '<noscript><p>Enable JavaScript.</p></noscript></body></html>\n')
    doc = read_document(src, "en")
    assert [(b.kind, b.parts) for b in doc.blocks] == [
        ("attribute", ("The page",)),
        ("paragraph", ('The <i lang="fr">beaux esprits</i> came.',)),
        ("paragraph", ('<button aria-label="Close the window">Close</button> '
                       '<input placeholder="Your name"/><select/>',)),
        ("attribute", ("Close the window",)), ("attribute", ("Your name",)),
        ("label", ("The first",)), ("paragraph", ("Enable JavaScript.",))]
    texts = {i: shout(s.text) for i, s in enumerate(doc.segments)}
    write_document(doc, texts, tmp_path / "out.html", context(src, src_lang="en"))
    assert (tmp_path / "out.html").read_text() == (
        '<!DOCTYPE html>\n<html lang="es"><head><meta name="description" content="THE PAGE">'
        '</head><body><p>THE <i lang="fr">beaux esprits</i> CAME.</p>'
        '<blockquote lang="de"><p>Ein Zitat</p></blockquote>'
        '<p><button aria-label="CLOSE THE WINDOW">CLOSE</button> <input '
        'placeholder="YOUR NAME"><select><option>THE FIRST</option></select></p>'
        '<noscript><p>ENABLE JAVASCRIPT.</p></noscript></body></html>\n')
