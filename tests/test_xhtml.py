"""The (X)HTML tree walker: blocks in reading order, parts with inline tags, the splice back
(robust to anything an engine writes), the structure invariant and the bilingual pairs."""

from __future__ import annotations

import copy
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from corpora.xhtml import (
    BILINGUAL_CSS,
    XML_LANG,
    put_blocks,
    resolve_entities,
    set_language,
    tree_blocks,
)
from diglot.errors import DataFormatError
from tests.conftest import SHARED, needs_shared

X = "http://www.w3.org/1999/xhtml"
EPUB = SHARED / "epub" / "communist-manifesto.en.epub"

PAGE = f"""<html xmlns="{X}" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="en">
<head><title>The  Manifesto &amp; more</title><style>p {{ color: red }}</style></head>
<body>
<section id="s1">
<h2 id="h">A <em>spectre</em></h2>
<p>The history<a href="#n1" id="r1" epub:type="noteref">1</a> of <code>all &lt; hitherto</code>
  society.<br/>Second <img src="x.png" alt="a picture"/> line.</p>
<ul><li>Item one
<ul><li>Sub <b>bold</b></li></ul>
tail text</li></ul>
<pre>keep   me</pre>
<blockquote>Quoted <i>here</i>.<p>Quoted para</p></blockquote>
<table><caption>Table title</caption><tr><td>Cell</td><th title="tip">Head</th></tr></table>
<p translate="no">Do not touch</p>
<div>Loose <span class="notranslate">Brand</span> text</div>
<ol><li id="n1" epub:type="endnote"><p>Note text. <a href="#r1" epub:type="backlink">↩</a></p>
</li></ol>
</section>
</body></html>"""

EXPECTED = [
    ("title", 0, ("The Manifesto &amp; more",)),
    ("heading", 2, ("A <em>spectre</em>",)),
    ("paragraph", 0, ('The history<a href="#n1" id="r1" epub:type="noteref">1</a> of '
                      "<code>all &lt; hitherto</code> society.",
                      'Second <img src="x.png" alt="a picture"/> line.')),
    ("attribute", 0, ("a picture",)),
    ("list_item", 1, ("Item one",)),
    ("list_item", 2, ("Sub <b>bold</b>",)),
    ("list_item", 1, ("tail text",)),
    ("quote", 1, ("Quoted <i>here</i>.",)),
    ("quote", 1, ("Quoted para",)),
    ("caption", 0, ("Table title",)),
    ("cell", 0, ("Cell",)),
    ("attribute", 0, ("tip",)),
    ("cell", 0, ("Head",)),
    ("paragraph", 0, ('Loose <span class="notranslate">Brand</span> text',)),
    ("note", 0, ('Note text. <a href="#r1" epub:type="backlink">↩</a>',)),
]

_PIECE = re.compile(r"(<[^>]*>|&#?\w+;)")


def shout(part: str) -> str:
    """A word-changing engine: text outside tags and entities in capitals."""
    return "".join(p if _PIECE.fullmatch(p) else p.upper() for p in _PIECE.split(part))


def parse(text: str) -> etree._Element:
    return etree.fromstring(text.encode())


def out(root: etree._Element) -> str:
    return etree.tostring(root, encoding="unicode")


def shape(root: etree._Element, skip_attrs: frozenset[str] = frozenset({"alt", "title"})
          ) -> list[tuple[str, list[tuple[str, str]]]]:
    """The tree without its text: each node's tag and attributes, in document order."""
    return [(str(el.tag), [(k, v) for k, v in el.attrib.items() if k not in skip_attrs])
            for el in root.iter()]


def test_blocks_in_reading_order() -> None:
    blocks = tree_blocks(parse(PAGE), file="OEBPS/c1.xhtml")
    assert [(b.kind, b.level, b.parts) for b in blocks] == EXPECTED
    assert {b.file for b in blocks} == {"OEBPS/c1.xhtml"}
    assert blocks[1].start == 4 and blocks[1].end == 5  # <h2> on line 5


