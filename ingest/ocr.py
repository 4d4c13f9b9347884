"""OCR: Tesseract with the Vietnamese model, wrapped in one place.

One Tesseract run per page gives both the text and the word boxes (TSV output): the text is
rebuilt from the words, so text and boxes can never disagree and no page is recognised twice.
Tesseract is given the page's file path, not an image object, so nothing is re-encoded on the way.
Each run is limited to one thread (`OMP_THREAD_LIMIT=1`): sohoa runs pages side by side, one per
core, which is faster than letting every Tesseract fight for all cores.

A run may be given a time limit: Tesseract can hang on a damaged or pathological image, and one
page must not hold up a whole batch. pytesseract stops the process past the limit; that, and a
Tesseract that exits with an error, become `OcrTimeout` and `OcrFailed`, so the caller can record
the page as unread and go on with the document. (pytesseract sends SIGTERM, then SIGKILL a second
later without waiting for it: a Tesseract that ignores SIGTERM is left a zombie until sohoa ends.)
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


class OcrTimeout(Exception):
    """Tesseract ran past the page's time limit and was stopped."""

    @classmethod
    def after(cls, seconds: float) -> OcrTimeout:
        return cls(f"OCR took longer than {seconds:g} s on this page (SOHOA_OCR_PAGE_TIMEOUT)")


class OcrFailed(Exception):
    """Tesseract exited with an error on this page; the message is Tesseract's."""


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


def ocr_page(image: Path, lang: str, dpi: int, timeout: float | None = None) -> PageText:
    """Recognise one page image: its text (lines and paragraphs kept) and its words with boxes.
    Tesseract is stopped after `timeout` seconds (None: no limit)."""
    return page_text(_words(_tesseract(str(image), lang, f"--dpi {dpi}", timeout)))


def ocr_region(
    image: Path, box: tuple[int, int, int, int], lang: str, dpi: int, timeout: float | None = None
) -> list[dict]:
    """The words in one region of a page (left, top, right, bottom), read as a single block
    (`--psm 6`), with boxes in page coordinates and line numbers after the page's own. Used
    where page segmentation fails: a signature block under a seal, which Tesseract reads as a
    picture on the whole page but as text on its own. A colour block is read from its red
    channel, where the seal is as light as the paper (see `prepare.drop_red_ink`)."""
    with Image.open(image) as page:
        crop = page.crop(box)
        crop.load()
    if crop.mode == "RGB":  # the block's red seal lifted, however little red the page has
        crop = crop.getchannel("R")
    words = _words(_tesseract(crop, lang, f"--dpi {dpi} --psm 6", timeout))
    for word in words:
        word["box"][0] += box[0]
        word["box"][1] += box[1]
        word["line"] += REGION_LINES
        word["par"] = [word["par"][0] + REGION_LINES, word["par"][1]]
    return words


def _tesseract(image: str | Image.Image, lang: str, config: str, timeout: float | None) -> dict:
    """One Tesseract run's words (TSV, as a dict of columns), stopped after `timeout` seconds."""
    if timeout is not None and timeout <= 0:  # pytesseract reads 0 as "no limit"
        raise OcrTimeout.after(0)
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        return pytesseract.image_to_data(
            image, lang=lang, config=config, output_type=pytesseract.Output.DICT, timeout=timeout
        )
    except pytesseract.TesseractError as error:
        ended = f"exit {error.status}" if error.status >= 0 else f"signal {-error.status}"
        detail = f": {error.message}" if error.message else ""
        raise OcrFailed(f"Tesseract failed on this page ({ended}){detail}") from error
    except RuntimeError as error:
        if str(error) != "Tesseract process timeout":  # how pytesseract says it stopped one
            raise
        raise OcrTimeout.after(timeout or 0) from error


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
