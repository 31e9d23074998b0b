"""Every step of a run after translation reports progress, with totals that match its work."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from diglot.errors import ConfigError
from evaluation.qa import Context, Flag, Item, run_checks
from tests.conftest import SAMPLE, SAMPLE_REF, needs_apertium
from translate.langs import resolve


class Recorder:
    """A Progress that keeps every step as [description, total, advanced so far]."""

    def __init__(self) -> None:
        self.steps: list[list[object]] = []

    def start(self, total: int, description: str) -> None:
        self.steps.append([description, total, 0])

    def advance(self, n: int) -> None:
        assert self.steps, "advance before start"
        self.steps[-1][2] += n  # type: ignore[operator]

    def step(self, prefix: str) -> tuple[int, int]:
        found = [s for s in self.steps if str(s[0]).startswith(prefix)]
        assert len(found) == 1, (prefix, self.steps)
        return int(found[0][1]), int(found[0][2])  # type: ignore[call-overload]


class _Flags:
    def __init__(self, name: str) -> None:
        self.name, self.severity = name, "warning"

    def run(self, items: Sequence[Item], ctx: Context) -> list[Flag]:
        return [Flag(self.name, self.severity, it.id, "seen") for it in items]


class _CannotRun:
    name, severity = "cannot", "warning"

    def run(self, items: Sequence[Item], ctx: Context) -> list[Flag]:
        raise ConfigError("no model for this language")


def test_qa_advances_once_per_check_skipped_ones_included() -> None:
    items = [Item(str(k), "hola", "hello") for k in range(5)]
    progress = Recorder()
    report = run_checks(items, Context(resolve("es"), resolve("en")),
                        [_Flags("a"), _CannotRun(), _Flags("b")], progress)
    assert progress.steps == [["QA: 3 checks on 5 segments", 3, 3]]
    assert report.skipped == {"cannot": "no model for this language"}
    assert len(report.flags) == 10


@needs_apertium
def test_run_shows_every_step_with_matching_totals(tmp_path: Path) -> None:
    from diglot.pipeline import RunOptions, run

    glossary = SAMPLE.parent / "glosario.es-en.tsv"
    progress = Recorder()
    summary = run(RunOptions(SAMPLE, "es", "en", out=tmp_path, reference=SAMPLE_REF,
                             glossary=glossary), progress)
    assert [str(s[0]).split(" ")[0].rstrip(":") for s in progress.steps] == [
        "apertium", "corpus", "glossary", "QA", "scores", "report"]
    for description, total, advanced in progress.steps:
        assert advanced == total, description
    segments = summary.qa["segments"]
    assert progress.step("glossary check") == (segments, segments)
    qa = summary.qa
    checks = len(qa["by_check"]) + len(qa["skipped"])  # type: ignore[arg-type]
    assert progress.step("QA:") == (checks, checks)
    # 4 headings, 6 paragraphs, 1 quote, 3 list items and the note [1], counted in the file
    assert progress.step("scores of 15 paragraphs") == (2, 2)  # chrF and BLEU
    assert progress.step("report") == (1, 1)
