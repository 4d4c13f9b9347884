"""One ingest at a time per archive: a second one says clearly that the first is running.

Two batches at once would race for the same files, the same scratch folder and the index's one
writer, for no gain on a machine whose cores the first already keeps busy. So an ingest (a
command, or one batch of `sohoa watch`) holds an exclusive lock on `SOHOA_HOME/ingest.lock`.
The lock is the kernel's (`flock`): it goes with the process, so a killed ingest never leaves a
stale lock behind, and the file only says who holds it, for the message. Searches, edits and
`sohoa serve` take no part in it: they share the database through SQLite's own locking.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sohoa.archive.models import VIETNAM, utcnow
from sohoa.archive.settings import Settings

LOCK_FILE = "ingest.lock"


class IngestRunning(Exception):
    """Another process is ingesting into this archive; the message says which and since when."""


@contextmanager
def holding(settings: Settings, what: str) -> Iterator[None]:
    """Hold the archive's ingest lock while the block runs, or raise IngestRunning at once."""
    settings.home.mkdir(parents=True, exist_ok=True)
    path = settings.home / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IngestRunning(_who_holds(path)) from None
        os.ftruncate(fd, 0)
        holder = {"pid": os.getpid(), "since": utcnow().isoformat(), "what": what}
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _who_holds(path: Path) -> str:
    try:
        holder = json.loads(path.read_text())
        local = (
            datetime.fromisoformat(holder["since"]).astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M")
        )
        who = f"{holder['what']} (process {holder['pid']}, since {local})"
    except (OSError, ValueError, KeyError, TypeError):
        who = "another ingest"
    return (
        f"{who} is already ingesting into this archive; wait for it to finish (or stop it) "
        "and run this again. Nothing was changed."
    )


def running(settings: Settings) -> bool:
    """Whether an ingest holds the archive right now (this process's own included)."""
    path = settings.home / LOCK_FILE
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
