"""One page of a stored document, read by a worker: rasterize → prepare → OCR → repair → stored.

This is the unit of work an ingest spread over machines hands out (`ingest.distributed`, one
Celery task per page): the stages are the in-process pipeline's own (`rasterize` with `only`,
`read_page`, `page_row`), run on one page of the original in shared storage, and the result is
one `Page` row. Nothing else is written: no trail event and no search index (the writer does
both when the document's last page is in, `ingest.distributed.QueuedIngester.finish`).

A task may run twice (its worker died before acknowledging it, or Redis gave it out again):
the page is keyed by (document, page number), a unique pair in the database, so the second run
finds it stored and stores nothing. Scratch images go to a temporary folder of the worker's own
machine, never to the shared storage.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import Engine, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from sohoa.archive import corrections, storage
from sohoa.archive.database import write_lock
from sohoa.archive.models import Document, Page
from sohoa.archive.settings import Settings
from sohoa.ingest.ocr import OcrFailed, OcrTimeout
from sohoa.ingest.pipeline import not_read, page_row
from sohoa.ingest.rasterize import Limits, rasterize
from sohoa.ingest.read import read_page
from sohoa.ingest.text_layer import read_layer


def read_stored_page(
    settings: Settings, engine: Engine, document_id: int, kind: str, number: int
) -> bool:
    """Read page `number` of a stored document and store it; False if it was stored already
    (this task ran before) or the document is no longer being read. A page OCR gives up on
    (timed out, Tesseract crashed) is stored without text and with its reason, as in-process;
    anything else raises, for the task to try again."""
    with Session(engine) as session:
        document = session.get(Document, document_id)
        if document is None or document.status != "processing":
            return False
        if _stored(session, document_id, number):
            return False
        sha256 = document.sha256
        dictionary = corrections.learnt(session)
    original = storage.original_path(settings.originals_dir, sha256)
    limits = Limits(settings.max_pages, settings.max_page_pixels)
    with tempfile.TemporaryDirectory(prefix="sohoa-page-") as scratch:
        [image] = rasterize(original, kind, Path(scratch), settings.ocr_dpi, limits, only=number)
        layer = read_layer(original, image) if kind == "pdf" else None
        try:
            read = read_page(
                image.path,
                settings.ocr_lang,
                image.dpi,
                image.width,
                image.height,
                timeout=settings.ocr_page_timeout,
                layer=layer,
                clean=settings.prepare_clean,
            )
            error = None
        except (OcrTimeout, OcrFailed) as stopped:
            read, error = not_read(image, getattr(stopped, "preparation", None)), str(stopped)
        page, _ = page_row(document_id, image, read, error, dictionary)
    return store_page(engine, page)


def store_page(engine: Engine, page: Page) -> bool:
    """Store a page once: False if its (document, number) is taken already, or its document
    stopped being read meanwhile (failed by the writer)."""
    with Session(engine) as session:
        write_lock(session)
        document = session.get(Document, page.document_id)
        if document is None or document.status != "processing":
            return False
        if _stored(session, page.document_id, page.number):
            return False
        session.add(page)
        try:
            session.commit()
        except IntegrityError:  # another worker stored it between the check and here
            return False
    return True


def all_stored(engine: Engine, document_id: int) -> bool:
    """Whether every page of the document is stored (the writer is called at the last one).
    Each page's task asks after storing its own, so the last to commit sees them all."""
    with Session(engine) as session:
        counted = select(func.count()).select_from(Page).where(Page.document_id == document_id)
        return session.exec(counted).one() >= session.get(Document, document_id).page_count


def _stored(session: Session, document_id: int, number: int) -> bool:
    found = select(Page.id).where(Page.document_id == document_id, Page.number == number)
    return session.exec(found).first() is not None
