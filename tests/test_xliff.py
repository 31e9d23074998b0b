"""XLIFF export and import: Translate Toolkit opens what we write, provenance round-trips,
files from other tools (XLIFF 1.2 as Okapi/OmegaT write it, third-party 2.x) read with the
documented states, and bad input fails with the file and line or is skipped and counted."""

from __future__ import annotations

import collections
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from corpora.pairs import DocumentMeta, ExportHeader, Pair
from corpora.xliff import NS2, write_xliff
from corpora.xliff_read import read_xliff
from diglot.errors import DataFormatError
from tests.ttk import PYTHON, needs_ttk, read_with_ttk

ESSAY = DocumentMeta("ensayo.es.md", "Ensayo sobre la lengua", ("Ana Ruiz", "Bo Li"),
                     "https://example.org/ensayo", "CC-BY-4.0", "CC-BY-SA-4.0",
                     "Ana Ruiz & Bo Li, CC BY 4.0")
BARE = DocumentMeta("notas sueltas.md")
HEADER = ExportHeader("es", "en", (ESSAY, BARE), "CC-BY-SA-4.0", "Ana Ruiz & Bo Li, CC BY 4.0",
                      "0.9.0", "2026-11-30T08:00:00.000+00:00")


def _pairs() -> list[Pair]:
    """Pairs that exercise every field: markup, whitespace, control characters, a status of
    each kind, None against "", an id that is no XML name, a pair in other language tags."""
    return [
        Pair("ensayo.es.md:0", ESSAY, "es", "en", "El *trabajo* y <b>la</b> lengua & más",
             "Work & *language* <b>too</b>", "El trabajo", 0, (0, 1), (0,), "vecalign", 0.8125,
             "apertium", "es-en", "apertium 3.8.3", '{"beams":4}', "glossary-3", "edited",
             ("ana", "Bo Li"), "apertium/es-en", "2026-11-30T08:05:13.000+00:00", "Bo Li",
             "2026-11-30T09:00:00.000+00:00", ("numbers:error", "quotes:warning"),
             "retried after a timeout"),
        Pair("ensayo.es.md:2", ESSAY, "es", "en", "  dos\n\tlíneas\r\ny un\x0c salto ",
             "two\nlines 😀", "El trabajo", 1, (2,), (1,), status="confirmed", model="",
             engine="transformers", created_by="Helsinki-NLP/opus-mt-es-en",
             created_at="2026-11-30T08:05:14.000+00:00", reviewers=("ana",), align_score=0.0),
        Pair("notas sueltas.md:0", BARE, "es-ES", "en_GB", "Tres", "Three", status="machine"),
        Pair("ensayo.es.md:9", ESSAY, "es", "en", "Vuelve", "Back again", engine="human"),
    ]


def _write(tmp_path: Path, pairs: list[Pair] | None = None) -> Path:
    out = tmp_path / "corpus.xlf"
    assert write_xliff(iter(_pairs() if pairs is None else pairs), out, HEADER) == \
        len(_pairs() if pairs is None else pairs)
    return out


def _read(path: Path, src: str = "es", tgt: str = "en", **kwargs: Any) -> list[Pair]:
    kwargs.setdefault("skipped", collections.Counter())
    return list(read_xliff(path, src, tgt, **kwargs))


_TTK_XLIFF2 = r"""
import json, sys
from translate.storage import xliff2
store = xliff2.Xliff2File.parsefile(sys.argv[1])
print(json.dumps({"source_lang": store.sourcelanguage, "target_lang": store.targetlanguage,
    "units": [{"id": u.getid(), "source": u.source, "target": u.target,
               "approved": u.isapproved(), "translated": u.istranslated()}
              for u in store.units]}))
"""


