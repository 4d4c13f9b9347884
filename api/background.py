"""Ingest in the background of the web server: uploads queued, then run one at a time by one
worker thread, exactly as `sohoa ingest` runs a folder, with their progress readable meanwhile.
With `SOHOA_BROKER_URL` set, that thread is the coordinator of the upload's batch: its pages are
queued for `sohoa worker`s, and the thread follows the batch to its end.

One thread is enough, and more would not help: the archive takes one ingest at a time
(`archive.ingest_lock`) and the pipeline keeps every core busy with its own pool of OCR threads.
While another process holds the lock (a `sohoa ingest` in a terminal), a queued upload waits
and tries again.

Progress lives in memory, for the page that shows it; the database's batches and jobs are the
durable record. An upload's folder is written with `.upload.json` (who sent it, the procedure)
once it is queued: if the server stops before the upload is ingested, the folder is still there
at the next start and is queued again; the pipeline then takes up the batch of that same folder
where it stopped. The folder is removed once its ingest has ended (the pipeline has copied the
originals into storage by then).
"""

from __future__ import annotations

import json
import logging
import queue
import shutil
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from sohoa.api import objects
from sohoa.api.deps import sign_trail
from sohoa.api.upload import Upload
from sohoa.archive.ingest_lock import IngestRunning
from sohoa.archive.models import Batch, utcnow
from sohoa.archive.settings import Settings
from sohoa.ingest.ocr import OcrUnavailable
from sohoa.ingest.pipeline import FileOutcome, Ingester
from sohoa.iso_procedures.registry import ProcedureError
from sohoa.search import open_index, ready_index

log = logging.getLogger("sohoa")

MANIFEST = ".upload.json"  # hidden: the ingest passes over it
KEPT = 200  # finished uploads whose progress is kept in memory (the batches are the record)


@dataclass
class _State:
    """One upload's progress, changed only under `Ingests._lock`."""

    id: str
    folder: Path
    actor: str
    procedure: str | None
    received: dict[str, Any]
    state: str = "queued"  # queued | running | done | failed
    queued: datetime = field(default_factory=utcnow)
    started: datetime | None = None
    finished: datetime | None = None
    batch_id: int | None = None
    files_total: int = 0
    files_done: int = 0
    pages_total: int = 0
    pages_done: int = 0
    documents: list[dict] = field(default_factory=list)
    error: str | None = None
    waiting: str | None = None  # why a queued upload has not started (another ingest runs)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "actor": self.actor,
            "procedure": self.procedure,
            "received": self.received,
            "queued": self.queued.isoformat(),
            "started": self.started.isoformat() if self.started else None,
            "finished": self.finished.isoformat() if self.finished else None,
            "batch_id": self.batch_id,
            "files": {"total": self.files_total, "done": self.files_done},
            "pages": {"total": self.pages_total, "done": self.pages_done},
            "documents": list(self.documents),
            "error": self.error,
            "waiting": self.waiting,
        }


