"""Scores against sacrebleu's own command line and published figures; significance tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from diglot.errors import ConfigError, DataFormatError
from evaluation.metrics import compare_systems, corpus_scores, parse_metrics
from tests.conftest import SHARED, needs_shared
from tests.test_cli import _one_line_error, diglot

FR_EN = SHARED / "flores-dev" / "systems" / "fr-en"


def sacrebleu_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sacrebleu", "-w", "4", *args],
                          capture_output=True,
                          text=True, check=True)


@needs_shared
def test_scores_equal_sacrebleu_command_line() -> None:
    hyp, ref = FR_EN / "flores-dev.bergamot-tiny.en", FR_EN / "flores-dev.en"
    ours = diglot("score", str(hyp), str(ref), "--metrics", "bleu,chrf,chrf++,ter", "--json")
    assert ours.returncode == 0, ours.stderr
    got = {s["metric"]: s for s in json.loads(ours.stdout)["scores"]}
    theirs = json.loads(sacrebleu_cli(str(ref), "-i", str(hyp), "-m", "bleu", "chrf", "ter",
                                      "--format", "json").stdout)
    plus = json.loads(sacrebleu_cli(str(ref), "-i", str(hyp), "-m", "chrf", "--chrf-word-order",
                                    "2", "--format", "json").stdout)
    expected = {"bleu": theirs[0], "chrf": theirs[1], "ter": theirs[2], "chrf++": plus}
    for metric, want in expected.items():
        assert got[metric]["score"] == pytest.approx(want["score"], abs=0.01), metric
        assert got[metric]["signature"] == want["signature"], metric


@needs_shared
def test_two_references_and_segment_scores_equal_sacrebleu(tmp_path: Path) -> None:
    hyp, ref = FR_EN / "flores-dev.bergamot-tiny.en", FR_EN / "flores-dev.en"
    second = FR_EN / "flores-dev.google.en"  # a second "reference", as sacrebleu allows
    ours = json.loads(diglot("score", str(hyp), str(ref), str(second), "--json",
                             "--segments").stdout)
    theirs = json.loads(sacrebleu_cli(str(ref), str(second), "-i", str(hyp), "-m", "bleu",
                                      "--format", "json").stdout)
    assert ours["scores"][0]["score"] == pytest.approx(theirs["score"], abs=0.01)
    assert "nrefs:2" in ours["scores"][0]["signature"]
    lines = sacrebleu_cli(str(ref), "-i", str(hyp), "-m", "chrf", "--sentence-level",
                          "-b").stdout.split()
    one_ref = json.loads(diglot("score", str(hyp), str(ref), "--json", "--segments",
                                "--metrics", "chrf").stdout)
    assert one_ref["segments"]["chrf"] == pytest.approx([float(x) for x in lines], abs=0.01)


def _published(path: Path) -> float:
    return float(path.read_text().split()[0])


@needs_shared
@pytest.mark.parametrize("system", ["google", "bergamot-tiny", "bergamot-base-memory",
                                    "microsoft"])
def test_published_bleu_of_real_systems(system: str) -> None:
    """The Mozilla evaluation's published BLEU for each fr→en system output.

    For bergamot-tiny (43.8) and microsoft (48.9) the published figure was computed on an
    earlier output than the file shipped beside it: sacrebleu's own command line gives 43.7
    and 49.8 on these files. There we check agreement with that command line instead.
    """
    hyp = FR_EN / f"flores-dev.{system}.en"
    res = diglot("score", str(hyp), str(FR_EN / "flores-dev.en"), "--metrics", "bleu", "--json")
    score = json.loads(res.stdout)["scores"][0]["score"]
    theirs = float(sacrebleu_cli(str(FR_EN / "flores-dev.en"), "-i", str(hyp), "-m", "bleu",
                                 "-b").stdout)
    assert score == pytest.approx(theirs, abs=1e-4)
    if system in ("google", "bergamot-base-memory"):
        assert round(score, 1) == _published(FR_EN / f"flores-dev.{system}.en.bleu")


@needs_shared
def test_compare_finds_google_and_bergamot_tiny_significantly_different() -> None:
    res = diglot("compare", str(FR_EN / "flores-dev.en"), str(FR_EN / "flores-dev.google.en"),
                 str(FR_EN / "flores-dev.bergamot-tiny.en"), "--json")
    assert res.returncode == 0, res.stderr
    rows = {(r["system"].rsplit(".", 2)[-2], r["metric"]): r for r in json.loads(res.stdout)}
    tiny = rows[("bergamot-tiny", "bleu")]
    assert tiny["significant"] and tiny["p_value"] < 0.01
    assert rows[("google", "bleu")]["p_value"] is None  # the baseline
    assert tiny["mean"] is not None and 0 < tiny["ci"] < 5


@needs_shared
def test_compare_a_system_with_itself_is_not_significant() -> None:
    lines = (FR_EN / "flores-dev.google.en").read_text(encoding="utf-8").splitlines()
    refs = [(FR_EN / "flores-dev.en").read_text(encoding="utf-8").splitlines()]
    found = compare_systems(refs, [("a", lines), ("b", lines)], ["chrf"], test="ar",
                            samples=500)
    assert not found[1].significant and found[1].p_value is not None


def test_mismatched_line_counts_name_both_files_and_counts(tmp_path: Path) -> None:
    hyp, ref = tmp_path / "hyp.txt", tmp_path / "ref.txt"
    hyp.write_text("a\nb\nc\n", encoding="utf-8")
    ref.write_text("a\nb\n", encoding="utf-8")
    _one_line_error(diglot("score", str(hyp), str(ref)),
                    r"ref\.txt: has 2 segments but .*hyp\.txt has 3")
    _one_line_error(diglot("compare", str(ref), str(hyp), str(hyp)),
                    r"ref\.txt: has 2 segments but .*hyp\.txt has 3")
    with pytest.raises(DataFormatError, match="has 1 segments but h has 2"):
        corpus_scores(["x", "y"], [["x"]], hyp_name="h", ref_names=["r"])


def test_bad_metric_and_single_system_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown metric blue"):
        parse_metrics("bleu,blue")
    with pytest.raises(ConfigError, match="a baseline and at least one more"):
        compare_systems([["a"]], [("only", ["a"])])
    hyp = tmp_path / "h.txt"
    hyp.write_text("a\n", encoding="utf-8")
    _one_line_error(diglot("score", str(hyp), str(hyp), "--metrics", "meteor"),
                    r"unknown metric meteor")


@pytest.mark.skipif(not os.environ.get("DIGLOT_COMET_MODEL"),
                    reason="no COMET checkpoint here: set DIGLOT_COMET_MODEL to a downloaded "
                           "model folder (e.g. Unbabel/wmt22-comet-da) to run this test")
def test_comet_scores_with_a_local_model() -> None:  # pragma: no cover - needs a model
    from evaluation.comet import comet_score

    score, per = comet_score(["Le chat dort."], ["The cat sleeps."], ["The cat is sleeping."],
                             os.environ["DIGLOT_COMET_MODEL"])
    assert 50 < score.score <= 100 and len(per) == 1 and "comet" in score.signature


def test_comet_without_the_package_says_how_to_install() -> None:
    pytest.importorskip("torch")
    try:
        import comet  # noqa: F401
        pytest.skip("unbabel-comet is installed; the missing-package message cannot show")
    except ImportError:
        pass
    from evaluation.comet import comet_score

    with pytest.raises(ConfigError, match=r"pip install 'diglot\[comet\]'"):
        comet_score(["a"], ["b"], ["c"], "Unbabel/wmt22-comet-da")
