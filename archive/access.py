"""Access to records: a record is `open` or `restricted` (tài liệu hạn chế sử dụng, Law on
Archives 2024); who reads a restricted record, and when, is an event of the trail.

Who may read it is for the web app's roles to decide; what this module guarantees is that no
read of a restricted record goes unrecorded, through the CLI or the API.
"""

from __future__ import annotations

from sqlmodel import Session

from sohoa.archive import trail
from sohoa.archive.models import Document
from sohoa.archive.text import nfc

LEVELS = ("open", "restricted")


def set_access(session: Session, document: Document, level: str, actor: str, reason: str) -> bool:
    """Set a record's access level with the reason (an `access.changed` event); False when it
    already had that level. ValueError for an unknown level or no reason."""
    if level not in LEVELS:
        raise ValueError(f"access is one of {', '.join(LEVELS)}, not {level!r}")
    reason = nfc(reason.strip())
    if not reason:
        raise ValueError("say why the access changes (--reason)")
    if document.access == level:
        return False
    trail.record(
        session,
        "access.changed",
        actor=actor,
        object_type="document",
        object_id=document.id,
        details={"old": document.access, "new": level, "reason": reason},
    )
    document.access = level
    session.add(document)
    return True


def record_view(session: Session, document: Document, actor: str, via: str) -> bool:
    """Append a `document.viewed` event if the record is restricted (the caller commits);
    whether one was appended."""
    if document.access != "restricted":
        return False
    trail.record(
        session,
        "document.viewed",
        actor=actor,
        object_type="document",
        object_id=document.id,
        details={"via": via},
    )
    return True
