"""Identify: what a file really is, from its content, never from its extension.

Scanners and people name files badly (`scan.pdf` that is a JPEG, `IMG_001` with no extension);
the magic bytes decide. sohoa ingests PDF, TIFF, PNG and JPEG; anything else is refused with
what it looks like, so the archivist knows why. Only the first bytes are read, from the file
itself: its size as `stat` reports it can be wrong (a file under /proc says 0 bytes and is not
empty), and a file that cannot be read fails here with its OSError.
"""

from __future__ import annotations

from pathlib import Path

import filetype

from sohoa.ingest.discover import readable

HEAD_BYTES = 8192  # what filetype looks at

SUPPORTED = {
    "application/pdf": "pdf",
    "image/tiff": "tiff",
    "image/png": "png",
    "image/jpeg": "jpeg",
}


class UnsupportedFile(Exception):
    """The file is empty or not a PDF, TIFF, PNG or JPEG."""


def identify(path: Path) -> tuple[str, str]:
    """Return (kind, mime) with kind one of pdf, tiff, png, jpeg; raise UnsupportedFile, or
    OSError if the file cannot be read."""
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head:
        raise UnsupportedFile("empty file (0 bytes)")
    guess = filetype.guess(head)
    if guess is None:
        raise UnsupportedFile("unsupported file type: not a PDF, TIFF, PNG or JPEG")
    if guess.mime not in SUPPORTED:
        named = readable(path.suffix.lower())
        though = f", though named {named}" if named and named != f".{guess.extension}" else ""
        raise UnsupportedFile(f"unsupported file type: {guess.mime} (.{guess.extension}){though}")
    return SUPPORTED[guess.mime], guess.mime
