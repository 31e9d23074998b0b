"""The transformers engine on tiny random-weight models the tests build and save themselves."""

from pathlib import Path

import pytest

from diglot.errors import ConfigError
from translate.engine import open_engine
from translate.langs import resolve

pytest.importorskip("torch", reason="the transformers extra is not installed")
pytest.importorskip("transformers", reason="the transformers extra is not installed")

from tests.tinymodels import build_m2m100, build_marian, build_nllb  # noqa: E402

ES, EN, FR = resolve("es"), resolve("en"), resolve("fr")
SENTENCES = ["Hola mundo.", "El perro come una manzana roja en la casa.", "Sí.",
             "La clase obrera lucha contra la burguesía [1].", "Ver `code` aquí."]


@pytest.fixture(scope="module")
def marian(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_marian(tmp_path_factory.mktemp("marian"))


def test_marian_loads_from_folder_and_keeps_order(marian: Path) -> None:
    engine = open_engine("transformers", ES, EN, model=str(marian), max_tokens=24)
    batched = [h.text for h in engine.translate_batch(SENTENCES)]
    alone = [engine.translate_batch([s])[0].text for s in SENTENCES]
    assert batched == alone  # length sorting and token budget never reorder results
    assert engine.config.params["family"] == "marian"
    assert "`code`" in batched[4] and "[1]" in batched[3]  # protected spans survive any model


def test_multi_target_marian_gets_target_token(tmp_path: Path) -> None:
    folder = build_marian(tmp_path / "m", target_tokens=[">>fra<<", ">>spa<<"])
    engine = open_engine("transformers", EN, FR, model=str(folder))
    assert engine.family.prefix == ">>fra<< "  # type: ignore[attr-defined]
    ids = engine.tokenizer(engine.family.prefix + "hello").input_ids  # type: ignore[attr-defined]
    assert ids[0] == engine.tokenizer.convert_tokens_to_ids(">>fra<<")  # type: ignore[attr-defined]
    assert len(engine.translate_batch(["hello", "world"])) == 2


def test_nllb_sets_src_lang_and_forced_bos(tmp_path: Path) -> None:
    folder = build_nllb(tmp_path / "n")
    engine = open_engine("transformers", ES, EN, model=str(folder))
    tok = engine.tokenizer  # type: ignore[attr-defined]
    assert engine.config.params["family"] == "nllb"
    assert tok("hola").input_ids[0] == tok.convert_tokens_to_ids("spa_Latn")
    kwargs = engine.generation_kwargs(8)  # type: ignore[attr-defined]
    assert kwargs["forced_bos_token_id"] == tok.convert_tokens_to_ids("eng_Latn")
    assert len(engine.translate_batch(SENTENCES[:3])) == 3


def test_m2m100_sets_forced_bos_from_lang_id(tmp_path: Path) -> None:
    folder = build_m2m100(tmp_path / "m2m")
    engine = open_engine("transformers", ES, FR, model=str(folder))
    tok = engine.tokenizer  # type: ignore[attr-defined]
    assert engine.config.params["family"] == "m2m100"
    assert engine.generation_kwargs(8)["forced_bos_token_id"] == tok.get_lang_id("fr")  # type: ignore[attr-defined]
    assert tok("hola").input_ids[0] == tok.get_lang_id("es")
    with pytest.raises(ConfigError, match="has no language code __eo__"):
        open_engine("transformers", ES, resolve("eo"), model=str(folder))


def test_missing_models_fail_with_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(ConfigError, match=r"nope: no such model folder"):
        open_engine("transformers", ES, EN, model="./nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"empty: folder has no config.json"):
        open_engine("transformers", ES, EN, model=str(tmp_path / "empty"))
    with pytest.raises(ConfigError, match=r"not in the local Hugging Face cache .*hf download "
                                          r"Helsinki-NLP/opus-mt-es-en.*--engine apertium"):
        open_engine("transformers", ES, EN, model="Helsinki-NLP/opus-mt-es-en")


def test_unreachable_hub_fails_at_once_without_offline_mode(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # loopback, nothing listening
    with pytest.raises(ConfigError, match=r"not in the local Hugging Face cache .*hf download"):
        open_engine("transformers", ES, EN, model="Helsinki-NLP/opus-mt-es-en")
