"""The Celery tasks of an ingest spread over machines (`ingest.distributed`), over Redis.

Two queues: `sohoa.pages`, one task per page, consumed by every `sohoa worker`; and
`sohoa.writer`, consumed by the one `sohoa worker --writer`, which saves each document once its
pages are in (and is so the only process of the batch that writes the index and the trail).

Delivery is at least once, never lost: a task is acknowledged only when it is done
(`acks_late`); a worker process that dies mid-page has its task handed back
(`reject_on_worker_lost`), and a whole worker machine killed has its unacknowledged tasks given to
another worker once `SOHOA_TASK_REDELIVERY` seconds have passed (Redis' visibility timeout). Both
kinds of task are idempotent, so a task run twice stores its page once and saves its document
once. A page task that fails unexpectedly is tried again `RETRIES` times with a growing pause,
then fails its document with the reason; a page past its time limit fails it at once. The
writer's tasks are tried again the same way.

Celery is the optional `scale` extra: this module is imported only when `SOHOA_BROKER_URL` is
set.
"""

from __future__ import annotations

from functools import cache

from celery import Celery
from celery.exceptions import SoftTimeLimitExceeded

from sohoa.archive.database import open_database
from sohoa.archive.settings import Settings
from sohoa.ingest import page_task
from sohoa.ingest.distributed import QueuedIngester
from sohoa.ingest.pipeline import unexpected
from sohoa.ingest.rasterize import RasterizeError
from sohoa.search import open_index, ready_index

PAGES = "sohoa.pages"
WRITER = "sohoa.writer"
WRITER_TASKS = ("sohoa.finish_document", "sohoa.catch_up")
RETRIES = 3  # tries of a page after its first that failed unexpectedly (the database was away)
BACKOFF = 2  # seconds before the first try again; doubled for each after
MARGIN = 120  # seconds a page may take beyond its OCR time limit: rendering, layer, repair

app = Celery("sohoa", set_as_current=False)


def configure(settings: Settings) -> Celery:
    """The Celery app set up for this archive's broker and limits."""
    soft_limit = settings.ocr_page_timeout + MARGIN
    app.conf.update(
        broker_url=settings.broker_url,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": settings.task_redelivery,
            # Look for tasks a dead worker held every 10 s (kombu's default: every 100 s).
            "unacked_restore_interval": min(10, settings.task_redelivery),
            "unacked_restore_throttle": 1,
        },
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_default_queue=PAGES,
        task_routes={name: {"queue": WRITER} for name in WRITER_TASKS},
        task_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,  # a worker holds only the pages it is reading
        worker_hijack_root_logger=False,
        task_soft_time_limit=soft_limit,
        task_time_limit=soft_limit + 60,
    )
    return app


def coordinator(settings: Settings, engine, **options) -> QueuedIngester:
    """The coordinator's ingester, queueing on this archive's broker (`sohoa ingest`, and the
    web server's uploads); `options` as `QueuedIngester` takes them."""
    configure(settings)
    return QueuedIngester(settings, engine, None, queue=CeleryQueue(), **options)


class CeleryQueue:
    """The coordinator's `distributed.Queue` over this module's tasks."""

    def read_page(self, context: dict, number: int) -> None:
        read_page.apply_async((context, number), queue=PAGES)

    def catch_up(self) -> None:
        catch_up.apply_async(queue=WRITER)

    def missing_workers(self, timeout: float = 2.0) -> str | None:
        """Which kind of worker no running worker is (none answering in `timeout` s)."""
        answers = app.control.inspect(timeout=timeout).active_queues() or {}
        listening = {queue["name"] for queues in answers.values() for queue in queues}
        missing = [
            f"`{start}`"
            for name, start in ((PAGES, "sohoa worker"), (WRITER, "sohoa worker --writer"))
            if name not in listening
        ]
        if not missing:
            return None
        return (
            f"nothing has moved, and no {' and no '.join(missing)} is running: the batch's "
            "tasks wait in Redis until one starts"
        )


@app.task(name="sohoa.read_page", bind=True, max_retries=RETRIES)
def read_page(self, context: dict, number: int) -> None:
    """Read and store one page; when the document's last page is in, call the writer."""
    settings, engine = _archive()
    document_id = context["document_id"]
    try:
        page_task.read_stored_page(settings, engine, document_id, context["kind"], number)
    except (RasterizeError, SoftTimeLimitExceeded) as error:  # trying again would not help
        reason = str(error) or f"reading it took longer than {settings.ocr_page_timeout + MARGIN} s"
        finish_document.apply_async((context, f"page {number}: {reason}"), queue=WRITER)
        return
    except Exception as error:
        if self.request.retries < RETRIES:
            raise self.retry(exc=error, countdown=BACKOFF * 2**self.request.retries) from error
        failure = f"page {number}: {unexpected(error)}"
        finish_document.apply_async((context, failure), queue=WRITER)
        return
    if page_task.all_stored(engine, document_id):
        finish_document.apply_async((context, None), queue=WRITER)


# The writer's tasks are tried again on any error (the database away for a moment), with the
# same growing pause as a page's.
WRITER_RETRIES = {
    "autoretry_for": (Exception,),
    "max_retries": RETRIES,
    "retry_backoff": BACKOFF,
    "retry_jitter": False,
}


@app.task(name="sohoa.finish_document", **WRITER_RETRIES)
def finish_document(context: dict, failure: str | None) -> None:
    """The writer saves (or fails) a document whose pages are in."""
    writer = _writer(context)
    writer.finish(context["job_id"], context["document_id"], failure)


@app.task(name="sohoa.catch_up", **WRITER_RETRIES)
def catch_up() -> None:
    """The writer pays what the index and the preservation copies are owed."""
    _writer({"actor": None, "procedure": None}).catch_up()


@cache
def _archive():
    """This worker process's settings and database (made in the process itself, after the
    pool forked it: a connection is never shared across processes)."""
    settings = Settings()
    return settings, open_database(settings)


@cache
def _index():
    settings, engine = _archive()
    return ready_index(open_index(settings), engine)


def _writer(context: dict) -> QueuedIngester:
    """The writer's ingester, acting for the batch's archivist and with its procedure."""
    settings, engine = _archive()
    writer = QueuedIngester(settings, engine, _index(), procedure=context["procedure"])
    if context["actor"]:
        writer.actor = context["actor"]
    return writer
