"""TBX-Basic import/export: real hand-written files, round trips, hostile XML, bad input."""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diglot.errors import ConfigError, DataFormatError
from glossary.tbx import read_tbx, write_tbx
from glossary.termbase import Term, TermBase, read_termbase
from glossary.text import WORD, fold
from translate.langs import resolve

EN, FR, DE = resolve("en"), resolve("fr"), resolve("de")

TBX_V2 = """\
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE martif SYSTEM "TBXBasiccoreStructV02.dtd">
<martif type="TBX-Basic" xml:lang="en-US">
  <martifHeader>
    <fileDesc><sourceDesc><p>Hand-made sample, after the LISA examples</p></sourceDesc></fileDesc>
    <encodingDesc><p type="XCSURI">TBXBasicXCSV02.xcs</p></encodingDesc>
  </martifHeader>
  <text>
    <body>
      <termEntry id="e1">
        <descripGrp>
          <descrip type="definition">Conflict between social classes.</descrip>
        </descripGrp>
        <note>Marxist usage</note>
        <langSet xml:lang="en-US">
          <tig>
            <term>class struggle</term>
            <termNote type="partOfSpeech">noun</termNote>
            <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote>
          </tig>
          <ntig>
            <termGrp>
              <term>class   war</term>
              <termNote type="administrativeStatus">admittedTerm-admn-sts</termNote>
            </termGrp>
          </ntig>
        </langSet>
        <langSet xml:lang="fr-FR">
          <tig>
            <term>guerre des classes</term>
            <termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote>
          </tig>
          <tig><term>combat de classe</term></tig>
          <ntig>
            <termGrp>
              <term><![CDATA[lutte des classes]]></term>
              <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote>
            </termGrp>
          </ntig>
          <tig>
            <term>lutte de classe</term>
            <termNote type="administrativeStatus">admittedTerm-admn-sts</termNote>
          </tig>
        </langSet>
      </termEntry>
      <termEntry id="e2">
        <note>diglot: case-sensitive; do-not-translate</note>
        <langSet xml:lang="en-US"><tig><term>Das Kapital</term></tig></langSet>
      </termEntry>
      <termEntry id="e3">
        <langSet xml:lang="en-US"><tig><term>surplus value</term></tig></langSet>
      </termEntry>
      <termEntry id="e4">
        <langSet xml:lang="fr-FR"><tig><term>plus-value</term></tig></langSet>
      </termEntry>
    </body>
  </text>
</martif>
"""

TBX_V3 = """\
<?xml version="1.0" encoding="UTF-8"?>
<?xml-model href="TBX-Basic_DCA.rng" type="application/xml"?>
<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
  <tbxHeader><fileDesc><sourceDesc><p>v3 sample</p></sourceDesc></fileDesc></tbxHeader>
  <text>
    <body>
      <conceptEntry id="c1">
        <langSec xml:lang="en">
          <descrip type="definition">The value a worker adds beyond their wage.</descrip>
          <termSec>
            <term>surplus value</term>
            <termNote type="partOfSpeech">noun</termNote>
          </termSec>
        </langSec>
        <langSec xml:lang="de">
          <termSec>
            <term>Mehrwert</term>
            <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote>
          </termSec>
          <termSec>
            <term>Überschusswert</term>
            <termNote type="administrativeStatus">supersededTerm-admn-sts</termNote>
          </termSec>
        </langSec>
      </conceptEntry>
    </body>
  </text>
</tbx>
"""


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def entry(ident: str, pairs: list[tuple[str, str]], extra: str = "") -> str:
    sets = "".join(f'<langSet xml:lang="{lang}"><tig><term>{t}</term></tig></langSet>'
                   for lang, t in pairs)
    return f'<termEntry id="{ident}">{extra}{sets}</termEntry>\n'


def tbx(*entries: str, lang: str = "en") -> str:
    return (f'<?xml version="1.0"?>\n<martif type="TBX-Basic" xml:lang="{lang}">\n<text><body>\n'
            + "".join(entries) + "</body></text>\n</martif>\n")


