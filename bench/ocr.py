"""Benchmark page preparation: OCR word error rate on degraded scans, with and without it.

    .venv/bin/python bench/ocr.py [--pages 2] [--kinds clean,rot90,...] [--no-ocrmypdf]

Synthetic scans are made in a temporary folder (nothing is committed): A4 pages of the sample
documents' Vietnamese text (`scripts/sample_texts/`), degraded one way per kind:

- clean: upright and level, 300 dpi (the control: preparation must not make it worse);
- rot90, rot180, rot270: turned a quarter, half or three quarters, 300 dpi;
- skew: tilted 1-4° either way, 300 dpi;
- noisy: yellowed paper, grain and speckles, 300 dpi;
- lowres: 150 dpi;
- mixed: turned, tilted 1-4°, yellowed and speckled, 200 dpi.

Every page is read, in the same run, by: plain `tesseract PAGE - -l vie`; sohoa's `read_page`
with preparation switched off; sohoa's `read_page` as it is (with preparation); and OCRmyPDF
`--deskew --rotate-pages --clean` (its sidecar text). All run Tesseract on one thread
(OMP_THREAD_LIMIT=1). Printed per kind: the word error rate (word-level edit distance over the
printed words, NFC) of each, the seconds per page of each, what preparation adds to sohoa's
time per page, how many pages preparation made worse, and how well it turned and levelled them.
Target: preparation never makes a page worse, lowers the error on turned and tilted pages, and
adds at most 15% to the time per page.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz.distance import Levenshtein

from sohoa.ingest import read as read_module
from sohoa.ingest.prepare import Preparation, Prepared
from sohoa.ingest.read import read_page

REPO = Path(__file__).resolve().parent.parent
TEXTS = REPO / "scripts" / "sample_texts"
SERIF = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
KINDS = ["clean", "rot90", "rot180", "rot270", "skew", "noisy", "lowres", "mixed"]
LINES_PER_PAGE = 34
PAPER, YELLOW, INK = 250, (236, 224, 190), (35, 30, 28)


@dataclass
class Scan:
    """A degraded page: its image, resolution, printed text and the truth of its geometry."""

    kind: str
    image: Image.Image
    dpi: int
    truth: str
    rotation: int = 0
    skew: float = 0.0


@dataclass
class Figures:
    """What one reader did on one kind of page: error rates and seconds, per page."""

    wer: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def mean_wer(self) -> str:
        return f"{100 * np.mean(self.wer):5.1f}%" if self.wer else "    —"

    def mean_seconds(self) -> float:
        return float(np.mean(self.seconds)) if self.seconds else float("nan")


def printed_lines() -> list[str]:
    lines = []
    for path in sorted(TEXTS.glob("*.txt")):
        text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
        lines += [line.strip() for line in text.replace("\f", "\n").splitlines() if line.strip()]
    return lines


def render(lines: list[str]) -> Image.Image:
    """An A4 page at 300 dpi with the lines in a 12-point serif."""
    page = Image.new("L", (2480, 3508), PAPER)
    draw, font = ImageDraw.Draw(page), ImageFont.truetype(SERIF, 50)
    for number, line in enumerate(lines):
        draw.text((240, 260 + number * 86), line, font=font, fill=0)
    return page


def degrade(page: Image.Image, kind: str, rng: np.random.Generator, truth: str) -> Scan:
    scan = Scan(kind, page, 300, truth)
    if kind in ("skew", "mixed"):
        scan.skew = round(float(rng.choice([-1, 1]) * rng.uniform(1, 4)), 2)
        scan.image = scan.image.rotate(
            scan.skew, resample=Image.Resampling.BICUBIC, fillcolor=PAPER
        )
    if kind in ("noisy", "mixed"):
        scan.image = _yellowed(_speckled(scan.image, rng))
    if kind.startswith("rot") or kind == "mixed":
        scan.rotation = int(kind[3:]) if kind.startswith("rot") else int(rng.choice([90, 180, 270]))
        scan.image = scan.image.rotate(scan.rotation, expand=True)  # counter-clockwise
    if kind in ("lowres", "mixed"):
        scan.dpi = 150 if kind == "lowres" else 200
        size = (round(scan.image.width * scan.dpi / 300), round(scan.image.height * scan.dpi / 300))
        scan.image = scan.image.resize(size, Image.Resampling.LANCZOS)
    return scan


def _speckled(page: Image.Image, rng: np.random.Generator) -> Image.Image:
    pixels = np.asarray(page, dtype=np.float32) + rng.normal(0, 14, (page.height, page.width))
    dots = rng.random(pixels.shape)
    pixels[dots < 0.0015] = 0
    pixels[dots > 0.9985] = 255
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _yellowed(page: Image.Image) -> Image.Image:
    bands = [
        page.point(lambda v, ink=ink, paper=paper: ink + (paper - ink) * v // 255)
        for ink, paper in zip(INK, YELLOW, strict=True)
    ]
    return Image.merge("RGB", bands)


def wer(truth: str, read: str) -> float:
    words = unicodedata.normalize("NFC", truth).split()
    return Levenshtein.distance(words, unicodedata.normalize("NFC", read).split()) / len(words)


def plain_tesseract(path: Path, dpi: int) -> str:
    done = subprocess.run(
        ["tesseract", str(path), "-", "-l", "vie", "--dpi", str(dpi)],
        capture_output=True,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        check=True,
    )
    return done.stdout.decode("utf-8")


def sohoa(path: Path, scan: Scan, prepare: bool) -> tuple[str, Preparation]:
    width, height = scan.image.size
    if prepare:
        read = read_page(path, "vie", scan.dpi, width, height)
    else:
        with _no_preparation():
            read = read_page(path, "vie", scan.dpi, width, height)
    return read.layout.text(), read.preparation


class _no_preparation:
    """read_page with the prepare stage taken out: the page OCR'd as scanned."""

    def __enter__(self):
        self.saved = read_module.prepare_page, read_module.needs_orientation

        def as_scanned(path, dpi, **_kwargs):
            with Image.open(path) as image:
                size = image.size
            return Prepared(Preparation(width=size[0], height=size[1], dpi=dpi), path)

        read_module.prepare_page = as_scanned
        read_module.needs_orientation = lambda *_args: False

    def __exit__(self, *_exc):
        read_module.prepare_page, read_module.needs_orientation = self.saved


