"""TMX 1.4b: our files validate (xmllint + the LISA DTD), open in Translate Toolkit, keep level 2
Markdown and every provenance field through a round trip; other tools' TMX reads as confirmed
human pairs; bad and hostile files are refused by file and line, or skipped and counted."""

from __future__ import annotations

import collections
import http.server
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from corpora.pairs import DocumentMeta, ExportHeader, Pair
from corpora.tmx import tmx_date, write_tmx
from corpora.tmx_inline import segment_items, segment_text, segment_xml
from corpora.tmx_read import read_tmx
from diglot.errors import DataFormatError
from tests.conftest import SHARED
from tests.ttk import read_with_ttk

DTD = SHARED / "standards" / "tmx14.dtd"

DOC = DocumentMeta("ensayo.es.md", "El trabajo y la lengua", ("Ana Pérez", "Bo Li"),
                   "https://example.org/ensayo", "CC-BY-SA-4.0", "CC-BY-SA-4.0",
                   "Ana Pérez & Bo Li, «Ensayo» <CC BY-SA>")
OTHER = DocumentMeta("notas.es.md", "Notas", (), None, "CC0-1.0")
HEADER = ExportHeader("es", "en", (DOC,), "CC-BY-SA-4.0", DOC.attribution or "", "0.9.0",
                      "2026-11-30T08:05:13.000+00:00")

#: Inline Markdown a level 2 writer must carry through unchanged.
MARKDOWN = [
    "Un *espectro* recorre **Europa**: el ~~fantasma~~ del _comunismo_.",
    "Véase [la guía (rápida)](https://ex.org/a_(b) \"Título\") y <https://ex.org>.",
    "Una imagen ![alt con *énfasis*](img/a.png) y `código *no*` con $x^2$ y \\(y\\).",
    "HTML <b>negrita <i>anidada</i></b>, <br> suelto, &amp; &eacute; &#233; y \\*escapado\\*.",
    "Anidado: ***muy*** [**fuerte** y `code`](u) <span class=\"x\">y</span> 5 $ y 6 $.",
    "Un salto\r\nde línea\ty  dos espacios, < y > y & sueltos, \"comillas\" 'simples'.",
    "[texto][ref] y [corto] y *sin cerrar y `sin cerrar.",
    "Precio: 5 $ y 10 €, 3 < 4 > 2 && x_y_z snake_case.",
]


def pair(n: int, **kw: object) -> Pair:
    values: dict[str, object] = dict(
        id=f"ensayo.es.md:{n}", document=DOC, src_lang="es", tgt_lang="en",
        source=MARKDOWN[n % len(MARKDOWN)], target=f"Target *{n}* [t](u) «ü» & <i>i</i>.",
        section="El trabajo", paragraph=n // 2, sentences=(n, n + 1), target_sentences=(n,),
        align_method="vecalign", align_score=0.1 + n / 7, engine="apertium", model="es-en",
        engine_version="apertium 3.8.3", decoding='{"beams": 4}', glossary_version="g3",
        status="edited", reviewers=("ana", "Bo Li"), created_by="apertium/es-en",
        created_at="2026-11-30T08:05:13.123+00:00", changed_by="Bo Li",
        changed_at="2026-12-01T10:00:00.000+00:00", flags=("numbers:error", "length:warning"),
        note="retried with a fallback engine")
    values.update(kw)
    return Pair(**values)  # type: ignore[arg-type]


def pairs() -> list[Pair]:
    return [
        pair(0), pair(1, status="confirmed"), pair(2, status="machine", reviewers=(),
                                                   changed_by=None, changed_at=None),
        pair(3, align_score=None, model=None, engine_version=None, glossary_version=None,
             note=None, flags=(), section="", paragraph=0, decoding="{}", created_by="",
             created_at=""),
        pair(4, document=OTHER, engine="human", align_method="review"),
        pair(5, document=replace(DOC, title="Another title"), src_lang="es-ES",
             tgt_lang="en-GB"),
        *(pair(n) for n in range(6, len(MARKDOWN))),
    ]


