"""The trail at scale: appends per second, sealing, and `verify` over 100,000 events (issue 9).

    .venv/bin/python bench/trail.py [--events 100000] [--batch 100] [--out build/bench-trail]

Builds a fresh archive under `--out` and appends `--events` events through `trail.record`, the one
function every change goes through: in transactions of `--batch` events (how ingest appends a
document's events) and, for the first 1,000, one per transaction (one command, one event: the
slowest case). Each event carries details like an ingest's (a path, a hash, counts), Vietnamese
and all. Then it times:
- `seal`: the signed checkpoint every command ends with (reads and re-hashes only the events
  since the last checkpoint, taking the tree up from its stored full subtrees);
- `verify` of the trail alone (`--no-originals`): re-hash every event from its canonical bytes,
  rebuild the Merkle tree, check it against every checkpoint (one per 1,000 events here) and
  against a kept checkpoint with a consistency proof. Target: under 10 s for 100,000 events.
Prints figures only: nothing here passes or fails. The archive is deleted afterwards.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import time
from pathlib import Path

from sqlmodel import Session

from sohoa.archive import checkpoints, keys, trail
from sohoa.archive.database import open_database
from sohoa.archive.settings import Settings
from sohoa.archive.verify import verify

ONE_BY_ONE = 1_000
SEAL_EVERY = 1_000


def _details(i: int) -> dict:
    return {
        "path": f"/srv/scans/Hồ sơ {i // 50:04d}/Biên bản họp {i:06d}.pdf",
        "sha256": hashlib.sha256(str(i).encode()).hexdigest(),
        "pages": i % 7 + 1,
        "edits": {"accepted": i % 13, "review": i % 3},
    }


def _append(session: Session, i: int) -> None:
    trail.record(
        session,
        "document.stored",
        actor="Nguyễn Thị Lan",
        object_type="document",
        object_id=i,
        details=_details(i),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--out", type=Path, default=Path("build/bench-trail"))
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    settings = Settings(home=args.out)
    engine = open_database(settings)
    key = keys.load_or_create(settings.keys_dir)

    started = time.perf_counter()
    for i in range(min(ONE_BY_ONE, args.events)):
        with Session(engine) as session:
            _append(session, i)
            session.commit()
        if (i + 1) % SEAL_EVERY == 0:
            with Session(engine) as session:
                checkpoints.seal(session, lambda: key)
    single = time.perf_counter() - started
    print(f"append, one event per transaction: {ONE_BY_ONE / single:,.0f} events/s")

    started = time.perf_counter()
    seal_time = 0.0
    kept = None
    for first in range(ONE_BY_ONE, args.events, args.batch):
        with Session(engine) as session:
            for i in range(first, min(first + args.batch, args.events)):
                _append(session, i)
            session.commit()
        if (first + args.batch) % SEAL_EVERY == 0:
            sealing = time.perf_counter()
            with Session(engine) as session:
                checkpoint = checkpoints.seal(session, lambda: key)
            seal_time += time.perf_counter() - sealing
            if kept is None and checkpoint.tree_size >= args.events // 2:
                kept = checkpoint.note
    batched = time.perf_counter() - started - seal_time
    count = args.events - ONE_BY_ONE
    print(f"append, {args.batch} events per transaction: {count / batched:,.0f} events/s")

    with Session(engine) as session:
        trail.record(session, "bench.last", actor="bench", object_type="archive")
        session.commit()
        started = time.perf_counter()
        checkpoints.seal(session, lambda: key)
        took = (time.perf_counter() - started) * 1000
        print(f"seal of 1 new event at {args.events + 1:,} events: {took:.1f} ms")

    public = keys.load_public(settings.keys_dir)
    for label, against in [("alone", None), ("and against a kept checkpoint", kept)]:
        with Session(engine) as session:
            started = time.perf_counter()
            result = verify(session, public, None, against)
            took = time.perf_counter() - started
        print(
            f"verify {result.events:,} events {label}: {took:.2f} s "
            f"({'ok' if result.ok else result.problems[0].message}; target < 10 s)"
        )
    engine.dispose()
    shutil.rmtree(args.out, ignore_errors=True)


if __name__ == "__main__":
    main()
