"""OCR: Tesseract with the Vietnamese model, wrapped in one place.

One Tesseract run per page gives both the text and the word boxes (TSV output): the text is
rebuilt from the words, so text and boxes can never disagree and no page is recognised twice.
Tesseract is given the page's file path, not an image object, so nothing is re-encoded on the way.
Each run is limited to one thread (`OMP_THREAD_LIMIT=1`): sohoa runs pages side by side, one per
core, which is faster than letting every Tesseract fight for all cores.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytesseract
from PIL import Image

REGION_LINES = 100_000  # line numbers of words read from a region start here
INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd"


class OcrUnavailable(Exception):
    """Tesseract or its language model is missing; the message says what to install."""


@dataclass
class PageText:
    """What OCR read on one page."""

    text: str
    words: list[dict] = field(default_factory=list)
    confidence: float | None = None


def check_tesseract(lang: str) -> str:
    """Stop early, with the install command, if Tesseract or the language model is missing."""
    try:
        version = str(pytesseract.get_tesseract_version())
        languages = pytesseract.get_languages(config="")
    except pytesseract.TesseractNotFoundError as error:
        raise OcrUnavailable(
            f"Tesseract OCR is not installed. Install it with: {INSTALL_HINT}"
        ) from error
    if lang not in languages:
        package = f"tesseract-ocr-{lang}"
        raise OcrUnavailable(
            f"Tesseract has no '{lang}' language model (it has: {', '.join(sorted(languages))}). "
            f"Install it with: apt-get install {package}"
        )
    return version


def ocr_page(image: Path, lang: str, dpi: int) -> PageText:
    """Recognise one page image: its text (lines and paragraphs kept) and its words with boxes."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    data = pytesseract.image_to_data(
        str(image), lang=lang, config=f"--dpi {dpi}", output_type=pytesseract.Output.DICT
    )
    return page_text(_words(data))


def ocr_region(image: Path, box: tuple[int, int, int, int], lang: str, dpi: int) -> list[dict]:
    """The words in one region of a page (left, top, right, bottom), read as a single block
    (`--psm 6`), with boxes in page coordinates and line numbers after the page's own. Used
    where page segmentation fails: a signature block under a seal, which Tesseract reads as a
    picture on the whole page but as text on its own. A colour block is read from its red
    channel, where the seal is as light as the paper (see `prepare.drop_red_ink`)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    with Image.open(image) as page:
        crop = page.crop(box)
        crop.load()
    if crop.mode == "RGB":  # the block's red seal lifted, however little red the page has
        crop = crop.getchannel("R")
    data = pytesseract.image_to_data(
        crop, lang=lang, config=f"--dpi {dpi} --psm 6", output_type=pytesseract.Output.DICT
    )
    words = _words(data)
    for word in words:
        word["box"][0] += box[0]
        word["box"][1] += box[1]
        word["line"] += REGION_LINES
        word["par"] = [word["par"][0] + REGION_LINES, word["par"][1]]
    return words


def page_text(words: list[dict]) -> PageText:
    """A page's reading from its words: the text and mean confidence are made from them."""
    return PageText(text=_text(words), words=words, confidence=_mean_confidence(words))


def _words(data: dict) -> list[dict]:
    """The recognised words in reading order, each with its box, confidence (0-1) and line."""
    words: list[dict] = []
    line_keys: dict[tuple[int, int, int], int] = {}
    for i, text in enumerate(data["text"]):
        if data["level"][i] != 5 or not text.strip():
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        line = line_keys.setdefault(key, len(line_keys))
        words.append(
            {
                "text": text,
                "box": [data["left"][i], data["top"][i], data["width"][i], data["height"][i]],
                "conf": round(max(float(data["conf"][i]), 0.0) / 100, 3),
                "line": line,
                "par": [data["block_num"][i], data["par_num"][i]],
            }
        )
    return words


def _text(words: list[dict]) -> str:
    """Lines joined by newlines, a blank line between paragraphs, as Tesseract prints text."""
    lines: list[str] = []
    current_line, current_par = None, None
    for word in words:
        if word["line"] != current_line:
            if current_par is not None and word["par"] != current_par:
                lines.append("")
            lines.append(word["text"])
            current_line, current_par = word["line"], word["par"]
        else:
            lines[-1] += " " + word["text"]
    return "\n".join(lines)


def _mean_confidence(words: list[dict]) -> float | None:
    if not words:
        return None
    return round(sum(w["conf"] for w in words) / len(words), 3)