def read(path: Path, src: str = "es", tgt: str = "en", **kw: object) -> list[Pair]:
    return list(read_tmx(path, src, tgt, **kw))  # type: ignore[arg-type]


# --- validity and real clients --------------------------------------------------------------

@pytest.mark.parametrize("plain", [False, True])
def test_validates_against_the_tmx14_dtd(tmp_path: Path, plain: bool) -> None:
    if not DTD.is_file():
        pytest.skip(f"the TMX 1.4b DTD is absent ({DTD}): ../shared/data is in CI only")
    if shutil.which("xmllint") is None:
        pytest.skip("xmllint is not installed (apt-get install libxml2-utils)")
    out = tmp_path / "a.tmx"
    assert write_tmx(pairs(), out, HEADER, plain=plain) == len(MARKDOWN)
    done = subprocess.run(["xmllint", "--nonet", "--noout", "--dtdvalid", str(DTD), str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    tree = etree.parse(str(out))
    header = tree.find("header")
    assert header is not None
    assert header.get("datatype") == ("plaintext" if plain else "markdown")
    assert header.get("creationtool") == "diglot" and header.get("srclang") == "es"
    assert tree.find("body/tu/tuv/seg/bpt") is None if plain else not None


@pytest.mark.parametrize("plain", [False, True])
def test_translate_toolkit_reads_the_same_units(tmp_path: Path, plain: bool) -> None:
    out = tmp_path / "a.tmx"
    written = pairs()
    write_tmx(written, out, HEADER, plain=plain)
    got = read_with_ttk(out)
    assert got["class"] == "tmxfile"
    assert got["source_lang"] == "es"
    assert [(u["id"], u["source"], u["target"]) for u in got["units"]] == [
        (p.id, p.source, p.target) for p in written]


# --- level 2 inline markup ------------------------------------------------------------------

def test_markdown_becomes_bpt_ept_ph() -> None:
    xml = segment_xml("Un *espectro* y [Europa](http://e.u) con `x` &amp; <b>y</b>")
    assert xml == ('Un <bpt i="1" type="italic">*</bpt>espectro<ept i="1">*</ept> y '
                   '<bpt i="2" type="link">[</bpt>Europa<ept i="2">](http://e.u)</ept> con '
                   '<ph type="x-code">`x`</ph> <ph type="x-entity">&amp;amp;</ph> '
                   '<bpt i="3" type="x-html">&lt;b&gt;</bpt>y<ept i="3">&lt;/b&gt;</ept>')
    assert segment_xml("Un *espectro*", plain=True) == "Un *espectro*"


@pytest.mark.parametrize("text", MARKDOWN)
def test_level2_round_trip_is_exact(tmp_path: Path, text: str) -> None:
    seg = etree.fromstring(f"<seg>{segment_xml(text)}</seg>".encode())
    assert segment_text(seg) == text
    opened = [e.get("i") for e in seg.iter("bpt")]
    assert opened == [e.get("i") for e in seg.iter("ept")] or sorted(opened) == sorted(
        e.get("i") for e in seg.iter("ept"))  # every bpt has its ept
    out = tmp_path / "a.tmx"
    write_tmx([pair(0, source=text, target=text)], out, HEADER)
    assert [(p.source, p.target) for p in read(out)] == [(text, text)]


def test_image_alt_text_is_scanned_on_its_own() -> None:
    items = segment_items("![un *gato*](g.png)")
    assert [(tag, text) for tag, text, _ in items] == [
        ("bpt", "!["), (None, "un "), ("bpt", "*"), (None, "gato"), ("ept", "*"),
        ("ept", "](g.png)")]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"ab *_~[]()!<>/&;#`$\\\r\n\tx:.é", "<b>", "</b>",
                                  "&amp;", "](u)", "<br>"])).map("".join))
def test_any_text_survives_level2(text: str) -> None:
    seg = etree.fromstring(f"<seg>{segment_xml(text)}</seg>".encode())
    assert segment_text(seg) == text


