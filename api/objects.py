"""The stable JSON objects: what `--json` prints and what the HTTP API returns, built in one place;
and `edit_metadata`, the one change both faces make to a document.

Scripts rely on these names: fields may be added, never renamed. IDs are integers, text is NFC.
"""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import String, and_, cast, func, not_, or_
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from sohoa.archive import access, checkpoints, corrections, derivatives, records, review, trail
from sohoa.archive.models import (
    DISPOSED,
    VIETNAM,
    Batch,
    Disposal,
    Document,
    Event,
    IngestJob,
    Page,
    Procedure,
    ProcedureLink,
    User,
)
from sohoa.archive.settings import Settings
from sohoa.archive.verify import Verification
from sohoa.ingest import page_images, preserve
from sohoa.ingest.pdfa import PDFA
from sohoa.ingest.pipeline import BatchReport, FileOutcome
from sohoa.ingest.repair import Repaired
from sohoa.iso_procedures import links, registry, retention
from sohoa.search import SearchIndex, SearchResults, highlight, owe, pay


def ingest_report(report: BatchReport) -> dict[str, Any]:
    return {
        "batch": {"id": report.batch_id, "started": report.started.isoformat()},
        "documents": [file_outcome(f) for f in report.files],
    }


def file_outcome(f: FileOutcome) -> dict[str, Any]:
    """What became of one file of an ingest (`ingest --json`'s documents, an upload's progress)."""
    return {
        "id": f.document_id,
        "name": f.name,
        "sha256": f.sha256,
        "status": f.status,
        "pages": f.pages,
        "error": f.error,
        "unread_pages": {str(n): why for n, why in f.unread.items()},
        "preservation_error": f.preservation_error,
    }


def batch_list(session: Session, limit: int, offset: int) -> dict[str, Any]:
    """`GET /api/batches`: the ingest runs, newest first, each with its files counted by state."""
    total = session.exec(select(func.count()).select_from(Batch)).one()
    batches = session.exec(
        select(Batch).order_by(Batch.id.desc()).offset(offset).limit(limit)
    ).all()
    counts: dict[int, dict[str, int]] = {batch.id: {} for batch in batches}
    if batches:
        rows = session.exec(
            select(IngestJob.batch_id, IngestJob.state, func.count())
            .where(IngestJob.batch_id.in_(list(counts)))
            .group_by(IngestJob.batch_id, IngestJob.state)
        )
        for batch_id, state, count in rows:
            counts[batch_id][state] = count
    return {
        "total": total,
        "offset": offset,
        "batches": [batch_summary(batch, counts[batch.id]) for batch in batches],
    }


def batch_summary(batch: Batch, counts: dict[str, int]) -> dict[str, Any]:
    """A batch: who ran it on what, when it started and finished (null while running, or if
    it was cut short), and its files counted by state (`pending`, `ingested`, `duplicate`,
    `failed`)."""
    return {
        "id": batch.id,
        "actor": batch.actor,
        "paths": batch.paths,
        "started": batch.started.isoformat(),
        "finished": batch.finished.isoformat() if batch.finished else None,
        "files": sum(counts.values()),
        "counts": counts,
    }


def batch_detail(session: Session, batch_id: int) -> dict[str, Any] | None:
    """`GET /api/batches/{id}`: the batch and every file's job (state, error, document), in
    the order the files were taken; None if there is no such batch."""
    batch = session.get(Batch, batch_id)
    if batch is None:
        return None
    jobs = session.exec(
        select(IngestJob).where(IngestJob.batch_id == batch_id).order_by(IngestJob.id)
    ).all()
    counts = dict(Counter(job.state for job in jobs))
    return {
        **batch_summary(batch, counts),
        "jobs": [
            {
                "id": job.id,
                "name": job.path,
                "state": job.state,
                "document_id": job.document_id,
                "sha256": job.sha256,
                "attempts": job.attempts,
                "error": job.error,
                "updated": job.updated.isoformat(),
            }
            for job in jobs
        ],
    }


def finding(f) -> dict[str, Any]:
    """`doctor --json`: one difference found (an `ingest.doctor.Finding`)."""
    return {
        "part": f.part,
        "problem": f.problem,
        "repair": f.repair,
        "document_id": f.document_id,
        "repaired": f.repaired,
    }


