"""Server-rendered pages: they work without JavaScript (plain forms that POST and 303-redirect
back to the bead), and ``static/review.js`` enhances them with fetch and keyboard keys.

Every template is autoescaped; the two helpers that build markup (`highlight`, `word_diff`)
escape each piece of text before they add their own tags.
"""

from __future__ import annotations

import difflib
import re
import secrets
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
    writer,
)
from diglot.review.forms import safe_next
from diglot.review.security import same_token
from diglot.review.terms import Glossaries
from diglot.review.views import Actor, BeadView, BitextInfo, Conflict, ReviewError, TermHit

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


#: An inline tag as `highlight` escaped it (attribute values escaped too, no real tag inside).
_ESCAPED_TAG = re.compile(r"&lt;(/?)([A-Za-z][\w:.-]*)([^<]*?)(/?)&gt;")


def tag_chips(html: Markup) -> Markup:
    """Escaped inline tags of a book's segment shown short: ``<i epub:type="…">`` as a chip
    reading ``<i>``, the whole tag in its tooltip (the reviewer edits the full text)."""
    if "&lt;" not in html:
        return html
    return Markup(_ESCAPED_TAG.sub(
        lambda m: (f'<span class="tag" title="{m[0]}">&lt;{m[1]}{m[2]}{m[4]}&gt;</span>'
                   if m[3].strip() else f'<span class="tag">{m[0]}</span>'), str(html)))


def source_html(bead: BeadView) -> list[Markup]:
    """Each source sentence escaped, with the glossary terms of the joined source marked and
    inline tags shown short (`tag_chips`)."""
    spans = [(s, e, t.violated) for t in bead.terms for s, e in t.source_spans]
    out, at = [], 0
    for sentence in bead.source:
        end = at + len(sentence.text)
        local = [(max(s, at) - at, min(e, end) - at, v) for s, e, v in spans
                 if s < end and e > at]
        out.append(tag_chips(highlight(sentence.text, local)))
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
    ctx = context(request)
    values.setdefault("session", found)
    values.setdefault("csrf", found.csrf if found else "")
    values.setdefault("local", ctx.local())
    values.setdefault("flash", ctx.flash.pop(found.csrf) if found else "")
    return templates.TemplateResponse(request, name, values, status_code=code)


def error_page(request: Request, status: int, message: str,
               links: list[tuple[str, str]] | None = None) -> Response:
    """An error as a small page (the message says what to do), with links onward."""
    return render(request, "error.html", status, status=status, message=message,
                  links=links or [("Back to the overview", "/")])


def gone_page(request: Request, bid: int, message: str) -> Response:
    """A write on a superseded bitext: the message and a link to the bitext now reviewed."""
    try:
        newer = context(request).service.bitext(bid).superseded_by
    except ReviewError:
        newer = None
    links = [("Open the current run's document", f"/bitexts/{newer}")] if newer else []
    return error_page(request, 410, message, links + [("Back to the overview", "/")])


def conflict_page(request: Request, exc: Conflict) -> Response:
    """A stale form post: the bead page with both versions and the user's text kept."""
    request.state.session = session_of(request)
    bead = exc.current
    return _bead_page(request, bead.bitext_id, bead.id, status=409, conflict=exc)


def bead_page_again(request: Request, bid: int, bead: int, status: int, message: str,
                    action: str, kept: dict[str, str]) -> Response:
    """A refused form post: the bead page with the error, and what the user typed in the
    field it came from (the editor, the comment box or the glossary form)."""
    try:
        return _bead_page(request, bid, bead, status=status, error=message, action=action,
                          kept=kept)
    except ReviewError:
        return error_page(request, status, message, [("Back to the document",
                                                      f"/bitexts/{bid}")])


def _doc_link(info: BitextInfo, bead: BeadView) -> str:
    """The document view's page that shows `bead`, at the bead."""
    return f"/bitexts/{info.id}?offset={(bead.order - 1) // PAGE * PAGE}#bead-{bead.id}"


_GLOSSARIES = Glossaries()


