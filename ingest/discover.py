"""Discover: turn the paths an archivist gives into the list of files to ingest.

Folders are walked recursively in a stable (sorted) order. Hidden files (`.DS_Store`, `._scan.pdf`
left by macOS, `.~lock` files) are not scans and are passed over; symbolic links to folders are
not followed, so a link loop cannot trap the walk. A path that does not exist is kept in the list
with its error, so the archivist sees it in the report instead of it vanishing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FoundFile:
    """A file to ingest. `name` is the path as the archivist gave it (joined under a folder)."""

    name: str
    path: Path
    error: str | None = None


def discover(paths: list[str]) -> list[FoundFile]:
    """Every file named, or inside a folder named, in order; duplicates of the same path once."""
    found: list[FoundFile] = []
    seen: set[Path] = set()
    for given in paths:
        for item in _expand(given):
            key = item.path.resolve() if item.error is None else item.path
            if key not in seen:
                seen.add(key)
                found.append(item)
    return found


def _expand(given: str) -> list[FoundFile]:
    path = Path(given)
    if path.is_dir():
        return list(_walk(given))
    if path.is_file():
        return [FoundFile(given, path)]
    if path.exists():
        return [FoundFile(given, path, "not a regular file")]
    return [FoundFile(given, path, "no such file or folder")]


def _walk(folder: str):
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            joined = os.path.join(root, name)
            path = Path(joined)
            if path.is_file():
                yield FoundFile(joined, path)
            else:
                yield FoundFile(joined, path, "not a regular file (broken link or device)")
