"""The ingest pipeline: a batch of files through discover → store → rasterize → prepare → OCR →
layout → repair → describe → index → preserve.

Files are taken one at a time in the main thread (hash, identify, store, render), while their
pages are OCR'd side by side in a pool of `workers` threads (each drives one single-threaded
Tesseract process, so threads are enough to keep every core busy). Everything written to the
database is written from the main thread, one transaction per document, together with its
events. Diacritic repair runs in the main thread too, as each document's pages are saved: it is
pure Python, so worker threads would not run it side by side anyway, and one thread means the
repair model (loaded once, shared) never has to be thread-safe. One file's failure is recorded on
its job and the batch goes on.

Nothing is lost when the process dies. Every file has its job row before any work; a batch cut
short (killed, Ctrl-C, power cut) is taken up again by the same command, which skips the files
it finished. Each document is saved in one transaction with its events; the search index is
written after it, and a document saved but not yet indexed is marked (`index_pending`) and
indexed by the next ingest. Only one ingest runs at a time (`archive.ingest_lock`); it starts
by clearing what a killed one left (rendered pages, half-copied originals). A file that keeps
failing, or keeps stopping the process, is tried `SOHOA_MAX_ATTEMPTS` times and then refused.

Each page's text is stored in reading order (`layout`: left header block, right header block,
body, recipients, signature) and repaired; the document's record metadata is then read from its
first and last pages (`describe`). Last, its PDF/A preservation copy is made from the page images
(`preserve`); a document whose copy is owed (killed, or the copy failed) gets it on the next run.
"""

from __future__ import annotations

import shutil
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, delete, func
from sqlmodel import Session, select

from sohoa.archive import corrections, crashpoints, ingest_lock, storage, trail
from sohoa.archive.models import Batch, Disposal, Document, IngestJob, Page, utcnow
from sohoa.archive.records import empty_metadata
from sohoa.archive.settings import Settings
from sohoa.ingest import preserve
from sohoa.ingest.describe import describe
from sohoa.ingest.discover import FoundFile, discover, readable
from sohoa.ingest.flags import page_flags
from sohoa.ingest.identify import UnsupportedFile, identify
from sohoa.ingest.layout import Layout
from sohoa.ingest.ocr import OcrFailed, OcrTimeout, PageText, check_tesseract
from sohoa.ingest.prepare import Preparation
from sohoa.ingest.rasterize import Limits, PageImage, RasterizeError, rasterize
from sohoa.ingest.read import ReadPage, read_page
from sohoa.ingest.repair import repair
from sohoa.ingest.text_layer import read_layers
from sohoa.iso_procedures import links, registry
from sohoa.iso_procedures.rules import rule_links
from sohoa.search import SearchIndex, catch_up, owe, pay


@dataclass
class FileOutcome:
    """What became of one file: `ingested`, `duplicate` or `failed` (with a one-line reason)."""

    name: str
    status: str
    document_id: int | None = None
    sha256: str | None = None
    pages: int = 0
    error: str | None = None
    unread: dict[int, str] = field(default_factory=dict)  # pages OCR gave up on, and why
    preservation_error: str | None = None  # why its PDF/A copy is not made yet


@dataclass
class BatchReport:
    batch_id: int
    started: datetime
    files: list[FileOutcome]


class Progress(Protocol):
    """What the pipeline tells whoever watches it (the CLI draws a progress bar from it)."""

    def start(self, files: int) -> None: ...
    def add_pages(self, count: int) -> None: ...
    def page_done(self) -> None: ...
    def file_done(self, outcome: FileOutcome) -> None: ...


class NoProgress:
    def start(self, files: int) -> None: ...
    def add_pages(self, count: int) -> None: ...
    def page_done(self) -> None: ...
    def file_done(self, outcome: FileOutcome) -> None: ...


@dataclass
class _InWork:
    """A stored document whose pages are being OCR'd; then, once saved, whose preservation
    copy is being made (`copy`, from `plan`)."""

    job_id: int
    outcome: FileOutcome
    pages: list[PageImage]
    futures: list[Future]
    work_dir: Path
    plan: preserve.Plan | None = None
    copy: Future | None = None

    def ready(self) -> bool:
        """Whether there is something to do: pages all read, or the copy made."""
        return self.copy.done() if self.copy is not None else all(f.done() for f in self.futures)

    def running(self) -> list[Future]:
        return [f for f in (self.futures if self.copy is None else [self.copy]) if not f.done()]