# --- provenance round trip ------------------------------------------------------------------

def test_write_then_read_gives_equal_pairs(tmp_path: Path) -> None:
    out = tmp_path / "a.tmx"
    written = pairs()
    write_tmx(iter(written), out, HEADER)
    back = read(out)
    for mine, theirs in zip(written, back, strict=True):
        assert theirs == mine
    assert back[0].document is back[1].document  # one record per document


def test_export_import_export_is_byte_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "1.tmx", tmp_path / "2.tmx"
    write_tmx(pairs(), first, HEADER)
    write_tmx(read(first), second, HEADER)
    assert first.read_bytes() == second.read_bytes()


def test_header_and_units_carry_licence_attribution_and_dates(tmp_path: Path) -> None:
    out = tmp_path / "a.tmx"
    write_tmx([pair(0)], out, HEADER)
    tree = etree.parse(str(out))
    props = {p.get("type"): p.text for p in tree.iterfind("header/prop")}
    assert props["x-license"] == "CC-BY-SA-4.0"
    assert props["x-attribution"] == DOC.attribution
    assert '"title": "El trabajo y la lengua"' in (props["x-document"] or "")
    tu = tree.find("body/tu")
    assert tu is not None
    assert (tu.get("tuid"), tu.get("creationid"), tu.get("creationdate"), tu.get("changeid"),
            tu.get("changedate")) == ("ensayo.es.md:0", "apertium/es-en", "20261130T080513Z",
                                      "Bo Li", "20261201T100000Z")
    tu_props = {p.get("type"): p.text for p in tu.iterfind("prop")}
    assert tu_props["x-reviewers"] == '["ana", "Bo Li"]'
    assert tu_props["x-status"] == "edited" and tu_props["x-align_score"] == "0.1"
    assert tu.findtext("note") == "retried with a fallback engine"
    assert [t.get("{http://www.w3.org/XML/1998/namespace}lang")
            for t in tu.iterfind("tuv")] == ["es", "en"]


def test_tmx_dates() -> None:
    assert tmx_date("2026-11-30T08:05:13.123+00:00") == "20261130T080513Z"
    assert tmx_date("2026-11-30T09:05:13+01:00") == "20261130T080513Z"
    assert tmx_date("yesterday") is None and tmx_date("") is None


def test_a_killed_export_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "a.tmx"

    def dying() -> Iterator[Pair]:
        yield pair(0)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_tmx(dying(), out, HEADER)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("change", [
    {"target": "form\x0cfeed"}, {"section": "Cap\x0bítulo"}, {"note": "nul\x00"},
    {"document": replace(DOC, name="a\x01.md")}, {"created_by": "ana\x1f"}])
def test_control_characters_are_refused_by_pair(tmp_path: Path, change: dict) -> None:
    out = tmp_path / "a.tmx"
    with pytest.raises(DataFormatError, match=r"a\.tmx: pair ensayo\.es\.md:0 holds U\+00[01]"
                                              r"[0-9A-F], which XML cannot; remove it"):
        write_tmx([pair(1), pair(0, **change)], out, HEADER)
    assert list(tmp_path.iterdir()) == []


# --- other tools' TMX -----------------------------------------------------------------------

