"""The preservation copy of a document: made, stored by its hash, and recorded.

Every ingested document gets a PDF/A-2b copy (`pdfa.build_pdfa`): its page images with the
repaired text invisibly on the OCR's word boxes and the record's metadata in the XMP. The copy
is a derivative: the original is never touched; the copy is stored beside the originals under
its own SHA-256 (`preservation/`), the `derivative` row points at it, and its making is a
`document.preserved` event naming both hashes. Made again (a review changed the text), the new
copy takes the row and the old file stays where it was, so no stored file is ever rewritten. A
copy is reproducible: made again from the same pages and text it is the same file, byte for byte
(its dates are the record's, not the build's), so a copy made again after a crash is the one
already stored, and anyone can rebuild one and compare hashes.

The ingest makes the copy from the pages it has just read. Later (a copy lost, or a document
ingested before copies existed) it is made from the stored original: rendered again at the
resolution the pages were read at, and turned upright and straightened as they were (the
preparation each page records), so the OCR's boxes fall on the same pixels.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from sohoa.archive import crashpoints, derivatives, storage, trail
from sohoa.archive.database import write_lock
from sohoa.archive.models import VIETNAM, Derivative, Document, Event, Page, utcnow
from sohoa.archive.settings import Settings
from sohoa.ingest.geometry import as_prepared
from sohoa.ingest.identify import SUPPORTED
from sohoa.ingest.pdfa import PDFA, PdfaError, PdfInfo, PdfPage, build_pdfa
from sohoa.ingest.rasterize import Limits, RasterizeError, rasterize
from sohoa.ingest.text_placement import placed_lines

UNCHANGING = ("document.viewed", "document.preserved")  # events that leave the record as it was


class PreservationError(Exception):
    """A document's preservation copy cannot be made; the message says why."""


@dataclass(frozen=True)
class Plan:
    """What a copy is made of, read from the database: the document, its pages, its XMP."""

    document: Document
    pages: list[Page]
    info: PdfInfo


@dataclass(frozen=True)
class Built:
    """A copy made and stored, not yet recorded."""

    sha256: str
    size: int


def preserve(
    settings: Settings,
    engine: Engine,
    document_id: int,
    actor: str,
    images: list[Path] | None = None,
) -> Derivative:
    """Make, store and record the document's preservation copy, from `images` (its pages as
    just read, upright and straight) or, if None, from its stored original."""
    made = plan(settings, engine, document_id)
    return record(engine, made, build(settings, made, images), actor)


def plan(settings: Settings, engine: Engine, document_id: int) -> Plan:
    """Read what the document's copy is made of (the database's part of the work)."""
    with Session(engine, expire_on_commit=False) as session:
        document = session.get(Document, document_id)
        if document is None or document.status != "ingested":
            raise PreservationError(f"document #{document_id} is not an ingested document")
        pages = _pages(session, document_id)
        info = _info(document, _language(settings.ocr_lang), _text_time(session, document_id))
        session.expunge_all()  # plain objects from here: a worker thread may read them
    return Plan(document, pages, info)


def build(settings: Settings, plan: Plan, images: list[Path] | None = None) -> Built:
    """Make the copy and store it under its hash: no database, so it can run beside the OCR
    of other pages, in a worker thread."""
    document, pages = plan.document, plan.pages
    with tempfile.TemporaryDirectory(prefix="sohoa-preserve-") as scratch:
        work = Path(scratch)
        copy = work / "copy.pdf"
        try:
            if images is None:
                images = _rendered(settings, document, pages, work / "rendered")
            pdf_pages = [
                PdfPage(
                    image,
                    page.dpi,
                    placed_lines(page.words, page.raw_text, page.text),
                    page.preparation.get("resolution"),
                )
                for image, page in zip(images, pages, strict=True)
            ]
            build_pdfa(pdf_pages, plan.info, copy, work / "build")
        except (PdfaError, RasterizeError) as error:
            raise PreservationError(f"document #{document.id}: {error}") from error
        sha256 = storage.sha256_of(copy)
        _clear_damaged(settings, sha256)
        storage.store(settings.preservation_dir, copy, sha256)
        crashpoints.reached("mid-preserve")
        return Built(sha256, copy.stat().st_size)


def _clear_damaged(settings: Settings, sha256: str) -> None:
    """A stored copy at this address that no longer has its hash was damaged on disk; the
    same copy, made again, takes its place (unlike an original, a copy can be made again)."""
    stored = derivatives.stored_path(settings, sha256)
    if stored.is_file() and storage.sha256_of(stored) != sha256:
        stored.unlink()