def search_results(results: SearchResults) -> dict[str, Any]:
    """`search --json` and `/api/search`: `total` documents matched, `hits` from `offset`, each
    with its best page, every matched page, and snippets (HTML, matches in `<mark>`) from its
    best pages; `facets` count every matched document; `suggestion` is "did you mean" ("" for
    none)."""
    return {
        "query": results.query,
        "total": results.total,
        "offset": results.offset,
        "sort": results.sort,
        "suggestion": results.suggestion,
        "hits": [
            {
                "document_id": h.document_id,
                "name": h.name,
                "page": h.page,
                "pages": h.pages,
                "score": h.score,
                "snippet": h.snippet,
                "snippets": [{"page": s.page, "text": s.text} for s in h.snippets],
                "metadata": h.metadata,
                "procedures": h.procedures,
            }
            for h in results.hits
        ],
        "facets": results.facets,
    }


def document_summary(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "name": document.name,
        "sha256": document.sha256,
        "status": document.status,
        "pages": document.page_count,
        "mime": document.mime,
        "size": document.size,
        "created": document.created.isoformat(),
        "error": document.error,
        "access": document.access,
    }


def document_detail(
    session: Session, document_id: int, viewer: str, via: str
) -> dict[str, Any] | None:
    """A document with its metadata and every page's repaired and raw text and the repair's
    edits between them; None if there is none. Reading a restricted record is an event, by
    `viewer` through `via` (cli, api), committed before the record is returned."""
    document = session.get(Document, document_id)
    if document is None:
        return None
    if access.record_view(session, document, viewer, via):
        session.commit()
    pages = session.exec(
        select(Page)
        .where(Page.document_id == document_id)
        .order_by(Page.number)
        .options(defer(Page.words))  # not shown, and the largest column by far
    ).all()
    return {
        **document_summary(document),
        "metadata": records.metadata_of(document),
        "retention": retention_object(retention.retention_of(session, document)),
        "disposal": disposal_object(
            session.exec(select(Disposal).where(Disposal.document_id == document_id)).first()
            if document.status == DISPOSED
            else None
        ),
        "pages": [page_object(p) for p in pages],
        "preservation": preservation_object(session, document),
    }


def page_object(page: Page) -> dict[str, Any]:
    """One page as `show --json` and the API show it: its repaired and raw text, the repair's
    edits, its flags, its size and how it was prepared."""
    return {
        "number": page.number,
        "text": page.text,
        "raw_text": page.raw_text,
        "confidence": page.confidence,
        "width": page.width,
        "height": page.height,
        "dpi": page.dpi,
        "edits": page.edits,
        "review_count": page.review_count,
        "error": page.error,
        "flags": page.flags,
        "flags_checked": page.flags_checked,
        "preparation": page.preparation,
        "text_source": page.text_source,
    }


def page_detail(
    session: Session, document_id: int, number: int, viewer: str, via: str
) -> dict[str, Any]:
    """`GET /api/documents/{id}/pages/{n}`: one page (`page_object`) with its document's id and
    access and its OCR words (text, box [left, top, width, height] in the coordinates of the
    page's image as prepared, conf, line); reading a restricted record's page is a
    `document.viewed` event, committed first. NoSuchDocument."""
    document, page = _document_page(session, document_id, number)
    if access.record_view(session, document, viewer, via):
        session.commit()
    return {
        "document_id": document_id,
        "access": document.access,
        **page_object(page),
        "words": page.words,
    }


def page_picture(
    settings: Settings,
    session: Session,
    document_id: int,
    number: int,
    width: int | None,
    viewer: str,
    via: str,
) -> tuple[Path, str]:
    """The page's image as prepared (`ingest.page_images`; its name, a hash of what it is made
    of, serves as its ETag), scaled to `width` if asked, and its document's access. A
    restricted record's page image is a `document.viewed` event like its text.
    NoSuchDocument, `NoPageImage` (disposed, original missing) or `PageImageError`."""
    document = session.get(Document, document_id)
    if document is None:
        raise NoSuchDocument(f"no document with id {document_id}")
    if access.record_view(session, document, viewer, via):
        session.commit()
    image = page_images.page_image(settings, session, document_id, number, width)
    return image, document.access


