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
import struct
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pdf2image import convert_from_path, pdfinfo_from_path
from pdf2image.exceptions import (
    PDFInfoNotInstalledError,
    PDFPageCountError,
    PDFPopplerTimeoutError,
    PDFSyntaxError,
)
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

A4_WIDTH_INCHES = 8.27
POINTS_PER_INCH = 72
# What Pillow raises on damaged image data: a fuzzing run over mutated TIFF, PNG and JPEG files
# met all of these (TypeError "Missing dimensions", KeyError from an unknown TIFF compression).
DAMAGED = (
    OSError,
    SyntaxError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    EOFError,
    struct.error,
)
PDFINFO_SECONDS = 60  # pdfinfo answers in milliseconds; a PDF it chews on longer is hostile
SCAN_SHARE = 0.5  # an image covering this share of a PDF page is the page's scan
RENDER_SECONDS_PER_PAGE = 60  # a page renders in about a quarter second; one slower is a bomb


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
    scan_dpi: int | None = None  # the scan's own resolution (see `scan_resolutions`)


@dataclass(frozen=True)
class Limits:
    """What a file may hold before it is refused (settings `max_pages`, `max_page_pixels`)."""

    max_pages: int
    max_page_pixels: int


def rasterize(
    source: Path, kind: str, out_dir: Path, dpi: int, limits: Limits, only: int | None = None
) -> list[PageImage]:
    """Render every page of `source` (a pdf, tiff, png or jpeg) into `out_dir`; or, with `only`,
    that page alone (numbered from 1), rendered exactly as it is among the others."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if kind == "pdf":
        return _rasterize_pdf(source, out_dir, dpi, limits, only)
    return _rasterize_image(source, out_dir, limits, only)


def count_pages(source: Path, kind: str, dpi: int, limits: Limits) -> int:
    """How many pages `source` has, checked against the same limits `rasterize` applies, from
    the headers only: what a coordinator needs to queue one task per page without rendering
    any (`ingest.distributed`). A file `rasterize` would refuse outright is refused here too."""
    if kind == "pdf":
        pages, _, _ = _pdf_pages(source, dpi, limits)
        return pages
    with _image_errors(limits), Image.open(source) as image:
        frames = getattr(image, "n_frames", 1)
        _check_page_count(frames, limits)
        for number in range(1, frames + 1):
            image.seek(number - 1)
            _check_pixels(number, image.width, image.height, limits)
        return frames


def _pdf_pages(
    source: Path, dpi: int, limits: Limits, only: int | None = None
) -> tuple[int, list[tuple[float, float]], list[int]]:
    """A PDF's page count and page sizes, and the pages wanted (all, or `only`), each checked
    against the limits before anything is rendered."""
    info = _pdf_info(source, limits.max_pages)
    pages = int(info.get("Pages", 0))
    if pages == 0:
        raise RasterizeError("the PDF has no pages")
    _check_page_count(pages, limits)
    _check_only(only, pages)
    sizes = _pdf_page_sizes(info, pages)
    wanted = list(range(1, pages + 1)) if only is None else [only]
    for number in wanted:
        width, height = sizes[number - 1]
        _check_pixels(number, _pixels(width, dpi), _pixels(height, dpi), limits)
    return pages, sizes, wanted


def _rasterize_pdf(
    source: Path, out_dir: Path, dpi: int, limits: Limits, only: int | None = None
) -> list[PageImage]:
    _, sizes, wanted = _pdf_pages(source, dpi, limits, only)
    limit = RENDER_SECONDS_PER_PAGE * len(wanted)
    try:
        paths = convert_from_path(
            source,
            dpi=dpi,
            output_folder=out_dir,
            fmt="ppm",
            paths_only=True,
            thread_count=1,
            timeout=limit,
            first_page=wanted[0],
            last_page=wanted[-1],
        )
    except PDFPopplerTimeoutError as error:
        raise RasterizeError(
            f"rendering the PDF took longer than {limit} s ({RENDER_SECONDS_PER_PAGE} s a page):"
            " its pages are built to be slow to draw"
        ) from error
    except (PDFPageCountError, PDFSyntaxError) as error:
        raise RasterizeError(f"cannot render the PDF: {_first_line(error)}") from error
    if len(paths) != len(wanted):
        raise RasterizeError(
            f"cannot render the PDF: poppler made {len(paths)} of {len(wanted)} pages"
        )
    scans = scan_resolutions(source, sizes)
    return [
        _page_from_file(number, Path(path), dpi, scans.get(number))
        for number, path in zip(wanted, paths, strict=True)
    ]


def scan_resolutions(source: Path, sizes: list[tuple[float, float]]) -> dict[int, int]:
    """The resolution of each PDF page's scanned image, from poppler's `pdfimages -list`: a PDF
    page is rendered at `ocr_dpi` whatever it holds, so the render's resolution says nothing of
    the scan's. The scan is the largest image, if it covers at least half the page (`sizes`, in
    points): a born-digital page with a logo or a signature image is not a scan, and is absent,
    as is a page with no image. Nothing if pdfimages fails: the check is advice, not a
    condition of ingest."""
    try:
        listing = subprocess.run(
            ["pdfimages", "-list", str(source)],
            capture_output=True,
            text=True,
            timeout=PDFINFO_SECONDS,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    largest: dict[int, tuple[int, int]] = {}  # page → (pixels, resolution)
    for row in listing.splitlines()[2:]:
        cells = row.split()
        if len(cells) < 14 or cells[2] != "image" or not (cells[12] + cells[13]).isdigit():
            continue
        page, width, height = int(cells[0]), int(cells[3]), int(cells[4])
        x_ppi, y_ppi = max(int(cells[12]), 1), max(int(cells[13]), 1)
        if not 1 <= page <= len(sizes):
            continue
        page_inches = sizes[page - 1][0] * sizes[page - 1][1] / POINTS_PER_INCH**2
        if (width / x_ppi) * (height / y_ppi) < SCAN_SHARE * page_inches:
            continue  # a logo, a signature, a figure: not the page's scan
        if width * height > largest.get(page, (0, 0))[0]:
            largest[page] = (width * height, min(x_ppi, y_ppi))
    return {page: resolution for page, (_, resolution) in largest.items()}


def _pdf_info(source: Path, max_pages: int) -> dict:
    """pdfinfo's fields, with every page's size up to `max_pages` (`Page    2 size: ...`): any
    page, not only the first, may be the one too large to render."""
    try:
        return pdfinfo_from_path(source, first_page=1, last_page=max_pages, timeout=PDFINFO_SECONDS)
    except PDFInfoNotInstalledError as error:
        raise RasterizeError("poppler is not installed: apt-get install poppler-utils") from error
    except PDFPopplerTimeoutError as error:
        raise RasterizeError(
            f"not a readable PDF: pdfinfo gave no answer in {PDFINFO_SECONDS} s"
        ) from error
    except (PDFPageCountError, PDFSyntaxError) as error:
        message = _poppler_message(error)
        if "password" in message.lower():
            raise RasterizeError("the PDF is encrypted (password protected)") from error
        if "Invalid page count 0" in str(error):
            raise RasterizeError("the PDF has no pages") from error
        raise RasterizeError(f"not a readable PDF (damaged or truncated): {message}") from error


def _pdf_page_sizes(info: dict, pages: int) -> list[tuple[float, float]]:
    """Each page's size in points, from pdfinfo's `Page    2 size: 595.276 x 841.89 pts (A4)`;
    a page pdfinfo gives no size for is taken as A4."""
    sizes = []
    for number in range(1, pages + 1):
        field = str(info.get(f"Page {number:4d} size", ""))
        match = re.match(r"\s*([\d.]+)\s*x\s*([\d.]+)", field)
        sizes.append((float(match.group(1)), float(match.group(2))) if match else (595.0, 842.0))
    return sizes


def _pixels(points: float, dpi: int) -> int:
    return round(points / POINTS_PER_INCH * dpi)


def _rasterize_image(
    source: Path, out_dir: Path, limits: Limits, only: int | None = None
) -> list[PageImage]:
    with _image_errors(limits), Image.open(source) as image:
        frames = getattr(image, "n_frames", 1)
        _check_page_count(frames, limits)
        _check_only(only, frames)
        if only is not None:
            image.seek(only - 1)
            return [_save_frame(only, image, out_dir, limits)]
        return [
            _save_frame(number, frame, out_dir, limits)
            for number, frame in enumerate(ImageSequence.Iterator(image), 1)
        ]


@contextmanager
def _image_errors(limits: Limits) -> Iterator[None]:
    """What Pillow raises on a bomb, a damaged header or damaged data, said in one line."""
    try:
        yield
    except Image.DecompressionBombError as error:
        raise RasterizeError(_bomb(error, limits)) from error
    except UnidentifiedImageError as error:
        raise RasterizeError("cannot read the image: its header is damaged") from error
    except DAMAGED as error:
        if isinstance(error, OSError) and error.errno:  # the system's, not the data's: disk full
            raise RasterizeError(f"cannot render the image: {error.strerror}") from error
        reason = _reason(error)
        raise RasterizeError(f"cannot read the image (damaged or truncated): {reason}") from error


def _save_frame(number: int, frame: Image.Image, out_dir: Path, limits: Limits) -> PageImage:
    _check_pixels(number, frame.width, frame.height, limits)
    dpi = _image_dpi(frame)
    page = ImageOps.exif_transpose(frame)
    if page.mode not in ("1", "L", "RGB"):
        page = page.convert("RGB")
    path = out_dir / f"page-{number:04d}.pnm"
    page.save(path, format="PPM")
    return PageImage(number, path, page.width, page.height, dpi, dpi)


def _page_from_file(number: int, path: Path, dpi: int, scan_dpi: int | None) -> PageImage:
    with Image.open(path) as image:
        return PageImage(number, path, image.width, image.height, dpi, scan_dpi)


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


def _check_only(only: int | None, pages: int) -> None:
    if only is not None and not 1 <= only <= pages:
        raise RasterizeError(f"there is no page {only}: the file has {pages}")


def _check_pixels(number: int, width: int, height: int, limits: Limits) -> None:
    if width * height > limits.max_page_pixels:
        raise RasterizeError(
            f"page {number} is {width}×{height} pixels ({width * height / 1e6:.0f} MP), above the "
            f"limit of {limits.max_page_pixels / 1e6:.0f} MP (SOHOA_MAX_PAGE_PIXELS)"
        )


def _bomb(error: Image.DecompressionBombError, limits: Limits) -> str:
    """Pillow refuses a header it takes for a decompression bomb before sohoa sees the size
    (above 2 × `Image.MAX_IMAGE_PIXELS`, 179 MP); its figure, in sohoa's words."""
    match = re.search(r"\((\d+) pixels\)", str(error))
    if match is None:
        return f"the image is too large to decode safely: {_first_line(error)}"
    pixels, limit = int(match.group(1)), min(limits.max_page_pixels, 2 * Image.MAX_IMAGE_PIXELS)
    return (
        f"page 1 is {pixels / 1e6:.0f} MP, above the limit of {limit / 1e6:.0f} MP "
        "(SOHOA_MAX_PAGE_PIXELS): a decompression bomb, not decoded"
    )


def _reason(error: Exception) -> str:
    """The library's one-line complaint, with its exception name when it says little alone."""
    if isinstance(error, OSError):
        return _first_line(error)
    return f"{type(error).__name__}: {_first_line(error)}"


def _poppler_message(error: Exception) -> str:
    """poppler's own complaint (`Couldn't read xref table`), not pdf2image's generic first line."""
    lines = [line for line in str(error).splitlines()[1:] if line.strip()]
    return lines[-1].strip() if lines else _first_line(error)


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
