"""The stable JSON objects: what `--json` prints and what the HTTP API returns, built in one place;
and `edit_metadata`, the one change both faces make to a document.

Scripts rely on these names: fields may be added, never renamed. IDs are integers, text is NFC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from sohoa.archive import records, trail
from sohoa.archive.models import Document, Page
from sohoa.archive.verify import Verification
from sohoa.ingest.pipeline import BatchReport
from sohoa.ingest.repair import Repaired
from sohoa.search import SearchIndex, SearchResults, document_pages


def ingest_report(report: BatchReport) -> dict[str, Any]:
    return {
        "batch": {"id": report.batch_id, "started": report.started.isoformat()},
        "documents": [
            {
                "id": f.document_id,
                "name": f.name,
                "sha256": f.sha256,
                "status": f.status,
                "pages": f.pages,
                "error": f.error,
            }
            for f in report.files
        ],
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
    }


def document_detail(session: Session, document_id: int) -> dict[str, Any] | None:
    """A document with its metadata and every page's repaired and raw text and the repair's
    edits between them; None if there is none."""
    document = session.get(Document, document_id)
    if document is None:
        return None
    pages = session.exec(
        select(Page).where(Page.document_id == document_id).order_by(Page.number)
    ).all()
    return {
        **document_summary(document),
        "metadata": records.metadata_of(document),
        "pages": [
            {
                "number": p.number,
                "text": p.text,
                "raw_text": p.raw_text,
                "confidence": p.confidence,
                "width": p.width,
                "height": p.height,
                "dpi": p.dpi,
                "edits": p.edits,
                "review_count": p.review_count,
            }
            for p in pages
        ],
    }


def repair_result(repaired: Repaired, encoding: str | None) -> dict[str, Any]:
    """`sohoa repair --json`: the repaired text, each edit in the same shape a page stores, and
    the legacy 8-bit encoding the input was converted from (`tcvn3`, `vni`) or None."""
    return {
        "text": repaired.text,
        "edits": [edit.as_dict() for edit in repaired.edits],
        "encoding": encoding,
    }


def document_list(session: Session, limit: int, offset: int) -> dict[str, Any]:
    total = session.exec(select(func.count()).select_from(Document)).one()
    documents = session.exec(
        select(Document).order_by(Document.id).offset(offset).limit(limit)
    ).all()
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
    session.commit()
    metadata = records.metadata_of(document)
    pages = document_pages(session, document_id)
    if pages:  # a document not (yet) ingested has no pages in the index
        index.index_pages(pages)
    changes = [(field, before[field], metadata[field]) for field in values]
    return MetadataEdit(document_id, changes, metadata)


VIETNAM = timezone(timedelta(hours=7), "ICT")  # Asia/Ho_Chi_Minh: UTC+7 all year, no DST


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
