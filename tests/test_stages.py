"""Where a run's time goes: the stage times and the first-segment time in summary.json."""

import json
from pathlib import Path

import pytest

from diglot.pipeline import RunOptions, run
from diglot.stages import Stages
from tests.conftest import needs_apertium

STAGES = ["ingest", "engine start", "source check", "translate", "pair", "write", "qa",
          "report"]


def test_a_stage_adds_up_its_spans_and_the_first_batch_counts_once() -> None:
    clock = Stages()
    for _ in range(2):
        with clock.stage("read"):
            pass
    with pytest.raises(ValueError, match="boom"), clock.stage("write"):
        raise ValueError("boom")
    assert list(clock.seconds) == ["read", "write"]  # a failing stage is timed too
    assert clock.first_segment is None
    clock.sent()
    first = clock.first_segment
    clock.sent()
    assert first is not None and clock.first_segment == first
    assert sum(clock.seconds.values()) <= clock.elapsed()


@needs_apertium
def test_summary_times_every_stage_and_the_wait_for_the_first_segment(tmp_path: Path) -> None:
    doc = tmp_path / "essay.md"
    doc.write_text("# A title\n\nThe cat sleeps. The dog barks.\n\nA second paragraph.\n",
                   encoding="utf-8")
    summary = run(RunOptions(doc, "en", "es", out=tmp_path / "out"))
    written = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert list(written["stages"]) == STAGES
    assert written["stages"] == summary.stages
    assert all(secs >= 0 for secs in summary.stages.values())
    # the summary is written last, after the report: its seconds cover every stage
    assert sum(summary.stages.values()) <= summary.seconds == written["seconds"]
    before_engine = sum(summary.stages[s] for s in ("ingest", "engine start", "source check"))
    assert summary.first_segment is not None
    assert before_engine <= summary.first_segment <= before_engine + summary.stages["translate"]

    again = run(RunOptions(doc, "en", "es", out=tmp_path / "out"))
    assert again.reused == 4 and again.first_segment is None  # all from the store
