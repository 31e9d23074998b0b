"""TSV, JSONL and Moses corpus files: exact output, round trips, diglot run's plain TSV, and
every bad-input path (an error naming file and line, or a counted skip)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpora.pairs import DocumentMeta, ExportHeader, Pair, provenance
from corpora.tabular import COLUMNS, _Encoder, write_jsonl, write_moses, write_tsv
from corpora.tabular_read import moses_inputs, read_jsonl, read_moses, read_tsv
from diglot.errors import ConfigError, DataFormatError

DOC = DocumentMeta("ensayo.es.md", "El trabajo", ("Ana Pérez",), "https://example.org/ensayo",
                   "CC-BY-SA-4.0", None, "Ana Pérez, CC BY-SA 4.0")
OTHER = DocumentMeta("notas.es.md", None, ("Bo", "Cy \"Q\""), None, None, "CC0-1.0", None)
PAIR = Pair("ensayo.es.md:3", DOC, "es", "en", "Hola\tmundo", "Hello world", "Intro", 2,
            (3, 4), (3,), "sentence", 0.75, "apertium", "es-en", "apertium 3.8.3",
            '{"beams":4}', None, "edited", ("bo",), "apertium/es-en",
            "2026-11-30T08:05:13.000+00:00", "bo", "2026-11-30T09:00:00.000+00:00",
            ("numbers:error",), None)
HEADER = ExportHeader("es", "en", (DOC, OTHER), "CC-BY-SA-4.0", "Ana Pérez, CC BY-SA 4.0",
                      "0.1.0", "2026-11-30T10:00:00.000+00:00")

# written by hand from the format's description, not copied from the writer's output
TSV_ROW = ("ensayo.es.md:3\tHola\\tmundo\tHello world\tes\ten\tensayo.es.md\tEl trabajo\t"
           '["Ana Pérez"]\thttps://example.org/ensayo\tCC-BY-SA-4.0\tCC-BY-SA-4.0\t\t'
           "Ana Pérez, CC BY-SA 4.0\tIntro\t2\t[3, 4]\t[3]\tsentence\t0.75\tapertium\tes-en\t"
           'apertium 3.8.3\t{"beams":4}\t\tedited\t["bo"]\tapertium/es-en\t'
           "2026-11-30T08:05:13.000+00:00\tbo\t2026-11-30T09:00:00.000+00:00\t"
           '["numbers:error"]\t')
JSON_OBJECT = {
    "id": "ensayo.es.md:3", "source": "Hola\tmundo", "target": "Hello world",
    "src_lang": "es", "tgt_lang": "en", "document": "ensayo.es.md", "title": "El trabajo",
    "authors": ["Ana Pérez"], "source_ref": "https://example.org/ensayo",
    "license": "CC-BY-SA-4.0", "source_license": "CC-BY-SA-4.0", "translation_license": None,
    "attribution": "Ana Pérez, CC BY-SA 4.0", "section": "Intro", "paragraph": 2,
    "sentences": [3, 4], "target_sentences": [3], "align_method": "sentence",
    "align_score": 0.75, "engine": "apertium", "model": "es-en",
    "engine_version": "apertium 3.8.3", "decoding": '{"beams":4}', "glossary_version": None,
    "status": "edited", "reviewers": ["bo"], "created_by": "apertium/es-en",
    "created_at": "2026-11-30T08:05:13.000+00:00", "changed_by": "bo",
    "changed_at": "2026-11-30T09:00:00.000+00:00", "flags": ["numbers:error"], "note": None}


def tricky_pairs() -> list[Pair]:
    """Pairs with every kind of value: escapes, quotes, Unicode, None and set optionals."""
    return [
        PAIR,
        Pair("notas.es.md:0", OTHER, "es-ES", "en-GB", 'Dijo "sí" \\ luego\nno', "Said\r\n“yes”",
             "", 0, (), (0, 1), "vecalign", None, "human", None, None, "{}", "g-2",
             "confirmed", ("bo", "Ana Pérez"), "Ana Pérez", "2026-11-29T00:00:00Z", None, None,
             (), "retry\twith pivot"),
        Pair("notas.es.md:5", OTHER, "es", "en", "Línea\u2028con separador", "Back\\slash",
             "Sección «2»", 7, (5,), (5,), "review", 1.0, "llm", "gemma-3", "llama.cpp b1",
             '{"t":0.2}', None, "machine", (), "llm/gemma-3", "2026-11-30T00:00:00Z", None,
             None, ("length:warning", "numbers:error"), None),
    ]


# ---------------------------------------------------------------- exact output

def test_tsv_output_is_a_header_and_one_escaped_line_per_pair(tmp_path: Path) -> None:
    out = tmp_path / "c.tsv"
    assert write_tsv([PAIR], out, HEADER) == 1
    lines = out.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "\t".join(COLUMNS)
    assert lines[0].startswith("id\tsource\ttarget\tsrc_lang\ttgt_lang\tdocument\ttitle\t")
    assert lines[0].endswith("\tflags\tnote")
    assert lines[1:] == [TSV_ROW, ""]


def test_jsonl_output_has_every_field(tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    assert write_jsonl([PAIR], out, HEADER) == 1
    text = out.read_text(encoding="utf-8")
    assert text.count("\n") == 1 and text.endswith("}\n")
    assert json.loads(text) == JSON_OBJECT
    assert list(json.loads(text)) == list(JSON_OBJECT)  # key order as COLUMNS


def test_moses_output_is_two_aligned_files_and_a_sidecar(tmp_path: Path) -> None:
    report: Counter[str] = Counter()
    pairs = tricky_pairs()
    assert write_moses(pairs, tmp_path / "c", HEADER, report=report) == 3
    assert (tmp_path / "c.es").read_text(encoding="utf-8") == (
        "Hola mundo\nDijo \"sí\" \\ luego no\nLínea\u2028con separador\n")
    assert (tmp_path / "c.en").read_text(encoding="utf-8") == (
        "Hello world\nSaid  “yes”\nBack\\slash\n")
    assert report == Counter(flattened=2)
    meta = [json.loads(line) for line in
            (tmp_path / "c.meta.jsonl").read_text(encoding="utf-8").splitlines()]
    assert meta[0] == {k: v for k, v in JSON_OBJECT.items() if k not in ("source", "target")}
    assert [m["id"] for m in meta] == ["ensayo.es.md:3", "notas.es.md:0", "notas.es.md:5"]


def test_encoder_agrees_with_provenance() -> None:
    """The writers' fast encoder writes exactly `provenance()` for every kind of value."""
    encoder = _Encoder()
    for pair in tricky_pairs():
        expected = {"id": pair.id, "source": pair.source, "target": pair.target,
                    **provenance(pair)}
        assert json.loads(encoder.json(pair)) == expected
        row = encoder.tsv(pair)
        assert "\n" not in row and row.count("\t") == len(COLUMNS) - 1


