"""What the review service returns and raises: frozen records and errors with an HTTP status.

The web layer serialises the records with `dataclasses.asdict` and turns an error into its
``status`` with a one-line message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from diglot.errors import DiglotError

#: The longest target text, comment or glossary entry a reviewer may save, in characters.
MAX_TEXT = 20_000

STATUSES = ("unreviewed", "confirmed", "needs-work")
ROLES = ("reviewer", "admin")


@dataclass(frozen=True)
class Actor:
    """Who acts: a user name and a role ("reviewer" or "admin")."""

    name: str
    role: str


@dataclass(frozen=True)
class SourceSentence:
    """One source sentence of a bead: its segment position in the document and its text."""

    position: int
    text: str


@dataclass(frozen=True)
class FlagView:
    """A QA flag of a bead.

    Attributes:
        check: The check's name ("numbers", "glossary"...).
        severity: "error", "warning" or "info".
        message: What is wrong.
        stale: True when the flag was found on the machine output and the bead's text has
            changed since (a check that needs the whole document or language identification,
            which is not re-run on an edit); False when it holds for the current text.
    """

    check: str
    severity: str
    message: str
    stale: bool = False


@dataclass(frozen=True)
class TermHit:
    """A glossary term in a bead's source, and where the target renders it.

    Attributes:
        source: The glossary entry's source term.
        targets: Its accepted target forms, the preferred first.
        source_spans: ``[start, end]`` character offsets of each occurrence in the bead's
            source text (its sentences joined with a space).
        target_spans: ``[start, end]`` offsets of the accepted forms found in the current target.
        violated: True when no accepted form is in the target, or a forbidden one is.
    """

    source: str
    targets: list[str]
    source_spans: list[list[int]]
    target_spans: list[list[int]]
    violated: bool


@dataclass(frozen=True)
class BeadView:
    """One bead (a row of ``links``) as a reviewer sees it.

    Attributes:
        id: The bead's id.
        bitext_id: Its bitext.
        order: 1-based place in document order among the bitext's active beads.
        section: Text of the heading it falls under ("" before the first).
        source: Its source sentences, in order (may be empty after a split or a move).
        target: The current target text (latest edit, else the machine text).
        machine: The machine text of its translations, joined with a space.
        version: Bumped by every change (text, status, alignment); sent back with a change.
        status: "unreviewed", "confirmed" or "needs-work".
        status_by: Who set the status, if anyone.
        edited: True when the current text differs from the machine text.
        score: The link score, if any.
        method: How the link was made ("sentence", an aligner...).
        flags: QA flags.
        terms: Glossary terms of its source.
        notes: Engine notes of its translations (retries, fallbacks).
        comments: Number of comments.
        updated_by: Author of the latest change, if any.
        updated_at: Time of the latest change (ISO 8601 UTC), if any.
    """

    id: int
    bitext_id: int
    order: int
    section: str
    source: list[SourceSentence]
    target: str
    machine: str
    version: int
    status: str
    status_by: str | None
    edited: bool
    score: float | None
    method: str
    flags: list[FlagView] = field(default_factory=list)
    terms: list[TermHit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    comments: int = 0
    updated_by: str | None = None
    updated_at: str | None = None


@dataclass(frozen=True)
class CheckCount:
    """A QA check that flagged beads of a bitext, with how many beads it flagged."""

    check: str
    count: int


@dataclass(frozen=True)
class BeadPage:
    """One page of a bitext's beads, after filtering.

    Attributes:
        total: Beads that pass the filter (all pages).
        offset: Index of the first bead of this page among them.
        limit: Page size asked for.
        beads: The page.
        checks: Every check that flagged beads of the bitext, with bead counts.
    """

    total: int
    offset: int
    limit: int
    beads: list[BeadView]
    checks: list[CheckCount]


@dataclass(frozen=True)
class SectionCounts:
    """Review progress of one section (or of a whole bitext, section "").

    Attributes:
        section: The heading text ("" for the text before the first heading, or the totals).
        first: 1-based order of its first bead (0 for totals of an empty bitext).
        beads: Active beads.
        confirmed: Beads confirmed.
        needs_work: Beads marked needs-work.
        edited: Beads whose text differs from the machine text.
        flagged: Beads with a QA error or warning.
        untouched: Beads unreviewed, not edited and without comments.
    """

    section: str
    first: int
    beads: int
    confirmed: int
    needs_work: int
    edited: int
    flagged: int
    untouched: int


@dataclass(frozen=True)
class BitextSummary:
    """A bitext on the overview page: what it is, its runs and its review progress."""

    id: int
    document: str
    src_lang: str
    tgt_lang: str
    config_key: str
    engine: str
    model: str | None
    runs: int
    last_finished: str | None
    totals: SectionCounts
    sections: list[SectionCounts]
    #: The bitext that replaced this one (a newer run of the same document and target
    #: language, the review carried over), or None for a current bitext.
    superseded_by: int | None = None


@dataclass(frozen=True)
class BitextInfo:
    """A bitext as the document view's header shows it.

    Attributes:
        sections: Each section's heading and the order of its first bead (to jump to it).
        superseded_by: The bitext that replaced this one (read only), or None.
    """

    id: int
    document_id: int
    document: str
    src_lang: str
    tgt_lang: str
    config_key: str
    engine: str
    model: str | None
    glossary_path: str | None
    glossary_version: str | None
    beads: int
    sections: list[SectionCounts]
    superseded_by: int | None = None


@dataclass(frozen=True)
class OccurrenceView:
    """Another bead with the same source text as one being corrected (see `apply`).

    Attributes:
        bitext_id: Its bitext.
        bead_id: The bead.
        version: Its version now (pass it back to `apply`).
        order: Its 1-based row in its bitext's document view.
        document: Its document's name.
        target: Its current target text.
        status: "unreviewed", "confirmed" or "needs-work".
        status_by: Who set the status, if anyone.
        edited: True when its text differs from its machine text.
    """

    bitext_id: int
    bead_id: int
    version: int
    order: int
    document: str
    target: str
    status: str
    status_by: str | None
    edited: bool


@dataclass(frozen=True)
class TextVersion:
    """One version of a bead's target text; the machine text has ``edit_id`` None."""

    edit_id: int | None
    version: int
    text: str
    kind: str
    author: str | None
    created_at: str | None


@dataclass(frozen=True)
class CommentView:
    """A comment on a bead."""

    id: int
    author: str
    text: str
    created_at: str


@dataclass(frozen=True)
class GlossaryChange:
    """A term added to a bitext's glossary file, with the file's version before and after."""

    id: int
    bitext_id: int
    path: str
    old_version: str | None
    new_version: str
    source: str
    target: str
    author: str
    created_at: str


class ReviewError(DiglotError):
    """A review request that cannot be done as asked; ``status`` is its HTTP status."""

    status = 400


class NotFound(ReviewError):
    """No such bitext, bead or edit (or the bead belongs to another bitext)."""

    status = 404


class Forbidden(ReviewError):
    """The actor's role does not allow this."""

    status = 403


class Gone(ReviewError):
    """The bitext was superseded by a newer run (its review carried over there): read only."""

    status = 410


class TooLarge(ReviewError):
    """A text over `MAX_TEXT` characters."""

    status = 413


class Conflict(ReviewError):
    """The bead changed since the version the request was based on; nothing was written.

    Attributes:
        current: The bead as it is now.
        yours: What the stale request asked for (e.g. ``{"text": ...}``).
    """

    status = 409

    def __init__(self, message: str, current: BeadView, yours: dict[str, object]) -> None:
        super().__init__(message)
        self.current = current
        self.yours = yours