def test_translated_parts_in_place() -> None:
    root = parse(PAGE)
    put_blocks(root, [tuple(shout(p) for p in b.parts) for b in tree_blocks(root)])
    text = out(root)
    assert "<title>THE MANIFESTO &amp; MORE</title>" in text
    assert '<h2 id="h">A <em>SPECTRE</em></h2>' in text
    assert ('<p>THE HISTORY<a href="#n1" id="r1" epub:type="noteref">1</a> OF '
            "<code>all &lt; hitherto</code> SOCIETY.<br/>SECOND "
            '<img src="x.png" alt="A PICTURE"/> LINE.</p>') in text
    assert "<li>ITEM ONE\n<ul><li>SUB <b>BOLD</b></li></ul>\nTAIL TEXT</li>" in text
    assert "<pre>keep   me</pre>" in text
    assert "<blockquote>QUOTED <i>HERE</i>.<p>QUOTED PARA</p></blockquote>" in text
    assert '<td>CELL</td><th title="TIP">HEAD</th>' in text
    assert '<p translate="no">Do not touch</p>' in text
    assert '<div>LOOSE <span class="notranslate">Brand</span> TEXT</div>' in text
    assert "<style>p { color: red }</style>" in text


def test_structure_invariant_and_round_trip() -> None:
    root = parse(PAGE)
    put_blocks(root, [tuple(shout(p) for p in b.parts) for b in tree_blocks(root)])
    assert shape(root) == shape(parse(PAGE))
    same = parse(PAGE)
    put_blocks(same, [b.parts for b in tree_blocks(same)])
    assert out(same) == out(parse(PAGE))  # untranslated: not a byte moves


def test_verbatim_comes_back_from_the_source() -> None:
    root = parse(f'<p xmlns="{X}">Run <code>ls -l</code> and <kbd>q</kbd>.</p>')
    put_blocks(root, [("Lance <code>LS</code> y <kbd>Q</kbd>.",)])
    assert out(root) == f'<p xmlns="{X}">Lance <code>ls -l</code> y <kbd>q</kbd>.</p>'


def test_mixed_content_each_run_in_its_place() -> None:
    root = parse(f"<div xmlns='{X}'>Intro <b>one</b>.<p>Para</p>Middle<p>Two</p> End. </div>")
    blocks = tree_blocks(root)
    assert [b.parts for b in blocks] == [("Intro <b>one</b>.",), ("Para",), ("Middle",),
                                         ("Two",), ("End.",)]
    put_blocks(root, [("Intro <b>uno</b>.",), ("Párrafo",), ("Medio",), ("Dos",), ("Fin.",)])
    assert out(root) == (f'<div xmlns="{X}">Intro <b>uno</b>.<p>Párrafo</p>Medio<p>Dos</p>'
                         " Fin. </div>")


def test_whitespace_collapsed_in_parts_kept_around_runs() -> None:
    root = parse(f"<p xmlns='{X}'>\n   Two\n\tlines   <em>of\n text</em>  \n</p>")
    assert tree_blocks(root)[0].parts == ("Two lines <em>of text</em>",)
    put_blocks(root, [("Dos líneas <em>de texto</em>",)])
    assert out(root) == f'<p xmlns="{X}">\n   Dos líneas <em>de texto</em>  \n</p>'


def test_people_attributes() -> None:
    root = parse(f'<div xmlns="{X}" title="A box"><p><abbr title="for example">e.g.</abbr> '
                 'see <img src="m.png" alt="A map"/> <img src="d.png" alt=""/></p></div>')
    blocks = tree_blocks(root)
    assert [(b.kind, b.parts) for b in blocks] == [
        ("attribute", ("A box",)),
        ("paragraph", ('<abbr title="for example">e.g.</abbr> see <img src="m.png" '
                       'alt="A map"/> <img src="d.png" alt=""/>',)),
        ("attribute", ("for example",)), ("attribute", ("A map",))]
    put_blocks(root, [("Una caja",), blocks[1].parts, ("por <b>ejemplo</b> &amp; más",),
                      ("Un mapa",)])
    assert root.get("title") == "Una caja"
    assert root[0][0].get("title") == "por ejemplo & más"
    assert root[0][1].get("alt") == "Un mapa"


def test_aria_label() -> None:
    root = parse(f'<nav xmlns="{X}" aria-label="Table of contents"><a href="#c1">One</a></nav>')
    assert [(b.kind, b.parts) for b in tree_blocks(root)] == [
        ("attribute", ("Table of contents",)), ("paragraph", ('<a href="#c1">One</a>',))]
    put_blocks(root, [("Índice",), ('<a href="#c1">Uno</a>',)])
    assert out(root) == f'<nav xmlns="{X}" aria-label="Índice"><a href="#c1">Uno</a></nav>'