def ocrmypdf(path: Path, dpi: int, work: Path) -> str:
    """OCRmyPDF's text of the page (`--sidecar`), with its own preparation switched on."""
    sidecar = work / "sidecar.txt"
    command = [
        sys.executable, "-m", "ocrmypdf", "--deskew", "--rotate-pages", "--clean", "-l", "vie",
        "--image-dpi", str(dpi), "--jobs", "1", "--output-type", "pdf", "--optimize", "0",
        "--sidecar", str(sidecar), "--quiet", str(path), str(work / "out.pdf"),
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"}, timeout=600
    )
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"exit {done.returncode}: {lines[-1] if lines else ''}")
    return sidecar.read_text(encoding="utf-8")


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def bench_page(scan: Scan, work: Path, results: dict, checks: dict, use_ocrmypdf: bool) -> None:
    original = work / "scan.pnm"
    scan.image.save(original, format="PPM")
    kind = scan.kind

    def fresh(name: str) -> Path:  # read_page rewrites its page: each reader gets a copy
        copy = work / name
        shutil.copyfile(original, copy)
        return copy

    text, seconds = timed(plain_tesseract, original, scan.dpi)
    _record(results[kind]["tesseract"], scan.truth, text, seconds)
    (text, _), seconds = timed(sohoa, fresh("bare.pnm"), scan, False)
    _record(results[kind]["sohoa, not prepared"], scan.truth, text, seconds)
    (text, done), seconds = timed(sohoa, fresh("prepared.pnm"), scan, True)
    _record(results[kind]["sohoa, prepared"], scan.truth, text, seconds)
    checks[kind].append((scan, done))
    if use_ocrmypdf:
        png = work / "scan.png"
        scan.image.save(png, dpi=(scan.dpi, scan.dpi))
        try:
            text, seconds = timed(ocrmypdf, png, scan.dpi, work)
            _record(results[kind]["OCRmyPDF"], scan.truth, text, seconds)
        except (RuntimeError, OSError, subprocess.SubprocessError) as error:
            results[kind]["OCRmyPDF"].failed.append(str(error))


