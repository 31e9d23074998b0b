"""Resume after SIGKILL, failed segments retried, and BLEU equal to raw Apertium."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from diglot.errors import EngineError
from diglot.pipeline import RunOptions, run
from evaluation.metrics import corpus_scores
from tests.conftest import SHARED, needs_apertium, needs_shared
from translate import engine as engine_registry
from translate.apertium import open_apertium
from translate.engine import EngineConfig, Hypothesis
from translate.langs import Language

pytestmark = needs_apertium


def _cmd(doc: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "diglot", "run", str(doc), "--from", "es", "--to", "en",
            "--out", str(out), "--batch-size", "4"]


def _done(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM translations WHERE status = 'done'")
                       .fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_sigkill_then_resume_gives_the_uninterrupted_output(long_doc: Path,
                                                             tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    assert subprocess.run(_cmd(long_doc, clean), capture_output=True).returncode == 0
    killed = tmp_path / "killed"
    proc = subprocess.Popen(_cmd(long_doc, killed), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _done(killed / "diglot.db") < 40 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    clean_summary = json.loads((clean / "summary.json").read_text())
    total = clean_summary["translated"] + clean_summary["memory"]["hits"]
    before = _done(killed / "diglot.db")
    assert 40 <= before < total, "the run was not killed halfway; make the document longer"
    assert not (killed / "libro.en.md").exists()
    resumed = subprocess.run(_cmd(long_doc, killed), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads((killed / "summary.json").read_text())
    assert summary["reused"] == before
    assert summary["translated"] + summary["memory"]["hits"] == total - before
    for name in ("libro.en.md", "libro.es-en.tsv"):
        assert (killed / name).read_bytes() == (clean / name).read_bytes()
    with sqlite3.connect(killed / "diglot.db") as conn:
        per_segment = conn.execute("SELECT COUNT(*), COUNT(DISTINCT segment_id), "
                                   "MAX(attempts) FROM translations").fetchone()
    assert per_segment == (total, total, 1)  # none translated twice, none lost


def test_ctrl_c_exits_130_and_the_same_command_finishes(long_doc: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.Popen(_cmd(long_doc, out), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while _done(out / "diglot.db") < 20 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: Apertium's processes too
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted; the store keeps every finished batch" in stderr
    resumed = subprocess.run(_cmd(long_doc, out), capture_output=True, text=True)
    assert resumed.returncode == 0 and "from the store" in resumed.stdout


class FlakyEngine:
    """Apertium that fails on segments containing 'roja' while a flag file exists (a real
    engine behind it; only the failure is staged)."""

    flag: Path

    def __init__(self, src: Language, tgt: Language, **_: object) -> None:
        self.inner = open_apertium(src, tgt)
        self.src, self.tgt = src, tgt

    @property
    def config(self) -> EngineConfig:
        return EngineConfig("flaky", "spa-eng")

    def translate_batch(self, segments: Sequence[str]) -> list[Hypothesis]:
        if self.flag.exists() and any("roja" in s for s in segments):
            raise EngineError("flaky: staged failure")
        return self.inner.translate_batch(segments)

    def close(self) -> None:
        self.inner.close()


def test_failed_segments_are_reported_and_retried(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    doc = tmp_path / "a.md"
    doc.write_text("El perro come.\n\nLa casa roja. El gato duerme.\n\nFin.\n", encoding="utf-8")
    FlakyEngine.flag = tmp_path / "flag"
    FlakyEngine.flag.touch()
    monkeypatch.setitem(engine_registry.REGISTRY, "flaky", "tests.test_resume:FlakyEngine")
    opts = RunOptions(doc, "es", "en", engine="flaky", out=tmp_path / "out", batch_size=8)
    first = run(opts)
    assert first.status == "done with 1 failed"
    assert first.failures == [{"segment": 1, "text": "La casa roja.",
                               "error": "flaky: staged failure"}]
    text = (tmp_path / "out" / "a.en.md").read_text()
    assert "La casa roja." in text and "The cat sleeps." in text  # kept, not lost
    FlakyEngine.flag.unlink()
    second = run(opts)
    assert second.status == "done" and second.translated == 1 and second.reused == 3
    assert "The red house." in (tmp_path / "out" / "a.en.md").read_text()


@needs_shared
def test_flores_bleu_equals_raw_apertium(tmp_path: Path) -> None:
    lines = (SHARED / "flores-dev" / "spa.dev").read_text(encoding="utf-8").splitlines()[:200]
    refs = (SHARED / "flores-dev" / "eng.dev").read_text(encoding="utf-8").splitlines()[:200]
    src = tmp_path / "flores.es.txt"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ref = tmp_path / "flores.en.txt"
    ref.write_text("\n".join(refs) + "\n", encoding="utf-8")
    summary = run(RunOptions(src, "es", "en", out=tmp_path / "out", reference=ref))
    raw = subprocess.run(["apertium", "-u", "spa-eng"], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, check=True).stdout.splitlines()
    baseline = corpus_scores([r.strip() for r in raw], [refs])
    ours = {s.metric: s.score for s in summary.scores}
    assert abs(ours["bleu"] - baseline[0].score) <= 0.1
    assert abs(ours["chrf"] - baseline[1].score) <= 0.1
    out = (tmp_path / "out" / "flores.en.txt").read_text(encoding="utf-8").splitlines()
    assert len(out) == 200
