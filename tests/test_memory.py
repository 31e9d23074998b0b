"""The translation memory: no source text goes to the engine twice under one configuration."""

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from diglot.pipeline import RunOptions, run
from tests.conftest import needs_apertium
from translate import engine as engine_registry
from translate.apertium import open_apertium
from translate.engine import EngineConfig, Hypothesis
from translate.langs import Language

pytestmark = needs_apertium


class CountingEngine:
    """Real Apertium es→en that writes down every segment it is sent."""

    sent: list[str] = []

    def __init__(self, src: Language, tgt: Language, **_: object) -> None:
        self.inner = open_apertium(src, tgt)
        self.src, self.tgt = src, tgt

    @property
    def config(self) -> EngineConfig:
        return EngineConfig("counting", "spa-eng")

    def translate_batch(self, segments: Sequence[str]) -> list[Hypothesis]:
        CountingEngine.sent += segments
        return self.inner.translate_batch(segments)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> type[CountingEngine]:
    monkeypatch.setitem(engine_registry.REGISTRY, "counting", "tests.test_memory:CountingEngine")
    CountingEngine.sent = []
    return CountingEngine


def _opts(doc: Path, tmp_path: Path, name: str) -> RunOptions:
    return RunOptions(doc, "es", "en", engine="counting", out=tmp_path / name,
                      project=tmp_path / "project.db", batch_size=2)


def test_a_repeated_sentence_is_translated_once(tmp_path: Path,
                                                counting: type[CountingEngine]) -> None:
    doc = tmp_path / "a.md"
    doc.write_text("El perro come. El gato duerme.\n\nEl perro come.\n\n# El perro come.\n",
                   encoding="utf-8")
    summary = run(_opts(doc, tmp_path, "a"))
    assert counting.sent == ["El perro come.", "El gato duerme."]
    assert (summary.translated, summary.memory) == (2, {"hits": 2, "segments": 4, "rate": 0.5})
    assert (tmp_path / "a" / "a.en.md").read_text() == (
        "The dog eats. The cat sleeps.\n\nThe dog eats.\n\n# The dog eats.\n")
    report = (tmp_path / "a" / "report.html").read_text(encoding="utf-8")
    assert "2 of 4 segments to translate (50%) were never sent to the engine" in report


def test_another_document_reuses_the_store_and_a_reviewers_correction_wins(
        tmp_path: Path, counting: type[CountingEngine]) -> None:
    first = tmp_path / "a.md"
    first.write_text("El perro come.\n\nEl gato duerme.\n", encoding="utf-8")
    run(_opts(first, tmp_path, "a"))
    with sqlite3.connect(tmp_path / "project.db") as conn:
        conn.execute("INSERT INTO edits (translation_id, text, author, created_at) SELECT t.id, "
                     "'The cat is sleeping.', 'reviewer', '2026-11-21' FROM translations t JOIN "
                     "segments s ON s.id = t.segment_id WHERE s.text = 'El gato duerme.'")
    counting.sent = []
    second = tmp_path / "b.md"
    second.write_text("El gato duerme.\n\nLa casa es roja.\n\nEl perro come.\n",
                      encoding="utf-8")
    summary = run(_opts(second, tmp_path, "b"))
    assert counting.sent == ["La casa es roja."]
    assert summary.memory == {"hits": 2, "segments": 3, "rate": 0.6667}
    assert summary.translated == 1 and summary.reused == 0
    assert (tmp_path / "b" / "b.en.md").read_text() == (
        "The cat is sleeping.\n\nThe house is red.\n\nThe dog eats.\n")


def test_another_configuration_shares_nothing(tmp_path: Path,
                                              counting: type[CountingEngine]) -> None:
    doc = tmp_path / "a.md"
    doc.write_text("El perro come.\n", encoding="utf-8")
    run(_opts(doc, tmp_path, "a"))
    plain = run(RunOptions(doc, "es", "en", engine="apertium", out=tmp_path / "plain",
                           project=tmp_path / "project.db"))
    assert plain.memory["hits"] == 0 and plain.translated == 1
