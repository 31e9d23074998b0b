"""The review web app: a thin FastAPI layer over `ReviewService`.

`create_app` wires the JSON API (``api.py``), the server-rendered pages (``pages.py``), the
security middleware (``security.py``) and the error handlers. Who is acting comes from the
session cookie; in local mode (no accounts, bound to loopback) every visitor is the one
``--user`` and has a session made on first visit, so CSRF tokens work the same in both modes.
"""

from __future__ import annotations

import getpass
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from diglot.errors import ConfigError, DiglotError
from diglot.review.accounts import Accounts, Session, check_name
from diglot.review.security import Guard, Throttle, is_loopback, same_token
from diglot.review.service import ReviewService
from diglot.review.views import Actor, Conflict, ReviewError

COOKIE = "diglot_session"
MAX_INT = 2**63 - 1  # SQLite's largest integer: ids and versions above it are not ours
PRESENCE_SECONDS = 10 * 60
WARM_WAIT = 3.0  # seconds the start may wait for the progress cache's first build


class Unauthorized(ReviewError):
    """No session (account mode): log in first."""

    status = 401


class CsrfError(ReviewError):
    """A POST without its session's CSRF token."""

    status = 403


class LoginPage(Exception):
    """A page asked for without a session in account mode: redirect to /login."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


@dataclass
class Presence:
    """Who is working where, in memory: user → (bitext, section, last seen)."""

    seen: dict[str, tuple[int, str, float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, user: str, bitext_id: int, section: str) -> None:
        with self.lock:
            self.seen[user] = (bitext_id, section, time.time())

    def now(self) -> list[tuple[str, int, str, float]]:
        """(user, bitext id, section, seconds ago) of users seen in the last 10 minutes."""
        now = time.time()
        with self.lock:
            return sorted((user, b, s, now - t) for user, (b, s, t) in self.seen.items()
                          if now - t < PRESENCE_SECONDS)


@dataclass
class Flash:
    """One message per session for the next page it shows ("written to 3 beads"), in memory.

    Keyed by the session's CSRF token; at most `limit` are kept (the oldest go first).
    """

    limit: int = 1000
    messages: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, key: str, message: str) -> None:
        with self.lock:
            self.messages.pop(key, None)
            self.messages[key] = message
            while len(self.messages) > self.limit:
                del self.messages[next(iter(self.messages))]

    def pop(self, key: str) -> str:
        with self.lock:
            return self.messages.pop(key, "")


@dataclass
class Context:
    """What every handler needs, kept on ``app.state.review``."""

    db: Path
    service: ReviewService
    accounts: Accounts
    throttle: Throttle
    presence: Presence
    loopback: bool
    local_user: str
    flash: Flash = field(default_factory=Flash)

    def local(self) -> bool:
        """Local mode: bound to loopback and no accounts yet (checked on every request)."""
        return self.loopback and not self.accounts.any()


def unicode_text(text: str) -> str:
    """`text` when it can be stored as UTF-8.

    Raises:
        ReviewError: A lone surrogate (JSON allows ``"\\ud800"``; UTF-8 does not).
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ReviewError("text holds a lone UTF-16 surrogate (such as \\ud800), which is not "
                          "a character: send valid Unicode") from None
    return text


def context(request: Request) -> Context:
    ctx: Context = request.app.state.review
    return ctx


def client_of(request: Request) -> str:
    """The client's address (the login throttle counts per name and address)."""
    return request.client.host if request.client else ""


def session_of(request: Request) -> Session | None:
    """The request's live session; in local mode one is made (and its cookie set) if missing."""
    ctx = context(request)
    token = request.cookies.get(COOKIE)
    local = ctx.local()
    found = ctx.accounts.session(token, account=not local) if token else None
    if found is None and local:
        token, found = ctx.accounts.open_session(ctx.local_user, "admin")
        request.state.cookie = token
    return found


def actor_of(request: Request) -> Actor:
    """Who reads (no CSRF needed for a GET).

    Raises:
        Unauthorized: Account mode without a session.
    """
    ctx = context(request)
    token = request.cookies.get(COOKIE)
    local = ctx.local()
    found = ctx.accounts.session(token, account=not local) if token else None
    if found is not None:
        return Actor(found.user, found.role)
    if local:  # a script's read: no session row for it
        return Actor(ctx.local_user, "admin")
    raise Unauthorized("log in first: POST /api/login {name, password}, or open /login")