class Ingests:
    """The queue of uploads to ingest into one archive and the thread that works through it.
    `start` it with the app and `stop` it as the app ends."""

    def __init__(self, settings: Settings, engine: Engine, retry_seconds: float = 10.0):
        self.settings = settings
        self.engine = engine
        self.retry_seconds = retry_seconds
        self._lock = threading.Lock()
        self._states: dict[str, _State] = {}
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker, with the uploads a stopped server left queued again first."""
        if self._thread is None:
            self._requeue_leftovers()
            self._start_worker()

    def _start_worker(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._work, name="sohoa-ingest", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 30.0) -> None:
        """Let the running ingest finish (up to `timeout` seconds) and stop. An ingest still
        running then is cut short like a killed `sohoa ingest`: taken up at the next start."""
        self._stopping.set()
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("sohoa: an upload's ingest was still running at shutdown")
            self._thread = None

    def _forget_old(self) -> None:
        """Keep the progress of the last `KEPT` finished uploads (the batches are the record);
        the caller holds the lock."""
        finished = [s for s in self._states.values() if s.state in ("done", "failed")]
        finished.sort(key=lambda s: s.queued)
        for state in finished[: max(0, len(finished) - KEPT)]:
            del self._states[state.id]

    def submit(self, upload: Upload, actor: str, procedure: str | None = None) -> dict:
        """Queue a received upload; its progress, as `progress` returns it. (The worker is
        started here if the app's lifespan did not start it, as in a test client.)"""
        self._start_worker()
        received = {"files": len(upload.files), "bytes": upload.bytes, "skipped": upload.skipped}
        manifest = {"actor": actor, "procedure": procedure, "received": received}
        (upload.folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False))
        state = _State(upload.id, upload.folder, actor, procedure, received)
        with self._lock:
            self._forget_old()
            self._states[upload.id] = state
            snapshot = state.as_dict()
        self._queue.put(upload.id)
        return snapshot

    def progress(self, upload_id: str) -> dict | None:
        with self._lock:
            state = self._states.get(upload_id)
            return None if state is None else state.as_dict()

    def recent(self, count: int = 20) -> list[dict]:
        """The latest uploads since this server started, newest first (the batches page)."""
        with self._lock:
            newest = sorted(self._states.values(), key=lambda s: s.queued, reverse=True)
            return [state.as_dict() for state in newest[:count]]

    def idle(self) -> bool:
        """Nothing queued or running (for tests and a clean shutdown)."""
        with self._lock:
            return all(s.state in ("done", "failed") for s in self._states.values())

    # -- the worker ------------------------------------------------------------------------

    def _work(self) -> None:
        while not self._stopping.is_set():
            upload_id = self._queue.get()
            if upload_id is None:
                return
            try:
                self._ingest(upload_id)
            except Exception:  # never let one upload stop the uploads after it
                log.exception("sohoa: the ingest of upload %s failed", upload_id)

    def _ingest(self, upload_id: str) -> None:
        state = self._states[upload_id]
        settings = self.settings.model_copy(update={"actor": state.actor})
        try:
            while True:
                try:
                    report = self._run(settings, state)
                    break
                except IngestRunning as error:  # a `sohoa ingest` in a terminal: wait for it
                    self._update(state, waiting=str(error))
                    if self._stopping.wait(self.retry_seconds):
                        return  # the folder stays: queued again at the next start
        except (OcrUnavailable, ProcedureError) as error:
            self._end(state, "failed", str(error))
        except Exception as error:  # the server must keep serving; the reason is shown
            log.exception("sohoa: the ingest of upload %s failed", upload_id)
            self._end(state, "failed", f"unexpected error: {type(error).__name__}: {error}")
        else:
            self._update(state, batch_id=report.batch_id)
            self._end(state, "done")
        finally:
            sign_trail(self.settings, self.engine)

    def _run(self, settings: Settings, state: _State):
        options = {"progress": _Tracker(self, state), "procedure": state.procedure}
        if settings.broker_url:  # its pages read by `sohoa worker`s (docs/deployment.md)
            from sohoa.ingest import tasks

            ingester = tasks.coordinator(settings, self.engine, warn=log.warning, **options)
        else:
            index = ready_index(open_index(settings), self.engine)  # a switched engine is seen
            ingester = Ingester(settings, self.engine, index, workers=settings.workers, **options)
        folder = str(state.folder)  # its files are named as they were uploaded
        return ingester.run([folder], shown_as={folder: ""})

    def _end(self, state: _State, outcome: str, error: str | None = None) -> None:
        shutil.rmtree(state.folder, ignore_errors=True)
        self._update(state, state=outcome, error=error, finished=utcnow(), waiting=None)

    def _update(self, upload: _State, **changes) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(upload, name, value)

    def _requeue_leftovers(self) -> None:
        """Uploads a stopped server had queued or was ingesting are queued again; folders of
        uploads that never finished arriving (no manifest) are removed."""
        root = self.settings.uploads_dir
        if not root.is_dir():
            return
        for folder in sorted(root.iterdir(), key=lambda path: path.stat().st_mtime):
            if folder.name in self._states:
                continue
            try:
                manifest = json.loads((folder / MANIFEST).read_text())
            except (OSError, ValueError):
                shutil.rmtree(folder, ignore_errors=True)
                continue
            state = _State(
                folder.name,
                folder,
                manifest.get("actor") or "api",
                manifest.get("procedure"),
                manifest.get("received") or {},
            )
            with self._lock:
                self._states[state.id] = state
            self._queue.put(state.id)


class _Tracker:
    """What the pipeline reports (`ingest.pipeline.Progress`), kept in the upload's state. Pages
    are reported from the OCR threads, so everything goes through the lock."""

    def __init__(self, ingests: Ingests, state: _State):
        self.ingests = ingests
        self.state = state

    def start(self, files: int) -> None:
        """The pipeline holds the archive and has opened (or taken up again) the batch."""
        batch_id = _batch_of(self.ingests.engine, str(self.state.folder))
        self.ingests._update(
            self.state,
            state="running",
            started=utcnow(),
            waiting=None,
            files_total=files,
            batch_id=batch_id,
        )

    def add_pages(self, count: int) -> None:
        with self.ingests._lock:
            self.state.pages_total += count

    def page_done(self) -> None:
        with self.ingests._lock:
            self.state.pages_done += 1

    def file_done(self, outcome: FileOutcome) -> None:
        with self.ingests._lock:
            self.state.files_done += 1
            self.state.documents.append(objects.file_outcome(outcome))


def _batch_of(engine: Engine, folder: str) -> int | None:
    """The batch the pipeline has just opened (or taken up again) for the upload's folder."""
    with Session(engine) as session:
        unfinished = session.exec(
            select(Batch).where(Batch.finished.is_(None)).order_by(Batch.id.desc())
        )
        return next((batch.id for batch in unfinished if batch.paths == [folder]), None)
