"""Term bases, matching and checking: real files, real stemmers, real text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diglot.errors import ConfigError, DataFormatError
from glossary.check import TermChecker, check_segments
from glossary.enforce import prompt_block, prompt_entries
from glossary.match import PhraseIndex
from glossary.termbase import Term, TermBase, read_termbase, validate, write_tsv
from glossary.text import Normalizer
from translate.langs import resolve

FR, EN, ES = resolve("fr"), resolve("en"), resolve("es")
HEADER = "fr\ten\tforbidden\tnote\tpos\tcase\tdnt\n"


def tsv(tmp_path: Path, body: str, name: str = "g.tsv", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return path


def base(*terms: Term, src: str = "fr", tgt: str = "en") -> TermBase:
    return validate(terms, resolve(src), resolve(tgt), None)


# -- reading and validating ---------------------------------------------------------------


def test_tsv_with_language_header_reads_every_field(tmp_path: Path) -> None:
    path = tsv(tmp_path, "# a comment\nlutte des classes\tclass struggle|class war\tclass fight"
                         "\tcentral\tnoun\t\t\nUS\tUS\t\t\t\tyes\tyes\n\nMarx\t\t\t\t\t\tyes\n")
    got = read_termbase(path)
    assert (got.src, got.tgt, len(got)) == (FR, EN, 3)
    struggle, us, marx = got.terms
    assert struggle == Term("lutte des classes", ("class struggle", "class war"),
                            ("class fight",), "central", "noun")
    assert struggle.line == 3 and marx.line == 6
    assert us.case_sensitive and us.dnt
    assert marx.targets == ("Marx",)  # do not translate: the source is the target


def test_csv_with_quotes_and_role_header_needs_the_pair(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text('source,target,note\n"moyens de production","means of production",'
                    '"a note, with a comma"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="give --from and --to"):
        read_termbase(path)
    got = read_termbase(path, FR, EN)
    assert got.terms[0].note == "a note, with a comma"


def test_version_follows_content_not_order_or_file(tmp_path: Path) -> None:
    a = tsv(tmp_path, "classe\tclass\t\t\t\t\t\nÉtat\tState\t\t\t\t\t\n", "a.tsv")
    b = tsv(tmp_path, "\nÉtat\tState\t\t\t\t\t\nclasse\tclass\t\t\t\t\t\n", "b.tsv")
    c = tsv(tmp_path, "classe\tclass\t\t\t\t\t\nÉtat\tstate\t\t\t\t\t\n", "c.tsv")
    versions = [read_termbase(p).version for p in (a, b, c)]
    assert versions[0] == versions[1] != versions[2]


def test_tsv_round_trip(tmp_path: Path) -> None:
    original = read_termbase(tsv(tmp_path, "lutte des classes\tclass struggle|class war\t"
                                           "class fight\tnote\tnoun\t\t\nUS\t\t\t\t\tyes\tyes\n"))
    write_tsv(original, tmp_path / "out.tsv")
    again = read_termbase(tmp_path / "out.tsv")
    assert again.terms == original.terms and again.version == original.version


def test_repeated_entry_is_a_warning_naming_both_lines(tmp_path: Path) -> None:
    got = read_termbase(tsv(tmp_path, "classe\tclass\t\t\t\t\t\nClasse\tclass\t\t\t\t\t\n"))
    assert len(got) == 1
    assert any("g.tsv:3: repeats line 2" in w for w in got.warnings)


def test_conflicting_entries_name_both_lines(tmp_path: Path) -> None:
    path = tsv(tmp_path, "classe\tclass\t\t\t\t\t\nÉtat\tState\t\t\t\t\t\nclasse\tgrade\t\t\t"
                         "\t\t\n")
    with pytest.raises(DataFormatError, match=r"g\.tsv:4: 'classe' conflicts with line 2 .*"
                                              r"class.*grade.*merge them"):
        read_termbase(path)


def test_entries_that_only_stem_alike_are_kept_with_a_note(tmp_path: Path) -> None:
    got = read_termbase(tsv(tmp_path, "communisme\tcommunism\t\t\t\t\t\ncommuniste\tCommunist"
                                      "\t\t\t\t\t\n"))
    assert len(got) == 2
    assert any("'communiste' stems like 'communisme'" in w for w in got.warnings)


@pytest.mark.parametrize(("body", "message"), [
    ("\tclass\t\t\t\t\t\n", r"g\.tsv:2: empty source term"),
    ("classe\t\t\t\t\t\t\n", r"g\.tsv:2: no target for 'classe'.*dnt"),
    ("classe\tclass\tclass\t\t\t\t\n", r"g\.tsv:2: 'class' is both accepted and forbidden"),
    ("classe\tclass\t\t\t\tmaybe\t\n", r"g\.tsv:2: column 'case' has 'maybe'; write yes or no"),
    ("classe\tclass\t\t\t\t\t\textra\tmore\n", r"g\.tsv:2: has 9 fields but the header has 7"),
    ("--\tclass\t\t\t\t\t\n", r"g\.tsv:2: source term '--' has no words"),
])
def test_bad_entries_are_one_line_errors(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(DataFormatError, match=message):
        read_termbase(tsv(tmp_path, body))


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="header needs a source and a target"):
        read_termbase(tsv(tmp_path, "x\ty\n", header="foo\tbar\n"), FR, EN)
    latin = tmp_path / "latin.tsv"
    latin.write_bytes((HEADER + "État\tState\t\t\t\t\t\n").encode("latin-1"))
    with pytest.raises(DataFormatError, match=r"latin\.tsv:2: is not UTF-8.*iconv"):
        read_termbase(latin)
    empty = tmp_path / "empty.tsv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(DataFormatError, match="is empty"):
        read_termbase(empty)
    with pytest.raises(DataFormatError, match="has no entries"):
        read_termbase(tsv(tmp_path, "# only a comment\n"))
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text('source,target\n"unclosed,quote\n', encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"bad\.csv:\d+: is not valid CSV"):
        read_termbase(bad_csv, FR, EN)


def test_a_glossary_for_another_pair_is_refused(tmp_path: Path) -> None:
    path = tsv(tmp_path, "classe\tclass\t\t\t\t\t\n")
    with pytest.raises(ConfigError, match=r"is for fr→en, not en→fr \(the reverse direction"):
        read_termbase(path, EN, FR)
    with pytest.raises(ConfigError, match="is for fr→en, not fr→es; give a glossary"):
        read_termbase(path, FR, ES)


def test_unknown_column_is_a_warning_not_dropped_silently(tmp_path: Path) -> None:
    got = read_termbase(tsv(tmp_path, "classe\tclass\tx\n", header="fr\ten\tdomain\n"))
    assert any("column 'domain' is not a glossary field" in w for w in got.warnings)


# -- matching ------------------------------------------------------------------------------


def finds(phrases: list[str], text: str, lang: str = "French", every: bool = False
          ) -> list[str]:
    index = PhraseIndex(Normalizer(lang))
    for k, phrase in enumerate(phrases):
        index.add(phrase, k)
    return [m.text for m in index.find(text, every)]


def test_inflected_multiword_terms_match() -> None:
    assert finds(["classe sociale"], "Les classes sociales et la Classe sociale.") == \
        ["classes sociales", "Classe sociale"]
    assert finds(["État"], "L'Etat et l'État.") == ["Etat", "État"]  # old prints drop accents


def test_longest_match_wins_and_every_finds_overlaps() -> None:
    text = "la lutte des classes sociales"
    assert finds(["classe", "lutte des classes", "classes sociales"], text) == \
        ["lutte des classes"]
    assert sorted(finds(["classe", "lutte des classes", "classes sociales"], text,
                        every=True)) == ["classes", "classes sociales", "lutte des classes"]


def test_no_match_inside_a_hyphenated_compound() -> None:
    assert finds(["État"], "Les États-Unis et les Etats.") == ["Etats"]
    assert finds(["petite bourgeoisie"], "la petite-bourgeoisie") == ["petite-bourgeoisie"]


def test_case_sensitive_phrases_match_only_their_case() -> None:
    index = PhraseIndex(Normalizer("English"))
    index.add("US", 0, case_sensitive=True)
    assert [m.text for m in index.find("Let us go to the US and us.")] == ["US"]


def test_a_term_written_with_a_final_period_owns_the_period() -> None:
    text = "Grupo Norte S.A. invierte en EE. UU. desde 2010, aprox. 20 años. Vive en EE. UU."
    assert finds(["S.A.", "EE. UU.", "aprox."], text, lang="Spanish") == \
        ["S.A.", "EE. UU.", "aprox.", "EE. UU."]
    # without the period in the entry the period stays the text's; a missing period still matches
    assert finds(["S.A"], "Grupo Norte S.A. invierte.", lang="Spanish") == ["S.A"]
    assert finds(["aprox."], "vale aprox 20 euros", lang="Spanish") == ["aprox"]
    assert finds(["Inc."], "Grupo Norte Inc.. It invests", lang="English") == ["Inc."]


def test_chinese_characters_are_words() -> None:
    assert finds(["资本"], "资本主义社会的资本", lang="Chinese") == ["资本", "资本"]


def test_derivations_are_not_inflections() -> None:
    checker = TermChecker(base(Term("communisme", ("communism",))))
    text = "Le communisme, les communes et la communication."
    assert [m.text for ms in checker.in_source(text).values() for m in ms] == ["communisme"]


def test_entries_that_stem_alike_get_the_closer_occurrence() -> None:
    terms = base(Term("bourgeoisie", ("bourgeoisie",)), Term("bourgeois", ("bourgeois",)))
    found = TermChecker(terms).in_source("La bourgeoisie, les bourgeois, la société bourgeoise.")
    assert {terms.terms[t].source: [m.text for m in ms] for t, ms in found.items()} == \
        {"bourgeoisie": ["bourgeoisie"], "bourgeois": ["bourgeois", "bourgeoise"]}


WORDS = ["lutte des classes", "moyens de production", "État", "prolétaire", "marché mondial"]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(), st.text(), st.sampled_from(WORDS), st.booleans())
def test_an_inserted_term_is_found_in_any_surrounding_text(left: str, right: str, term: str,
                                                           upper: bool) -> None:
    index = PhraseIndex(Normalizer("French"))
    for k, phrase in enumerate(WORDS):
        index.add(phrase, k)
    inserted = term.upper() if upper else term
    text = f"{left} {inserted} {right}"
    start = len(left) + 1
    hits = index.find(text, every=True)
    assert any(m.start == start and m.text == inserted and WORDS[m.payload] == term
               for m in hits)


@settings(max_examples=300)
@given(st.text(), st.lists(st.text(min_size=1), min_size=1, max_size=5))
def test_the_matcher_never_crashes(text: str, phrases: list[str]) -> None:
    index = PhraseIndex(Normalizer("French"))
    for k, phrase in enumerate(phrases):
        index.add(phrase, k)
    for m in index.find(text) + index.find(text, every=True):
        assert text[m.start:m.end] == m.text and m.text
    checker = TermChecker(TermBase(FR, EN, tuple(Term(p, ("x",)) for p in phrases
                                                 if Normalizer("French").phrase(p))))
    checker.segment(text, text[::-1])


# -- checking ------------------------------------------------------------------------------


MANIFESTO_LIKE = base(Term("lutte des classes", ("class struggle", "class war"), ("class fight",)),
                      Term("prolétaire", ("proletarian", "working man", "working men")),
                      Term("État", ("State",)))


def test_violations_name_the_segment_the_term_and_its_position() -> None:
    report = check_segments(TermChecker(MANIFESTO_LIKE), [
        ("line 1", "La lutte des classes.", "The class struggle."),
        ("line 2", "Les luttes des classes.", "The class fights."),
        ("line 3", "Prolétaires de tous les pays !", "Nations of the world!"),
        ("line 4", "L'État.", "The state."),
    ])
    assert [str(v) for v in report.violations] == [
        "line 2: 'luttes des classes' (char 4) rendered with the forbidden 'class fights'; "
        "use class struggle | class war",
        "line 3: 'Prolétaires' (char 0) not rendered as proletarian | working man | working men",
    ]
    assert (report.occurrences, report.honoured) == (4, 2)
    assert report.usage == 0.5


def test_consistency_lists_terms_rendered_in_several_ways() -> None:
    report = check_segments(TermChecker(MANIFESTO_LIKE), [
        ("p1", "Les prolétaires n'ont rien à perdre.", "The proletarians have nothing to lose."),
        ("p2", "Prolétaires de tous les pays !", "Working men of all countries!"),
        ("p3", "Le prolétaire est sans propriété.", "The proletarian is without property."),
        ("p4", "La lutte des classes.", "The class war."),
        ("p5", "La lutte des classes.", "The class war."),
    ])
    assert not report.violations
    assert [str(i) for i in report.inconsistencies] == [
        "'prolétaire' rendered 2 ways: proletarian ×2 (p1, p3); working men ×1 (p2)"]


def test_forked_workers_report_what_one_process_does() -> None:
    rows = [(f"s{i}", *pair) for i, pair in enumerate([
        ("Les prolétaires n'ont rien à perdre.", "The proletarians have nothing to lose."),
        ("Prolétaires de tous les pays !", "Working men of all countries!"),
        ("Les luttes des classes.", "The class fights."),
        ("L'État.", "The state."),
        ("Le prolétaire, l'État.", "The proletarian, the State."),
    ] * 7)]
    one = check_segments(TermChecker(MANIFESTO_LIKE), rows, workers=1)
    two = check_segments(TermChecker(MANIFESTO_LIKE), rows, workers=2)
    assert two.violations == one.violations and len(one.violations) == 7  # "class fights" ×7
    assert one.first_violations(2) == one.violations[:2] and one.violation_count == 7
    assert (two.segments, two.occurrences, two.honoured) == (one.segments, one.occurrences,
                                                             one.honoured) == (35, 42, 35)
    assert [str(i) for i in two.inconsistencies] == [str(i) for i in one.inconsistencies]
    assert str(one.inconsistencies[0]).startswith("'prolétaire' rendered 2 ways: proletarian ×14")


def test_the_checker_feeds_the_qa_glossary_check() -> None:
    from evaluation.checks import default_checks
    from evaluation.qa import Context, Item, run_checks

    ctx = Context(FR, EN)
    items = [Item("1", "La lutte des classes continue.", "The class fight goes on."),
             Item("2", "L'État est fort.", "The State is strong.")]
    report = run_checks(items, ctx, default_checks(ctx, TermChecker(MANIFESTO_LIKE)))
    flags = [f for f in report.flags if f.check == "glossary"]
    assert [(f.item, f.severity) for f in flags] == [("1", "warning")]
    assert "forbidden 'class fight'" in flags[0].message


def test_prompt_entries_are_only_the_relevant_ones_in_text_order() -> None:
    text = "L'État et la lutte des classes."
    entries = prompt_entries(MANIFESTO_LIKE, text)
    assert [t.source for t in entries] == ["État", "lutte des classes"]
    assert prompt_block(entries) == ("État → State\nlutte des classes → class struggle "
                                     "(also: class war; never: class fight)")
