"""Page preparation before OCR: set the page upright and level, judge whether it is blank, and
make the image OCR reads (red seals lifted, optionally cleaned).

Two images come out of it. The page's own file is rewritten set straight (turned upright,
rotated level) in its own colours: the preservation copy is made from exactly that image, and
OCR's word boxes are in its coordinates. OCR reads a sibling (`page-0001.ocr.pnm`) with the
colour treatments, of the same size, when any applies; otherwise it reads the page's own file.

Geometry (see `geometry`): the tilt of the lines is measured on every page by Tesseract's layout
analysis, which also says whether the lines run down the page (turned a quarter). Tesseract's
orientation detection (OSD) is run only where it can change something and costs least: on a
page whose lines run down, and, after OCR, on a page OCR read poorly (`needs_orientation`), as an
upside-down page is read: OSD takes about 0.4 s, a third of the OCR of a clean page, and most
pages lie the right way up.

Colour: Vietnamese records are signed under a red round seal that covers the signing authority
and the signer's name; Tesseract reads the seal's ring and star as text and loses the lines
beneath (on a real last page it read neither `CHỦ TỊCH` nor the signer). In the red channel red
ink is as light as the paper while black and blue ink stay dark, so a page with red on it is
read from its red channel. Yellowed paper comes out lighter that way too. Cleaning (setting
`prepare_clean`) runs unpaper with OCRmyPDF's `--clean` options: speckles and dark borders off.

A page that cannot be prepared is read as it was, with the reason in `Preparation.error`; a step
that fails never costs the page. What was applied is recorded with the page.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from sohoa.ingest.geometry import (
    MEASURE_DPI,
    MEASURE_MIN_SIDE,
    ORIENTATION_CONFIDENCE,
    OSD_DPI,
    SKEW_MIN,
    Orientation,
    apply_geometry,
    detect_orientation,
    measure_lines,
    measuring_copy,
)
from sohoa.ingest.ocr import OcrTimeout

RED_MARGIN = 30  # how much redder than green and blue a pixel must be to count as red ink
RED_SHARE = 0.0005  # a page is treated when this share of its pixels is red ink
# Blank: less than this share of the page (inside its margins) is ink on a 100-dpi copy, where
# averaging has already washed out isolated specks. A line of a dozen characters is above it
# (about 0.05%), a page number alone below (about 0.01%): a page that carries only its number
# is judged blank, kept and flagged, since it has nothing to find it by.
BLANK_INK = 0.0003
BLANK_MARGIN = 0.05  # share of each side ignored: scanner edges and punch holes are not ink
POOR_READING = 0.6  # mean word confidence below which a page's orientation is checked
UNPAPER_ARGS = [  # OCRmyPDF's --clean: no change of geometry, only speckles and borders
    "--layout",
    "none",
    "--mask-scan-size",
    "100",
    "--no-border-align",
    "--no-mask-center",
    "--no-grayfilter",
    "--no-blackfilter",
    "--no-deskew",
]

TimeLeft = Callable[[], float | None]


@dataclass
class Preparation:
    """What preparation found and did on one page, recorded with it (`as_dict`).

    `steps`: what was applied, in order (`rotate-90`, `deskew`, `drop-red`, `clean`);
    `rotation`: clockwise degrees the page was turned (0, 90, 180, 270);
    `orientation_confidence`: OSD's confidence, None where OSD was not run;
    `skew`: the measured tilt of the lines in degrees, counter-clockwise positive, recorded even
    when too small to correct; `blank`: almost no ink on the page; `width`, `height`: the page
    image's size after preparation; `dpi`: its resolution; `error`: why a step could not run
    (the page is then kept as it was before that step)."""

    steps: list[str] = field(default_factory=list)
    rotation: int = 0
    orientation_confidence: float | None = None
    skew: float = 0.0
    blank: bool = False
    width: int | None = None
    height: int | None = None
    dpi: int | None = None
    error: str | None = None

    def as_dict(self) -> dict:
        """Plain JSON: what the page record keeps."""
        return asdict(self)

    def failed(self, step: str, error: Exception) -> None:
        reason = f"{step}: {_reason(error)}"
        self.error = reason if self.error is None else f"{self.error}; {reason}"


@dataclass
class Prepared:
    """A prepared page: what was done, and the image OCR is to read."""

    preparation: Preparation
    ocr_image: Path


def prepare_page(
    path: Path, dpi: int, *, clean: bool = False, time_left: TimeLeft = lambda: None
) -> Prepared:
    """Prepare the page image at `path` (rendered at `dpi`): rewrite it upright and level, and
    write the image OCR reads beside it if colours are treated. `time_left()` is the seconds
    left of the page's time limit for the next Tesseract run (it raises `OcrTimeout` past it)."""
    preparation = Preparation(dpi=dpi)
    try:
        with Image.open(path) as image:
            scan = image.copy()
    except OcrTimeout:
        raise
    except Exception as error:  # a damaged image is for OCR to fail on, recorded there
        preparation.failed("open", error)
        return Prepared(preparation, path)
    preparation.width, preparation.height = scan.size
    page = _set_straight(scan, path, preparation, time_left)
    return Prepared(preparation, _treat_colours(page, path, preparation, clean, time_left))