# ---------------------------------------------------------------- round trips

@pytest.mark.parametrize(("write", "read", "name"), [
    (write_tsv, read_tsv, "c.tsv"), (write_jsonl, read_jsonl, "c.jsonl")])
def test_round_trip_gives_equal_pairs(tmp_path: Path, write, read, name: str) -> None:
    pairs = tricky_pairs()
    write(iter(pairs), tmp_path / name, HEADER)
    back = list(read(tmp_path / name, "es", "en", document="unused"))
    assert back == pairs
    assert back[1].document is back[2].document  # one DocumentMeta per document
    write(iter(back), tmp_path / f"again.{name}", HEADER)
    assert (tmp_path / f"again.{name}").read_bytes() == (tmp_path / name).read_bytes()


def test_moses_round_trip_keeps_provenance(tmp_path: Path) -> None:
    pairs = [replace(PAIR, source="Hola mundo"), *tricky_pairs()[2:]]
    write_moses(pairs, tmp_path / "corpus", HEADER)
    for given_path in (tmp_path / "corpus", tmp_path / "corpus.es", tmp_path / "corpus.en"):
        assert list(read_moses(given_path, "es", "en")) == pairs


def test_moses_without_sidecar_is_human_confirmed(tmp_path: Path) -> None:
    (tmp_path / "ted.fr-FR").write_text("Bonjour.\nMerci.\n", encoding="utf-8")
    (tmp_path / "ted.en").write_text("Hello.\r\nThanks.", encoding="utf-8")
    assert moses_inputs(tmp_path / "ted", "fr", "en")[2] is None
    pairs = list(read_moses(tmp_path / "ted", "fr", "EN"))
    assert [(p.id, p.source, p.target, p.sentences) for p in pairs] == [
        ("ted:0", "Bonjour.", "Hello.", (0,)), ("ted:1", "Merci.", "Thanks.", (1,))]
    assert {(p.engine, p.status, p.align_method, p.src_lang) for p in pairs} == {
        ("human", "confirmed", "import", "fr")}


def test_plain_run_tsv_reads_with_import_defaults(tmp_path: Path) -> None:
    """diglot run's NAME.es-en.tsv: no header, no escapes (a backslash stays itself)."""
    path = tmp_path / "ensayo.es-en.tsv"
    path.write_text("Hola.\tHello.\n\nC:\\nuevo\tC:\\new\n", encoding="utf-8")
    pairs = list(read_tsv(path, "es", "en"))
    assert pairs == [
        Pair("ensayo.es-en.tsv:0", DocumentMeta("ensayo.es-en.tsv"), "es", "en", "Hola.",
             "Hello.", sentences=(0,), align_method="import", engine="human",
             status="confirmed"),
        Pair("ensayo.es-en.tsv:1", DocumentMeta("ensayo.es-en.tsv"), "es", "en", "C:\\nuevo",
             "C:\\new", sentences=(1,), align_method="import", engine="human",
             status="confirmed")]
    named = list(read_tsv(path, "es", "en", document="ensayo.es.md"))
    assert [p.id for p in named] == ["ensayo.es.md:0", "ensayo.es.md:1"]


