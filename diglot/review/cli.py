"""`diglot review`: serve the review workspace of a project store, and manage its accounts.

FastAPI and uvicorn are imported inside the command, so `diglot --help` stays fast.
"""

import errno
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from diglot.errors import ConfigError, DiglotError

if TYPE_CHECKING:  # socket loads when the server starts, not for --help
    import socket


class _DefaultCommand(TyperGroup):
    """Runs `serve` when the first argument is not a subcommand: `diglot review PROJECT.db`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's own click Context
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["serve", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(cls=_DefaultCommand, no_args_is_help=True,
                  help="Review a project's translations in the browser, alone or together: "
                       "`diglot review DIR/diglot.db` serves it (the serve command).")
users_app = typer.Typer(no_args_is_help=True, help="Reviewer accounts of a project store.")
app.add_typer(users_app, name="users")

Db = Annotated[Path, typer.Argument(help="Project store (diglot run ... --out DIR makes "
                                         "DIR/diglot.db).", dir_okay=False)]
ProjectOpt = Annotated[Path, typer.Option("--project", "-p", dir_okay=False,
                                          help="Project store (DIR/diglot.db of a run).")]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"diglot: error: {message}", err=True)
    return typer.Exit(2)


def _store(db: Path) -> Path:
    if not db.is_file():
        raise _fail(f"{db}: no such project store; `diglot run INPUT -f SRC -t TGT --out DIR` "
                    "makes DIR/diglot.db")
    return db


def _accounts(db: Path) -> Any:
    from diglot.review.accounts import Accounts
    from diglot.review.service import ReviewService

    ReviewService(_store(db)).close()  # migrates the store to the current schema
    return Accounts(db)


@app.command()
def serve(db: Db,
          host: Annotated[str, typer.Option(help="Address to listen on; anything but loopback "
                                                 "needs accounts (diglot review users add).")]
          = "127.0.0.1",
          port: Annotated[int, typer.Option(min=1, max=65535)] = 8765,
          user: Annotated[str | None, typer.Option(
              help="Your name in local mode (no accounts): it goes on every change "
                   "(default: your login name).")] = None) -> None:
    """Serve the review workspace of PROJECT.db (the default command)."""
    from diglot.review.app import create_app

    _store(db)
    try:
        web = create_app(db, host=host, user=user)
    except DiglotError as exc:
        raise _fail(str(exc)) from None
    import uvicorn

    # bound before the URL is printed: a busy port must not send the user to another server
    sock = _listen(host, port)
    shown = f"[{host}]" if ":" in host else host
    mode = ("local mode: no accounts, you are "
            f"{web.state.review.local_user}" if web.state.review.local() else
            "log in with an account (diglot review users add)")
    typer.echo(f"diglot review: open http://{shown}:{port}/ ({mode}); Ctrl+C stops it")
    config = uvicorn.Config(web, log_level="warning", proxy_headers=False, server_header=False)
    uvicorn.Server(config).run(sockets=[sock])


def _listen(host: str, port: int) -> "socket.socket":
    """A socket bound to (host, port), or exit 2 with a one-line error (port in use)."""
    import socket

    try:
        # the family as uvicorn picks it: IPv6 for an address with colons, else IPv4
        family, kind, proto, _, address = socket.getaddrinfo(
            host.strip("[]"), port, socket.AF_INET6 if ":" in host else socket.AF_INET,
            socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise _fail(f"--host {host}: {exc.strerror}; give an address of this machine") from None
    sock = socket.socket(family, kind, proto)
    # as uvicorn does: a port left in TIME_WAIT may be reused, one with a listener may not
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise _fail(f"port {port} is in use (another diglot review?); give --port N"
                        ) from None
        raise _fail(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


@users_app.command("add")
def users_add(name: Annotated[str, typer.Argument(help="Login name.")], project: ProjectOpt,
              admin: Annotated[bool, typer.Option(
                  help="Role admin: may reopen others' confirmed beads and edit the "
                       "glossary.")] = False,
              password_stdin: Annotated[bool, typer.Option(
                  help="Read the password from the first line of stdin (scripts).")] = False,
              ) -> None:
    """Add a reviewer account (the password is asked twice)."""
    accounts = _accounts(project)
    password = _password(password_stdin)
    first = not accounts.any()
    try:
        user = accounts.add(name, password, "admin" if admin else "reviewer")
    except (DiglotError, ConfigError) as exc:
        raise _fail(str(exc)) from None
    why = (" as the store's first account, so that it has an admin"
           if first and not admin else "")
    typer.echo(f"added {user.name} ({user.role}{why}); the server now asks everyone to log in")


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@users_app.command("remove")
def users_remove(name: Annotated[str, typer.Argument(help="Login name.")],
                 project: ProjectOpt) -> None:
    """Remove an account and end its sessions (its past changes keep its name)."""
    try:
        stored = _accounts(project).remove(name)
    except DiglotError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"removed {stored}; their sessions ended")


@users_app.command("password")
def users_password(name: Annotated[str, typer.Argument(help="Login name.")],
                   project: ProjectOpt,
                   password_stdin: Annotated[bool, typer.Option(
                       help="Read the password from the first line of stdin (scripts).")
                   ] = False) -> None:
    """Set a new password for an account (asked twice) and end its sessions."""
    accounts = _accounts(project)
    try:
        stored = accounts.set_password(name, _password(password_stdin))
    except DiglotError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"new password for {stored}; their sessions ended (log in again)")


@users_app.command("role")
def users_role(name: Annotated[str, typer.Argument(help="Login name.")],
               role: Annotated[str, typer.Argument(help="reviewer or admin.")],
               project: ProjectOpt) -> None:
    """Change an account's role (a store keeps at least one admin)."""
    try:
        stored = _accounts(project).set_role(name, role)
    except DiglotError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"{stored} is now {role}")


@users_app.command("list")
def users_list(project: ProjectOpt) -> None:
    """List the accounts of a project store."""
    found = _accounts(project).users()
    if not found:
        typer.echo("no accounts: the server runs in local mode on 127.0.0.1")
    for user in found:
        typer.echo(f"{user.name}\t{user.role}\t{user.created_at}")
