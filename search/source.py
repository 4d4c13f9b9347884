"""Where the index's pages come from: the archive's database, which is the only truth."""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session, select

from sohoa.archive.models import Document, Page
from sohoa.search.engine import IndexedPage


def indexed_page(page: Page, name: str) -> IndexedPage:
    """A stored page as the index sees it."""
    return IndexedPage(page.document_id, name, page.number, page.text, page.raw_text)


def archive_pages(session: Session) -> Iterator[IndexedPage]:
    """Every page of every ingested document, for rebuilding the index."""
    rows = session.exec(
        select(Page, Document.name)
        .join(Document, Document.id == Page.document_id)
        .where(Document.status == "ingested")
        .order_by(Page.document_id, Page.number)
    )
    for page, name in rows:
        yield indexed_page(page, name)
