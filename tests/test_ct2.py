"""The CTranslate2 engine on tiny models the tests build, convert and run themselves."""

from pathlib import Path

import pytest

from diglot.errors import ConfigError
from translate.engine import open_engine
from translate.langs import resolve

pytest.importorskip("torch", reason="the transformers extra is not installed")
pytest.importorskip("ctranslate2", reason="the ct2 extra is not installed")

from tests.test_hf import SENTENCES  # noqa: E402  (the same inputs for both engines)
from tests.tinymodels import build_m2m100, build_marian, build_nllb  # noqa: E402

ES, EN, FR = resolve("es"), resolve("en"), resolve("fr")


@pytest.fixture(scope="module")
def marian(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_marian(tmp_path_factory.mktemp("marian") / "opus-mt-es-en")


def texts(name: str, model: Path, src=ES, tgt=EN, **options: object) -> list[str]:
    engine = open_engine(name, src, tgt, model=str(model), **options)
    try:
        return [h.text for h in engine.translate_batch(SENTENCES)]
    finally:
        engine.close()


def test_float32_gives_the_transformers_output(marian: Path) -> None:
    assert texts("ctranslate2", marian, quantization="float32") == texts("transformers", marian)


def test_int8_is_converted_once_next_to_the_model(marian: Path) -> None:
    out = texts("ctranslate2", marian, max_tokens=24)
    cached = marian.parent / "opus-mt-es-en.ct2-int8"
    assert (cached / "model.bin").is_file()
    stamp = (cached / "model.bin").stat().st_mtime_ns
    engine = open_engine("ctranslate2", ES, EN, model=str(marian))
    assert (cached / "model.bin").stat().st_mtime_ns == stamp  # reused, not converted again
    alone = [engine.translate_batch([s])[0].text for s in SENTENCES]
    assert out == alone  # token batches never change or reorder a result
    assert "`code`" in out[4] and "[1]" in out[3]
    assert engine.config.params["quantization"] == "int8"


def test_nbest_is_the_beam_search_best_first(marian: Path) -> None:
    engine = open_engine("ctranslate2", ES, EN, model=str(marian), quantization="float32",
                         beams=4)
    options = engine.translate_nbest(SENTENCES[:3], 4)  # type: ignore[attr-defined]
    assert [len(o) for o in options] == [4, 4, 4]
    for found in options:
        scores = [h.score for h in found]
        assert all(isinstance(x, float) for x in scores) and scores == sorted(scores, reverse=True)
    best = [h.text for h in engine.translate_batch(SENTENCES[:3])]
    assert [o[0].text for o in options] == best


@pytest.mark.parametrize("build", [build_nllb, build_m2m100])
def test_target_language_token_as_in_transformers(build: object, tmp_path: Path) -> None:
    folder = build(tmp_path / "m")  # type: ignore[operator]
    assert texts("ctranslate2", folder, EN, FR, quantization="float32") == \
        texts("transformers", folder, EN, FR)


def test_bad_model_and_quantization_fail_with_what_to_do(marian: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such model folder; check the path"):
        open_engine("ctranslate2", ES, EN, model=str(tmp_path / "nowhere/"))
    with pytest.raises(ConfigError, match="unknown quantization 'int3'; choose one of int8"):
        open_engine("ctranslate2", ES, EN, model=str(marian), quantization="int3")
    with pytest.raises(ConfigError, match="needs --model"):
        open_engine("ctranslate2", ES, EN)


def test_diglot_run_with_ctranslate2_end_to_end(marian: Path, tmp_path: Path) -> None:
    from tests.test_cli import diglot

    doc = tmp_path / "a.es.md"
    doc.write_text("# Hola mundo.\n\nEl perro come. Sí.\n\nEl perro come.\n", encoding="utf-8")
    args = ("run", str(doc), "--from", "es", "--to", "en", "--engine", "ctranslate2",
            "--model", str(marian), "--quantization", "float32", "--threads", "1",
            "--out", str(tmp_path / "out"))
    first = diglot(*args)
    assert first.returncode == 0, first.stderr
    assert "3 translated now, 0 from the store, 1 from the translation memory" in first.stdout
    assert (marian.parent / "opus-mt-es-en.ct2-float32" / "model.bin").is_file()
    again = diglot(*args)
    assert again.returncode == 0 and "0 translated now, 4 from the store" in again.stdout
    bad = diglot(*args[:-2], "--quantization", "int3", "--out", str(tmp_path / "bad"))
    assert bad.returncode == 2 and "unknown quantization 'int3'" in bad.stderr
