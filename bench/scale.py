"""Benchmark an ingest spread over Celery workers against the in-process ingest; print the figures.

    .venv/bin/python bench/scale.py [--copies 4] [--broker redis://127.0.0.1:6379/3]
                                    [--database-url postgresql+psycopg://…]

The same files (each bundled sample `--copies` times, a byte added to each copy so its SHA-256
differs: a copy is a new document, rendered and read like the first) are ingested, each time into
a fresh archive, by the real `sohoa` command:
- in-process with `--workers 1`;
- through Celery with one page worker (`sohoa worker --concurrency 1`) and the writer;
- through Celery with two page workers and the writer.

It prints pages per minute for each, the ratios the issue sets targets for (Celery with 1 worker
within 5% of in-process; 2 workers ≥ 1.8 × one), and the queue's overhead per page: (Celery 1
worker − in-process) seconds / pages. A run's time is from the `sohoa ingest` command's start to
its exit (the batch closed by the writer). Needs Redis (and PostgreSQL with `--database-url`);
the broker's database is emptied first.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sohoa.ingest.identify import UnsupportedFile, identify
from sohoa.ingest.rasterize import Limits, count_pages

REPO = Path(__file__).resolve().parent.parent
SOHOA = str(Path(sys.executable).parent / "sohoa")
DPI = 300
LIMITS = Limits(max_pages=2000, max_page_pixels=100_000_000)
RUNS = [("in-process, --workers 1", None), ("Celery, 1 worker", 1), ("Celery, 2 workers", 2)]


def make_files(samples: Path, copies: int, out: Path) -> int:
    """`copies` distinct copies of every sample scan in `out`; the number of pages they hold."""
    out.mkdir(parents=True)
    pages = 0
    for sample in sorted(samples.iterdir()):
        try:
            kind, _mime = identify(sample)
        except UnsupportedFile:  # the samples' README
            continue
        for copy in range(copies):
            data = sample.read_bytes() + f"\n% copy {copy}\n".encode()
            (out / f"{sample.stem}-{copy}{sample.suffix}").write_bytes(data)
        pages += copies * count_pages(sample, kind, DPI, LIMITS)
    return pages


def timed_ingest(files: Path, env: dict[str, str], *options: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [SOHOA, "ingest", str(files), "--json", *options],
        env={**os.environ, **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def spread_ingest(files: Path, env: dict[str, str], page_workers: int, logs: Path) -> float:
    """An ingest through `page_workers` single-process workers and the writer, all started
    (and ready) before the clock starts, all stopped after; their logs in `logs`."""
    logs.mkdir(parents=True, exist_ok=True)
    workers = [_worker(env, logs / "writer.log", "--writer")]
    workers += [
        _worker(env, logs / f"pages-{n}.log", "--concurrency", "1") for n in range(page_workers)
    ]
    try:
        time.sleep(5)  # Celery's start-up is not the queue's cost
        return timed_ingest(files, env)
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=60)


def _worker(env: dict[str, str], log: Path, *options: str) -> subprocess.Popen:
    with open(log, "w") as output:
        return subprocess.Popen(
            [SOHOA, "worker", "--loglevel", "WARNING", *options],
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def fresh_database(admin_url: str | None, name: str) -> str | None:
    """A new, empty PostgreSQL database for one run (None: SQLite in the archive)."""
    if admin_url is None:
        return None
    from sqlalchemy import create_engine, text

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--samples", type=Path, default=REPO / "samples")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--database-url", help="a PostgreSQL URL whose role may create databases")
    parser.add_argument("--logs", type=Path, help="keep the workers' logs here")
    args = parser.parse_args()
    import redis

    with tempfile.TemporaryDirectory(prefix="sohoa-bench-scale-") as scratch:
        root = Path(scratch)
        pages = make_files(args.samples, args.copies, root / "files")
        print(f"{pages} pages in {args.copies} copies of each sample; 2 cores; one run each")
        seconds = {}
        for number, (label, page_workers) in enumerate(RUNS):
            redis.Redis.from_url(args.broker).flushdb()
            env = {"SOHOA_HOME": str(root / f"archive-{number}")}
            url = fresh_database(args.database_url, f"sohoa_bench_scale_{number}")
            if url:
                env["SOHOA_DATABASE_URL"] = url
            if page_workers is None:
                seconds[label] = timed_ingest(root / "files", env, "--workers", "1")
            else:
                env["SOHOA_BROKER_URL"] = args.broker
                logs = Path(args.logs or root) / f"logs-{number}"
                seconds[label] = spread_ingest(root / "files", env, page_workers, logs)
            rate = pages / seconds[label] * 60
            print(f"{label:26s} {seconds[label]:7.1f} s  {rate:6.1f} pages/min")
    local, one, two = (seconds[label] for label, _ in RUNS)
    print(f"Celery 1 worker / in-process time: {one / local:.3f} (target ≤ 1.05)")
    print(f"2 workers / 1 worker throughput:   {one / two:.2f}× (target ≥ 1.8×)")
    print(f"queue overhead per page:           {(one - local) / pages:+.2f} s")


if __name__ == "__main__":
    main()