@dataclass
class Ingester:
    """Runs batches into one archive (database, stored originals, search index)."""

    settings: Settings
    engine: Engine
    index: SearchIndex | None  # None: a coordinator's, which leaves the index to its writer
    workers: int = 1
    progress: Progress = field(default_factory=NoProgress)
    procedure: str | None = None  # the code every document of the batch is linked to

    def __post_init__(self):
        self.actor = self.settings.trail_actor
        self._claimed: dict[str, int] = {}  # sha256 → document id, within the running batch
        self._procedures: list = []  # the procedures in force, for rule-based links
        self._pool: ThreadPoolExecutor | None = None  # the running batch's workers
        self._dictionary: dict[str, str] = {}  # the user dictionary, read once per batch

    def run(self, paths: list[str], shown_as: dict[str, str] | None = None) -> BatchReport:
        """Ingest every file under `paths`, taking up the batch of the same paths where it was
        cut short. Raise OcrUnavailable first if OCR cannot run, IngestRunning if another
        ingest holds the archive, and ProcedureError if the batch's procedure is unknown or
        retired."""
        check_tesseract(self.settings.ocr_lang)
        with ingest_lock.holding(self.settings, "sohoa ingest"):
            self._clear_leftovers()
            return self._run(paths, shown_as)

    def failed_files(self) -> tuple[list[str], list[str]]:
        """The files whose last try failed, as they were named: those to try again (`sohoa
        ingest --retry-failed`), and those given up after `max_attempts` tries."""
        with Session(self.engine) as session:
            failed = [job for job in _last_jobs(session).values() if job.state == "failed"]
        limit = self.settings.max_attempts
        given_up = {
            job.path
            for job in failed
            if job.attempts >= limit and self._given_up(job, _sha256_now(job.path))
        }
        again = sorted(job.path for job in failed if job.path not in given_up)
        return again, sorted(given_up)

    def reread(self, document_ids: list[int], reason: str = "sohoa doctor --repair"):
        """Read documents again from their stored originals (their pages were lost, or an ingest
        stopped half-way through them and their file is gone): each is marked `processing`
        with a `document.reread` event, then goes through the pipeline like a file given."""
        paths = []
        with Session(self.engine) as session:
            for document_id in document_ids:
                document = session.get(Document, document_id)
                original = storage.original_path(self.settings.originals_dir, document.sha256)
                if not original.is_file():
                    continue  # a missing original is reported, never made up
                document.status = "processing"
                details = {"reason": reason, "pages": document.page_count}
                self._event(session, "document.reread", "document", document_id, details)
                paths.append(str(original))
            session.commit()
        return self.run(paths) if paths else None

    def _clear_leftovers(self) -> None:
        """What a killed ingest left: rendered pages, half-copied originals, and documents saved
        but not yet indexed. Only ever run under the ingest lock: nothing else writes these."""
        clear_scratch(self.settings)
        if self.index is not None:
            catch_up(self.index, self.engine)
        self._preserve_pending()

    def _preserve_pending(self) -> None:
        """Make the preservation copies a killed (or failing) ingest still owes."""
        with Session(self.engine) as session:
            owed = session.exec(
                select(Document.id, Document.name).where(
                    Document.preserve_pending, Document.status == "ingested"
                )
            ).all()
        for document_id, name in owed:
            self._preserve(FileOutcome(name, "ingested", document_id))

    def _run(self, paths: list[str], shown_as: dict[str, str] | None = None) -> BatchReport:
        batch, jobs, found = self._start_batch(paths, shown_as)
        with Session(self.engine) as session:  # small, and changed by people: read per batch
            self._dictionary = corrections.learnt(session)
        outcomes: dict[int, FileOutcome] = {}
        in_work: list[_InWork] = []
        pool = self._pool = ThreadPoolExecutor(max_workers=max(1, self.workers))
        try:
            for job, item in zip(jobs, found, strict=True):
                if job.state != "pending":  # finished by the run that was cut short
                    self._report(outcomes, job.id, self._finished_before(job))
                    continue
                try:
                    started = self._begin_file(job, item, pool)
                except Exception as error:  # an unforeseen file must not stop the batch
                    started = self._fail(
                        job.id, FileOutcome(item.name, "failed"), unexpected(error)
                    )
                if isinstance(started, FileOutcome):
                    self._report(outcomes, job.id, started)
                else:
                    in_work.append(started)
                backlog = sum(len(w.futures) for w in in_work if w.copy is None)
                in_work = self._finish_ready(in_work, outcomes, block=backlog > 2 * self.workers)
            while in_work:
                in_work = self._finish_ready(in_work, outcomes, block=True)
        finally:
            # On Ctrl-C, drop the queued pages instead of reading them all before stopping;
            # documents left `processing` are taken again when the same command runs again.
            pool.shutdown(wait=True, cancel_futures=True)
        self._finish_batch(batch.id, {job.id for job in jobs})
        self._count_duplicate_pages(outcomes.values())
        return BatchReport(batch.id, batch.started, [outcomes[job.id] for job in jobs])

    # -- the batch ---------------------------------------------------------------------------

    def _start_batch(self, paths: list[str], shown_as: dict[str, str] | None):
        """Find the files under `paths`, check the batch's procedure, and open the batch (or
        take up the one cut short) with a job for every file: (batch, jobs, files found)."""
        self._claimed = {}
        found = discover(paths, self.settings.max_file_bytes, shown_as)
        self._ready_procedures()
        batch, jobs = self._open_batch([readable(p) for p in paths], found)
        self.progress.start(len(found))
        return batch, jobs, found

    def _ready_procedures(self) -> None:
        """The registry seeded (a new archive's first batch), the batch's procedure checked
        before any work, and the procedures in force read once for the rules."""
        with Session(self.engine, expire_on_commit=False) as session:
            registry.ensure_seeded(session)
            if self.procedure is not None:
                self.procedure = registry.in_force(session, self.procedure).code
            session.commit()
            self._procedures = registry.current(session)

    def _link(self, session: Session, document_id: int, metadata: dict, first_page: str) -> None:
        """Link a document to the procedures its type and words match, and to the batch's."""
        for code, reason in rule_links(self._procedures, metadata, first_page):
            links.link(session, document_id, code, actor=self.actor, source="rule", reason=reason)
        if self.procedure is not None:
            links.link(
                session,
                document_id,
                self.procedure,
                actor=self.actor,
                source="batch",
                reason=f"ingested with --procedure {self.procedure}",
            )
        links.copy_codes(session, session.get(Document, document_id))

    def _open_batch(
        self, paths: list[str], found: list[FoundFile]
    ) -> tuple[Batch, list[IngestJob]]:
        """The batch of these same paths that was cut short, taken up again, or else a new one;
        with a job for every file before any work, so nothing goes unaccounted. A file that
        failed before carries its count of attempts (and its last error) into its new job."""
        with Session(self.engine, expire_on_commit=False) as session:
            batch = _unfinished_batch(session, paths)
            jobs: dict[str, IngestJob] = {}
            if batch is None:
                batch = Batch(actor=self.actor, paths=list(paths))
                session.add(batch)
                session.flush()
                self._event(
                    session,
                    "batch.started",
                    "batch",
                    batch.id,
                    {"paths": list(paths), "files": len(found)},
                )
            else:
                jobs = {job.path: job for job in _jobs_of(session, batch.id)}
                done = sum(1 for job in jobs.values() if job.state != "pending")
                self._event(
                    session, "batch.resumed", "batch", batch.id, {"files": len(found), "done": done}
                )
            before = _last_jobs(session)
            for item in found:
                if item.name not in jobs:
                    jobs[item.name] = _new_job(batch.id, item.name, before.get(item.name))
                    session.add(jobs[item.name])
            session.commit()
            return batch, [jobs[item.name] for item in found]

    def _finished_before(self, job: IngestJob) -> FileOutcome:
        """The outcome of a file finished by an earlier run of this batch, as it was reported."""
        outcome = FileOutcome(job.path, job.state, job.document_id, job.sha256, error=job.error)
        if job.document_id is not None:
            with Session(self.engine) as session:
                outcome.pages = session.get(Document, job.document_id).page_count
        return outcome

    def _finish_batch(self, batch_id: int, taken: set[int]) -> None:
        """Close the batch, failing its jobs this run did not take (`_fail_untaken`)."""
        with Session(self.engine) as session:
            self._fail_untaken(session, batch_id, taken)
            self._close_batch(session, batch_id)
            session.commit()

    def _fail_untaken(self, session: Session, batch_id: int, taken: set[int]) -> None:
        """A job of the batch that this run did not take (its file was gone when the batch was
        taken up again) is failed, so the batch never ends with a file unaccounted."""
        for job in _jobs_of(session, batch_id):
            if job.state == "pending" and job.id not in taken:
                job.state, job.updated = "failed", utcnow()
                job.error = "the file was no longer there when the batch was taken up again"
                self._event(
                    session,
                    "ingest.failed",
                    "ingest_job",
                    job.id,
                    {"name": job.path, "sha256": job.sha256, "error": job.error},
                )

    def _close_batch(self, session: Session, batch_id: int) -> None:
        """Mark the batch finished, with its count of files by how they ended."""
        batch = session.get(Batch, batch_id)
        batch.finished = utcnow()
        states = session.exec(select(IngestJob.state).where(IngestJob.batch_id == batch_id))
        counts = dict(Counter(states))
        self._event(session, "batch.finished", "batch", batch_id, {"files": counts})

    def _count_duplicate_pages(self, outcomes) -> None:
        """A duplicate met while its twin was still being read learns its page count at the end."""
        with Session(self.engine) as session:
            for outcome in outcomes:
                if outcome.status == "duplicate":
                    outcome.pages = session.get(Document, outcome.document_id).page_count

    def _event(self, session, action: str, object_type: str, object_id: int, details: dict):
        """Append a trail event for this batch's actor, in the caller's transaction."""
        trail.record(
            session,
            action,
            actor=self.actor,
            object_type=object_type,
            object_id=object_id,
            details=details,
        )

    def _report(self, outcomes: dict[int, FileOutcome], job_id: int, outcome: FileOutcome) -> None:
        outcomes[job_id] = outcome
        self.progress.file_done(outcome)

    # -- one file: hash, identify, store, render, queue its pages ---------------------------

    def _begin_file(self, job: IngestJob, item: FoundFile, pool: ThreadPoolExecutor):
        taken = self._take(job, item)
        if isinstance(taken, FileOutcome):
            return taken
        outcome, kind = taken
        job_id = job.id
        work_dir = self.settings.work_dir / f"job-{job_id}"
        try:
            pages = rasterize(
                item.path,
                kind,
                work_dir,
                self.settings.ocr_dpi,
                Limits(self.settings.max_pages, self.settings.max_page_pixels),
            )
        except RasterizeError as error:
            shutil.rmtree(work_dir, ignore_errors=True)
            return self._fail(job_id, outcome, str(error))
        self.progress.add_pages(len(pages))
        lang = self.settings.ocr_lang
        limit = self.settings.ocr_page_timeout
        layers = _text_layers(item.path, kind, pages)
        clean = self.settings.prepare_clean
        futures = [
            pool.submit(
                read_page,
                p.path,
                lang,
                p.dpi,
                p.width,
                p.height,
                timeout=limit,
                layer=layer,
                clean=clean,
            )
            for p, layer in zip(pages, layers, strict=True)
        ]
        for future in futures:
            future.add_done_callback(self._page_read)
        return _InWork(job_id, outcome, pages, futures, work_dir)

    def _take(self, job: IngestJob, item: FoundFile) -> FileOutcome | tuple[FileOutcome, str]:
        """Hash, identify and store one file: its outcome, if that settles it (unreadable, of a
        kind sohoa does not take, given up, disposed of, a duplicate); else the outcome of its
        stored document, still to be read, and its kind (`identify`)."""
        job_id = job.id
        if item.error:
            return self._fail(job_id, FileOutcome(item.name, "failed"), item.error)
        outcome = FileOutcome(item.name, "failed")
        try:
            outcome.sha256 = storage.sha256_of(item.path)
            given_up = self._given_up(job, outcome.sha256)
            if given_up is not None:
                return self._fail(job_id, outcome, given_up, tried=False)
            kind, mime = identify(item.path)
        except UnsupportedFile as error:
            return self._fail(job_id, outcome, str(error))
        except OSError as error:
            return self._fail(job_id, outcome, f"cannot read the file: {error.strerror or error}")
        disposed = self._disposed(outcome.sha256)
        if disposed is not None:
            return self._fail(job_id, outcome, disposed)
        duplicate_of = self._duplicate_of(outcome.sha256)
        if duplicate_of is not None:
            return self._duplicate(job_id, outcome, duplicate_of)
        try:
            outcome.document_id = self._store(job_id, item, outcome.sha256, mime)
        except (OSError, storage.StorageError) as error:
            return self._fail(job_id, outcome, f"cannot store the original: {error}")
        return outcome, kind

    def _given_up(self, job: IngestJob, sha256: str) -> str | None:
        """Why a file is not tried again: it failed, or stopped the ingest, on every one of its
        `max_attempts` tries. The same file only: a scan replaced under its name starts afresh."""
        limit = self.settings.max_attempts
        if job.attempts < limit or job.sha256 not in (None, sha256):
            return None
        last = job.error or "each time the ingest was stopped while it read this file"
        return f"given up after {job.attempts} attempts (SOHOA_MAX_ATTEMPTS); the last: {last}"

    def _page_read(self, _future: Future) -> None:
        self.progress.page_done()
        crashpoints.reached("page-ocr")

    def _disposed(self, sha256: str) -> str | None:
        """Why a file is refused if it is a record disposed of at the end of its retention: its
        disposal was decided and recorded, and ingesting it again would undo that silently."""
        with Session(self.engine) as session:
            tombstone = session.exec(select(Disposal).where(Disposal.sha256 == sha256)).first()
            if tombstone is None:
                return None
            return (
                f"this file is document #{tombstone.document_id}, disposed of on "
                f"{tombstone.disposed.date().isoformat()} ({tombstone.reason}): it is not "
                "taken in again"
            )

    def _duplicate_of(self, sha256: str) -> int | None:
        """The document this file already is: ingested before, or met earlier in this batch."""
        if sha256 in self._claimed:
            return self._claimed[sha256]
        with Session(self.engine) as session:
            document = session.exec(select(Document).where(Document.sha256 == sha256)).first()
            if document is not None and document.status == "ingested":
                return document.id
        return None

    def _store(self, job_id: int, item: FoundFile, sha256: str, mime: str) -> int:
        """Copy the original into storage; a document left failed or half-done is taken again."""
        storage.store(self.settings.originals_dir, item.path, sha256)
        with Session(self.engine) as session:
            document = session.exec(select(Document).where(Document.sha256 == sha256)).first()
            if document is None:
                document = Document(
                    sha256=sha256,
                    name=item.name,
                    size=item.path.stat().st_size,
                    mime=mime,
                    batch_id=session.get(IngestJob, job_id).batch_id,
                )
                session.add(document)
                session.flush()
                self._event(
                    session,
                    "document.stored",
                    "document",
                    document.id,
                    {"name": item.name, "sha256": sha256, "size": document.size, "mime": mime},
                )
            document.status, document.error = "processing", None
            job = session.get(IngestJob, job_id)
            job.sha256, job.document_id, job.attempts = sha256, document.id, job.attempts + 1
            session.commit()
            self._claimed[sha256] = document.id
            return document.id

    def _duplicate(self, job_id: int, outcome: FileOutcome, document_id: int) -> FileOutcome:
        """A file already in the archive: nothing stored again; with `--procedure`, the
        document it is is linked to the batch's procedure too (a document met earlier in this
        batch is linked when it is saved)."""
        outcome.status, outcome.document_id = "duplicate", document_id
        with Session(self.engine) as session:
            job = session.get(IngestJob, job_id)
            job.state, job.sha256, job.document_id, job.updated = (
                "duplicate",
                outcome.sha256,
                document_id,
                utcnow(),
            )
            linked = None
            if self.procedure is not None and outcome.sha256 not in self._claimed:
                linked = links.link(
                    session,
                    document_id,
                    self.procedure,
                    actor=self.actor,
                    source="batch",
                    reason=f"ingested again with --procedure {self.procedure}",
                )
            if linked is not None:
                owe(session, document_id)
            session.commit()
            if linked is not None and self.index is not None:
                pay(self.index, session, [document_id])
        return outcome

    def _fail(
        self, job_id: int, outcome: FileOutcome, error: str, tried: bool = True
    ) -> FileOutcome:
        """Record a failure on the job (and the document, if the original was stored); a try
        that ended before `_store` counted it is counted here, unless it was not `tried`."""
        outcome.status, outcome.error = "failed", error
        with Session(self.engine) as session:
            job = session.get(IngestJob, job_id)
            job.state, job.error, job.sha256, job.updated = (
                "failed",
                error,
                outcome.sha256,
                utcnow(),
            )
            if tried and outcome.document_id is None:
                job.attempts += 1
            if outcome.document_id is not None:
                document = session.get(Document, outcome.document_id)
                document.status, document.error = "failed", error
            self._event(
                session,
                "ingest.failed",
                "ingest_job",
                job_id,
                {
                    "name": outcome.name,
                    "sha256": outcome.sha256,
                    "document_id": outcome.document_id,
                    "error": error,
                },
            )
            session.commit()
        return outcome

    # -- finishing documents whose pages are all read -----------------------------------------

    def _finish_ready(self, in_work: list[_InWork], outcomes, block: bool) -> list[_InWork]:
        if block and in_work and not any(w.ready() for w in in_work):
            # Wait on unfinished work only: finished futures would return at once and spin.
            wait([f for w in in_work for f in w.running()], return_when=FIRST_COMPLETED)
        remaining = []
        for work in in_work:
            if not work.ready():
                remaining.append(work)
            elif work.copy is not None:
                self._report(outcomes, work.job_id, self._copied(work))
            else:
                try:
                    outcome = self._save(work)
                except Exception as error:  # e.g. the index is locked: the file is taken again
                    outcome = self._fail(work.job_id, work.outcome, unexpected(error))
                if work.copy is None:
                    self._report(outcomes, work.job_id, outcome)
                else:
                    remaining.append(work)  # reported once its copy is made
        return remaining

    def _save(self, work: _InWork) -> FileOutcome:
        """Store a document's pages and events in one transaction and index it; then start its
        preservation copy in the pool, from the page images (deleted once it is made)."""
        try:
            outcome = self._save_pages(work)
            if outcome.status == "ingested":
                self._start_copy(work)
            return outcome
        finally:
            if work.copy is None:
                shutil.rmtree(work.work_dir, ignore_errors=True)

    def _start_copy(self, work: _InWork) -> None:
        """The copy is built in a worker thread, beside the OCR of the next documents' pages
        (the database is read for it here, and written once it is made, in the main thread)."""
        try:
            work.plan = preserve.plan(self.settings, self.engine, work.outcome.document_id)
        except Exception as error:  # the document is saved: it only waits for its copy
            work.outcome.preservation_error = _copy_error(error)
            return
        images = [page.path for page in work.pages]
        work.copy = self._pool.submit(preserve.build, self.settings, work.plan, images)

    def _copied(self, work: _InWork) -> FileOutcome:
        """Record a copy made in the pool (or why it could not be), and let its images go."""
        try:
            preserve.record(self.engine, work.plan, work.copy.result(), self.actor)
        except Exception as error:  # a damaged page image must not lose an ingested document
            work.outcome.preservation_error = _copy_error(error)
        finally:
            shutil.rmtree(work.work_dir, ignore_errors=True)
        return work.outcome

    def _save_pages(self, work: _InWork) -> FileOutcome:
        texts: list[ReadPage] = []
        unread: dict[int, str] = {}  # page number → why OCR gave it no text
        for image, future in zip(work.pages, work.futures, strict=True):
            error = future.exception()
            if isinstance(error, (OcrTimeout, OcrFailed)):  # the page kept, marked, without text
                unread[image.number] = str(error)
                texts.append(not_read(image, getattr(error, "preparation", None)))
            elif error is not None:
                return self._fail(
                    work.job_id, work.outcome, f"page {image.number}: OCR failed: {error}"
                )
            else:
                texts.append(future.result())
        document_id = work.outcome.document_id
        # Repaired and described before the transaction opens: SQLite's write lock is not held
        # while they run.
        rows = [
            page_row(document_id, image, read, unread.get(image.number), self._dictionary)
            for image, read in zip(work.pages, texts, strict=True)
        ]
        pages = [page for page, _ in rows]
        description = described(rows[0][1], rows[-1][1])
        self.commit_document(work.job_id, document_id, pages, description, replace_pages=True)
        work.outcome.status, work.outcome.pages = "ingested", len(pages)
        work.outcome.unread = unread
        return work.outcome

    def commit_document(
        self,
        job_id: int,
        document_id: int,
        pages: list[Page],
        description: tuple[dict, str | None],
        replace_pages: bool,
    ) -> None:
        """Save a read document in one transaction: its pages (in-process, `replace_pages`; a
        worker stored them already, `ingest.finish`), an event for each step each page went
        through, its record metadata and procedure links, its job's end; then index it."""
        metadata, problem = description
        with Session(self.engine, expire_on_commit=False) as session:
            if replace_pages:
                session.exec(delete(Page).where(Page.document_id == document_id))
                session.add_all(pages)
            for page in pages:
                self._page_events(session, page)
            document = session.get(Document, document_id)
            document.status, document.page_count, document.error = "ingested", len(pages), None
            owe(session, document_id)  # killed before `pay`, the next ingest indexes it
            document.preserve_pending = True  # and killed before its copy, the next makes it
            document.record_metadata = metadata
            described = metadata if problem is None else {**metadata, "error": problem}
            self._event(session, "document.described", "document", document_id, described)
            self._link(session, document_id, metadata, pages[0].text)
            job = session.get(IngestJob, job_id)
            job.state, job.error, job.updated = "ingested", None, utcnow()
            self._event(
                session,
                "document.ingested",
                "document",
                document_id,
                {"pages": len(pages), "batch_id": job.batch_id},
            )
            session.commit()
            if self.index is not None:
                pay(self.index, session, [document_id])

    def _preserve(self, outcome: FileOutcome, images: list[Path] | None = None) -> None:
        """Make the document's PDF/A preservation copy. A copy that cannot be made does not
        cost the document its place: the reason goes in the outcome, the document stays
        `preserve_pending`, and the next ingest tries again."""
        try:
            preserve.preserve(self.settings, self.engine, outcome.document_id, self.actor, images)
        except Exception as error:  # a damaged page image must not lose an ingested document
            outcome.preservation_error = _copy_error(error)

    def _page_events(self, session, page: Page) -> None:
        """Two steps, two events: what OCR read, then what repair changed in it. Repair gets its
        own event because it is its own step: re-running it on stored pages with a better model
        will add a `page.repaired` and no `page.recognized`, and an auditor counting machine-made
        changes should not have to dig them out of the OCR's record."""
        recognized = {
            "page": page.number,
            "words": len(page.words),
            "confidence": page.confidence,
            "prepared": page.preparation["steps"],
            "engine": "tesseract" if page.text_source.startswith("ocr") else "pdf-text-layer",
            "source": page.text_source,
            "lang": self.settings.ocr_lang,
        }
        if page.error is not None:
            recognized["error"] = page.error
        self._event(session, "page.recognized", "document", page.document_id, recognized)
        self._event(
            session,
            "page.repaired",
            "document",
            page.document_id,
            {"page": page.number, "edits": len(page.edits), "review": page.review_count},
        )


