"""Reading one page image: prepare it, OCR it, and take a second look at its signature block.

Tesseract segments a whole page into blocks first; a signature block under a red seal, with a
signature stroke across it, is often taken for a picture and not read at all (on synthetic
pages with seals, the signer was missing on a third of them). Read on its own as one block of
text (`--psm 6`), the same region gives its lines back. So when a page has a foot (`Nơi nhận`
or a signing authority), the region right of the recipients is read again, and its words
replace the first reading's there if more of them are confident words.

A page's time limit covers all of it: each Tesseract run is given what is left of it.

A PDF page may carry its own text (born digital, or OCR'd before): `read_page` is then given that
layer's words and reads the page from them, without Tesseract, when `judge` finds them good
Vietnamese covering the page (converted first if typed in TCVN3 or VNI). A layer judged damaged
or partial is weighed against Tesseract's reading of the image and the better kept; a layer that
cannot be judged is ignored. `ReadPage.source` records which it was.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sohoa.ingest import judge
from sohoa.ingest.layout import Layout, foot_region, read_layout
from sohoa.ingest.ocr import OcrFailed, OcrTimeout, PageText, ocr_page, ocr_region, page_text
from sohoa.ingest.prepare import drop_red_ink

CONFIDENT = 0.8  # a word read at least this confidently counts as read


SOURCES = ("ocr", "text-layer", "text-layer-tcvn3", "text-layer-vni", "ocr-over-layer")


@dataclass
class ReadPage:
    """What was read on one page image, its layout, the preparation steps applied first, and
    where its text came from (one of `SOURCES`: `ocr`; the PDF's `text-layer`, converted from
    TCVN3 or VNI; or `ocr-over-layer`, OCR that read more than a damaged layer)."""

    text: PageText
    layout: Layout
    prepared: list[str]
    source: str = "ocr"


def read_page(
    image: Path,
    lang: str,
    dpi: int,
    width: int,
    height: int,
    *,
    timeout: float | None = None,
    layer: list[dict] | None = None,
) -> ReadPage:
    """Read one page image (runs in a worker thread): from its PDF text `layer` (words in page
    pixels, see `text_layer`) when that is good, else prepared and OCR'd. Past `timeout` seconds
    for the whole page (None: no limit), Tesseract is stopped and `OcrTimeout` raised; a
    Tesseract error is `OcrFailed`."""
    budget = _Budget(timeout)
    try:
        if layer is None:
            return _read(image, lang, dpi, width, height, budget)
        return _read_over_layer(image, lang, dpi, width, height, budget, layer)
    except OcrTimeout as error:  # said with the page's limit, not what was left of it
        raise OcrTimeout.after(timeout or 0) from error


def _read_over_layer(
    image: Path, lang: str, dpi: int, width: int, height: int, budget: _Budget, layer: list[dict]
) -> ReadPage:
    """The layer when it is good; else OCR, unless the layer reads clearly more Vietnamese, or
    OCR fails and the layer has words: a layer, even a poor one, is better than no text."""
    verdict = _judged(layer, image)
    if verdict is None or verdict.kind == "none":
        return _read(image, lang, dpi, width, height, budget)
    if verdict.usable:
        return _from_layer(verdict, width, height)
    try:
        read = _read(image, lang, dpi, width, height, budget)
    except (OcrTimeout, OcrFailed):
        return _from_layer(verdict, width, height)
    if judge.ocr_wins(judge.score(read.text.text), verdict.score):
        read.source = "ocr-over-layer"
        return read
    return _from_layer(verdict, width, height)


def _judged(layer: list[dict], image: Path) -> judge.Verdict | None:
    """The layer's verdict; None if judging it failed (a layer is a help, never a cause of
    failure: the page is then OCR'd as if it had none)."""
    try:
        return judge.judge(layer, image)
    except Exception:  # any fault in the layer, or in judging it
        return None


def _from_layer(verdict: judge.Verdict, width: int, height: int) -> ReadPage:
    text = page_text(verdict.words)
    return ReadPage(text, read_layout(text.words, width, height), [], verdict.source)


def _read(image: Path, lang: str, dpi: int, width: int, height: int, budget: _Budget) -> ReadPage:
    prepared = drop_red_ink(image)
    text = ocr_page(image, lang, dpi, timeout=budget.left())
    layout = read_layout(text.words, width, height)
    region = foot_region(layout)
    if region is not None:
        again = ocr_region(image, region, lang, dpi, timeout=budget.left())
        before = [w for w in text.words if _inside(w, region)]
        if _read_words(again) > _read_words(before):
            text = page_text([w for w in text.words if not _inside(w, region)] + again)
            layout = read_layout(text.words, width, height)
            prepared.append("reread-signature")
    return ReadPage(text, layout, prepared)


class _Budget:
    """The seconds left of a page's time limit, for the next Tesseract run."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.deadline = None if seconds is None else time.monotonic() + seconds

    def left(self) -> float | None:
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise OcrTimeout.after(self.seconds or 0)
        return left


def _inside(word: dict, region: tuple[int, int, int, int]) -> bool:
    left, top, width, height = word["box"]
    x, y = left + width / 2, top + height / 2
    return region[0] <= x <= region[2] and region[1] <= y <= region[3]


def _read_words(words: list[dict]) -> int:
    return sum(
        1 for w in words if w["conf"] >= CONFIDENT and sum(c.isalpha() for c in w["text"]) >= 2
    )
