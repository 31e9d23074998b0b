"""Term-pair extraction: real FLORES sentences judged against a hand-written lexicon, counts
checked against regular expressions over the raw files, and small synthetic bitexts."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from diglot.errors import ConfigError
from glossary.extract import Candidate, candidates_tsv, extract_candidates, log_likelihood
from glossary.stopwords import BUILTIN, stopwords
from glossary.termbase import read_termbase
from glossary.text import WORD, Normalizer
from tests.conftest import SHARED, needs_shared
from translate.langs import resolve

EN, FR = resolve("en"), resolve("fr")
NORM_EN, NORM_FR = Normalizer(EN.name), Normalizer(FR.name)

# English–French translations a bilingual reader accepts, written for the FLORES dev topics
# (news, travel, science), before and independently of any extractor output. Compared by
# match keys, so any inflected form of either side counts.
LEXICON = [
    ("country", "pays"), ("use", "utiliser"), ("often", "souvent"), ("first", "premier"),
    ("first", "première"), ("two", "deux"), ("three", "trois"), ("four", "quatre"),
    ("car", "voiture"), ("different", "différent"), ("local", "local"), ("war", "guerre"),
    ("language", "langue"), ("called", "appelé"), ("century", "siècle"), ("try", "essayer"),
    ("water", "eau"), ("limited", "limité"), ("hotel", "hôtel"), ("travel", "voyage"),
    ("travel", "voyager"), ("season", "saison"), ("million", "million"), ("said", "déclaré"),
    ("said", "dit"), ("tourist", "touriste"), ("government", "gouvernement"),
    ("world", "monde"), ("children", "enfants"), ("city", "ville"), ("system", "système"),
    ("generally", "généralement"), ("European", "européen"), ("Olympic", "olympique"),
    ("words", "mots"), ("second", "deuxième"), ("second", "seconde"), ("years", "années"),
    ("years", "ans"), ("British", "britannique"), ("family", "famille"), ("temple", "temple"),
    ("hour", "heure"), ("problem", "problème"), ("student", "étudiant"), ("history", "histoire"),
    ("normal", "normal"), ("visit", "visite"), ("international", "international"),
    ("today", "aujourd'hui"), ("point", "point"), ("cell", "cellule"), ("phone", "téléphone"),
    ("German", "allemand"), ("winter", "hiver"), ("popular", "populaire"), ("ship", "navire"),
    ("island", "île"), ("north", "nord"), ("China", "Chine"), ("animals", "animaux"),
    ("month", "mois"), ("important", "important"), ("scientists", "scientifiques"),
    ("police", "police"), ("president", "président"), ("United States", "États-Unis"),
    ("New Zealand", "Nouvelle-Zélande"), ("earthquake", "tremblement de terre"),
    ("prime minister", "premier ministre"), ("crude oil", "pétrole brut"),
    ("World War", "guerre mondiale"), ("people", "personnes"), ("people", "gens"),
    ("time", "temps"), ("day", "jour"), ("days", "jours"), ("based", "basé"),
]
ACCEPTED = {(NORM_EN.phrase(e), NORM_FR.phrase(f)) for e, f in LEXICON}


def keys(c: Candidate) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return NORM_EN.phrase(c.source), NORM_FR.phrase(c.target)


@pytest.fixture(scope="module")
def flores() -> list[tuple[str, str]]:
    en = (SHARED / "flores-dev" / "eng.dev").read_text(encoding="utf-8").splitlines()
    fr = (SHARED / "flores-dev" / "fra.dev").read_text(encoding="utf-8").splitlines()
    return list(zip(en, fr, strict=True))


@pytest.fixture(scope="module")
def found(flores: list[tuple[str, str]]) -> list[Candidate]:
    return extract_candidates(flores, EN, FR, top=None)


@needs_shared
def test_known_flores_terms_are_found(found: list[Candidate]) -> None:
    # each checked by grep: the English term and the French one share most of their lines
    frequent = [("country", "pays"), ("war", "guerre"), ("car", "voiture"),
                ("century", "siècle"), ("government", "gouvernement"), ("winter", "hiver"),
                ("children", "enfants"), ("season", "saison"), ("United States", "États-Unis")]
    rare = [("New Zealand", "Nouvelle-Zélande"), ("earthquake", "tremblement de terre"),
            ("prime minister", "premier ministre"), ("crude oil", "pétrole brut")]
    top200 = {keys(c) for c in found[:200]}
    everything = {keys(c) for c in found}
    for e, f in frequent:
        assert (NORM_EN.phrase(e), NORM_FR.phrase(f)) in top200, (e, f)
    for e, f in rare:
        assert (NORM_EN.phrase(e), NORM_FR.phrase(f)) in everything, (e, f)


@needs_shared
def test_top_candidates_are_mostly_right(found: list[Candidate]) -> None:
    top = found[:30]
    right = [c for c in top if keys(c) in ACCEPTED]
    assert len(right) >= 27, [(c.source, c.target) for c in top if c not in right]
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)


@needs_shared
def test_counts_agree_with_a_regex_over_the_files(found: list[Candidate],
                                                  flores: list[tuple[str, str]]) -> None:
    def lines(pattern: str, side: int) -> set[int]:
        rx = re.compile(pattern, re.IGNORECASE)
        return {i for i, pair in enumerate(flores) if rx.search(pair[side])}

    # "Pays-Bas" is another word: a hyphenated compound is never cut
    checks = [("country", "pays", r"\bcountr(y|ies)\b", r"(?<![-\w])pays(?![-\w])"),
              ("car", "voiture", r"\bcars?\b", r"\bvoitures?\b")]
    for e, f, en_rx, fr_rx in checks:
        (c,) = [c for c in found if keys(c) == (NORM_EN.phrase(e), NORM_FR.phrase(f))]
        a, b = lines(en_rx, 0), lines(fr_rx, 1)
        assert (c.source_count, c.target_count, c.count) == (len(a), len(b), len(a & b))


@needs_shared
def test_terms_have_no_function_words_at_their_edges(found: list[Candidate]) -> None:
    stop_en, stop_fr = stopwords(EN), stopwords(FR)
    for c in found:
        for term, stop in ((c.source, stop_en), (c.target, stop_fr)):
            edges = {w for w in (WORD.findall(term)[0], WORD.findall(term)[-1])
                     if not w.isupper()}  # "US" is no "us", the "M" of "M. Pittman" no "m"
            assert not {w.lower() for w in edges} & stop, term
            assert any(ch.isalpha() for ch in term), term


@needs_shared
def test_case_is_kept_only_where_always_capitalised(found: list[Candidate]) -> None:
    by_source = {c.source.lower(): c for c in found}
    assert by_source["united states"].source == "United States"
    assert by_source["united states"].target == "États-Unis"
    assert "often" in {c.source for c in found}  # "Often" opens some sentences: not a name


@needs_shared
def test_max_words_and_top_are_respected(flores: list[tuple[str, str]]) -> None:
    found = extract_candidates(flores, EN, FR, max_words=2, top=50)
    assert len(found) == 50
    assert all(len(WORD.findall(c.source)) <= 2 and len(WORD.findall(c.target)) <= 2
               for c in found)


@needs_shared
def test_tsv_reads_back_as_a_glossary(found: list[Candidate], tmp_path: Path) -> None:
    path = tmp_path / "candidates.tsv"
    path.write_text(candidates_tsv(found[:200], EN, FR), encoding="utf-8")
    base = read_termbase(path, EN, FR)
    assert base.warnings == ()
    assert [(t.source, t.preferred) for t in base.terms] == [(c.source, c.target)
                                                            for c in found[:200]]
    first = found[0]
    assert base.terms[0].note == (f"G² {first.score:.1f}, Dice {first.dice:.2f}, "
                                  f"{first.count} segments")


FILLER = [
    ("The weather was cold in January.", "Il faisait froid en janvier."),
    ("Farmers sold apples at the market.", "Les paysans vendaient des pommes au marché."),
    ("She wrote a long letter to her brother.", "Elle écrivit une longue lettre à son frère."),
    ("The train arrived late again.", "Le train est encore arrivé en retard."),
    ("Our neighbours painted their house blue.", "Nos voisins ont peint leur maison en bleu."),
    ("A small boat crossed the lake.", "Un petit bateau traversa le lac."),
    ("Museums close early on Sundays.", "Les musées ferment tôt le dimanche."),
    ("He forgot his umbrella at the station.", "Il a oublié son parapluie à la gare."),
]
STRUGGLE = [
    ("The class struggle shaped history.", "La lutte des classes a façonné l'histoire."),
    ("All history is the history of class struggles.",
     "Toute l'histoire est l'histoire de luttes des classes."),
    ("Class struggles never end.", "Les luttes des classes ne finissent jamais."),
    ("Every class struggle is political.", "Toute lutte des classes est politique."),
]


def test_inflected_forms_count_together() -> None:
    found = extract_candidates(STRUGGLE + FILLER, EN, FR)
    wanted = (NORM_EN.phrase("class struggle"), NORM_FR.phrase("lutte des classes"))
    (c,) = [c for c in found if keys(c) == wanted]
    assert (c.count, c.source_count, c.target_count) == (4, 4, 4)
    assert c.source == "class struggle"  # twice so, mid-sentence; the plural once each way
    assert c.target in ("lutte des classes", "luttes des classes")  # twice each
    # "class" and "struggle" occur only inside "class struggle": they yield to it
    assert not any(keys(c)[0] in (("class",), ("struggl",)) for c in found)


def test_function_words_do_not_bound_terms() -> None:
    pairs = [(f"{e} {extra}", f"{f} {extra}") for e, f in STRUGGLE for extra in ("", "Yes.")]
    found = extract_candidates(pairs + FILLER, EN, FR, top=None)
    sources = {c.source.lower() for c in found}
    assert "class struggle" in sources
    assert not sources & {"the class struggle", "of class struggles", "the class"}


def test_numbers_alone_are_not_terms() -> None:
    pairs = [(f"In 1848 the {w} fell.", f"En 1848 le {w} tomba.") for w in
             ("king", "minister", "regime", "bank", "price")]
    found = extract_candidates(pairs + FILLER, EN, FR, top=None)
    assert all(re.search(r"[^\W\d]", c.source) for c in found)
    assert not any(c.source == "1848" for c in found)


def test_empty_and_wordless_input() -> None:
    assert extract_candidates([], EN, FR) == []
    assert extract_candidates([("", ""), ("123", "456"), ("!", "?")], EN, FR) == []
    assert candidates_tsv([], EN, FR) == "en\tfr\tnote\n"


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ConfigError, match="max_words is 0"):
        extract_candidates(FILLER, EN, FR, max_words=0)
    with pytest.raises(ConfigError, match="min_count is 0"):
        extract_candidates(FILLER, EN, FR, min_count=0)
    with pytest.raises(ConfigError, match="top is 0"):
        extract_candidates(FILLER, EN, FR, top=0)


def test_log_likelihood_matches_the_textbook_formula() -> None:
    def g2(c: int, fs: int, ft: int, n: int) -> float:  # 2 Σ O ln(O/E), written out
        cells = [(c, fs, ft), (fs - c, fs, n - ft), (ft - c, n - fs, ft),
                 (n - fs - ft + c, n - fs, n - ft)]
        return 2 * sum(o * math.log(o * n / (row * col)) for o, row, col in cells if o)

    for c, fs, ft, n in [(47, 49, 54, 997), (3, 3, 3, 997), (1, 10, 10, 1000), (0, 5, 7, 100)]:
        got = log_likelihood(np.array([c]), np.array([fs]), np.array([ft]), n)
        assert got[0] == pytest.approx(g2(c, fs, ft, n))
    # perfect association in half of 40 segments: two cells of 20 where 10 were expected
    got = log_likelihood(np.array([20]), np.array([20]), np.array([20]), 40)
    assert got[0] == pytest.approx(2 * 40 * math.log(2))


def test_builtin_stopword_lists() -> None:
    assert set(BUILTIN) == {"en", "fr", "es", "de", "it", "pt"}
    for code, words in BUILTIN.items():
        assert 80 <= len(words) <= 200, code
        assert all(w == w.lower() for w in words)
        assert stopwords(resolve(code)) is words
    assert {"the", "of", "and"} <= BUILTIN["en"] and "war" not in BUILTIN["en"]
    assert {"les", "des", "l", "qu"} <= BUILTIN["fr"] and "guerre" not in BUILTIN["fr"]
    assert {"der", "und", "nicht"} <= BUILTIN["de"]


def test_stopword_fallback_needs_enough_segments() -> None:
    fi = resolve("fi")  # Finnish: no built-in list
    nouns = ["kissa", "koira", "talo", "auto", "tie", "puu", "järvi", "metsä", "kirja", "kukka",
             "lintu", "kala", "vesi", "maa", "kivi", "ovi", "ikkuna", "pöytä", "tuoli", "lamppu",
             "kenkä", "hattu", "takki", "laiva", "juna"]
    texts = [f"{nouns[i % 25]} ja {nouns[(i * 7 + 3) % 25]} kuitenkin" for i in range(60)]
    assert stopwords(fi, texts[:49]) == frozenset()
    assert stopwords(fi, None) == frozenset()
    # "ja" (and) is in every segment; "kuitenkin" (however) too, but long; nouns in few
    assert stopwords(fi, texts) == {"ja"}


@needs_shared
def test_stopword_fallback_on_chinese() -> None:
    lines = [line for p in sorted((SHARED / "mac-dev" / "zh").glob("[0-9][0-9][0-9]"))
             for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    found = stopwords(resolve("zh"), lines)
    assert {"的", "了", "是", "不"} <= found  # particles and the copula, in any narrative
    assert "陈" not in found  # a character's surname