def _read_xliff2_with_ttk(path: Path) -> dict[str, Any]:
    """Translate Toolkit's XLIFF 2.0 store (its factory opens every .xlf as 1.x and refuses
    2.0, so `tests.ttk.read_with_ttk` cannot be used for these)."""
    needs_ttk()
    done = subprocess.run([str(PYTHON), "-P", "-c", _TTK_XLIFF2, str(path)],
                          capture_output=True, text=True, timeout=300, cwd=path.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    data: dict[str, Any] = json.loads(done.stdout)
    return data


# --- our XLIFF 2.0 in a real client ------------------------------------------------------


def test_translate_toolkit_opens_our_xliff_with_the_same_units(tmp_path: Path) -> None:
    pairs = [p for p in _pairs() if "\x0c" not in p.source]  # the toolkit drops <cp/>
    data = _read_xliff2_with_ttk(_write(tmp_path, pairs))
    assert (data["source_lang"], data["target_lang"]) == ("es", "en")
    assert [(u["id"], u["source"], u["target"]) for u in data["units"]] == [
        ("ensayo.es.md:0", pairs[0].source, pairs[0].target),
        ("notas_sueltas.md:0", "Tres", "Three"),  # unit ids are NMTOKENs; x-id keeps ours
        ("ensayo.es.md:9", "Vuelve", "Back again")]
    # the toolkit's approved = state reviewed or final: edited and confirmed pairs
    assert [u["approved"] for u in data["units"]] == [True, False, False]
    assert all(u["translated"] for u in data["units"])


def test_our_whitespace_and_control_characters_survive_in_the_toolkit(tmp_path: Path) -> None:
    pair = _pairs()[1]
    data = _read_xliff2_with_ttk(_write(tmp_path, [pair]))
    # xml:space="preserve" keeps the spaces, tab and newline; the toolkit drops <cp/> (U+000C)
    assert data["units"][0]["source"] == pair.source.replace("\x0c", "")
    assert data["units"][0]["target"] == "two\nlines 😀"


def test_our_xliff_has_the_xliff_2_structure(tmp_path: Path) -> None:
    """No XLIFF 2.0 schema ships with the toolkit (or anywhere here), so check the core
    constraints by hand: root attributes, file/unit order and ids, states, notes."""
    root = etree.parse(str(_write(tmp_path))).getroot()
    q = f"{{{NS2}}}"
    assert (root.tag, root.get("version"), root.get("srcLang"), root.get("trgLang")) == \
        (f"{q}xliff", "2.0", "es", "en")
    files = root.findall(f"{q}file")
    assert [(f.get("id"), f.get("original")) for f in files] == [
        ("f1", "ensayo.es.md"), ("f2", "notas sueltas.md"), ("f3", "ensayo.es.md")]
    assert len(root) == len(files)  # xliff = file+
    for file in files:
        children = [c.tag for c in file]
        units = [c for c in file if c.tag == f"{q}unit"]
        assert children == [f"{q}notes"] * (children[0] == f"{q}notes") + [f"{q}unit"] * len(units)
        ids = [u.get("id") for u in units]
        assert len(set(ids)) == len(ids) and all(re.fullmatch(r"[\w.:-]+", i) for i in ids)
        for unit in units:
            assert [c.tag for c in unit] == [f"{q}notes", f"{q}segment"]
            segment = unit[1]
            assert segment.get("state") in {"translated", "reviewed", "final"}
            assert [c.tag for c in segment] == [f"{q}source", f"{q}target"]
            assert all((n.get("category") or "").startswith("x-") for n in unit[0])
    spaced = root.find(f".//{q}unit[@id='ensayo.es.md:2']/{q}segment/{q}source")
    assert spaced is not None and spaced.get("{http://www.w3.org/XML/1998/namespace}space") \
        == "preserve"
    assert spaced.find(f"{q}cp").get("hex") == "000C"
    assert root.get("{urn:diglot:xliff}license") == "CC-BY-SA-4.0"


def test_notes_carry_each_provenance_field_and_the_document(tmp_path: Path) -> None:
    root = etree.parse(str(_write(tmp_path))).getroot()
    q = f"{{{NS2}}}"
    file_notes = {n.get("category"): n.text for n in root.find(f"{q}file/{q}notes")}
    assert file_notes == {
        "x-title": "Ensayo sobre la lengua", "x-authors": '["Ana Ruiz", "Bo Li"]',
        "x-source_ref": "https://example.org/ensayo", "x-source_license": "CC-BY-4.0",
        "x-translation_license": "CC-BY-SA-4.0", "x-attribution": "Ana Ruiz & Bo Li, CC BY 4.0"}
    unit = {n.get("category"): n.text for n in root.find(f"{q}file/{q}unit/{q}notes")}
    assert unit == {
        "x-section": "El trabajo", "x-sentences": "[0, 1]", "x-target_sentences": "[0]",
        "x-align_method": "vecalign", "x-align_score": "0.8125", "x-engine": "apertium",
        "x-model": "es-en", "x-engine_version": "apertium 3.8.3", "x-decoding": '{"beams":4}',
        "x-glossary_version": "glossary-3", "x-reviewers": '["ana", "Bo Li"]',
        "x-created_by": "apertium/es-en", "x-created_at": "2026-11-30T08:05:13.000+00:00",
        "x-changed_by": "Bo Li", "x-changed_at": "2026-11-30T09:00:00.000+00:00",
        "x-flags": '["numbers:error", "quotes:warning"]', "x-note": "retried after a timeout"}


# --- round trip ------------------------------------------------------------------------


def test_write_then_read_gives_the_same_pairs(tmp_path: Path) -> None:
    pairs = _pairs()
    assert _read(_write(tmp_path)) == pairs


def test_export_import_export_gives_the_same_file(tmp_path: Path) -> None:
    first = _write(tmp_path)
    again = tmp_path / "again.xlf"
    write_xliff(read_xliff(first, "es", "en"), again, HEADER)
    assert again.read_bytes() == first.read_bytes()


#: Notes cannot hold C0 controls (XLIFF's <cp> is for source and target only): the writer puts
#: U+FFFD there, so the property is for the characters XML carries.
_NOTE_CHARS = st.characters(blacklist_categories=["Cs"], blacklist_characters=[
    *map(chr, range(9)), "\x0b", "\x0c", *map(chr, range(14, 32)), "\ufffe", "\uffff"])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=st.text(min_size=1), target=st.text(min_size=1), section=st.text(_NOTE_CHARS),
       reviewers=st.lists(st.text(_NOTE_CHARS), max_size=3))
