"""Terminology during translation, on real Apertium and a real (tiny) transformers model;
`diglot glossary` and `diglot run --glossary` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glossary.check import TermChecker, check_segments
from glossary.enforce import GlossaryEngine, form_for, put
from glossary.termbase import Term, validate
from tests.conftest import SAMPLE, SAMPLE_REF, needs_apertium
from tests.test_cli import diglot
from translate.engine import open_engine
from translate.langs import resolve

EN, ES = resolve("en"), resolve("es")
SOURCES = ["The workers own the means of production.",
           "Workers of the world, unite!",
           "The worker reads a book about the state.",
           "A book is not a tool."]


def en_es(*terms: Term):  # type: ignore[no-untyped-def]
    return validate(terms, EN, ES, None)


@needs_apertium
def test_apertium_output_follows_the_glossary() -> None:
    base = en_es(Term("worker", ("obrero", "obreros")),
                 Term("means of production", ("medios de producción",)),
                 Term("book", ("volumen",), ("libro",)))
    plain = open_engine("apertium", EN, ES)
    before = [h.text for h in plain.translate_batch(SOURCES)]
    engine = GlossaryEngine(open_engine("apertium", EN, ES), base)
    after = [h.text for h in engine.translate_batch(SOURCES)]
    plain.close()
    engine.close()
    checker = TermChecker(base)
    rows = list(zip(map(str, range(4)), SOURCES, before, strict=True))
    assert check_segments(checker, rows).usage < 0.5  # Apertium alone says trabajador, libro
    report = check_segments(checker, list(zip(map(str, range(4)), SOURCES, after, strict=True)))
    assert report.usage == 1.0 and not report.violations
    assert after[0].startswith("Los obreros poseen")  # the inflected form the glossary lists
    assert after[1].startswith("Obreros")  # capitalised at the start of the sentence
    assert engine.stats["left wrong"] == 0 and engine.stats["substituted"] >= 2
    assert engine.config.params["glossary"] == base.version


@needs_apertium
def test_masking_alone_puts_the_form_in_place_of_the_placeholder() -> None:
    base = en_es(Term("worker", ("obrero", "obreros")), Term("Paris", ("Paris",), dnt=True,
                                                             case_sensitive=True))
    engine = GlossaryEngine(open_engine("apertium", EN, ES), base, steps=("mask",))
    out = [h.text for h in engine.translate_batch(["The worker lives in Paris.",
                                                     "Workers of Paris!"])]
    engine.close()
    assert engine.stats["masked"] == 2 and engine.stats["left wrong"] == 0
    assert "obrero" in out[0] and "Paris" in out[0] and "París" not in out[0]
    assert out[1].startswith("Obrero")  # the placeholder was the first word


def test_form_for_keeps_agreement_and_case() -> None:
    term = Term("worker", ("obrero", "obreros"))
    assert form_for(term, "trabajadores") == "obreros"
    assert form_for(term, "Trabajador") == "Obrero"
    assert form_for(Term("state", ("Estado",)), "estado") == "Estado"  # never lower-cased


@pytest.mark.parametrize("name", ["transformers", "ctranslate2"])
def test_nbest_choice_prefers_the_compliant_hypothesis(tmp_path: Path, name: str) -> None:
    pytest.importorskip("torch", reason="the transformers extra is not installed")
    if name == "ctranslate2":
        pytest.importorskip("ctranslate2", reason="the ct2 extra is not installed")
    from tests.tinymodels import build_marian

    options_ = {"quantization": "float32"} if name == "ctranslate2" else {}
    engine = open_engine(name, ES, EN, model=str(build_marian(tmp_path / "m")), **options_)
    source = "La clase obrera lucha contra la burguesía."
    options = engine.translate_nbest([source], 8)[0]  # type: ignore[attr-defined]
    first = set(options[0].text.split())
    word = next((w for h in options[1:] for w in h.text.split()
                 if w not in first and w.isalpha()), None)
    if word is None:
        pytest.skip("this random model gave no hypothesis with a word the first lacks")
    base = validate([Term("clase", (word,))], ES, EN, None)
    wrapped = GlossaryEngine(engine, base, nbest=8)
    out = wrapped.translate_batch([source])[0].text
    assert out in [h.text for h in options[1:]]
    assert wrapped.stats["n-best"] == 1


def _glossary(tmp_path: Path) -> Path:
    path = tmp_path / "g.tsv"
    path.write_text("es\ten\tforbidden\ntrabajo\tlabour\twork\nlengua\tlanguage\ttongue\n"
                    "herramienta\ttool\t\n", encoding="utf-8")
    return path


@needs_apertium
def test_run_with_glossary_records_its_version_and_checks(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = diglot("run", str(SAMPLE), "--from", "es", "--to", "en", "--out", str(out),
                 "--reference", str(SAMPLE_REF), "--glossary", str(_glossary(tmp_path)))
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    g = summary["glossary"]
    assert g["usage"] == 1.0 and g["violations"] == 0 and g["occurrences"] >= 8
    assert summary["params"]["glossary"] == g["version"]
    assert "qa" in summary and "glossary" in summary["qa"]["by_check"]
    assert "labour" in (out / "ensayo.en.md").read_text(encoding="utf-8")
    # the same run without the glossary is another configuration: nothing reused
    plain = diglot("run", str(SAMPLE), "--from", "es", "--to", "en", "--out", str(out))
    assert "0 from the store" in plain.stdout
    # the checker agrees on the run folder, and finds the plain run's violations
    res = diglot("glossary", "check", str(out), "--glossary", str(_glossary(tmp_path)))
    assert res.returncode == 1 and "forbidden 'work'; use labour" in res.stdout


@needs_apertium
def test_glossary_for_another_pair_fails_before_any_work(tmp_path: Path) -> None:
    path = tmp_path / "g.tsv"
    path.write_text("fr\ten\ntravail\tlabour\n", encoding="utf-8")
    res = diglot("run", str(SAMPLE), "--from", "es", "--to", "en", "--out",
                 str(tmp_path / "o"), "--glossary", str(path))
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        f"diglot: error: {path} is for fr→en, not es→en; give a glossary for this pair"]
    assert not (tmp_path / "o").exists()


def test_glossary_cli_check_convert_info(tmp_path: Path) -> None:
    bitext = tmp_path / "b.tsv"
    bitext.write_text("El trabajo social.\tSocial work.\nLa lengua.\tThe language.\n",
                      encoding="utf-8")
    res = diglot("glossary", "check", str(bitext), "--glossary", str(_glossary(tmp_path)),
                 "--json")
    assert res.returncode == 1
    data = json.loads(res.stdout)
    assert data["violations"] == [{"segment": "b.tsv:1", "kind": "forbidden", "term": "trabajo",
                                   "position": 3, "source": "trabajo", "found": "work",
                                   "expected": ["labour"]}]
    tbx = tmp_path / "g.tbx"
    assert diglot("glossary", "convert", str(_glossary(tmp_path)), str(tbx)).returncode == 0
    info = diglot("glossary", "info", str(tbx))
    assert "es→en, 3 terms" in info.stdout
    bad = tmp_path / "bad.tbx"
    bad.write_text("<martif><text><body><termEntry>", encoding="utf-8")
    res = diglot("glossary", "info", str(bad))
    assert res.returncode == 2 and res.stderr.startswith(f"diglot: error: {bad}:1")


@needs_apertium
def test_check_reads_a_project_store(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert diglot("run", str(SAMPLE), "--from", "es", "--to", "en", "--out",
                  str(out)).returncode == 0
    res = diglot("glossary", "check", str(out / "diglot.db"), "--glossary",
                 str(_glossary(tmp_path)))
    assert res.returncode == 1
    assert "ensayo.es.md segment" in res.stdout and "use labour" in res.stdout


# -- terms that end with a period (issue 14, section 5) ------------------------------------

DOTTED = (Term("S.A.", ("Inc.",)), Term("EE. UU.", ("US",)), Term("aprox.", ("approx.",)),
          Term("Cía.", ("Co.",)))
#: source, what the English must contain (written by hand), sentences in the source
DOTTED_CASES = [
    ("Grupo Norte S.A. invierte en energía. Desde 2010 crece.", ["Inc. invests"], 2),
    ("Vive en EE. UU. desde 2010.", ["US from 2010."], 1),  # mid-sentence: no "US. From"
    ("Trabaja en EE. UU.", ["US."], 1),  # at the end: the sentence keeps one period
    ("Trabaja en EE. UU. Luego volvió.", ["US. "], 2),  # a real end after the term stays
    ("Los EE. UU. y México firmaron.", ["US and Mexico"], 1),
    ("La casa vale aprox. 20 000 euros.", ["approx. 20 000"], 1),
    ("Trabaja para Grupo Norte S.A.", ["Inc."], 1),  # "Inc." ends the sentence, not "Inc.."
    ("Pérez y Cía. vende coches.", ["Co. sells"], 1),
    # the term's period goes with it where punctuation follows
    ("¿Vive en EE. UU.? No lo sé.", ["US? "], 2),
    ("Los precios en EE. UU., aprox. 20 dólares, subieron.", ["US, approx. 20"], 1),
    ("Viajó a los EE. UU. (Nueva York) en 1990.", ["US (New York)"], 1),
]


def test_put_never_doubles_a_period() -> None:
    assert put("Group North S.A. invests.", 12, 15, "Inc.") == "Group North Inc. invests."
    assert put("Group North S.A.", 12, 16, "Inc.") == "Group North Inc."
    assert put("It works in EE. UU.", 12, 19, "US") == "It works in US."
    assert put("It lives in EE. UU. since", 12, 19, "US") == "It lives in US since"
    assert put("Costs aprox. 20", 6, 11, "approx.") == "Costs approx. 20"
    # a rendering of "EE. UU." without its period: the period after it is the term's
    assert put("Lives in EE. UU.? No.", 9, 15, "US", owned=True) == "Lives in US? No."
    assert put("In EE. UU., prices", 3, 9, "US", owned=True) == "In US, prices"
    assert put("Works in EE. UU.", 9, 15, "US", owned=True) == "Works in US."
    assert put("Lives in EE. UU. From 2010.", 9, 15, "US", owned=True) == \
        "Lives in US. From 2010."  # left for masking to judge: it counts the sentences


@needs_apertium
@pytest.mark.parametrize("steps", [GlossaryEngine.STEPS, ("mask",), ("substitute",)])
def test_terms_ending_with_a_period_on_apertium(steps: tuple[str, ...]) -> None:
    from corpora.splitter import split_sentences

    engine = GlossaryEngine(open_engine("apertium", ES, EN),
                            validate(DOTTED, ES, EN, None), steps=steps)
    out = [h.text for h in engine.translate_batch([s for s, _, _ in DOTTED_CASES])]
    engine.close()
    for (source, parts, count), text in zip(DOTTED_CASES, out, strict=True):
        assert ".." not in text, (source, text)
        assert not any(bad in text for bad in ("S.A", "EE.", "UU", "aprox", "Cía")), (source, text)
        if steps != ("substitute",):  # substitution alone cannot undo the engine's own cut
            assert all(p in text for p in parts), (source, text)
            assert len(split_sentences(text, "en")) == count, (source, text)
    assert engine.stats["left wrong"] == 0


@needs_apertium
def test_run_with_terms_ending_with_a_period(tmp_path: Path) -> None:
    from corpora.splitter import split_sentences

    doc = tmp_path / "informe.es.md"
    doc.write_text("# Informe\n\n" + "\n\n".join(s for s, _, _ in DOTTED_CASES) + "\n",
                   encoding="utf-8")
    glossary = tmp_path / "g.tsv"
    glossary.write_text("es\ten\n" + "".join(f"{t.source}\t{t.preferred}\n" for t in DOTTED),
                        encoding="utf-8")
    out = tmp_path / "out"
    res = diglot("run", str(doc), "--from", "es", "--to", "en", "--out", str(out),
                 "--glossary", str(glossary))
    assert res.returncode == 0, res.stderr
    text = (out / "informe.en.md").read_text(encoding="utf-8")
    assert ".." not in text
    for _, parts, _ in DOTTED_CASES:
        assert all(p.strip() in text for p in parts), (parts, text)
    pairs = [line.split("\t") for line in
             (out / "informe.es-en.tsv").read_text(encoding="utf-8").splitlines()]
    # the splitter does not cut after S.A. or EE. UU. inside a sentence; one pair a sentence
    assert len(pairs) == 1 + sum(n for _, _, n in DOTTED_CASES)
    assert all(len(split_sentences(tgt, "en")) == 1 for _, tgt, *_ in pairs[1:])
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["glossary"]["usage"] == 1.0
