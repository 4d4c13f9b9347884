"""Watch: ingest the files scanners drop into a folder, once each has stopped growing.

The folder is polled (looked at every `interval` seconds), not watched through inotify: scanners
usually drop onto an SMB or NFS share, and a share gives no inotify events for files written from
another machine, so polling is the one way that works everywhere (paperless-ngx, which watches
the same kind of folder, falls back to polling for this reason). Polling also makes "has it
stopped growing?" a plain question: a file is taken once its size and modification time have not
changed for `settle` seconds: a scanner writes a multi-page PDF slowly, and may close and
reopen it while it does, so even where there are events, "closed" does not mean "finished".
The modification time alone is not trusted to be old: copies from Windows keep the source's
time, so a file still being copied can look old; only an unchanged size and time across polls
count.

Nothing dropped is lost, even while `sohoa watch` is down: at start everything in the folder is
a candidate, and a file leaves the folder only after its batch has run. An ingested file, or one
the archive holds already (`duplicate`, found by SHA-256), is moved into `.done/` under the
folder, keeping its sub-folder; a failed one into `.failed/` with `<name>.error.txt` beside it
saying why, where the archivist sees it (moving it back into the folder tries it again). Moved,
not deleted as paperless-ngx does: the scan the archivist dropped stays where they can see it
until they clear `.done/` themselves, and the folder that is polled stays small. A stop between
ingest and move loses nothing either: the file is still in the folder, and comes back as a
duplicate. Nothing in `.done/` or `.failed/` is ever overwritten: a name taken gets ` (2)`.

Files are found as `sohoa ingest` finds them (`discover`: recursive, hidden files and folders
passed over, so `.done/` and `.failed/` are never looked at again, and so is what file servers
leave beside scans: Synology's `@eaDir` thumbnails, recycle bins, `Thumbs.db`).

A file that vanishes before its batch (a scanner's temporary file renamed) is passed over; one
that changed during its batch (written again under the same name) is left in the folder, to be
taken again once it settles.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import NamedTuple

from sohoa.archive import storage
from sohoa.ingest.discover import discover
from sohoa.ingest.pipeline import BatchReport, FileOutcome

DONE = ".done"
FAILED = ".failed"
BATCH_FILES = 25  # at most this many files a batch: the trail is sealed, and Ctrl-C heard, between


class Signature(NamedTuple):
    """What tells that a file is still being written."""

    size: int
    mtime_ns: int


def signature(path: Path) -> Signature | None:
    """The file's size and time; a broken link's own (it is taken, and fails with its reason);
    None when it is gone."""
    for stat in (os.stat, os.lstat):
        try:
            info = stat(path)
        except OSError:
            continue
        return Signature(info.st_size, info.st_mtime_ns)
    return None


def scan(folder: Path) -> dict[str, Signature] | None:
    """Every file in the folder that ingest would take, in discover's order, by the name it is
    ingested under; None when the folder is not there (a share unmounted)."""
    if not folder.is_dir():
        return None
    files: dict[str, Signature] = {}
    for item in discover([str(folder)]):
        found = signature(item.path)
        if found is not None:
            files[item.name] = found
    return files


class Settling:
    """Which files have stopped changing, from what each poll of the folder saw.

    A file is ready once it has looked the same for `settle` seconds. Once handed out it is
    `taken` with the signature it had, and not handed out again while it keeps it (a file that
    could not be moved away stays in the folder); a taken file that changes is a new file, and
    settles again.
    """

    def __init__(self, settle: float):
        self.settle = settle
        self._since: dict[str, tuple[Signature, float]] = {}  # as last seen, since when
        self._taken: dict[str, Signature] = {}

    def poll(self, files: dict[str, Signature], now: float) -> list[tuple[str, Signature]]:
        """Record what a look at the folder saw at `now`; the files ready, now taken."""
        self._since = {name: seen for name, seen in self._since.items() if name in files}
        self._taken = {name: sig for name, sig in self._taken.items() if files.get(name) == sig}
        ready = []
        for name, sig in files.items():
            if name in self._taken:
                continue
            seen = self._since.get(name)
            if seen is None or seen[0] != sig:
                seen = self._since[name] = (sig, now)
            if now - seen[1] >= self.settle:
                ready.append((name, sig))
        for name, sig in ready:
            del self._since[name]
            self._taken[name] = sig
        return ready

    def release(self, names: Iterable[str]) -> None:
        """Files taken whose batch did not run: ready again at the next poll if unchanged."""
        for name in names:
            sig = self._taken.pop(name, None)
            if sig is not None:
                self._since[name] = (sig, float("-inf"))


def move_aside(folder: Path, path: Path, into: str, beside: str = "") -> Path:
    """Move a file from the folder to `folder/into/`, keeping its sub-folder; a name taken there
    (or, with `beside`, the name of the note kept beside it) gets ` (2)`, ` (3)`, …

    The move is a hard link then an unlink, so it fails rather than replace a file that appeared
    under the same name meanwhile; where the file system has no hard links (some shares), a
    rename after checking the name is free.
    """
    relative = path.relative_to(folder)
    target_dir = folder / into / relative.parent
    target_dir.mkdir(parents=True, exist_ok=True)
    for number in count(1):
        name = relative.name if number == 1 else f"{path.stem} ({number}){path.suffix}"
        target = target_dir / name
        if os.path.lexists(target) or (beside and os.path.lexists(f"{target}{beside}")):
            continue
        try:
            os.link(path, target, follow_symlinks=False)
        except FileExistsError:
            continue
        except FileNotFoundError:
            raise
        except OSError:  # no hard links here
            os.rename(path, target)
            return target
        os.unlink(path)
        return target
    raise AssertionError("unreachable")


@dataclass
class Watcher:
    """Polls one folder and hands each batch of settled files to `ingest` (an Ingester's run),
    then files each one away by its outcome. `log` gets one line per file."""

    folder: Path
    ingest: Callable[[list[str]], BatchReport]
    settle: float
    log: Callable[[str], None]
    settling: Settling = field(init=False)
    _missing: bool = field(default=False, init=False)

    def __post_init__(self):
        self.settling = Settling(self.settle)

    def run(
        self,
        interval: float,
        stop: threading.Event,
        once: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Poll until `stop` is set; with `once`, until what was in the folder at start has had
        `settle` seconds to settle (what is still growing then is left for the next run)."""
        started = now = clock()
        while True:
            self.poll(now, stop)
            if stop.is_set() or (once and now - started >= self.settle):
                return
            stop.wait(interval if not once else min(interval, started + self.settle - now))
            now = clock()

    def poll(self, now: float, stop: threading.Event | None = None) -> None:
        """Look at the folder once; ingest and file away what has settled, a batch at a time,
        stopping between batches when `stop` is set."""
        files = scan(self.folder)
        if files is None:
            if not self._missing:
                self.log(f"the folder {self.folder} is not there; waiting for it")
            self._missing = True
            return
        if self._missing:
            self.log(f"the folder {self.folder} is back")
            self._missing = False
        ready = self.settling.poll(files, now)
        for start in range(0, len(ready), BATCH_FILES):
            if stop is not None and stop.is_set():
                self.settling.release(name for name, _ in ready[start:])
                return
            self._batch(dict(ready[start : start + BATCH_FILES]))

    def _batch(self, taken: dict[str, Signature]) -> None:
        try:
            report = self.ingest(list(taken))
        except Exception as error:  # e.g. the archive is busy: try again at the next poll
            self.settling.release(taken)
            self.log(f"the batch of {len(taken)} file(s) did not run: {error}; trying again")
            return
        for outcome in report.files:
            self.log(self._file_away(outcome, taken[outcome.name], report.batch_id))

    def _file_away(self, outcome: FileOutcome, taken: Signature, batch_id: int) -> str:
        """Move one file by its outcome; the line that says what became of it."""
        path = Path(outcome.name)
        shown = path.relative_to(self.folder).as_posix()
        what = f"{shown}: {_what(outcome)}"
        if signature(path) is None:
            return f"{what}; it was gone before it could be moved"
        if not _unchanged(path, taken, outcome.sha256):
            return f"{what}, but it changed meanwhile: left to be taken again once it settles"
        into = FAILED if outcome.status == "failed" else DONE
        note = ".error.txt" if outcome.status == "failed" else ""
        try:
            moved = move_aside(self.folder, path, into, beside=note)
            if note:
                Path(f"{moved}{note}").write_text(_error_note(outcome, batch_id), encoding="utf-8")
        except FileNotFoundError:
            return f"{what}; it was gone before it could be moved"
        except OSError as error:
            return f"{what}; it could not be moved ({error}) and stays in the folder"
        return f"{what} → {moved.relative_to(self.folder).as_posix()}"


def _what(outcome: FileOutcome) -> str:
    if outcome.status == "ingested":
        return f"ingested as #{outcome.document_id} ({outcome.pages} page(s))"
    if outcome.status == "duplicate":
        return f"duplicate of #{outcome.document_id}"
    return f"failed ({outcome.error})"


def _unchanged(path: Path, taken: Signature, sha256: str | None) -> bool:
    """The file is still the one the batch read: same size and time, and same content where
    the batch hashed it (so a new scan under an old name is never moved away unread)."""
    if signature(path) != taken:
        return False
    try:
        return sha256 is None or storage.sha256_of(path) == sha256
    except OSError:
        return False


def _error_note(outcome: FileOutcome, batch_id: int) -> str:
    return (
        f"{Path(outcome.name).name} was not ingested (batch #{batch_id}):\n"
        f"{outcome.error}\n\n"
        "Move the file back into the watched folder to try it again.\n"
    )
