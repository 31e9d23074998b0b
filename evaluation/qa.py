"""QA of aligned segments: the records, the check protocol and the runner.

A check looks at every segment of a document at once, because some need the whole document
(robust length statistics) and some are only fast in batches (language identification). Each
finding is a `Flag` that names the check, its severity and the segment, with a message a
translator can act on.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from diglot.errors import ConfigError
from translate.langs import Language

if TYPE_CHECKING:
    from diglot.pipeline import Progress

#: "info" notes what is right but worth a look (a quotation copied as it is); it makes no
#: segment "flagged" and no exit code.
SEVERITIES = ("error", "warning", "info")
PROBLEMS = ("error", "warning")


@dataclass(frozen=True)
class Item:
    """One aligned segment to check.

    Attributes:
        id: how to find it: a segment number, "line 12", or a link's indices.
        source: the source text ("" in target-only mode).
        target: the translation.
        section: the heading it falls under, for per-section counts.
    """

    id: str
    source: str
    target: str
    section: str = ""


@dataclass(frozen=True)
class Flag:
    """A finding: which check, how serious, which segment, and what is wrong."""

    check: str
    severity: str
    item: str
    message: str

    def __str__(self) -> str:
        return f"{self.item}: {self.severity}: [{self.check}] {self.message}"


@dataclass(frozen=True)
class Context:
    """The language pair, and what stays as it is.

    Attributes:
        source: the source language; None in target-only mode.
        target: the target language.
        keep: texts that are not translated (the glossary's do-not-translate terms, the
            user's `--keep` list): a segment made of them is not a copy or in a wrong
            language, and they are left out when its language is identified.
    """

    source: Language | None
    target: Language
    keep: tuple[str, ...] = ()


class Check(Protocol):
    """One kind of problem. `run` sees the whole document and returns its flags."""

    name: str
    severity: str

    def run(self, items: Sequence[Item], ctx: Context) -> list[Flag]: ...


@dataclass
class Report:
    """What QA found: the flags, counts per check, and checks that could not run."""

    items: int
    flags: list[Flag] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Errors and warnings per check, every check that ran included (zero when it found
        nothing); "info" notes are not counted."""
        found = Counter(f.check for f in self.flags if f.severity in PROBLEMS)
        return {name: found.get(name, 0) for name in self.seconds}

    def flagged_items(self) -> int:
        """Segments with an error or a warning."""
        return len({f.item for f in self.flags if f.severity in PROBLEMS})

    def summary(self) -> dict[str, object]:
        """The counts that go into a run's summary.json."""
        return {"segments": self.items, "flagged_segments": self.flagged_items(),
                "errors": sum(f.severity == "error" for f in self.flags),
                "warnings": sum(f.severity == "warning" for f in self.flags),
                "info": sum(f.severity == "info" for f in self.flags),
                "by_check": self.counts(), "skipped": dict(self.skipped)}


def run_checks(items: Sequence[Item], ctx: Context, checks: Sequence[Check] | None = None,
               progress: Progress | None = None) -> Report:
    """Run each check over all items.

    A check that cannot run here (no language model for the language, say) is reported in
    `Report.skipped` with the reason instead of failing the whole QA.

    Args:
        items: The segments to check.
        ctx: The language pair.
        checks: The checks to run; by default `default_checks(ctx)`.
        progress: Told the number of checks, then advanced by one as each finishes.
    """
    from evaluation.checks import default_checks

    report = Report(len(items))
    todo = list(checks if checks is not None else default_checks(ctx))
    if progress is not None:
        progress.start(len(todo), f"QA: {len(todo)} checks on {len(items)} segments")
    for check in todo:
        start = time.perf_counter()
        try:
            report.flags += check.run(items, ctx)
        except ConfigError as exc:
            report.skipped[check.name] = str(exc)
        else:
            report.seconds[check.name] = time.perf_counter() - start
        if progress is not None:
            progress.advance(1)
    order = {item.id: k for k, item in enumerate(items)}
    report.flags.sort(key=lambda f: (order.get(f.item, len(order)), f.check))
    return report
