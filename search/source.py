"""Where the index's pages come from: the archive's database, which is the only truth."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func
from sqlmodel import Session, select

from sohoa.archive.corrections import searchable_raw
from sohoa.archive.models import Document, Page
from sohoa.search.engine import IndexedPage


def indexed_page(
    page: Page, name: str, metadata: dict | None = None, access: str = "open"
) -> IndexedPage:
    """A stored page as the index sees it; `metadata` is its document's `record_metadata`
    (its `procedures`, once the ISO trail links records to procedures, are indexed too), and
    `access` its document's (a restricted one can be left out of a search). A
    blank page is held with no text: it stays a page of its document (the index's page counts
    match the archive's) but nothing a scanner's specks made of it can be found. The raw OCR
    text is indexed without the readings people corrected (`searchable_raw`)."""
    metadata = dict(metadata or {})
    procedures = tuple(metadata.get("procedures") or ())
    text, raw_text = ("", "") if "blank" in page.flags else (page.text, searchable_raw(page))
    return IndexedPage(
        page.document_id,
        name,
        page.number,
        text,
        raw_text,
        metadata,
        procedures,
        restricted=access == "restricted",
    )


def archive_pages(session: Session) -> Iterator[IndexedPage]:
    """Every page of every ingested document, in document order, for rebuilding the index."""
    for batch in document_batches(session):
        yield from batch


def document_batches(
    session: Session, after_document: int = 0, pages_per_batch: int = 1000
) -> Iterator[list[IndexedPage]]:
    """The pages of ingested documents with ids above `after_document`, in id order, as batches
    of whole documents of about `pages_per_batch` pages: what a resumable rebuild writes and
    checkpoints at a time. Read a batch at a time, so a large archive never sits in memory."""
    while True:
        ids = session.exec(
            select(Document.id)
            .where(Document.status == "ingested", Document.id > after_document)
            .order_by(Document.id)
            .limit(max(1, pages_per_batch // 4))
        ).all()
        if not ids:
            return
        batch = list(_pages(session, Document.id.in_(ids)))
        if batch:
            yield batch
        after_document = ids[-1]


def archive_page_count(session: Session) -> int:
    """How many pages the ingested documents have: the index should hold as many."""
    return session.exec(
        select(func.count(Page.id))
        .join(Document, Document.id == Page.document_id)
        .where(Document.status == "ingested")
    ).one()


def document_pages(session: Session, document_id: int) -> list[IndexedPage]:
    """Every page of one ingested document (none for a document not ingested), to index it
    again after a change to its pages, its metadata or its access."""
    return list(_pages(session, Document.id == document_id, Document.status == "ingested"))


def _pages(session: Session, *conditions) -> Iterator[IndexedPage]:
    rows = session.exec(
        select(Page, Document.name, Document.record_metadata, Document.access)
        .join(Document, Document.id == Page.document_id)
        .where(*conditions)
        .order_by(Page.document_id, Page.number)
    )
    for page, name, metadata, access in rows:
        yield indexed_page(page, name, metadata, access)