def glossary_now(info: BitextInfo) -> str | None:
    """The version of the bitext's glossary file now, when it differs from the run's."""
    found = _GLOSSARIES.get(info.glossary_path, info.src_lang, info.tgt_lang)
    if found is None or found.version == info.glossary_version:
        return None
    return found.version


# pages --------------------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> Response:
    request.state.session = _page_session(request)
    ctx = context(request)
    bitexts = ctx.service.overview()
    return render(request, "overview.html",
                  bitexts=[b for b in bitexts if b.superseded_by is None],
                  older=[b for b in bitexts if b.superseded_by is not None],
                  presence=ctx.presence.now(), names={b.id: b.document for b in bitexts},
                  page_size=PAGE)


@router.get("/bitexts/{bid}", response_class=HTMLResponse)
def document(request: Request, bid: BitextId,
             offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
             show: str = "all", check: str | None = None, q: str | None = None) -> Response:
    found = request.state.session = _page_session(request)
    ctx = context(request)
    if show not in SHOWS:
        return error_page(request, 400, f"unknown filter show={show[:40]!r}: choose one of "
                          f"{', '.join(SHOWS)}", [(f"show {s}", f"/bitexts/{bid}?show={s}")
                                                  for s in SHOWS])
    info = ctx.service.bitext(bid)
    q = (q or "").strip()[:200] or None
    page = ctx.service.beads(bid, offset=offset, limit=PAGE, show=show, check=check or None,
                             q=q, clamp=True)
    offset = page.offset  # an offset past the end gives the last page (the service clamps)
    ctx.presence.saw(found.user, bid, page.beads[0].section if page.beads else "")
    query = {"show": show, **({"check": check} if check else {}), **({"q": q} if q else {})}

    def link(**change: Any) -> str:
        return f"/bitexts/{bid}?" + urlencode({**query, "offset": offset, **change})

    notes = {b.id: ctx.service.comments(bid, b.id) for b in page.beads if b.comments}
    return render(request, "document.html", info=info, page=page, show=show, check=check,
                  q=q or "", shows=SHOWS, link=link, here=link(), page_size=PAGE,
                  notes=notes, glossary_now=glossary_now(info))


@router.get("/bitexts/{bid}/beads/{bead}", response_class=HTMLResponse)
def bead_page(request: Request, bid: BitextId, bead: BeadId) -> Response:
    request.state.session = _page_session(request)
    return _bead_page(request, bid, bead)


def _bead_page(request: Request, bid: int, bead_id: int, status: int = 200,
               conflict: Conflict | None = None, error: str = "", action: str = "",
               kept: dict[str, str] | None = None) -> Response:
    ctx = context(request)
    bead = ctx.service.bead(bid, bead_id)
    found = request.state.session
    if found is not None:
        ctx.presence.saw(found.user, bid, bead.section)
    history = ctx.service.history(bid, bead_id)
    info = ctx.service.bitext(bid)
    kept = kept or {}
    editor = kept.get("text") if action in ("edit", "status") else None
    if conflict is not None and conflict.yours.get("text") is not None:
        editor = str(conflict.yours["text"])
    comment = kept.get("text", "") if action == "comment" else ""
    term = kept if action == "glossary" else {}
    # the page says the user's text is kept only when the refused form carried some
    typed = editor is not None or ("text" in kept and action == "comment") or bool(term)
    return render(request, "bead.html", status, info=info, bead=bead, typed=typed,
                  history=history, comments=ctx.service.comments(bid, bead_id),
                  occurrences=ctx.service.occurrence_views(bid, bead_id), conflict=conflict,
                  here=f"/bitexts/{bid}/beads/{bead_id}", error=error, editor_text=editor,
                  comment_text=comment, term=term, back=_doc_link(info, bead),
                  glossary_now=glossary_now(info))


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    if context(request).local():
        return RedirectResponse("/", status_code=303)
    token = secrets.token_urlsafe(16)
    response = render(request, "login.html", csrf=token, next=safe_next(next, "/"), error="")
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    ctx = context(request)
    form = await request.form()
    if not same_token(str(form.get("csrf", "")), request.cookies.get(LOGIN_COOKIE, "")):
        return error_page(request, 403, "the login form expired: reload /login and try again")
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    back = safe_next(form.get("next"), "/")
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
