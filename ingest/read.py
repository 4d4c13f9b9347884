"""Reading one page image: prepare it, OCR it, and take a second look at its signature block.

Tesseract segments a whole page into blocks first; a signature block under a red seal, with a
signature stroke across it, is often taken for a picture and not read at all (on synthetic
pages with seals, the signer was missing on a third of them). Read on its own as one block of
text (`--psm 6`), the same region gives its lines back. So when a page has a foot (`Nơi nhận`
or a signing authority), the region right of the recipients is read again, and its words
replace the first reading's there if more of them are confident words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sohoa.ingest.layout import Layout, foot_region, read_layout
from sohoa.ingest.ocr import PageText, ocr_page, ocr_region, page_text
from sohoa.ingest.prepare import drop_red_ink

CONFIDENT = 0.8  # a word read at least this confidently counts as read


@dataclass
class ReadPage:
    """What was read on one page image, its layout, and the preparation steps applied first."""

    text: PageText
    layout: Layout
    prepared: list[str]


def read_page(image: Path, lang: str, dpi: int, width: int, height: int) -> ReadPage:
    """Prepare and OCR one page image (runs in a worker thread)."""
    prepared = drop_red_ink(image)
    text = ocr_page(image, lang, dpi)
    layout = read_layout(text.words, width, height)
    region = foot_region(layout)
    if region is not None:
        again = ocr_region(image, region, lang, dpi)
        before = [w for w in text.words if _inside(w, region)]
        if _read_words(again) > _read_words(before):
            text = page_text([w for w in text.words if not _inside(w, region)] + again)
            layout = read_layout(text.words, width, height)
            prepared.append("reread-signature")
    return ReadPage(text, layout, prepared)


def _inside(word: dict, region: tuple[int, int, int, int]) -> bool:
    left, top, width, height = word["box"]
    x, y = left + width / 2, top + height / 2
    return region[0] <= x <= region[2] and region[1] <= y <= region[3]


def _read_words(words: list[dict]) -> int:
    return sum(
        1 for w in words if w["conf"] >= CONFIDENT and sum(c.isalpha() for c in w["text"]) >= 2
    )
