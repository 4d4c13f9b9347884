"""Build a PDF/A-2b from page images and their text: the document's preservation copy.

Vietnamese archival rules ask for PDF/A copies of digitized records, and archivists hand out
searchable PDFs. OCRmyPDF and paperless-ngx can only write the text their own OCR read, so a
faded Vietnamese scan comes out searchable by its OCR mistakes. sohoa assembles the copy from
well-kept parts instead, with its own (repaired) text:

1. the page images into a PDF by img2pdf (the image data embedded as it is);
2. the text as an invisible layer by OCRmyPDF's own text renderer (its fpdf2 renderer, which
   sizes each word to its box and embeds a glyphless font with a Unicode map), from OCRmyPDF's
   `OcrElement` tree of the words on their OCR boxes;
3. each text page laid over its image page, the record's metadata written to the XMP, and the
   file converted to PDF/A-2b and validated by pikepdf (`pikepdf.pdfa.save` writes, re-reads
   and checks it; a copy that fails is never written).

Going through OCRmyPDF's whole pipeline instead (an "OCR engine" plugin returning the stored
words) gave the same file at twice the cost: it rasterizes every page again for an OCR that
does not happen.

The page images go in as sohoa read them: upright and straight (the prepare stage's geometry),
in the page's own colours (not the red-dropped image OCR read). Colour and grey pages are stored
as JPEG (quality `JPEG_QUALITY`), black-and-white ones as CCITT G4: lossless, and small. The
original scan is kept untouched beside the copy, so nothing depends on these pixels alone.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import img2pdf
import numpy as np
import ocrmypdf
import pikepdf
import pikepdf.pdfa
from ocrmypdf.font import MultiFontManager
from ocrmypdf.fpdf_renderer import Fpdf2MultiPageRenderer
from ocrmypdf.hocrtransform import BoundingBox, OcrClass, OcrElement
from PIL import Image

from sohoa.ingest.text_placement import PlacedWord

JPEG_QUALITY = 90
GREY_SPREAD = 2  # a page whose channels never differ by more is grey
MAX_PAGE_INCHES = 200  # PDF's largest page side (14,400 points)
PDFA = "PDF/A-2B"

FONTS = Path(ocrmypdf.__file__).parent / "data"  # the renderer's glyphless font


class PdfaError(Exception):
    """The preservation copy could not be made; the message says why in one line."""


@dataclass(frozen=True)
class PdfPage:
    """One page of the copy: its image file, resolution, and text placed on it."""

    image: Path
    dpi: int
    lines: list[list[PlacedWord]]
    scan_dpi: int | None = None  # the scan's own resolution, if lower than the image's


@dataclass(frozen=True)
class PdfInfo:
    """The document's metadata as the copy's XMP carries it."""

    title: str
    author: str = ""
    subject: str = ""
    keywords: str = ""
    date: str = ""  # the record's date, ISO (YYYY-MM-DD), if known
    identifier: str = ""  # the record's number and symbol (`45/KH-LHH`)
    source: str = ""  # the original's SHA-256
    made: str = ""  # the copy's date (ISO 8601): that of the text it carries, not of the build
    language: str = "vi"  # the text's language (BCP 47)


def build_pdfa(pages: list[PdfPage], info: PdfInfo, out: Path, scratch: Path) -> None:
    """Write the PDF/A-2b of `pages` to `out`, working in the folder `scratch`."""
    scratch.mkdir(parents=True, exist_ok=True)
    images = [_page_image(page, scratch / f"page-{n}") for n, page in enumerate(pages, 1)]
    bare = scratch / "pages.pdf"
    try:
        bare.write_bytes(img2pdf.convert([str(path) for path, _ in images]))
    except (img2pdf.ImageOpenError, ValueError) as error:
        raise PdfaError(f"cannot put the page images in a PDF: {error}") from error
    text = scratch / "text.pdf"
    trees = [(n, tree, tree.dpi) for n, tree in enumerate(map(_page_tree, pages))]
    Fpdf2MultiPageRenderer(trees, MultiFontManager(FONTS), invisible_text=True).render(text)
    _assemble(bare, text, info, out)


def _page_image(page: PdfPage, stem: Path) -> tuple[Path, int]:
    """The page image as the PDF stores it (JPEG, or CCITT G4 TIFF for black and white), with
    the resolution written in, so img2pdf sizes the page as printed. A PDF page scanned at 200
    dpi and rendered at 300 for OCR goes back to 200: the extra pixels hold nothing the scan
    had, and would make the copy twice the size."""
    with Image.open(page.image) as image:
        dpi = _pdf_dpi(image.width, image.height, page.dpi)
        if page.scan_dpi is not None and page.scan_dpi < dpi and image.mode != "1":
            scale = page.scan_dpi / dpi
            size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            image = image.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)
            dpi = page.scan_dpi
        if image.mode == "1":
            path = stem.with_suffix(".tiff")
            image.save(path, format="TIFF", compression="group4", dpi=(dpi, dpi))
        else:
            path = stem.with_suffix(".jpg")
            _grey_if_grey(image).save(path, format="JPEG", quality=JPEG_QUALITY, dpi=(dpi, dpi))
    return path, dpi


def _grey_if_grey(image: Image.Image) -> Image.Image:
    """A grey page as grey: poppler renders every PDF page in colour, and a grey scan stored
    as colour takes more room for nothing."""
    if image.mode == "L":
        return image
    rgb = np.asarray(image.convert("RGB"), dtype=np.int16)
    spread = np.abs(rgb[..., 0] - rgb[..., 1]).max(), np.abs(rgb[..., 1] - rgb[..., 2]).max()
    return image.convert("L") if max(spread) <= GREY_SPREAD else image.convert("RGB")


def _pdf_dpi(width: int, height: int, dpi: int) -> int:
    """The page's resolution, raised if needed so the page fits PDF's largest size (an image
    with no recorded resolution may carry a guess far too low)."""
    return max(dpi, math.ceil(max(width, height) / MAX_PAGE_INCHES), 1)


def _page_tree(page: PdfPage) -> OcrElement:
    """The page's words as OCRmyPDF's renderer takes them: lines of words on their boxes, in
    the pixels of the image they were measured on (which may have more pixels than the image
    stored: see `_page_image`), at that image's resolution."""
    with Image.open(page.image) as image:
        width, height = image.size
    lines = [_line(words) for words in page.lines if words]
    whole = BoundingBox(0, 0, width, height)
    body = OcrElement(ocr_class=OcrClass.PARAGRAPH, bbox=whole, children=lines)
    return OcrElement(
        ocr_class=OcrClass.PAGE,
        bbox=whole,
        dpi=float(_pdf_dpi(width, height, page.dpi)),
        children=[body] if lines else [],
    )