def page_matches(session: Session, document_id: int, number: int, query: str) -> dict[str, Any]:
    """`GET /api/documents/{id}/pages/{n}/matches?q=`: which of the page's OCR words the query
    matches as search matches them (`search.highlight`), their boxes, and the page's size the
    boxes are measured in. NoSuchDocument, or QueryError."""
    _, page = _document_page(session, document_id, number)
    indices = highlight.matched_words(page.words, query, page.raw_text, page.text)
    return {
        "words": indices,
        "boxes": [page.words[i]["box"] for i in indices],
        "width": page.width,
        "height": page.height,
    }


def _document_page(session: Session, document_id: int, number: int) -> tuple[Document, Page]:
    document = session.get(Document, document_id)
    if document is None:
        raise NoSuchDocument(f"no document with id {document_id}")
    return document, _page(session, document_id, number)


def preservation_object(session: Session, document: Document) -> dict[str, Any] | None:
    """The document's PDF/A copy as recorded (None before one is made); `outdated` when its
    text or metadata changed since (it is made again when next asked for)."""
    derivative = derivatives.current(session, document.id)
    if derivative is None:
        return None
    return {
        "format": PDFA,
        "sha256": derivative.sha256,
        "size": derivative.size,
        "created": derivative.created.isoformat(),
        "outdated": document.preserve_pending,
    }


def preservation_copy(
    settings: Settings, engine, document_id: int, viewer: str, via: str
) -> tuple[Path, dict[str, Any]]:
    """The path of the document's PDF/A copy and its `preservation_object` (`sohoa pdf`, `GET
    /api/documents/{id}/pdf`), made first if it is missing, damaged or outdated. Reading a
    restricted record's copy is a `document.viewed` event like reading its text.
    NoSuchDocument, or ValueError for a document with no pages to copy; `PreservationError` if
    the copy cannot be made."""
    with Session(engine) as session:
        document = session.get(Document, document_id)
        if document is None:
            raise NoSuchDocument(f"no document with id {document_id}")
        if document.status != "ingested":
            raise ValueError(f"document #{document_id} is {document.status}: it has no copy")
        if access.record_view(session, document, viewer, f"{via} pdf"):
            session.commit()
        stored = None
        if not document.preserve_pending:
            stored = derivatives.intact(settings, session, document_id)
    if stored is None:
        made = preserve.preserve(settings, engine, document_id, viewer)
        stored = derivatives.stored_path(settings, made.sha256)
    with Session(engine) as session:
        return stored, preservation_object(session, session.get(Document, document_id))


def _copy_outdated(session: Session, document_id: int) -> None:
    """The document's preservation copy no longer says what the record says: it is made
    again when next asked for, or by the next ingest."""
    document = session.get(Document, document_id)
    document.preserve_pending = True
    session.add(document)


def repair_result(repaired: Repaired, encoding: str | None) -> dict[str, Any]:
    """`sohoa repair --json`: the repaired text, each edit in the same shape a page stores, and
    the legacy 8-bit encoding the input was converted from (`tcvn3`, `vni`) or None."""
    return {
        "text": repaired.text,
        "edits": [edit.as_dict() for edit in repaired.edits],
        "encoding": encoding,
    }


def document_list(
    session: Session, limit: int, offset: int, restricted: bool = True
) -> dict[str, Any]:
    """Documents by id; restricted records left out (and not counted) unless `restricted`."""
    shown = select(Document) if restricted else select(Document).where(Document.access == "open")
    total = session.exec(select(func.count()).select_from(shown.subquery())).one()
    documents = session.exec(shown.order_by(Document.id).offset(offset).limit(limit)).all()
    return {"total": total, "documents": [document_summary(d) for d in documents]}


class NoSuchDocument(LookupError):
    """The document asked for does not exist."""


@dataclass
class MetadataEdit:
    """What `edit_metadata` did: each field's value before and after, and the metadata now."""

    document_id: int
    changes: list[tuple[str, str, str]]  # (field, old, new), in the order asked
    metadata: dict[str, Any]


