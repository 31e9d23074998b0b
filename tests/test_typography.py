"""Spacing of engine output by the target language's typography (issue 14, section 8).

Every expected string here is written by hand from the typography rules in
translate/typography.py, not copied from the code's output. ``\\u00a0`` is the no-break space,
``\\u202f`` the narrow no-break space French puts before ``; ! ?``.
"""

from __future__ import annotations

import re
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpora.inline import tokenize
from tests.conftest import SAMPLE, needs_apertium
from translate.engine import open_engine
from translate.langs import resolve
from translate.typography import tidy

NB, NNB = "\u00a0", "\u202f"


@pytest.mark.parametrize(("text", "lang", "want"), [
    # named: French spaces before `:` kept in English (fr→en)
    ("Bonjour : voici", "en", "Bonjour: voici"),
    ("Greeting : here it is the plan ; it is mere ! Truth ?", "en",
     "Greeting: here it is the plan; it is mere! Truth?"),
    ("Ha dicho « saludo » ( finalmente ) .", "es", "Ha dicho «saludo» (finalmente)."),
    (f"Bonjour{NB}: voici{NNB}!", "de", "Bonjour: voici!"),
    ("¿ Qué pasa ? ¡ Nada !", "es", "¿Qué pasa? ¡Nada!"),
])
def test_spaces_before_punctuation_go_outside_french(text: str, lang: str, want: str) -> None:
    assert tidy(text, lang) == want


@pytest.mark.parametrize(("text", "want"), [
    # named: a French target keeps `Quoi ?`, with a no-break space
    ("Quoi ?", f"Quoi{NNB}?"),
    ("Salut: qu'est-ce que? Soi! «Rendez-vous» (parenthèse).",
     f"Salut{NB}: qu'est-ce que{NNB}? Soi{NNB}! «{NB}Rendez-vous{NB}» (parenthèse)."),
    ("Il arrive  ;  il part ?! Enfin .", f"Il arrive{NNB}; il part{NNB}?! Enfin."),
    ("Rendez-vous à 10:30 ; voir https://x.org/a?b=1 !",
     f"Rendez-vous à 10:30{NNB}; voir https://x.org/a?b=1{NNB}!"),
])
def test_french_target_has_no_break_spaces_before_two_part_punctuation(text: str,
                                                                        want: str) -> None:
    assert tidy(text, "fr") == want


@pytest.mark.parametrize(("text", "want"), [
    # named kind: the double space Apertium leaves where it dropped a word
    ("It was written for the project and publishes  with him.",
     "It was written for the project and publishes with him."),
    ("The house sells  and rents  with everything .",
     "The house sells and rents with everything."),
    ("  Two\t\tspaces   and a tab  ", "Two spaces and a tab"),
])
def test_runs_of_spaces_become_one(text: str, want: str) -> None:
    assert tidy(text, "en") == want


@pytest.mark.parametrize(("text", "want"), [
    ("Run `a  ,  b ?` then  go .", "Run `a  ,  b ?` then go."),
    ('See <span title="a  :  b">this</span>  now !', 'See <span title="a  :  b">this</span> now!'),
    ("Open [the  file](https://x.org/a%20%20b) , please ?",
     "Open [the file](https://x.org/a%20%20b), please?"),
    ("A link https://x.org/q?a=1  ; done", "A link https://x.org/q?a=1; done"),
    ("Files ending in .md cost .5 euros and wait ...",
     "Files ending in .md cost .5 euros and wait ..."),
    # closing up ` ,` would glue the commas to the URL: only the double space goes
    ("See https://x.org/?a ,,b  now", "See https://x.org/?a ,,b now"),
])
def test_protected_pieces_and_lookalikes_are_left_alone(text: str, want: str) -> None:
    assert tidy(text, "en") == want


_TEXT = st.lists(st.sampled_from([*"ab ,.;:!?«»()¿`*[]\t", NB, NNB, "https://x.org/?a "]),
                max_size=40).map("".join)


@settings(max_examples=500)
@given(_TEXT, st.sampled_from(["en", "fr", "es", "de"]))
def test_only_spaces_change_and_protected_pieces_survive(text: str, lang: str) -> None:
    out = tidy(text, lang)
    assert re.sub(r"\s", "", out) == re.sub(r"\s", "", text)
    protected = [p.text for p in tokenize(text) if p.kind == "protected"]
    assert [p.text for p in tokenize(out) if p.kind == "protected"] == protected
    assert tidy(out, lang) == out


@needs_apertium
def test_real_apertium_output_is_tidied() -> None:
    engine = open_engine("apertium", resolve("es"), resolve("en"))
    try:
        out = [h.text for h in engine.translate_batch([
            "Fue escrito para el proyecto y se publica con él.",
            "Nada se pierde cuando el proceso se interrumpe."])]
    finally:
        engine.close()
    # raw Apertium: "...publishes  with him." and "At all it loses  when ... interrupts ."
    assert out == ["It was written for the project and publishes with him.",
                   "At all it loses when the process interrupts."]


@needs_apertium
def test_real_apertium_pivot_and_french_target() -> None:
    to_en = open_engine("apertium", resolve("fr"), resolve("en"))
    to_fr = open_engine("apertium", resolve("es"), resolve("fr"))
    try:
        english = to_en.translate_batch(["Bonjour : voici le plan."])[0].text
        french = to_fr.translate_batch(["Llega; se va! Dijo «basta»."])[0].text
    finally:
        to_en.close()
        to_fr.close()
    assert english == "Greeting: here it is the plan."  # raw: "Greeting : here it is the plan."
    assert french == f"Il arrive{NNB}; il se va{NNB}! Il a dit «{NB}il suffit{NB}»."


@needs_apertium
def test_the_sample_comes_out_without_double_spaces(tmp_path: Path) -> None:
    from diglot.pipeline import RunOptions, run

    summary = run(RunOptions(SAMPLE, "es", "en", out=tmp_path))
    text = Path(summary.outputs["document"]).read_text(encoding="utf-8")
    assert "  " not in text  # the source has none; raw Apertium output has 2 here
    assert not re.search(r" [.,;:!?](\s|$)", text)


# --- the quick check: text no rule can change is returned without running them (issue 18) --

_SPACING = st.lists(st.sampled_from([*"ab ,.;:!?«»()¿¡[]*_`\t", NB, NNB, "\ue000", "...",
                                     "https://x.org/?a ", "`x  ,`"]),
                    max_size=30).map("".join)


@settings(max_examples=1000)
@given(_SPACING, st.sampled_from(["en", "fr", "es", "de", "br"]))
def test_text_the_quick_check_passes_over_is_what_the_rules_give(text: str, lang: str) -> None:
    from translate import typography

    if not typography._touched(text, lang):
        assert typography._rules(lang)(text, "\ue000") == text
    quick = tidy(text, lang)
    with patch.object(typography, "_touched", lambda text, code: True):  # every rule runs
        assert quick == typography._tidied.__wrapped__(text, resolve(lang).code)
