"""Ingest spread over Celery workers (`ingest.distributed`, `ingest.tasks`), against a real
Redis (`SOHOA_TEST_REDIS_URL`, started by scripts/services.sh) and the test's database (SQLite,
and PostgreSQL too when the suite runs with it).

The samples ingested through worker processes must end exactly as the in-process ingest leaves
them: the same documents, pages, text, metadata, events and
index; and a worker killed with SIGKILL mid-page must cost nothing but time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from conftest import SAMPLES, SOHOA, run_json, run_sohoa
from sohoa.archive.database import open_database
from sohoa.archive.models import Batch, Document, Event, IngestJob, Page
from sohoa.archive.settings import Settings
from sohoa.search import open_index

REDIS = os.environ.get("SOHOA_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS, reason="needs Redis: run the tests with scripts/test.sh")
REDELIVERY = 10  # seconds before a dead worker's task is given out again (SOHOA_TASK_REDELIVERY)


@pytest.fixture
def broker() -> str:
    """The test Redis, emptied: no task of an earlier test is left in its queues."""
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    return REDIS


@pytest.fixture
def scale_env(settings: Settings, broker: str) -> dict[str, str]:
    """What every process of a spread ingest is given: the archive, its database, the broker."""
    return {
        "SOHOA_HOME": str(settings.home),
        "SOHOA_DATABASE_URL": settings.db_url,
        "SOHOA_BROKER_URL": broker,
        "SOHOA_TASK_REDELIVERY": str(REDELIVERY),
    }


@contextmanager
def started(env: dict[str, str], logs: Path):
    """Start `sohoa worker` processes (`start("pages")` or `start("writer")`, each its own
    process group and log); every one still running is killed at the end."""
    running: list[subprocess.Popen] = []

    def start(kind: str) -> subprocess.Popen:
        logs.mkdir(parents=True, exist_ok=True)
        path = logs / f"{kind}-{len(running)}.log"
        options = ["--writer"] if kind == "writer" else ["--concurrency", "1"]
        with open(path, "w") as log:  # the worker writes to its own copy of the file
            process = subprocess.Popen(
                [SOHOA, "worker", *options],
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process.log = path
        running.append(process)
        return process

    try:
        yield start
    finally:
        for process in running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def summary(settings: Settings) -> dict:
    """What an ingest of the samples left, by file name: enough to tell two archives apart."""
    engine = open_database(settings)
    with Session(engine) as session:
        documents = {}
        for document in session.exec(select(Document)):
            pages = session.exec(
                select(Page).where(Page.document_id == document.id).order_by(Page.number)
            ).all()
            documents[Path(document.name).name] = {
                "status": document.status,
                "pages": document.page_count,
                "metadata": document.record_metadata,
                "texts": [(page.number, page.raw_text, page.text, page.flags) for page in pages],
            }
        events = Counter(session.exec(select(Event.action)).all())
        stored_pages = session.exec(select(func.count()).select_from(Page)).one()
    engine.dispose()
    indexed = open_index(settings).pages_by_document()
    return {
        "documents": documents,
        "events": dict(events),
        "pages": stored_pages,
        "indexed": sum(indexed.values()),
    }


def test_two_workers_ingest_the_samples_exactly_as_in_process(settings, scale_env, tmp_path):
    reference = Settings(home=tmp_path / "in-process")
    run_json(reference.home, "ingest", str(SAMPLES))
    with started(scale_env, tmp_path / "logs") as start:
        start("writer")
        start("pages")
        start("pages")
        report = run_json(settings.home, "ingest", str(SAMPLES), env=scale_env)
    assert {d["status"] for d in report["documents"]} == {"ingested"}
    spread = summary(settings)
    in_process = summary(reference)
    assert spread == in_process
    assert spread["pages"] == spread["indexed"] == 6
    assert run_sohoa(settings.home, "trail", "verify", env=scale_env).returncode == 0


def test_a_worker_killed_mid_page_has_its_page_read_by_another(settings, scale_env, tmp_path):
    import redis

    engine = open_database(settings)
    with started(scale_env, tmp_path / "logs") as start:
        start("writer")
        doomed = start("pages")
        ingest = subprocess.Popen(
            [SOHOA, "ingest", str(SAMPLES), "--json"],
            env={**os.environ, **scale_env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        unacked = redis.Redis.from_url(scale_env["SOHOA_BROKER_URL"])
        _wait_for(lambda: _pages(engine) >= 1, "the first page to be stored")
        _wait_for(lambda: unacked.hlen("unacked") == 1, "the worker to take its next page")
        time.sleep(0.3)  # into that page: a page takes seconds
        os.killpg(doomed.pid, signal.SIGKILL)  # its page in hand, not acknowledged
        doomed.wait(timeout=30)
        assert unacked.hlen("unacked") == 1, "the killed worker held no task"
        rescuer = start("pages")
        out, errors = ingest.communicate(timeout=600)
    assert ingest.returncode == 0, errors
    with Session(engine) as session:
        assert session.exec(select(Batch.finished)).one() is not None
        states = Counter(session.exec(select(IngestJob.state)).all())
        events = Counter(session.exec(select(Event.action)).all())
        pages = session.exec(select(Page.document_id, Page.number)).all()
    engine.dispose()
    assert states == {"ingested": 4}
    assert len(pages) == len(set(pages)) == 6
    assert events["page.recognized"] == events["page.repaired"] == 6
    assert events["document.ingested"] == events["document.stored"] == 4
    assert events["batch.started"] == events["batch.finished"] == 1
    assert sum(open_index(settings).pages_by_document().values()) == 6
    assert "succeeded" in rescuer.log.read_text()
    assert run_sohoa(settings.home, "trail", "verify", env=scale_env).returncode == 0


def test_no_wait_returns_with_the_pages_queued_and_the_writer_finishes_the_batch(
    settings, scale_env, tmp_path
):
    one = tmp_path / "one"
    one.mkdir()
    (one / "notice.png").write_bytes((SAMPLES / "thong-bao-hop-ban-thuong-vu.png").read_bytes())
    report = run_json(settings.home, "ingest", str(one), "--no-wait", env=scale_env)
    assert [d["status"] for d in report["documents"]] == ["queued"]
    engine = open_database(settings)
    with started(scale_env, tmp_path / "logs") as start:
        start("writer")
        start("pages")
        _wait_for(lambda: _batch_finished(engine), "the writer to close the batch")
    with Session(engine) as session:
        assert session.exec(select(Document.status)).all() == ["ingested"]
    engine.dispose()


def _pages(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Page)).one()


def _batch_finished(engine) -> bool:
    with Session(engine) as session:
        return session.exec(select(Batch.finished)).one() is not None


def _wait_for(condition, what: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.2)


def test_an_upload_to_a_server_with_a_broker_is_read_by_the_workers(settings, scale_env, tmp_path):
    from conftest import api_client
    from sohoa.api.web import create_app

    served = settings.model_copy(update={"broker_url": scale_env["SOHOA_BROKER_URL"]})
    png = (SAMPLES / "thong-bao-hop-ban-thuong-vu.png").read_bytes()
    with started(scale_env, tmp_path / "logs") as start:
        start("writer")
        reader = start("pages")
        with api_client(create_app(served), "archivist", "chi.lan") as client:
            sent = client.post("/api/uploads", files=[("files", ("họp.png", png))])
            assert sent.status_code == 202, sent.text
            upload = f"/api/uploads/{sent.json()['id']}"
            _wait_for(lambda: client.get(upload).json()["state"] != "queued", "the upload")
            _wait_for(lambda: client.get(upload).json()["state"] == "done", "its batch")
            done = client.get(upload).json()
    assert [d["status"] for d in done["documents"]] == ["ingested"]
    assert "succeeded" in reader.log.read_text()  # read by the worker, not the server


def test_a_watched_folder_with_a_broker_is_read_by_the_workers(settings, scale_env, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "notice.png").write_bytes((SAMPLES / "thong-bao-hop-ban-thuong-vu.png").read_bytes())
    with started(scale_env, tmp_path / "logs") as start:
        start("writer")
        reader = start("pages")
        run_sohoa(settings.home, "watch", str(inbox), "--once", "--settle", "0", env=scale_env)
    assert [path.name for path in (inbox / ".done").iterdir()] == ["notice.png"]
    assert "succeeded" in reader.log.read_text()