def described(first: Layout, last: Layout) -> tuple[dict, str | None]:
    """The record metadata, and what went wrong reading it, if anything. Metadata is read for
    people's convenience: a page it cannot make sense of leaves the fields empty, for a person
    to fill in, and never costs the document its place in the archive."""
    try:
        return describe(first, last), None
    except Exception as error:  # a bug in describe must not lose an OCR'd document
        return empty_metadata(), unexpected(error)


def page_row(
    document_id: int,
    image: PageImage,
    read: ReadPage,
    error: str | None = None,
    dictionary: dict[str, str] | None = None,
) -> tuple[Page, Layout]:
    """A page as stored: the OCR's words in the layout's reading order as `raw_text` (words
    untouched), the repaired text in `text` (shown and indexed first), and every edit between
    them; with the page's layout carrying the repaired text, for `describe`. `error`: why OCR
    gave the page no text; `dictionary`: the words people taught repair."""
    text, layout = read.text, read.layout
    raw_text = layout.text()
    repaired = repair(raw_text, dictionary)
    edits = [edit.as_dict() for edit in repaired.edits]
    preparation = read.preparation
    width, height = preparation.width or image.width, preparation.height or image.height
    scan_dpi = None if read.source.startswith("text-layer") else image.scan_dpi
    page = Page(
        document_id=document_id,
        number=image.number,
        width=width,
        height=height,
        dpi=image.dpi,
        raw_text=raw_text,
        text=repaired.text,
        words=text.words,
        confidence=text.confidence,
        edits=edits,
        review_count=sum(1 for edit in edits if edit["review"]),
        error=error,
        preparation={**preparation.as_dict(), "steps": read.prepared, "resolution": scan_dpi},
        text_source=read.source,
        flags=page_flags(scan_dpi, text.confidence, preparation.blank, error),
    )
    return page, layout.with_texts(repaired.text)


