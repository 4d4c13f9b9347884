"""Identify: what a file really is, from its content, never from its extension.

Scanners and people name files badly (`scan.pdf` that is a JPEG, `IMG_001` with no extension);
the magic bytes decide. sohoa ingests PDF, TIFF, PNG and JPEG; anything else is refused with
what it looks like, so the archivist knows why.
"""

from __future__ import annotations

from pathlib import Path

import filetype

SUPPORTED = {
    "application/pdf": "pdf",
    "image/tiff": "tiff",
    "image/png": "png",
    "image/jpeg": "jpeg",
}


class UnsupportedFile(Exception):
    """The file is empty or not a PDF, TIFF, PNG or JPEG."""


def identify(path: Path) -> tuple[str, str]:
    """Return (kind, mime) with kind one of pdf, tiff, png, jpeg; raise UnsupportedFile."""
    if path.stat().st_size == 0:
        raise UnsupportedFile("empty file (0 bytes)")
    guess = filetype.guess(str(path))
    if guess is None:
        raise UnsupportedFile("unsupported file type: not a PDF, TIFF, PNG or JPEG")
    if guess.mime not in SUPPORTED:
        raise UnsupportedFile(f"unsupported file type: {guess.mime} (.{guess.extension})")
    return SUPPORTED[guess.mime], guess.mime