def write(tmp_path: Path, text: str, name: str = "g.tbx") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def sample_base() -> TermBase:
    terms = (
        Term("class struggle", ("lutte des classes", "lutte de classe"), ("combat de classe",),
             note="Marx & Engels: <Manifest>", pos="noun"),
        Term("surplus value", ("plus-value",), note='say "plus-value", not \'survaleur\''),
        Term("US", ("États-Unis",), case_sensitive=True),
        Term("Das Kapital", ("Das Kapital",), dnt=True, case_sensitive=True),
        Term("Straße", ("rue",), ("route & chemin",), pos="noun"),
        Term("中文", ("chinois", "langue chinoise"), note="a < b > c"),
    )
    return TermBase(EN, FR, terms)


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    base = sample_base()
    out = tmp_path / "out.tbx"
    write_tbx(base, out)
    back = read_tbx(out)
    assert (back.src, back.tgt, back.terms, back.warnings) == (EN, FR, base.terms, ())
    assert back.version == base.version
    lines = [t.line or 0 for t in back.terms]
    assert lines == sorted(set(lines)) and lines[0] > 0


def test_export_is_tbx_basic_v2_by_an_independent_parser(tmp_path: Path) -> None:
    out = tmp_path / "out.tbx"
    write_tbx(sample_base(), out)
    assert "<!DOCTYPE martif SYSTEM" in out.read_text(encoding="utf-8")
    root = ET.parse(out).getroot()
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert (root.tag, root.get("type"), root.get(lang)) == ("martif", "TBX-Basic", "en")
    assert root.find("martifHeader/fileDesc/sourceDesc") is not None
    entries = root.findall("text/body/termEntry")
    assert [e.get("id") for e in entries] == [f"c{i}" for i in range(1, 7)]
    first = entries[0]
    assert [n.text for n in first.findall("note")] == ["Marx & Engels: <Manifest>"]
    en, fr = first.findall("langSet")
    assert en.findtext("tig/termNote[@type='partOfSpeech']") == "noun"
    assert [(t.findtext("term"), t.findtext("termNote")) for t in fr.findall("tig")] == [
        ("lutte des classes", "preferredTerm-admn-sts"),
        ("lutte de classe", "admittedTerm-admn-sts"),
        ("combat de classe", "deprecatedTerm-admn-sts")]
    dnt = entries[3]
    assert [n.text for n in dnt.findall("note")] == ["diglot: case-sensitive; do-not-translate"]
    assert dnt.findtext("langSet[2]/tig/term") == "Das Kapital"


def test_reads_real_looking_tbx_v2(tmp_path: Path) -> None:
    base = read_tbx(write(tmp_path, TBX_V2))
    first = line_of(TBX_V2, 'id="e1"')
    targets = ("lutte des classes", "lutte de classe", "combat de classe")
    note = "Conflict between social classes. / Marxist usage"
    assert (base.src.code, base.src.region) == ("en", "US")
    assert (base.tgt.code, base.tgt.region) == ("fr", "FR")
    assert base.terms == (
        Term("class struggle", targets, ("guerre des classes",), note, "noun"),
        Term("class war", targets, ("guerre des classes",), note, "noun"),
        Term("Das Kapital", ("Das Kapital",), case_sensitive=True, dnt=True),
    )
    assert [t.line for t in base.terms] == [first, first, line_of(TBX_V2, 'id="e2"')]
    e3, e4 = line_of(TBX_V2, 'id="e3"'), line_of(TBX_V2, 'id="e4"')
    assert base.warnings == (
        f"{base.path}:{e3}: termEntry 'e3' has no fr term; skipped",
        f"{base.path}: entries with no en term: 1 (the first at line {e4}); skipped",
    )


def test_reads_tbx_v3_and_either_direction(tmp_path: Path) -> None:
    path = write(tmp_path, TBX_V3)
    base = read_tbx(path)
    assert (base.src, base.tgt) == (EN, DE)
    assert base.terms == (Term("surplus value", ("Mehrwert",), ("Überschusswert",),
                               "The value a worker adds beyond their wage.", "noun"),)
    assert base.terms[0].line == line_of(TBX_V3, "<conceptEntry")
    back = read_tbx(path, DE, EN)  # a superseded source form still maps to the target
    note = "The value a worker adds beyond their wage."
    assert back.terms == (Term("Mehrwert", ("surplus value",), (), note),
                          Term("Überschusswert", ("surplus value",), (), note))


