"""Corpus filters on hand-made pairs: each filter's verdicts, counting, order and errors.

Expectations are written by hand from the filters' definitions; langid and numbers run the real
lingua models and the real number parser.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpora.filters import (
    NAMES,
    DuplicateFilter,
    EmptyFilter,
    Filter,
    FilterReport,
    LangidFilter,
    LengthRatioFilter,
    NearDuplicateFilter,
    NumbersFilter,
    QAFilter,
    ScoreFilter,
    apply,
    normalise,
    parse_filters,
)
from corpora.pairs import DocumentMeta, Pair
from diglot.errors import ConfigError

DOC = DocumentMeta("essai.fr.md")


def pair(source: str, target: str, n: int = 0, src: str = "fr", tgt: str = "en",
         **kw: Any) -> Pair:
    """A pair (fr→en unless told) with the given texts."""
    return Pair(f"essai.fr.md:{n}", DOC, src, tgt, source, target, **kw)


def kept(filters: Sequence[Filter], pairs: list[Pair], batch: int = 1000
         ) -> tuple[list[str], FilterReport]:
    stream, report = apply(pairs, filters, batch)
    return [p.id for p in stream], report


def numbered(*texts: tuple[str, str]) -> list[Pair]:
    return [pair(s, t, n) for n, (s, t) in enumerate(texts)]


def test_empty_is_always_on_and_removes_blank_sides() -> None:
    assert [type(f) for f in parse_filters("")] == [EmptyFilter]
    pairs = numbered(("Bonjour.", "Hello."), ("", "Hello."), ("Bonjour.", "  \n"), ("x", "y"))
    ids, report = kept(parse_filters(""), pairs)
    assert ids == ["essai.fr.md:0", "essai.fr.md:3"]
    assert report == FilterReport({"empty": 2}, seen=4, kept=2)


def test_duplicate_keeps_the_first_exact_copy_only() -> None:
    pairs = numbered(("Le chat.", "The cat."), ("Le chat.", "The cat."), ("Le chat.", "The Cat."),
                     ("Le chat.", "The cat"), ("Le chat.", "The cat."))
    assert DuplicateFilter().keep(pairs) == [True, False, True, True, False]


def test_duplicates_are_found_across_batches() -> None:
    pairs = numbered(("Un.", "One."), ("Deux.", "Two."), ("Trois.", "Three."), ("Un.", "One."))
    ids, report = kept(parse_filters("duplicate"), pairs, batch=2)
    assert ids == ["essai.fr.md:0", "essai.fr.md:1", "essai.fr.md:2"]
    assert report.removed == {"empty": 0, "duplicate": 1}


def test_near_duplicate_ignores_case_punctuation_and_spaces_but_not_digits() -> None:
    assert normalise("It costs 5 €!  Really?") == "itcosts5really"
    assert normalise("L'été — déjà_là") == "létédéjàlà"
    pairs = numbered(("Il coûte 5 €.", "It costs 5 €."),
                     ("il coûte 5 € !", "IT COSTS 5 €"),  # same letters and digits
                     ("Il coûte 6 €.", "It costs 6 €."),  # other digits: not a duplicate
                     ("Il coûte 5 €.", "It costs five €."))
    assert NearDuplicateFilter().keep(pairs) == [True, False, True, True]


def test_length_ratio_counts_characters_and_keeps_the_limit() -> None:
    pairs = numbered(("a" * 10, "b" * 30), ("a" * 10, "b" * 31), ("c" * 31, "d" * 10),
                     ("Oui.", "Yes."), ("x", "  "))
    assert LengthRatioFilter().keep(pairs) == [True, False, False, True, False]
    assert LengthRatioFilter(1.5).keep(pairs) == [False, False, False, True, False]


def test_score_below_the_threshold_is_removed_and_none_passes() -> None:
    pairs = [pair("a", "b", 0, align_score=0.49), pair("a", "b", 1, align_score=0.5),
             pair("a", "b", 2), pair("a", "b", 3, align_score=0.0)]
    assert ScoreFilter(0.5).keep(pairs) == [False, True, True, False]


def test_qa_removes_pairs_with_an_error_flag_only() -> None:
    pairs = [pair("a", "b", 0, flags=("numbers:error",)),
             pair("a", "b", 1, flags=("length:warning", "copied:info")),
             pair("a", "b", 2),
             pair("a", "b", 3, flags=("length:warning", "wrong-language:error"))]
    assert QAFilter().keep(pairs) == [False, True, True, False]


def test_numbers_compares_values_whatever_their_format() -> None:
    pairs = numbered(("Il pèse 1,5 kg.", "It weighs 1.5 kg."),
                     ("Il pèse 1,5 kg.", "It weighs 2.5 kg."),
                     ("Il a trois chats.", "He has 3 cats."),
                     ("En 1 500 pages.", "In 1,500 pages."),
                     ("Sans chiffre.", "Without digits."),
                     ("Page 12.", "Page."))
    assert NumbersFilter().keep(pairs) == [True, False, True, True, True, False]


def test_langid_removes_a_side_in_the_wrong_language() -> None:
    pairs = numbered(
        ("Le gouvernement a annoncé de nouvelles mesures pour les écoles.",
         "The government announced new measures for schools."),
        # the engine left the target in French
        ("Le gouvernement a annoncé de nouvelles mesures pour les écoles.",
         "Le gouvernement a annoncé de nouvelles mesures pour les écoles."),
        # the source side is German, not French
        ("Die Regierung hat neue Maßnahmen für die Schulen angekündigt.",
         "The government announced new measures for schools."),
        # too short to tell (lingua calls "Il pleut." German, "OK." Dutch): kept
        ("Il pleut.", "OK."),
        ("Merci.", "Hello"))
    ids, report = kept(parse_filters("langid"), pairs)
    assert ids == ["essai.fr.md:0", "essai.fr.md:3", "essai.fr.md:4"]
    assert report.removed == {"empty": 0, "langid": 2}


def test_langid_groups_a_batch_by_language_pair() -> None:
    es_en = pair("El gobierno anunció nuevas medidas para las escuelas.",
                 "The government announced new measures for schools.", 1, src="es")
    fr_es = pair("Le gouvernement a annoncé de nouvelles mesures pour les écoles.",
                 "The government announced new measures for schools.", 2, tgt="es")
    assert LangidFilter().keep([es_en, fr_es]) == [True, False]


def test_langid_without_a_model_for_either_language_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="langid filter: no language model for Aragonese, "
                                          "Asturian.*leave langid out of --filters"):
        LangidFilter().keep([pair("Bonas tardes.", "Bones tardes.", src="an", tgt="ast")])


def test_a_pair_counts_under_the_first_filter_that_removes_it() -> None:
    pairs = [pair("Il a 3 ans.", "He is 3.", 0, align_score=0.9),
             pair("Il a 3 ans.", "He is 3.", 1, align_score=0.1),  # duplicate and low score
             pair("Il a 3 ans.", "He is 4.", 2, align_score=0.1),  # low score and numbers
             pair("Il a 3 ans.", "He is four years and three months old, roughly.", 3),
             pair("", "Empty source, long target.", 4, align_score=0.1),
             pair("Il a 3 ans !", "he is 3", 5, flags=("numbers:error",))]
    filters = parse_filters("numbers, length-ratio,duplicate,near-duplicate,qa", min_score=0.5)
    assert [f.name for f in filters] == ["empty", "duplicate", "near-duplicate", "length-ratio",
                                         "score", "qa", "numbers"]
    ids, report = kept(filters, pairs)
    assert ids == ["essai.fr.md:0"]
    assert report.removed == {"empty": 1, "duplicate": 1, "near-duplicate": 1,
                              "length-ratio": 1, "score": 1, "qa": 0, "numbers": 0}
    assert (report.seen, report.kept) == (6, 1)
    assert str(report) == ("kept 1 of 6 pairs; removed: empty 1, duplicate 1, near-duplicate 1, "
                           "length-ratio 1, score 1, qa 0, numbers 0")


def test_apply_is_lazy_and_keeps_the_order() -> None:
    read: list[int] = []

    def source() -> Iterator[Pair]:
        for n in range(5):
            read.append(n)
            yield pair(f"Phrase {n}.", f"Sentence {n}.", n)

    stream, report = apply(source(), parse_filters(""), batch=2)
    assert read == [] and report.seen == 0
    assert next(stream).id == "essai.fr.md:0" and read == [0, 1]
    assert [p.id for p in stream] == [f"essai.fr.md:{n}" for n in range(1, 5)]
    assert (report.seen, report.kept) == (5, 5)


def test_unknown_filter_names_are_refused_with_the_valid_names() -> None:
    with pytest.raises(ConfigError, match="unknown filter 'dedup', 'lid'; choose among "
                                          + ", ".join(NAMES) + ", or all"):
        parse_filters("duplicate,dedup,lid")
    assert [f.name for f in parse_filters("all")] == [n for n in NAMES if n != "score"]
    assert [f.name for f in parse_filters("qa, ALL", min_score=0.2)] == list(NAMES)


def test_score_needs_a_threshold_and_ratio_must_be_sane() -> None:
    with pytest.raises(ConfigError, match="score filter needs a threshold: give --min-score"):
        parse_filters("score")
    assert [f.name for f in parse_filters("", min_score=0.3)] == ["empty", "score"]
    with pytest.raises(ConfigError, match="length ratio of 0.5 keeps nothing"):
        parse_filters("length-ratio", max_ratio=0.5)


TEXT = st.text(alphabet=st.sampled_from("ab 1,.!\n"), max_size=6)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT, st.none() | st.floats(0, 1)), max_size=30),
       st.integers(1, 7))
def test_counts_add_up_and_order_is_kept(rows: list[tuple[str, str, float | None]],
                                         batch: int) -> None:
    pairs = [pair(s, t, n, align_score=score) for n, (s, t, score) in enumerate(rows)]
    filters = parse_filters("duplicate,near-duplicate,length-ratio,qa,numbers", min_score=0.5)
    ids, report = kept(filters, pairs, batch)
    assert report.seen == len(pairs) and report.kept == len(ids)
    assert report.kept + sum(report.removed.values()) == report.seen
    order = [p.id for p in pairs]
    assert ids == sorted(ids, key=order.index)
    texts = [(p.source, p.target) for p in pairs if p.id in ids]
    assert len(set(texts)) == len(texts)
