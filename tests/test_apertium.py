import subprocess

import pytest

from diglot.errors import ConfigError
from tests.conftest import SHARED, needs_apertium, needs_shared
from translate.apertium import _Request, decode, encode, installed_pairs
from translate.engine import open_engine
from translate.langs import resolve

pytestmark = needs_apertium


def test_installed_pairs_are_discovered() -> None:
    pairs = {(p.src.code, p.tgt.code) for p in installed_pairs()}
    assert {("es", "en"), ("en", "es"), ("fr", "es"), ("es", "fr")} <= pairs


def test_stream_encoding_roundtrips_without_the_engine() -> None:
    text = "Un *spectre* hante [l'Europe](https://x.org/a_b) [1] et `x = $y` \\ ^fin@."
    stream, spans = encode(text)
    assert decode(stream + "[][\n]", spans) == text


def test_markup_follows_words_through_reordering() -> None:
    engine = open_engine("apertium", resolve("es"), resolve("en"))
    try:
        out = [h.text for h in engine.translate_batch([
            "Hola, *mundo* cruel.", "El [libro rojo](https://x.org/l) está aquí [2].",
            "Usa `rm -rf /` con cuidado.", "Capítulo primero", "Fin."])]
    finally:
        engine.close()
    assert out[0] == "Hello, cruel *world*."  # the emphasis moved with its word
    assert out[1] == "The [red book](https://x.org/l) is here [2]."
    assert "`rm -rf /`" in out[2] and out[3:] == ["First chapter", "End."]


def test_pipeline_is_kept_across_batches_and_moved_boundaries_are_redone() -> None:
    engine = open_engine("apertium", resolve("es"), resolve("en"))
    try:
        engine.translate_batch(["Hola."])
        first = engine._proc  # type: ignore[attr-defined]
        engine.translate_batch(["Adiós."])
        assert first is not None and engine._proc is first  # type: ignore[attr-defined]
        segments = ["El perro *come* [1].", "La casa \\ 2 $."]
        request = _Request(segments, group_size=64)
        # an answer without the separator: the group is redone one segment per request
        redone = [h.text for h in engine._decode(request, ["The dog eats."])]  # type: ignore[attr-defined]
        assert redone == [h.text for h in engine.translate_batch(segments[:1])] + \
            [h.text for h in engine.translate_batch(segments[1:])]
        assert redone[0] == "The dog *eats* [1]." and "\\ 2 $" in redone[1]
    finally:
        engine.close()


def test_pivot_when_no_direct_pair() -> None:
    engine = open_engine("apertium", resolve("fr"), resolve("en"))
    try:
        assert engine.config.model == "fr-es+spa-eng"
        assert engine.config.params["pivot"] == "es"
        lines = ["Le chien mange.", "Les classes sociales luttent.", "Bonjour à tous."]
        ours = [h.text for h in engine.translate_batch(lines)]
    finally:
        engine.close()
    spanish = _raw("fr-es", lines)
    assert ours == _raw("spa-eng", spanish)  # the same as piping through both pairs


def _raw(pair: str, lines: list[str]) -> list[str]:
    out = subprocess.run(["apertium", "-u", pair], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, check=True).stdout
    return [line.strip() for line in out.splitlines()]


def test_unsupported_pair_says_what_to_do() -> None:
    with pytest.raises(ConfigError, match=r"no Apertium pair for de→fr \(installed: .*--model"):
        open_engine("apertium", resolve("de"), resolve("fr"))


@needs_shared
def test_sentence_boundaries_survive_batching() -> None:
    lines = (SHARED / "flores-dev" / "spa.dev").read_text(encoding="utf-8").splitlines()[:300]
    raw = _raw("spa-eng", lines)
    engine = open_engine("apertium", resolve("es"), resolve("en"))
    try:
        ours = [h.text for h in engine.translate_batch(lines)]
    finally:
        engine.close()
    assert ours == raw
