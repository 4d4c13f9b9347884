"""A document's derivatives: today its PDF/A preservation copy, stored by its SHA-256 under
`preservation/` like the originals, with one `derivative` row pointing at the current one.

Making a copy belongs to the ingest (`ingest.preserve`); finding the one a document has, and
whether its file is still intact, is asked by the API, the export and the doctor alike, so it
lives here, beside the storage it reads.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from sohoa.archive import storage
from sohoa.archive.models import Derivative
from sohoa.archive.settings import Settings

PDFA = "pdfa"  # the kind of the preservation copy


def current(session: Session, document_id: int) -> Derivative | None:
    """The document's current preservation copy as recorded, if one was made."""
    return session.exec(
        select(Derivative).where(Derivative.document_id == document_id, Derivative.kind == PDFA)
    ).first()


def stored_path(settings: Settings, sha256: str) -> Path:
    """Where the copy with this hash is stored."""
    return storage.original_path(settings.preservation_dir, sha256)


def intact(settings: Settings, session: Session, document_id: int) -> Path | None:
    """The document's current copy if it is stored and still has its hash, else None."""
    derivative = current(session, document_id)
    if derivative is None:
        return None
    path = stored_path(settings, derivative.sha256)
    if not path.is_file() or storage.sha256_of(path) != derivative.sha256:
        return None
    return path
