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
from typing import Protocol

from diglot.errors import ConfigError
from translate.langs import Language

SEVERITIES = ("error", "warning")


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
    """The language pair; `source` is None in target-only mode."""

    source: Language | None
    target: Language


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
        """Flags per check, every check that ran included (zero when it found nothing)."""
        found = Counter(f.check for f in self.flags)
        return {name: found.get(name, 0) for name in self.seconds}

    def flagged_items(self) -> int:
        return len({f.item for f in self.flags})

    def summary(self) -> dict[str, object]:
        """The counts that go into a run's summary.json."""
        return {"segments": self.items, "flagged_segments": self.flagged_items(),
                "errors": sum(f.severity == "error" for f in self.flags),
                "warnings": sum(f.severity == "warning" for f in self.flags),
                "by_check": self.counts(), "skipped": dict(self.skipped)}


def run_checks(items: Sequence[Item], ctx: Context, checks: Sequence[Check] | None = None,
               ) -> Report:
    """Run each check over all items.

    A check that cannot run here (no language model for the language, say) is reported in
    `Report.skipped` with the reason instead of failing the whole QA.
    """
    from evaluation.checks import default_checks

    report = Report(len(items))
    for check in checks if checks is not None else default_checks(ctx):
        start = time.perf_counter()
        try:
            report.flags += check.run(items, ctx)
        except ConfigError as exc:
            report.skipped[check.name] = str(exc)
            continue
        report.seconds[check.name] = time.perf_counter() - start
    order = {item.id: k for k, item in enumerate(items)}
    report.flags.sort(key=lambda f: (order.get(f.item, len(order)), f.check))
    return report