def _text_layers(path: Path, kind: str, pages: list[PageImage]) -> list[list[dict] | None]:
    """Each page's own text layer, if the file is a PDF that has one (read in one pdftotext run,
    milliseconds a page); None for a page to OCR as it is."""
    layers = read_layers(path, pages) if kind == "pdf" else None
    return layers if layers is not None else [None] * len(pages)


def not_read(image: PageImage, preparation: Preparation | None) -> ReadPage:
    """A page OCR gave up on (it hung past its time limit, or Tesseract crashed): stored with
    no text and its reason, so the document keeps its place and a person can see the gap. Its
    `preparation` says what was done to its image before OCR stopped (it may have been turned)."""
    if preparation is None or preparation.width is None:
        preparation = Preparation(width=image.width, height=image.height, dpi=image.dpi)
    layout = Layout(preparation.width, preparation.height)
    return ReadPage(PageText(""), layout, list(preparation.steps), preparation)


def _copy_error(error: Exception) -> str:
    if isinstance(error, preserve.PreservationError):
        return f"no preservation copy yet: {error}"
    return f"no preservation copy yet: {unexpected(error)}"


def unexpected(error: Exception) -> str:
    message = str(error).strip().splitlines()
    return f"unexpected error: {type(error).__name__}: {message[0] if message else ''}"


