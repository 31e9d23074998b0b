"""The LLM engine against a protocol-speaking peer on loopback (tests/llmpeer.py): real HTTP,
scripted answers, so each failure an LLM server shows can be produced on demand."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from diglot.errors import ConfigError, DataFormatError, EngineError
from tests.conftest import needs_apertium
from tests.llmpeer import TABLE, Answer, Call, good, serving
from tests.test_cli import diglot
from translate.langs import resolve
from translate.llm import LLMEngine
from translate.prompts import clean

ES, EN = resolve("es"), resolve("en")
HOUSE, YEAR, CHAINS, CAPITAL = TABLE


def engine(url: str, **options: Any) -> LLMEngine:
    options.setdefault("timeout", 2.0)
    options.setdefault("backoff", 0.01)
    return LLMEngine(ES, EN, base_url=url, **options)


def test_completions_send_a_few_shot_prompt_and_stop_at_the_line_end() -> None:
    with serving() as peer:
        eng = engine(peer.url)
        hyps = eng.translate_batch([HOUSE, CHAINS])
    assert [h.text for h in hyps] == [TABLE[HOUSE], TABLE[CHAINS]]
    assert all(h.note is None for h in hyps)
    call = peer.calls[0]
    assert call.path == "/v1/completions" and call.payload["stop"] == ["\n"]
    assert call.payload["model"] == "peer-model"  # the first model the server lists
    prompt = call.payload["prompt"]
    assert prompt.count("Spanish: ") == 4 and prompt.endswith(f"Spanish: {HOUSE}\nEnglish:")
    assert "English: Every new machine changes" in prompt
    assert call.payload["temperature"] == 0.0


def test_chat_answers_lose_their_preamble_and_commentary() -> None:
    def chatty(call: Call) -> Answer:
        return Answer(f"Sure! Here is the translation:\n\n“{TABLE[call.query]}”\n\n"
                      "Note: I kept the register of the original.")

    with serving(chatty) as peer:
        eng = engine(peer.url, endpoint="chat", model="m")
        assert eng.translate_batch([HOUSE])[0].text == TABLE[HOUSE]
    messages = peer.calls[0].payload["messages"]
    assert messages[0]["role"] == "system" and "into English" in messages[0]["content"]
    assert messages[-1] == {"role": "user", "content": HOUSE}


@pytest.mark.parametrize(("answer", "expected"), [
    ("English: The house is red.", "The house is red."),
    ("```\nThe house is red.\n```", "The house is red."),
    ("The house is red.\nSpanish: Otra frase.", "The house is red."),
    ("\n\nHere is the translation:\nThe house is red.", "The house is red."),
    ("«The house is red.»", "The house is red."),
])
def test_clean_keeps_only_the_translation(answer: str, expected: str) -> None:
    assert clean(answer, "La casa es roja.", ES, EN, paragraph=False) == expected


def test_a_rambling_answer_is_asked_again_and_the_retry_is_noted() -> None:
    def rambles_first(call: Call) -> Answer:
        if call.payload["temperature"] == 0.0:
            return Answer(TABLE[call.query] + " And then the author goes on to explain "
                          "that", finish="length")
        return good(call)

    with serving(rambles_first) as peer:
        eng = engine(peer.url)
        hyp = eng.translate_batch([CHAINS])[0]
    assert hyp.text == TABLE[CHAINS]
    assert hyp.note is not None and "retried 1× by sentence (rambling" in hyp.note
    assert len(peer.calls) == 2 and peer.calls[1].payload["seed"] == 1


def test_a_slow_server_is_asked_again_after_the_timeout() -> None:
    slow = {"n": 0}

    def late_once(call: Call) -> Answer:
        slow["n"] += 1
        return Answer(TABLE[call.query], delay=1.5 if slow["n"] == 1 else 0.0)

    with serving(late_once) as peer:
        eng = engine(peer.url, timeout=0.5)
        assert eng.translate_batch([HOUSE])[0].text == TABLE[HOUSE]
    assert len(peer.calls) == 2


def test_a_server_that_never_answers_in_time_fails_with_what_to_do() -> None:
    with serving(lambda call: Answer("late", delay=1.0)) as peer:
        eng = engine(peer.url, timeout=0.3, retries=1)
        with pytest.raises(EngineError, match=r"no answer within 0.3 s after 2 attempt.*--timeout"):
            eng.translate_batch([HOUSE])


def test_server_errors_are_retried_then_reported() -> None:
    errors = {"n": 0}

    def fails_twice(call: Call) -> Answer:
        errors["n"] += 1
        return Answer(status=500) if errors["n"] <= 2 else good(call)

    with serving(fails_twice) as peer:
        assert engine(peer.url).translate_batch([HOUSE])[0].text == TABLE[HOUSE]
        assert len(peer.calls) == 3
    with serving(lambda call: Answer(status=503)) as peer, \
            pytest.raises(EngineError, match=r"HTTP 503 .* after 2 attempt"):
        engine(peer.url, retries=1).translate_batch([HOUSE])
    with serving(lambda call: Answer(status=404)) as peer:
        with pytest.raises(EngineError, match=r"HTTP 404 .*check --base-url"):
            engine(peer.url).translate_batch([HOUSE])
        assert len(peer.calls) == 1  # a 404 will not pass: not retried


def test_no_server_is_a_clear_error() -> None:
    with pytest.raises(EngineError, match=r"127.0.0.1:9/v1/models: cannot connect"):
        engine("http://127.0.0.1:9/v1", retries=0)


@needs_apertium
def test_a_wrong_language_answer_goes_to_the_fallback_engine() -> None:
    french = "Les travailleurs n'ont rien à perdre que leurs chaînes, disait le texte."

    def answers_in_french(call: Call) -> Answer:
        return Answer(french) if call.query == CHAINS else good(call)

    with serving(answers_in_french) as peer:
        eng = engine(peer.url, fallback="apertium")
        hyps = eng.translate_batch([HOUSE, CHAINS])
        eng.close()
    assert hyps[0].text == TABLE[HOUSE] and hyps[0].note is None
    assert "chains" in hyps[1].text.lower() and french not in hyps[1].text
    assert hyps[1].note is not None and hyps[1].note.startswith(
        "fallback apertium: untranslated: target reads as French")
    assert peer.queries().count(CHAINS) == 3  # the first try and two retries
    assert eng.stats["fallback"] == 1


def test_without_a_fallback_a_wrong_language_segment_fails_alone() -> None:
    with serving(lambda call: Answer(call.query) if call.query == CHAINS else good(call)) as peer:
        eng = engine(peer.url, attempts=2)
        with pytest.raises(EngineError, match=r"no acceptable translation in 2 tries \(copied"):
            eng.translate_batch([HOUSE, CHAINS])
        sent = len(peer.calls)
        # asked again for each segment alone (as the pipeline does): no new requests
        assert eng.translate_batch([HOUSE])[0].text == TABLE[HOUSE]
        with pytest.raises(EngineError):
            eng.translate_batch([CHAINS])
        assert len(peer.calls) == sent


def test_a_lost_number_is_retried_then_kept_with_a_note() -> None:
    with serving(lambda call: Answer("The manifesto was published in London.")) as peer:
        hyp = engine(peer.url).translate_batch([YEAR])[0]
    assert hyp.text == "The manifesto was published in London."
    assert hyp.note is not None and hyp.note.startswith("unresolved: numbers:")
    assert "missing 1848" in hyp.note and len(peer.calls) == 3


def test_paragraph_answers_are_aligned_and_merged_sentences_redone_alone() -> None:
    def merges(call: Call) -> Answer:
        if call.query == " ".join([HOUSE, YEAR, CHAINS]):
            return Answer(f"{TABLE[HOUSE]} {TABLE[YEAR][:-1]}, and the workers have nothing "
                          "to lose but their chains.")
        return good(call)

    with serving(merges) as peer:
        eng = engine(peer.url, unit="paragraph", paragraph_size=3)
        hyps = eng.translate_batch([HOUSE, YEAR, CHAINS])
    assert [h.text for h in hyps] == [TABLE[HOUSE], TABLE[YEAR], TABLE[CHAINS]]
    assert peer.queries() == [" ".join([HOUSE, YEAR, CHAINS]), YEAR, CHAINS]
    assert peer.calls[0].payload["stop"] == ["\n\n", "\nSpanish:"]
    assert eng.stats["realigned"] == 1


def test_context_unit_shows_the_sentences_just_translated() -> None:
    with serving() as peer:
        eng = engine(peer.url, endpoint="chat", model="m")
        assert eng.unit == "context"
        eng.translate_batch([HOUSE, YEAR])
        eng.translate_batch([CHAINS])
    last = peer.calls[-1].payload["messages"]
    turns = [(m["role"], m["content"]) for m in last[-5:]]
    assert turns == [("user", HOUSE), ("assistant", TABLE[HOUSE]), ("user", YEAR),
                     ("assistant", TABLE[YEAR]), ("user", CHAINS)]


def test_the_api_key_comes_from_the_named_environment_variable(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with serving() as peer:
        with pytest.raises(ConfigError, match="DIGLOT_TEST_KEY is not set"):
            engine(peer.url, api_key_env="DIGLOT_TEST_KEY")
        monkeypatch.setenv("DIGLOT_TEST_KEY", "s3cret")
        engine(peer.url, api_key_env="DIGLOT_TEST_KEY").translate_batch([HOUSE])
    assert peer.calls[0].headers["Authorization"] == "Bearer s3cret"


def test_bad_settings_are_refused_before_any_request(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown endpoint 'edit'"):
        engine("http://127.0.0.1:9/v1", endpoint="edit")
    with pytest.raises(ConfigError, match="unknown unit 'page'"):
        engine("http://127.0.0.1:9/v1", unit="page")
    with pytest.raises(ConfigError, match="not an http"):
        engine("127.0.0.1:8080", model="m")
    with pytest.raises(ConfigError, match="no built-in examples for Spanish→Finnish"):
        LLMEngine(ES, resolve("fi"), base_url="http://127.0.0.1:9/v1", model="m")
    bad = tmp_path / "shots.tsv"
    bad.write_text("una frase\tone sentence\nsin tabulador\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"shots.tsv:2: .*a tab"):
        engine("http://127.0.0.1:9/v1", model="m", examples=bad)


def test_glossary_entries_relevant_to_the_text_go_into_the_prompt(tmp_path: Path) -> None:
    from glossary.enforce import GlossaryEngine
    from glossary.termbase import read_termbase

    tsv = tmp_path / "terms.tsv"
    tsv.write_text("es\ten\ntrabajadores\tworkers\ncapital\tcapital\n", encoding="utf-8")
    with serving() as peer:
        eng = GlossaryEngine(engine(peer.url), read_termbase(tsv, ES, EN))
        assert eng.translate_batch([CHAINS])[0].text == TABLE[CHAINS]
    prompt = peer.calls[0].payload["prompt"]
    assert prompt.startswith("Glossary:\ntrabajadores → workers\n\n")
    assert "capital →" not in prompt


@needs_apertium
def test_diglot_run_records_fallbacks_on_the_segments(tmp_path: Path) -> None:
    doc = tmp_path / "texto.es.txt"
    doc.write_text(f"{HOUSE} {CHAINS}\n\n{YEAR}\n", encoding="utf-8")

    def wrong_for_chains(call: Call) -> Answer:
        return Answer("Les travailleurs n'ont rien à perdre que leurs chaînes.") \
            if call.query == CHAINS else good(call)

    out = tmp_path / "out"
    with serving(wrong_for_chains) as peer:
        res = diglot("run", str(doc), "-f", "es", "-t", "en", "-e", "llm", "--base-url",
                     peer.url, "--fallback", "apertium", "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert "1 segments carry a note" in res.stdout
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["engine"] == "llm" and summary["model"] == "peer-model"
    assert summary["notes"] == [{"segment": 1, "note": summary["notes"][0]["note"]}]
    assert summary["notes"][0]["note"].startswith("fallback apertium: untranslated")
    assert summary["engine_stats"]["fallback"] == 1
    assert "engine notes" in (out / "report.html").read_text(encoding="utf-8")
    text = (out / "texto.en.txt").read_text(encoding="utf-8")
    assert text.startswith(TABLE[HOUSE]) and TABLE[YEAR] in text
    with sqlite3.connect(out / "diglot.db") as conn:
        notes = conn.execute("SELECT note FROM translations WHERE note IS NOT NULL").fetchall()
    assert len(notes) == 1


def test_a_latin_motto_copied_as_it_is_is_no_problem_to_retry() -> None:
    # QA calls this copy an info note (the source is not Spanish): the answer is kept at once
    motto = "Errare humanum est, perseverare diabolicum."

    def copies(call: Call) -> Answer:
        return Answer(motto)

    with serving(copies) as peer:
        eng = engine(peer.url)
        hyp = eng.translate_batch([motto])[0]
    assert hyp.text == motto and hyp.note is None
    assert len(peer.calls) == 1  # one completion: no retry
