"""Build a PDF/A-2b from page images and their text: the document's preservation copy.

Vietnamese archival rules ask for PDF/A copies of digitized records, and archivists hand out
searchable PDFs. OCRmyPDF already does everything such a file needs except one thing: it can
only write the text its own OCR read. So sohoa gives it the text through an engine of its own
(`pdf_engine`, which recognises nothing and returns the repaired words on their boxes) and lets
OCRmyPDF do the rest: render the invisible text layer, convert to PDF/A-2b (pikepdf first,
Ghostscript if that fails), and write the XMP metadata.

The page images go in as sohoa read them: upright and straight (the prepare stage's geometry),
in the page's own colours (not the red-dropped image OCR read). Colour and grey pages are stored
as JPEG (quality `JPEG_QUALITY`), black-and-white ones as CCITT G4: lossless, and small. The
original scan is kept untouched beside the copy, so nothing depends on these pixels alone.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import img2pdf
import numpy as np
import ocrmypdf
import pikepdf
import pikepdf.pdfa
from PIL import Image

from sohoa.ingest import pdf_engine
from sohoa.ingest.text_placement import PlacedWord

JPEG_QUALITY = 90
GREY_SPREAD = 2  # a page whose channels never differ by more is grey
MAX_PAGE_INCHES = 200  # PDF's largest page side (14,400 points)
OUTPUT_TYPE = "pdfa-2"
PDFA = "PDF/A-2B"

logging.getLogger("ocrmypdf").setLevel(logging.WARNING)  # its progress is the caller's to tell


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
    lang: str = "vie"


def build_pdfa(pages: list[PdfPage], info: PdfInfo, out: Path, scratch: Path) -> None:
    """Write the PDF/A-2b of `pages` to `out`, working in the folder `scratch`."""
    scratch.mkdir(parents=True, exist_ok=True)
    images = [_page_image(page, scratch / f"page-{n}") for n, page in enumerate(pages, 1)]
    bare = scratch / "pages.pdf"
    try:
        bare.write_bytes(img2pdf.convert([str(path) for path, _ in images]))
    except (img2pdf.ImageOpenError, ValueError) as error:
        raise PdfaError(f"cannot put the page images in a PDF: {error}") from error
    for number, page in enumerate(pages, 1):
        pdf_engine.sidecar(bare, number).write_text(_page_json(page), encoding="utf-8")
    _ocrmypdf(bare, out, info)
    _add_record_metadata(out, info)


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


def _page_json(page: PdfPage) -> str:
    """The page's text for the engine, in the pixels of the image it was read from (which may
    differ from the pixels stored: see `_page_image`)."""
    with Image.open(page.image) as image:
        width, height = image.size
    dpi = _pdf_dpi(width, height, page.dpi)
    lines = [[{"text": w.text, "box": list(w.box)} for w in line] for line in page.lines]
    return json.dumps(
        {"width": width, "height": height, "dpi": dpi, "lines": lines}, ensure_ascii=False
    )


def _ocrmypdf(bare: Path, out: Path, info: PdfInfo) -> None:
    # pikepdf 10.18's `check_linearization`, which OCRmyPDF calls on its output, leaves
    # `sys.stderr` pointing at a StringIO: everything the process says afterwards, including
    # its error messages, would vanish. Both streams are put back whatever happens.
    streams = sys.stdout, sys.stderr
    try:
        ocrmypdf.ocr(
            bare,
            out,
            plugins=["sohoa.ingest.pdf_engine"],
            ocr_engine=pdf_engine.NAME,
            language=[info.lang],
            output_type=OUTPUT_TYPE,
            optimize=0,
            jobs=1,
            use_threads=True,
            progress_bar=False,
            title=info.title,
            author=info.author,
            subject=info.subject,
            keywords=info.keywords,
        )
    except ocrmypdf.exceptions.ExitCodeException as error:
        raise PdfaError(f"OCRmyPDF could not make the PDF/A: {_first_line(error)}") from error
    finally:
        sys.stdout, sys.stderr = streams


def _add_record_metadata(out: Path, info: PdfInfo) -> None:
    """The record's own date, number and original in the XMP (`dc:date`, `dc:identifier`,
    `dc:source`; OCRmyPDF writes title, author, subject and keywords, and the file's dates),
    then the file checked against PDF/A-2b by pikepdf's validator: a copy that claims PDF/A
    and is not would fail an archive's acceptance check years later, when no one remembers."""
    extra = {"dc:date": info.date, "dc:identifier": info.identifier, "dc:source": info.source}
    with pikepdf.open(out, allow_overwriting_input=True) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            for key, value in extra.items():
                if value:
                    meta[key] = [value] if key == "dc:date" else value
            if info.made:
                for key in ("xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate"):
                    meta[key] = info.made
        _name_text_layers(pdf)
        report = pikepdf.pdfa.check(pdf, pikepdf.pdfa.Flavour.PDFA_2B)
        if report.violations:
            raise PdfaError(f"the copy is not valid {PDFA}: {report.violations[0]}")
        if "/ID" in pdf.trailer:  # made again from the content, not carried over from the build
            del pdf.trailer.ID
        pdf.save(out, **{**report.save_kwargs, "deterministic_id": True})


def _name_text_layers(pdf: pikepdf.Pdf) -> None:
    """Give each page's text layer a fixed name (`/OCR-1`) in place of the random one OCRmyPDF
    draws (`/OCR-LqDuppLKvIjStJzyWaGw0A`): with its dates fixed too, the same pages and text
    then make the same file, byte for byte, so a copy made again after a crash is the same
    stored file, and anyone can rebuild a copy and compare hashes."""
    for page in pdf.pages:
        xobjects = page.obj.get("/Resources", {}).get("/XObject", {})
        renames = {
            name: pikepdf.Name(f"/OCR-{n}")
            for n, name in enumerate(sorted(k for k in xobjects.keys() if k.startswith("/OCR-")), 1)
        }
        if not renames:
            continue
        for old, new in renames.items():
            xobjects[new] = xobjects[old]
            del xobjects[old]
        commands = [
            (
                [renames.get(str(o), o) if isinstance(o, pikepdf.Name) else o for o in operands],
                operator,
            )
            for operands, operator in pikepdf.parse_content_stream(page)
        ]
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(commands))


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
