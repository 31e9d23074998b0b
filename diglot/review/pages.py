"""Server-rendered pages: they work without JavaScript (plain forms that POST and 303-redirect
back to the bead), and ``static/review.js`` enhances them with fetch and keyboard keys.

Every template is autoescaped; the two helpers that build markup (`highlight`, `word_diff`)
escape each piece of text before they add their own tags.
"""

from __future__ import annotations

import difflib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool

from diglot.review.app import (
    COOKIE,
    MAX_INT,
    LoginPage,
    client_of,
    context,
    session_of,
    unicode_text,
    writer,
)
from diglot.review.security import same_token
from diglot.review.service import ReviewService
from diglot.review.views import Actor, BeadView, Conflict, ReviewError, TermHit

HERE = Path(__file__).resolve().parent
PAGE = 100
SHOWS = ("all", "flagged", "unconfirmed", "needs-work", "edited", "low-score")
LOGIN_COOKIE = "diglot_login"
router = APIRouter(include_in_schema=False)
Writer = Annotated[Actor, Depends(writer)]
BitextId = Annotated[int, PathParam(ge=0, le=MAX_INT)]
BeadId = Annotated[int, PathParam(ge=0, le=MAX_INT)]


def highlight(text: str, spans: list[tuple[int, int, bool]]) -> Markup:
    """`text` escaped, with ``<mark class="term">`` around each span (offsets into `text`).

    Args:
        text: Plain text.
        spans: (start, end, violated) character offsets; overlapping ones are skipped.

    Returns:
        Safe markup: every piece of `text` is escaped before the marks are added.
    """
    out: list[str] = []
    at = 0
    for start, end, violated in sorted(spans):
        if start < at or end <= start or end > len(text):
            continue
        cls = "term violated" if violated else "term"
        out += [str(escape(text[at:start])), f'<mark class="{cls}">',
                str(escape(text[start:end])), "</mark>"]
        at = end
    out.append(str(escape(text[at:])))
    return Markup("".join(out))


def source_html(bead: BeadView) -> list[Markup]:
    """Each source sentence escaped, with the glossary terms of the joined source marked."""
    spans = [(s, e, t.violated) for t in bead.terms for s, e in t.source_spans]
    out, at = [], 0
    for sentence in bead.source:
        end = at + len(sentence.text)
        local = [(max(s, at) - at, min(e, end) - at, v) for s, e, v in spans
                 if s < end and e > at]
        out.append(highlight(sentence.text, local))
        at = end + 1  # the sentences are joined with one space
    return out


def target_html(bead: BeadView) -> Markup:
    """The current target text escaped, with the accepted forms of glossary terms marked."""
    return highlight(bead.target, _target_spans(bead.terms))


def _target_spans(terms: list[TermHit]) -> list[tuple[int, int, bool]]:
    return [(s, e, False) for t in terms for s, e in t.target_spans]


_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def word_diff(old: str, new: str) -> Markup:
    """A word-level diff of `new` against `old`: ``<del>`` and ``<ins>`` around escaped words."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(str(escape("".join(a[i1:i2]))))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return Markup("".join(out))


_env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True,
                   trim_blocks=True, lstrip_blocks=True)
_env.globals.update(highlight=highlight, source_html=source_html, target_html=target_html,
                    word_diff=word_diff)
_env.filters["when"] = lambda iso: (iso or "")[:16].replace("T", " ") + " UTC" if iso else ""
templates = Jinja2Templates(env=_env)


def mount_static(app: FastAPI) -> None:
    """Serve static/ (review.js, review.css) at /static."""
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


def _page_session(request: Request) -> Any:
    found = session_of(request)
    if found is None:
        raise LoginPage(request.url.path)
    return found


def render(request: Request, name: str, code: int = 200, **values: Any) -> HTMLResponse:
    found = getattr(request.state, "session", None)
    values.setdefault("session", found)
    values.setdefault("csrf", found.csrf if found else "")
    values.setdefault("local", context(request).local())
    return templates.TemplateResponse(request, name, values, status_code=code)


def error_page(request: Request, status: int, message: str) -> Response:
    """An error as a small page (the message says what to do)."""
    return render(request, "error.html", status, status=status, message=message)


def conflict_page(request: Request, exc: Conflict) -> Response:
    """A stale form post: the bead page with both versions and the user's text kept."""
    request.state.session = session_of(request)
    bead = exc.current
    return _bead_page(request, bead.bitext_id, bead.id, status=409, conflict=exc)


def _safe_next(value: object, fallback: str) -> str:
    text = value if isinstance(value, str) else ""
    # a path on this server only: browsers read "//host", and a backslash after the first
    # slash, as another site
    return text if _LOCAL_PATH.match(text) else fallback


_LOCAL_PATH = re.compile(r"/(?![/\\])[^\s\\]*\Z")


# pages --------------------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> Response:
    request.state.session = _page_session(request)
    ctx = context(request)
    bitexts = ctx.service.overview()
    return render(request, "overview.html", bitexts=bitexts, presence=ctx.presence.now(),
                  names={b.id: b.document for b in bitexts})


