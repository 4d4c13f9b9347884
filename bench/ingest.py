"""Benchmark the ingest stages on the bundled samples and print the figures.

    .venv/bin/python bench/ingest.py [--rounds 2] [--samples samples]

What it measures, all in one run on this machine:
- rasterize: seconds per page to turn the sample files into page images (PDF at 300 dpi);
- orientation detection (Tesseract OSD, `--psm 0`): seconds per page, for the prepare stage;
- read: seconds per page for the whole read (prepare, OCR, and the second look at a signature
  block), against the OCR stage alone;
- OCR: seconds per page for sohoa's OCR stage (one Tesseract call for text and word boxes) and for
  the plain `tesseract IMAGE - -l vie` command on the same page images, and their ratio
  (target: sohoa ≤ 1.10 × plain). Both run with OMP_THREAD_LIMIT=1, as sohoa runs Tesseract;
- throughput: pages per minute of the OCR stage with 1 and 2 workers (target: 2 workers ≥ 1.8 × one
  on two cores), and of the whole `Ingester` (store, render, OCR, database, index, PDF/A copy)
  likewise, and with 2 workers without the PDF/A copies;
- preservation: seconds per page to make a PDF/A copy again from the stored original.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from sohoa.archive.database import open_database
from sohoa.archive.models import Document
from sohoa.archive.settings import Settings
from sohoa.ingest.discover import discover
from sohoa.ingest.identify import UnsupportedFile, identify
from sohoa.ingest.ocr import ocr_page
from sohoa.ingest.pipeline import Ingester
from sohoa.ingest.preserve import preserve
from sohoa.ingest.rasterize import Limits, PageImage, rasterize
from sohoa.ingest.read import read_page
from sohoa.search import open_index

REPO = Path(__file__).resolve().parent.parent
LIMITS = Limits(max_pages=2000, max_page_pixels=100_000_000)


def render_pages(samples: Path, out: Path) -> tuple[list[PageImage], float]:
    started = time.perf_counter()
    pages: list[PageImage] = []
    for item in discover([str(samples)]):
        try:
            kind, _mime = identify(item.path)
        except UnsupportedFile:
            continue
        pages += rasterize(item.path, kind, out / item.path.stem, 300, LIMITS)
    return pages, time.perf_counter() - started


def time_osd(pages: list[PageImage]) -> float:
    started = time.perf_counter()
    for page in pages:
        subprocess.run(
            ["tesseract", str(page.path), "-", "--psm", "0", "-l", "osd"],
            capture_output=True,
            check=False,
        )
    return time.perf_counter() - started


def time_ocr(pages: list[PageImage], rounds: int) -> tuple[float, float]:
    """Seconds for sohoa's OCR stage and for plain tesseract over the pages, alternating order."""
    ours = plain = 0.0
    for round_number in range(rounds):
        for page in pages:
            order = [_ours, _plain] if round_number % 2 == 0 else [_plain, _ours]
            for run in order:
                started = time.perf_counter()
                run(page)
                elapsed = time.perf_counter() - started
                if run is _ours:
                    ours += elapsed
                else:
                    plain += elapsed
    return ours, plain


def time_read(pages: list[PageImage], scratch: Path) -> tuple[float, int]:
    """Seconds for the whole read of the pages (prepare, OCR, a second look at a signature
    block), on copies (preparing rewrites a page image), and on how many pages the second look
    replaced the first."""
    seconds, second_looks = 0.0, 0
    for page in pages:
        copy = scratch / f"read-{page.number}-{page.path.name}"
        shutil.copyfile(page.path, copy)
        started = time.perf_counter()
        read = read_page(copy, "vie", page.dpi, page.width, page.height)
        seconds += time.perf_counter() - started
        second_looks += "reread-signature" in read.prepared
    return seconds, second_looks


def _ours(page: PageImage) -> None:
    ocr_page(page.path, "vie", page.dpi)


def _plain(page: PageImage) -> None:
    subprocess.run(
        ["tesseract", str(page.path), "-", "-l", "vie", "--dpi", str(page.dpi)],
        capture_output=True,
        check=True,
    )


