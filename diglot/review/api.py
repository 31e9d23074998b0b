"""The JSON API under /api: the same operations as the pages, for scripts and CAT tools.

Every POST needs the session cookie and its CSRF token as the ``X-CSRF-Token`` header (get
both from ``GET /api/session``, or ``POST /api/login`` when the store has accounts). A change
carries the bead version it was based on; a stale one gets 409 with both versions.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from diglot.review.app import (
    COOKIE,
    MAX_INT,
    Unauthorized,
    actor_of,
    client_of,
    context,
    error_json,
    session_of,
    unicode_text,
    writer,
)
from diglot.review.views import (
    Actor,
    BeadPage,
    BeadView,
    BitextSummary,
    CommentView,
    GlossaryChange,
    TextVersion,
)

router = APIRouter(prefix="/api")
Reader = Annotated[Actor, Depends(actor_of)]
Writer = Annotated[Actor, Depends(writer)]
Version = Annotated[int, Field(ge=0, le=MAX_INT)]
Bead = tuple[Version, Version, Version]
BitextId = Annotated[int, Path(ge=0, le=MAX_INT, description="A bitext's id (overview)")]
BeadId = Annotated[int, Path(ge=0, le=MAX_INT, description="A bead's id")]
Text = Annotated[str, AfterValidator(unicode_text)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SessionOut(BaseModel):
    user: str
    role: str
    csrf: str


class Login(Strict):
    name: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class EditIn(Strict):
    text: Text
    base_version: Version


class RevertIn(Strict):
    to_edit: Version | None = Field(description="An edit id of this bead; null: the machine text")
    base_version: Version


class StatusIn(Strict):
    status: Literal["confirmed", "needs-work", "unreviewed"]
    base_version: Version
    text: Text | None = Field(default=None, description="A new target text saved with the "
                              "status in one step (save and confirm); null: the text stays")


class CommentIn(Strict):
    text: Text


class MergeIn(Strict):
    base_version: Version
    next_version: Version


class SplitIn(Strict):
    source_count: Version = Field(description="Source sentences the first bead keeps")
    target_at: Version = Field(description="Character offset where the target text is cut")
    base_version: Version


class MoveIn(Strict):
    side: Literal["source", "target"]
    direction: Literal["previous", "next"]
    base_version: Version
    other_version: Version = Field(description="Version of the neighbour the sentence moves to")


class Occurrences(BaseModel):
    count: int
    beads: list[Bead] = Field(description="[bitext_id, bead_id, version] of each")


class ApplyIn(Strict):
    beads: list[Bead] = Field(max_length=10_000)


class Written(BaseModel):
    written: int


class TwoBeads(BaseModel):
    beads: list[BeadView] = Field(description="The two beads, in document order")


class TermIn(Strict):
    source: Text
    target: Text


class Done(BaseModel):
    ok: bool = True


# sessions -----------------------------------------------------------------------------------

@router.get("/session", response_model=SessionOut)
def get_session(request: Request) -> SessionOut:
    """Who you are and your CSRF token (local mode: makes the session and sets its cookie)."""
    found = session_of(request)
    if found is None:
        raise Unauthorized("log in first: POST /api/login {name, password}")
    return SessionOut(user=found.user, role=found.role, csrf=found.csrf)


@router.post("/login", response_model=SessionOut,
             responses={401: {"description": "Wrong name or password"},
                        429: {"description": "Five wrong passwords for this name from this "
                                             "address: wait 15 minutes"}})
def login(body: Login, request: Request) -> object:
    """Log in with a name and password; sets the session cookie.

    A JSON body is required, which a cross-site form cannot send: that keeps login CSRF out.
    """
    ctx = context(request)
    client = client_of(request)
    wait = ctx.throttle.locked(body.name, client)
    if wait:
        return error_json(429, f"too many wrong passwords for {body.name!r}: try again in "
                          f"{int(wait // 60) + 1} minutes")
    user = ctx.accounts.check(body.name, body.password)
    if user is None:
        ctx.throttle.failed(body.name, client)
        return error_json(401, "wrong name or password: check both and try again")
    ctx.throttle.succeeded(body.name, client)
    token, found = ctx.accounts.open_session(user.name, user.role)
    request.state.cookie = token
    return SessionOut(user=found.user, role=found.role, csrf=found.csrf)


@router.post("/logout", response_model=Done)
def logout(request: Request, actor: Writer) -> Done:
    """End this session and clear its cookie."""
    context(request).accounts.close_session(request.cookies.get(COOKIE, ""))
    request.state.cookie = ""
    return Done()


# reads --------------------------------------------------------------------------------------

@router.get("/overview", response_model=list[BitextSummary])
def overview(request: Request, actor: Reader) -> list[BitextSummary]:
    """Every bitext with its review progress per section."""
    return context(request).service.overview()


@router.get("/bitexts/{bid}/beads", response_model=BeadPage)
def beads(request: Request, actor: Reader, bid: BitextId,
          offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100,
          show: Literal["all", "flagged", "unconfirmed", "needs-work", "edited",
                        "low-score"] = "all",
          check: str | None = None, max_score: float | None = None,
          q: Annotated[str | None, Query(max_length=200, description="Only beads whose source "
                                         "or target contains this (case ignored)")] = None
          ) -> BeadPage:
    """One page of a bitext's beads in document order, filtered; an offset past the end
    gives an empty page (page until `beads` is empty, or up to `total`)."""
    ctx = context(request)
    page = ctx.service.beads(bid, offset=offset, limit=limit, show=show, check=check,
                             max_score=max_score, q=q)
    ctx.presence.saw(actor.name, bid, page.beads[0].section if page.beads else "")
    return page


@router.get("/bitexts/{bid}/beads/{bead}", response_model=BeadView)
def bead(request: Request, actor: Reader, bid: BitextId, bead: BeadId) -> BeadView:
    """One bead."""
    return context(request).service.bead(bid, bead)


@router.get("/bitexts/{bid}/beads/{bead}/history", response_model=list[TextVersion])
def history(request: Request, actor: Reader, bid: BitextId, bead: BeadId) -> list[TextVersion]:
    """Every version of the bead's target text, the machine text first."""
    return context(request).service.history(bid, bead)