def edit_metadata(
    session: Session, index: SearchIndex, document_id: int, values: Mapping[str, str], actor: str
) -> MetadataEdit:
    """Correct fields of a document's metadata as a person read them (`sohoa edit`, `PATCH
    /api/documents/{id}/metadata`): every value is checked before any is stored, the changes
    and their `metadata.corrected` events commit together, then the document's pages are
    indexed again so its search fields follow. NoSuchDocument, or ValueError saying which
    field or value is wrong."""
    document = session.get(Document, document_id)
    if document is None:
        raise NoSuchDocument(f"no document with id {document_id}")
    if not values:
        raise ValueError(f"no field to change; the fields are: {', '.join(records.FIELDS)}")
    for field, value in values.items():
        records.normalize_value(field, value)
    before = records.metadata_of(document)
    for field, value in values.items():
        records.correct(session, document, field, value, actor)
    owe(session, document_id)
    _copy_outdated(session, document_id)  # its XMP metadata says what the record said
    session.commit()
    metadata = records.metadata_of(document)
    pay(index, session, [document_id])
    changes = [(field, before[field], metadata[field]) for field in values]
    return MetadataEdit(document_id, changes, metadata)


def local_time(moment: datetime) -> str:
    """A stored UTC time as people in Vietnam read it."""
    return moment.astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M:%S (UTC+7)")


def trail_verification(result: Verification) -> dict[str, Any]:
    """`trail verify --json`: `ok`, then what was checked; `problems` in the order found, each
    with `kind` (event | checkpoint | original | against), `where` and `message`."""
    checkpoint = result.checkpoint
    return {
        "ok": result.ok,
        "events": result.events,
        "root": result.root,
        "checkpoint": None
        if checkpoint is None
        else {
            "id": checkpoint.id,
            "tree_size": checkpoint.tree_size,
            "root": checkpoint.root,
            "time": trail.format_time(checkpoint.time),
        },
        "key": None
        if result.key is None
        else {"name": result.key.name, "fingerprint": result.key.fingerprint},
        "against": None
        if result.against is None
        else {
            "tree_size": result.against.tree_size,
            "root": result.against.root.hex(),
            "time": trail.format_time(result.against.time),
        },
        "originals": {"checked": result.originals_checked, "disposed": result.originals_disposed},
        "problems": [
            {"kind": p.kind, "where": p.where, "message": p.message} for p in result.problems
        ],
        "warnings": result.warnings,
    }


def procedure(row: Procedure, linked: int | None = None) -> dict[str, Any]:
    """`procedures list|show --json` and `/api/procedures`: one version of a procedure;
    `retention_years` null means kept permanently; `status` current | obsolete | retired."""
    shown = {
        "code": row.code,
        "version": row.version,
        "title": row.title,
        "clauses": row.clauses,
        "owner": row.owner,
        "record_types": row.record_types,
        "keywords": row.keywords,
        "retention_years": row.retention_years,
        "status": row.status,
        "effective": trail.format_time(row.effective),
        "superseded": trail.format_time(row.superseded) if row.superseded else None,
    }
    if linked is not None:
        shown["linked_documents"] = linked
    return shown


def procedure_detail(
    session: Session, code: str, version: int | None = None, restricted: bool = True
) -> dict[str, Any]:
    """A procedure (its newest version, or the one asked for), every version of it, and the
    documents linked to it with how and why; restricted records left out (and not counted)
    unless `restricted`."""
    row = registry.get(session, code, version)
    linked = links.documents_of(session, row.code)
    if not restricted:
        linked = [(d, link) for d, link in linked if d.access != "restricted"]
    return {
        **procedure(row, len(linked)),
        "versions": [procedure(v) for v in registry.versions(session, row.code)],
        "documents": [{**document_summary(d), **procedure_link(link)} for d, link in linked],
    }


def procedure_link(link: ProcedureLink) -> dict[str, Any]:
    return {
        "link": {
            "code": link.code,
            "source": link.source,
            "reason": link.reason,
            "actor": link.actor,
            "created": trail.format_time(link.created),
        }
    }


def link_by_rules(
    session: Session, index: SearchIndex | None, actor: str, dry_run: bool
) -> list[dict[str, Any]]:
    """`procedures apply-rules`: the rules run over every record again; the links made (or that
    would be), committed, and their documents indexed again."""
    made = links.link_by_rules(session, actor, dry_run)
    if not dry_run:
        changed = sorted({document_id for document_id, _, _ in made})
        for document_id in changed:
            owe(session, document_id)
        session.commit()
        pay(index, session, changed)
    return [{"document_id": d, "code": code, "reason": reason} for d, code, reason in made]


