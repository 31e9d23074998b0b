"""QA must not cry wolf on correct copies, reference lines and ordinary prose (issue 14 §6),
and must catch doubled punctuation and spacing the source lacks (§5, §8).

Every expectation below is written by hand from what a translator would accept.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.checks import (
    CopiedCheck,
    IdentifierCheck,
    PunctuationCheck,
    RepetitionCheck,
    UntranslatedCheck,
    default_checks,
)
from evaluation.checks_text import exemption, is_name_run, is_reference
from evaluation.qa import Context, Flag, Item, run_checks
from tests.test_cli import _one_line_error, diglot
from translate.langs import resolve

FR_EN = Context(resolve("fr"), resolve("en"))
ES_EN = Context(resolve("es"), resolve("en"))
EN_FR = Context(resolve("en"), resolve("fr"))
FR_ES = Context(resolve("fr"), resolve("es"))


def _copy(text: str) -> Item:
    return Item("1", text, text)


def _severities(flags: list[Flag], checks: tuple[str, ...] = ("copied", "untranslated"),
                ) -> set[str]:
    return {f.severity for f in flags if f.check in checks}


def _lang_flags(items: list[Item], ctx: Context) -> list[Flag]:
    return CopiedCheck().run(items, ctx) + UntranslatedCheck().run(items, ctx)


# --- copies that are right ------------------------------------------------------------------

@pytest.mark.parametrize(("ctx", "text"), [
    (FR_EN, "Veni, vidi, vici."),                                  # named in the issue
    (ES_EN, "Liberté, égalité, fraternité."),                      # named: French in es→en
    (FR_EN, "Errare humanum est, perseverare diabolicum."),        # Latin, 4 words
    (FR_EN, "Quod erat demonstrandum, dixit magister noster in schola."),  # Latin, 8 words
    (ES_EN, "Das ist nicht mein Problem, sagte er leise zu seiner Schwester."),  # German
    (FR_EN, "The quick brown fox jumps over the lazy dog every single morning."),  # in target
])
def test_a_copy_of_a_source_in_another_language_is_at_most_a_note(ctx: Context,
                                                                  text: str) -> None:
    flags = _lang_flags([_copy(text)], ctx)
    assert _severities(flags) <= {"info"}, flags


@pytest.mark.parametrize(("ctx", "text"), [
    (ES_EN, "Radio Nacional de España."),             # named: a name with a particle
    (ES_EN, "Hotel Miramar."),                        # named: a hotel
    (FR_EN, "Deutsche Bank AG"),
    (ES_EN, "Universidad de Buenos Aires"),
    (ES_EN, "Banco de la Nación Argentina."),
    (FR_EN, "Ludwig van Beethoven et Johann Sebastian Bach"),
    (FR_EN, "Carpe diem."),                           # too little text to judge at all
])
def test_names_and_tiny_texts_are_not_flagged(ctx: Context, text: str) -> None:
    assert _lang_flags([_copy(text)], ctx) == []


def test_name_runs_need_capitals_at_both_ends() -> None:
    assert is_name_run(["Radio", "Nacional", "de", "España"])
    assert is_name_run(["Bank", "of", "England"])
    assert not is_name_run(["de", "España"])
    assert not is_name_run(["Universidad", "de"])
    assert not is_name_run(["Le", "chat", "dort"])


def test_a_short_copy_in_the_source_language_is_a_warning_a_sentence_an_error() -> None:
    short = _copy("Liberté, égalité, fraternité.")  # French motto kept in fr→en: 3 words
    long = Item("2", "Le chat dort sur le canapé depuis ce matin.",
                "Le chat dort sur le canapé depuis ce matin.")
    flags = _lang_flags([short, long], FR_EN)
    assert {(f.item, f.check, f.severity) for f in flags} == {
        ("1", "copied", "warning"), ("1", "untranslated", "warning"),
        ("2", "copied", "error"), ("2", "untranslated", "error")}


def test_keep_list_and_do_not_translate_terms_are_exempt() -> None:
    motto = "Il est interdit d'interdire."
    title = "À la recherche du temps perdu"
    items = [Item("1", motto, motto), Item("2", title, title),
             Item("3", f"{title}.", f"{title}.")]
    assert {f.item for f in _lang_flags(items, FR_EN) if f.severity == "error"} == {"1", "2",
                                                                                   "3"}
    kept = Context(FR_EN.source, FR_EN.target, (motto.rstrip("."), title))
    assert _lang_flags(items, kept) == []
    assert exemption(title, (title,)) == "kept as it is"
    # a kept term inside a real sentence does not exempt the sentence
    sentence = f"Proust a écrit {title} pendant de longues années."
    assert exemption(sentence, (title,)) is None
    assert _severities(_lang_flags([Item("4", sentence, sentence)], kept)) == {"error"}


def test_a_changed_passage_in_a_third_language_is_a_warning_not_an_error() -> None:
    # an English paragraph of a French book, mangled by fr→es Apertium: still English
    item = Item("1", "We should be more like Debian and less like Windows in how we ship "
                "our updates to users.", "We should be more like Dyed and less like Windows "
                "BONES in how we ship our updates to users.")
    flags = UntranslatedCheck().run([item], FR_ES)
    assert [(f.severity, f.message) for f in flags] == [
        ("warning", "target reads as English, not Spanish; its source reads as English, "
                    "not French")]
    # without identifying the source, it is the error it was before
    flags = UntranslatedCheck(identify_source=False).run([item], FR_ES)
    assert [f.severity for f in flags] == ["error"]


# --- reference lines ------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    # named in the issue (the essay's footnote, as Wikipedia writes it)
    "- ↑ https://www.bbc.com/news/world-asia-china-57763245 Drone rescues man from flood, "
    "China",
    "^ Zuboff, Shoshana. The Age of Surveillance Capitalism. PublicAffairs, 2019.",
    "[^3]: https://en.wikipedia.org/wiki/Fair_use Fair use in United States copyright law",
    "Cf. The Society of the Spectacle, Zone Books, New York, 1994.",
    "doi:10.1145/3442188.3445922 On the Dangers of Stochastic Parrots",
])
def test_reference_lines_are_exempt(line: str) -> None:
    assert is_reference(line)
    # kept as it is in fr→es (the essay's pair), or with a word changed by the engine
    changed = line.replace("from", "de").replace("The", "La")
    assert _lang_flags([Item("1", line, line), Item("2", line, changed)], FR_ES) == []


def test_prose_with_a_link_is_still_prose() -> None:
    line = ("Le tribunal a jugé que la copie de ces livres entiers relevait de l'usage "
            "équitable, comme l'explique https://example.org/decision en détail.")
    assert not is_reference(line)
    assert _severities(_lang_flags([_copy(line)], FR_EN)) == {"error"}


# --- repetition -----------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "target"), [
    # named: a phrase said once more across a sentence boundary (target-only and bitext)
    ("", "Ce principe s'appelle l'usage équitable. L'usage équitable a été défini par la loi."),
    ("Ce principe s'appelle l'usage équitable. L'usage équitable a été défini par la loi.",
     "This principle is called fair use. Fair use was defined by the law."),
    ("", "Le code est publié sous licence libre. Licence libre veut dire ici copie permise."),
    ("", "He said thank you. Thank you for everything, she answered."),
    ("", "Yes, it is very, very cold today."),
])
def test_a_repeat_across_a_sentence_end_is_prose(source: str, target: str) -> None:
    ctx = FR_EN if source else Context(None, resolve("fr"))
    assert RepetitionCheck().run([Item("1", source, target)], ctx) == []


@pytest.mark.parametrize(("target", "loop"), [
    ("The the the the the cat sleeps.", "“the” repeated 5 times in a row"),
    ("Thank you. Thank you. Thank you. Thank you.", "“thank you” repeated 4 times in a row"),
    ("We saw the people of the city the people of the city there.",
     "“the people of the city” repeated 2 times in a row"),
])
def test_real_loops_are_still_flagged(target: str, loop: str) -> None:
    flags = RepetitionCheck().run([Item("1", "Le chat dort. Merci.", target)], FR_EN)
    assert [(f.severity, f.message) for f in flags] == [("error", loop)]


# --- punctuation and spacing ----------------------------------------------------------------

@pytest.mark.parametrize(("ctx", "source", "target", "problem"), [
    # named: a glossary term ending in a period at a sentence end
    (ES_EN, "Grupo Norte S.A. Invierte en parques eólicos.",
     "Grupo Norte Inc.. It invests in wind farms.",
     "doubled punctuation “Grupo Norte Inc..” not in the source"),
    (ES_EN, "Vive en EE. UU. desde 2010.", "He has lived in the US. . Since 2010.",
     "doubled punctuation “the US. .” not in the source"),
    (ES_EN, "Sin embargo, la ley cambió.", "However,, the law changed.",
     "doubled punctuation “However,,” not in the source"),
    (ES_EN, "¡Cuidado!", "Watch out!!",
     "doubled punctuation “Watch out!!” not in the source"),
    (FR_EN, "Il a dit : non.", "He said : no.", "space before “:” in “He said :”"),
    (FR_EN, "Vraiment ? Oui.", "Really ? Yes.", "space before “?” in “Really ?”"),
    (FR_EN, "Il a dit non.", "He said no , then left.", "space before “,” in “said no ,”"),
    (FR_EN, "Le chat dort.", "The  cat sleeps.", "1 double space the source lacks"),
])
def test_punctuation_the_source_lacks_is_flagged(ctx: Context, source: str, target: str,
                                                 problem: str) -> None:
    flags = PunctuationCheck().run([Item("1", source, target)], ctx)
    assert [(f.check, f.severity, f.message) for f in flags] == [
        ("punctuation", "warning", problem)]


@pytest.mark.parametrize(("ctx", "source", "target"), [
    (ES_EN, "¡¡Cuidado!!", "Watch out!!"),                      # the source has it too
    (EN_FR, "He said: no. Really?", "Il a dit : non. Vraiment ?"),  # French typography
    (FR_EN, "Attends... quoi ?", "Wait... what?"),              # an ellipsis
    (FR_EN, "Et puis. . . rien.", "And then. . . nothing."),    # a spaced ellipsis
    (ES_EN, "Grupo Norte S.A., con sede en Bilbao.", "Grupo Norte Inc., based in Bilbao."),
    (FR_EN, "Voir ../data/a.txt et https://x.org/a..b", "See ../data/a.txt and "
     "https://x.org/a..b"),
])
def test_correct_punctuation_is_not_flagged(ctx: Context, source: str, target: str) -> None:
    assert PunctuationCheck().run([Item("1", source, target)], ctx) == []


def test_identifier_case_changes_are_flagged() -> None:
    items = [Item("1", "Lisez README.md et /r/LocalLLaMA/ avant.",
                  "Read Readme.md and /r/localllama/ before."),
             Item("2", "Lisez README.md avant.", "Read README.md first."),
             Item("3", "Le fichier config_local.yaml manque.", "The file is missing.")]
    flags = IdentifierCheck().run(items, FR_EN)
    assert [(f.item, f.severity, f.message) for f in flags] == [
        ("1", "warning", "identifier case changed: “README.md” became “Readme.md”, "
                         "“/r/LocalLLaMA/” became “/r/localllama/”")]


def test_new_checks_are_in_the_default_set() -> None:
    names = [c.name for c in default_checks(FR_EN)]
    assert "punctuation" in names and "identifiers" in names


# --- the whole run and the CLI ----------------------------------------------------------------

CORRECT_COPIES = [
    ("Radio Nacional de España.", "Radio Nacional de España."),
    ("Hotel Miramar.", "Hotel Miramar."),
    ("Veni, vidi, vici.", "Veni, vidi, vici."),
    ("Liberté, égalité, fraternité.", "Liberté, égalité, fraternité."),
    ("Universidad de Buenos Aires", "Universidad de Buenos Aires"),
    ("- ↑ https://www.bbc.com/news/world-asia-china-57763245 Drone rescues man from flood, "
     "China", "- ↑ https://www.bbc.com/news/world-asia-china-57763245 Drone rescues man from "
     "flood, China"),
    ("El tren sale a las ocho de la mañana.", "The train leaves at eight in the morning."),
]


def test_run_checks_gives_no_error_on_correct_copies() -> None:
    items = [Item(str(k), s, t) for k, (s, t) in enumerate(CORRECT_COPIES, start=1)]
    report = run_checks(items, ES_EN)
    assert [f for f in report.flags if f.severity == "error"] == []
    assert report.summary()["errors"] == 0


def test_cli_exits_0_on_a_bitext_of_correct_copies(tmp_path: Path) -> None:
    tsv = tmp_path / "copies.tsv"
    tsv.write_text("".join(f"{s}\t{t}\n" for s, t in CORRECT_COPIES), encoding="utf-8")
    res = diglot("qa", str(tsv), "--from", "es", "--to", "en", "--json")
    assert res.returncode == 0, (res.stdout, res.stderr)
    data = json.loads(res.stdout)
    assert data["errors"] == 0 and data["segments"] == len(CORRECT_COPIES)


def test_cli_keep_list_and_glossary_dnt_turn_an_exit_1_into_0(tmp_path: Path) -> None:
    motto, title = "Il est interdit d'interdire.", "À la recherche du temps perdu"
    tsv = tmp_path / "b.tsv"
    tsv.write_text(f"{motto}\t{motto}\n{title}\t{title}\n"
                   "Le chat dort.\tThe cat sleeps.\n", encoding="utf-8")
    assert diglot("qa", str(tsv), "--from", "fr", "--to", "en").returncode == 1
    keep = tmp_path / "keep.txt"
    keep.write_text(f"# titles and mottos left in French\n{motto}\n\n{title}\n",
                    encoding="utf-8")
    res = diglot("qa", str(tsv), "--from", "fr", "--to", "en", "--keep", str(keep))
    assert res.returncode == 0, (res.stdout, res.stderr)
    glossary = tmp_path / "g.tsv"
    glossary.write_text(f"fr\ten\tdnt\n{motto.rstrip('.')}\t\tyes\n{title}\t\tyes\n",
                        encoding="utf-8")
    res = diglot("qa", str(tsv), "--from", "fr", "--to", "en", "--glossary", str(glossary))
    assert res.returncode == 0, (res.stdout, res.stderr)


def test_cli_refuses_a_bitext_given_as_keep_list(tmp_path: Path) -> None:
    tsv = tmp_path / "b.tsv"
    tsv.write_text("Bonjour.\tHello.\n", encoding="utf-8")
    _one_line_error(diglot("qa", str(tsv), "--from", "fr", "--to", "en", "--keep", str(tsv)),
                    r"b\.tsv:1: holds a tab; a keep list has one text a line")