def test_any_text_round_trips(tmp_path: Path, source: str, target: str, section: str,
                              reviewers: list[str]) -> None:
    pair = Pair("d:0", ESSAY, "es", "en", source, target, section=section,
                reviewers=tuple(reviewers), note=section or None)
    assert _read(_write(tmp_path, [pair])) == [pair]


def test_a_failed_export_leaves_no_file(tmp_path: Path) -> None:
    def broken() -> Iterator[Pair]:
        yield _pairs()[0]
        raise RuntimeError("store went away")

    out = tmp_path / "corpus.xlf"
    with pytest.raises(RuntimeError, match="store went away"):
        write_xliff(broken(), out, HEADER)
    assert list(tmp_path.iterdir()) == []


# --- files from other tools --------------------------------------------------------------

OKAPI_12 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"
 xmlns:okp="okapi-framework:xliff-extensions">
<file original="essay.html" source-language="en-US" target-language="fr-FR" datatype="html"
 okp:inputEncoding="UTF-8">
<header><tool tool-id="okapi" tool-name="Okapi Framework" tool-version="1.44.0"/></header>
<body>
<group id="g1" resname="intro">
<trans-unit id="tu1" resname="title" xml:space="preserve" approved="yes">
<source xml:lang="en-US">The <g id="1">quick</g> fox</source>
<target xml:lang="fr-FR" state="final">Le renard <g id="1">rapide</g></target>
<note>Title of the essay</note>
</trans-unit>
<trans-unit id="tu2">
<source xml:lang="en-US">Line<x id="1" equiv-text="&lt;br/&gt;"/>break &amp; <ph
 id="2">&lt;img src="a.png"/&gt;</ph></source>
<target xml:lang="fr-FR" state="translated">Saut<x id="1"
 equiv-text="&lt;br/&gt;"/>de ligne &amp; <ph id="2">&lt;img src="a.png"/&gt;</ph></target>
