"""An OCRmyPDF "OCR engine" that recognises nothing: it hands OCRmyPDF the text sohoa already
has (read, repaired, perhaps reviewed), so OCRmyPDF's own machinery (its text renderer, PDF/A
conversion, XMP metadata) builds the preservation copy around sohoa's text instead of running
Tesseract again and writing its raw mistakes.

OCRmyPDF loads engines as plugins and chooses one by `ocr_engine`; this one answers to
`sohoa`. The text travels beside the input PDF, one file per page (`<input>.page-1.json`: its
size, resolution, and lines of words with boxes in pixels), which is how the engine, called once
per page with only the input's name and the page's number, finds it.
"""

from __future__ import annotations

import json
from pathlib import Path

from ocrmypdf import hookimpl
from ocrmypdf.hocrtransform import BoundingBox, OcrClass, OcrElement
from ocrmypdf.pluginspec import OcrEngine, OrientationConfidence

NAME = "sohoa"


def sidecar(pdf: Path, number: int) -> Path:
    """Where the text of page `number` (from 1) of `pdf` is put for the engine."""
    return pdf.with_name(f"{pdf.name}.page-{number}.json")


class SohoaText(OcrEngine):
    """The engine: every page's text from the sidecar, nothing recognised."""

    @staticmethod
    def version() -> str:
        return "1"

    @staticmethod
    def creator_tag(options) -> str:
        return "sohoa (repaired Vietnamese text)"

    def __str__(self) -> str:
        return "sohoa text"

    @staticmethod
    def languages(options) -> set[str]:
        return set(options.languages)

    @staticmethod
    def get_orientation(input_file: Path, options) -> OrientationConfidence:
        return OrientationConfidence(angle=0, confidence=0.0)  # pages come upright already

    @staticmethod
    def get_deskew(input_file: Path, options) -> float:
        return 0.0

    @staticmethod
    def supports_generate_ocr() -> bool:
        return True

    @staticmethod
    def generate_ocr(input_file: Path, options, page_number: int = 0) -> tuple[OcrElement, str]:
        page = json.loads(sidecar(Path(options.input_file), page_number + 1).read_text("utf-8"))
        lines = [_line(words) for words in page["lines"]]
        width, height = page["width"], page["height"]
        body = OcrElement(
            ocr_class=OcrClass.PARAGRAPH, bbox=BoundingBox(0, 0, width, height), children=lines
        )
        tree = OcrElement(
            ocr_class=OcrClass.PAGE,
            bbox=BoundingBox(0, 0, width, height),
            dpi=float(page["dpi"]),
            page_number=page_number,
            children=[body] if lines else [],
        )
        text = "\n".join(" ".join(w["text"] for w in words) for words in page["lines"])
        return tree, text

    @staticmethod
    def generate_hocr(input_file, output_hocr, output_text, options) -> None:
        raise NotImplementedError("the sohoa engine gives its text through generate_ocr")

    @staticmethod
    def generate_pdf(input_file, output_pdf, output_text, options) -> None:
        raise NotImplementedError("the sohoa engine gives its text through generate_ocr")


def _line(words: list[dict]) -> OcrElement:
    children = [
        OcrElement(ocr_class=OcrClass.WORD, text=w["text"], bbox=BoundingBox(*w["box"]))
        for w in words
    ]
    box = BoundingBox(
        min(w.bbox.left for w in children),
        min(w.bbox.top for w in children),
        max(w.bbox.right for w in children),
        max(w.bbox.bottom for w in children),
    )
    return OcrElement(ocr_class=OcrClass.LINE, bbox=box, children=children)


@hookimpl
def get_ocr_engine(options):
    if options is not None and getattr(options, "ocr_engine", "auto") != NAME:
        return None
    return SohoaText()