def test_tsv_with_some_columns_fills_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "tm.tsv"
    path.write_text("source\ttarget\tstatus\nUno\tOne\tedited\nDos\tTwo\t\n", encoding="utf-8")
    pairs = list(read_tsv(path, "es", "en"))
    assert [(p.id, p.status, p.engine) for p in pairs] == [
        ("tm.tsv:0", "edited", "human"), ("tm.tsv:1", "confirmed", "human")]


def test_jsonl_reads_datasets_translation_rows(tmp_path: Path) -> None:
    path = tmp_path / "hf.jsonl"
    path.write_text('{"translation": {"en": "Hello", "fr-FR": "Bonjour"}}\n\n'
                    '{"id": "x", "translation": {"fr": "Oui", "en": "Yes"}, "extra": 1}\n',
                    encoding="utf-8")
    pairs = list(read_jsonl(path, "fr", "en"))
    assert [(p.id, p.source, p.target) for p in pairs] == [
        ("hf.jsonl:0", "Bonjour", "Hello"), ("x", "Oui", "Yes")]


# ---------------------------------------------------------------- bad input

def test_tsv_wrong_column_count_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "a.tsv"
    path.write_text("Uno\tOne\nDos\tTwo\textra\nTres\tThree\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"a\.tsv:2: has 3 columns, expected 2.*"
                                              r"--skip-bad"):
        list(read_tsv(path, "es", "en"))
    skipped: Counter[str] = Counter()
    pairs = list(read_tsv(path, "es", "en", skip_bad=True, skipped=skipped))
    assert [p.source for p in pairs] == ["Uno", "Tres"]
    assert [p.id for p in pairs] == ["a.tsv:0", "a.tsv:2"]  # ids keep the file's numbering
    assert skipped == Counter(columns=1)


def test_tsv_row_shorter_than_header(tmp_path: Path) -> None:
    path = tmp_path / "ours.tsv"
    write_tsv([PAIR], path, HEADER)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("x\tsolo\n")
    with pytest.raises(DataFormatError, match=r"ours\.tsv:3: has 2 columns, expected 32"):
        list(read_tsv(path, "es", "en"))