def _sha256_now(name: str) -> str | None:
    """The file's hash as it is now, if it can be read (to see whether it was replaced)."""
    try:
        return storage.sha256_of(Path(name))
    except OSError:
        return None


def clear_scratch(settings: Settings) -> None:
    """Delete the rendered pages and half-copied originals a killed ingest left (never an
    original: a copy only takes its address once complete). Only under the ingest lock."""
    shutil.rmtree(settings.work_dir, ignore_errors=True)
    for root in (settings.originals_dir, settings.preservation_dir):
        for copy in storage.leftover_copies(root):
            copy.unlink(missing_ok=True)


def _unfinished_batch(session: Session, paths: list[str]) -> Batch | None:
    """The newest batch of exactly these paths that never finished (killed or interrupted)."""
    unfinished = session.exec(
        select(Batch).where(Batch.finished.is_(None)).order_by(Batch.id.desc())
    )
    return next((batch for batch in unfinished if batch.paths == list(paths)), None)


def _jobs_of(session: Session, batch_id: int) -> list[IngestJob]:
    return list(session.exec(select(IngestJob).where(IngestJob.batch_id == batch_id)))


def _last_jobs(session: Session) -> dict[str, IngestJob]:
    """Each file's newest job, by the name it was given: one query for a whole batch."""
    newest = select(func.max(IngestJob.id)).group_by(IngestJob.path)
    jobs = session.exec(select(IngestJob).where(IngestJob.id.in_(newest)))
    return {job.path: job for job in jobs}


def _new_job(batch_id: int, name: str, before: IngestJob | None) -> IngestJob:
    """A file's job in a batch; after a failed try, its attempts and last error carried on."""
    job = IngestJob(batch_id=batch_id, path=name)
    if before is not None and before.state == "failed":
        job.attempts, job.sha256, job.error = before.attempts, before.sha256, before.error
    return job