<alt-trans match-quality="80" origin="mt"><source>Line break</source><target>Rupture</target>
</alt-trans>
</trans-unit>
</group>
<trans-unit id="tu3" approved="no"><source>Signed off.</source>
<target state="signed-off">Approuvé.</target></trans-unit>
<trans-unit id="tu4"><source>Needs review.</source>
<target state="needs-review-translation" state-qualifier="leveraged-mt">À relire.</target>
</trans-unit>
<trans-unit id="tu5" translate="no"><source>ACME</source></trans-unit>
<trans-unit id="tu6"><source>Plain memory.</source><target>Mémoire simple.</target></trans-unit>
<bin-unit id="b1" mime-type="image/png"><bin-source><external-file href="a.png"/></bin-source>
</bin-unit>
</body>
</file>
<file original="second.txt" source-language="en" target-language="fr" datatype="plaintext">
<body><trans-unit id="1"><source>One more.</source><target state="translated">Encore un.</target>
</trans-unit></body>
</file>
</xliff>
"""


def test_xliff_12_from_a_cat_tool_reads_with_its_states(tmp_path: Path) -> None:
    path = tmp_path / "okapi.xlf"
    path.write_text(OKAPI_12, encoding="utf-8")
    skipped: collections.Counter[str] = collections.Counter()
    pairs = _read(path, "en", "fr", skipped=skipped)
    assert [(p.id, p.source, p.target, p.status) for p in pairs] == [
        ("essay.html:0", "The quick fox", "Le renard rapide", "confirmed"),  # approved="yes"
        ("essay.html:1", 'Line<br/>break & <img src="a.png"/>',
         'Saut<br/>de ligne & <img src="a.png"/>', "edited"),  # translated: a person's, unreviewed
        ("essay.html:2", "Signed off.", "Approuvé.", "confirmed"),  # signed-off
        ("essay.html:3", "Needs review.", "À relire.", "edited"),  # needs-review-translation
        ("essay.html:4", "Plain memory.", "Mémoire simple.", "confirmed"),  # no state: a TM
        ("second.txt:0", "One more.", "Encore un.", "edited")]
    assert skipped == {"not for translation": 1}
    first = pairs[0]
    assert (first.src_lang, first.tgt_lang, first.document, first.sentences, first.engine,
            first.align_method, first.created_by, first.note) == \
        ("en-US", "fr-FR", DocumentMeta("essay.html"), (0,), "human", "import", "",
         "Title of the essay")


def test_xliff_12_reads_like_the_toolkit_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "okapi.xlf"
    path.write_text(OKAPI_12, encoding="utf-8")
    data = read_with_ttk(path)
    theirs = [(u["source"], u["target"]) for u in data["units"] if u["target"]]
    # the toolkit drops <x equiv-text>; we keep it as the code it stands for
    ours = [(p.source.replace("<br/>", ""), p.target.replace("<br/>", ""))
            for p in _read(path, "en", "fr")]
    assert ours == theirs
    assert (data["source_lang"], data["target_lang"]) == ("en-US", "fr-FR")


THIRD_20 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0"
 xmlns:mda="urn:oasis:names:tc:xliff:metadata:2.0" version="2.1" srcLang="en-GB" trgLang="fr">
 <file id="f1">
  <notes><note>Exported by a CAT tool</note></notes>
  <unit id="u1">
   <mda:metadata><mda:metaGroup category="tool"><mda:meta type="x">y</mda:meta></mda:metaGroup>
   </mda:metadata>
   <notes><note category="comment">Two sentences.</note></notes>
   <originalData><data id="d1">&lt;b&gt;</data><data id="d2">&lt;/b&gt;</data></originalData>
   <segment id="s1" state="final"><source>Hello <pc id="1" dataRefStart="d1"
    dataRefEnd="d2">world</pc>.</source><target>Bonjour <pc id="1" dataRefStart="d1"
    dataRefEnd="d2">le monde</pc>.</target></segment>
   <ignorable><source> </source></ignorable>
   <segment id="s2" state="reviewed"><source>Tab<cp hex="0009"/>here<ph id="2"
    equiv="[img]"/></source><target>Tab<cp hex="0009"/>ici<ph id="2" equiv="[img]"/></target>
   </segment>
  </unit>
  <group id="g1">
   <unit id="u2"><segment state="translated"><source>Draft</source><target>Brouillon</target>
   </segment></unit>
   <unit id="u3"><segment state="initial"><source>Pre-filled</source><target>Pré-rempli</target>
   </segment></unit>
  </group>
  <unit id="u4"><segment><source>No state</source><target>Sans état</target></segment></unit>
 </file>
 <file id="f2" original="other.txt">
  <unit id="u1"><segment state="final"><source>Other</source><target>Autre</target></segment></unit>
 </file>
</xliff>
"""


