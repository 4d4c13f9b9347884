"""Where the index's pages come from: the archive's database, which is the only truth."""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session, select

from sohoa.archive.models import Document, Page
from sohoa.search.engine import IndexedPage


def indexed_page(page: Page, name: str, metadata: dict | None = None) -> IndexedPage:
    """A stored page as the index sees it; `metadata` is its document's `record_metadata`."""
    return IndexedPage(
        page.document_id, name, page.number, page.text, page.raw_text, dict(metadata or {})
    )


def archive_pages(session: Session) -> Iterator[IndexedPage]:
    """Every page of every ingested document, for rebuilding the index."""
    yield from _pages(session, Document.status == "ingested")


def document_pages(session: Session, document_id: int) -> list[IndexedPage]:
    """Every page of one ingested document (none for a document not ingested), to index it
    again after a change to its pages or its metadata."""
    return list(_pages(session, Document.id == document_id, Document.status == "ingested"))


def _pages(session: Session, *conditions) -> Iterator[IndexedPage]:
    rows = session.exec(
        select(Page, Document.name, Document.record_metadata)
        .join(Document, Document.id == Page.document_id)
        .where(*conditions)
        .order_by(Page.document_id, Page.number)
    )
    for page, name, metadata in rows:
        yield indexed_page(page, name, metadata)
