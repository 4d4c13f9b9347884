"""The stable JSON objects: what `--json` prints and what the HTTP API returns, built in one place.

Scripts rely on these names: fields may be added, never renamed. IDs are integers, text is NFC.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from sohoa.archive.models import Document, Page
from sohoa.ingest.pipeline import BatchReport
from sohoa.search import SearchResults


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
    return {
        "query": results.query,
        "total": results.total,
        "hits": [
            {
                "document_id": h.document_id,
                "name": h.name,
                "page": h.page,
                "pages": h.pages,
                "score": h.score,
                "snippet": h.snippet,
            }
            for h in results.hits
        ],
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
    """A document with its metadata and every page's best and raw text; None if there is none."""
    document = session.get(Document, document_id)
    if document is None:
        return None
    pages = session.exec(
        select(Page).where(Page.document_id == document_id).order_by(Page.number)
    ).all()
    return {
        **document_summary(document),
        "metadata": document.record_metadata,
        "pages": [
            {
                "number": p.number,
                "text": p.text,
                "raw_text": p.raw_text,
                "confidence": p.confidence,
                "width": p.width,
                "height": p.height,
                "dpi": p.dpi,
            }
            for p in pages
        ],
    }


def document_list(session: Session, limit: int, offset: int) -> dict[str, Any]:
    total = session.exec(select(func.count()).select_from(Document)).one()
    documents = session.exec(
        select(Document).order_by(Document.id).offset(offset).limit(limit)
    ).all()
    return {"total": total, "documents": [document_summary(d) for d in documents]}
