"""Reviewer accounts and browser sessions: the only SQL of the web layer.

Passwords are hashed with scrypt (n=2**14, r=8, p=1, a 16-byte salt) and stored as
``scrypt$n$r$p$salt_b64$hash_b64``. A session is a random 32-byte cookie value, stored only as
its sha256, with its own CSRF token. The store must already be migrated (``ReviewService``
does that when it opens it).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from diglot.errors import DiglotError

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SESSION_DAYS = 7
MIN_PASSWORD = 8
ROLES = ("reviewer", "admin")
_NAME = re.compile(r"^[\w.@-]{1,64}$")


class AccountError(DiglotError):
    """A bad account request: a name taken or malformed, a password too short."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    created_at: str


@dataclass(frozen=True)
class Session:
    user: str
    role: str
    csrf: str


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """The stored form of a password.

    Args:
        password: The password as typed.

    Returns:
        ``scrypt$n$r$p$salt_b64$hash_b64``.
    """
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R,
                            p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether a password matches its stored hash (constant-time comparison).

    Args:
        password: The password as typed.
        stored: A value written by ``hash_password``.

    Returns:
        True when it matches; False also for a malformed stored value.
    """
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        found = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n),
                               r=int(r), p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, expected)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Accounts:
    """Users and sessions of one project store (one connection per thread).

    Args:
        db: The project store (already migrated).
    """

    def __init__(self, db: Path) -> None:
        self.db = db
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.db, isolation_level=None, timeout=10)
            conn.execute("PRAGMA busy_timeout = 10000")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # users ------------------------------------------------------------------------------

    def any(self) -> bool:
        """Whether the store has at least one account (then login is required)."""
        return self._conn().execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def add(self, name: str, password: str, role: str = "reviewer") -> User:
        """Create an account.

        Args:
            name: Login name: letters, digits, ``.@_-``, up to 64 characters.
            password: At least 8 characters.
            role: ``reviewer`` or ``admin``.

        Returns:
            The new user.

        Raises:
            AccountError: A malformed or taken name, a short password, an unknown role.
        """
        if not _NAME.match(name):
            raise AccountError(f"user name {name!r} is not allowed: use up to 64 letters, "
                               "digits and . @ _ -")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"password too short: use at least {MIN_PASSWORD} characters")
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r}: use reviewer or admin")
        created = _now().isoformat(timespec="seconds")
        try:
            self._conn().execute(
                "INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                (name, hash_password(password), role, created))
        except sqlite3.IntegrityError:
            raise AccountError(f"user {name!r} exists already: choose another name") from None
        return User(name, role, created)

    def users(self) -> list[User]:
        """Every account, by name."""
        rows = self._conn().execute("SELECT name, role, created_at FROM users ORDER BY name")
        return [User(*row) for row in rows]

    def check(self, name: str, password: str) -> User | None:
        """The user when the password is right, else None (unknown names cost the same)."""
        row = self._conn().execute(
            "SELECT name, role, created_at, password_hash FROM users WHERE name = ?",
            (name,)).fetchone()
        if row is None:
            verify_password(password, _dummy())  # same time as a known name: no user probing
            return None
        if not verify_password(password, row[3]):
            return None
        return User(row[0], row[1], row[2])

    # sessions ---------------------------------------------------------------------------

    def open_session(self, user: str, role: str) -> tuple[str, Session]:
        """A new session: (cookie value, session). Only the value's sha256 is stored."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = _now()
        self._conn().execute(
            "INSERT INTO sessions (token_hash, user_name, role, csrf, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (_token_hash(token), user, role, csrf, now.isoformat(timespec="seconds"),
             (now + timedelta(days=SESSION_DAYS)).isoformat(timespec="seconds")))
        return token, Session(user, role, csrf)

    def session(self, token: str, *, account: bool = True) -> Session | None:
        """The live session of a cookie value, or None (unknown or expired).

        Args:
            token: The cookie value.
            account: Require an account of that name (its current role counts), so a
                local-mode session made before the first account was added no longer works.
        """
        if account:
            sql = ("SELECT s.user_name, u.role, s.csrf, s.expires_at FROM sessions s "
                   "JOIN users u ON u.name = s.user_name WHERE s.token_hash = ?")
        else:
            sql = "SELECT user_name, role, csrf, expires_at FROM sessions WHERE token_hash = ?"
        row = self._conn().execute(sql, (_token_hash(token),)).fetchone()
        if row is None or row[3] <= _now().isoformat(timespec="seconds"):
            return None
        return Session(row[0], row[1], row[2])

    def close_session(self, token: str) -> None:
        """Forget a session (logout); expired ones go at the same time."""
        now = _now().isoformat(timespec="seconds")
        self._conn().execute("DELETE FROM sessions WHERE token_hash = ? OR expires_at <= ?",
                             (_token_hash(token), now))


@functools.cache
def _dummy() -> str:
    return hash_password(secrets.token_urlsafe(12))
