"""An ingest spread over machines: the coordinator queues pages, workers read them, one writer
saves the documents. Used when `SOHOA_BROKER_URL` is set; without it nothing here runs.

Three parts, each a process of its own (docs/deployment.md):

- **the coordinator** (`sohoa ingest` on the server, `QueuedIngester.run`) does what the
  in-process pipeline does before any page is read: discover, open (or take up) the batch with
  a job per file, hash, identify, refuse duplicates and disposed records, store the original,
  and count its pages from the file's headers. Then it queues one task per page
  (`ingest.tasks.read_page`) and, unless told not to wait, shows the batch's progress from the
  database until the writer closes it.
- **workers** (`sohoa worker`, any number, on any machine that sees the same storage directory
  and database) read one page per task (`ingest.page_task`) and store it as a `Page` row.
- **the writer** (`sohoa worker --writer`, exactly one) is called when a document's last page
  is in (`QueuedIngester.finish`): it records each page's events, describes the document, links
  it to its procedures, indexes it and makes its preservation copy, exactly as the in-process
  pipeline does (`Ingester.commit_document`), then closes the batch once no file is pending.

So workers never touch the search index or the trail: both are written by the writer alone (and
by the coordinator for what it decides itself: a batch opened, a file stored, refused or found
a duplicate), each append under the database's write lock (`archive.database.write_lock`), which
keeps the trail's numbering strictly ordered whoever appends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, func
from sqlmodel import Session, select

from sohoa.archive import storage
from sohoa.archive.database import write_lock
from sohoa.archive.models import Batch, Document, IngestJob, Page
from sohoa.ingest.discover import FoundFile
from sohoa.ingest.layout import read_layout
from sohoa.ingest.pipeline import BatchReport, FileOutcome, Ingester, described, unexpected
from sohoa.ingest.rasterize import Limits, RasterizeError, count_pages
from sohoa.iso_procedures.registry import ProcedureError
from sohoa.search import catch_up


class Queue:
    """Where the coordinator sends work (`ingest.tasks` implements it over Celery; tests may
    give their own)."""

    def read_page(self, context: dict, number: int) -> None: ...
    def catch_up(self) -> None: ...
    def missing_workers(self) -> str | None: ...  # who should be running and is not, if known


@dataclass
class QueuedIngester(Ingester):
    """The coordinator's and the writer's ingest (see the module docstring); `queue` sends the
    tasks; `wait`: follow the batch to its end (else return once every page is queued)."""

    queue: Queue | None = None
    wait: bool = True
    poll: float = 0.5  # seconds between looks at the database while waiting
    stall: float = 15.0  # seconds without progress before asking whether workers are running
    warn: Callable[[str], None] = lambda message: None  # tells the person waiting

    # -- the coordinator -----------------------------------------------------------------------

    def _clear_leftovers(self) -> None:
        """Half-copied originals of a coordinator killed while storing one. (Scratch pages and
        preservation copies are the workers' and the writer's: never cleared from here.)"""
        for copy in storage.leftover_copies(self.settings.originals_dir):
            copy.unlink(missing_ok=True)

    def _run(self, paths: list[str], shown_as: dict[str, str] | None = None) -> BatchReport:
        batch, jobs, found = self._start_batch(paths, shown_as)
        outcomes: dict[int, FileOutcome] = {}
        self._sent: set[int] = set()  # the documents whose pages this run queued
        for job, item in zip(jobs, found, strict=True):
            if job.state != "pending":  # finished by the run that was cut short
                self._report(outcomes, job.id, self._finished_before(job))
                continue
            try:
                settled = self._send_file(job, item)
            except Exception as error:  # an unforeseen file must not stop the batch
                settled = self._fail(job.id, FileOutcome(item.name, "failed"), unexpected(error))
            if settled is not None:
                self._report(outcomes, job.id, settled)
        self.close_if_done(batch.id, {job.id for job in jobs})
        self.queue.catch_up()  # a duplicate linked to --procedure is owed to the index
        if self.wait:
            self._follow(batch.id, outcomes)
        return BatchReport(batch.id, batch.started, self._outcomes(jobs, outcomes))

    def _send_file(self, job: IngestJob, item: FoundFile) -> FileOutcome | None:
        """Store one file and queue a task for each of its pages; its outcome if that is
        settled already (failed, a duplicate), None once its pages are queued."""
        resumed = job.document_id is not None  # queued by the run that was cut short
        taken = self._take(job, item)
        if isinstance(taken, FileOutcome):
            return taken
        outcome, kind = taken
        limits = Limits(self.settings.max_pages, self.settings.max_page_pixels)
        try:
            pages = count_pages(item.path, kind, self.settings.ocr_dpi, limits)
        except RasterizeError as error:
            return self._fail(job.id, outcome, str(error))
        self._expect_pages(outcome.document_id, pages, keep_stored=resumed)
        context = {
            "job_id": job.id,
            "document_id": outcome.document_id,
            "kind": kind,
            "actor": self.actor,
            "procedure": self.procedure,
        }
        for number in range(1, pages + 1):
            self.queue.read_page(context, number)
        self._sent.add(outcome.document_id)
        self.progress.add_pages(pages)
        return None

    def _expect_pages(self, document_id: int, pages: int, keep_stored: bool) -> None:
        """Record how many pages the document has (what the writer waits for). Pages stored by
        an earlier reading (a file failed before, or read again) go, unless they are this
        batch's own, queued before it was cut short."""
        with Session(self.engine) as session:
            document = session.get(Document, document_id)
            document.page_count = pages
            if not keep_stored:
                session.exec(delete(Page).where(Page.document_id == document_id))
            session.commit()

    def _follow(self, batch_id: int, outcomes: dict[int, FileOutcome]) -> None:
        """Show the batch's progress, read from the database, until the writer closes it; if
        nothing moves for `stall` seconds, say which workers seem to be missing (once)."""
        pages_seen, files_seen = 0, len(outcomes)
        moved, warned = time.monotonic(), False
        while True:
            with Session(self.engine) as session:
                finished = session.get(Batch, batch_id).finished is not None
                read = session.exec(
                    select(func.count())
                    .select_from(Page)
                    .where(Page.document_id.in_(self._sent or {0}))
                ).one()
                for job in session.exec(select(IngestJob).where(IngestJob.batch_id == batch_id)):
                    if job.id not in outcomes and job.state != "pending":
                        self._report(outcomes, job.id, self._finished_before(job))
            for _ in range(read - pages_seen):
                self.progress.page_done()
            if finished:
                return
            if read > pages_seen or len(outcomes) > files_seen:
                moved = time.monotonic()
            elif not warned and time.monotonic() - moved > self.stall:
                warned = True
                missing = self.queue.missing_workers()
                if missing:
                    self.warn(missing)
            pages_seen, files_seen = max(pages_seen, read), len(outcomes)
            time.sleep(self.poll)

    def _outcomes(self, jobs: list[IngestJob], outcomes: dict[int, FileOutcome]):
        """Each file's outcome as the database has it now: one still being read is `queued`."""
        report = []
        with Session(self.engine) as session:
            for job in jobs:
                job = session.get(IngestJob, job.id)
                if job.state == "pending":
                    report.append(FileOutcome(job.path, "queued", job.document_id, job.sha256))
                    continue
                outcome = outcomes.get(job.id) or self._finished_before(job)
                if job.state == "ingested":
                    _add_what_is_missing(session, outcome)
                report.append(outcome)
        return report

    # -- the writer ----------------------------------------------------------------------------

    def finish(self, job_id: int, document_id: int, failure: str | None = None) -> None:
        """Save a document whose pages are all stored (or fail it, with `failure`: one of its
        pages could not be read), then close its batch if nothing is left pending. Called
        again for a document done already (a task delivered twice), it does nothing."""
        with Session(self.engine, expire_on_commit=False) as session:
            job = session.get(IngestJob, job_id)
            if job is None or job.state != "pending":
                return
            document = session.get(Document, document_id)
            pages = list(
                session.exec(
                    select(Page).where(Page.document_id == document_id).order_by(Page.number)
                )
            )
        if failure is not None:
            with Session(self.engine) as session:
                session.exec(delete(Page).where(Page.document_id == document_id))
                session.commit()
            outcome = FileOutcome(job.path, "failed", document_id, document.sha256)
            self._fail(job_id, outcome, failure)
        elif len(pages) < document.page_count:
            return  # a page is still being read: its task calls again
        else:
            self._commit_read(job_id, document_id, pages)
            self._preserve(FileOutcome(job.path, "ingested", document_id))
        self.close_if_done(job.batch_id)

    def _commit_read(self, job_id: int, document_id: int, pages: list[Page]) -> None:
        """The in-process pipeline's save, over pages stored by workers: the layouts of the
        first and last page are rebuilt from their words, as OCR laid them out, for describe."""
        try:
            self._ready_procedures()
        except ProcedureError:  # the batch's procedure was retired meanwhile: rules only
            self.procedure = None
            self._ready_procedures()
        first, last = (
            read_layout(page.words, page.width, page.height).with_texts(page.text)
            for page in (pages[0], pages[-1])
        )
        self.commit_document(job_id, document_id, pages, described(first, last), False)

    def catch_up(self) -> None:
        """What a writer killed half-way owes: the index, and preservation copies."""
        catch_up(self.index, self.engine)
        self._preserve_pending()

    def close_if_done(self, batch_id: int, taken: set[int] | None = None) -> bool:
        """Close the batch if none of its files is pending; `taken`: the coordinator's jobs of
        this run (a job it did not take is failed first: its file was gone). Under the write
        lock, so the coordinator and the writer cannot both close it."""
        with Session(self.engine) as session:
            write_lock(session)
            if session.get(Batch, batch_id).finished is not None:
                return True
            if taken is not None:
                self._fail_untaken(session, batch_id, taken)
            pending = session.exec(
                select(func.count())
                .select_from(IngestJob)
                .where(IngestJob.batch_id == batch_id, IngestJob.state == "pending")
            ).one()
            if not pending:
                self._close_batch(session, batch_id)
            session.commit()
            return not pending


def _add_what_is_missing(session: Session, outcome: FileOutcome) -> None:
    """An ingested file's unread pages and missing preservation copy, for its report line."""
    pages = select(Page.number, Page.error).where(
        Page.document_id == outcome.document_id, Page.error.is_not(None)
    )
    outcome.unread = dict(session.exec(pages).all())
    if session.get(Document, outcome.document_id).preserve_pending:
        outcome.preservation_error = "no preservation copy yet (the writer makes it next)"