def test_untouched_elements() -> None:
    page = (f'<body xmlns="{X}"><script>var a = "<p>x</p>";</script><svg><text>Hi</text>'
            "</svg><math><mi>x</mi></math><template><p>Tpl</p></template>"
            '<div class="notranslate"><p>Kept</p></div><p>Only this</p></body>')
    assert [b.parts for b in tree_blocks(parse(page))] == [("Only this",)]


def test_mediawiki_chrome_is_verbatim() -> None:
    page = ('<div class="mw-parser-output"><h2><span class="mw-headline" id="Histoire">'
            'Histoire</span><span class="mw-editsection"><span class="mw-editsection-bracket">'
            '[</span><a href="/w/index.php?action=edit" title="Modifier la section">modifier'
            '</a><span class="mw-editsection-bracket">]</span></span></h2>'
            '<p>Texte<sup id="cite_ref-1" class="reference"><a href="#cite_note-1">[1]</a>'
            '</sup>.</p><ol class="references"><li id="cite_note-1"><span '
            'class="mw-cite-backlink"><a href="#cite_ref-1">↑</a></span> <span '
            'class="reference-text">Une note.</span></li></ol></div>')
    blocks = tree_blocks(etree.fromstring(page))
    assert [(b.kind, b.level) for b in blocks] == [("heading", 2), ("paragraph", 0),
                                                   ("note", 0)]
    assert blocks[0].parts == ('<span class="mw-headline" id="Histoire">Histoire</span>'
                               '<span class="mw-editsection"/>',)  # chrome: no words to send
    assert blocks[2].parts == ('<span class="mw-cite-backlink"/> <span class="reference-text">'
                               "Une note.</span>",)
    root = etree.fromstring(page)
    put_blocks(root, [('<span class="mw-headline" id="Histoire">Historia</span>'
                       '<span class="mw-editsection"/>',),
                      blocks[1].parts,
                      ('<span class="mw-cite-backlink"/> <span class="reference-text">Una '
                       "nota.</span>",)])
    assert etree.tostring(root[0], encoding="unicode") == page[page.index("<h2>"):page.index(
        "</h2>") + 5].replace(">Histoire<", ">Historia<", 1)
    assert etree.tostring(root[2][0], encoding="unicode") == (
        '<li id="cite_note-1"><span class="mw-cite-backlink"><a href="#cite_ref-1">↑</a></span>'
        ' <span class="reference-text">Una nota.</span></li>')


def test_changed_tree_is_refused() -> None:
    with pytest.raises(DataFormatError, match=r"c1\.xhtml: changed since it was read"):
        put_blocks(parse(PAGE), [("x",)], file="c1.xhtml")


def test_splice_survives_engine_damage() -> None:
    source = f'<p xmlns="{X}">A <a href="#x"><em>b</em> c</a> <code>d</code> e</p>'
    cases = {
        "bare & and < and <b>x</b> </em></a>": "bare &amp; and &lt; and x ",
        "<em>A</em> <em>B</em> <code>CHANGED</code>": "<em>A</em> B <code>d</code>",
        '<a href="#x">only a': '<a href="#x">only a</a>',
        "": "",
        "<em>x</a></em>": "<em>x</em>",
    }
    for part, start in cases.items():
        root = parse(source)
        put_blocks(root, [(part,)])
        text = out(root)
        assert text.startswith(f'<p xmlns="{X}">{start}'), (part, text)
        assert shape(root) != [] and Counter(el.tag for el in root.iter()) == \
            Counter(el.tag for el in parse(source).iter())


