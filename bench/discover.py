"""Benchmark discovery over a folder of many small files, and what ingesting them costs.

    .venv/bin/python bench/discover.py [--files 10000] [--ingest-files 1000]

It builds, in a temporary folder, `--files` small files in folders of 100: every other one the
same tiny PNG (so all but one are duplicates), the rest short text files (unsupported). It prints:
- discovery: seconds to walk, stat and list them all (best of 3), and files per second;
- ingest overhead: seconds per file for the whole `Ingester` over the first `--ingest-files` of
  them (one PNG is read by OCR, every other file is a duplicate or refused, each with its job,
  its database rows and its trail event), and files per second. 0 skips it.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from sohoa.archive.database import open_database
from sohoa.archive.settings import Settings
from sohoa.ingest.discover import discover
from sohoa.ingest.pipeline import Ingester
from sohoa.search import open_index

PER_FOLDER = 100


def build(root: Path, files: int) -> None:
    """`files` files under `root`, 100 a folder: a duplicated tiny PNG and unsupported text."""
    buffer = io.BytesIO()
    Image.new("L", (64, 32), 255).save(buffer, format="PNG")
    png = buffer.getvalue()
    for number in range(files):
        folder = root / f"box-{number // PER_FOLDER:04d}"
        if number % PER_FOLDER == 0:
            folder.mkdir(parents=True)
        if number % 2 == 0:
            (folder / f"scan-{number:05d}.png").write_bytes(png)
        else:
            (folder / f"notes-{number:05d}.pdf").write_text(f"not a scan, number {number}\n")


def time_discover(root: Path) -> tuple[int, float]:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        found = discover([str(root)])
        best = min(best, time.perf_counter() - started)
    return len(found), best


def time_ingest(root: Path, home: Path, files: int) -> tuple[int, float]:
    """Ingest the first `files` of the folders under `root` in one batch."""
    folders = sorted(str(p) for p in root.iterdir())[: max(1, files // PER_FOLDER)]
    settings = Settings(home=home, workers=1)
    engine = open_database(settings)
    ingester = Ingester(settings, engine, open_index(settings), workers=1)
    started = time.perf_counter()
    report = ingester.run(folders)
    elapsed = time.perf_counter() - started
    engine.dispose()
    statuses = {f.status for f in report.files}
    assert statuses <= {"ingested", "duplicate", "failed"}, statuses
    return len(report.files), elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--ingest-files", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-discover-") as tmp:
        root = Path(tmp) / "scans"
        started = time.perf_counter()
        build(root, args.files)
        print(f"built {args.files} files in {time.perf_counter() - started:.1f} s")
        count, seconds = time_discover(root)
        print(f"discovery: {count} files in {seconds:.3f} s ({count / seconds:,.0f} files/s)")
        if args.ingest_files:
            count, seconds = time_ingest(root, Path(tmp) / "archive", args.ingest_files)
            print(
                f"ingest: {count} files (1 OCR'd, the rest duplicate or refused) in {seconds:.1f} s"
                f" ({seconds / count * 1000:.1f} ms a file, {count / seconds:,.0f} files/s)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
