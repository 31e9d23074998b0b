"""--workers: several processes (transformers) or parallel batches (ctranslate2), same output
in the same order as one."""

from pathlib import Path

import pytest

from diglot.errors import ConfigError
from diglot.pipeline import RunOptions, make_engine
from tests.conftest import SAMPLE
from tests.test_cli import diglot
from translate.engine import open_engine
from translate.langs import resolve

pytest.importorskip("torch", reason="the transformers extra is not installed")

from tests.test_hf import SENTENCES  # noqa: E402
from tests.tinymodels import build_marian  # noqa: E402

ES, EN = resolve("es"), resolve("en")


@pytest.fixture(scope="module")
def marian(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_marian(tmp_path_factory.mktemp("marian") / "opus-mt-es-en")


def _texts(engine: object, segments: list[str]) -> list[str]:
    try:
        return [h.text for h in engine.translate_batch(segments)]  # type: ignore[attr-defined]
    finally:
        engine.close()  # type: ignore[attr-defined]


def test_transformers_workers_give_one_engines_output_in_order(marian: Path) -> None:
    from translate.workers import WorkerPool

    segments = [*SENTENCES, *reversed(SENTENCES)]
    one = _texts(open_engine("transformers", ES, EN, model=str(marian)), segments)
    pool = WorkerPool("transformers", ES, EN, 2, model=str(marian))
    assert pool.config == open_engine("transformers", ES, EN, model=str(marian)).config
    assert _texts(pool, segments) == one


def test_ctranslate2_workers_give_one_engines_output_in_order(marian: Path) -> None:
    pytest.importorskip("ctranslate2", reason="the ct2 extra is not installed")
    segments = [*SENTENCES, *reversed(SENTENCES)] * 3
    one = _texts(open_engine("ctranslate2", ES, EN, model=str(marian), max_tokens=24), segments)
    two = open_engine("ctranslate2", ES, EN, model=str(marian), max_tokens=24, workers=2)
    assert two.translator.num_translators == 2  # type: ignore[attr-defined]
    assert _texts(two, segments) == one


def test_workers_refused_where_they_do_not_apply(tmp_path: Path) -> None:
    opts = RunOptions(SAMPLE, "es", "en", engine="apertium", workers=2)
    with pytest.raises(ConfigError, match="--workers is for the transformers and ctranslate2"):
        make_engine(opts, ES, EN)
    bad = RunOptions(SAMPLE, "es", "en", engine="transformers", model=str(tmp_path / "no/"),
                     workers=2)
    with pytest.raises(ConfigError, match="no such model folder"):
        make_engine(bad, ES, EN)  # the worker's error reaches the caller


def test_diglot_run_with_workers_writes_what_one_process_writes(marian: Path,
                                                                tmp_path: Path) -> None:
    doc = tmp_path / "texto.es.md"  # short sentences: the tiny model has 128 positions
    doc.write_text("# Título\n\n" + " ".join(SENTENCES) + "\n\n- " + "\n- ".join(
        reversed(SENTENCES)) + "\n", encoding="utf-8")
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        res = diglot("run", str(doc), "-f", "es", "-t", "en", "-m", str(marian),
                     "--workers", workers, "--batch-size", "8", "-o", str(out))
        assert res.returncode == 0, res.stderr
        outputs.append((out / "texto.en.md").read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]