def test_bilingual_pairs() -> None:
    root = parse(f'<body xmlns="{X}"><h1 id="t">Title</h1><p id="p1">One <a href="#t" '
                 'id="a1">link</a>.</p><ul><li id="l1">Item<ul><li>Sub</li></ul></li></ul>'
                 '<hgroup><h2>I</h2><p>Sub title</p></hgroup></body>')
    blocks = tree_blocks(root)
    put_blocks(root, [tuple(shout(p) for p in b.parts) for b in blocks],
               edition="bilingual", src_lang="en", tgt_lang="es")
    assert out(root) == (
        f'<body xmlns="{X}">'
        '<div class="diglot-pair"><h1 class="diglot-source" xml:lang="en" role="presentation">'
        'Title</h1>'
        '<h1 id="t" class="diglot-target" xml:lang="es">TITLE</h1></div>'
        '<div class="diglot-pair"><p class="diglot-source" xml:lang="en">One <a href="#t">'
        'link</a>.</p><p id="p1" class="diglot-target" xml:lang="es">ONE <a href="#t" '
        'id="a1">LINK</a>.</p></div>'
        '<ul><li id="l1"><span class="diglot-pair"><span class="diglot-source" '
        'xml:lang="en">Item</span> <span class="diglot-target" xml:lang="es">ITEM</span>'
        '</span><ul><li><span class="diglot-pair"><span class="diglot-source" xml:lang="en">'
        'Sub</span> <span class="diglot-target" xml:lang="es">SUB</span></span></li></ul>'
        "</li></ul>"
        '<hgroup><h2 class="diglot-source" xml:lang="en" role="presentation">I</h2>'
        '<h2 class="diglot-target" '
        'xml:lang="es">I</h2><p class="diglot-source" xml:lang="en">Sub title</p>'
        '<p class="diglot-target" xml:lang="es">SUB TITLE</p></hgroup></body>')


def test_bilingual_plain_html_uses_lang() -> None:
    import lxml.html

    root = lxml.html.fragment_fromstring("<div><p>Hello</p></div>")
    put_blocks(root, [("Hola",)], edition="bilingual", src_lang="en", tgt_lang="es")
    assert lxml.html.tostring(root, encoding="unicode") == (
        '<div><div class="diglot-pair"><p class="diglot-source" lang="en">Hello</p>'
        '<p class="diglot-target" lang="es">Hola</p></div></div>')
    assert "grid-template-columns" in BILINGUAL_CSS and ".diglot-source" in BILINGUAL_CSS


def test_set_language() -> None:
    root = parse(f'<html xmlns="{X}" xml:lang="en" lang="en"><body xml:lang="en"/></html>')
    set_language(root, "es")
    assert (root.get(XML_LANG), root.get("lang"), root[0].get(XML_LANG)) == ("es", "es", "es")
    bare = parse(f'<html xmlns="{X}"><body/></html>')
    set_language(bare, "de")
    assert bare.get(XML_LANG) == "de" and bare.get("lang") is None
    import lxml.html

    page = lxml.html.document_fromstring("<html><body><p>x</p></body></html>")
    set_language(page, "fr")
    assert page.get("lang") == "fr"
    wiki = lxml.html.document_fromstring(
        '<html><body><div lang="fr-FR"><p>Texte <i lang="la">mutatis</i></p><div '
        'class="diglot-source" lang="fr"><p lang="fr">x</p></div><code lang="fr">x</code>'
        "</div></body></html>")
    set_language(wiki, "es", source="fr")
    assert [(e.tag, e.get("lang")) for e in wiki.iter() if e.get("lang")] == [
        ("html", "es"), ("div", "es"), ("i", "la"), ("div", "fr"), ("p", "fr"),
        ("code", "fr")]


def test_entities() -> None:
    data = (b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" "http://www.w3.org/TR/xhtml11/'
            b'DTD/xhtml11.dtd" [<!ENTITY brand "Acme">]><html xmlns="' + X.encode() +
            b'"><body><p>A&nbsp;b &brand; c</p></body></html>')
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, load_dtd=False,
                                                  no_network=True))
    resolve_entities(root)
    blocks = tree_blocks(root)
    assert blocks[0].parts == ("A\xa0b &brand; c",)
    put_blocks(root, [("X\xa0y &brand; z &amp; &foo;",)])
    assert etree.tostring(root[0][0], encoding="unicode") == \
        f'<p xmlns="{X}">X\xa0y &brand; z &amp; &amp;foo;</p>'


_TAGS = ["<em>", "</em>", "<b>", "</b>", '<a href="#x">', "</a>", "<br/>", "<code>",
         "</code>", '<img src="i.png" alt="pic"/>', "<span>", "</span>", "&", "<", "&amp;",
         "&lt;", "</p>", "<p>", "<!--c-->", "&#x;", "<x:y a=1>", ">", "\n"]
