"""What every `sohoa` command shares: where it writes (stdout for results, stderr for the
rest), how it fails (one line on stderr, exit status 1), and the archive it works on, sealed
into the trail after it appended events (a failure to sign is said, never hidden)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine
from sqlmodel import Session

from sohoa.archive import checkpoints, keys
from sohoa.archive.database import open_database
from sohoa.archive.settings import Settings
from sohoa.iso_procedures import registry

out = Console()
err = Console(stderr=True)


def fail(message: str) -> NoReturn:
    """Say what went wrong on one line of stderr (never wrapped) and exit with status 1."""
    err.print(f"[red]sohoa: {escape(message)}[/red]", soft_wrap=True)
    raise typer.Exit(1)


def seal(settings: Settings, engine: Engine) -> None:
    """Sign a checkpoint over the trail's new events."""
    try:
        checkpoints.seal_archive(settings, engine)
    except (checkpoints.CheckpointError, keys.KeyProblem) as error:
        err.print(f"[red]sohoa: the trail was not signed: {escape(str(error))}[/red]")


@contextmanager
def sealed_archive(settings: Settings) -> Iterator[Engine]:
    """The archive's database, for work that may append events, with its procedure registry
    seeded (a new archive's first command); when the work ends, however it ends, the trail is
    sealed with a signed checkpoint."""
    engine = open_database(settings)
    try:
        with Session(engine) as session:
            if registry.ensure_seeded(session):
                session.commit()
        yield engine
    finally:
        seal(settings, engine)
