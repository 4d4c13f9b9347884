"""Rasterize: one image file per page, ready for OCR.

PDF pages are rendered by poppler (pdf2image) at the OCR resolution; TIFF frames, PNG and JPEG are
decoded with Pillow. Every page is written as an image file into a scratch folder, so the OCR
stage hands Tesseract a file path and nothing is encoded twice. Limits are checked from the
headers, before any pixels are decoded, so a decompression bomb or a 10,000-page PDF is refused,
not rendered.

Scratch pages are written as uncompressed PNM (PBM/PGM/PPM): poppler's PNG encoder alone took
about 7 s for one 300-dpi A4 page here, PPM 0.25 s, and Tesseract reads both. The resolution,
which PNM cannot carry, travels beside the file in `PageImage.dpi`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pdf2image import convert_from_path, pdfinfo_from_path
from pdf2image.exceptions import PDFInfoNotInstalledError, PDFPageCountError, PDFSyntaxError
from PIL import Image, ImageOps, ImageSequence

A4_WIDTH_INCHES = 8.27
POINTS_PER_INCH = 72


class RasterizeError(Exception):
    """The file cannot be turned into page images; the message says why in one line."""


@dataclass(frozen=True)
class PageImage:
    """One rendered page on disk."""

    number: int
    path: Path
    width: int
    height: int
    dpi: int


@dataclass(frozen=True)
class Limits:
    """What a file may hold before it is refused (settings `max_pages`, `max_page_pixels`)."""

    max_pages: int
    max_page_pixels: int


def rasterize(source: Path, kind: str, out_dir: Path, dpi: int, limits: Limits) -> list[PageImage]:
    """Render every page of `source` (a pdf, tiff, png or jpeg) into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if kind == "pdf":
        return _rasterize_pdf(source, out_dir, dpi, limits)
    return _rasterize_image(source, out_dir, limits)


def _rasterize_pdf(source: Path, out_dir: Path, dpi: int, limits: Limits) -> list[PageImage]:
    info = _pdf_info(source)
    pages = int(info.get("Pages", 0))
    if pages == 0:
        raise RasterizeError("the PDF has no pages")
    _check_page_count(pages, limits)
    width_pt, height_pt = _pdf_page_size(info)
    _check_pixels(
        1, round(width_pt / POINTS_PER_INCH * dpi), round(height_pt / POINTS_PER_INCH * dpi), limits
    )
    try:
        paths = convert_from_path(
            source, dpi=dpi, output_folder=out_dir, fmt="ppm", paths_only=True, thread_count=1
        )
    except (PDFPageCountError, PDFSyntaxError) as error:
        raise RasterizeError(f"cannot render the PDF: {_first_line(error)}") from error
    return [_page_from_file(number, Path(path), dpi) for number, path in enumerate(paths, 1)]


def _pdf_info(source: Path) -> dict:
    try:
        return pdfinfo_from_path(source)
    except PDFInfoNotInstalledError as error:
        raise RasterizeError("poppler is not installed: apt-get install poppler-utils") from error
    except (PDFPageCountError, PDFSyntaxError) as error:
        message = _poppler_message(error)
        if "password" in message.lower():
            raise RasterizeError("the PDF is encrypted (password protected)") from error
        raise RasterizeError(f"not a readable PDF (damaged or truncated): {message}") from error


def _pdf_page_size(info: dict) -> tuple[float, float]:
    """Size of the first page in points, from pdfinfo's `Page size: 595.276 x 841.89 pts (A4)`."""
    match = re.match(r"\s*([\d.]+)\s*x\s*([\d.]+)", str(info.get("Page size", "")))
    if not match:
        return 595.0, 842.0
    return float(match.group(1)), float(match.group(2))


def _rasterize_image(source: Path, out_dir: Path, limits: Limits) -> list[PageImage]:
    try:
        with Image.open(source) as image:
            frames = getattr(image, "n_frames", 1)
            _check_page_count(frames, limits)
            return [
                _save_frame(number, frame, out_dir, limits)
                for number, frame in enumerate(ImageSequence.Iterator(image), 1)
            ]
    except Image.DecompressionBombError as error:
        raise RasterizeError(f"image too large: {error}") from error
    except OSError as error:  # truncated, corrupt or undecodable data
        raise RasterizeError(f"cannot read the image: {_first_line(error)}") from error


def _save_frame(number: int, frame: Image.Image, out_dir: Path, limits: Limits) -> PageImage:
    _check_pixels(number, frame.width, frame.height, limits)
    dpi = _image_dpi(frame)
    page = ImageOps.exif_transpose(frame)
    if page.mode not in ("1", "L", "RGB"):
        page = page.convert("RGB")
    path = out_dir / f"page-{number:04d}.pnm"
    page.save(path, format="PPM")
    return PageImage(number, path, page.width, page.height, dpi)


def _page_from_file(number: int, path: Path, dpi: int) -> PageImage:
    with Image.open(path) as image:
        return PageImage(number, path, image.width, image.height, dpi)


def _image_dpi(image: Image.Image) -> int:
    """The resolution the scanner recorded; if none, estimated as if the page were A4 wide."""
    recorded = image.info.get("dpi")
    if recorded and recorded[0] and float(recorded[0]) > 1:
        return round(float(recorded[0]))
    return max(1, round(image.width / A4_WIDTH_INCHES))


def _check_page_count(pages: int, limits: Limits) -> None:
    if pages > limits.max_pages:
        raise RasterizeError(
            f"{pages} pages, above the limit of {limits.max_pages} (SOHOA_MAX_PAGES)"
        )


def _check_pixels(number: int, width: int, height: int, limits: Limits) -> None:
    if width * height > limits.max_page_pixels:
        raise RasterizeError(
            f"page {number} is {width}×{height} pixels ({width * height / 1e6:.0f} MP), above the "
            f"limit of {limits.max_page_pixels / 1e6:.0f} MP (SOHOA_MAX_PAGE_PIXELS)"
        )


def _poppler_message(error: Exception) -> str:
    """poppler's own complaint (`Couldn't read xref table`), not pdf2image's generic first line."""
    lines = [line for line in str(error).splitlines()[1:] if line.strip()]
    return lines[-1].strip() if lines else _first_line(error)


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