def procedure_list(
    session: Session, everything: bool = False, restricted: bool = True
) -> list[dict[str, Any]]:
    """Each procedure with how many records prove it (restricted ones not counted unless
    `restricted`)."""
    counted = select(ProcedureLink.code, func.count()).group_by(ProcedureLink.code)
    if not restricted:
        counted = counted.join(Document, Document.id == ProcedureLink.document_id).where(
            Document.access == "open"
        )
    counts = dict(session.exec(counted).all())
    return [procedure(p, counts.get(p.code, 0)) for p in registry.listing(session, everything)]


def change_link(
    session: Session,
    index: SearchIndex,
    document_id: int,
    code: str,
    actor: str,
    reason: str,
    linked: bool,
) -> list[str]:
    """`sohoa link` / `unlink` (and their API routes): link or unlink by hand with a reason,
    commit, and index the document again so `procedure:` finds it. Returns the document's codes
    after the change. LinkError says what is refused."""
    if linked:
        links.link(session, document_id, code, actor=actor, source="manual", reason=reason)
    else:
        links.unlink(session, document_id, code, actor=actor, reason=reason)
    owe(session, document_id)
    session.commit()
    pay(index, session, [document_id])
    return [link.code for link in links.links_of(session, document_id)]


def retention_object(kept: retention.Retention) -> dict[str, Any]:
    """How long a record is kept: the `procedures` it proves, `years` (null: permanently, or
    none set when it proves no procedure) and `until`, the last day it must be kept."""
    return {
        "procedures": kept.codes,
        "years": kept.years,
        "permanent": kept.permanent,
        "until": kept.until.isoformat() if kept.until else None,
    }


def disposal_object(tombstone: Disposal | None) -> dict[str, Any] | None:
    if tombstone is None:
        return None
    return {
        "document_id": tombstone.document_id,
        "sha256": tombstone.sha256,
        "name": tombstone.name,
        "procedures": tombstone.procedures,
        "retention_until": tombstone.retention_until,
        "disposed": trail.format_time(tombstone.disposed),
        "actor": tombstone.actor,
        "reason": tombstone.reason,
    }


def retention_due(session: Session, today: date) -> list[dict[str, Any]]:
    """`retention due --json`: the records past their retention on `today`, oldest first."""
    return [
        {**document_summary(kept.document), "retention": retention_object(kept)}
        for kept in retention.due(session, today)
    ]


def dispose_document(
    session: Session,
    index: SearchIndex,
    settings: Settings,
    document_id: int,
    actor: str,
    reason: str,
    today: date,
) -> dict[str, Any]:
    """`retention dispose`: the disposal (tombstone and event), then the record leaves search."""
    tombstone = retention.dispose(session, settings, document_id, actor, reason, today)
    index.delete(document_id)
    return disposal_object(tombstone)


def change_access(
    session: Session, index: SearchIndex, document_id: int, level: str, actor: str, reason: str
) -> dict[str, Any]:
    """`sohoa access` (and `PUT /api/documents/{id}/access`): the change committed with its
    event, then the document indexed again, so that searches for those who may not read a
    restricted record leave it out from now on. NoSuchDocument, or ValueError."""
    document = session.get(Document, document_id)
    if document is None:
        raise NoSuchDocument(f"no document with id {document_id}")
    changed = access.set_access(session, document, level, actor, reason)
    if changed:
        owe(session, document_id)
    session.commit()
    if changed:
        pay(index, session, [document_id])
    return {"document_id": document_id, "access": document.access, "changed": changed}


def user_object(user: User) -> dict[str, Any]:
    """A user as the API shows one: never the password's hash."""
    return {
        "name": user.name,
        "role": user.role,
        "active": user.active,
        "created": user.created.isoformat(),
    }


HISTORY_ACTIONS = (
    "document.ingested",
    "metadata.corrected",
    "access.changed",
    "procedure.linked",
    "procedure.unlinked",
    "repair.reviewed",
    "text.corrected",
    "page.checked",
)


def document_history(session: Session, document_id: int) -> list[dict[str, Any]]:
    """What people did to a record after it was read in, oldest first, as `trail log
    --document` shows it but only the events a reader cares about (`HISTORY_ACTIONS`: its
    ingest, metadata corrections, access changes, procedure links, review decisions), not the
    pipeline's steps or the readings of a restricted record."""
    rows = session.exec(
        select(Event)
        .where(
            Event.object_type == "document",
            Event.object_id == document_id,
            Event.action.in_(HISTORY_ACTIONS),
        )
        .order_by(Event.seq)
    ).all()
    return [event(row) for row in rows]