def needs_orientation(preparation: Preparation, confidence: float | None) -> bool:
    """Whether a page OCR read with this mean `confidence` should have its orientation checked:
    it was read poorly (upside down, Tesseract reads about 0.4) and OSD has not looked at it."""
    return (
        confidence is not None
        and confidence < POOR_READING
        and preparation.orientation_confidence is None
        and not preparation.blank
        and preparation.error is None
    )


def reorient(path: Path, prepared: Prepared, time_left: TimeLeft = lambda: None) -> bool:
    """Check the orientation of the page at `path` (already prepared) by OSD, and turn it, and
    the image OCR reads, if OSD is sure it lies another way up; whether it was turned."""
    preparation = prepared.preparation
    try:
        with Image.open(path) as image:
            page = image.copy()
        orientation = _orientation(page, path, preparation.dpi or 300, time_left)
    except OcrTimeout:
        raise
    except Exception as error:
        preparation.failed("orientation", error)
        return False
    preparation.orientation_confidence = orientation.confidence
    if orientation.confidence < ORIENTATION_CONFIDENCE or orientation.rotation == 0:
        return False
    # The page is already level: turning it now gives what apply_geometry gives from the scan.
    for image_path in {path, prepared.ocr_image}:
        with Image.open(image_path) as image:
            turned = apply_geometry(image, orientation.rotation, 0.0)
        turned.save(image_path, format="PPM")
    preparation.rotation = orientation.rotation
    preparation.steps.insert(0, f"rotate-{orientation.rotation}")
    preparation.width, preparation.height = turned.size
    return True


def is_blank(grey: Image.Image) -> bool:
    """Whether a grey copy of a page (100 to 200 dpi) is blank: almost no ink inside its margins.
    Ink is what is darker than half the paper's lightness."""
    width, height = grey.size
    dx, dy = round(width * BLANK_MARGIN), round(height * BLANK_MARGIN)
    inner = np.asarray(grey.crop((dx, dy, width - dx, height - dy)), dtype=np.float32)
    if inner.size == 0:
        return True
    paper = float(np.percentile(inner, 90))
    return float((inner < paper / 2).mean()) < BLANK_INK


def drop_red_ink(page: Image.Image) -> Image.Image | None:
    """The page's red channel if it carries red ink (a seal to lift), else None."""
    if page.mode != "RGB":
        return None
    pixels = np.asarray(page, dtype=np.int16)
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    reddish = (red - np.maximum(green, blue)) > RED_MARGIN
    if reddish.mean() < RED_SHARE:
        return None
    return page.getchannel("R")