@router.get("/bitexts/{bid}/beads/{bead}/comments", response_model=list[CommentView])
def comments(request: Request, actor: Reader, bid: BitextId, bead: BeadId) -> list[CommentView]:
    """The bead's comments, oldest first."""
    return context(request).service.comments(bid, bead)


@router.get("/bitexts/{bid}/beads/{bead}/occurrences", response_model=Occurrences)
def occurrences(request: Request, actor: Reader, bid: BitextId, bead: BeadId) -> Occurrences:
    """Other beads with the same source text and another target text."""
    found = context(request).service.occurrences(bid, bead)
    return Occurrences(count=len(found), beads=found)


# changes ------------------------------------------------------------------------------------

_CHANGE: dict[int | str, dict[str, Any]] = {
    409: {"description": "The bead changed: {error, current, yours}"},
    403: {"description": "Missing CSRF token, or the role does not allow it"},
    404: {"description": "No such bead in this bitext"}}


@router.post("/bitexts/{bid}/beads/{bead}/edit", response_model=BeadView, responses=_CHANGE)
def edit(request: Request, actor: Writer, bid: BitextId, bead: BeadId, body: EditIn) -> BeadView:
    """Save a new target text."""
    return context(request).service.edit(bid, bead, body.text, body.base_version, actor)


@router.post("/bitexts/{bid}/beads/{bead}/revert", response_model=BeadView, responses=_CHANGE)
def revert(request: Request, actor: Writer, bid: BitextId, bead: BeadId, body: RevertIn
           ) -> BeadView:
    """Go back to an earlier text (as a new version)."""
    return context(request).service.revert(bid, bead, body.to_edit, body.base_version, actor)


@router.post("/bitexts/{bid}/beads/{bead}/status", response_model=BeadView, responses=_CHANGE)
def status(request: Request, actor: Writer, bid: BitextId, bead: BeadId, body: StatusIn
           ) -> BeadView:
    """Confirm, mark needs-work, or reopen a bead; with ``text``, save that text first in
    the same step (save and confirm)."""
    return context(request).service.set_status(bid, bead, body.status, body.base_version,
                                               actor, text=body.text)


@router.post("/bitexts/{bid}/beads/{bead}/comments", response_model=CommentView,
             responses=_CHANGE)
def comment(request: Request, actor: Writer, bid: BitextId, bead: BeadId, body: CommentIn
            ) -> CommentView:
    """Add a comment."""
    return context(request).service.comment(bid, bead, body.text, actor)


@router.post("/bitexts/{bid}/beads/{bead}/merge-next", response_model=BeadView,
             responses=_CHANGE)
def merge_next(request: Request, actor: Writer, bid: BitextId, bead: BeadId, body: MergeIn
               ) -> BeadView:
    """Merge the next bead into this one."""
    return context(request).service.merge_next(bid, bead, body.base_version,
                                               body.next_version, actor)


@router.post("/bitexts/{bid}/beads/{bead}/split", response_model=TwoBeads, responses=_CHANGE)
def split(request: Request, actor: Writer, bid: BitextId, bead: BeadId, body: SplitIn) -> TwoBeads:
    """Split a bead in two."""
    first, second = context(request).service.split(bid, bead, body.source_count,
                                                   body.target_at, body.base_version, actor)
    return TwoBeads(beads=[first, second])


@router.post("/bitexts/{bid}/beads/{bead}/move", response_model=TwoBeads, responses=_CHANGE)
def move(request: Request, actor: Writer, bid: BitextId, bead: BeadId, body: MoveIn) -> TwoBeads:
    """Move a sentence to the previous or next bead."""
    first, second = context(request).service.move(bid, bead, body.side, body.direction,
                                                  body.base_version, body.other_version, actor)
    return TwoBeads(beads=[first, second])


@router.post("/bitexts/{bid}/beads/{bead}/apply", response_model=Written, responses=_CHANGE)
def apply(request: Request, actor: Writer, bid: BitextId, bead: BeadId, body: ApplyIn) -> Written:
    """Write this bead's text to other occurrences of its source (from /occurrences)."""
    targets = [(int(b), int(d), int(v)) for b, d, v in body.beads]
    return Written(written=context(request).service.apply(bid, bead, targets, actor))


@router.post("/bitexts/{bid}/glossary", response_model=GlossaryChange, responses=_CHANGE)
def glossary(request: Request, actor: Writer, bid: BitextId, body: TermIn) -> GlossaryChange:
    """Add a source/target pair to the bitext's glossary file (admin)."""
    return context(request).service.add_term(bid, body.source, body.target, actor)