SOURCE = (f'<div xmlns="{X}"><p>One <em>two <b>three</b></em> <a href="#x">four</a>'
          '<br/>five <code>six</code> <img src="i.png" alt="pic"/> <span>seven</span>'
          "<!--c--></p>Tail<p>Last</p></div>")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.one_of(st.sampled_from(_TAGS), st.text(max_size=6)),
                         max_size=12).map("".join), min_size=5, max_size=5))
def test_any_translation_keeps_every_element_once(texts: list[str]) -> None:
    root = parse(SOURCE)
    before = Counter((el.tag, tuple(el.attrib.items())) for el in root.iter())
    blocks = tree_blocks(root)
    parts = [(texts[0], texts[1]), ("pic",), (texts[2],), (texts[3],)]
    assert [b.kind for b in blocks] == ["paragraph", "attribute", "paragraph", "paragraph"]
    put_blocks(root, parts, edition="bilingual" if texts[4] else "translated",
               src_lang="en", tgt_lang="es")
    if not texts[4]:
        assert Counter((el.tag, tuple(el.attrib.items())) for el in root.iter()) == before
    reparsed = etree.fromstring(etree.tostring(root))  # still well-formed
    assert reparsed is not None


def _manifesto_chapters() -> list[tuple[str, bytes]]:
    if not EPUB.is_file():
        pytest.skip("../shared/data/epub/communist-manifesto.en.epub is absent")
    with zipfile.ZipFile(EPUB) as zf:
        return [(n, zf.read(n)) for n in zf.namelist() if n.endswith(".xhtml")]


@needs_shared
def test_manifesto_structure_invariant() -> None:
    for name, data in _manifesto_chapters():
        root = etree.fromstring(data)
        blocks = tree_blocks(root, file=name)
        put_blocks(root, [tuple(shout(p) for p in b.parts) for b in blocks])
        assert shape(root) == shape(etree.fromstring(data)), name
        assert [b.kind for b in tree_blocks(root)] == [b.kind for b in blocks], name
        same = etree.fromstring(data)
        put_blocks(same, [b.parts for b in tree_blocks(same)])
        assert etree.tostring(same) == etree.tostring(etree.fromstring(data)), name


@needs_shared
def test_manifesto_bilingual_ids_unique() -> None:
    for name, data in _manifesto_chapters():
        root = etree.fromstring(data)
        source = copy.deepcopy(root)
        put_blocks(root, [tuple(shout(p) for p in b.parts) for b in tree_blocks(root)],
                   edition="bilingual", src_lang="en", tgt_lang="es")
        ids = [el.get("id") for el in root.iter() if el.get("id")]
        assert len(ids) == len(set(ids)) == len([e for e in source.iter() if e.get("id")])
        sources = [el for el in root.iter() if "diglot-source" in (el.get("class") or "")]
        targets = [el for el in root.iter() if "diglot-target" in (el.get("class") or "")]
        assert len(sources) == len(targets)
        assert all(s.get(XML_LANG) == "en" for s in sources)
        assert all(t.get(XML_LANG) == "es" for t in targets)
        for s, t in zip(sources, targets, strict=True):  # each source right before its pair
            assert s.getnext() is t, name


def test_part_path_is_used_for_file(tmp_path: Path) -> None:
    assert tree_blocks(parse(f"<p xmlns='{X}'>x</p>"), file="a/b.xhtml")[0].file == "a/b.xhtml"


def test_verse_parts_at_line_breaks() -> None:
    root = parse(f'<p xmlns="{X}"><span>First line</span><br/>\n<span class="i1">Second'
                 "</span><br/>Third</p>")
    assert tree_blocks(root)[0].parts == ("<span>First line</span>",
                                          '<span class="i1">Second</span>', "Third")
    put_blocks(root, [("<span>Uno</span>", '<span class="i1">Dos</span>', "Tres")])
    assert out(root) == (f'<p xmlns="{X}"><span>Uno</span><br/><span class="i1">Dos</span>'
                         "<br/>Tres</p>")


def test_body_metadata_and_class_names() -> None:
    root = parse(f'<div xmlns="{X}"><p>One<link rel="mw:PageProp/x" href="y"/> two</p>'
                 '<p class="reference">A book, 1848.</p></div>')
    assert [b.parts for b in tree_blocks(root)] == [
        ('One<link rel="mw:PageProp/x" href="y"/> two',), ("A book, 1848.",)]