def test_read_termbase_dispatches_tbx(tmp_path: Path) -> None:
    base = read_termbase(write(tmp_path, TBX_V3, "g.xml"), EN, DE)
    assert [t.source for t in base.terms] == ["surplus value"]


def test_utf16_with_bom_reads(tmp_path: Path) -> None:
    path = tmp_path / "g.tbx"
    text = tbx(entry("a", [("en", "street"), ("de", "Straße")]))
    path.write_bytes(text.replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
                     .encode("utf-16"))
    assert read_tbx(path).terms == (Term("street", ("Straße",)),)


def test_latin1_declared_encoding_reads(tmp_path: Path) -> None:
    path = tmp_path / "g.tbx"
    text = tbx(entry("a", [("en", "coffee"), ("fr", "café")]))
    path.write_bytes(text.replace('version="1.0"', 'version="1.0" encoding="ISO-8859-1"')
                     .encode("latin-1"))
    assert read_tbx(path).terms == (Term("coffee", ("café",)),)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE martif [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
]>
<martif><text><body><termEntry><langSet xml:lang="en"><tig><term>&lol2;</term></tig>
</langSet></termEntry></body></text></martif>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE martif [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<martif><text><body><termEntry><langSet xml:lang="en"><tig><term>&secret;</term></tig>
</langSet></termEntry></body></text></martif>
"""

PARAM_XXE = """<?xml version="1.0"?>
<!DOCTYPE martif [<!ENTITY % remote SYSTEM "file:///etc/passwd"> %remote;]>
<martif/>
"""


@pytest.mark.parametrize(("text", "match"), [
    (BILLION_LAUGHS, r"g\.tbx:3: declares XML entities \(<!ENTITY lol \.\.\.>\); diglot does "
                     r"not expand entities, remove the DTD's internal subset"),
    (XXE, r"g\.tbx:2: declares XML entities \(<!ENTITY secret \.\.\.>\)"),
    (PARAM_XXE, r"g\.tbx:2: declares XML entities \(<!ENTITY remote \.\.\.>\)"),
    ('<!DOCTYPE martif SYSTEM "TBXBasiccoreStructV02.dtd">\n<martif>&nbsp;</martif>',
     r"g\.tbx:2: uses the undeclared entity &nbsp; which diglot does not expand"),
])
def test_entities_are_refused(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(DataFormatError, match=match):
        read_tbx(write(tmp_path, text))


def test_external_dtd_is_not_fetched(tmp_path: Path) -> None:
    text = tbx(entry("a", [("en", "x"), ("fr", "y")])).replace(
        "<martif", '<!DOCTYPE martif SYSTEM "file:///etc/passwd">\n<martif', 1)
    assert read_tbx(write(tmp_path, text)).terms == (Term("x", ("y",)),)


@pytest.mark.parametrize(("text", "match"), [
    ('<?xml version="1.0"?>\n<html><body/></html>',
     r"g\.tbx:2: is not TBX \(root element <html>\); give a TBX-Basic file, or a TSV/CSV"),
    ("<martif>\n<text>\n<body>\n</text>\n</martif>",
     r"g\.tbx:4: is not well-formed XML \(mismatched tag, column 3\); fix the markup there"),
    ("", r"g\.tbx:1: is not well-formed XML \(no element found"),
    ('<?xml version="1.0" encoding="x-no-such"?><martif/>',
     r"g\.tbx:1: declares an encoding the XML parser cannot read"),
    (tbx(), r"g\.tbx: has no <termEntry> or <conceptEntry>; add at least one entry"),
    (tbx("\n" + entry("a", [("en", "x"), ("xx-YY", "y")])),
     r"g\.tbx:5: <langSet> has xml:lang='xx-YY', not a language diglot knows"),
    (tbx('<termEntry><langSet><tig><term>x</term></tig></langSet></termEntry>'),
     r'g\.tbx:4: <langSet> has no xml:lang; add the language code, e.g\. xml:lang="en"'),
    (tbx(entry("a", [("en", "x"), ("fr", "  ")])), r"g\.tbx:4: empty <term>; fill it in"),
    (tbx('<termEntry><langSet xml:lang="en"><ntig><termGrp/></ntig></langSet></termEntry>'),
     r"g\.tbx:4: <ntig> has no <term>; add it or delete the <ntig>"),
    (tbx(entry("a", [("en", "x"), ("fr", "y")], "<note>diglot: dnt</note>")),
     r"g\.tbx:4: unknown diglot flag 'dnt' in <note>; the flags are case-sensitive and "
     r"do-not-translate"),
])
def test_bad_files_name_the_line(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(DataFormatError, match=match):
        read_tbx(write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match=r"nope\.tbx: no such file"):
        read_tbx(tmp_path / "nope.tbx")
    with pytest.raises(DataFormatError, match="is a folder"):
        read_tbx(tmp_path)


def test_accepted_and_deprecated_at_once_is_an_error(tmp_path: Path) -> None:
    dep = '<termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote>'
    text = tbx('<termEntry id="a"><langSet xml:lang="en"><tig><term>x</term></tig></langSet>'
               f'<langSet xml:lang="fr"><tig><term>y</term></tig><tig><term>y</term>{dep}</tig>'
               "</langSet></termEntry>")
    with pytest.raises(DataFormatError, match=r"g\.tbx:4: 'y' is both accepted and deprecated"):
        read_tbx(write(tmp_path, text))


def test_only_deprecated_targets_is_a_warning(tmp_path: Path) -> None:
    dep = '<termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote>'
    text = tbx(entry("ok", [("en", "a"), ("fr", "b")]),
               '<termEntry id="old"><langSet xml:lang="en"><tig><term>x</term></tig></langSet>'
               f'<langSet xml:lang="fr"><tig><term>y</term>{dep}</tig></langSet></termEntry>')
    base = read_tbx(write(tmp_path, text))
    assert base.terms == (Term("a", ("b",)),)
    assert base.warnings == (f"{base.path}:5: termEntry 'old' has only deprecated fr terms; "
                             "skipped",)


def test_conflicting_entries_name_both_lines(tmp_path: Path) -> None:
    text = tbx(entry("a", [("en", "class"), ("fr", "classe")]),
               entry("b", [("en", "Class"), ("fr", "catégorie")]))
    with pytest.raises(DataFormatError,
                       match=r"g\.tbx:5: 'Class' conflicts with line 4 \('class' → classe"):
        read_tbx(write(tmp_path, text))


def test_repeated_entry_is_kept_once_with_a_warning(tmp_path: Path) -> None:
    text = tbx(entry("a", [("en", "class"), ("fr", "classe")]),
               entry("b", [("en", "class"), ("fr", "classe")]))
    base = read_tbx(write(tmp_path, text))
    assert len(base) == 1
    assert base.warnings == (f"{base.path}:5: repeats line 4 ('class'); kept once",)


def test_synonyms_of_the_same_words_are_kept_once(tmp_path: Path) -> None:
    forms = ["social class", "Social Class", "social classes", "caste", "SOCIAL CLASS"]
    tigs = "".join(f"<tig><term>{f}</term></tig>" for f in forms)
    text = tbx(f'<termEntry id="a"><langSet xml:lang="en">{tigs}</langSet>'
               '<langSet xml:lang="fr"><tig><term>classe sociale</term></tig></langSet>'
               "</termEntry>")
    base = read_tbx(write(tmp_path, text))
    assert base.terms == tuple(Term(f, ("classe sociale",))
                               for f in ["social class", "social classes", "caste"])


def test_pair_not_in_file_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, tbx(entry("a", [("en", "x"), ("fr", "y")])))
    with pytest.raises(ConfigError, match=r"g\.tbx has terms in en, fr, not de; choose the pair "
                                          "with --from and --to"):
        read_tbx(path, FR, DE)
    with pytest.raises(ConfigError, match="not de"):
        read_termbase(path, FR, DE)


def test_three_languages_need_a_pair(tmp_path: Path) -> None:
    path = write(tmp_path, tbx(entry("a", [("en", "x"), ("fr", "y"), ("de", "z")])))
    with pytest.raises(ConfigError, match=r"g\.tbx has terms in en, fr, de; give --from and "
                                          "--to to choose the pair"):
        read_tbx(path)
    assert read_tbx(path, tgt=DE).terms == (Term("x", ("z",)),)
    assert read_tbx(path, FR, DE).terms == (Term("y", ("z",)),)


def test_no_root_language_takes_the_first_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, tbx(entry("a", [("fr", "y"), ("en", "x")])).replace(
        ' xml:lang="en">', ">", 1))
    base = read_tbx(path)
    assert (base.src, base.tgt, base.terms) == (FR, EN, (Term("y", ("x",)),))
    assert base.warnings == (f"{path}: took fr, the first language in the file, as the source "
                             "(the root element's xml:lang does not say); give --from to choose",)


def test_control_character_cannot_be_exported(tmp_path: Path) -> None:
    base = TermBase(EN, FR, (Term("bad\x01term", ("x",), line=3),), tmp_path / "g.tsv")
    with pytest.raises(DataFormatError, match=r"g\.tsv:3: 'bad\\x01term' contains U\+0001"):
        write_tbx(base, tmp_path / "out.tbx")
    assert not (tmp_path / "out.tbx").exists()


_FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Text XML 1.0 can hold, whitespace-normalised as a glossary cell is.
_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12).map(
    lambda s: " ".join(s.split())).filter(bool)


def _words(text: str) -> tuple[str, ...]:
    """What validate compares sources by: the words, ignoring case and accents."""
    return tuple(fold(w.lower()) for w in WORD.findall(text))


@st.composite
def _terms(draw: st.DrawFn) -> Term:
    source = draw(_TEXT.filter(lambda s: bool(_words(s))))
    targets = tuple(draw(st.lists(_TEXT, min_size=1, max_size=3, unique=True)))
    forbidden = tuple(draw(st.lists(_TEXT.filter(lambda s: s not in targets), max_size=2,
                                    unique=True)))
    dnt = draw(st.booleans())
    note = draw(st.one_of(st.just(""), _TEXT.filter(lambda s: not s.lower().startswith("diglot:"))))
    return Term(source, (source,) if dnt else targets, forbidden, note,
                draw(st.sampled_from(["", "noun", "verb"])), draw(st.booleans()), dnt)


@settings(_FUZZ, max_examples=60)
@given(st.lists(_terms(), min_size=1, max_size=6,
                unique_by=lambda t: _words(t.source)))
def test_round_trip_property(tmp_path: Path, terms: list[Term]) -> None:
    base = TermBase(EN, resolve("zh"), tuple(terms))
    out = tmp_path / "p.tbx"
    write_tbx(base, out)
    back = read_tbx(out)
    assert (back.src, back.tgt, back.terms, back.version) == (
        base.src, base.tgt, base.terms, base.version)


_FRAGMENTS = ['<?xml version="1.0"?>', '<martif xml:lang="en">', "</martif>", "<tbx>", "</tbx>",
              "<text><body>", "</body></text>", '<termEntry id="x">', "</termEntry>",
              '<langSet xml:lang="fr">', '<langSet xml:lang="en">', '<langSet xml:lang="q">',
              "</langSet>", "<tig>", "</tig>", "<ntig><termGrp>", "</termGrp></ntig>", "<term>",
              "</term>", "word", "", "<note>diglot: case-sensitive</note>", "&amp;", "&x;",
              '<termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote>',
              "<!DOCTYPE martif>", "<![CDATA[x]]>", "\n", "<"]


@settings(_FUZZ, max_examples=200)
@given(st.one_of(st.text(max_size=200),
                 st.lists(st.sampled_from(_FRAGMENTS), max_size=30).map("".join)))
def test_arbitrary_text_fails_only_with_diglot_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "h.tbx"
    path.write_text(text, encoding="utf-8")
    with contextlib.suppress(DataFormatError, ConfigError):
        read_tbx(path)


@settings(_FUZZ, max_examples=100)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_fail_only_with_diglot_errors(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "h.tbx"
    path.write_bytes(data)
    with contextlib.suppress(DataFormatError, ConfigError):
        read_tbx(path)
