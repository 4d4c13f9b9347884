"""Content-addressed storage of the original files.

An original lives at `originals/sha256/ab/cd/<hash>`: its address is its SHA-256, so the same
scan stored twice is one file, and a changed file can never hide under an old name. It is written
once through a temporary file in `.incoming/`, flushed and renamed (a crash leaves no half file
under a real address, only a leftover copy that the next ingest clears), checked against its
hash, and made read-only. Nothing here ever rewrites an original; `destroy` removes one only
when a record is disposed of at the end of its retention.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from sohoa.archive import crashpoints

CHUNK = 1 << 20
INCOMING = ".incoming"  # copies under way, beside `sha256/` on the same file system


class StorageError(Exception):
    """An original could not be stored intact."""


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in chunks so a 2 GB scan does not fill memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def leftover_copies(root: Path) -> list[Path]:
    """Copies a killed process left half-written in `.incoming/`: never originals (an original
    only takes its address once complete and checked), so they can always be deleted."""
    incoming = root / INCOMING
    return sorted(incoming.iterdir()) if incoming.is_dir() else []


def original_path(root: Path, sha256: str) -> Path:
    """Where the original with this hash lives under `root`."""
    return root / "sha256" / sha256[:2] / sha256[2:4] / sha256


def store(root: Path, source: Path, sha256: str) -> Path:
    """Copy `source` into storage under its hash and return the stored path.

    Already stored and intact: nothing is written. The copy is verified before it takes its
    address, so a file that changed while it was read is refused, not stored under a wrong hash.
    """
    target = original_path(root, sha256)
    if target.exists():
        if sha256_of(target) != sha256:
            raise StorageError(f"stored original {sha256} does not match its hash")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    incoming = root / INCOMING
    incoming.mkdir(exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=incoming, prefix="copy-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            while chunk := src.read(CHUNK):
                out.write(chunk)
                crashpoints.reached("mid-copy")
            out.flush()
            os.fsync(out.fileno())
        if sha256_of(tmp) != sha256:
            raise StorageError("the file changed while it was being stored")
        tmp.chmod(0o444)
        os.replace(tmp, target)
        fsync(target.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def destroy(root: Path, sha256: str) -> None:
    """Delete a stored original: only for a record's disposition, after its tombstone and event
    are committed (`iso_procedures.retention`). Already gone is not an error."""
    target = original_path(root, sha256)
    if target.exists():
        target.unlink()
        fsync(target.parent)


def fsync(path: Path) -> None:
    """Make a file, or a rename in a directory, durable: flushed to the disk, not only to the
    kernel's cache."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