def _record(figures: Figures, truth: str, text: str, seconds: float) -> None:
    figures.wer.append(wer(truth, text))
    figures.seconds.append(seconds)


def report(results: dict, checks: dict) -> None:
    readers = ["tesseract", "sohoa, not prepared", "sohoa, prepared", "OCRmyPDF"]
    print("\nWord error rate (lower is better), and seconds per page")
    header = f"{'kind':8} {'pages':>5} " + " ".join(f"{r:>20}" for r in readers)
    print(header + f" {'prep adds':>10} {'worse':>5}")
    for kind, by_reader in results.items():
        row = f"{kind:8} {len(by_reader['tesseract'].wer):5d} "
        row += " ".join(f"{f.mean_wer():>11} {f.mean_seconds():6.2f} s" for f in by_reader.values())
        bare, prepared = by_reader["sohoa, not prepared"], by_reader["sohoa, prepared"]
        added = prepared.mean_seconds() / bare.mean_seconds() - 1
        worse = sum(p > b + 0.005 for p, b in zip(prepared.wer, bare.wer, strict=True))
        print(row + f" {100 * added:9.0f}% {worse:5d}")
    _report_totals(results)
    _report_geometry(checks)
    failures = [f for r in results.values() for f in r["OCRmyPDF"].failed]
    if failures:
        print(f"\nOCRmyPDF did not run on {len(failures)} page(s): {failures[0]}")


def _report_totals(results: dict) -> None:
    bare = [s for r in results.values() for s in r["sohoa, not prepared"].seconds]
    prepared = [s for r in results.values() for s in r["sohoa, prepared"].seconds]
    print(
        f"\nall pages: sohoa {np.mean(bare):.2f} s a page not prepared, {np.mean(prepared):.2f} s "
        f"prepared: preparation adds {100 * (np.mean(prepared) / np.mean(bare) - 1):.0f}%"
    )


def _report_geometry(checks: dict) -> None:
    print("\nGeometry: pages turned the right way, and |measured - true tilt| (degrees)")
    for kind, pages in checks.items():
        right = sum(done.rotation == scan.rotation for scan, done in pages)
        errors = [abs(done.skew - scan.skew) for scan, done in pages if not done.blank]
        problems = [done.error for _, done in pages if done.error]
        worst = f"{max(errors):.2f}" if errors else "—"
        print(
            f"{kind:8} turned right {right}/{len(pages)}, tilt error mean "
            f"{np.mean(errors) if errors else float('nan'):.2f} max {worst}"
            + (f", errors: {problems[0]}" if problems else "")
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2, help="pages of each kind")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated kinds")
    parser.add_argument("--no-ocrmypdf", action="store_true", help="leave OCRmyPDF out")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        parser.error(f"unknown kinds: {', '.join(sorted(unknown))} (known: {', '.join(KINDS)})")
    use_ocrmypdf = not args.no_ocrmypdf and _ocrmypdf_runs()
    lines, rng = printed_lines(), np.random.default_rng(args.seed)
    readers = ["tesseract", "sohoa, not prepared", "sohoa, prepared", "OCRmyPDF"]
    results = {k: {r: Figures() for r in readers} for k in kinds}
    checks: dict = {k: [] for k in kinds}
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-ocr-") as tmp:
        work = Path(tmp)
        for number in range(args.pages):
            for kind in kinds:
                start = int(rng.integers(0, max(1, len(lines) - LINES_PER_PAGE)))
                chosen = lines[start : start + LINES_PER_PAGE]
                scan = degrade(render(chosen), kind, rng, "\n".join(chosen))
                print(f"page {number + 1}/{args.pages} {kind}", file=sys.stderr, flush=True)
                bench_page(scan, work, results, checks, use_ocrmypdf)
    report(results, checks)


def _ocrmypdf_runs() -> bool:
    """Whether OCRmyPDF can be run here; if not, say why and go on without it."""
    done = subprocess.run(
        [sys.executable, "-m", "ocrmypdf", "--version"], capture_output=True, text=True
    )
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"OCRmyPDF cannot run ({why}): pip install '.[bench]'; left out", file=sys.stderr)
        return False
    if shutil.which("unpaper") is None:
        print("unpaper is missing (apt-get install unpaper): OCRmyPDF --clean cannot run; left out")
        return False
    return True


if __name__ == "__main__":
    main()
