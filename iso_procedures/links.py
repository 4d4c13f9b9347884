"""Links between documents and the procedures they prove, each one an event.

A link is made by a rule (`rules`), for a whole batch (`sohoa ingest --procedure`), or by a
person with a reason (`sohoa link`); an unlink needs a reason too. The document's
`record_metadata["procedures"]` keeps a copy of its codes for search (the caller indexes the
document again). Changes append events in the caller's transaction; the caller commits.
"""

from __future__ import annotations

import json

from sqlmodel import Session, select

from sohoa.archive import trail
from sohoa.archive.models import DISPOSED, Document, Event, Page, ProcedureLink
from sohoa.archive.text import nfc
from sohoa.iso_procedures.registry import current, get, in_force
from sohoa.iso_procedures.rules import rule_links

SOURCES = ("rule", "batch", "manual")


class LinkError(ValueError):
    """A link or unlink the archive refuses (says why)."""


class UnknownDocument(LinkError, LookupError):
    """No document with that id."""


def link(
    session: Session, document_id: int, code: str, *, actor: str, source: str, reason: str
) -> ProcedureLink | None:
    """Link a document to the procedure in force; None if it was linked already. LinkError,
    or ProcedureError for a procedure unknown or retired."""
    document = _document(session, document_id)
    procedure = in_force(session, code)  # ProcedureError if unknown or retired
    reason = nfc(reason.strip())
    if source not in SOURCES:
        raise LinkError(f"a link is made by one of {', '.join(SOURCES)}, not {source!r}")
    if not reason:
        raise LinkError("say why the document proves the procedure (--reason)")
    if _existing(session, document_id, procedure.code) is not None:
        return None
    row = ProcedureLink(
        document_id=document_id, code=procedure.code, source=source, reason=reason, actor=actor
    )
    session.add(row)
    session.flush()
    trail.record(
        session,
        "procedure.linked",
        actor=actor,
        object_type="document",
        object_id=document_id,
        details={
            "code": procedure.code,
            "version": procedure.version,
            "source": source,
            "reason": reason,
        },
    )
    copy_codes(session, document)
    return row


def unlink(session: Session, document_id: int, code: str, *, actor: str, reason: str) -> None:
    document = _document(session, document_id)
    code = code.strip().upper()
    row = _existing(session, document_id, code)
    if row is None:
        raise LinkError(f"document #{document_id} is not linked to {code}")
    reason = nfc(reason.strip())
    if not reason:
        raise LinkError("say why the link is wrong (--reason)")
    session.delete(row)
    session.flush()
    trail.record(
        session,
        "procedure.unlinked",
        actor=actor,
        object_type="document",
        object_id=document_id,
        details={
            "code": code,
            "version": get(session, code).version,
            "linked_by": row.source,
            "reason": reason,
        },
    )
    copy_codes(session, document)


def link_by_rules(
    session: Session, actor: str, dry_run: bool = False
) -> list[tuple[int, str, str]]:
    """Run the rules over every ingested record again (after a procedure was added or its
    keywords revised, or metadata corrected): link what now matches and is not linked yet,
    never what a person unlinked. (document id, code, reason) for each link made (or that
    would be, with `dry_run`)."""
    procedures = current(session)
    unlinked = {
        (event.object_id, json.loads(event.details)["code"])
        for event in session.exec(select(Event).where(Event.action == "procedure.unlinked"))
    }
    linked = set(session.exec(select(ProcedureLink.document_id, ProcedureLink.code)).all())
    first_pages = session.exec(
        select(Document, Page.text)
        .join(Page, (Page.document_id == Document.id) & (Page.number == 1))
        .where(Document.status == "ingested")
        .order_by(Document.id)
    )
    made = []
    for document, first_page in first_pages:
        for code, reason in rule_links(procedures, document.record_metadata or {}, first_page):
            if (document.id, code) in linked or (document.id, code) in unlinked:
                continue
            made.append((document.id, code, reason))
            if not dry_run:
                link(session, document.id, code, actor=actor, source="rule", reason=reason)
    return made


def links_of(session: Session, document_id: int) -> list[ProcedureLink]:
    return list(
        session.exec(
            select(ProcedureLink)
            .where(ProcedureLink.document_id == document_id)
            .order_by(ProcedureLink.code)
        )
    )


def documents_of(session: Session, code: str) -> list[tuple[Document, ProcedureLink]]:
    """The documents linked to a procedure, with their links, oldest link first."""
    rows = session.exec(
        select(Document, ProcedureLink)
        .join(ProcedureLink, ProcedureLink.document_id == Document.id)
        .where(ProcedureLink.code == code.strip().upper())
        .order_by(Document.id)
    )
    return list(rows)


def _document(session: Session, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise UnknownDocument(f"no document with id {document_id}")
    if document.status == DISPOSED:
        raise LinkError(f"document #{document_id} was disposed of")
    return document


def _existing(session: Session, document_id: int, code: str) -> ProcedureLink | None:
    return session.exec(
        select(ProcedureLink).where(
            ProcedureLink.document_id == document_id, ProcedureLink.code == code
        )
    ).first()


def copy_codes(session: Session, document: Document) -> None:
    """Set the document's `record_metadata["procedures"]` to the codes it is linked to."""
    codes = sorted(link.code for link in links_of(session, document.id))
    document.record_metadata = {**(document.record_metadata or {}), "procedures": codes}
    session.add(document)
