"""Discover: turn the paths an archivist gives into the list of files to ingest.

Folders are walked recursively in a stable (sorted) order. Hidden files (`.DS_Store`, `._scan.pdf`
left by macOS, `.~lock` files) are not scans and are passed over, and so is what file servers and
desktops leave beside scans on a shared folder (`NOT_SCANS`: Synology's `@eaDir` thumbnails,
recycle bins, `Thumbs.db`): taken as documents, they would fill the archive with thumbnails.
Everything else found is listed, and what cannot be ingested is listed with its reason, so the
archivist sees it in the report instead of it vanishing: a path that does not exist, a broken or
looping symbolic link, a named pipe or a device (reading one would wait forever or never end), a
folder that cannot be listed, a file above `max_file_bytes`. Symbolic links to folders are not
followed, so a link loop cannot trap the walk; each is listed, so the files behind it are not
silently left out.

A file name on Linux is any bytes but `/` and NUL: not always UTF-8, and it may hold a newline or
a terminal escape. `FoundFile.name` is the name made readable (`readable`), which the database,
the trail, JSON and the terminal can all hold; `FoundFile.path` is the real path, to open.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

NOT_SCANS = {  # what file servers and desktops leave in shared folders, lower case
    "@eadir",  # Synology's thumbnails and index of each file
    "#recycle",
    "#snapshot",
    "$recycle.bin",
    "system volume information",
    "thumbs.db",
    "desktop.ini",
}


@dataclass(frozen=True)
class FoundFile:
    """A file to ingest. `name` is the path as the archivist gave it (joined under a folder),
    made readable; `path` opens it."""

    name: str
    path: Path
    error: str | None = None


def discover(
    paths: list[str], max_file_bytes: int | None = None, shown_as: dict[str, str] | None = None
) -> list[FoundFile]:
    """Every file named, or inside a folder named, in order; duplicates of the same path once.
    A file larger than `max_file_bytes` is listed with its error, before anything reads it.
    `shown_as` names a given folder for people instead of its path (an upload's folder on the
    server is named by what was uploaded: `hồ sơ/a.pdf`, not `/srv/…/uploads/3f2a/hồ sơ/a.pdf`)."""
    found: list[FoundFile] = []
    seen: set[str] = set()
    for given in paths:
        for item in _renamed(_expand(given, max_file_bytes), given, (shown_as or {}).get(given)):
            key = os.path.realpath(item.path) if item.error is None else str(item.path)
            if key not in seen:
                seen.add(key)
                found.append(item)
    return found


def _renamed(items: list[FoundFile], given: str, label: str | None) -> list[FoundFile]:
    if label is None:
        return items
    prefix = readable(given)
    renamed = []
    for item in items:
        if item.name.startswith(prefix):
            name = os.path.join(label, item.name[len(prefix) :].lstrip(os.sep))
            item = FoundFile(name, item.path, item.error)
        renamed.append(item)
    return renamed


def readable(name: str) -> str:
    """`name` as people and the database can hold it: bytes that are not UTF-8 as `\\xff`, and
    control or invisible characters (newline, tab, terminal escape, right-to-left override) as
    `\\n`, `\\t`, `\\x1b`, `\\u202e`, so a name cannot break a report's line, colour the
    terminal or pass for another. Vietnamese and other printable letters are kept as they are."""
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _expand(given: str, max_file_bytes: int | None) -> list[FoundFile]:
    try:
        status = os.stat(given)
    except OSError as error:
        return [_unreachable(given, error)]
    if stat.S_ISDIR(status.st_mode):
        return list(_walk(given, max_file_bytes))
    return [_entry(given, status, max_file_bytes)]


def _walk(folder: str, max_file_bytes: int | None):
    unlisted: list[OSError] = []
    for root, dirs, files in os.walk(folder, onerror=unlisted.append, followlinks=False):
        yield from (_unlisted(error) for error in unlisted)
        unlisted.clear()
        dirs[:] = [d for d in dirs if not _passed_over(d)]
        linked = [d for d in dirs if os.path.islink(_join(root, d))]
        dirs[:] = sorted(d for d in dirs if d not in linked)
        for name in sorted([*files, *linked]):
            if _passed_over(name):
                continue
            joined = _join(root, name)
            if name in linked:
                yield FoundFile(readable(joined), Path(joined), _folder_link(root, joined))
                continue
            try:
                status = os.stat(joined)
            except OSError as error:
                yield _unreachable(joined, error)
                continue
            yield _entry(joined, status, max_file_bytes)
    yield from (_unlisted(error) for error in unlisted)


def _passed_over(name: str) -> bool:
    """Hidden, or left by a file server or a desktop: not a scan (module docstring)."""
    return name.startswith(".") or name.lower() in NOT_SCANS


def _join(root: str, name: str) -> str:
    return os.path.join(root, name)


def _folder_link(root: str, link: str) -> str:
    target, here = os.path.realpath(link), os.path.realpath(root)
    if here == target or here.startswith(target + os.sep):
        return "a symbolic link loop (a link back to a folder above it): not followed"
    return "a link to a folder: not followed (give the folder itself to ingest it)"


def _entry(name: str, status: os.stat_result, max_file_bytes: int | None) -> FoundFile:
    """A file that exists: a regular file within the size limit, or listed with why not."""
    mode = status.st_mode
    if stat.S_ISREG(mode):
        if max_file_bytes is not None and status.st_size > max_file_bytes:
            return FoundFile(readable(name), Path(name), _too_large(status.st_size, max_file_bytes))
        return FoundFile(readable(name), Path(name))
    if stat.S_ISFIFO(mode):
        what = "a named pipe (FIFO)"
    elif stat.S_ISSOCK(mode):
        what = "a socket"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        what = "a device"
    else:
        what = "not a regular file"
    return FoundFile(readable(name), Path(name), f"{what}, not a file: not read")


def _unreachable(name: str, error: OSError) -> FoundFile:
    """A path `stat` fails on: missing, a link that leads nowhere or to itself, or unreadable."""
    if error.errno == errno.ELOOP:
        message = "a symbolic link loop (the link leads back to itself)"
    elif error.errno == errno.ENOENT and os.path.islink(name):
        message = f"a broken symbolic link (to {readable(os.readlink(name))}, which is missing)"
    elif error.errno == errno.ENOENT:
        message = "no such file or folder"
    else:
        message = f"cannot read: {error.strerror or error}"
    return FoundFile(readable(name), Path(name), message)


def _unlisted(error: OSError) -> FoundFile:
    """A folder the walk could not list (no permission, removed meanwhile)."""
    name = os.fsdecode(error.filename)
    return FoundFile(readable(name), Path(name), f"cannot list the folder: {error.strerror}")


def _too_large(size: int, limit: int) -> str:
    return f"{_bytes(size)}, above the limit of {_bytes(limit)} (SOHOA_MAX_FILE_BYTES): not read"


def _bytes(size: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit} ({size:,} bytes)"
    return f"{size} bytes"