THIRD_PARTY = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE tmx SYSTEM "tmx14.dtd">
<tmx version="1.4">
  <header creationtool="OmegaT" creationtoolversion="6" segtype="sentence" o-tmf="OmegaT"
          adminlang="EN-US" srclang="FR-FR" datatype="plaintext"/>
  <body>
    <tu tuid="7" creationid="marie" creationdate="20240102T030405Z" changeid="paul"
        changedate="20240506T070809Z">
      <prop type="x-context">ctx</prop>
      <tuv xml:lang="fr-FR"><seg>Le <bpt i="1" x="1">&lt;f0&gt;</bpt>chat<ept
        i="1">&lt;/f0&gt;</ept> dort.</seg></tuv>
      <tuv xml:lang="de-DE"><seg>Die Katze schläft.</seg></tuv>
      <tuv xml:lang="en-GB"><seg>The <bpt i="1" x="1">&lt;f0&gt;</bpt>cat<ept
        i="1">&lt;/f0&gt;</ept> sleeps.</seg></tuv>
    </tu>
    <tu datatype="html">
      <tuv lang="FR"><seg>Un <bpt i="1">&lt;b&gt;</bpt>mot<ept i="1">&lt;/b&gt;</ept><ph
        >&lt;br/&gt;</ph></seg></tuv>
      <tuv lang="EN"><seg>A <bpt i="1">&lt;b&gt;</bpt>word<ept i="1">&lt;/b&gt;</ept><ph
        >&lt;br/&gt;</ph></seg></tuv>
    </tu>
    <tu>
      <tuv xml:lang="fr"><seg>Voir <hi type="x-em">ceci <ph>{1}</ph></hi> et <ut>{\\b}</ut>là<it
        pos="end">&lt;/a&gt;</it>.</seg></tuv>
      <tuv xml:lang="en"><seg>See <hi>this <ph x="1">{1}<sub>note</sub></ph></hi> and <ut
        >{\\b}</ut>there.</seg></tuv>
    </tu>
  </body>
</tmx>
"""


def test_other_tools_tmx_reads_as_confirmed_human_pairs(tmp_path: Path) -> None:
    path = tmp_path / "omegat.tmx"
    path.write_text(THIRD_PARTY, encoding="utf-8")
    got = read(path, "fr", "en")
    assert [(p.id, p.src_lang, p.tgt_lang, p.source, p.target) for p in got] == [
        ("omegat.tmx:0", "fr-FR", "en-GB", "Le chat dort.", "The cat sleeps."),
        ("omegat.tmx:1", "FR", "EN", "Un <b>mot</b><br/>", "A <b>word</b><br/>"),
        ("omegat.tmx:2", "fr", "en", "Voir ceci  et là.", "See this  and there.")]
    first = got[0]
    assert (first.engine, first.status, first.align_method, first.sentences) == (
        "human", "confirmed", "import", (0,))
    assert (first.created_by, first.created_at, first.changed_by, first.changed_at,
            first.reviewers) == ("marie", "2024-01-02T03:04:05.000+00:00", "paul",
                                 "2024-05-06T07:08:09.000+00:00", ("marie", "paul"))
    assert (got[1].created_by, got[1].reviewers, got[1].created_at) == ("", (), "")
    assert got[0].document == DocumentMeta("omegat.tmx")
    named = read(path, "fr", "en", document="libro.fr.md")
    assert [p.id for p in named] == ["libro.fr.md:0", "libro.fr.md:1", "libro.fr.md:2"]
    assert named[0].document.name == "libro.fr.md"


def test_translate_toolkits_own_tmx_reads(tmp_path: Path) -> None:
    path = tmp_path / "ttk.tmx"
    path.write_text("""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE tmx SYSTEM "tmx14.dtd">
<tmx version="1.4"><header creationtool="Translate Toolkit" creationtoolversion="3.19"
 segtype="sentence" o-tmf="UTF-8" adminlang="en" srclang="en" datatype="PlainText"/>
<body><tu><tuv xml:lang="en"><seg>Hello  world</seg></tuv><tuv xml:lang="fr"><seg>Bonjour
 le monde</seg></tuv></tu></body></tmx>""", encoding="utf-8")
    assert [(p.source, p.target) for p in read(path, "en", "fr")] == [
        ("Hello  world", "Bonjour\n le monde")]


def test_utf16_with_bom_reads(tmp_path: Path) -> None:
    path = tmp_path / "trados.tmx"
    path.write_bytes(THIRD_PARTY.replace("UTF-8", "UTF-16").encode("utf-16"))
    assert [p.target for p in read(path, "fr", "en")][0] == "The cat sleeps."


# --- bad and hostile input ------------------------------------------------------------------

def tmx(*units: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
            '<header creationtool="t" creationtoolversion="1" segtype="sentence" o-tmf="t" '
            'adminlang="en" srclang="fr" datatype="plaintext"/>\n<body>\n'
            + "\n".join(units) + "\n</body>\n</tmx>\n")


def tu(fr: str | None = "Bonjour", en: str | None = "Hello", lang: str = "xml:lang") -> str:
    tuvs = [f'<tuv {lang}="{code}"><seg>{text}</seg></tuv>'
            for code, text in (("fr", fr), ("en", en)) if text is not None]
    return f"<tu>{''.join(tuvs)}</tu>"


def put(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "bad.tmx"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE tmx [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<tmx version="1.4"><header srclang="fr"/><body>
<tu tuid="&lol9;"><tuv xml:lang="fr"><seg>&lol9;</seg></tuv>
<tuv xml:lang="en"><seg>x</seg></tuv></tu>
</body></tmx>
"""


