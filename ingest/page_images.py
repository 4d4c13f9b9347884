"""Page images for the web view: a page as it was prepared for OCR, rendered from the original.

The OCR's word boxes (`Page.words`) are in the coordinates of the page image as prepared
(turned upright, levelled: `ingest.prepare`), and only the original is stored. So a page's
image is rendered again from the original at the resolution it was read at and set straight
again as its recorded preparation says, as the preservation copy is made (`ingest.preserve`):
its size is the page's `width` × `height`, and a box drawn on it falls on its word.

Images are kept in `<home>/cache/pages/<original's SHA-256>/` (`Settings.page_cache_dir`):
derived data, made again when deleted, never in a backup (a backup copies only what it names),
removed with the original when the record is disposed of. A file's name is a hash of what it
is made from (the original, the page, its size, resolution and preparation, the width asked
for), so a cached file is never stale: whatever changes, the name changes with it; that name is
also what a browser may cache the image by for good (`image_tag`). A file is written under a
temporary name and renamed, so two requests never see half an image; two making the same one
at once write the same bytes.

JPEG (quality 85) for grey and colour pages; PNG for bilevel ones, which JPEG blurs and PNG
keeps small.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from PIL import Image
from sqlalchemy import Engine
from sqlmodel import Session, select

from sohoa.archive import storage
from sohoa.archive.models import DISPOSED, Document, Page
from sohoa.archive.settings import Settings
from sohoa.ingest.geometry import as_prepared
from sohoa.ingest.identify import SUPPORTED
from sohoa.ingest.rasterize import Limits, RasterizeError, rasterize

JPEG_QUALITY = 85
RENDERING = 1  # bump when images are made differently: every cached name changes


class NoPageImage(LookupError):
    """There is no image to show for this page: no such document or page, the document was
    disposed of, or its original is missing. The message says which."""


class PageImageError(RuntimeError):
    """The original no longer renders as the page was read (another size): a damaged store."""


def page_image(
    settings: Settings,
    database: Engine | Session,
    document_id: int,
    number: int,
    width: int | None = None,
) -> Path:
    """The cached image of page `number` of the document as prepared, made first if needed;
    `width` (pixels, less than the page's) asks for a copy scaled to it, boxes then scaling by
    `width / page.width`. NoPageImage or PageImageError."""
    document, page = _document_page(database, document_id, number)
    if width is not None and (width < 1 or width >= page.width):
        width = None
    tag = image_tag(document, page)
    full = _cached(settings, document, tag)
    if full is None:
        image = _rendered(settings, document, page)
        full = _write(image, settings, document, tag, bilevel=image.mode == "1")
    if width is None:
        return full
    tag = image_tag(document, page, width)
    scaled = _cached(settings, document, tag)
    if scaled is None:
        with Image.open(full) as image:
            small = scaled_image(image, width, page)
        scaled = _write(small, settings, document, tag, bilevel=full.suffix == ".png")
    return scaled


def image_tag(document: Document, page: Page, width: int | None = None) -> str:
    """What the image is made from, hashed: the same tag is the same image, byte for byte."""
    made_of = {
        "original": document.sha256,
        "mime": document.mime,
        "page": page.number,
        "size": [page.width, page.height],
        "dpi": page.dpi,
        "preparation": page.preparation,
        "width": width,
        "rendering": RENDERING,
    }
    return hashlib.sha256(json.dumps(made_of, sort_keys=True).encode()).hexdigest()[:40]


def _cached(settings: Settings, document: Document, tag: str) -> Path | None:
    """The cached image of that tag, if made (PNG or JPEG)."""
    for suffix in ("jpg", "png"):
        path = _folder(settings, document) / f"{tag}.{suffix}"
        if path.is_file():
            return path
    return None


def _folder(settings: Settings, document: Document) -> Path:
    """One folder per original: disposing of a record removes its images with it."""
    return settings.page_cache_dir / document.sha256


def scaled_image(image: Image.Image, width: int, page: Page) -> Image.Image:
    """The page scaled to `width`, its height in the same proportion (grey when bilevel: a
    bilevel page scaled down is read better in shades than in specks)."""
    height = max(1, round(page.height * width / page.width))
    if image.mode not in ("L", "RGB"):
        image = image.convert("L" if image.mode in ("1", "P") else "RGB")
    return image.resize((width, height), Image.Resampling.LANCZOS)


def _document_page(database: Engine | Session, document_id: int, number: int):
    if isinstance(database, Session):
        return _read(database, document_id, number)
    with Session(database, expire_on_commit=False) as session:
        found = _read(session, document_id, number)
        session.expunge_all()
        return found


def _read(session: Session, document_id: int, number: int) -> tuple[Document, Page]:
    document = session.get(Document, document_id)
    if document is None:
        raise NoPageImage(f"no document with id {document_id}")
    if document.status == DISPOSED:
        raise NoPageImage(f"document #{document_id} was disposed of: its original is destroyed")
    page = session.exec(
        select(Page).where(Page.document_id == document_id, Page.number == number)
    ).first()
    if page is None:
        raise NoPageImage(f"document #{document_id} has no page {number}")
    return document, page


def _rendered(settings: Settings, document: Document, page: Page) -> Image.Image:
    """The page rendered from the original and set straight as it was read."""
    original = storage.original_path(settings.originals_dir, document.sha256)
    if not original.is_file():
        raise NoPageImage(f"the original of document #{document.id} is missing")
    limits = Limits(max_pages=max(document.page_count, page.number), max_page_pixels=1 << 62)
    with tempfile.TemporaryDirectory(prefix="sohoa-page-") as scratch:
        try:
            [image] = rasterize(
                original, SUPPORTED[document.mime], Path(scratch), page.dpi, limits, page.number
            )
        except RasterizeError as error:
            raise PageImageError(f"document #{document.id} page {page.number}: {error}") from error
        with Image.open(image.path) as rendered:
            prepared = as_prepared(rendered, page.preparation)
            prepared.load()
    if prepared.size != (page.width, page.height):
        raise PageImageError(
            f"the original of document #{document.id} no longer renders as page {page.number}"
            f" was read ({prepared.width}×{prepared.height}, not {page.width}×{page.height})"
        )
    return prepared


def _write(
    image: Image.Image, settings: Settings, document: Document, tag: str, bilevel: bool
) -> Path:
    """Save under a temporary name in the cache's folder, then rename: readers see the whole
    file or none. PNG for a bilevel page, JPEG otherwise."""
    path = _folder(settings, document) / f"{tag}.{'png' if bilevel else 'jpg'}"
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as out:
        try:
            if bilevel:
                image.save(out, format="PNG", optimize=True)
            else:
                if image.mode not in ("L", "RGB"):
                    image = image.convert("RGB")
                image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        except BaseException:
            out.close()
            os.unlink(out.name)
            raise
    os.replace(out.name, path)
    return path
