"""Backups at scale: how fast `backup` and `restore` copy, and whether a writer waits meanwhile.

    .venv/bin/python bench/backup.py [--documents 2000] [--size-kb 256] [--out build/bench-backup]

Builds a fresh archive under `--out` (no OCR): `--documents` records, each an original of
`--size-kb` random bytes, three pages of text and five events, sealed. Then it times:
- a full backup into a new folder, while another process appends one event per transaction
  (as `sohoa serve` would) and reports how long each append took, against the same writer with
  no backup running: the backup should not make writers wait;
- a second backup into the same folder with nothing new (every original re-hashed, none copied),
  and a third after 1% more records were added;
- a restore into a fresh SOHOA_HOME (the copy checked whole, the trail verified).
Prints figures only: nothing here passes or fails. The archive and its copies are deleted
afterwards. The writer is stopped before each backup records its own event (two processes
appending at once can collide on the event number, which the database fix handles).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import Session

from sohoa.archive import backup, checkpoints, storage, trail
from sohoa.archive.database import open_database
from sohoa.archive.models import Document, Page
from sohoa.archive.settings import Settings

WRITER = """
import sys, time
from pathlib import Path
from sqlmodel import Session
from sohoa.archive import trail
from sohoa.archive.database import open_database
from sohoa.archive.settings import Settings

stop = Path(sys.argv[1])
engine = open_database(Settings())
times = []
while not stop.exists():
    start = time.perf_counter()
    with Session(engine) as session:
        trail.record(session, "bench.written", actor="writer", object_type="archive")
        session.commit()
    times.append(time.perf_counter() - start)
    time.sleep(0.005)
print(" ".join(f"{t:.6f}" for t in times))
"""

TEXT = "Kế hoạch số hóa tài liệu lưu trữ của cơ quan năm 2024, báo cáo tổng kết công tác. " * 25


def build(settings: Settings, first: int, count: int, size: int) -> None:
    """`count` records from number `first`, each with an original, three pages, five events."""
    engine = open_database(settings)
    scratch = settings.home / "scratch"
    scratch.mkdir(exist_ok=True)
    with Session(engine) as session:
        for number in range(first, first + count):
            source = scratch / f"{number}.bin"
            source.write_bytes(os.urandom(size))
            sha = storage.sha256_of(source)
            storage.store(settings.originals_dir, source, sha)
            document = Document(
                sha256=sha, name=f"scan-{number}.pdf", size=size, mime="application/pdf"
            )
            document.status, document.page_count = "ingested", 3
            session.add(document)
            session.flush()
            for page in (1, 2, 3):
                session.add(
                    Page(
                        document_id=document.id,
                        number=page,
                        width=2480,
                        height=3508,
                        dpi=300,
                        raw_text=TEXT,
                        text=TEXT,
                    )
                )
            for action in ("stored", "recognized", "repaired", "described", "ingested"):
                trail.record(
                    session,
                    f"document.{action}",
                    actor="Nguyễn Thị Lan",
                    object_type="document",
                    object_id=document.id,
                    details={"sha256": sha},
                )
            if number % 200 == 0:
                session.commit()
        session.commit()
    checkpoints.seal_archive(settings, engine)
    engine.dispose()
    shutil.rmtree(scratch)


def writer_latencies(settings: Settings, work, stop: Path) -> list[float]:
    """Run `work(stop_writer)` while another process appends events; each append's seconds."""
    stop.unlink(missing_ok=True)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(stop)],
        env={**os.environ, "SOHOA_HOME": str(settings.home)},
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)  # under way

    def stop_writer(*_):
        stop.touch()
        writer.wait(timeout=120)

    try:
        work(stop_writer)
    finally:
        stop.touch()
        output = writer.communicate(timeout=120)[0]
    return [float(t) for t in output.split()]


def summary(times: list[float]) -> str:
    if not times:
        return "no appends"
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{len(times)} appends, median {statistics.median(times) * 1000:.1f} ms, "
        f"p99 {p99 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"
    )


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--size-kb", type=int, default=256)
    parser.add_argument("--out", type=Path, default=Path("build/bench-backup"))
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    settings = Settings(home=args.out / "archive")
    folder, restored = args.out / "backup", Settings(home=args.out / "restored")
    size = args.size_kb * 1024
    try:
        start = time.perf_counter()
        build(settings, 1, args.documents, size)
        print(f"built {args.documents} records in {time.perf_counter() - start:.1f} s")
        megabytes = size_of(settings.home) / 1e6
        database = (settings.home / "sohoa.db").stat().st_size / 1e6
        print(f"archive: {megabytes:.0f} MB ({database:.0f} MB database)")

        quiet = writer_latencies(settings, lambda stop: (time.sleep(5), stop()), args.out / "s")
        print(f"writer alone, 5 s:            {summary(quiet)}")

        timed: dict[str, float] = {}

        def full(stop_writer) -> None:
            begin = time.perf_counter()
            made = backup.backup(settings, folder, progress=_stop_at_end(stop_writer))
            timed["full"] = time.perf_counter() - begin
            timed["copied"] = made.copied

        during = writer_latencies(settings, full, args.out / "s")
        print(
            f"full backup: {timed['full']:.1f} s, {megabytes / timed['full']:.0f} MB/s, "
            f"{timed['copied']} originals copied"
        )
        print(f"writer during the backup:     {summary(during)}")

        begin = time.perf_counter()
        again = backup.backup(settings, folder)
        print(
            f"second backup, nothing new: {time.perf_counter() - begin:.1f} s "
            f"({again.kept} originals re-hashed and kept, {again.copied} copied)"
        )
        more = max(1, args.documents // 100)
        build(settings, args.documents + 1, more, size)
        begin = time.perf_counter()
        third = backup.backup(settings, folder)
        print(
            f"third backup, {more} new records: {time.perf_counter() - begin:.1f} s "
            f"({third.copied} copied, {third.kept} kept)"
        )

        begin = time.perf_counter()
        back = backup.restore(folder, restored)
        seconds = time.perf_counter() - begin
        print(
            f"restore: {seconds:.1f} s, {size_of(restored.home) / 1e6 / seconds:.0f} MB/s, "
            f"{back.originals} originals, trail {'verifies' if back.verification.ok else 'FAILS'}"
            f" ({back.verification.events} events)"
        )
    finally:
        shutil.rmtree(args.out, ignore_errors=True)


def _stop_at_end(stop_writer):
    """A progress callback that stops the writer once the last original is copied, before the
    backup records its event."""

    def progress(done: int, total: int) -> None:
        if done == total:
            stop_writer()

    return progress


if __name__ == "__main__":
    main()
