"""Retention and disposition: how long each record is kept, which are past it, and their
disposal, which destroys the original and the text but keeps a tombstone and an event.

A record is kept for the longest retention of the procedures it proves (any permanent one:
kept permanently; none linked: no retention is set, so it is never due). As Vietnamese archive
practice counts retention in whole years from the year the record closes, a record dated in year
Y kept N years is due after 31 December of Y + N. A record with no date counts from the year it
was ingested, which can only keep it longer, never dispose of it early.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from sohoa.archive import storage, trail
from sohoa.archive.models import (
    DISPOSED,
    Derivative,
    Disposal,
    Document,
    Event,
    Page,
    Procedure,
    ProcedureLink,
)
from sohoa.archive.settings import Settings
from sohoa.archive.text import nfc


class RetentionError(ValueError):
    """A disposal the archive refuses (says why)."""


@dataclass
class Retention:
    document: Document
    codes: list[str]
    years: int | None  # None: kept permanently
    until: date | None  # the last day it must be kept; None: permanently or not set

    @property
    def permanent(self) -> bool:
        return bool(self.codes) and self.years is None


def retention_of(session: Session, document: Document) -> Retention:
    codes = [
        link.code
        for link in session.exec(
            select(ProcedureLink).where(ProcedureLink.document_id == document.id)
        )
    ]
    years = _longest(session, codes)
    if not codes or years is None:
        return Retention(document, sorted(codes), years, None)
    return Retention(document, sorted(codes), years, date(_year_of(document) + years, 12, 31))


def due(session: Session, today: date) -> list[Retention]:
    """The records kept past their retention on `today`, oldest first; disposed ones excluded."""
    linked = session.exec(
        select(Document)
        .where(Document.status != DISPOSED)
        .where(Document.id.in_(select(ProcedureLink.document_id)))
        .order_by(Document.id)
    )
    past = [r for d in linked if (r := retention_of(session, d)).until and r.until < today]
    return sorted(past, key=lambda r: (r.until, r.document.id))


def dispose(
    session: Session, settings: Settings, document_id: int, actor: str, reason: str, today: date
) -> Disposal:
    """Dispose of a record past its retention: a tombstone (what, when, who, why) and a
    `document.disposed` event commit together, then the pages, the original, every PDF/A
    copy of it and the page images made for viewing are destroyed.
    RetentionError if it is not due, or no reason is given."""
    document = session.get(Document, document_id)
    if document is None:
        raise RetentionError(f"no document with id {document_id}")
    if document.status == DISPOSED:
        raise RetentionError(f"document #{document_id} was disposed of already")
    retention = retention_of(session, document)
    if not retention.codes:
        raise RetentionError(f"document #{document_id} proves no procedure: no retention is set")
    if retention.until is None:
        raise RetentionError(f"document #{document_id} is kept permanently")
    if retention.until >= today:
        raise RetentionError(
            f"document #{document_id} must be kept until {retention.until.isoformat()}"
        )
    reason = nfc(reason.strip())
    if not reason:
        raise RetentionError("say why and on whose decision it is disposed of (--reason)")
    tombstone = Disposal(
        document_id=document.id,
        sha256=document.sha256,
        name=document.name,
        procedures=retention.codes,
        retention_until=retention.until.isoformat(),
        actor=actor,
        reason=reason,
    )
    session.add(tombstone)
    for page in session.exec(select(Page).where(Page.document_id == document.id)):
        session.delete(page)
    copies = _preservation_copies(session, document.id)  # they hold its pages, text and all
    for derivative in session.exec(select(Derivative).where(Derivative.document_id == document.id)):
        session.delete(derivative)
    document.status, document.page_count = DISPOSED, 0
    session.add(document)
    trail.record(
        session,
        "document.disposed",
        actor=actor,
        object_type="document",
        object_id=document.id,
        details={
            "sha256": document.sha256,
            "name": document.name,
            "procedures": retention.codes,
            "retention_until": retention.until.isoformat(),
            "reason": reason,
            "copies": sorted(copies),
        },
    )
    session.commit()
    storage.destroy(settings.originals_dir, document.sha256)
    for sha256 in copies:
        storage.destroy(settings.preservation_dir, sha256)
    shutil.rmtree(settings.page_cache_dir / document.sha256, ignore_errors=True)  # its pages
    session.refresh(tombstone)
    return tombstone


def _preservation_copies(session: Session, document_id: int) -> set[str]:
    """The hashes of every PDF/A copy ever made of the document (the current one, and those a
    correction replaced, which stay stored until now), from its `document.preserved` events."""
    events = session.exec(
        select(Event.details).where(
            Event.object_type == "document",
            Event.object_id == document_id,
            Event.action == "document.preserved",
        )
    )
    return {json.loads(details)["sha256"] for details in events}


def _longest(session: Session, codes: list[str]) -> int | None:
    """The longest retention among the procedures' versions in force (or last in force); None
    if any keeps its records permanently."""
    longest = 0
    for code in codes:
        version = session.exec(
            select(Procedure).where(Procedure.code == code).order_by(Procedure.version.desc())
        ).first()
        if version is None or version.retention_years is None:
            return None
        longest = max(longest, version.retention_years)
    return longest


def _year_of(document: Document) -> int:
    dated = str((document.record_metadata or {}).get("date") or "")
    if dated[:4].isdigit():
        return int(dated[:4])
    return document.created.year