async def writer(request: Request) -> Actor:
    """Who writes: a session and its CSRF token (header X-CSRF-Token or form field csrf).

    Raises:
        Unauthorized: Account mode without a session.
        CsrfError: The token is missing or wrong.
    """
    token = request.cookies.get(COOKIE)
    ctx = context(request)
    found = ctx.accounts.session(token, account=not ctx.local()) if token else None
    if found is None:
        if ctx.local():
            raise CsrfError("missing session: GET /api/session first, then send its csrf "
                            "token as the X-CSRF-Token header with its cookie")
        raise Unauthorized("log in first: POST /api/login {name, password}, or open /login")
    given = request.headers.get("x-csrf-token")
    if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get("csrf")
        given = value if isinstance(value, str) else None
    if not same_token(given, found.csrf):
        raise CsrfError("missing or wrong CSRF token: send the csrf value of GET /api/session "
                        "as the X-CSRF-Token header (forms: reload the page)")
    return Actor(found.user, found.role)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_json(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _validation_message(exc: RequestValidationError) -> tuple[int, str]:
    errors = exc.errors()
    for err in errors:
        if err.get("type") == "json_invalid":
            detail = err.get("ctx", {}).get("error", "")
            return 400, (f"malformed JSON body ({detail}): send one JSON object, e.g. "
                         '{"text": "...", "base_version": 3}')
        if err.get("type") == "missing" and tuple(err.get("loc", ())) == ("body",):
            return 400, ("missing JSON body: send one JSON object with Content-Type "
                         "application/json (see /api/openapi.json for the fields)")
    if any(tuple(err.get("loc", ()))[:2] == ("body", "beads") for err in errors):
        return 422, ("beads must be a list of [bitext_id, bead_id, version] triples, as GET "
                     ".../occurrences gives them")
    parts = []
    for err in errors[:3]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return 422, "; ".join(parts) + " (see /api/openapi.json for the fields)"


def _install_handlers(app: FastAPI) -> None:
    from diglot.review import forms, pages

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict) -> Response:
        if _is_api(request):
            from dataclasses import asdict

            return error_json(409, str(exc), current=asdict(exc.current), yours=exc.yours)
        return pages.conflict_page(request, exc)

    @app.exception_handler(ReviewError)
    async def review_error(request: Request, exc: ReviewError) -> Response:
        if _is_api(request):
            return error_json(exc.status, str(exc))
        if isinstance(exc, Unauthorized):
            back = request.url.path if request.method == "GET" else "/"
            return RedirectResponse(f"/login?{urlencode({'next': back})}", status_code=303)
        if request.method == "POST":
            return forms.form_error(request, exc)
        return pages.error_page(request, exc.status, str(exc))

    @app.exception_handler(DiglotError)
    async def diglot_error(request: Request, exc: DiglotError) -> Response:
        status = int(getattr(exc, "status", 400))
        if _is_api(request):
            return error_json(status, str(exc))
        if request.method == "POST":
            error = ReviewError(str(exc))
            error.status = status
            return forms.form_error(request, error)
        return pages.error_page(request, status, str(exc))

    @app.exception_handler(LoginPage)
    async def login_page(request: Request, exc: LoginPage) -> Response:
        return RedirectResponse(f"/login?{urlencode({'next': exc.next_url})}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        status, message = _validation_message(exc)
        if _is_api(request):
            return error_json(status, message)
        return pages.error_page(request, status, message)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        # a bug of ours: every write is one transaction, so nothing half-done was kept
        return error_json(500, f"internal error ({type(exc).__name__}); nothing was written: "
                          "try again, and report it if it persists")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = str(exc.detail)
        if exc.status_code == 404:
            message = f"no such page: {request.url.path} (see /api/openapi.json or /)"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        if _is_api(request) or exc.status_code == 405:
            return error_json(exc.status_code, message)
        return pages.error_page(request, exc.status_code, message)


def create_app(db: Path, *, host: str = "127.0.0.1", user: str | None = None) -> FastAPI:
    """The review app over one project store.

    Args:
        db: The project store (``diglot run ... --out DIR`` writes ``DIR/diglot.db``).
        host: The address the server binds to; on loopback the Host header is checked, and
            without accounts every visitor is `user` (local mode).
        user: The local-mode user (default: the OS login name).

    Returns:
        The app (its security middleware checks Host, body size and adds headers).

    Raises:
        ConfigError: The store is missing, or a non-loopback host without accounts.
        AccountError: `user` is empty, too long or holds control characters.
    """
    if not db.is_file():
        raise ConfigError(f"{db}: no such project store; `diglot run INPUT -f SRC -t TGT --out "
                          "DIR` makes DIR/diglot.db")
    if user is not None:
        check_name(user)
    service = ReviewService(db)
    accounts = Accounts(db)
    loopback = is_loopback(host)
    if not loopback and not accounts.any():
        raise ConfigError(f"--host {host} is not loopback and the store has no accounts: add "
                          "one first (diglot review users add NAME --project "
                          f"{db} --admin), or serve on 127.0.0.1")
    app = FastAPI(title="diglot review", docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json", lifespan=_warm,
                  description="Review a bitext's beads: read, edit, confirm, realign, comment.")
    app.state.review = Context(db, service, accounts, Throttle(), Presence(), loopback,
                               user or _login_name())
    from diglot.review import api, forms, pages

    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(forms.router)
    pages.mount_static(app)
    _install_handlers(app)
    app.add_middleware(Guard, loopback=loopback, cookie=COOKIE)
    return app


@asynccontextmanager
async def _warm(app: FastAPI) -> AsyncIterator[None]:
    """At start, read each current bitext's first page in a thread (the progress cache's
    first build, about 0.2 s on 10,000 beads), so the first document view is fast: the server
    starts answering once that is done, or after `WARM_WAIT` seconds at most (a store of many
    bitexts warms the rest in the background)."""
    ctx: Context = app.state.review
    thread = threading.Thread(target=_read_first_pages, args=(ctx.service,),
                              name="diglot-review-warm", daemon=True)
    thread.start()
    await run_in_threadpool(thread.join, WARM_WAIT)
    yield


def _read_first_pages(service: ReviewService) -> None:
    from diglot.review.pages import templates

    try:
        for name in templates.env.list_templates():  # compiled once, then cached by Jinja2
            templates.env.get_template(name)
        for bitext in service.overview():
            if bitext.superseded_by is None:
                service.beads(bitext.id, offset=0, limit=100)
    except Exception:  # noqa: BLE001 - only a warm-up: the first request reads it again
        return


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "reviewer"