def document_words(session: Session, document_id: int) -> dict[int, list[dict[str, Any]]]:
    """Each page's OCR words (text, box [left, top, width, height] in the page's coordinates,
    conf, line) by page number: what the reading page highlights on the page's image."""
    rows = session.exec(
        select(Page.number, Page.words).where(Page.document_id == document_id)
    ).all()
    return {number: words for number, words in rows}


def event(row: Event) -> dict[str, Any]:
    """`trail log --json`: one event as the trail holds it (`details` parsed)."""
    return {
        "seq": row.seq,
        "time": trail.format_time(row.time),
        "actor": row.actor,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "details": json.loads(row.details),
        "leaf_hash": row.leaf_hash,
    }


def trail_page(
    session: Session,
    limit: int,
    offset: int = 0,
    *,
    document_id: int | None = None,
    action: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
) -> dict[str, Any]:
    """`GET /api/trail`: `total` events match; `events` the `limit` of them before the `offset`
    newest, oldest first (as `trail log --json` prints them)."""
    chosen = {"document_id": document_id, "action": action, "actor": actor, "since": since}
    rows = trail.find(session, limit=limit, offset=offset, **chosen)
    return {
        "total": trail.count(session, **chosen),
        "limit": limit,
        "offset": offset,
        "events": [event(row) for row in rows],
    }


def event_proof(session: Session, seq: int) -> dict[str, Any]:
    """`trail proof SEQ --json`: an event, its canonical bytes (base64) and its inclusion proof
    in the tree of the latest checkpoint, checked; LookupError if there is no such event or no
    checkpoint covers it yet."""
    row = session.exec(select(Event).where(Event.seq == seq)).first()
    if row is None:
        raise LookupError(f"no event {seq}")
    latest = checkpoints.latest(session)
    inclusion = checkpoints.SignedTree(session, latest).prove(row)
    if inclusion is None:
        raise LookupError(f"event {seq} is not sealed by a checkpoint yet")
    return {
        "event": event(row),
        "canonical": base64.b64encode(trail.canonical_bytes(row)).decode(),
        "leaf_index": inclusion.index,
        "tree_size": latest.tree_size,
        "root": latest.root,
        "inclusion": [h.hex() for h in inclusion.proof],
        "included": inclusion.included,
        "checkpoint": latest.note,
    }


def review_edit(
    session: Session,
    index: SearchIndex,
    document_id: int,
    page_number: int,
    edit_number: int,
    decision: str,
    actor: str,
) -> dict[str, Any]:
    """`sohoa review` (and `POST /api/documents/{id}/pages/{n}/edits/{k}`): accept or reject
    one repair edit, commit with its `repair.reviewed` event, index the document again.
    NoSuchDocument, or ValueError (`review.ReviewError`) saying why."""
    page = _page(session, document_id, page_number)
    edit = review.decide(session, page, edit_number, decision, actor)
    owe(session, document_id)
    if edit["reviewed"] == "rejected":  # the page's text changed: so must the copy's
        _copy_outdated(session, document_id)
    session.commit()
    pay(index, session, [document_id])
    return {"document_id": document_id, "page": page_number, "edit": edit_number, **edit}


def edits_to_review(session: Session, document_id: int) -> list[dict[str, Any]]:
    """The repair edits of a document still flagged for a person's review, with their line."""
    pages = session.exec(
        select(Page).where(Page.document_id == document_id).order_by(Page.number)
    ).all()
    flagged = []
    for page in pages:
        lines = page.text.split("\n")
        for number, edit in enumerate(page.edits, start=1):
            if edit.get("review"):
                line = lines[edit["line"] - 1] if edit["line"] <= len(lines) else ""
                flagged.append({"page": page.number, "edit": number, **edit, "text": line})
    return flagged


def _page(session: Session, document_id: int, page_number: int) -> Page:
    page = session.exec(
        select(Page).where(Page.document_id == document_id, Page.number == page_number)
    ).first()
    if page is None:
        raise NoSuchDocument(f"document #{document_id} has no page {page_number}")
    return page


@dataclass(frozen=True)
class WordPlace:
    """Where the word to correct is: an edit's number, or a line and offsets of the text now."""

    edit: int | None = None
    line: int | None = None
    start: int | None = None
    end: int | None = None
    found: str | None = None  # the wrong word as the page says it (on `line`, if given)


