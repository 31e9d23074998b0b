"""Where a run's time goes: seconds per stage, kept in summary.json.

The stages are the ones a user can act on: reading the book (``ingest``), the source-language
check before translation (``source check``), ``translate`` (engine and store, translation
memory included), writing the editions and bitext (``write``), ``qa`` (checks and scores) and
the HTML ``report``. ``first_segment`` is how long the run took before the engine was handed
its first segment: what a one-paragraph run pays in fixed costs, imports aside.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class Stages:
    """A stopwatch over named stages, started with the run.

    Attributes:
        seconds: wall seconds spent in each stage so far, in the order first entered.
        first_segment: wall seconds from the start until the engine took its first batch,
            or None when nothing was sent to an engine (all from the store or memory).
    """

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.seconds: dict[str, float] = {}
        self.first_segment: float | None = None

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Add the wall time of the `with` body to stage `name`."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    def elapsed(self) -> float:
        """Wall seconds since the start."""
        return time.perf_counter() - self.started

    def sent(self) -> None:
        """Note that the engine takes a batch now (only the first call counts)."""
        if self.first_segment is None:
            self.first_segment = round(self.elapsed(), 3)

    def rounded(self) -> dict[str, float]:
        """The stage times in milliseconds' precision, for summary.json."""
        return {name: round(secs, 3) for name, secs in self.seconds.items()}
