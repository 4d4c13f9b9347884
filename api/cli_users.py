"""`sohoa user …`: the accounts the web app signs in, managed from the shell.

`sohoa user add NAME --role ROLE` asks for the password twice (or reads one line from standard
input with `--password-stdin`, for scripts); `sohoa user token NAME` prints an API token once.
Each change is a trail event by the OS user (`SOHOA_ACTOR`).
"""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session

from sohoa.api import objects
from sohoa.api.cli_output import fail, out, sealed_archive
from sohoa.archive import users
from sohoa.archive.database import open_database
from sohoa.archive.models import User
from sohoa.archive.settings import Settings

app = typer.Typer(help="People who sign in to the web app, and their roles.", no_args_is_help=True)

RoleOption = Annotated[str, typer.Option(help=" | ".join(users.ROLES))]
StdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="read the password from standard input")
]


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="login name")],
    role: RoleOption,
    password_stdin: StdinOption = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add a user with a role; asks for the password (at least 10 characters)."""
    password = _password(password_stdin)
    with _accounts() as (session, actor):
        user = _checked(lambda: users.add_user(session, name, role, password, actor))
        shown = objects.user_object(user)
    if as_json:
        out.print_json(json.dumps(shown, ensure_ascii=False))
    else:
        out.print(f"added {shown['name']} ({shown['role']})", markup=False, highlight=False)


@app.command("list")
def list_users(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every user, their role and whether they may sign in."""
    engine = open_database(Settings())
    with Session(engine) as session:
        shown = [objects.user_object(u) for u in users.all_users(session)]
    if as_json:
        out.print_json(json.dumps(shown, ensure_ascii=False))
        return
    table = Table("name", "role", "active", "created")
    for user in shown:
        table.add_row(
            user["name"], user["role"], "yes" if user["active"] else "no", user["created"]
        )
    out.print(table)


@app.command("role")
def role(name: Annotated[str, typer.Argument()], role: Annotated[str, typer.Argument()]) -> None:
    """Change a user's role."""
    with _accounts() as (session, actor):
        user = _found(session, name)
        _checked(lambda: users.set_role(session, user, role, actor))
    out.print(f"{name} is now {role}", markup=False, highlight=False)


@app.command("password")
def password(name: Annotated[str, typer.Argument()], password_stdin: StdinOption = False) -> None:
    """Set a new password; the user's browser sessions end."""
    new = _password(password_stdin)
    with _accounts() as (session, actor):
        user = _found(session, name)
        _checked(lambda: users.set_password(session, user, new, actor))
    out.print(f"the password of {name} is changed", markup=False, highlight=False)


@app.command("deactivate")
def deactivate(name: Annotated[str, typer.Argument()]) -> None:
    """Stop a user signing in (their sessions and tokens stop at once); kept for the trail."""
    with _accounts() as (session, actor):
        users.set_active(session, _found(session, name), False, actor)
    out.print(f"{name} can no longer sign in", markup=False, highlight=False)


@app.command("token")
def token(
    name: Annotated[str, typer.Argument()],
    label: Annotated[str, typer.Option(help="what the token is for")] = "script",
) -> None:
    """Print a new API token for the user, once (send it as `Authorization: Bearer …`)."""
    with _accounts() as (session, actor):
        secret = users.issue_token(session, _found(session, name), label, actor)
    out.print(secret, markup=False, highlight=False, soft_wrap=True)


def ensure_admin(settings: Settings) -> tuple[str, str | None] | None:
    """The first admin of an archive with no user yet: named `admin`, with the password in
    `SOHOA_ADMIN_PASSWORD`, else a generated one. Returns (name, the generated password or
    None), or None when the archive already has users."""
    with sealed_archive(settings) as engine, Session(engine) as session:
        if users.has_users(session):
            return None
        generated = None if settings.admin_password else secrets.token_urlsafe(12)
        users.add_user(
            session, "admin", "admin", settings.admin_password or generated, settings.trail_actor
        )
        session.commit()
    return "admin", generated


@contextmanager
def _accounts() -> Iterator[tuple[Session, str]]:
    """A session whose changes are committed and then sealed into the trail."""
    settings = Settings()
    with sealed_archive(settings) as engine, Session(engine) as session:
        yield session, settings.trail_actor
        session.commit()


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt("password", hide_input=True)
    if typer.prompt("again", hide_input=True) != first:
        fail("the two passwords differ")
    return first


def _found(session: Session, name: str) -> User:
    user = users.find(session, name)
    if user is None:
        fail(f"no user named {name!r} (sohoa user list)")
    return user


def _checked(change):
    try:
        return change()
    except users.AccountError as error:
        fail(str(error))