@router.get("/bitexts/{bid}", response_class=HTMLResponse)
def document(request: Request, bid: BitextId,
             offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
             show: str = "all", check: str | None = None) -> Response:
    found = request.state.session = _page_session(request)
    ctx = context(request)
    show = show if show in SHOWS else "all"
    info = ctx.service.bitext(bid)
    page = ctx.service.beads(bid, offset=offset, limit=PAGE, show=show, check=check or None)
    ctx.presence.saw(found.user, bid, page.beads[0].section if page.beads else "")
    query = {"show": show, **({"check": check} if check else {})}

    def link(**change: Any) -> str:
        return f"/bitexts/{bid}?" + urlencode({**query, "offset": offset, **change})

    return render(request, "document.html", info=info, page=page, show=show, check=check,
                  shows=SHOWS, link=link, here=link(), page_size=PAGE)


@router.get("/bitexts/{bid}/beads/{bead}", response_class=HTMLResponse)
def bead_page(request: Request, bid: BitextId, bead: BeadId) -> Response:
    request.state.session = _page_session(request)
    return _bead_page(request, bid, bead)


def _bead_page(request: Request, bid: int, bead_id: int, status: int = 200,
               conflict: Conflict | None = None) -> Response:
    ctx = context(request)
    bead = ctx.service.bead(bid, bead_id)
    found = request.state.session
    if found is not None:
        ctx.presence.saw(found.user, bid, bead.section)
    history = ctx.service.history(bid, bead_id)
    return render(request, "bead.html", status, info=ctx.service.bitext(bid), bead=bead,
                  history=history, comments=ctx.service.comments(bid, bead_id),
                  occurrences=ctx.service.occurrences(bid, bead_id), conflict=conflict,
                  here=f"/bitexts/{bid}/beads/{bead_id}")


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    if context(request).local():
        return RedirectResponse("/", status_code=303)
    token = secrets.token_urlsafe(16)
    response = render(request, "login.html", csrf=token, next=_safe_next(next, "/"), error="")
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    ctx = context(request)
    form = await request.form()
    if not same_token(str(form.get("csrf", "")), request.cookies.get(LOGIN_COOKIE, "")):
        return error_page(request, 403, "the login form expired: reload /login and try again")
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    back = _safe_next(form.get("next"), "/")
    client = client_of(request)
    wait = ctx.throttle.locked(name, client)
    user = None if wait else await run_in_threadpool(ctx.accounts.check, name, password)
    if user is None:
        if not wait:
            ctx.throttle.failed(name, client)
            wait = ctx.throttle.locked(name, client)
        message = (f"too many wrong passwords for {name!r}: try again in "
                   f"{int(wait // 60) + 1} minutes" if wait
                   else "wrong name or password: check both and try again")
        return render(request, "login.html", 429 if wait else 401,
                      csrf=request.cookies.get(LOGIN_COOKIE, ""), next=back, error=message)
    ctx.throttle.succeeded(name, client)
    token, _ = ctx.accounts.open_session(user.name, user.role)
    request.state.cookie = token
    return RedirectResponse(back, status_code=303)


@router.post("/logout")
def logout(request: Request, actor: Writer) -> Response:
    context(request).accounts.close_session(request.cookies.get(COOKIE, ""))
    request.state.cookie = ""
    return RedirectResponse("/login", status_code=303)


# form posts ---------------------------------------------------------------------------------

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
        service.set_status(self.bid, self.bead, self.text("status"), self.base(), self.actor)
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
        service.apply(self.bid, self.bead, [(t[0], t[1], t[2]) for t in targets], self.actor)
        return self.bead


_ACTIONS: dict[str, Callable[[_Post, ReviewService], int]] = {
    "edit": _Post.edit, "status": _Post.status, "revert": _Post.revert,
    "comment": _Post.comment, "merge-next": _Post.merge_next, "split": _Post.split,
    "move": _Post.move, "apply": _Post.apply}


@router.post("/bitexts/{bid}/beads/{bead}/{action}")
async def bead_action(request: Request, actor: Writer, bid: BitextId, bead: BeadId,
                      action: str) -> Response:
    if action not in _ACTIONS:
        raise ReviewError(f"unknown action {action!r}: use one of {', '.join(_ACTIONS)}")
    form = await request.form()
    post = _Post(request, bid, bead, form, actor)
    shown = await run_in_threadpool(_ACTIONS[action], post, context(request).service)
    back = _safe_next(form.get("next"), f"/bitexts/{bid}")
    return RedirectResponse(f"{back}#bead-{shown}", status_code=303)


@router.post("/bitexts/{bid}/glossary")
async def add_term(request: Request, actor: Writer, bid: BitextId) -> Response:
    form = await request.form()
    service = context(request).service
    await run_in_threadpool(service.add_term, bid, str(form.get("source", "")),
                            str(form.get("target", "")), actor)
    return RedirectResponse(_safe_next(form.get("next"), f"/bitexts/{bid}"), status_code=303)