def _set_straight(
    scan: Image.Image, path: Path, preparation: Preparation, time_left: TimeLeft
) -> Image.Image:
    """The page upright and level, written back to `path` if it changed; the scan as it was if
    it could not be measured."""
    dpi = preparation.dpi or 300
    try:
        grey, grey_dpi = measuring_copy(scan, dpi, MEASURE_DPI, MEASURE_MIN_SIDE)
        preparation.blank = is_blank(grey)
        if preparation.blank:
            return scan
        lines = measure_lines(grey, grey_dpi, _sibling(path, "measure"), time_left())
        rotation = 0
        if lines.vertical:  # turned a quarter: OSD says which way
            orientation = _orientation(scan, path, dpi, time_left)
            preparation.orientation_confidence = orientation.confidence
            if orientation.confidence >= ORIENTATION_CONFIDENCE:
                rotation = orientation.rotation
        page = apply_geometry(scan, rotation, lines.skew)
    except OcrTimeout:
        raise
    except Exception as error:
        preparation.failed("orientation and deskew", error)
        return scan
    preparation.skew, preparation.rotation = lines.skew, rotation
    if rotation:
        preparation.steps.append(f"rotate-{rotation}")
    if abs(lines.skew) >= SKEW_MIN:
        preparation.steps.append("deskew")
    if page is not scan:
        page.save(path, format="PPM")
        preparation.width, preparation.height = page.size
    return page


def _orientation(page: Image.Image, path: Path, dpi: int, time_left: TimeLeft) -> Orientation:
    grey, grey_dpi = measuring_copy(page, dpi, OSD_DPI)
    return detect_orientation(grey, grey_dpi, _sibling(path, "osd"), time_left())


def _treat_colours(
    page: Image.Image, path: Path, preparation: Preparation, clean: bool, time_left: TimeLeft
) -> Path:
    """The image OCR reads: `path` itself, or a sibling with the seal lifted and cleaned."""
    treated = drop_red_ink(page)
    if treated is not None:
        preparation.steps.append("drop-red")
    ocr_path = _sibling(path, "ocr")
    if clean:
        try:
            _unpaper(treated or page, ocr_path, preparation.dpi or 300, time_left())
            preparation.steps.append("clean")
            return ocr_path
        except OcrTimeout:
            raise
        except Exception as error:
            preparation.failed("clean", error)
    if treated is None:
        return path
    treated.save(ocr_path, format="PPM")
    return ocr_path


def _unpaper(page: Image.Image, out: Path, dpi: int, timeout: float | None) -> None:
    """Clean `page` into `out` with unpaper (OCRmyPDF's `--clean` options), same size."""
    unpaper = shutil.which("unpaper")
    if unpaper is None:
        raise RuntimeError("unpaper is not installed (apt-get install unpaper)")
    source = _sibling(out, "unclean")
    page.save(source, format="PPM")
    out.unlink(missing_ok=True)
    try:
        command = [unpaper, "--dpi", str(dpi), *UNPAPER_ARGS, str(source), str(out)]
        done = subprocess.run(command, capture_output=True, timeout=timeout)
    finally:
        source.unlink(missing_ok=True)
    if done.returncode != 0 or not out.exists():
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"unpaper failed (exit {done.returncode}): {lines[-1] if lines else ''}")
    with Image.open(out) as cleaned:
        if cleaned.size != page.size:
            out.unlink()
            raise RuntimeError(f"unpaper changed the page's size to {cleaned.size}")


def _sibling(path: Path, kind: str) -> Path:
    """`page-0001.pnm` → `page-0001.<kind>.pnm`, beside it."""
    return path.with_name(f"{path.stem}.{kind}.pnm")


def _reason(error: Exception) -> str:
    if isinstance(error, subprocess.TimeoutExpired):
        return f"stopped after {error.timeout:g} s"
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"