@pytest.mark.parametrize(("text", "match"), [
    (BILLION_LAUGHS, r"bad\.tmx:3: the file declares XML entities \(an entity bomb or an "
                     r"external entity\?\); TMX needs none"),
    (tmx(tu(), '<tu><tuv><seg>Sans langue</seg></tuv><tuv xml:lang="en"><seg>x</seg></tuv>'
               '</tu>'),
     r"bad\.tmx:6: this tu has a <tuv> without xml:lang, so its language is unknown; fix it "
     r"or pass --skip-bad to skip such units"),
    (tmx(tu(), tu(), tu(en=None).replace("<tu>", '<tu tuid="u3">')),
     r"bad\.tmx:7: tu 'u3' has no <tuv> in 'en'; fix it or pass --skip-bad"),
    (tmx(tu(fr="  ")), r"bad\.tmx:5: this tu has an empty segment; fix it or pass --skip-bad"),
    (tmx(tu(), tu())[:-40], r"bad\.tmx:6: the XML ends too early \(.*\): the file is "
                            r"truncated; export it again"),
    (tmx(tu("Caf\xe9")).encode("latin-1"),
     r"bad\.tmx:5: the file is not UTF-8 text \(.*\); convert it to UTF-8"),
    (tmx(tu("Caf\xe9")).replace("UTF-8", "ISO-8859-1").encode("latin-1"),
     r"bad\.tmx:1: the file is in ISO-8859-1, but TMX must be UTF-8 or UTF-16; convert it "
     r"\(iconv -f ISO-8859-1 -t UTF-8\)"),
    ('<?xml version="1.0"?>\n<xliff version="1.2"><file><header/></file></xliff>',
     r"bad\.tmx:2: this is not a TMX file \(its root element is <xliff>, not <tmx>\)"),
    ('<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n' + tmx(tu("Caf&eacute;")).split("\n", 1)[1],
     r"bad\.tmx:5: this tu uses an entity reference that only a DTD could define"),
    (tmx("<tu>\n<tuv xml:lang='fr'><seg>a</seg></tuv>\n<tuv xml:lang='en'><seg>b</tuv></tu>"),
     r"bad\.tmx:7: not well-formed XML \(.*mismatch.*\); fix the file"),
    (tmx(tu()).replace('datatype="plaintext"/>', 'datatype="plaintext">\n'
                       '<prop type="x-document">{"title": "no name"}</prop></header>'),
     r"bad\.tmx:4: the header's x-document prop is not the JSON diglot writes"),
    (tmx(tu().replace("<tu>", '<tu><prop type="x-status">confirmed</prop>'
                               '<prop type="x-paragraph">two</prop>')),
     r"bad\.tmx:5: this tu has a provenance prop diglot cannot read \(invalid literal"),
])
def test_bad_files_name_file_and_line(tmp_path: Path, text: str | bytes, match: str) -> None:
    with pytest.raises(DataFormatError, match=match) as caught:
        read(put(tmp_path, text), "fr", "en")
    assert caught.value.line is not None


def test_our_units_are_not_read_backwards(tmp_path: Path) -> None:
    out = tmp_path / "a.tmx"
    write_tmx([pair(0)], out, HEADER)
    with pytest.raises(DataFormatError, match=r"a\.tmx:6: diglot exported this unit es→en; "
                                              r"read the other way .* --from es --to en"):
        read(out, "en", "es", skip_bad=True)