def correct_word(
    session: Session,
    index: SearchIndex,
    document_id: int,
    page_number: int,
    where: WordPlace,
    word: str,
    actor: str,
) -> dict[str, Any]:
    """`sohoa review DOC PAGE EDIT correct WORD` (and `POST /api/documents/{id}/pages/{n}/
    corrections`): put the word the paper says in the page's text, commit it with its
    `text.corrected` event and what it taught the user dictionary, index the document again
    and mark its PDF/A copy outdated. The page afterwards, with the edit that records the
    correction (`corrected`). NoSuchDocument, or ValueError (`CorrectionError`) saying why."""
    page = _page(session, document_id, page_number)
    corrected = corrections.correct(
        session,
        page,
        word,
        actor,
        edit=where.edit,
        line=where.line,
        start=where.start,
        end=where.end,
        found=where.found,
    )
    owe(session, document_id)
    _copy_outdated(session, document_id)
    session.commit()
    pay(index, session, [document_id])
    return {"document_id": document_id, **page_object(page), "corrected": corrected}


def check_page(session: Session, document_id: int, page_number: int, actor: str) -> dict[str, Any]:
    """A person saw to a flagged page: committed with its `page.checked` event."""
    page = _page(session, document_id, page_number)
    flags = review.check_page(session, page, actor)
    session.commit()
    return {"document_id": document_id, "page": page_number, "flags": flags, "checked": True}


def _awaiting_review(restricted: bool):
    """Pages a person must look at: edits awaiting review, or flags nobody has checked; of
    ingested documents, restricted ones only if `restricted`."""
    waiting = or_(
        Page.review_count > 0, and_(cast(Page.flags, String) != "[]", not_(Page.flags_checked))
    )
    shown = select(Page, Document).join(Document).where(Document.status == "ingested", waiting)
    return shown if restricted else shown.where(Document.access == "open")


def review_queue(session: Session, restricted: bool, limit: int, offset: int) -> dict[str, Any]:
    """`GET /api/review`: the pages that need a person, oldest batch first (then by document and
    page; documents of no batch first), each with its flags and every edit still awaiting
    review: where it stands in the text now (`at`), its line, what OCR read (`before`) and what
    repair made (`after`). `total` counts every such page."""
    shown = _awaiting_review(restricted)
    total = session.exec(select(func.count()).select_from(shown.subquery())).one()
    rows = session.exec(
        shown.order_by(Document.batch_id, Document.id, Page.number).offset(offset).limit(limit)
    ).all()
    return {"total": total, "offset": offset, "items": [_queue_item(p, d) for p, d in rows]}


def _queue_item(page: Page, document: Document) -> dict[str, Any]:
    """One page of the queue; each edit with `box`, the OCR word's [left, top, width, height] on
    the page's image (`GET /api/documents/{id}/pages/{n}/image`, `width` × `height` pixels),
    or None when it cannot be told."""
    lines = page.text.split("\n")
    edits = []
    on_image = highlight.raw_token_words(page.words, page.raw_text) if page.words else {}
    raw_lines = page.raw_text.split("\n")
    for number, edit in enumerate(page.edits, start=1):
        if edit.get("review"):
            at = corrections.place_of(page.edits, number - 1)
            line = lines[at.line - 1] if at.line <= len(lines) else ""
            place = {"line": at.line, "start": at.start, "end": at.end}
            word = _token_at(on_image, raw_lines, edit["line"], edit["start"])
            box = None if word is None else page.words[word].get("box")
            edits.append({"edit": number, **edit, "at": place, "text": line, "box": box})
    return {
        "document_id": document.id,
        "name": document.name,
        "access": document.access,
        "batch_id": document.batch_id,
        "page": page.number,
        "confidence": page.confidence,
        "flags": [] if page.flags_checked else page.flags,
        "review_count": page.review_count,
        "width": page.width,
        "height": page.height,
        "edits": edits,
    }


def _token_at(
    on_image: dict[tuple[int, int], int], raw_lines: list[str], line: int, start: int
) -> int | None:
    """The OCR word of the raw line's token that holds offset `start` (an edit's word is a
    token's core: punctuation may come before it)."""
    text = raw_lines[line - 1] if line <= len(raw_lines) else ""
    for match in re.finditer(r"\S+", text):
        if match.start() <= start < match.end():
            return on_image.get((line, match.start()))
    return None
