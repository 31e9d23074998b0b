"""QA checks on real MT output with planted defects, number formats, target-only mode, CLI."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from evaluation.checks import (
    CopiedCheck,
    GlossaryCheck,
    LengthCheck,
    MarkupCheck,
    NumbersCheck,
    RepetitionCheck,
    TruncatedCheck,
    UntranslatedCheck,
)
from evaluation.numbers import mismatches, numbers
from evaluation.qa import Context, Item, run_checks
from tests.conftest import SAMPLE, SAMPLE_REF, SHARED, needs_apertium, needs_shared
from tests.test_cli import _one_line_error, diglot
from translate.langs import resolve

FR_EN = Context(resolve("fr"), resolve("en"))
DIGIT = re.compile(r"\d")
ENTITY = re.compile(r"&#?\w+;")  # some real outputs hold escaped HTML (&#39;): not numbers


def _digits(text: str) -> list[re.Match[str]]:
    return list(DIGIT.finditer(ENTITY.sub(lambda m: "&" * len(m.group()), text)))


def _plant(items: list[Item], seed: int = 20261121) -> tuple[list[Item], dict[str, set[str]]]:
    """Copy the source into 5 % of targets, alter a number in 5 %, truncate 5 %.

    Returns the planted items and, per check, the ids it should flag, derived from the
    planting alone: a truncation that cuts away digits is also a number defect.
    """
    rng = random.Random(seed)
    n = len(items) // 20
    order = list(range(len(items)))
    rng.shuffle(order)
    copy = order[:n]
    with_digits = [k for k in order[n:] if _digits(items[k].target)]
    alter = with_digits[:n]
    rest = [k for k in order[n:] if k not in set(alter)]
    cut = rest[:n]
    planted = list(items)
    expected: dict[str, set[str]] = {"copied": set(), "untranslated": set(), "numbers": set(),
                                     "truncated": set()}
    for k in copy:
        planted[k] = Item(items[k].id, items[k].source, items[k].source)
        expected["copied"].add(items[k].id)
        expected["untranslated"].add(items[k].id)
    for k in alter:
        text = items[k].target
        spots = [m.start() for m in _digits(text)]
        at = rng.choice(spots)
        planted[k] = Item(items[k].id, items[k].source,
                          text[:at] + str((int(text[at]) + rng.randint(1, 8)) % 10) + text[at + 1:])
        expected["numbers"].add(items[k].id)
    for k in cut:
        words = items[k].target.split()
        keep = max(1, int(len(words) * rng.uniform(0.3, 0.7)))
        planted[k] = Item(items[k].id, items[k].source, " ".join(words[:keep]))
        expected["truncated"].add(items[k].id)
        if _digits(" ".join(words[keep:])):
            expected["numbers"].add(items[k].id)
    return planted, expected


@needs_shared
@pytest.mark.parametrize(("pair", "system"), [("fr-en", "google"), ("en-fr", "google"),
                                              ("es-en", "bergamot-base-memory")])
def test_planted_defects_are_found(pair: str, system: str) -> None:
    src_lang, tgt_lang = pair.split("-")
    folder = SHARED / "flores-dev" / "systems" / pair
    sources = (folder / f"flores-dev.{src_lang}").read_text(encoding="utf-8").splitlines()
    targets = (folder / f"flores-dev.{system}.{tgt_lang}").read_text(
        encoding="utf-8").splitlines()
    clean = [Item(str(k + 1), s, t) for k, (s, t) in enumerate(zip(sources, targets,
                                                                   strict=True))]
    planted, expected = _plant(clean)
    ctx = Context(resolve(src_lang), resolve(tgt_lang))
    before = run_checks(clean, ctx)
    after = run_checks(planted, ctx)
    for check, want in expected.items():
        # What a check already flags in the untouched output is a real finding, not a
        # planted one; those segments are left out of both sides of the count.
        real = {f.item for f in before.flags if f.check == check}
        assert len(real) <= 0.02 * len(clean), (check, sorted(real))
        found = {f.item for f in after.flags if f.check == check} - real
        want = want - real
        hits = len(found & want)
        assert hits >= 0.95 * len(want), (check, "recall", sorted(want - found))
        assert hits >= 0.95 * len(found), (check, "precision", sorted(found - want))


@pytest.mark.parametrize(("src", "tgt"), [
    ("Il pèse 1,5 kg.", "It weighs 1.5 kg."),
    ("Il y a 1 000 habitants.", "There are 1,000 inhabitants."),
    ("Es kostet 1.000,50 Euro.", "It costs 1,000.50 euros."),
    ("Vers 11 h 29, ils partent.", "Around 11:29, they leave."),
    ("À 21 h 30.", "At 9:30 pm."),
    ("Au XVIIIe siècle.", "In the 18th century."),
    ("Trois chats.", "3 cats."),
    ("Le 24 septembre 1759.", "On September 24, 1759."),
    ("L&#39;an 2008.", "In 2008."),
])
def test_number_formats_that_match(src: str, tgt: str) -> None:
    flags = NumbersCheck().run([Item("1", src, tgt)], FR_EN)
    assert not flags, flags


@pytest.mark.parametrize(("src", "tgt", "message"), [
    ("Il pèse 1,5 kg.", "It weighs 15 kg.", "missing 1,5; adds 15"),
    ("Il y a 1 000 habitants.", "There are 100 inhabitants.", "missing 1 000; adds 100"),
    ("En 1759 et 1760.", "In 1759.", "missing 1760"),
])
def test_number_formats_that_differ(src: str, tgt: str, message: str) -> None:
    flags = NumbersCheck().run([Item("7", src, tgt)], FR_EN)
    assert len(flags) == 1 and message in flags[0].message and flags[0].item == "7"


def test_space_grouped_numbers_may_be_two_numbers() -> None:
    assert mismatches(numbers("chapitre 1 500 pages"), numbers("chapter 1, 500 pages")) == ([], [])
    assert [n.text for n in numbers("9 000 ans")] == ["9 000"]


def test_small_checks_point_at_the_segment() -> None:
    en = Context(resolve("fr"), resolve("en"))
    items = [Item("a", "Il est parti tôt ce matin.", "He left early this morning early early"),
             Item("b", "Il a dit « oui ».", "He said “yes."),
             Item("c", "Voir **ceci** et `code`.", "See this and `code`."),
             Item("d", "Karl Marx", "Karl Marx"),
             Item("e", "Il pleut très fort aujourd'hui.", "It is raining very very very hard.")]
    assert [f.item for f in TruncatedCheck().run(items, en)] == ["a"]
    assert [f.item for f in RepetitionCheck().run(items, en)] == ["e"]
    markup = MarkupCheck().run(items, en)
    assert [f.item for f in markup] == ["b", "c"] and "unbalanced “…”" in markup[0].message
    assert "Markdown ** 2× in the source, 0× in the target" in markup[1].message
    assert CopiedCheck().run(items, en) == []  # names are not copies to complain about


def test_length_outliers_use_the_documents_own_ratio() -> None:
    # A pair whose targets are always about twice as long: only the real outlier is flagged.
    items = [Item(str(k), "x" * (40 + k), "y" * (80 + 2 * k)) for k in range(40)]
    items.append(Item("short", "x" * 60, "y" * 20))
    flags = LengthCheck().run(items, FR_EN)
    assert [f.item for f in flags] == ["short"]
    assert re.search(r"typical here is (1\.9\d|2\.0\d)×", flags[0].message)


def test_glossary_hook_reports_violations() -> None:
    class Terms:
        def violations(self, source: str, target: str) -> list[str]:
            if "lutte des classes" in source and "class struggle" not in target:
                return ["“lutte des classes” is not rendered as “class struggle”"]
            return []

    items = [Item("1", "La lutte des classes.", "The class fight."),
             Item("2", "La lutte des classes.", "The class struggle.")]
    flags = run_checks(items, FR_EN, [GlossaryCheck(Terms())]).flags
    assert [(f.item, f.check) for f in flags] == [("1", "glossary")]


@needs_shared
def test_target_only_mode_finds_the_paragraph_in_another_language(tmp_path: Path) -> None:
    english = (SHARED / "manifesto" / "en.md").read_text(encoding="utf-8").split("\n\n")
    french = (SHARED / "manifesto" / "fr.md").read_text(encoding="utf-8").split("\n\n")
    french_para = next(p for p in french[20:] if len(p) > 300 and not p.startswith("#"))
    body = english[:30] + [french_para] + english[30:60]
    doc = tmp_path / "mixed.en.md"
    doc.write_text("\n\n".join(body) + "\n", encoding="utf-8")
    line = "\n\n".join(body[:30]).count("\n") + 3
    res = diglot("qa", "--target", str(doc), "--lang", "en")
    assert res.returncode == 1, res.stderr
    flagged = [x for x in res.stdout.splitlines() if "[untranslated]" in x]
    assert flagged == [f"{doc}:{line}: error: [untranslated] target reads as French, not English"]


def test_untranslated_check_skips_names_urls_and_short_text() -> None:
    items = [Item("1", "Voir https://example.org/une/page/tres/longue", "See "
                  "https://example.org/une/page/tres/longue"),
             Item("2", "Rue de la Paix", "Rue de la Paix"),
             Item("3", "Le chat dort sur le canapé depuis ce matin.",
                  "Le chat dort sur le canapé depuis ce matin.")]
    flags = UntranslatedCheck().run(items, FR_EN)
    assert [(f.item, f.message) for f in flags] == [
        ("3", "target reads as French (the source language), not English")]


def test_bad_bitexts_give_one_line_errors(tmp_path: Path) -> None:
    tsv = tmp_path / "b.tsv"
    tsv.write_text("Bonjour.\tHello.\nSans tabulation\n", encoding="utf-8")
    _one_line_error(diglot("qa", str(tsv), "--from", "fr", "--to", "en"),
                    r"b\.tsv:2: has 1 tab-separated columns, expected 2")
    tsv.write_text("Bonjour.\tHello.\n", encoding="utf-8")
    _one_line_error(diglot("qa", str(tsv)), r"does not name its languages; give --from and --to")
    _one_line_error(diglot("qa", str(tmp_path)), r"not a diglot run folder")
    _one_line_error(diglot("report", str(tmp_path)), r"has no summary\.json")


@needs_apertium
def test_run_adds_qa_and_a_report_people_can_open(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = diglot("run", str(SAMPLE), "--from", "es", "--to", "en", "--out", str(out),
                 "--reference", str(SAMPLE_REF))
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(summary["qa"]["by_check"]) >= {"untranslated", "numbers", "copied", "truncated"}
    assert summary["qa"]["segments"] == summary["translated"]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<svg" in page and "nrefs:1|case:mixed" in page
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # no network
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert len(data["evaluation"]["paragraphs"]) == page.count("<title>line ")  # one bar each
    again = diglot("qa", str(out))
    assert again.returncode == 0 and f"{summary['translated']} segments" in again.stderr


def test_truncation_reads_a_book_segment_as_the_reader_sees_it() -> None:
    """A DOCX or wikitext part holds '>' as '&gt;', whose ';' is no sentence end; end tags and
    note calls after the full stop are not where the sentence ends either."""
    es = Context(resolve("fr"), resolve("es"))
    items = [Item("gt", "&lt; Le progrès &gt;", "&lt; El progreso &gt;"),
             Item("em", "Il est parti <em>hier.</em>", "Se fue <em>ayer.</em>"),
             Item("cut", "Il est parti <em>hier.</em>", "Se fue <em>ayer</em>")]
    assert [f.item for f in TruncatedCheck().run(items, es)] == ["cut"]
