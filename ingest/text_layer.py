"""A PDF's own text layer, read as words with boxes, as OCR gives them.

A born-digital PDF (Word → PDF) carries its text exactly, and a scan that went through OCR
before (OCRmyPDF, a scanner's software) carries an invisible text layer (render mode 3). Either
way the text is there to read in milliseconds, where Tesseract takes seconds a page and makes
mistakes. poppler's `pdftotext -bbox-layout` reads it (the same poppler that renders the pages;
invisible text included) as pages of blocks of lines of words, each with its box in points.

The words come back in the shape `ocr` gives them (`text`, `box` [left, top, width, height] in
the pixels of the page as `rasterize` renders it at `dpi`, `conf`, `line`, `par`), so layout,
repair and describe take them unchanged. poppler lays both out the same way: the media box, turned
by the page's /Rotate, top-left origin, so a box is the word's points × dpi / 72 (checked against
the rendered pages in tests/test_text_layer.py, rotated and cropped pages included). A layer word
has confidence 1.0: it is what the document says, not a guess; whether the layer as a whole is
worth keeping is `judge`'s question.

Reading a layer never fails a file: poppler missing, a timeout, or output that does not parse
gives None, and the pages are OCR'd as if they had no layer.
"""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from sohoa.ingest.rasterize import PageImage

POINTS_PER_INCH = 72
SECONDS = 30  # the whole file; poppler reads a 2-page layer in 0.05 s, a slower one is hostile
SECONDS_PER_PAGE = 2
_XHTML = "{http://www.w3.org/1999/xhtml}"
# Characters XML 1.0 forbids; a font with a broken ToUnicode map can make pdftotext print them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def read_layers(pdf: Path, pages: list[PageImage]) -> list[list[dict]] | None:
    """The text layer of each rendered page of `pdf`, as words in that page's pixels (a page
    without text: an empty list); None when the layer cannot be read at all."""
    if not pages:
        return []
    output = _pdftotext(pdf, len(pages))
    layers = None if output is None else parse(output, pages[0].dpi)
    if layers is None or len(layers) < len(pages):
        return None
    return [
        _on_page(words, page.width, page.height)
        for words, page in zip(layers[: len(pages)], pages, strict=True)
    ]


def read_layer(pdf: Path, page: PageImage) -> list[dict] | None:
    """The text layer of one rendered page of `pdf` (a worker reads its page alone), like
    `read_layers` gives it among the others."""
    output = _pdftotext(pdf, 1, first=page.number)
    layers = None if output is None else parse(output, page.dpi)
    if not layers:
        return None
    return _on_page(layers[0], page.width, page.height)


def _pdftotext(pdf: Path, pages: int, first: int = 1) -> str | None:
    """pdftotext's word boxes of `pages` pages from page `first`."""
    last = first + pages - 1
    command = ["pdftotext", "-q", "-enc", "UTF-8", "-bbox-layout"]
    command += ["-f", str(first), "-l", str(last), str(pdf), "-"]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            timeout=SECONDS + SECONDS_PER_PAGE * pages,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", errors="replace")


def parse(xhtml: str, dpi: int) -> list[list[dict]] | None:
    """pdftotext's `-bbox-layout` output → each page's words (None if it does not parse).
    Each block is a paragraph (`par` [flow, block]); each line gets its own number."""
    try:
        root = ElementTree.fromstring(_NOT_XML.sub("", xhtml))
    except ElementTree.ParseError:
        return None
    scale = dpi / POINTS_PER_INCH
    return [_page_words(page, scale) for page in root.iter(f"{_XHTML}page")]


def _page_words(page: ElementTree.Element, scale: float) -> list[dict]:
    words: list[dict] = []
    line_number = 0
    for flow_number, flow in enumerate(page.iter(f"{_XHTML}flow")):
        for block_number, block in enumerate(flow.iter(f"{_XHTML}block")):
            for line in block.iter(f"{_XHTML}line"):
                found = [
                    _word(word, scale, line_number, [flow_number, block_number])
                    for word in line.iter(f"{_XHTML}word")
                ]
                words.extend(word for word in found if word is not None)
                line_number += 1
    return words


def _word(element: ElementTree.Element, scale: float, line: int, par: list) -> dict | None:
    text = (element.text or "").strip()
    left, top, right, bottom = (_number(element, key) * scale for key in _BOX)
    if not text or right <= left or bottom <= top:
        return None
    box = [round(left), round(top), max(1, round(right - left)), max(1, round(bottom - top))]
    return {"text": text, "box": box, "conf": 1.0, "line": line, "par": par}


def _on_page(words: list[dict], width: int, height: int) -> list[dict]:
    """The words drawn on the page image, their boxes cut to it: text placed outside the media
    box is in the layer but not on the page. (The page's size is the rendered image's, since
    pdftotext gives it before /Rotate turns it.)"""
    kept = []
    for word in words:
        left, top, w, h = word["box"]
        right, bottom = min(left + w, width), min(top + h, height)
        left, top = max(left, 0), max(top, 0)
        if right > left and bottom > top:
            kept.append({**word, "box": [left, top, right - left, bottom - top]})
    return kept


def _number(element: ElementTree.Element, key: str) -> float:
    """An attribute as a number; a missing or broken one is 0 (its word is then dropped)."""
    try:
        return float(element.get(key, ""))
    except ValueError:
        return 0.0


_BOX = ("xMin", "yMin", "xMax", "yMax")
