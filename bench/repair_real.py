"""Repair on real scans: word error rate of Tesseract's text before and after repair.

    python bench/repair_real.py [--samples ../shared/samples/real]

The three real scanned pages in `../shared/samples/real/` (70–300 dpi, seals, handwriting,
two-column headers) with their hand transcriptions. Each page is OCR'd with the `vie` and the
`eng` model (Tesseract's default page segmentation), and the syllable error rate against the
transcription is printed for the raw OCR and for the repaired text, with the number of edits and
how many are flagged for review. Prints figures only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from sohoa.archive.text import normalize, syllables
from sohoa.ingest.repair import repair

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "real"


def ocr(image: Path, model: str) -> str:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    command = ["tesseract", str(image), "-", "-l", model]
    return subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout


def error_rate(truth: list[str], text: str) -> float:
    return Levenshtein.distance(truth, syllables(normalize(text))) / len(truth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=SAMPLES)
    args = parser.parse_args()
    print(f"{'page':<14} {'model':<5} {'WER raw':>8} {'repaired':>9} {'edits':>6} {'review':>7}")
    for truth_file in sorted(args.samples.glob("*.truth.txt")):
        name = truth_file.name.removesuffix(".truth.txt")
        image = next(p for p in args.samples.glob(f"{name}.*") if p.suffix in {".png", ".jpg"})
        truth = syllables(normalize(truth_file.read_text(encoding="utf-8")))
        for model in ("vie", "eng"):
            raw = ocr(image, model)
            repaired = repair(raw)
            review = sum(edit.review for edit in repaired.edits)
            print(
                f"{name:<14} {model:<5} {error_rate(truth, raw):>8.1%} "
                f"{error_rate(truth, repaired.text):>9.1%} {len(repaired.edits):>6} {review:>7}"
            )


if __name__ == "__main__":
    main()
