"""The review service: every read and write of the review workspace, over the project store.

One SQLite connection per thread (a web server's threadpool calls in from many threads), WAL,
every write one short ``BEGIN IMMEDIATE`` transaction in which the bead's version is checked
(optimistic concurrency): a change based on an old version is refused with `Conflict` and
nothing is written.
"""

from __future__ import annotations

from pathlib import Path

from diglot.review.views import (
    MAX_TEXT,
    Actor,
    BeadPage,
    BeadView,
    BitextInfo,
    BitextSummary,
    CheckCount,
    CommentView,
    Conflict,
    FlagView,
    Forbidden,
    GlossaryChange,
    NotFound,
    ReviewError,
    SectionCounts,
    SourceSentence,
    TermHit,
    TextVersion,
    TooLarge,
)

__all__ = ["MAX_TEXT", "Actor", "BeadPage", "BeadView", "BitextInfo", "BitextSummary",
           "CheckCount", "CommentView", "Conflict", "FlagView", "Forbidden", "GlossaryChange",
           "NotFound", "ReviewError", "ReviewService", "SectionCounts", "SourceSentence",
           "TermHit", "TextVersion", "TooLarge"]

Target = tuple[int, int, int]  # (bitext id, bead id, version)


class ReviewService:
    """Reads and changes the beads of a project store's bitexts.

    Args:
        db: The project store (migrated to the current schema on open).
    """

    def __init__(self, db: Path) -> None:
        self.db = db

    def overview(self) -> list[BitextSummary]:
        raise NotImplementedError

    def bitext(self, bitext_id: int) -> BitextInfo:
        raise NotImplementedError

    def beads(self, bitext_id: int, *, offset: int = 0, limit: int = 100, show: str = "all",
              check: str | None = None, max_score: float | None = None) -> BeadPage:
        raise NotImplementedError

    def bead(self, bitext_id: int, bead_id: int) -> BeadView:
        raise NotImplementedError

    def history(self, bitext_id: int, bead_id: int) -> list[TextVersion]:
        raise NotImplementedError

    def comments(self, bitext_id: int, bead_id: int) -> list[CommentView]:
        raise NotImplementedError

    def edit(self, bitext_id: int, bead_id: int, text: str, base_version: int,
             actor: Actor) -> BeadView:
        raise NotImplementedError

    def revert(self, bitext_id: int, bead_id: int, to_edit: int | None, base_version: int,
               actor: Actor) -> BeadView:
        raise NotImplementedError

    def set_status(self, bitext_id: int, bead_id: int, status: str, base_version: int,
                   actor: Actor) -> BeadView:
        raise NotImplementedError

    def comment(self, bitext_id: int, bead_id: int, text: str, actor: Actor) -> CommentView:
        raise NotImplementedError

    def merge_next(self, bitext_id: int, bead_id: int, base_version: int, next_version: int,
                   actor: Actor) -> BeadView:
        raise NotImplementedError

    def split(self, bitext_id: int, bead_id: int, source_count: int, target_at: int,
              base_version: int, actor: Actor) -> tuple[BeadView, BeadView]:
        raise NotImplementedError

    def move(self, bitext_id: int, bead_id: int, side: str, direction: str, base_version: int,
             other_version: int, actor: Actor) -> tuple[BeadView, BeadView]:
        raise NotImplementedError

    def occurrences(self, bitext_id: int, bead_id: int) -> list[Target]:
        raise NotImplementedError

    def apply(self, bitext_id: int, bead_id: int, targets: list[Target], actor: Actor) -> int:
        raise NotImplementedError

    def add_term(self, bitext_id: int, source: str, target: str, actor: Actor
                 ) -> GlossaryChange:
        raise NotImplementedError

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
