"""The review workspace: reviewers correct a bitext's beads, together, with nothing lost.

`diglot.review.service.ReviewService` is the library layer (every read and every write, each
write one short transaction); the web app (``app.py``) is a thin layer over it.
"""

from __future__ import annotations

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