def test_bilingual_fragment_root() -> None:
    root = parse("<p>Hello <b>you</b></p>")  # no parent to hold the source's copy
    put_blocks(root, [("Hola <b>tú</b>",)], edition="bilingual", src_lang="en",
               tgt_lang="es")
    assert out(root) == (
        '<p><span class="diglot-pair"><span class="diglot-source" lang="en">Hello <b>you</b>'
        '</span> <span class="diglot-target" lang="es">Hola <b>tú</b></span></span></p>')


def test_roman_numerals_are_kept() -> None:
    root = parse(f'<section xmlns="{X}" xmlns:epub="http://www.idpf.org/2007/ops"><hgroup>'
                 '<h2 epub:type="z3998:ordinal z3998:roman">I</h2><p>Title</p></hgroup>'
                 '<p>Chapter <span epub:type="z3998:roman">IV</span> begins.</p></section>')
    assert [b.parts for b in tree_blocks(root)] == [
        ("Title",), ('Chapter <span epub:type="z3998:roman">IV</span> begins.',)]


_HTML_BITS = ["<p>", "</p>", "<div>", "</div>", "<li>", "<ul>", "</ul>", "<em>", "</em>",
              "<a href='#a' title='t x'>", "</a>", "<br>", "<img alt='a b' src=i>", "<code>",
              "</code>", "<pre>", "</pre>", "<h2>", "</h2>", "<td>", "<table>", "<blockquote>",
              "<span class=notranslate>", "</span>", "<!-- c -->", "&amp;", "&lt;", " ", "\n",
              "word", "Two words", "é", "<sup class=reference>[1]</sup>", "<script>x<y</script>"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_HTML_BITS), max_size=40).map("".join))
def test_any_page_walks_and_splices_back(body: str) -> None:
    import lxml.html

    def page() -> etree._Element:
        return lxml.html.document_fromstring(f"<html><body>{body}</body></html>")

    root = page()
    blocks = tree_blocks(root)
    put_blocks(root, [tuple(shout(p) for p in b.parts) for b in blocks])
    assert shape(root) == shape(page())
    assert [b.kind for b in tree_blocks(root)] == [b.kind for b in blocks]
    def again(parts: tuple[str, ...]) -> tuple[str, ...]:  # people's attributes translated
        return tuple(re.sub(r' (alt|title)="[^"]*"', "", shout(p)) for p in parts)

    assert [again(b.parts) for b in tree_blocks(root)] == [again(b.parts) for b in blocks]
    same = page()
    put_blocks(same, [b.parts for b in tree_blocks(same)])
    assert lxml.html.tostring(same) == lxml.html.tostring(page())
    bilingual = page()
    put_blocks(bilingual, [b.parts for b in tree_blocks(bilingual)], edition="bilingual",
               src_lang="en", tgt_lang="es")
    ids = [e.get("id") for e in bilingual.iter() if isinstance(e.tag, str) and e.get("id")]
    assert len(ids) == len(set(ids))


def test_lost_element_returns_at_the_end_of_its_own_part() -> None:
    root = parse(f'<p xmlns="{X}">One<a id="x"/> two<br/>three <b>four</b></p>')
    assert tree_blocks(root)[0].parts == ('One<a id="x"/> two', "three <b>four</b>")
    put_blocks(root, [("Uno dos", "tres cuatro")])
    assert out(root) == f'<p xmlns="{X}">Uno dos <a id="x"/><br/>tres cuatro <b>four</b></p>'


def test_nesting_past_the_stack_is_refused() -> None:
    deep = etree.fromstring(("<div>" * 2000 + "x" + "</div>" * 2000).encode(),
                            etree.XMLParser(huge_tree=True))
    with pytest.raises(DataFormatError, match=r"c\.xhtml: nests its elements too deeply"):
        tree_blocks(deep, file="c.xhtml")
    with pytest.raises(DataFormatError, match=r"c\.xhtml: nests its elements too deeply"):
        put_blocks(deep, [], file="c.xhtml")
    spans = etree.fromstring(("<p>" + "<span>x" * 2000 + "</span>" * 2000 + "</p>").encode(),
                             etree.XMLParser(huge_tree=True))
    with pytest.raises(DataFormatError, match=r"nests its elements too deeply"):
        tree_blocks(spans)