def test_comments_and_text_are_not_taken_for_entity_declarations(tmp_path: Path) -> None:
    path = put(tmp_path, '<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n<!-- <!ENTITY x "y"> -->\n'
               + tmx(tu("<![CDATA[<!ENTITY]]>")).split("\n", 1)[1])
    assert [p.source for p in read(path, "fr", "en")] == ["<!ENTITY"]


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match=r"nope\.tmx: no such file"):
        read(tmp_path / "nope.tmx")
    with pytest.raises(DataFormatError, match="is a folder"):
        read(tmp_path)


def test_skip_bad_counts_each_reason(tmp_path: Path) -> None:
    path = put(tmp_path, tmx(tu("Un"), tu(en=None), '<tu><tuv><seg>a</seg></tuv></tu>',
                             tu("Deux", "Two"), tu(en=" "), tu(fr=None), tu("Trois", "Three")))
    skipped: collections.Counter[str] = collections.Counter()
    got = read(path, "fr", "en", skip_bad=True, skipped=skipped)
    assert [(p.id, p.source) for p in got] == [
        ("bad.tmx:0", "Un"), ("bad.tmx:3", "Deux"), ("bad.tmx:6", "Trois")]
    assert skipped == {"one language only": 2, "tuv without xml:lang": 1, "empty segment": 1}


def test_file_level_problems_are_not_skipped(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="truncated"):
        read(put(tmp_path, tmx(tu(), tu())[:-40]), "fr", "en", skip_bad=True)


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        self.hits.append(self.path)
        body = b'<!ENTITY secret "LEAKED">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Counting.hits = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_external_dtd_and_entities_are_never_fetched(tmp_path: Path, server: str) -> None:
    body = tmx(tu()).split("\n", 1)[1]
    with_dtd = put(tmp_path, f'<!DOCTYPE tmx SYSTEM "{server}/tmx14.dtd">\n{body}')
    assert [(p.source, p.target) for p in read(with_dtd, "fr", "en")] == [("Bonjour", "Hello")]
    xxe = f'<!DOCTYPE tmx [<!ENTITY secret SYSTEM "{server}/secret">]>\n' + body.replace(
        "Bonjour", "&secret;")
    with pytest.raises(DataFormatError, match=r"bad\.tmx:1: the file declares XML entities"):
        read(put(tmp_path, xxe), "fr", "en")
    uses = f'<!DOCTYPE tmx SYSTEM "{server}/tmx14.dtd">\n' + body.replace("Bonjour", "&secret;")
    with pytest.raises(DataFormatError, match=r"bad\.tmx:5: this tu uses an entity reference"):
        read(put(tmp_path, uses), "fr", "en")
    assert _Counting.hits == []


def test_a_huge_text_node_is_refused_not_loaded(tmp_path: Path) -> None:
    path = put(tmp_path, tmx(tu("x" * 11_000_000)))
    with pytest.raises(DataFormatError, match=r"bad\.tmx:5: Resource limit exceeded: Text node "
                                              r"too long.*: a text over 10 MB"):
        read(path, "fr", "en")


@settings(max_examples=150, deadline=None)
@given(cut=st.integers(min_value=0, max_value=1600), at=st.integers(min_value=0, max_value=1600),
       junk=st.binary(max_size=12))
def test_a_damaged_file_reads_or_fails_cleanly(tmp_path_factory: pytest.TempPathFactory,
                                               cut: int, at: int, junk: bytes) -> None:
    good = THIRD_PARTY.encode()
    data = good[:at] + junk + good[at:]
    path = tmp_path_factory.mktemp("fuzz") / "f.tmx"
    path.write_bytes(data[:len(data) - cut])
    try:
        got = read(path, "fr", "en", skip_bad=True)
    except DataFormatError as err:
        assert err.line is None or err.line >= 1
    else:
        assert all(p.source and p.target for p in got)