def test_third_party_xliff_2_reads_one_pair_a_segment_with_its_states(tmp_path: Path) -> None:
    path = tmp_path / "cat.xlf"
    path.write_text(THIRD_20, encoding="utf-8")
    pairs = _read(path, "en", "fr", document="cat.xlf")
    assert [(p.id, p.source, p.target, p.status, p.sentences) for p in pairs] == [
        ("cat.xlf:0", "Hello world.", "Bonjour le monde.", "confirmed", (0,)),  # final
        ("cat.xlf:1", "Tab\there[img]", "Tab\tici[img]", "edited", (1,)),  # reviewed
        ("cat.xlf:2", "Draft", "Brouillon", "edited", (2,)),  # translated: a person's draft
        ("cat.xlf:3", "Pre-filled", "Pré-rempli", "machine", (3,)),  # initial
        ("cat.xlf:4", "No state", "Sans état", "confirmed", (4,)),  # no state: a TM
        ("other.txt:0", "Other", "Autre", "confirmed", (0,))]
    assert [p.note for p in pairs[:3]] == ["Two sentences.", "Two sentences.", None]
    assert {(p.src_lang, p.tgt_lang, p.engine, p.align_method) for p in pairs} == \
        {("en-GB", "fr", "human", "import")}
    data = _read_xliff2_with_ttk(path)  # the toolkit also sees one unit a segment
    assert [u["source"] for u in data["units"]] == \
        ["Hello world.", "Tabhere", "Draft", "Pre-filled", "No state", "Other"]


# --- bad input -------------------------------------------------------------------------

_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<xliff xmlns="urn:oasis:names:tc:xliff:'
         'document:2.0" version="2.0" srcLang="es" trgLang="en">\n<file id="f1">\n')


def _file(tmp_path: Path, text: str | bytes, name: str = "bad.xlf") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def _unit(uid: str, source: str | None, target: str | None) -> str:
    parts = [f"<source>{source}</source>" if source is not None else "",
             f"<target>{target}</target>" if target is not None else ""]
    return f'<unit id="{uid}"><segment>{"".join(parts)}</segment></unit>\n'


def test_an_entity_bomb_is_refused_not_expanded(tmp_path: Path) -> None:
    lol = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">\n' for i in range(1, 10))
    path = _file(tmp_path, '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xliff [\n'
                 '<!ENTITY l0 "lol">\n' + lol + "]>\n" + _HEAD.split("\n", 1)[1]
                 + _unit("u1", "&l9;", "x") + "</file></xliff>\n")
    with pytest.raises(DataFormatError, match=r"bad\.xlf:14: .*<!DOCTYPE>.*remove it"):
        _read(path)


def test_an_external_entity_is_not_fetched(tmp_path: Path) -> None:
    secret = _file(tmp_path, "secret", "secret.txt")
    path = _file(tmp_path, f'<?xml version="1.0"?>\n<!DOCTYPE xliff [<!ENTITY s SYSTEM '
                 f'"file://{secret}">]>\n' + _HEAD.split("\n", 1)[1] + _unit("u1", "&s;", "x")
                 + "</file></xliff>\n")
    with pytest.raises(DataFormatError, match=r"bad\.xlf:3: .*DOCTYPE"):
        _read(path)


def test_truncated_xml_names_the_line(tmp_path: Path) -> None:
    path = _file(tmp_path, _HEAD + _unit("u1", "Hola", "Hello") + '<unit id="u2"><segm')
    with pytest.raises(DataFormatError, match=r"bad\.xlf:5: not well-formed XML"):
        _read(path)


@pytest.mark.parametrize(("attrs", "message"), [
    ('srcLang="es"', r"bad\.xlf:2: no trgLang attribute.*add trgLang="),
    ('trgLang="en"', r"bad\.xlf:2: no srcLang attribute"),
    ('srcLang="fr-FR" trgLang="en"', r"bad\.xlf:2: the file is fr-FR→en, not es→en; import it "
     r"with --from fr-FR --to en"),
])
def test_missing_or_other_languages_are_refused(tmp_path: Path, attrs: str,
                                                message: str) -> None:
    head = _HEAD.replace('srcLang="es" trgLang="en"', attrs)
    path = _file(tmp_path, head + _unit("u1", "Hola", "Hello") + "</file></xliff>\n")
    with pytest.raises(DataFormatError, match=message):
        _read(path)


def test_languages_match_on_the_primary_subtag(tmp_path: Path) -> None:
    head = _HEAD.replace('srcLang="es" trgLang="en"', 'srcLang="ES-mx" trgLang="en-US"')
    path = _file(tmp_path, head + _unit("u1", "Hola", "Hello") + "</file></xliff>\n")
    assert [(p.src_lang, p.tgt_lang) for p in _read(path, "es", "en_GB")] == [("ES-mx", "en-US")]