def test_inline_text_in_another_language_is_kept() -> None:
    source = (f'<p xmlns="{X}">The <i xml:lang="fr">beaux esprits</i> and <span lang="la">'
              'mutatis <b>mutandis</b></span> of <em lang="en-GB">colour</em>.</p>')
    root = parse(source)
    assert [b.parts for b in tree_blocks(root, lang="en")] == [(
        'The <i xml:lang="fr">beaux esprits</i> and <span lang="la">mutatis <b>mutandis</b>'
        '</span> of <em lang="en-GB">colour</em>.',)]
    # an engine that translated the French and Latin anyway: the source comes back
    put_blocks(root, [('Los <i xml:lang="fr">pretendientes esprits</i> y <span lang="la">'
                       'MUTADOS <b>X</b></span> del <em lang="en-GB">color</em>.',)],
               src_lang="en", tgt_lang="es")
    assert out(root) == (f'<p xmlns="{X}">Los <i xml:lang="fr">beaux esprits</i> y '
                         '<span lang="la">mutatis <b>mutandis</b></span> del '
                         '<em lang="en-GB">color</em>.</p>')
    only = parse(f'<p xmlns="{X}"><i xml:lang="fr">beaux esprits</i></p>')
    assert tree_blocks(only, lang="en") == []  # nothing of the run's language in it
    assert [b.parts for b in tree_blocks(only)] == [  # no language said: nothing is foreign
        ('<i xml:lang="fr">beaux esprits</i>',)]
    unsaid = parse(f'<p xmlns="{X}"><span lang="X-NONE">Word</span> <span lang="und">said</span>'
                   ' <span lang="mul">it</span> <span lang="zxx">x = 1</span></p>')
    assert [b.parts for b in tree_blocks(unsaid, lang="en")] == [(
        '<span lang="X-NONE">Word</span> <span lang="und">said</span> <span lang="mul">it'
        '</span> <span lang="zxx">x = 1</span>',)]
    put_blocks(unsaid, [('<span lang="X-NONE">WORD</span> <span lang="und">SAID</span> '
                         '<span lang="mul">IT</span> <span lang="zxx">X = 1</span>',)],
               src_lang="en")
    assert out(unsaid) == (f'<p xmlns="{X}"><span lang="X-NONE">WORD</span> <span lang="und">'
                           'SAID</span> <span lang="mul">IT</span> <span lang="zxx">x = 1</span>'
                           "</p>")


def test_blocks_in_another_language_are_kept() -> None:
    source = (f'<body xmlns="{X}" xml:lang="de"><p>English text.</p>'
              '<p xml:lang="fr" title="Un titre">Un paragraphe <em>français</em>.</p>'
              '<blockquote lang="de"><p>Ein Zitat.</p><p>Noch eins.</p></blockquote>'
              '<ul><li>One</li><li xml:lang="la" lang="la">Duo</li></ul>'
              '<p xml:lang="en-US">American.</p></body>')
    root = parse(source)
    assert [b.parts for b in tree_blocks(root, lang="en")] == [
        ("English text.",), ("One",), ("American.",)]  # the body's own label is not trusted
    put_blocks(root, [("Texto inglés.",), ("Uno",), ("Americano.",)], src_lang="en",
               tgt_lang="es")
    assert out(root) == (f'<body xmlns="{X}" xml:lang="de"><p>Texto inglés.</p>'
                         '<p xml:lang="fr" title="Un titre">Un paragraphe <em>français</em>.</p>'
                         '<blockquote lang="de"><p>Ein Zitat.</p><p>Noch eins.</p></blockquote>'
                         '<ul><li>Uno</li><li xml:lang="la" lang="la">Duo</li></ul>'
                         '<p xml:lang="en-US">Americano.</p></body>')
    bilingual = parse(source)
    put_blocks(bilingual, [("Texto inglés.",), ("Uno",), ("Americano.",)],
               edition="bilingual", src_lang="en", tgt_lang="es")
    assert out(bilingual).count("diglot-pair") == 3 and "Un paragraphe" in out(bilingual)


