"""The plain form posts of the pages (no JavaScript needed): each changes one bead through
`ReviewService` and 303-redirects back to it; a refused one shows the bead page again with
the error and the text the user typed, never a page that loses it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from diglot.review.app import MAX_INT, context, session_of, unicode_text, writer
from diglot.review.service import ReviewService
from diglot.review.views import Actor, Gone, NotFound, ReviewError

router = APIRouter(include_in_schema=False)
Writer = Annotated[Actor, Depends(writer)]
BitextId = Annotated[int, PathParam(ge=0, le=MAX_INT)]
BeadId = Annotated[int, PathParam(ge=0, le=MAX_INT)]
_BEAD_PATH = re.compile(r"/bitexts/(\d+)/beads/(\d+)\Z")


def _int(form: Any, name: str, default: int | None = None) -> int:
    value = str(form.get(name, "")).strip()
    if not value and default is not None:
        return default
    try:
        number = int(value)
        if not 0 <= number <= MAX_INT:
            raise ValueError(value)
        return number
    except ValueError:
        raise ReviewError(f"field {name} must be a whole number (got {value[:20]!r}): "
                          "reload the page and try again") from None


def _neighbour_version(request: Request, bid: int, bead: int, step: int) -> int:
    """The current version of the bead `step` places away (forms made at a page's edge)."""
    service = context(request).service
    order = service.bead(bid, bead).order
    page = service.beads(bid, offset=max(order - 1 + step, 0), limit=1)
    if not page.beads or page.beads[0].order != order + step:
        raise ReviewError("there is no bead on that side to change with this one")
    return page.beads[0].version


@dataclass
class _Post:
    """One form post on a bead: each action is a method that returns the bead to show."""

    request: Request
    bid: int
    bead: int
    form: Any
    actor: Actor

    def text(self, name: str) -> str:
        return unicode_text(str(self.form.get(name, "")))

    def base(self) -> int:
        return _int(self.form, "base_version")

    def other(self, name: str, step: int) -> int:
        """A neighbour's version: from the form, else read now (a form at a page's edge)."""
        return _int(self.form, name, 0) or _neighbour_version(self.request, self.bid,
                                                             self.bead, step)

    def edit(self, service: ReviewService) -> int:
        service.edit(self.bid, self.bead, self.text("text"), self.base(), self.actor)
        return self.bead

    def status(self, service: ReviewService) -> int:
        # the editor's form: its text is saved with the status (what the user sees is
        # what gets confirmed)
        text = self.text("text") if "text" in self.form else None
        service.set_status(self.bid, self.bead, self.text("status"), self.base(), self.actor,
                           text=text)
        return self.bead

    def revert(self, service: ReviewService) -> int:
        to = self.text("to_edit").strip()
        service.revert(self.bid, self.bead, _int(self.form, "to_edit") if to else None,
                       self.base(), self.actor)
        return self.bead

    def comment(self, service: ReviewService) -> int:
        service.comment(self.bid, self.bead, self.text("text"), self.actor)
        return self.bead

    def merge_next(self, service: ReviewService) -> int:
        service.merge_next(self.bid, self.bead, self.base(), self.other("next_version", 1),
                           self.actor)
        return self.bead

    def split(self, service: ReviewService) -> int:
        service.split(self.bid, self.bead, _int(self.form, "source_count"),
                      _int(self.form, "target_at"), self.base(), self.actor)
        return self.bead

    def move(self, service: ReviewService) -> int:
        side, _, direction = self.text("op").partition("-")
        if side not in ("source", "target") or direction not in ("previous", "next"):
            raise ReviewError("op must be source-previous, source-next, target-previous or "
                              "target-next: reload the page")
        step = -1 if direction == "previous" else 1
        neighbour = self.other("next_version" if step == 1 else "prev_version", step)
        first, _ = service.move(self.bid, self.bead, side, direction, self.base(), neighbour,
                                self.actor)
        return first.id

    def apply(self, service: ReviewService) -> int:
        try:
            targets = [tuple(int(x) for x in item.split(":"))
                       for item in self.text("beads").split(",") if item]
        except ValueError:
            targets = [()]
        if any(len(t) != 3 for t in targets):
            raise ReviewError("beads must be bitext:bead:version items: reload the page")
        written = service.apply(self.bid, self.bead, [(t[0], t[1], t[2]) for t in targets],
                                self.actor)
        _flash(self.request, f"this text was written to {written} bead"
               f"{'s' if written != 1 else ''}")
        return self.bead


_ACTIONS: dict[str, Callable[[_Post, ReviewService], int]] = {
    "edit": _Post.edit, "status": _Post.status, "revert": _Post.revert,
    "comment": _Post.comment, "merge-next": _Post.merge_next, "split": _Post.split,
    "move": _Post.move, "apply": _Post.apply}


def _flash(request: Request, message: str) -> None:
    """A message for the next page this session shows."""
    found = session_of(request)
    if found is not None:
        context(request).flash.put(found.csrf, message)


def safe_next(value: object, fallback: str) -> str:
    """`value` when it is a path on this server, else `fallback` (no open redirect)."""
    text = value if isinstance(value, str) else ""
    # browsers read "//host", and a backslash after the first slash, as another site
    return text if _LOCAL_PATH.match(text) else fallback


_LOCAL_PATH = re.compile(r"/(?![/\\])[^\s\\]*\Z")


@router.post("/bitexts/{bid}/beads/{bead}/{action}")
async def bead_action(request: Request, actor: Writer, bid: BitextId, bead: BeadId,
                      action: str) -> Response:
    if action not in _ACTIONS:
        raise ReviewError(f"unknown action {action!r}: use one of {', '.join(_ACTIONS)}")
    form = await request.form()
    request.state.form, request.state.action = form, action  # for an error page: kept text
    post = _Post(request, bid, bead, form, actor)
    shown = await run_in_threadpool(_ACTIONS[action], post, context(request).service)
    back = safe_next(form.get("next"), f"/bitexts/{bid}")
    return RedirectResponse(f"{back}#bead-{shown}", status_code=303)


@router.post("/bitexts/{bid}/glossary")
async def add_term(request: Request, actor: Writer, bid: BitextId) -> Response:
    form = await request.form()
    request.state.form, request.state.action = form, "glossary"
    service = context(request).service
    change = await run_in_threadpool(service.add_term, bid, str(form.get("source", "")),
                                     str(form.get("target", "")), actor)
    _flash(request, f"added “{change.source} → {change.target}” to {change.path}: glossary "
           f"version {change.old_version or '(none)'} → {change.new_version}. The run's "
           "translations and checks still use the version they were made with: re-run "
           "`diglot run` with the same --glossary for it to apply")
    return RedirectResponse(safe_next(form.get("next"), f"/bitexts/{bid}"), status_code=303)


def form_error(request: Request, exc: ReviewError) -> Response:
    """A refused form post as a page that keeps what the user typed and links back to the
    document at the bead; a superseded bitext's page links to the one that replaced it."""
    from diglot.review import pages

    request.state.session = session_of(request)
    params = request.scope.get("path_params", {})
    form = getattr(request.state, "form", None)
    action = getattr(request.state, "action", "")
    where = _BEAD_PATH.match(safe_next(form.get("next") if form else None, ""))
    bid, bead = params.get("bid"), params.get("bead")
    if bead is None and where:  # the glossary form, posted from a bead page
        bid, bead = int(where.group(1)), int(where.group(2))
    if isinstance(exc, Gone) and bid is not None:
        return pages.gone_page(request, int(bid), str(exc))
    if bid is None or bead is None or isinstance(exc, NotFound):
        return pages.error_page(request, exc.status, str(exc))
    # only the fields the form carried: an alignment form has no editor text to keep
    kept = {key: str(form.get(key, "")) for key in ("text", "source", "target")
            if form and key in form}
    return pages.bead_page_again(request, int(bid), int(bead), exc.status, str(exc),
                                 action, kept)
