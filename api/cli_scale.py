"""Past one machine: `sohoa worker`, and the ingest that queues its pages for workers.

With `SOHOA_BROKER_URL` set, `sohoa ingest` stores the files and queues one task per page
(`ingest.distributed`); `sohoa worker` reads pages on any machine that sees the same storage
directory and database, and `sohoa worker --writer` (one, on the server) saves each document
once its pages are in. docs/deployment.md says how to set the machines up.

Celery and psycopg are the optional `scale` extra; without it, these commands say what to
install and nothing else changes.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from sohoa.api.cli_output import err, fail
from sohoa.archive.database import open_database
from sohoa.archive.settings import Settings
from sohoa.ingest.ocr import OcrUnavailable, check_tesseract


def tasks_module():
    """`sohoa.ingest.tasks`, or a clear refusal when the `scale` extra is not installed."""
    try:
        from sohoa.ingest import tasks
    except ImportError as error:
        fail(f"ingest over workers needs the scale extra: pip install 'sohoa[scale]' ({error})")
    return tasks


def queued_ingester(settings: Settings, engine, wait: bool, **options):
    """The coordinator's ingester (`ingest.distributed.QueuedIngester`) over Celery; while it
    waits, it says so if no worker or no writer is there to take its tasks."""

    def warn(message: str) -> None:
        err.print(f"[yellow]sohoa: {message}.[/yellow]")

    return tasks_module().coordinator(settings, engine, wait=wait, warn=warn, **options)


def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="pages read at once (default: cores)", min=1)
    ] = None,
    writer: Annotated[
        bool,
        typer.Option(
            "--writer",
            help="be the one writer: save each document once its pages are in (run exactly one)",
        ),
    ] = False,
    loglevel: Annotated[str, typer.Option(help="Celery's log level")] = "INFO",
) -> None:
    """Read pages for ingests queued on SOHOA_BROKER_URL (Celery over Redis), on any machine
    that sees the archive's storage directory and database. `--writer`: the one process that
    saves documents, indexes them and appends to the trail."""
    settings = Settings()
    if not settings.broker_url:
        fail("set SOHOA_BROKER_URL (e.g. redis://server:6379/0) to the broker ingests queue on")
    tasks = tasks_module()
    if not writer:
        try:
            check_tesseract(settings.ocr_lang)
        except OcrUnavailable as error:
            fail(f"cannot run OCR: {error}")
    open_database(settings).dispose()  # migrated here once, before the pool's processes start
    app = tasks.configure(settings)
    name = f"{'writer' if writer else 'pages'}-{os.getpid()}@%h"
    if writer:
        options = ["-Q", tasks.WRITER, "--pool", "solo"]  # one document at a time, in order
    else:
        options = ["-Q", tasks.PAGES, "--concurrency", str(concurrency or settings.workers)]
    app.worker_main(
        ["worker", f"--loglevel={loglevel}", "-n", name, "--without-mingle", "--without-gossip"]
        + options
    )