def test_form_text_and_accessible_names() -> None:
    import lxml.html

    page = ('<html lang="en"><head><title>Form</title><meta name="description" content="A '
            'form to fill in"><meta name="author" content="Ann Smith"><meta property='
            '"og:description" content="Fill it in"></head><body><form>'
            '<label for="n">Your name</label> <input id="n" placeholder="Type your name here">'
            ' <button aria-label="Close the window">Close</button>'
            '<select name="s"><optgroup label="Group one"><option>The first option</option>'
            '<option value="2" translate="no">Brand</option></optgroup></select>'
            '<textarea placeholder="Say it">Default text</textarea>'
            '<input type="submit" value="Send it"><input type="hidden" value="token">'
            '</form><noscript><p>Please enable JavaScript.</p></noscript></body></html>')
    root = lxml.html.document_fromstring(page)
    blocks = tree_blocks(root, lang="en")
    assert [(b.kind, b.parts) for b in blocks] == [
        ("title", ("Form",)),
        ("attribute", ("A form to fill in",)),
        ("attribute", ("Fill it in",)),
        ("paragraph", ('<label for="n">Your name</label> <input id="n" placeholder="Type '
                       'your name here"/> <button aria-label="Close the window">Close</button>'
                       '<select name="s"/><textarea placeholder="Say it">Default text'
                       '</textarea><input type="submit" value="Send it"/><input '
                       'type="hidden" value="token"/>',)),
        ("attribute", ("Type your name here",)),
        ("attribute", ("Close the window",)),
        ("attribute", ("Group one",)),
        ("label", ("The first option",)),
        ("attribute", ("Say it",)),
        ("attribute", ("Send it",)),
        ("paragraph", ("Please enable JavaScript.",)),
    ]
    put_blocks(root, [tuple(shout(p) for p in b.parts) for b in blocks], src_lang="en",
               tgt_lang="es")
    assert lxml.html.tostring(root, encoding="unicode") == (
        '<html lang="en"><head><title>FORM</title><meta name="description" content="A FORM TO '
        'FILL IN"><meta name="author" content="Ann Smith"><meta property="og:description" '
        'content="FILL IT IN"></head><body><form>'
        '<label for="n">YOUR NAME</label> <input id="n" placeholder="TYPE YOUR NAME HERE">'
        ' <button aria-label="CLOSE THE WINDOW">CLOSE</button>'
        '<select name="s"><optgroup label="GROUP ONE"><option>THE FIRST OPTION</option>'
        '<option value="2" translate="no">Brand</option></optgroup></select>'
        '<textarea placeholder="SAY IT">Default text</textarea>'
        '<input type="submit" value="SEND IT"><input type="hidden" value="token">'
        '</form><noscript><p>PLEASE ENABLE JAVASCRIPT.</p></noscript></body></html>')


def test_bilingual_option_gets_the_translation_alone() -> None:
    import lxml.html

    root = lxml.html.fragment_fromstring(
        '<form><select><option>Yes</option></select><button>Send</button></form>')
    put_blocks(root, [("<select/><button>Enviar</button>",), ("Sí",)], edition="bilingual",
               src_lang="en", tgt_lang="es")
    assert lxml.html.tostring(root, encoding="unicode") == (
        '<form><span class="diglot-pair"><span class="diglot-source" lang="en"><select>'
        '<option>Yes</option></select><button>Send</button></span> <span class="diglot-target" '
        'lang="es"><select><option>Sí</option></select><button>Enviar</button></span></span>'
        "</form>")


def test_bilingual_heading_copy_has_no_role_under_an_xhtml_1_doctype() -> None:
    """EPUB 2's XHTML 1.1 has no ``role`` (EPUBCheck refuses it): the copy stays a plain
    heading there."""
    doctype = ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" '
               '"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">')
    root = etree.fromstring(f'{doctype}<html xmlns="{X}"><body><h1>Title</h1></body></html>',
                            etree.XMLParser(load_dtd=False, no_network=True))
    put_blocks(root, [("Título",)], edition="bilingual", src_lang="en", tgt_lang="es")
    assert out(root) == (f'<html xmlns="{X}"><body><div class="diglot-pair"><h1 '
                         'class="diglot-source" xml:lang="en">Title</h1><h1 class="diglot-target" '
                         'xml:lang="es">Título</h1></div></body></html>')


def test_options_kept_or_in_another_language_are_not_blocks() -> None:
    import lxml.html

    root = lxml.html.fragment_fromstring(
        '<form><select><optgroup lang="fr" label="Groupe"><option>Un</option></optgroup>'
        '<optgroup translate="no"><option>Brand</option></optgroup><option lang="de">Eins'
        '</option><option>One</option></select></form>')
    assert [(b.kind, b.parts) for b in tree_blocks(root, lang="en")] == [("label", ("One",))]
