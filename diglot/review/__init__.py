"""The review workspace: reviewers correct a bitext's beads, together, with nothing lost.

`diglot.review.service.ReviewService` is the library layer (every read and every write, each
write one short transaction); the web app (``app.py``) is a thin layer over it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
        Gone,
        NotFound,
        OccurrenceView,
        ReviewError,
        SectionCounts,
        SourceSentence,
        TermHit,
        TextVersion,
        TooLarge,
    )

__all__ = ["MAX_TEXT", "Actor", "BeadPage", "BeadView", "BitextInfo", "BitextSummary",
           "CheckCount", "CommentView", "Conflict", "FlagView", "Forbidden", "GlossaryChange",
           "Gone", "NotFound", "OccurrenceView", "ReviewError", "SectionCounts", "SourceSentence",
           "TermHit", "TextVersion", "TooLarge"]


def __getattr__(name: str) -> Any:
    """The view records load on first use, so `diglot --help` (which imports the review CLI
    through this package) does not build some twenty dataclasses it never shows."""
    if name in __all__:
        from diglot.review import views

        return getattr(views, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
