"""Cheap language evidence (evaluation/function_words.py): texts plainly in their language are
settled without lingua, the others reach it, and lingua's models are loaded only then and
given back after.

Expectations are written by hand; the sentences are invented for these tests, except the
FLORES dev ones (real, read from ../shared/data).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from corpora.ingest import parse_text
from evaluation import langid
from evaluation.checks import CopiedCheck, UntranslatedCheck
from evaluation.function_words import clearly_in, settled
from evaluation.langid import LanguageIdentifier
from evaluation.qa import Context, Item
from tests.conftest import SHARED, needs_shared
from translate import routing
from translate.langs import resolve

FRENCH = ("Le vieux moulin de la rivière ne tourne plus depuis des années, mais les gens du "
          "village l'aiment encore.")
ENGLISH = "The committee met every Thursday evening in the back room of the library."
SPANISH = ("El viejo molino del río dejó de moler el grano hace muchos años, pero los vecinos "
           "todavía lo llaman por su nombre.")
ITALIAN = "Il vecchio mulino sul fiume ha smesso di macinare il grano molti anni fa."
PORTUGUESE = "O velho moinho do rio deixou de moer o grão há muitos anos, mas eles ainda o usam."
GERMAN = "Die alte Mühle am Fluss hat schon vor vielen Jahren aufgehört, das Korn zu mahlen."
DRIFT = ("en", "fr", "de", "es", "it", "pt", "nl", "ru", "zh", "la")


@pytest.mark.parametrize(("text", "code"), [
    (FRENCH, "fr"), (ENGLISH, "en"), (SPANISH, "es"), (ITALIAN, "it"), (GERMAN, "de"),
    (PORTUGUESE, "pt"),
])
def test_a_plain_sentence_is_settled_in_its_own_language_only(text: str, code: str) -> None:
    assert clearly_in(text, code, DRIFT)
    assert [c for c in DRIFT if c != code and clearly_in(text, c, DRIFT)] == []


@pytest.mark.parametrize(("text", "code"), [
    ("Veni, vidi, vici.", "it"),                            # too short, and Latin
    ("Errare humanum est, perseverare diabolicum.", "it"),  # Latin
    ("Liberté, égalité, fraternité.", "fr"),                # no function word
    # mixed: an English quotation inside a French sentence
    ("comme le dit : free as in free speech, not as in free beer, et cette formule a fait le "
     "tour du monde", "fr"),
    ("Le señor de la maison est parti avec le chien de la ferme hier.", "fr"),  # ñ
    ("Старый мельница на реке le la de la le", "fr"),       # another script
])
def test_short_mixed_and_odd_texts_are_left_to_lingua(text: str, code: str) -> None:
    assert not clearly_in(text, code, DRIFT)


def test_a_candidate_without_a_list_leaves_every_text_to_lingua() -> None:
    # Catalan could be any of these texts' language as far as function words tell
    assert clearly_in(SPANISH, "es", ("es", "en"))
    assert not clearly_in(SPANISH, "es", ("es", "en", "ca"))
    assert not clearly_in("Die Katze schläft und der Hund auch nicht mehr.", "gl", ("gl",))
    assert settled([FRENCH, ENGLISH], "fr", ("fr", "en")) == [True, False]


class Seen:
    """Records the texts that reach lingua through a seam."""

    def __init__(self) -> None:
        self.texts: list[str] = []


@pytest.fixture
def routed(monkeypatch: pytest.MonkeyPatch) -> Seen:
    seen = Seen()
    real = routing._start_identify

    def spy(texts: Sequence[str], candidates: tuple[str, ...]
            ) -> Callable[[], list[tuple[str, float]]]:
        seen.texts += texts
        return real(texts, candidates)

    monkeypatch.setattr(routing, "_start_identify", spy)
    return seen


def test_routing_asks_lingua_only_about_paragraphs_not_plainly_french(routed: Seen) -> None:
    french = ["Le vieux moulin de la rivière a cessé de moudre le grain depuis longtemps, "
              "mais les habitants du village l'appellent encore par son ancien nom.",
              "Nous sommes partis très tôt le matin pour arriver avant la pluie, et nous "
              "avons marché pendant des heures sans croiser personne sur la route."]
    english = ("The committee met every Thursday evening in the back room of the library, and "
               "nobody ever remembered to bring enough chairs for everyone.")
    doc = parse_text("\n\n".join([french[0], english, french[1], "## Chapitre un"]) + "\n",
                     "fr", "p.md", "markdown")
    found = routing.plan(doc, resolve("fr"), resolve("en"), lambda _: True)
    assert [p.action for p in found.paragraphs] == ["engine", "kept", "engine", "engine"]
    assert [p.evidence for p in found.paragraphs] == ["function words", "lingua",
                                                      "function words", "short"]
    assert routed.texts == [routing.prose(english)]
    assert found.summary(doc)["evidence"] == {"function words": 2, "lingua": 1, "short": 1}


@pytest.fixture
def detected(monkeypatch: pytest.MonkeyPatch) -> Seen:
    seen = Seen()
    real = LanguageIdentifier.detect

    def spy(self: LanguageIdentifier, texts: Sequence[str]) -> list[str | None]:
        seen.texts += texts
        return real(self, texts)

    monkeypatch.setattr(LanguageIdentifier, "detect", spy)
    return seen


def test_qa_asks_lingua_only_about_targets_not_plainly_in_the_target_language(
        detected: Seen) -> None:
    ctx = Context(resolve("fr"), resolve("en"))
    clean = [Item("1", FRENCH, "The old mill on the river stopped grinding the grain a long "
                               "time ago."),
             Item("2", "Le comité se réunissait chaque jeudi soir.",
                  "The committee met every evening in the back room of the library, as it "
                  "always did."),
             Item("3", "Nous sommes partis très tôt.", "We left very early in the morning "
                                                        "to be there before the rain.")]
    copy = Item("4", FRENCH, FRENCH)  # a planted copy: caught as before
    flags = UntranslatedCheck().run([*clean, copy], ctx) + CopiedCheck().run([*clean, copy], ctx)
    assert {(f.check, f.item, f.severity) for f in flags} == {("untranslated", "4", "error"),
                                                              ("copied", "4", "error")}
    # only the copy reaches lingua (its target, then its source for the copy's verdict)
    assert {t[:15] for t in detected.texts} == {"Le vieux moulin"}


def test_a_copy_of_a_latin_motto_still_reaches_lingua_and_is_a_note(detected: Seen) -> None:
    motto = "Quod erat demonstrandum, dixit magister noster in schola."
    flags = CopiedCheck().run([Item("1", motto, motto)], Context(resolve("fr"),
                                                                 resolve("en")))
    assert [f.severity for f in flags] == ["info"]
    assert detected.texts  # not plainly French: lingua named it


def test_release_unloads_the_models_and_the_next_identification_loads_them_again() -> None:
    ident = LanguageIdentifier([resolve("fr"), resolve("en")])
    assert ident.detect([ENGLISH]) == ["en"]
    assert langid._DETECTORS
    langid.release()
    assert not langid._DETECTORS
    assert ident.detect([FRENCH]) == ["fr"]


def test_warm_up_identifies_in_a_worker_process_until_release() -> None:
    ident = LanguageIdentifier([resolve("fr"), resolve("en")])
    langid.release()
    assert langid.warm_up([resolve("fr"), resolve("en")])
    assert langid._WORKER is not None
    assert ident.detect([ENGLISH, FRENCH]) == ["en", "fr"]
    assert ident.confidence([ENGLISH], "en")[0] > 0.9
    doc = parse_text(f"{ENGLISH} {ENGLISH}\n", "fr", "p.md", "markdown")
    assert [p.action for p in routing.plan(doc, resolve("fr"), resolve("en"),
                                           lambda _: True).paragraphs] == ["kept"]
    assert not langid._DETECTORS  # no model in this process
    langid.release()
    assert langid._WORKER is None
    assert ident.detect([ENGLISH]) == ["en"]  # here again
    assert not langid.warm_up([resolve("gl")])  # no model: no worker
    langid.release()


@needs_shared
@pytest.mark.parametrize(("name", "code"), [("fra.dev", "fr"), ("eng.dev", "en"),
                                            ("spa.dev", "es")])
def test_flores_sentences_are_mostly_settled_and_never_as_another_language(
        name: str, code: str) -> None:
    lines = (SHARED / "flores-dev" / name).read_text(encoding="utf-8").splitlines()
    others = [c for c in ("en", "fr", "es") if c != code]
    assert sum(settled(lines, code, DRIFT)) >= 0.9 * len(lines)
    for other in others:
        assert sum(settled(lines, other, DRIFT)) == 0


@needs_shared
def test_the_rough_prose_never_has_fewer_words_than_the_prose() -> None:
    # a paragraph too short by its rough prose is never sent to lingua: it must be short
    # by its prose too (names are counted per sentence in both)
    from tests.mixed_essay import essay

    doc = parse_text(essay()[0], "fr", "essai.fr.md", "markdown")
    for texts, _ in routing.block_prose(doc).values():
        rough = routing.words(" ".join(routing.rough_prose(t) for t in texts))
        assert rough >= routing.words(" ".join(routing.prose(t) for t in texts)), texts
