"""What keeps the review server safe on a shared machine or a small network.

One pure ASGI middleware does the checks that must come before any parsing: the Host header
when bound to loopback (DNS rebinding), the request body limit (413 before a byte is parsed)
and the security headers of every response. The login throttle lives in memory: five wrong
passwords for one name from one address within 15 minutes lock that name for that address
for 15 minutes, and nothing is written.
"""

from __future__ import annotations

import hmac
import html
import ipaddress
import json
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import HTTPException

MAX_BODY = 256 * 1024
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
     b"base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def is_loopback(host: str) -> bool:
    """Whether a --host value binds to this machine only.

    Args:
        host: A name or address as given to --host.

    Returns:
        True for localhost and loopback addresses.
    """
    if host.strip("[]") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(header: str) -> str:
    """The name part of a Host header: 'localhost:8765' → 'localhost', '[::1]:80' → '::1'."""
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class _BodyTooLarge(HTTPException):
    """Raised from `receive` when a body without Content-Length grows past the limit (an
    HTTPException, so FastAPI's body parsing passes it on instead of calling it a parse error)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {limit // 1024} KiB: send a shorter text")


class _FormNotEncoded(HTTPException):
    """Raised from `receive` when a plain-form body holds a raw byte over 0x7F: Starlette would
    read it as Latin-1 and store mojibake ("café" as "cafÃ©"); browsers percent-encode."""

    def __init__(self) -> None:
        super().__init__(400, "the form body must be percent-encoded UTF-8 (as browsers send "
                         "it): encode the text with urllib.parse.urlencode, or send JSON to "
                         "/api/")


FORM_TYPE = "application/x-www-form-urlencoded"


class Guard:
    """ASGI middleware: Host check (loopback only), body limit, security headers.

    Args:
        app: The wrapped ASGI app.
        cookie: The session cookie's name: a handler that sets ``request.state.cookie`` (a
            value, or "" to clear it) gets it sent as HttpOnly, SameSite=Strict.
        loopback: Whether the server is bound to loopback (then the Host header must name it).
        max_body: Largest request body in bytes.
    """

    def __init__(self, app: ASGIApp, *, loopback: bool, cookie: str,
                 max_body: int = MAX_BODY) -> None:
        self.app = app
        self.loopback = loopback
        self.cookie = cookie
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        if self.loopback and _host_name(headers.get("host", "")).lower() not in LOOPBACK_NAMES:
            await _error(send, 400, "this server only answers requests addressed to localhost "
                         "or 127.0.0.1: open it through http://127.0.0.1:PORT/")
            return
        length = headers.get("content-length", "")
        page = not str(scope.get("path", "")).startswith("/api/")
        if length.isdigit() and int(length) > self.max_body:
            message = (f"request body over {self.max_body // 1024} KiB: send a shorter text "
                       "(one bead's target text is at most 20,000 characters)")
            if page:  # a plain form: a page, with the way back to the text the browser kept
                await _page(send, 413, message + "; nothing was saved", _back(headers))
            else:
                await _error(send, 413, message)
            return
        received = 0
        started = False
        form = headers.get("content-type", "").lower().startswith(FORM_TYPE)

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _BodyTooLarge(self.max_body)
                if form and not message.get("body", b"").isascii():
                    raise _FormNotEncoded()
            return message

        async def secured_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                extra = list(HEADERS)
                value = (scope.get("state") or {}).get("cookie")
                if value is not None:
                    extra.append((b"set-cookie", self._cookie(value)))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        try:
            await self.app(scope, limited_receive, secured_send)
        except _BodyTooLarge:
            if not started:
                await _error(send, 413, f"request body over {self.max_body // 1024} KiB: "
                             "send a shorter text")
        except _FormNotEncoded as exc:
            if not started:
                await _error(send, 400, str(exc.detail))

    def _cookie(self, value: str) -> bytes:
        age = 7 * 24 * 3600 if value else 0
        return (f"{self.cookie}={value}; Path=/; HttpOnly; SameSite=Strict; "
                f"Max-Age={age}").encode("latin-1")


def _back(headers: dict[str, str]) -> str:
    """The page the form was posted from (the Referer's path on this server), else "/"."""
    referer = headers.get("referer", "")
    path = "/" + referer.split("://", 1)[-1].partition("/")[2] if "://" in referer else ""
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else "/"


async def _page(send: Send, status: int, message: str, back: str) -> None:
    body = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error {status}'
            ' · diglot review</title><link rel="stylesheet" href="/static/review.css"></head>'
            f'<body><main><h1>Error {status}</h1><p class="error">{html.escape(message)}</p>'
            f'<p>Your browser\'s Back button returns to the form with your text. <a href='
            f'"{html.escape(back, quote=True)}">Back to the page</a></p></main></body></html>'
            ).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8"),
                            (b"content-length", str(len(body)).encode("ascii")), *HEADERS]})
    await send({"type": "http.response.body", "body": body})


async def _error(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode("ascii")), *HEADERS]})
    await send({"type": "http.response.body", "body": body})


def same_token(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a CSRF token; a missing one never matches."""
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())


class Throttle:
    """Wrong-password counter per (login name, client address), in memory.

    Keyed on both (the name casefolded, as login finds it), so wrong passwords typed
    elsewhere cannot lock a user out: only the address that typed them waits. At most
    `max_keys` keys are kept (the oldest go first), so a flood of made-up names cannot grow
    the server's memory.

    Args:
        limit: Wrong passwords allowed within `window` seconds.
        window: Seconds over which wrong passwords count, and how long a lock lasts.
        max_keys: Most (name, address) pairs remembered at once.
    """

    def __init__(self, limit: int = 5, window: float = 15 * 60, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._locked_until: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def locked(self, name: str, client: str) -> float:
        """Seconds until `name` may try again from `client` (0 when it may now)."""
        key = (name.casefold(), client)
        with self._lock:
            left = self._locked_until.get(key, 0.0) - time.monotonic()
            if left <= 0:
                self._locked_until.pop(key, None)
                return 0.0
            return left

    def failed(self, name: str, client: str) -> None:
        """Count one wrong password; the `limit`-th within the window locks the pair."""
        now = time.monotonic()
        key = (name.casefold(), client)
        with self._lock:
            recent = self._failures.pop(key, None) or deque()
            self._failures[key] = recent  # re-inserted: the dict's order is least recent first
            recent.append(now)
            while recent and recent[0] <= now - self.window:
                recent.popleft()
            if len(recent) >= self.limit:
                self._locked_until[key] = now + self.window
                recent.clear()
            self._prune(now)

    def succeeded(self, name: str, client: str) -> None:
        """A right password clears the pair's count."""
        with self._lock:
            self._failures.pop((name.casefold(), client), None)

    def size(self) -> int:
        """Keys held now (counts and locks)."""
        with self._lock:
            return len(self._failures) + len(self._locked_until)

    def _prune(self, now: float) -> None:
        if len(self._failures) + len(self._locked_until) <= self.max_keys:
            return
        for key in [k for k, until in self._locked_until.items() if until <= now]:
            del self._locked_until[key]
        for key in [k for k, d in self._failures.items() if not d or d[-1] <= now - self.window]:
            del self._failures[key]
        while self._failures and len(self._failures) + len(self._locked_until) > self.max_keys:
            del self._failures[next(iter(self._failures))]
        while len(self._locked_until) > self.max_keys:
            del self._locked_until[next(iter(self._locked_until))]