def test_tsv_unknown_header_is_an_error_even_when_skipping(tmp_path: Path) -> None:
    path = tmp_path / "h.tsv"
    path.write_text("id\tsource\ttarget\tlicence\nx\tUno\tOne\tMIT\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"h\.tsv:1: unknown .*licence.*columns among"):
        list(read_tsv(path, "es", "en", skip_bad=True))


def test_bad_field_value_is_a_bad_unit(tmp_path: Path) -> None:
    path = tmp_path / "f.tsv"
    path.write_text("source\ttarget\tparagraph\tsentences\nUno\tOne\tdos\t[]\n"
                    "Dos\tTwo\t1\t[1, \"x\"]\nTres\tThree\t2\t[2]\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"f\.tsv:2: a provenance field is malformed"):
        list(read_tsv(path, "es", "en"))
    skipped: Counter[str] = Counter()
    assert [p.paragraph for p in read_tsv(path, "es", "en", skip_bad=True,
                                          skipped=skipped)] == [2]
    assert skipped == Counter({"bad field": 2})


def test_jsonl_bad_json_line(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text('{"source": "Uno", "target": "One"}\n{"source": "Dos", \n[1]\n'
                    '{"source": "Tres", "target": 3}\n{"source": "Cua", "target": "Four"}\n',
                    encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"b\.jsonl:2: is not valid JSON"):
        list(read_jsonl(path, "es", "en"))
    skipped: Counter[str] = Counter()
    pairs = list(read_jsonl(path, "es", "en", skip_bad=True, skipped=skipped))
    assert [p.source for p in pairs] == ["Uno", "Cua"]
    assert skipped == Counter({"bad JSON": 2, "no text": 1})


def test_language_mismatch_and_empty_text(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    path.write_text('{"source": "Un", "target": "One", "src_lang": "fr", "tgt_lang": "en"}\n'
                    '{"source": "Uno", "target": " ", "src_lang": "es-MX"}\n', encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"l\.jsonl:1: the pair is fr→en, not es→en"):
        list(read_jsonl(path, "es", "en"))
    skipped: Counter[str] = Counter()
    assert list(read_jsonl(path, "es", "en", skip_bad=True, skipped=skipped)) == []
    assert skipped == Counter(language=1, empty=1)


def test_moses_files_of_different_lengths(tmp_path: Path) -> None:
    (tmp_path / "c.es").write_text("Uno\nDos\nTres\n", encoding="utf-8")
    (tmp_path / "c.en").write_text("One\nTwo\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"c\.en:3: has 2 lines but c\.es has 3"):
        next(read_moses(tmp_path / "c", "es", "en", skip_bad=True))
    (tmp_path / "c.en").write_text("One\nTwo\nThree\n", encoding="utf-8")
    (tmp_path / "c.meta.jsonl").write_text("{}\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"c\.meta\.jsonl:2: has 1 lines"):
        next(read_moses(tmp_path / "c", "es", "en"))


def test_moses_missing_file_and_same_languages(tmp_path: Path) -> None:
    (tmp_path / "c.es").write_text("Uno\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"c\.en: no such file; a Moses corpus is"):
        list(read_moses(tmp_path / "c", "es", "en"))
    with pytest.raises(ConfigError, match="must differ"):
        write_moses([PAIR], tmp_path / "d", ExportHeader("es", "es", (), None, "", "0", ""))


@pytest.mark.parametrize("reader", ["tsv", "jsonl", "moses"])
def test_non_utf8_is_an_error_even_when_skipping(tmp_path: Path, reader: str) -> None:
    latin1 = "Canción\tSong\n".encode("latin-1")
    if reader == "moses":
        (tmp_path / "c.es").write_bytes(b"Uno\n" + "Canción\n".encode("latin-1"))
        (tmp_path / "c.en").write_text("One\nSong\n", encoding="utf-8")
        path, match = tmp_path / "c", r"c\.es:2: is not UTF-8 \(byte 0xf3"
        it = read_moses(path, "es", "en", skip_bad=True)
    else:
        path = tmp_path / f"x.{reader}"
        path.write_bytes(b"Uno\tOne\n" + latin1 if reader == "tsv"
                         else b'{"source": "a", "target": "b"}\n' + latin1)
        match = (rf"x\.{reader}:2: is not UTF-8 \(byte 0xf3, detected CP1252\); convert it: "
                 rf"iconv -f CP1252 -t UTF-8 .*x\.{reader} > .*x\.utf8\.{reader}$")
        it = (read_tsv if reader == "tsv" else read_jsonl)(path, "es", "en", skip_bad=True)
    with pytest.raises(DataFormatError, match=match):
        list(it)


def test_utf16_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.tsv"
    path.write_bytes("Uno\tOne\n".encode("utf-16"))
    with pytest.raises(DataFormatError, match=r"w\.tsv:1: is not UTF-8"):
        list(read_tsv(path, "es", "en"))


def test_failed_export_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    out = tmp_path / "c.tsv"
    out.write_text("old\n", encoding="utf-8")

    def broken():
        yield PAIR
        raise RuntimeError("store went away")

    with pytest.raises(RuntimeError):
        write_tsv(broken(), out, HEADER)
    with pytest.raises(RuntimeError):
        write_moses(broken(), tmp_path / "m", HEADER)
    assert [p.name for p in tmp_path.iterdir()] == ["c.tsv"]
    assert out.read_text(encoding="utf-8") == "old\n"


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_readers_raise_only_data_format_errors(tmp_path: Path, data: bytes) -> None:
    """On any bytes a reader yields pairs or raises DataFormatError, nothing else."""
    for reader, name in ((read_tsv, "any.tsv"), (read_jsonl, "any.jsonl")):
        path = tmp_path / name
        path.write_bytes(data)
        try:
            for pair in reader(path, "es", "en"):
                assert pair.source.strip() and pair.target.strip()
        except DataFormatError as exc:
            assert exc.path == path


_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
_SOME_TEXT = _TEXT.filter(lambda t: t.strip() != "")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=_SOME_TEXT, target=_SOME_TEXT, section=_TEXT,
       note=st.none() | _SOME_TEXT, reviewers=st.lists(_TEXT, max_size=3),
       title=st.none() | _SOME_TEXT)
def test_any_text_round_trips(tmp_path: Path, source: str, target: str, section: str,
                              note: str | None, reviewers: list[str], title: str | None
                              ) -> None:
    """Tabs, line breaks, backslashes, quotes, U+2028, NUL: TSV and JSONL give them back."""
    doc = replace(DOC, title=title)
    pair = replace(PAIR, document=doc, source=source, target=target, section=section,
                   note=note, reviewers=tuple(reviewers))
    for write, read, name in ((write_tsv, read_tsv, "p.tsv"), (write_jsonl, read_jsonl,
                                                               "p.jsonl")):
        write([pair, pair], tmp_path / name, HEADER)
        assert list(read(tmp_path / name, "es", "en")) == [pair, pair]
