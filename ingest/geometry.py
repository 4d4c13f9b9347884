"""A page's geometry: which way up it lies and how far its lines are tilted, and the turn and
rotation that set it straight.

Both are measured by Tesseract, as OCRmyPDF does (`--rotate-pages`, `--deskew`), rather than by
image maths of our own: its layout analysis (`--psm 2`, no recognition) prints the angle of the
text lines ("Deskew angle", in radians: within a tenth of a degree on an A4 page's 100-dpi copy,
a few tenths on a small page) and whether they run across or down the page; its orientation and
script detection (`--psm 0`, the `osd` model) says which of the four ways up the page lies. Both
run on a downscaled grey copy of the page, where they are as accurate and several times cheaper.

Angles: `skew` is how far the text lines are turned counter-clockwise from level, in degrees, as
measured on the page as scanned (a turn by a quarter does not change it); `rotation` is how far
the page is turned clockwise, in degrees (0, 90, 180, 270), to stand upright.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytesseract
from PIL import Image

# Degrees: a page tilted less is left as scanned (the tilt is still recorded). Tesseract's own
# line finding copes with small tilts: on A4 pages plain `tesseract` lost 0-1.1% of the words at
# 0.5°, 0.6-2.0% at 1-2°, 1.5-3.1% at 3°, and far more past it (bench/ocr.py). Levelling resamples
# every glyph, and that has a cost of its own: on the sample decision (1.8°), levelled at any
# angle tried between 1.70° and 1.88°, the number `38/QĐ-LHH` was read `38/QĐÐ-LHH` about half
# the time, where the page as scanned reads it right. So only a tilt that hurts OCR is levelled.
SKEW_MIN = 2.0
ORIENTATION_CONFIDENCE = 2.0  # OSD's confidence below which a page is not turned
# The tilt is measured on a copy at 100 dpi, but never smaller than 1000 pixels on its long side:
# on A4 at 100 dpi Tesseract is within 0.1° (0.25 s, 0.39 s at 150 dpi); on a small page
# brought down to 700 pixels it missed a 4° tilt altogether.
MEASURE_DPI = 100
MEASURE_MIN_SIDE = 1000
OSD_DPI = 150  # resolution of the copy orientation is detected on (at 100 dpi OSD misjudged)
# Bilinear, not bicubic (OCRmyPDF's): bicubic's overshoot rings around the strokes, and on the
# sample decision levelled by 1.76°, Tesseract's confidence in the document number (read right
# either way) fell from 0.85 to 0.41 with bicubic, to 0.75 with bilinear.
ROTATE_RESAMPLE = Image.Resampling.BILINEAR
_TURNS = {
    90: Image.Transpose.ROTATE_270,  # PIL's ROTATE_n turn counter-clockwise
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}
# What Tesseract says when a page has too little text to measure: not a failure, nothing to do.
_TOO_LITTLE = ("Too few characters", "Empty page", "box outside rectangle", "Image too large")


class GeometryError(Exception):
    """Tesseract could not measure the page; the message says why in one line."""


@dataclass(frozen=True)
class Lines:
    """What layout analysis found: the lines' tilt, and whether they run down the page."""

    skew: float
    vertical: bool


@dataclass(frozen=True)
class Orientation:
    """Which way to turn the page (clockwise degrees), and how sure OSD was."""

    rotation: int
    confidence: float


def apply_geometry(image: Image.Image, rotation: int, skew: float) -> Image.Image:
    """The page set straight: rotated by `-skew` about its centre on a canvas of the same size
    (the corners filled with the paper's colour) when the tilt is at least `SKEW_MIN`, then turned
    `rotation` degrees clockwise (width and height swap at 90 and 270). Pure and deterministic:
    given the page as first rendered and the recorded `rotation` and `skew`, it gives the image
    the ingest made, so a preservation copy can be rebuilt from the stored original."""
    if rotation not in (0, *_TURNS):
        raise ValueError(f"a page turns by 0, 90, 180 or 270 degrees, not {rotation}")
    if abs(skew) >= SKEW_MIN:  # bilinear: see ROTATE_RESAMPLE
        image = image.rotate(-skew, resample=ROTATE_RESAMPLE, fillcolor=paper_colour(image))
    return image.transpose(_TURNS[rotation]) if rotation else image