def test_xliff_12_without_target_language_is_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, OKAPI_12.replace(' target-language="fr-FR"', ""))
    # libxml2 gives an element the line where its start tag ends (<file ...> spans 4-5)
    with pytest.raises(DataFormatError, match=r"bad\.xlf:5: no target-language attribute"):
        _read(path, "en", "fr")


def test_an_untranslated_unit_is_counted_and_one_without_source_fails(tmp_path: Path) -> None:
    body = (_unit("u1", "Hola", "Hello") + _unit("u2", "Sin", None) + _unit("u3", "", "Empty")
            + _unit("u4", "Adiós", "Bye"))
    path = _file(tmp_path, _HEAD + body + "</file></xliff>\n")
    # a unit nobody has translated yet is normal in a CAT file: counted, never an error
    with pytest.raises(DataFormatError, match=r"bad\.xlf:6: unit without source; fix it or "
                       r"pass --skip-bad"):
        _read(path)
    skipped: collections.Counter[str] = collections.Counter()
    pairs = _read(path, skip_bad=True, skipped=skipped)
    assert [(p.id, p.source) for p in pairs] == [("bad.xlf:0", "Hola"), ("bad.xlf:1", "Adiós")]
    assert skipped == {"untranslated (no target)": 1, "unit without source": 1}


def test_a_bad_provenance_note_fails_or_is_skipped(tmp_path: Path) -> None:
    text = _write(tmp_path).read_text(encoding="utf-8").replace(
        '<note category="x-sentences">[0, 1]</note>',
        '<note category="x-sentences">[0, "one"]</note>')
    path = _file(tmp_path, text)
    with pytest.raises(DataFormatError, match=r"bad\.xlf:4: bad provenance note"):
        _read(path)
    skipped: collections.Counter[str] = collections.Counter()
    assert len(_read(path, skip_bad=True, skipped=skipped)) == len(_pairs()) - 1
    assert list(skipped) == ["bad provenance note (invalid literal for int() with base 10: "
                             "' \"one\"')"]


def test_a_unit_outside_a_file_is_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, _HEAD.replace('<file id="f1">', "") + _unit("u1", "A", "B")
                 + "</xliff>")
    with pytest.raises(DataFormatError, match=r"bad\.xlf:4: a unit outside any <file>"):
        _read(path)


def test_a_bad_cp_fails_with_its_line(tmp_path: Path) -> None:
    path = _file(tmp_path, _HEAD + "\n" + _unit("u1", 'A<cp hex="ZZ"/>', "B") + "</file></xliff>")
    with pytest.raises(DataFormatError, match=r"bad\.xlf:5: bad <cp hex='ZZ'>"):
        _read(path)


@pytest.mark.parametrize(("data", "message"), [
    ((_HEAD.replace("UTF-8", "ISO-8859-1") + _unit("u1", "Adiós", "Bye") + "</file></xliff>")
     .encode("latin-1"), r"bad\.xlf:1: the file is not UTF-8; convert it"),
    ((_HEAD + _unit("u1", "Adiós", "Bye") + "</file></xliff>").encode("latin-1"),
     r"bad\.xlf:4: not well-formed XML"),
    ((_HEAD.replace("UTF-8", "UTF-16") + "</file></xliff>").encode("utf-16"),
     r"bad\.xlf:1: the file is not UTF-8"),
    (b"", r"bad\.xlf:1: the file is empty"),
    (b'<?xml version="1.0"?>\n<tmx version="1.4"><header/><body/></tmx>',
     r"bad\.xlf:2: the root is <tmx> in namespace none, not XLIFF"),
])
def test_file_level_problems_name_the_file_and_line(tmp_path: Path, data: bytes,
                                                    message: str) -> None:
    with pytest.raises(DataFormatError, match=message):
        _read(_file(tmp_path, data), skip_bad=True)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: (_HEAD + t).encode()))
def test_any_input_reads_or_fails_with_data_format_error(tmp_path: Path, data: bytes) -> None:
    path = _file(tmp_path, data)
    try:
        _read(path, skip_bad=True)
    except DataFormatError as err:
        assert err.path == path
