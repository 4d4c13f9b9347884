"""What a PDF's text layer is worth, page by page, against OCR of the same page.

    .venv/bin/python bench/text_layer.py [PDF ...] [--dpi 300]

For each page: the seconds to read the layer (one pdftotext run for the file, shared out over
its pages, plus judging the page: score and ink coverage), the seconds `read_page` takes with
the layer and without it (Tesseract), the layer's verdict and score (valid / marked / score,
see `sohoa.ingest.judge`), the score of Tesseract's reading, and where the page's text came from.
Default PDF: the real born-digital record in ../shared/samples/real.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sohoa.ingest import judge
from sohoa.ingest.rasterize import Limits, rasterize
from sohoa.ingest.read import read_page
from sohoa.ingest.text_layer import read_layers

REAL = Path(__file__).resolve().parent.parent.parent / "shared/samples/real/born_digital_vht507.pdf"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="*", type=Path, default=[REAL])
    parser.add_argument("--dpi", type=int, default=300)
    args = parser.parse_args()
    print("file page | layer s | read s (layer) | OCR s | verdict valid/marked/score | OCR score")
    for pdf in args.pdfs:
        with tempfile.TemporaryDirectory() as scratch:
            bench_file(pdf, Path(scratch), args.dpi)


def bench_file(pdf: Path, scratch: Path, dpi: int) -> None:
    pages = rasterize(pdf, "pdf", scratch, dpi, Limits(1000, 10**9))
    started = time.perf_counter()
    layers = read_layers(pdf, pages) or [[] for _ in pages]
    extract = (time.perf_counter() - started) / len(pages)
    for page, layer in zip(pages, layers, strict=True):
        started = time.perf_counter()
        verdict = judge.judge(layer, page.path)
        judged = time.perf_counter() - started
        started = time.perf_counter()
        read = read_page(page.path, "vie", page.dpi, page.width, page.height, layer=layer)
        with_layer = time.perf_counter() - started
        started = time.perf_counter()
        ocr = read_page(page.path, "vie", page.dpi, page.width, page.height)
        ocr_seconds = time.perf_counter() - started
        found, read_score = verdict.score, judge.score(ocr.text.text)
        print(
            f"{pdf.name} {page.number} | {extract + judged:.3f} | {with_layer:.3f} {read.source} | "
            f"{ocr_seconds:.2f} | {verdict.kind} {found.valid:.3f}/{found.marked:.3f}/"
            f"{found.value:.3f} | {read_score.value:.3f}"
        )


if __name__ == "__main__":
    main()
