"""Reading one page image: prepare it, OCR it, and take a second look at its signature block.

Preparation (`prepare`) rewrites the page image upright and level and says which image OCR
reads; word boxes are in the coordinates of the rewritten page. A page OCR reads poorly has its
orientation checked, and is read again if it was upside down.

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
from dataclasses import dataclass, field
from pathlib import Path

from sohoa.ingest import judge
from sohoa.ingest.layout import Layout, foot_region, read_layout
from sohoa.ingest.ocr import OcrFailed, OcrTimeout, PageText, ocr_page, ocr_region, page_text
from sohoa.ingest.prepare import Preparation, Prepared, needs_orientation, prepare_page, reorient

CONFIDENT = 0.8  # a word read at least this confidently counts as read
SOURCES = ("ocr", "text-layer", "text-layer-tcvn3", "text-layer-vni", "ocr-over-layer")


@dataclass
class ReadPage:
    """What was read on one page image, its layout, and the preparation steps applied first
    (`prepared`: the preparation's steps, and `reread-signature` if the foot was read again);
    `preparation`: all that preparation found and did, with the page's size after it; `source`:
    where its text came from (one of `SOURCES`: `ocr`; the PDF's `text-layer`, converted from
    TCVN3 or VNI; or `ocr-over-layer`, OCR that read more than a damaged layer)."""

    text: PageText
    layout: Layout
    prepared: list[str]
    preparation: Preparation = field(default_factory=Preparation)
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
    clean: bool = False,
) -> ReadPage:
    """Read one page image (runs in a worker thread): from its PDF text `layer` (words in page
    pixels, see `text_layer`) when that is good, else prepared and OCR'd; `clean`: clean the
    image OCR reads (setting `prepare_clean`). The page image is rewritten upright and level:
    its new size is in `ReadPage.preparation` (`width`, `height` here are the size as
    rendered). Past `timeout` seconds for the whole page (None: no limit), Tesseract is stopped
    and `OcrTimeout` raised; a Tesseract error is `OcrFailed`. Either carries the page's
    preparation as `.preparation`, as the image may have been turned before OCR stopped."""
    budget = _Budget(timeout)
    as_rendered = Preparation(width=width, height=height, dpi=dpi)
    verdict = None if layer is None else _judged(layer, image)
    if verdict is not None and verdict.usable:  # a born-digital page: nothing to prepare
        return _from_layer(verdict, as_rendered)
    prepared = Prepared(as_rendered, image)
    try:
        prepared = prepare_page(image, dpi, clean=clean, time_left=budget.left)
        if prepared.preparation.width is None:  # the image could not be opened to prepare
            prepared.preparation.width, prepared.preparation.height = width, height
        read = _read(image, prepared, lang, dpi, budget)
    except (OcrTimeout, OcrFailed) as error:
        if verdict is not None and verdict.kind != "none":  # a poor layer beats no text
            return _from_layer(verdict, prepared.preparation)
        if isinstance(error, OcrTimeout):  # said with the page's limit, not what was left
            stopped = OcrTimeout.after(timeout or 0)
            stopped.preparation = prepared.preparation
            raise stopped from error
        error.preparation = prepared.preparation
        raise
    if verdict is not None and verdict.kind != "none":
        return _better_of(read, verdict)
    return read


def _judged(layer: list[dict], image: Path) -> judge.Verdict | None:
    """The layer's verdict; None if judging it failed (a layer is a help, never a cause of
    failure: the page is then OCR'd as if it had none)."""
    try:
        return judge.judge(layer, image)
    except Exception:  # any fault in the layer, or in judging it
        return None


def _better_of(read: ReadPage, verdict: judge.Verdict) -> ReadPage:
    """OCR's reading of a page whose layer is damaged or partial, unless the layer reads
    clearly more Vietnamese. (The layer's boxes are the page as rendered: a page that
    preparation turned or levelled keeps OCR's reading.)"""
    moved = bool(read.preparation.rotation) or "deskew" in read.preparation.steps
    if moved or judge.ocr_wins(judge.score(read.text.text), verdict.score):
        read.source = "ocr-over-layer"
        return read
    return _from_layer(verdict, read.preparation)


def _from_layer(verdict: judge.Verdict, preparation: Preparation) -> ReadPage:
    """The page read from its layer's words, with what preparation did to its image."""
    text = page_text(verdict.words)
    layout = read_layout(text.words, preparation.width or 0, preparation.height or 0)
    return ReadPage(text, layout, list(preparation.steps), preparation, source=verdict.source)


def _read(image: Path, prepared: Prepared, lang: str, dpi: int, budget: _Budget) -> ReadPage:
    preparation = prepared.preparation
    text, layout, reread = _ocr(prepared.ocr_image, lang, dpi, preparation, budget)
    if needs_orientation(preparation, text.confidence) and reorient(image, prepared, budget.left):
        text, layout, reread = _ocr(prepared.ocr_image, lang, dpi, preparation, budget)
    steps = [*preparation.steps, *(["reread-signature"] if reread else [])]
    return ReadPage(text, layout, steps, preparation)


def _ocr(
    image: Path, lang: str, dpi: int, preparation: Preparation, budget: _Budget
) -> tuple[PageText, Layout, bool]:
    """The page's reading and layout, and whether its foot was read again."""
    width, height = preparation.width or 0, preparation.height or 0
    text = ocr_page(image, lang, dpi, timeout=budget.left())
    layout = read_layout(text.words, width, height)
    region = foot_region(layout)
    if region is None:
        return text, layout, False
    again = ocr_region(image, region, lang, dpi, timeout=budget.left())
    before = [w for w in text.words if _inside(w, region)]
    if _read_words(again) <= _read_words(before):
        return text, layout, False
    text = page_text([w for w in text.words if not _inside(w, region)] + again)
    return text, read_layout(text.words, width, height), True


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