def as_prepared(image: Image.Image, preparation: dict) -> Image.Image:
    """A page as first rendered, set straight again as its recorded `preparation` says the
    prepare stage did (turned by its `rotation`; levelled by its `skew` only when `deskew` is
    among its steps): the pixels the OCR's word boxes were measured on."""
    skew = preparation.get("skew", 0.0) if "deskew" in preparation.get("steps", []) else 0.0
    return apply_geometry(image, preparation.get("rotation", 0), skew)


def paper_colour(image: Image.Image) -> int | tuple[int, ...]:
    """The paper's colour: per band, the lightest tenth of a small copy's pixels starts there
    (yellowed paper stays yellow, not white, in the corners a rotation uncovers)."""
    if image.mode == "1":
        return 255
    small = image.reduce(max(1, min(image.size) // 200))
    pixels = np.asarray(small).reshape(-1, len(small.getbands()))
    colour = tuple(int(v) for v in np.percentile(pixels, 90, axis=0))
    return colour[0] if len(colour) == 1 else colour


def measure_lines(grey: Image.Image, dpi: int, work: Path, timeout: float | None) -> Lines:
    """The tilt and direction of the text lines on a grey copy at `dpi`, by Tesseract's layout
    analysis. A page with no lines to measure is level."""
    output = _run_tesseract(grey, work, ["--psm", "2", "-l", "osd", "--dpi", str(dpi)], timeout)
    if output is None:
        return Lines(0.0, False)
    angle = re.search(r"Deskew angle:\s*(-?[\d.]+)", output)
    direction = re.search(r"WritingDirection:\s*(\d+)", output)
    if angle is None:
        raise GeometryError(f"Tesseract's layout analysis said no angle: {_last_line(output)}")
    # Tesseract gives the correction; the tilt is its opposite. 2 is WRITING_DIRECTION_TOP_TO_BOTTOM
    skew = round(-math.degrees(float(angle.group(1))), 2) + 0.0  # + 0.0: no -0.0
    return Lines(skew, direction is not None and direction.group(1) == "2")


def detect_orientation(
    grey: Image.Image, dpi: int, work: Path, timeout: float | None
) -> Orientation:
    """Which way up the page lies, by Tesseract's OSD on a grey copy at `dpi`; a page with too
    little text to tell is taken as upright, with confidence 0."""
    output = _run_tesseract(grey, work, ["--psm", "0", "-l", "osd", "--dpi", str(dpi)], timeout)
    if output is None:
        return Orientation(0, 0.0)
    rotate = re.search(r"Rotate:\s*(\d+)", output)
    confidence = re.search(r"Orientation confidence:\s*([\d.]+)", output)
    if rotate is None or confidence is None:
        raise GeometryError(f"Tesseract's OSD said no orientation: {_last_line(output)}")
    return Orientation(int(rotate.group(1)) % 360, round(float(confidence.group(1)), 2))


def measuring_copy(
    image: Image.Image, dpi: int, target_dpi: int, min_side: int = 0
) -> tuple[Image.Image, int]:
    """A grey copy of the page near `target_dpi`, never enlarged nor brought below `min_side`
    pixels on its long side, and its resolution."""
    grey = image.convert("L")
    factor = max(1, min(round(dpi / target_dpi), max(image.size) // max(1, min_side)))
    return (grey.reduce(factor) if factor > 1 else grey), max(1, round(dpi / factor))


def _run_tesseract(
    grey: Image.Image, work: Path, args: list[str], timeout: float | None
) -> str | None:
    """Tesseract's printed output on `grey` (saved as `work`, removed after), or None when the
    page has too little text for it. What these modes print goes to stderr, which pytesseract
    does not return, so Tesseract is run here directly (pytesseract's configured command)."""
    if timeout is not None and timeout <= 0:
        raise subprocess.TimeoutExpired(args, 0)
    grey.save(work, format="PPM")
    command = [pytesseract.pytesseract.tesseract_cmd, str(work), "stdout", *args]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            timeout=timeout,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )
    finally:
        work.unlink(missing_ok=True)
    output = (done.stdout + done.stderr).decode("utf-8", "replace")
    if done.returncode == 0:
        return output
    if done.returncode < 0:  # killed by a signal: a crash, not a page without text
        raise GeometryError(f"Tesseract stopped by signal {-done.returncode}")
    if any(phrase in output for phrase in _TOO_LITTLE) or not output.strip():
        return None
    raise GeometryError(f"Tesseract failed (exit {done.returncode}): {_last_line(output)}")


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
