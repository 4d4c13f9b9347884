"""The parts of an ingest spread over workers, driven by hand without a broker: the coordinator
(`QueuedIngester.run`) with a queue that only records what it is sent, page tasks
(`page_task.read_stored_page`) and the writer (`QueuedIngester.finish`) called directly, some
twice, as Redis may deliver a task twice. (tests/test_workers.py runs the real thing.)"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import Session, select

from conftest import SAMPLES, run_sohoa
from sohoa.archive.models import Batch, Document, Event, IngestJob, Page
from sohoa.ingest import page_task
from sohoa.ingest.distributed import QueuedIngester
from sohoa.search import open_index, ready_index


class RecordingQueue:
    def __init__(self):
        self.pages: list[tuple[dict, int]] = []
        self.catch_ups = 0

    def read_page(self, context: dict, number: int) -> None:
        self.pages.append((context, number))

    def catch_up(self) -> None:
        self.catch_ups += 1

    def missing_workers(self) -> str | None:
        return "no worker is running"


@pytest.fixture
def queued(settings, engine, tmp_path):
    """The two-page TIFF sample queued by a coordinator that does not wait: (queue, writer)."""
    folder = tmp_path / "scans"
    folder.mkdir()
    tiff = folder / "report.tif"
    tiff.write_bytes((SAMPLES / "bao-cao-hoat-dong-6-thang.tif").read_bytes())
    queue = RecordingQueue()
    coordinator = QueuedIngester(settings, engine, None, queue=queue, wait=False)
    report = coordinator.run([str(folder)])
    assert [f.status for f in report.files] == ["queued"]
    writer = QueuedIngester(settings, engine, ready_index(open_index(settings), engine))
    return queue, writer


def test_the_coordinator_queues_one_task_per_page_and_reads_none(queued, engine):
    queue, _ = queued
    assert [number for _, number in queue.pages] == [1, 2]
    assert queue.catch_ups == 1
    context = queue.pages[0][0]
    with Session(engine) as session:
        document = session.get(Document, context["document_id"])
        assert (document.status, document.page_count) == ("processing", 2)
        assert session.exec(select(Page)).all() == []
        assert session.get(IngestJob, context["job_id"]).state == "pending"


def test_a_page_task_run_twice_stores_its_page_once(queued, settings, engine):
    queue, _ = queued
    context, number = queue.pages[0]
    document_id, kind = context["document_id"], context["kind"]
    assert page_task.read_stored_page(settings, engine, document_id, kind, number) is True
    assert page_task.read_stored_page(settings, engine, document_id, kind, number) is False
    assert not page_task.all_stored(engine, document_id)
    with Session(engine) as session:
        assert len(session.exec(select(Page)).all()) == 1


def test_the_writer_saves_a_document_once_however_often_it_is_called(queued, settings, engine):
    queue, writer = queued
    context = queue.pages[0][0]
    for _, number in queue.pages:
        page_task.read_stored_page(settings, engine, context["document_id"], "tiff", number)
    assert page_task.all_stored(engine, context["document_id"])
    writer.finish(context["job_id"], context["document_id"])
    writer.finish(context["job_id"], context["document_id"])  # delivered twice
    with Session(engine) as session:
        events = Counter(session.exec(select(Event.action)).all())
        assert session.get(Document, context["document_id"]).status == "ingested"
        assert session.exec(select(Batch.finished)).one() is not None
    assert events["page.recognized"] == events["page.repaired"] == 2
    assert events["document.ingested"] == events["batch.finished"] == 1
    assert events["document.preserved"] == 1
    assert writer.index.pages_by_document() == {context["document_id"]: 2}


def test_a_page_that_cannot_be_read_fails_its_document_and_the_batch_still_ends(
    queued, settings, engine
):
    queue, writer = queued
    context = queue.pages[0][0]
    page_task.read_stored_page(settings, engine, context["document_id"], "tiff", 1)
    writer.finish(context["job_id"], context["document_id"], "page 2: cannot render the page")
    # page 2's task, delivered again after the failure, stores nothing
    assert not page_task.read_stored_page(settings, engine, context["document_id"], "tiff", 2)
    with Session(engine) as session:
        job = session.get(IngestJob, context["job_id"])
        document = session.get(Document, context["document_id"])
        assert (job.state, job.error) == ("failed", "page 2: cannot render the page")
        assert document.status == "failed"
        assert session.exec(select(Page)).all() == []
        assert session.exec(select(Batch.finished)).one() is not None
        failed = session.exec(select(Event).where(Event.action == "ingest.failed")).one()
    assert "cannot render" in failed.details


def test_the_writer_waits_while_a_page_is_missing(queued, settings, engine):
    queue, writer = queued
    context = queue.pages[0][0]
    page_task.read_stored_page(settings, engine, context["document_id"], "tiff", 1)
    writer.finish(context["job_id"], context["document_id"])  # a stray early call
    with Session(engine) as session:
        assert session.get(IngestJob, context["job_id"]).state == "pending"
        assert session.exec(select(Batch.finished)).one() is None


def test_a_worker_without_a_broker_says_what_to_set(tmp_path):
    result = run_sohoa(tmp_path / "archive", "worker", check=False, env={"SOHOA_BROKER_URL": ""})
    assert result.returncode != 0
    assert "set SOHOA_BROKER_URL" in result.stderr


def test_a_coordinator_waiting_with_nothing_moving_says_which_workers_are_missing(
    settings, engine, tmp_path
):
    folder = tmp_path / "scans"
    folder.mkdir()
    (folder / "notice.png").write_bytes((SAMPLES / "thong-bao-hop-ban-thuong-vu.png").read_bytes())
    queue = RecordingQueue()
    writer = QueuedIngester(settings, engine, ready_index(open_index(settings), engine))
    warnings = []

    def warn(message: str) -> None:
        """Told that nothing moves, the person starts the workers: here, their work is done."""
        warnings.append(message)
        context, number = queue.pages[0]
        page_task.read_stored_page(settings, engine, context["document_id"], "png", number)
        writer.finish(context["job_id"], context["document_id"])

    coordinator = QueuedIngester(
        settings, engine, None, queue=queue, wait=True, poll=0.05, stall=0.3, warn=warn
    )
    report = coordinator.run([str(folder)])
    assert warnings == ["no worker is running"]
    assert [f.status for f in report.files] == ["ingested"]
    assert report.files[0].pages == 1


def test_the_embedded_default_never_imports_celery_or_psycopg():
    import subprocess
    import sys

    probe = (
        "import sys, sohoa.api.cli, sohoa.api.web, sohoa.ingest.distributed;"
        "print(sorted(m for m in ('celery', 'kombu', 'psycopg') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert loaded.stdout.strip() == "[]", loaded.stderr
