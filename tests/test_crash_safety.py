"""Kill the ingest at the worst moments, run the same command again, and nothing is lost or
doubled: every named crash point (`archive.crashpoints`) and SIGKILL at random times.

Each run is the installed `sohoa ingest` on a small folder: four one-line pages in three
files (one a two-page TIFF), the same scan again under another name, and a file that is not
a scan. After the crash the same command runs to the end, and `assert_archive_whole` checks
every invariant the issue names: each file once, no page, event or index entry twice, no
orphan or half-copied file, nothing half-done, the trail whole and signed.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import Session, select

from conftest import SOHOA, one_line_page, run_json, run_sohoa
from sohoa.archive import storage
from sohoa.archive.crashpoints import POINTS
from sohoa.archive.database import open_database
from sohoa.archive.models import Batch, Checkpoint, Derivative, Document, Event, IngestJob, Page
from sohoa.archive.settings import Settings
from sohoa.search import open_index

LINES = {
    "bien-ban.png": ["Biên bản kiểm tra hồ sơ"],
    "ke-hoach.tiff": ["Kế hoạch số hóa tài liệu", "Danh mục hồ sơ lưu trữ"],
    "thong-bao.jpg": ["Thông báo họp ban thường vụ"],
}
COPY = "sao-bien-ban.png"  # the same bytes as bien-ban.png
NOT_A_SCAN = "ghi-chu.pdf"  # text under a PDF name

ENV = {"SOHOA_WORKERS": "1"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("scans")
    for name, lines in LINES.items():
        first, *more = [one_line_page(line) for line in lines]
        first.save(
            folder / name,
            dpi=(200, 200),
            **({"save_all": True, "append_images": more} if more else {}),
        )
    (folder / COPY).write_bytes((folder / "bien-ban.png").read_bytes())
    (folder / NOT_A_SCAN).write_text("không phải bản quét\n")
    return folder


def _ingest(home: Path, corpus: Path, **env: str) -> subprocess.CompletedProcess:
    return run_sohoa(home, "ingest", str(corpus), check=False, env={**ENV, **env})


@pytest.fixture(scope="module")
def expected(corpus, tmp_path_factory):
    """What an uninterrupted run makes: the outcome of each file, and pages per document."""
    home = tmp_path_factory.mktemp("clean")
    report = run_json(home, "ingest", str(corpus))
    statuses = {Path(f["name"]).name: f["status"] for f in report["documents"]}
    assert statuses == {
        "bien-ban.png": "ingested",
        "ke-hoach.tiff": "ingested",
        "thong-bao.jpg": "ingested",
        COPY: "duplicate",
        NOT_A_SCAN: "failed",
    }
    return statuses


@pytest.mark.parametrize("point", POINTS)
def test_killed_at_each_crash_point_the_same_command_finishes_the_batch(
    point, corpus, expected, tmp_path
):
    occurrence = "2" if point in ("page-ocr", "after-commit", "mid-copy") else "1"
    crashed = _ingest(tmp_path, corpus, SOHOA_CRASH_AT=f"{point}:{occurrence}")
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert f"crash point {point} reached" in crashed.stderr
    finished = _ingest(tmp_path, corpus)
    assert finished.returncode == 0, finished.stderr
    assert_archive_whole(tmp_path, corpus, expected)


def test_killed_at_random_moments_again_and_again_nothing_is_lost(corpus, expected, tmp_path):
    seed = int(os.environ.get("SOHOA_CRASH_SEED", "20261205"))
    chance = random.Random(seed)
    for _ in range(4):
        process = subprocess.Popen(
            [SOHOA, "ingest", str(corpus)],
            env={**os.environ, **ENV, "SOHOA_HOME": str(tmp_path)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(chance.uniform(0.3, 4.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
    finished = _ingest(tmp_path, corpus)
    assert finished.returncode == 0, f"seed {seed}: {finished.stderr}"
    assert_archive_whole(tmp_path, corpus, expected)


def test_a_second_ingest_says_that_one_is_running_and_changes_nothing(corpus, tmp_path):
    first = subprocess.Popen(
        [SOHOA, "ingest", str(corpus)],
        env={**os.environ, **ENV, "SOHOA_HOME": str(tmp_path), "SOHOA_CRASH_AT": "never"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lock = tmp_path / "ingest.lock"
        deadline = time.monotonic() + 60
        while b"pid" not in (lock.read_bytes() if lock.exists() else b""):
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.05)
        second = _ingest(tmp_path, corpus)
        assert second.returncode == 1
        assert "already ingesting into this archive" in second.stderr
        assert f"process {first.pid}" in second.stderr
    finally:
        first.wait(timeout=300)
    assert first.returncode == 0, first.stderr.read()
    with Session(open_database(Settings(home=tmp_path))) as session:
        assert len(session.exec(select(Batch)).all()) == 1


def assert_archive_whole(home: Path, corpus: Path, expected: dict[str, str]) -> None:
    """Every invariant of an archive that lost and doubled nothing, after `corpus` was ingested
    (perhaps over several runs, each perhaps killed)."""
    settings = Settings(home=home)
    scans = {name for name, status in expected.items() if status == "ingested"}
    hashes = {storage.sha256_of(corpus / name) for name in scans}
    with Session(open_database(settings)) as session:
        documents = session.exec(select(Document)).all()
        # Each scan is one document, ingested, with its pages numbered 1..n once.
        assert sorted(d.sha256 for d in documents) == sorted(hashes)
        assert {d.status for d in documents} == {"ingested"}
        assert not any(d.index_pending for d in documents)
        pages = session.exec(select(Page)).all()
        for document in documents:
            numbers = sorted(p.number for p in pages if p.document_id == document.id)
            assert numbers == list(range(1, document.page_count + 1))
            assert document.page_count == len(LINES[Path(document.name).name])
        # Every batch finished; the last ends with each file's expected outcome (a batch run
        # again after it had finished finds the scans already there: duplicates).
        batches = session.exec(select(Batch).order_by(Batch.id)).all()
        assert all(b.finished is not None for b in batches)
        last = session.exec(select(IngestJob).where(IngestJob.batch_id == batches[-1].id)).all()
        again = {n: "duplicate" if s == "ingested" else s for n, s in expected.items()}
        assert {Path(j.path).name: j.state for j in last} == (
            expected if len(batches) == 1 else again
        )
        # Events: each step of each document once; the trail has no gap.
        events = session.exec(select(Event).order_by(Event.seq)).all()
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        per_document = Counter((e.action, e.object_id) for e in events)
        for document in documents:
            for action in ("document.stored", "document.described", "document.ingested"):
                assert per_document[(action, document.id)] == 1, (action, document.name)
        recognized = Counter(
            (e.object_id, json.loads(e.details)["page"])
            for e in events
            if e.action == "page.recognized"
        )
        assert recognized == Counter((p.document_id, p.number) for p in pages)
        assert Counter(e.action for e in events)["batch.finished"] == len(batches)
        # The trail was sealed after its last event.
        latest = session.exec(select(Checkpoint).order_by(Checkpoint.id.desc())).first()
        assert latest is not None and latest.tree_size == len(events)
    # Storage: exactly the documents' originals, intact; no half copy, no scratch page.
    stored = {p.name for p in (settings.originals_dir / "sha256").rglob("*") if p.is_file()}
    assert stored == hashes
    assert all(
        storage.sha256_of(storage.original_path(settings.originals_dir, h)) == h for h in hashes
    )
    assert storage.leftover_copies(settings.originals_dir) == []
    assert not settings.work_dir.exists() or not any(settings.work_dir.iterdir())
    # Each document has its preservation copy, intact, and no other copy is stored.
    with Session(open_database(settings)) as session:
        assert not any(d.preserve_pending for d in session.exec(select(Document)).all())
        copies = {c.document_id: c.sha256 for c in session.exec(select(Derivative)).all()}
    assert set(copies) == {d.id for d in documents}
    kept = {p.name for p in (settings.preservation_dir / "sha256").rglob("*") if p.is_file()}
    assert kept == set(copies.values())
    assert all(
        storage.sha256_of(storage.original_path(settings.preservation_dir, h)) == h for h in kept
    )
    assert storage.leftover_copies(settings.preservation_dir) == []
    # The index holds each document's pages once, and nothing else.
    index = open_index(settings)
    assert index.pages_by_document() == {d.id: d.page_count for d in documents}
    # And the trail verifies, originals included.
    run_sohoa(home, "trail", "verify")


def test_ctrl_c_stops_cleanly_says_how_to_go_on_and_the_same_command_does(
    corpus, expected, tmp_path
):
    process = subprocess.Popen(
        [SOHOA, "ingest", str(corpus)],
        env={**os.environ, **ENV, "SOHOA_HOME": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not _ingested_any(tmp_path):  # stopped with some of the batch done
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stderr = process.communicate(timeout=120)[1]
    assert process.returncode == 130, stderr
    assert "Run the same command again to finish the batch" in " ".join(stderr.split())
    finished = _ingest(tmp_path, corpus)
    assert finished.returncode == 0, finished.stderr
    assert_archive_whole(tmp_path, corpus, expected)


def _ingested_any(home: Path) -> bool:
    if not (home / "sohoa.db").exists():
        return False
    try:
        with Session(open_database(Settings(home=home))) as session:
            return (
                session.exec(select(Document).where(Document.status == "ingested")).first()
                is not None
            )
    except Exception:  # the database is being created
        return False
