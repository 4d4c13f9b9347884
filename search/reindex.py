"""Rebuilding the index from the database: resumable, with progress, never leaving search dark.

`reindex` writes a new index beside the live one, whole documents in id order, with a
checkpoint at each commit (every 20,000 pages for Whoosh); killed half-way, the same command
picks up after the checkpoint. The old index answers searches, and takes the archive's changes,
until the new one is complete and takes its place.

`ready_index` is what every command and the web app open the index with: an index that is
missing, unreadable or of an older format is rebuilt from the database there and then (the
reason is reported), so a broken index is a pause, never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from sohoa.archive import crashpoints
from sohoa.archive.models import Document
from sohoa.search.engine import SearchIndex
from sohoa.search.source import archive_page_count, document_batches, document_pages

Progress = Callable[[int, int], None]  # (pages done, pages in all)


@dataclass
class ReindexReport:
    pages: int  # pages in the new index
    resumed_after: int  # the checkpoint picked up (a document id), 0 for a fresh start


def reindex(
    index: SearchIndex,
    database: Engine,
    progress: Progress | None = None,
    resume: bool = True,
    pages_per_batch: int = 1000,
    segment_pages: int | None = None,
) -> ReindexReport:
    """Build the index again from every ingested page and put it in place of the old one.
    Documents written to the live index meanwhile (ingested, corrected) are read again from
    the database at the end, so the new index misses none of them."""
    more = {} if segment_pages is None else {"segment_pages": segment_pages}
    builder = index.start_rebuild(resume=resume, **more)
    resumed_after = builder.after_document
    try:
        with Session(database) as session:
            total = archive_page_count(session)
            if progress:
                progress(builder.pages, total)
            for batch in document_batches(session, builder.after_document, pages_per_batch):
                builder.add(batch)
                if progress:
                    progress(builder.pages, max(total, builder.pages))
            while changed := builder.take_changed():
                pages = [p for d in sorted(changed) for p in document_pages(session, d)]
                builder.replace(changed, pages)
    except BaseException:
        builder.close()
        raise
    builder.finish()
    return ReindexReport(builder.pages, resumed_after)


def ready_index(
    index: SearchIndex,
    database: Engine,
    on_rebuild: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> SearchIndex:
    """`index`, rebuilt from the database first if it cannot serve as it is."""
    problem = index.problem()
    if problem is not None:
        if on_rebuild:
            on_rebuild(problem)
        reindex(index, database, progress, resume=True)
    return index


def owe(session: Session, document_id: int) -> None:
    """Mark a document the index must be given again, in the transaction that changes it: if
    the process dies between that commit and the index write, the next ingest or `sohoa doctor
    --repair` writes it (`catch_up`). `pay` clears the mark once the index has it."""
    session.get(Document, document_id).index_pending = True


def pay(index: SearchIndex, session: Session, document_ids) -> None:
    """Give the index these documents as the database holds them now (a document no longer
    ingested leaves it), then clear their `index_pending` marks. Writing one twice does no
    harm, so a document owed and paid by two processes ends the same."""
    if not document_ids:
        return
    crashpoints.reached("after-commit")
    for document_id in document_ids:
        pages = document_pages(session, document_id)
        if pages:
            index.index_pages(pages)
        else:
            index.delete(document_id)
        session.get(Document, document_id).index_pending = False
    session.commit()


def catch_up(index: SearchIndex, database: Engine) -> int:
    """Pay every document the index is owed (saved, then the process was killed before the
    index took it); return how many."""
    with Session(database) as session:
        owed = session.exec(select(Document.id).where(Document.index_pending)).all()
        pay(index, session, owed)
    return len(owed)