def ocr_throughput(pages: list[PageImage], workers: int) -> float:
    """Pages per minute of the OCR stage alone, `workers` pages at a time."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_ours, pages))
    return len(pages) / (time.perf_counter() - started) * 60


def ingest_throughput(
    folders: list[str], workers: int, home: Path, preserve: bool = True
) -> tuple[float, int]:
    """Pages per minute of the whole pipeline into a fresh archive; without `preserve`, with
    the PDF/A copies left out (to show what they cost)."""
    settings = Settings(home=home)
    engine: Engine = open_database(settings)
    ingester = Ingester(settings, engine, open_index(settings), workers=workers)
    if not preserve:  # the copies neither made with the pages nor caught up afterwards
        ingester._start_copy = lambda work: None
        ingester._preserve_pending = lambda: None
    started = time.perf_counter()
    report = ingester.run(folders)
    elapsed = time.perf_counter() - started
    pages = sum(f.pages for f in report.files if f.status == "ingested")
    engine.dispose()
    return pages / elapsed * 60, pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=REPO / "samples")
    parser.add_argument("--rounds", type=int, default=2, help="OCR timing rounds per page")
    parser.add_argument("--copies", type=int, default=2, help="page list repeats for throughput")
    args = parser.parse_args()
    os.environ["OMP_THREAD_LIMIT"] = "1"
    cores = len(os.sched_getaffinity(0))
    version = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout
    print(f"machine: {cores} cores; {version.splitlines()[0]}; python {sys.version.split()[0]}")

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        pages, render_seconds = render_pages(args.samples, scratch / "pages")
        n = len(pages)
        print(f"pages: {n} from {args.samples}")
        print(f"rasterize: {render_seconds / n:.3f} s/page")
        print(f"orientation (tesseract OSD): {time_osd(pages) / n:.3f} s/page")

        ours, plain = time_ocr(pages, args.rounds)
        runs = n * args.rounds
        ratio = ours / plain
        print(f"OCR, plain tesseract: {plain / runs:.3f} s/page")
        print(f"OCR, sohoa stage (text + boxes): {ours / runs:.3f} s/page")
        print(f"OCR ratio sohoa/plain: {ratio:.3f}  (target ≤ 1.10: {_verdict(ratio <= 1.10)})")
        read, looks = time_read(pages, scratch)
        print(
            f"read stage (prepare + OCR + signature look): {read / n:.3f} s/page, "
            f"{read / n / (ours / runs):.2f}× the OCR stage; "
            f"the second look replaced the first on {looks} of {n} pages"
        )

        work = pages * args.copies
        one = ocr_throughput(work, 1)
        two = ocr_throughput(work, 2)
        print(
            f"OCR stage, {len(work)} pages: 1 worker {one:.1f} pages/min, 2 workers {two:.1f} "
            f"pages/min, speed-up {two / one:.2f}× (target ≥ 1.8: {_verdict(two / one >= 1.8)})"
        )

        copies = _copies_of_samples(args.samples, scratch / "copies", args.copies)
        one, count = ingest_throughput(copies, 1, scratch / "home1")
        two, _ = ingest_throughput(copies, 2, scratch / "home2")
        print(
            f"whole ingest, {count} pages: 1 worker {one:.1f} pages/min, 2 workers {two:.1f} "
            f"pages/min, speed-up {two / one:.2f}×"
        )
        bare, _ = ingest_throughput(copies, 2, scratch / "home3", preserve=False)
        print(
            f"whole ingest without the PDF/A copies, 2 workers: {bare:.1f} pages/min "
            f"(the copies cost {1 - two / bare:.0%} of the throughput)"
        )
        made, pages_copied = time_preserve(scratch / "home1")
        print(f"PDF/A copy made again from the original: {made / pages_copied:.3f} s/page")


def time_preserve(home: Path) -> tuple[float, int]:
    """Seconds to make every document's PDF/A copy again from its original (render, turn and
    level, build), and the pages they hold."""
    settings = Settings(home=home)
    engine = open_database(settings)
    with Session(engine) as session:
        documents = session.exec(select(Document.id, Document.page_count)).all()
    started = time.perf_counter()
    for document_id, _ in documents:
        preserve(settings, engine, document_id, "bench")
    return time.perf_counter() - started, sum(count for _, count in documents)


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _copies_of_samples(samples: Path, out: Path, copies: int) -> list[str]:
    """Distinct copies of the samples (one byte appended) so none is skipped as a duplicate."""
    folders = []
    for copy in range(copies):
        folder = out / f"copy-{copy}"
        folder.mkdir(parents=True)
        for item in discover([str(samples)]):
            (folder / item.path.name).write_bytes(item.path.read_bytes() + bytes([copy]))
        folders.append(str(folder))
    return folders


if __name__ == "__main__":
    main()