def _line(words: list[PlacedWord]) -> OcrElement:
    children = [
        OcrElement(ocr_class=OcrClass.WORD, text=w.text, bbox=BoundingBox(*w.box)) for w in words
    ]
    box = BoundingBox(
        min(w.box[0] for w in words),
        min(w.box[1] for w in words),
        max(w.box[2] for w in words),
        max(w.box[3] for w in words),
    )
    return OcrElement(ocr_class=OcrClass.LINE, bbox=box, children=children)


def _assemble(bare: Path, text: Path, info: PdfInfo, out: Path) -> None:
    """Each text page over its image page, the record in the XMP, and the whole written as
    PDF/A-2b, validated on the bytes written. The file's dates are the record's and its ID is
    made from its content, so the same pages and text make the same file, byte for byte: a
    copy made again after a crash is the one already stored, and anyone can rebuild one and
    compare hashes."""
    with pikepdf.open(bare) as pdf, pikepdf.open(text) as layer:
        for page, words in zip(pdf.pages, layer.pages, strict=True):
            page.add_overlay(words)
            _name_xobjects(pdf, page)
        pikepdf.pdfa.prepare(pdf, "2b", output_intent="sRGB")  # dates its metadata: now
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            for key, value in _xmp(info).items():
                meta[key] = value
        if "/ID" in pdf.trailer:
            del pdf.trailer.ID
        try:
            with no_stray_warnings():
                pikepdf.pdfa.save(pdf, out, "2b", repair=False, deterministic_id=True)
        except pikepdf.pdfa.PdfaError as error:
            raise PdfaError(f"the copy is not valid {PDFA}: {_first_line(error)}") from error


@contextmanager
def no_stray_warnings() -> Iterator[None]:
    """pikepdf's PDF/A check counts any warning raised while it reads a content stream as a
    fault of the file, whatever code raised it: a database connection that the garbage
    collector happens to close then (its finalizer warns that it was left open) failed a valid
    copy once. So the collector is paused while pikepdf checks (collecting first would cost
    about 90 ms a copy in a server's heap; what is garbage waits until after)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _name_xobjects(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    """Name the page's images and text layer `/X1`, `/X2`, ... in the order it draws them, in
    place of the random names pikepdf gives an overlay, so the same page makes the same bytes."""
    commands = pikepdf.parse_content_stream(page)
    drawn = [operands[0] for operands, operator in commands if str(operator) == "Do"]
    renames = {str(name): pikepdf.Name(f"/X{n}") for n, name in enumerate(drawn, 1)}
    xobjects = page.obj.Resources.XObject
    objects = {old: xobjects[old] for old in renames}
    for old in renames:
        del xobjects[old]
    for old, new in renames.items():
        xobjects[new] = objects[old]
    page.obj.Contents = pdf.make_stream(
        pikepdf.unparse_content_stream(
            [
                (
                    [
                        renames.get(str(o), o) if isinstance(o, pikepdf.Name) else o
                        for o in operands
                    ],
                    op,
                )
                for operands, op in commands
            ]
        )
    )


def _xmp(info: PdfInfo) -> dict:
    """The XMP properties: title = trích yếu, creator = issuing body, the record's date,
    number and original, and the copy's own dates (the record's last change)."""
    values = {
        "dc:title": info.title,
        "dc:creator": [info.author] if info.author else None,
        "dc:description": info.subject,
        "pdf:Keywords": info.keywords,
        "dc:date": [info.date] if info.date else None,
        "dc:identifier": info.identifier,
        "dc:source": info.source,
        "dc:language": [info.language] if info.language else None,
        "xmp:CreatorTool": f"sohoa (OCRmyPDF {ocrmypdf.__version__} text renderer)",
        "xmp:CreateDate": info.made,
        "xmp:ModifyDate": info.made,
        "xmp:MetadataDate": info.made,
    }
    return {key: value for key, value in values.items() if value}


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
