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
MAX_NAME = 64


def check_name(name: str) -> str:
    """`name` when it may name a user: 1 to 64 printable characters, no control characters,
    no spaces at either end.

    Args:
        name: A login name, or a local-mode ``--user``.

    Returns:
        The name as given.

    Raises:
        AccountError: Empty, too long, or holding a control or unprintable character.
    """
    if not name or not name.strip():
        raise AccountError("the user name is empty: give one (it goes on every change)")
    if len(name) > MAX_NAME:
        raise AccountError(f"user name of {len(name)} characters: use at most {MAX_NAME}")
    if not name.isprintable() or name != name.strip():
        raise AccountError(f"user name {name!r} holds control characters or spaces at its "
                           "ends: use printable characters only")
    return name


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
        """Create an account; the first account of a store is always an admin (so a store
        with accounts always has someone who may reopen beads and edit the glossary).

        Args:
            name: Login name: 1 to 64 printable characters, unique ignoring case.
            password: At least 8 characters.
            role: ``reviewer`` or ``admin``.

        Returns:
            The new user (its role may be admin though `role` said reviewer: the first one).

        Raises:
            AccountError: A malformed or taken name, a short password, an unknown role.
        """
        check_name(name)
        _check_password(password)
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r}: use reviewer or admin")
        created = _now().isoformat(timespec="seconds")
        hashed = hash_password(password)
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            taken = self._find(name)
            if taken is not None:
                raise AccountError(f"user {taken!r} exists already (names ignore case): "
                                   "choose another name")
            if not self.any():
                role = "admin"
            conn.execute(
                "INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                (name, hashed, role, created))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return User(name, role, created)

    def _find(self, name: str) -> str | None:
        """The stored spelling of a user name, ignoring case (Unicode casefold)."""
        folded = name.casefold()
        for (stored,) in self._conn().execute("SELECT name FROM users"):
            if stored.casefold() == folded:
                return str(stored)
        return None

    def _existing(self, name: str) -> str:
        found = self._find(name)
        if found is None:
            raise AccountError(f"no user {name!r}: see `diglot review users list`")
        return found

    def remove(self, name: str) -> str:
        """Delete an account and its sessions (its past changes keep its name).

        Args:
            name: The user (case ignored).

        Returns:
            The name as it was stored.

        Raises:
            AccountError: No such user, or the store's last admin.
        """
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            stored = self._existing(name)
            self._keep_an_admin(stored)
            conn.execute("DELETE FROM sessions WHERE user_name = ?", (stored,))
            conn.execute("DELETE FROM users WHERE name = ?", (stored,))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return stored

    def _keep_an_admin(self, leaving: str) -> None:
        """Refuse a change that would take the last admin away."""
        admins = [n for (n,) in self._conn().execute("SELECT name FROM users WHERE role = ?",
                                                     ("admin",))]
        if admins == [leaving]:
            raise AccountError(f"{leaving} is the store's last admin: make another user admin "
                               "first (diglot review users role NAME admin)")

    def set_password(self, name: str, password: str) -> str:
        """Reset a user's password and end the user's sessions.

        Returns:
            The name as it was stored.

        Raises:
            AccountError: No such user, or a short password.
        """
        _check_password(password)
        hashed = hash_password(password)
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            stored = self._existing(name)
            conn.execute("UPDATE users SET password_hash = ? WHERE name = ?", (hashed, stored))
            conn.execute("DELETE FROM sessions WHERE user_name = ?", (stored,))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return stored

    def set_role(self, name: str, role: str) -> str:
        """Change a user's role (sessions take the new role at once).

        Returns:
            The name as it was stored.

        Raises:
            AccountError: No such user, an unknown role, or demoting the last admin.
        """
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r}: use reviewer or admin")
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            stored = self._existing(name)
            if role != "admin":
                self._keep_an_admin(stored)
            conn.execute("UPDATE users SET role = ? WHERE name = ?", (role, stored))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return stored

    def users(self) -> list[User]:
        """Every account, by name."""
        rows = self._conn().execute("SELECT name, role, created_at FROM users ORDER BY name")
        return [User(*row) for row in rows]

    def check(self, name: str, password: str) -> User | None:
        """The user when the password is right, else None (unknown names cost the same).

        The name is found ignoring case, as names are unique (`add` refuses "Ana" beside
        "ana"); the user returned carries the stored spelling.

        Args:
            name: The name as typed, in any case.
            password: The password as typed.

        Returns:
            The account under its stored name, or None for an unknown name or wrong password.
        """
        stored = self._find(name)
        row = None if stored is None else self._conn().execute(
            "SELECT name, role, created_at, password_hash FROM users WHERE name = ?",
            (stored,)).fetchone()
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


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password too short: use at least {MIN_PASSWORD} characters")


@functools.cache
def _dummy() -> str:
    return hash_password(secrets.token_urlsafe(12))