def _pages(session: Session, document_id: int) -> list[Page]:
    pages = session.exec(
        select(Page).where(Page.document_id == document_id).order_by(Page.number)
    ).all()
    if not pages:
        raise PreservationError(f"document #{document_id} has no pages")
    return list(pages)


def _rendered(settings: Settings, document: Document, pages: list[Page], out: Path) -> list[Path]:
    """The document's pages rendered again from its original, as they were read."""
    original = storage.original_path(settings.originals_dir, document.sha256)
    if not original.is_file():
        raise PreservationError(f"the original of document #{document.id} is missing")
    limits = Limits(max_pages=len(pages), max_page_pixels=1 << 62)  # it was read once already
    images = rasterize(original, SUPPORTED[document.mime], out, pages[0].dpi, limits)
    if len(images) != len(pages):
        raise PreservationError(
            f"the original of document #{document.id} has {len(images)} pages, not {len(pages)}"
        )
    for image, page in zip(images, pages, strict=True):
        _set_upright(image.path, page.preparation, (page.width, page.height), document.id)
    return [image.path for image in images]


def _set_upright(path: Path, preparation: dict, size: tuple[int, int], document_id: int) -> None:
    """Turn and level a page image again as the prepare stage did when it was read (recorded
    in `preparation`), so its pixels are those the OCR's boxes were measured on."""
    with Image.open(path) as image:
        upright = as_prepared(image, preparation)
        upright.load()
    if upright.size != size:
        raise PreservationError(
            f"the original of document #{document_id} no longer renders as its pages were read"
        )
    upright.save(path, format="PPM")


def _text_time(session: Session, document_id: int) -> str:
    """When the document last changed (read, repaired, reviewed, described, corrected): the
    copy's date. Not the time it was built, so that a copy made again from the same text is
    the same file."""
    moment = session.exec(
        select(func.max(Event.time)).where(
            Event.object_type == "document",
            Event.object_id == document_id,
            Event.action.not_in(UNCHANGING),
        )
    ).one()
    return moment.astimezone(VIETNAM).isoformat(timespec="seconds") if moment else ""


def _language(ocr_lang: str) -> str:
    """The text's language as XMP names it (BCP 47) from Tesseract's model name: `vie` → `vi`;
    a combination (`vie+eng`) names its first."""
    first = ocr_lang.split("+")[0]
    return {"vie": "vi", "eng": "en", "fra": "fr"}.get(first, first)


def _info(document: Document, language: str, made: str) -> PdfInfo:
    """The XMP metadata from the record's fields (Decree 30): title = trích yếu, author = the
    issuing body."""
    meta = document.record_metadata or {}
    kind_and_number = " ".join(v for v in (meta.get("doc_type"), meta.get("number")) if v)
    return PdfInfo(
        title=meta.get("subject") or Path(document.name).name,
        author=meta.get("issuer", ""),
        subject=kind_and_number,
        keywords=", ".join(v for v in (meta.get("doc_type"), meta.get("place")) if v),
        date=meta.get("date", ""),
        identifier=meta.get("number", ""),
        source=f"sha256:{document.sha256}",
        made=made,
        language=language,
    )


def record(engine: Engine, plan: Plan, built: Built, actor: str) -> Derivative:
    """The copy's row and its `document.preserved` event, in one transaction."""
    document_id = plan.document.id
    with Session(engine, expire_on_commit=False) as session:
        write_lock(session)  # two makers of one document's copy take turns, not the same row
        derivative = derivatives.current(session, document_id)
        replaces = derivative.sha256 if derivative is not None else None
        if derivative is None:
            derivative = Derivative(
                document_id=document_id, kind=derivatives.PDFA, sha256="", size=0
            )
        derivative.sha256, derivative.size, derivative.created = built.sha256, built.size, utcnow()
        session.add(derivative)
        document = session.get(Document, document_id)
        # Changed while the copy was being made (a review, a correction): still outdated.
        document.preserve_pending = _text_time(session, document_id) != plan.info.made
        details = {"format": PDFA, "sha256": built.sha256, "size": built.size}
        details |= {"pages": len(plan.pages), "original": document.sha256}
        if replaces is not None and replaces != built.sha256:
            details["replaces"] = replaces
        trail.record(
            session,
            "document.preserved",
            actor=actor,
            object_type="document",
            object_id=document_id,
            details=details,
        )
        session.commit()
        return derivative
