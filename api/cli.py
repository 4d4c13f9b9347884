"""The `sohoa` command (Typer). Output for people by default; `--json` for scripts (see `objects`).

Exit status: 0 when the command ran (an ingest with failed files still ran), 1 when the thing
asked for does not exist or the query or a value is bad, 2 when it could not run (OCR not
installed).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import signal
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine
from sqlmodel import Session

from sohoa.api import auditing, cli_scale, cli_users, objects
from sohoa.api.cli_output import err, fail, out, seal, sealed_archive
from sohoa.archive import backup as backups
from sohoa.archive import checkpoints, corrections, keys, records, trail
from sohoa.archive.database import open_database
from sohoa.archive.ingest_lock import IngestRunning
from sohoa.archive.models import LARGEST_INTEGER, VIETNAM
from sohoa.archive.settings import Settings
from sohoa.archive.verify import verify
from sohoa.ingest import doctor as checkup
from sohoa.ingest.ocr import OcrUnavailable, check_tesseract
from sohoa.ingest.pipeline import BatchReport, FileOutcome, Ingester, NoProgress
from sohoa.ingest.preserve import PreservationError
from sohoa.ingest.repair import repair as repair_text
from sohoa.ingest.watch import Watcher
from sohoa.iso_procedures import export as export_records
from sohoa.iso_procedures import registry, report
from sohoa.iso_procedures.links import LinkError
from sohoa.iso_procedures.registry import ProcedureError, ProcedureSpec
from sohoa.iso_procedures.retention import RetentionError
from sohoa.search import (
    ENGINES,
    SORTS,
    WHOOSH_PAGES,
    EngineMissing,
    QueryError,
    SearchIndex,
    choose_engine,
    chosen_engine,
    open_index,
    ready_index,
)
from sohoa.search import reindex as rebuild_index

app = typer.Typer(
    help="sohoa: a searchable, auditable archive of scanned Vietnamese records.",
    no_args_is_help=True,
    add_completion=False,
)

# Options `ingest` and `watch` share.
# A document's id as an argument, bounded like the database's column (`models.LARGEST_INTEGER`);
# shown as ID where it is the command's only argument, as DOC beside others.
DocumentId = Annotated[
    int, typer.Argument(metavar="ID", help="document id", min=1, max=LARGEST_INTEGER)
]
DocumentArg = Annotated[
    int, typer.Argument(metavar="DOC", help="document id", min=1, max=LARGEST_INTEGER)
]
WorkersOption = Annotated[int | None, typer.Option(help="pages OCR'd at once (default: cores)")]
ProcedureOption = Annotated[
    str | None,
    typer.Option(
        help="link every document ingested to this ISO procedure (e.g. QT-HT-02)",
        show_default=False,
    ),
]

STATUS_STYLE = {"ingested": "green", "duplicate": "yellow", "failed": "red", "queued": "cyan"}


@app.command()
def ingest(
    paths: Annotated[
        list[str] | None, typer.Argument(help="files and folders (walked recursively)")
    ] = None,
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed",
            help="try again the files whose last try failed (up to SOHOA_MAX_ATTEMPTS tries)",
        ),
    ] = False,
    workers: WorkersOption = None,
    procedure: ProcedureOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    no_wait: Annotated[
        bool,
        typer.Option("--no-wait", help="with SOHOA_BROKER_URL: return once the pages are queued"),
    ] = False,
) -> None:
    """Store, OCR and index scanned files (PDF, TIFF, PNG, JPEG).

    Each document is linked by rule to the procedures its type and subject match (a Báo cáo
    about đánh giá nội bộ → QT-HT-02); `--procedure` links the whole batch as well.

    Stopped half-way (Ctrl-C, a crash, a power cut), the same command takes the batch up
    where it stopped; files already done are not read again.

    With SOHOA_BROKER_URL set, the pages are read by `sohoa worker` processes, on this machine
    or others (docs/deployment.md): this command queues them and follows the batch to its end."""
    settings = Settings()
    if not paths and not retry_failed:
        fail("give the files or folders to ingest (or --retry-failed)")
    with sealed_archive(settings) as engine, _IngestProgress() as progress:
        ingester = _ingester(settings, engine, progress, workers, procedure, wait=not no_wait)
        if retry_failed:
            paths = [*(paths or []), *_failed_files(ingester)]
            if not paths:
                out.print("No failed files to try again.")
                return
        try:
            report = ingester.run(paths)
        except IngestRunning as error:
            fail(str(error))
        except OcrUnavailable as error:
            err.print(f"[red]sohoa: cannot run OCR.[/red] {error}")
            raise typer.Exit(2) from None
        except ProcedureError as error:
            fail(str(error))
        except KeyboardInterrupt:
            err.print(
                "[yellow]sohoa: interrupted.[/yellow] Every file finished is kept. Run the same "
                "command again to finish the batch: it goes on from where it stopped."
            )
            raise typer.Exit(130) from None
    if as_json:
        _print_json(objects.ingest_report(report))
        return
    _print_ingest_table(report.files)
    err.print(f"Archive: {settings.home}")


def _ingester(
    settings: Settings,
    engine: Engine,
    progress,
    workers: int | None,
    procedure: str | None,
    wait: bool = True,
    start_up: bool = True,
) -> Ingester:
    """The ingest a command runs: its pages queued for `sohoa worker`s when SOHOA_BROKER_URL
    is set (`wait`: followed to the batch's end), else read in this process by `workers`
    threads. `start_up`: the command's first use of the index (its cheap checks are run)."""
    if settings.broker_url:
        return cli_scale.queued_ingester(
            settings, engine, wait, progress=progress, procedure=procedure
        )
    return Ingester(
        settings,
        engine,
        _ready_index(settings, engine, start_up=start_up),
        workers=workers or settings.workers,
        progress=progress,
        procedure=procedure,
    )


def _failed_files(ingester: Ingester) -> list[str]:
    """The files to try again, saying which ones are no longer tried."""
    again, given_up = ingester.failed_files()
    if given_up:
        err.print(
            f"[yellow]sohoa: {len(given_up)} file(s) failed {ingester.settings.max_attempts} "
            "times and are not tried again (`sohoa ingest --json` on one shows its last "
            "error); raise SOHOA_MAX_ATTEMPTS to try them anyway.[/yellow]"
        )
    return again


@app.command()
def watch(
    folder: Annotated[Path, typer.Argument(help="the folder scanners drop files into")],
    settle: Annotated[
        float, typer.Option(min=0, help="seconds a file must stay unchanged before it is taken")
    ] = 10.0,
    interval: Annotated[
        float, typer.Option(min=0.1, help="seconds between looks at the folder")
    ] = 2.0,
    once: Annotated[
        bool, typer.Option("--once", help="take what has settled (waiting --settle), then exit")
    ] = False,
    workers: WorkersOption = None,
    procedure: ProcedureOption = None,
) -> None:
    """Ingest what scanners drop into FOLDER, each file once it has stopped growing.

    Files already there when it starts are taken too. Ingested files (and duplicates) are moved
    to FOLDER/.done/, failed ones to FOLDER/.failed/ with NAME.error.txt saying why. Each file's
    outcome is a line on stderr; Ctrl-C stops between batches."""
    if not folder.is_dir():
        fail(f"{folder} is not a folder")
    settings = Settings()
    try:
        check_tesseract(settings.ocr_lang)
    except OcrUnavailable as error:
        err.print(f"[red]sohoa: cannot run OCR.[/red] {error}")
        raise typer.Exit(2) from None
    stop = threading.Event()
    with sealed_archive(settings) as engine:
        if procedure is not None:
            with Session(engine) as session:
                try:
                    procedure = registry.in_force(session, procedure).code
                except ProcedureError as error:
                    fail(str(error))
        _ready_index(settings, engine)

        def ingest_batch(paths: list[str]) -> BatchReport:
            """One batch, its trail sealed as it ends: a watch runs for months. The index is
            opened for each batch, so one rebuilt or switched to Tantivy meanwhile is the one
            written to. Progress bars only on a terminal: a log gets each file's line."""
            try:
                with _WatchProgress() if err.is_terminal else nullcontext(NoProgress()) as progress:
                    ingester = _ingester(
                        settings, engine, progress, workers, procedure, start_up=False
                    )
                    return ingester.run(paths)
            finally:
                seal(settings, engine)

        _log(f"watching {folder}: a file is taken once unchanged for {settle:g} s")
        try:
            with _stop_on_ctrl_c(stop):
                Watcher(folder, ingest_batch, settle, _log).run(interval, stop, once=once)
        except KeyboardInterrupt:
            _log(
                "interrupted. What was finished is kept; files not yet moved stay in the "
                "folder and are taken at the next start (finished ones as duplicates)."
            )
            raise typer.Exit(130) from None
    _log("stopped")


def _log(message: str) -> None:
    """One line of `watch`'s log on stderr, with the local time."""
    err.print(
        f"{datetime.now(VIETNAM):%Y-%m-%d %H:%M:%S} {escape(message)}",
        highlight=False,
        soft_wrap=True,
    )


@contextmanager
def _stop_on_ctrl_c(stop: threading.Event) -> Iterator[None]:
    """The first Ctrl-C lets the running batch finish (its files are filed away) and stops;
    a second one interrupts it."""

    def first(signum, frame):
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _log("stopping after this batch (Ctrl-C again to stop at once)")

    previous = signal.signal(signal.SIGINT, first)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="words, with or without diacritics")],
    limit: Annotated[int, typer.Option(help="how many documents to show")] = 10,
    page: Annotated[int, typer.Option(help="which page of results (from 1)")] = 1,
    sort: Annotated[str, typer.Option(help=" | ".join(SORTS))] = "relevance",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Find documents by the words on their pages and their metadata.

    Words are found with or without diacritics; "a phrase" keeps its words in order; -word
    leaves out the documents that have it; a OR b takes either. Filters narrow the search:
    type:"ke hoach", year:2024 or year:2019..2024, date:2024-03..2024-07,
    issuer:"so khoa hoc", number:45/KH-LHH, procedure:QT-07 (alone, they list every document
    they keep)."""
    settings = Settings()
    index = _ready_index(settings, open_database(settings))
    try:
        results = index.search(query, limit=limit, offset=max(page - 1, 0) * limit, sort=sort)
    except QueryError as error:
        fail(str(error))
    if as_json:
        _print_json(objects.search_results(results))
        return
    _print_results(results)


@app.command()
def similar(
    document_id: DocumentId,
    limit: Annotated[int, typer.Option(help="how many documents to show")] = 10,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Documents about the same thing as document ID ("more like this")."""
    settings = Settings()
    index = _ready_index(settings, open_database(settings))
    results = index.more_like(document_id, limit=limit)
    if as_json:
        _print_json(objects.search_results(results))
        return
    _print_results(results)


def _print_results(results) -> None:
    shown = f"{results.offset + 1}-{results.offset + len(results.hits)} of " if results.hits else ""
    out.print(f"{shown}{results.total} document(s) for [bold]{escape(results.query)}[/bold]")
    if results.suggestion:
        out.print(f"Did you mean: [bold]{escape(results.suggestion)}[/bold]")
    facets = _facet_summary(results.facets)
    if facets:
        out.print(facets, style="dim", markup=False, highlight=False)
    for hit in results.hits:
        pages = ", ".join(str(p) for p in hit.pages)
        out.print(
            f"\n[bold cyan]#{hit.document_id}[/bold cyan] {escape(hit.name)}  "
            f"[dim]page {hit.page} (matches on {pages}) score {hit.score}[/dim]"
        )
        record = [hit.metadata.get(name) for name in ("doc_type", "number", "date")]
        if any(record):
            out.print(
                " · ".join(filter(None, record)), style="green", markup=False, highlight=False
            )
        for snippet in hit.snippets:
            line = Text(f"p.{snippet.page}: ", style="dim")
            line.append_text(_snippet_text(snippet.text))
            out.print(line)


@app.command()
def show(document_id: DocumentId, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show one document: its record and the text of every page (reading a restricted record
    is an event of the trail)."""
    settings = Settings()
    with sealed_archive(settings) as engine, Session(engine) as session:
        detail = objects.document_detail(session, document_id, settings.trail_actor, "cli")
    if detail is None:
        err.print(f"[red]sohoa: no document with id {document_id}[/red]")
        raise typer.Exit(1)
    if as_json:
        _print_json(detail)
        return
    out.print(
        f"[bold]#{detail['id']} {escape(detail['name'])}[/bold]  [dim]{detail['status']}, "
        f"{len(detail['pages'])} page(s), sha256 {detail['sha256']}[/dim]"
    )
    if detail["access"] == "restricted":
        out.print("restricted: your reading is recorded in the trail", style="yellow")
    _print_metadata(detail["metadata"])
    _print_retention(detail)
    copy = detail["preservation"]
    if copy is not None:
        state = "outdated: made again by the next `sohoa pdf`" if copy["outdated"] else "current"
        out.print(f"PDF/A copy: sha256 {copy['sha256']} ({state})", style="dim")
    for page in detail["pages"]:
        confidence = "–" if page["confidence"] is None else f"{page['confidence']:.0%}"
        flags = "".join(f" · [yellow]{flag}[/yellow]" for flag in page["flags"])
        out.rule(f"page {page['number']} · OCR confidence {confidence}{flags}")
        out.print(page["text"], markup=False, highlight=False)


@app.command()
def pdf(
    document_id: DocumentId,
    out_file: Annotated[
        Path, typer.Option("--out", help="where to write the PDF", show_default=False)
    ],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Write a document's PDF/A preservation copy: its page images with the repaired text
    (searchable and selectable in any PDF viewer) and the record's metadata. A missing,
    damaged or outdated copy is made again first, from the original."""
    settings = Settings()
    with sealed_archive(settings) as engine:
        try:
            copy, detail = objects.preservation_copy(
                settings, engine, document_id, settings.trail_actor, "cli"
            )
        except (objects.NoSuchDocument, ValueError, PreservationError) as error:
            fail(str(error))
        try:
            shutil.copyfile(copy, out_file)
        except OSError as error:
            fail(f"cannot write {out_file}: {error.strerror or error}")
    if as_json:
        _print_json({"document_id": document_id, "out": str(out_file), **detail})
        return
    out.print(
        f"#{document_id} → {out_file} ({detail['format']}, {detail['size']:,} bytes, "
        f"sha256 {detail['sha256']})",
        markup=False,
        highlight=False,
    )


@app.command()
def edit(
    document_id: DocumentId,
    field: Annotated[str, typer.Argument(help=f"one of: {', '.join(records.FIELDS)}")],
    value: Annotated[str, typer.Argument(help='the value as read on the page; "" clears it')],
    as_json: Annotated[
        bool, typer.Option("--json", help="print the document's metadata after the change")
    ] = False,
) -> None:
    """Correct one field of a document's metadata, as a person read it on the page.

    The value becomes certain (confidence 1.0, marked corrected), the change is a
    `metadata.corrected` event in the trail, and the document is indexed again. A date is
    2024-07-15, 2024-07 or 2024 (15/7/2024 is converted); a doc_type is a Decree 30 type,
    with or without diacritics ("ke hoach")."""
    settings = Settings()
    with sealed_archive(settings) as engine, Session(engine) as session:
        try:
            done = objects.edit_metadata(
                session,
                _ready_index(settings, engine),
                document_id,
                {field: value},
                settings.trail_actor,
            )
        except (objects.NoSuchDocument, ValueError) as error:
            fail(str(error))
    if as_json:
        _print_json(done.metadata)
        return
    for name, old, new in done.changes:
        out.print(
            f"#{done.document_id} {name}: {_quoted(old)} → {_quoted(new)}",
            markup=False,
            highlight=False,
        )


@app.command()
def repair(
    file: Annotated[
        str | None, typer.Argument(metavar="[FILE]", help="text to repair; stdin if absent or -")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the text, its edits and the encoding as JSON")
    ] = False,
    dictionary: Annotated[
        bool,
        typer.Option(
            help="use the words archivists taught by correcting (the archive's user dictionary)"
        ),
    ] = True,
) -> None:
    """Restore the diacritics of OCR'd Vietnamese text (TCVN3 and VNI converted), lines kept.
    Words the archive's people corrected are written as they taught (`sohoa review ...
    correct`), when there is an archive."""
    # Imported here, not at the top: only this command needs the legacy-encoding tables.
    from sohoa.ingest.repair.legacy import decode_bytes

    text, encoding = decode_bytes(_read_input(file))
    repaired = repair_text(text, _user_dictionary() if dictionary else None)
    if as_json:
        _print_json(objects.repair_result(repaired, encoding or repaired.encoding))
        return
    sys.stdout.write(repaired.text)  # as is: no newline added, so the line count stays the same


def _user_dictionary() -> dict[str, str]:
    """The archive's user dictionary; none when there is no archive (repair is also a tool for
    any text: it does not make an archive to read an empty dictionary from)."""
    settings = Settings()
    if settings.database_url is None and not (settings.home / "sohoa.db").is_file():
        return {}
    engine = open_database(settings)
    try:
        with Session(engine) as session:
            return corrections.learnt(session)
    finally:
        engine.dispose()


def _read_input(file: str | None) -> bytes:
    """The bytes of `file`, or of stdin for none or `-`; bytes, because the encoding (UTF-8 or a
    legacy 8-bit one) is for `decode_bytes` to find out."""
    if file is None or file == "-":
        return sys.stdin.buffer.read()
    try:
        with open(file, "rb") as handle:
            return handle.read()
    except OSError as error:
        fail(f"cannot read {file}: {error.strerror or error}")


@app.command()
def reindex(
    fresh: Annotated[
        bool, typer.Option("--fresh", help="start over instead of resuming a rebuild cut short")
    ] = False,
    search_engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="build this engine's index (whoosh or tantivy), then search with it",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Rebuild the search index from the database (the index is only ever a copy).

    The new index is built beside the old one, which keeps answering searches until the new one
    is complete. Interrupted, the same command resumes where it stopped. With `--engine`, the
    archive moves to that engine once its index is complete."""
    settings = Settings()
    if search_engine is not None and search_engine not in ENGINES:
        fail(f"--engine must be one of {', '.join(ENGINES)}, not {search_engine!r}")
    engine = open_database(settings)
    with _bar("indexing pages") as progress:
        index = _open_index(settings, search_engine)
        report = rebuild_index(index, engine, progress, resume=not fresh)
    if report.resumed_after:
        err.print(f"Resumed after document #{report.resumed_after}.")
    out.print(f"Indexed {report.pages} page(s).")
    if search_engine is not None:
        recorded = chosen_engine(settings.model_copy(update={"search_engine": None}))
        choose_engine(settings, search_engine)
        if search_engine != recorded:
            out.print(f"Searches now use {search_engine}.")
    if settings.search_engine and search_engine and settings.search_engine != search_engine:
        err.print(
            f"[yellow]sohoa: SOHOA_SEARCH_ENGINE={settings.search_engine} is set and overrides"
            " this archive's engine: unset it to search with the new index.[/yellow]"
        )


@app.command()
def doctor(
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="fix what the database can rebuild (the index, lost pages, scratch files); "
            "never an original or an event",
        ),
    ] = False,
    hashes: Annotated[
        bool, typer.Option("--hashes/--no-hashes", help="re-hash every original (slow when large)")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="print the findings as JSON")] = False,
) -> None:
    """Check that the database, the stored originals, the pages, the PDF/A copies and the
    search index agree.

    Each difference is reported with what `--repair` does about it, or what a person must do.
    Exits 1 while anything is left wrong."""
    settings = Settings()
    engine = open_database(settings)
    index = _open_index(settings)
    findings = checkup.examine(settings, engine, index, hashes)
    if repair and any(f.repair for f in findings):
        try:
            reread = _reread(settings, engine, index)
            checkup.repair(settings, engine, index, findings, reread, settings.trail_actor)
        except (IngestRunning, OcrUnavailable) as error:
            fail(str(error))
        finally:
            seal(settings, engine)
    left = [f for f in findings if not f.repaired]
    if as_json:
        _print_json({"ok": not left, "findings": [objects.finding(f) for f in findings]})
    else:
        _print_findings(findings)
        _engine_advice(settings, index)
    if left:
        raise typer.Exit(1)


DOCTOR_ROWS = 50  # findings shown in the table; a broken disk can make thousands


def _reread(settings: Settings, engine: Engine, index: SearchIndex):
    """How `doctor --repair` reads documents again: the ingest pipeline, with its progress."""

    def reread(document_ids: list[int]) -> None:
        with _IngestProgress() as progress:
            ingester = Ingester(settings, engine, index, settings.workers, progress)
            ingester.reread(document_ids)

    return reread


def _print_findings(findings: list) -> None:
    if not findings:
        out.print("[green]The archive agrees with itself: nothing to report.[/green]")
        return
    table = Table("part", "problem", "what to do")
    for f in findings[:DOCTOR_ROWS]:
        if f.repaired:
            todo = Text(f"repaired: {f.repair}", style="green")
        elif f.repair:
            todo = Text(f"sohoa doctor --repair will {f.repair}", style="yellow")
        else:
            todo = Text("a person must act (see the problem)", style="red")
        table.add_row(f.part, Text(f.problem), todo)
    out.print(table)
    if len(findings) > DOCTOR_ROWS:
        counts = Counter(f.part for f in findings)
        out.print(
            f"{len(findings):,} findings in all ("
            + ", ".join(f"{part}: {n:,}" for part, n in counts.most_common())
            + f"); the first {DOCTOR_ROWS} are shown, `sohoa doctor --json` lists every one."
        )


def _engine_advice(settings: Settings, index: SearchIndex) -> None:
    name = chosen_engine(settings)
    pages = index.page_count() if index.problem() is None else 0
    out.print(f"search: {name}, {pages:,} page(s) indexed")
    if name == "whoosh" and pages > WHOOSH_PAGES:
        out.print(
            f"[yellow]search: the archive has grown past {WHOOSH_PAGES:,} pages, where Whoosh's"
            " slower searches take a quarter of a second and more as it grows (Tantivy's: a few"
            " milliseconds). Switch to Tantivy (the old index serves until the new one is"
            " ready):[/yellow]\n"
            "  pip install 'sohoa[tantivy]'\n"
            "  sohoa reindex --engine tantivy"
        )


@app.command("backup")
def backup_archive(
    folder: Annotated[
        Path,
        typer.Argument(
            metavar="DIR", help="a new or empty folder, or one an earlier backup wrote (updated)"
        ),
    ],
    index: Annotated[
        bool, typer.Option("--index", help="copy the search index too (else rebuilt on restore)")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Copy the archive into DIR while it may be in use: the database (SQLite online backup),
    the originals it references, the signing key, the index with --index; a manifest last."""
    settings = Settings()
    done = _copying(
        "copying originals",
        lambda progress: backups.backup(settings, folder, index, progress),
        f"cannot back up to {folder}",
    )
    originals = {
        "copied": done.copied,
        "kept": done.kept,
        "repaired": done.repaired,
        "removed": done.removed,
    }
    if as_json:
        _print_json(
            {
                "path": str(done.path),
                "manifest": done.manifest,
                "originals": originals,
                "notes": done.notes,
            }
        )
        return
    manifest, counts = done.manifest, done.manifest["counts"]
    sealed = manifest["checkpoint"]["tree_size"] if manifest["checkpoint"] else 0
    changes = ", ".join(f"{n} {what}" for what, n in originals.items() if n or what == "copied")
    out.print(
        f"Backed up {counts['documents']} document(s) and {counts['events']} event(s) "
        f"(checkpoint of {sealed}) to {folder}: original(s) {changes}; "
        f"database SHA-256 {manifest['database']['sha256']}; "
        + ("index included." if manifest["index"] else "index left out (a restore rebuilds it)."),
        highlight=False,
        soft_wrap=True,
    )


def _copying(description: str, copy, cannot: str):
    """Run a backup or a restore with a progress bar: its refusal or an I/O error ends the
    command in one line; its notes (a trail it could not sign) are said on stderr."""
    try:
        with _bar(description) as progress:
            done = copy(progress)
    except backups.BackupError as error:
        fail(str(error))
    except OSError as error:
        fail(f"{cannot}: {error.strerror or error}")
    for note in done.notes:
        err.print(f"[yellow]sohoa: {escape(note)}[/yellow]", soft_wrap=True)
    return done


@app.command("restore")
def restore_archive(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="a folder `sohoa backup` wrote")],
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="replace an existing archive (it is moved aside, never deleted)"
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Bring an archive back from a backup into SOHOA_HOME: the copy is checked whole (its
    manifest, every original's hash, the trail) before anything is replaced; then the
    restored trail is verified. Stop `sohoa serve` first."""
    settings = Settings()
    done = _copying(
        "checking originals",
        lambda progress: backups.restore(folder, settings, force, progress),
        f"cannot restore from {folder}",
    )
    if as_json:
        _print_json(
            {
                "path": str(done.path),
                "home": str(done.home),
                "manifest": done.manifest,
                "originals": done.originals,
                "set_aside": None if done.set_aside is None else str(done.set_aside),
                "notes": done.notes,
                "verification": objects.trail_verification(done.verification),
            }
        )
    else:
        out.print(
            f"Restored {done.manifest['counts']['documents']} document(s) and {done.originals} "
            f"original(s) into {done.home} from the backup of {_backup_time(done.manifest)}."
            + (f" The archive it replaced is in {done.set_aside}." if done.set_aside else ""),
            highlight=False,
            soft_wrap=True,
        )
        _print_verification(done.verification)
    if not done.verification.ok:
        raise typer.Exit(1)


def _ready_index(settings: Settings, engine, start_up: bool = True) -> SearchIndex:
    """The search index, rebuilt from the database first (with a message and progress on
    stderr) when it is missing, unreadable or of an older format; at a command's `start_up`,
    the archive's cheap checks are run too."""

    def explain(problem: str) -> None:
        err.print(f"[yellow]sohoa: {escape(problem)}; rebuilding it from the database.[/yellow]")

    with _bar("indexing pages") as progress:
        index = ready_index(_open_index(settings), engine, explain, progress)
    if start_up:
        _cheap_checks(settings, engine, index)
    return index


def _cheap_checks(settings: Settings, engine: Engine, index: SearchIndex) -> None:
    """At start-up, what a few queries can tell is wrong, in one line on stderr."""
    findings = checkup.cheap_findings(settings, engine, index)
    if findings:
        first = findings[0].problem
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        err.print(f"[yellow]sohoa: {escape(first)}{more}; run `sohoa doctor` for details.[/yellow]")


def _open_index(settings: Settings, search_engine: str | None = None) -> SearchIndex:
    try:
        return open_index(settings, search_engine)
    except EngineMissing as error:
        fail(str(error))


class _bar:
    """A Rich progress bar on stderr, shown only once there is progress to show, as a
    `(done, total)` callback."""

    def __init__(self, description: str):
        self.description = description
        self.bar: Progress | None = None

    def __enter__(self):
        return self

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = _progress()
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=total)
        self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
) -> None:
    """Serve the web app and the HTTP API (JSON under /api/, OpenAPI docs at /docs). An archive
    with no user yet gets its first admin, named `admin` (password: SOHOA_ADMIN_PASSWORD, or a
    generated one printed once)."""
    import uvicorn

    from sohoa.api.web import create_app

    settings = Settings()
    application = create_app(settings)
    first = cli_users.ensure_admin(settings)
    out.print(f"sohoa: serving the archive at {settings.home}")
    out.print(f"sohoa: open http://{host}:{port}/  (API under /api/, docs at /docs; Ctrl-C stops)")
    if first is not None:
        name, generated = first
        password = generated if generated else "the one in SOHOA_ADMIN_PASSWORD"
        out.print(
            f"sohoa: the first admin is made. Sign in as [bold]{name}[/bold] with password"
            f" [bold]{escape(password)}[/bold]" + (" (shown only now)" if generated else ""),
            highlight=False,
        )
        out.print("sohoa: then add people with `sohoa user add NAME --role ROLE`", highlight=False)
    uvicorn.run(application, host=host, port=port, log_level="warning")


@app.command("review")
def review_repair(
    document_id: DocumentArg,
    page: Annotated[
        int | None, typer.Argument(help="page number", min=1, max=LARGEST_INTEGER)
    ] = None,
    where: Annotated[
        str | None,
        typer.Argument(
            metavar="EDIT",
            help="edit number on that page (from 1); for correct, also LINE:START[-END], "
            "offsets in that line of the page's text as `show --json` gives it",
        ),
    ] = None,
    decision: Annotated[str | None, typer.Argument(help="accept | reject | correct")] = None,
    word: Annotated[
        str | None, typer.Argument(help="for correct: the word as the paper says it")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Review the diacritic repair: with DOC alone, list the edits flagged for review; with
    PAGE EDIT accept|reject, decide one (a rejected edit gives the OCR's word back); with PAGE
    EDIT correct WORD, put the word the paper says there (repair learns it for later pages).
    Each decision and correction is an event of the trail."""
    settings = Settings()
    if page is None:
        with Session(open_database(settings)) as session:
            flagged = objects.edits_to_review(session, document_id)
        if as_json:
            _print_json(flagged)
            return
        for item in flagged:
            out.print(
                f"page {item['page']} edit {item['edit']}: {item['before']} → {item['after']} "
                f"({item['confidence']:.0%})  {item['text']}",
                markup=False,
                highlight=False,
            )
        out.print(f"{len(flagged)} edit(s) to review.")
        return
    if where is None or decision is None:
        fail(
            "give PAGE EDIT and accept, reject or correct WORD, or DOC alone to list the "
            "edits to review"
        )
    if decision == "correct":
        _correct_word(settings, document_id, page, where, word, as_json)
        return
    if word is not None:
        fail("only correct takes a WORD")
    if not where.isdigit():
        fail(f"EDIT is an edit number for {decision}, not {where!r}")
    with sealed_archive(settings) as engine, Session(engine) as session:
        try:
            done = objects.review_edit(
                session,
                _ready_index(settings, engine),
                document_id,
                page,
                int(where),
                decision,
                settings.trail_actor,
            )
        except (objects.NoSuchDocument, ValueError) as error:
            fail(str(error))
    if as_json:
        _print_json(done)
        return
    out.print(
        f"#{document_id} page {page} edit {where} {done['reviewed']}: "
        f"{done['before']} → {done['after']}",
        markup=False,
        highlight=False,
    )


_PLACE = re.compile(r"(\d+):(\d+)(?:-(\d+))?")


def _correct_word(
    settings: Settings, document_id: int, page: int, where: str, word: str | None, as_json: bool
) -> None:
    """`sohoa review DOC PAGE EDIT|LINE:START[-END] correct WORD`."""
    if word is None:
        fail("give the WORD the paper says after correct")
    if where.isdigit():
        place = objects.WordPlace(edit=int(where))
    elif found := _PLACE.fullmatch(where):
        line, start, end = found.groups()
        place = objects.WordPlace(
            line=int(line), start=int(start), end=None if end is None else int(end)
        )
    else:
        fail(f"EDIT is an edit number or LINE:START[-END], not {where!r}")
    with sealed_archive(settings) as engine, Session(engine) as session:
        try:
            done = objects.correct_word(
                session,
                _ready_index(settings, engine),
                document_id,
                page,
                place,
                word,
                settings.trail_actor,
            )
        except (objects.NoSuchDocument, ValueError) as error:
            fail(str(error))
    if as_json:
        _print_json(done)
        return
    corrected = done["corrected"]
    out.print(
        f"#{document_id} page {page} edit {corrected['edit']} corrected: "
        f"{corrected['before']} → {corrected['after']}",
        markup=False,
        highlight=False,
    )


@app.command("access")
def set_access(
    document_id: DocumentArg,
    level: Annotated[str, typer.Argument(help="open | restricted")],
    reason: Annotated[str, typer.Option(help="why (e.g. the decision that restricts it)")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Open or restrict a record (tài liệu hạn chế sử dụng): every reading of a restricted
    record is then an event of the trail, with who and when."""
    settings = Settings()
    with sealed_archive(settings) as engine, Session(engine) as session:
        try:
            done = objects.change_access(
                session,
                _ready_index(settings, engine),
                document_id,
                level,
                settings.trail_actor,
                reason,
            )
        except (objects.NoSuchDocument, ValueError) as error:
            fail(str(error))
    if as_json:
        _print_json(done)
        return
    still = "" if done["changed"] else " (it was already)"
    out.print(f"#{document_id} is {done['access']}{still}.", highlight=False)


@app.command()
def link(
    document_id: DocumentArg,
    code: Annotated[str, typer.Argument(help="procedure code, e.g. QT-HT-02")],
    reason: Annotated[str, typer.Option(help="why this record proves the procedure")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Link a document, by hand, to an ISO procedure it is evidence for (an event)."""
    _change_link(document_id, code, reason, True, as_json)


@app.command()
def unlink(
    document_id: DocumentArg,
    code: Annotated[str, typer.Argument(help="procedure code")],
    reason: Annotated[str, typer.Option(help="why the link is wrong")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Remove a document's link to a procedure, with the reason (an event)."""
    _change_link(document_id, code, reason, False, as_json)


def _change_link(document_id: int, code: str, reason: str, linked: bool, as_json: bool) -> None:
    settings = Settings()
    with sealed_archive(settings) as engine, Session(engine) as session:
        try:
            codes = objects.change_link(
                session,
                _ready_index(settings, engine),
                document_id,
                code,
                settings.trail_actor,
                reason,
                linked,
            )
        except (LinkError, ProcedureError) as error:
            fail(str(error))
    if as_json:
        _print_json({"document_id": document_id, "procedures": codes})
        return
    verb = "linked to" if linked else "unlinked from"
    out.print(
        f"#{document_id} {verb} {code.strip().upper()}; its procedures: {', '.join(codes) or '–'}",
        highlight=False,
    )


procedures_app = typer.Typer(
    help="The ISO procedures of the quality system: list, show, add, revise, retire.",
    no_args_is_help=True,
)
app.add_typer(procedures_app, name="procedures")


@procedures_app.command("list")
def procedures_list(
    everything: Annotated[
        bool, typer.Option("--all", help="every version, obsolete ones too")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The procedures (newest version of each) and how many records prove each."""
    settings = Settings()
    with sealed_archive(settings) as engine, Session(engine) as session:
        rows = objects.procedure_list(session, everything)
    if as_json:
        _print_json(rows)
        return
    table = Table("code", "v", "title", "ISO", "kept", "status", "records")
    for row in rows:
        table.add_row(
            row["code"],
            str(row["version"]),
            Text(row["title"]),
            ", ".join(row["clauses"]),
            _retention(row["retention_years"], short=True),
            Text(row["status"], style="" if row["status"] == "current" else "dim"),
            str(row["linked_documents"]),
        )
    out.print(table)


@procedures_app.command("show")
def procedures_show(
    code: Annotated[str, typer.Argument(help="procedure code")],
    version: Annotated[
        int | None, typer.Option(help="an older version", show_default=False)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """One procedure: its version in force (or the one asked for), every version, and the
    records linked to it."""
    settings = Settings()
    with sealed_archive(settings) as engine, Session(engine) as session:
        try:
            detail = objects.procedure_detail(session, code, version)
        except ProcedureError as error:
            fail(str(error))
    if as_json:
        _print_json(detail)
        return
    marker = "" if detail["status"] == "current" else f" [yellow]({detail['status']})[/yellow]"
    out.print(
        f"[bold]{detail['code']} v{detail['version']}: {escape(detail['title'])}[/bold]{marker}"
    )
    out.print(
        f"ISO 9001:2015 {', '.join(detail['clauses'])} · owner {escape(detail['owner'])} · "
        f"records kept {_retention(detail['retention_years'])}",
        highlight=False,
    )
    out.print(f"requires: {', '.join(detail['record_types']) or '–'}", highlight=False)
    out.print(f"linked by rule on: {', '.join(detail['keywords']) or '–'}", highlight=False)
    for older in detail["versions"][1:]:
        out.print(f"  v{older['version']} {older['status']}", style="dim")
    for document in detail["documents"]:
        link_ = document["link"]
        out.print(
            f"#{document['id']} {document['name']}  [{link_['source']}] {link_['reason']}",
            markup=False,
            highlight=False,
        )


@procedures_app.command("add")
def procedures_add(
    code: Annotated[str, typer.Argument(help="new code, e.g. QT-HT-07")],
    title: Annotated[str, typer.Option(help="the procedure's name")],
    clause: Annotated[
        list[str] | None, typer.Option(help="an ISO 9001 clause it meets; repeat")
    ] = None,
    owner: Annotated[str, typer.Option(help="who answers for it")] = "",
    record_type: Annotated[
        list[str] | None, typer.Option(help="a Decree 30 type of record it requires; repeat")
    ] = None,
    keyword: Annotated[
        list[str] | None, typer.Option(help="words that link a required record by rule; repeat")
    ] = None,
    retention: Annotated[
        str, typer.Option(help="years its records are kept, or 'permanent'")
    ] = "10",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add a procedure to the registry (version 1; an event)."""
    spec = ProcedureSpec(
        code,
        title,
        clause or [],
        owner,
        record_type or [],
        keyword or [],
        _retention_years(retention),
    )
    _change_procedure(lambda session, actor: registry.add(session, spec, actor), as_json)


@procedures_app.command("revise")
def procedures_revise(
    code: Annotated[str, typer.Argument(help="procedure code")],
    reason: Annotated[str, typer.Option(help="why it is revised")],
    title: Annotated[str | None, typer.Option(show_default=False)] = None,
    clause: Annotated[list[str] | None, typer.Option(help="replaces the clauses")] = None,
    owner: Annotated[str | None, typer.Option(show_default=False)] = None,
    record_type: Annotated[
        list[str] | None, typer.Option(help="replaces the required record types")
    ] = None,
    keyword: Annotated[list[str] | None, typer.Option(help="replaces the keywords")] = None,
    retention: Annotated[
        str | None, typer.Option(help="years, or 'permanent'", show_default=False)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Make a new version of a procedure; the one in force is kept, marked obsolete (an
    event)."""
    changes = {
        name: value
        for name, value in {
            "title": title,
            "clauses": clause,
            "owner": owner,
            "record_types": record_type,
            "keywords": keyword,
        }.items()
        if value is not None
    }
    if retention is not None:
        changes["retention_years"] = _retention_years(retention)
    _change_procedure(
        lambda session, actor: registry.revise(session, code, changes, actor, reason), as_json
    )


@procedures_app.command("retire")
def procedures_retire(
    code: Annotated[str, typer.Argument(help="procedure code")],
    reason: Annotated[str, typer.Option(help="why it is withdrawn")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Withdraw a procedure: no record links to it any more; those linked keep their link."""
    _change_procedure(lambda session, actor: registry.retire(session, code, actor, reason), as_json)


@procedures_app.command("apply-rules")
def procedures_apply_rules(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="say what would be linked, link nothing")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Run the linking rules over every record again (after adding a procedure or revising its
    keywords): link what now matches, never what a person unlinked. Each link is an event."""
    settings = Settings()
    with sealed_archive(settings) as engine, Session(engine) as session:
        index = None if dry_run else _ready_index(settings, engine)
        made = objects.link_by_rules(session, index, settings.trail_actor, dry_run)
    if as_json:
        _print_json(made)
        return
    for item in made:
        out.print(
            f"#{item['document_id']} → {item['code']}: {item['reason']}",
            markup=False,
            highlight=False,
        )
    verb = "would be linked" if dry_run else "linked"
    out.print(f"{len(made)} record(s) {verb}.")


def _change_procedure(change, as_json: bool) -> None:
    settings = Settings()
    with sealed_archive(settings) as engine, Session(engine) as session:
        try:
            row = change(session, settings.trail_actor)
        except ProcedureError as error:
            fail(str(error))
        session.commit()
        shown = objects.procedure(row)
    if as_json:
        _print_json(shown)
        return
    out.print(
        f"{shown['code']} v{shown['version']} {shown['status']}: {shown['title']}",
        markup=False,
        highlight=False,
    )


def _retention(years: int | None, short: bool = False) -> str:
    if years is None:
        return "permanent" if short else "permanently"
    return f"{years} y" if short else f"{years} years"


def _retention_years(text: str) -> int | None:
    if text.strip().lower() in ("permanent", "vinh vien", "vĩnh viễn"):
        return None
    if not text.strip().isdigit():
        fail(f"--retention is a number of years or 'permanent', not {text!r}")
    return int(text)


@app.command()
def export(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="a new or empty folder")],
    procedure: Annotated[
        str | None, typer.Option(help="the records of this procedure", show_default=False)
    ] = None,
    batch: Annotated[
        int | None, typer.Option(help="the records of this ingest batch", show_default=False)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Export records as a BagIt bag: originals, texts, metadata, and their events
    (PREMIS-style) with inclusion proofs and the signed checkpoint, so the bag proves itself."""
    if (procedure is None) == (batch is None):
        fail("say what to export: --procedure CODE or --batch ID (one of them)")
    settings = Settings()
    with sealed_archive(settings) as engine, Session(engine, expire_on_commit=False) as session:
        checkpoints.seal_archive(settings, engine)  # the bag proves every event so far
        try:
            done = auditing.export_bag(
                session,
                settings,
                folder,
                settings.trail_actor,
                procedure=procedure,
                batch=batch,
                where={"folder": str(folder.resolve())},
            )
        except (ProcedureError, export_records.ExportError) as error:
            fail(str(error))
        except OSError as error:
            fail(f"cannot write {folder}: {error.strerror or error}")
        session.commit()
    summary = {
        "path": str(done.path),
        "documents": done.documents,
        "events": done.events,
        "tree_size": done.tree_size,
    }
    if as_json:
        _print_json(summary)
        return
    out.print(
        f"Exported {done.documents} record(s) and {done.events} event(s) to the bag {folder} "
        f"(proofs against the checkpoint of {done.tree_size} events).",
        highlight=False,
    )


audit_app = typer.Typer(help="The auditor's view of the quality system.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("report")
def audit_report(
    code: Annotated[str, typer.Argument(help="procedure code, e.g. QT-HT-02")],
    out_file: Annotated[
        Path, typer.Option("--out", help="the HTML file to write", show_default=False)
    ],
    start: Annotated[
        str | None, typer.Option("--from", help="first day, YYYY-MM-DD", show_default=False)
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="last day, YYYY-MM-DD", show_default=False)
    ] = None,
) -> None:
    """Write the auditor's report of one procedure: its versions, the records that prove it in
    the period, the record types missing, and the trail's excerpt with inclusion proofs and the
    verification of the whole archive (tree size, root, signing key's fingerprint)."""
    first = _day(start, "--from") if start else None
    last = _day(end, "--to") if end else None
    settings = Settings()
    with sealed_archive(settings) as engine, Session(engine, expire_on_commit=False) as session:
        checkpoints.seal_archive(settings, engine)  # the report proves every event so far
        try:
            built = auditing.audit_report(
                session, settings, code, first, last, settings.trail_actor
            )
        except ProcedureError as error:
            fail(str(error))
        try:
            report.write(built, out_file)
        except OSError as error:
            fail(f"cannot write {out_file}: {error.strerror or error}")
        session.commit()
    verdict = "verifies" if built.verification.ok else "does NOT verify"
    out.print(
        f"{built.procedure.code}: {len(built.records)} record(s), "
        f"{len(built.gaps)} missing type(s); the trail {verdict}. Written to {out_file}.",
        highlight=False,
    )
    if not built.verification.ok:
        raise typer.Exit(1)


retention_app = typer.Typer(
    help="Retention and disposition: which records are past their retention, and disposal.",
    no_args_is_help=True,
)
app.add_typer(retention_app, name="retention")


@retention_app.command("due")
def retention_due(
    on: Annotated[
        str | None, typer.Option(help="as on this day, YYYY-MM-DD (default: today)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The records kept past their retention: the longest of the procedures they prove,
    counted from the end of the record's year."""
    today = _day(on)
    settings = Settings()
    with Session(open_database(settings)) as session:
        rows = objects.retention_due(session, today)
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "file", "procedures", "kept until")
    for row in rows:
        kept = row["retention"]
        table.add_row(
            str(row["id"]), Text(row["name"]), ", ".join(kept["procedures"]), kept["until"]
        )
    out.print(table)
    out.print(f"{len(rows)} record(s) past their retention on {today.isoformat()}.")


@retention_app.command("dispose")
def retention_dispose(
    document_id: DocumentArg,
    reason: Annotated[
        str, typer.Option(help="why, and whose decision (e.g. Quyết định số 12/QĐ-LHH)")
    ],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Dispose of a record past its retention: its original and text are destroyed, a
    tombstone (what, when, who, why) and an event are kept for good."""
    settings = Settings()
    with sealed_archive(settings) as engine, Session(engine) as session:
        try:
            tombstone = objects.dispose_document(
                session,
                _ready_index(settings, engine),
                settings,
                document_id,
                settings.trail_actor,
                reason,
                date.today(),
            )
        except RetentionError as error:
            fail(str(error))
    if as_json:
        _print_json(tombstone)
        return
    out.print(
        f"#{document_id} {tombstone['name']} disposed of; its tombstone keeps what, when, who "
        "and why.",
        markup=False,
        highlight=False,
    )


def _day(text: str | None, option: str = "--on") -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} is a day as YYYY-MM-DD, not {text!r}")


trail_app = typer.Typer(
    help="The tamper-evident trail: check it, and hand the auditor a checkpoint to keep.",
    no_args_is_help=True,
)
app.add_typer(trail_app, name="trail")
app.add_typer(cli_users.app, name="user")
app.command()(cli_scale.worker)


@trail_app.command("verify")
def trail_verify(
    against: Annotated[
        Path | None,
        typer.Option(
            help="a checkpoint kept outside the archive (sohoa trail checkpoint --out): the "
            "trail must extend it",
            show_default=False,
        ),
    ] = None,
    originals: Annotated[
        bool, typer.Option(help="re-hash every stored original (slow on a big archive)")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Re-hash every event and original and check the trail against its signed checkpoints.

    Exits 1 naming the first event, checkpoint or file that does not match: an edited,
    deleted or reordered event, a changed or missing original, a forged or rolled-back
    checkpoint."""
    settings = Settings()
    note = _read_text(against) if against is not None else None
    engine = open_database(settings)
    with Session(engine) as session:
        result = verify(
            session, _public_key(settings), settings.originals_dir if originals else None, note
        )
    if as_json:
        _print_json(objects.trail_verification(result))
    else:
        _print_verification(result)
    if not result.ok:
        raise typer.Exit(1)


@trail_app.command("checkpoint")
def trail_checkpoint(
    out_file: Annotated[
        Path, typer.Option("--out", help="where to write the signed checkpoint", show_default=False)
    ],
) -> None:
    """Write the trail's latest signed checkpoint (sealing any events not yet sealed) for the
    auditor to keep outside the archive; `trail verify --against FILE` checks it later."""
    settings = Settings()
    engine = open_database(settings)
    seal(settings, engine)
    with Session(engine) as session:
        latest = checkpoints.latest(session)
    if latest is None:
        fail("the trail is empty: there is nothing to checkpoint yet")
    try:
        out_file.write_text(latest.note, encoding="utf-8")
    except OSError as error:
        fail(f"cannot write {out_file}: {error.strerror or error}")
    key = _public_key(settings)
    out.print(
        f"Checkpoint of {latest.tree_size} event(s), root {latest.root}, written to {out_file}.\n"
        f"Signed by {key.name}, key fingerprint {key.fingerprint}.",
        highlight=False,
    )


@trail_app.command("log")
def trail_log(
    document: Annotated[
        int | None, typer.Option(help="events about this document", show_default=False)
    ] = None,
    action: Annotated[
        str | None, typer.Option(help="events of this action, or a prefix: procedure.")
    ] = None,
    actor: Annotated[str | None, typer.Option(help="events by this person")] = None,
    since: Annotated[
        str | None, typer.Option(help="from this day on, YYYY-MM-DD", show_default=False)
    ] = None,
    limit: Annotated[int, typer.Option(help="how many, the most recent")] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Who did what, and when: the trail's events, oldest first, times in UTC+7."""
    first = datetime.combine(_day(since, "--since"), time(), VIETNAM) if since else None
    with Session(open_database(Settings())) as session:
        rows = trail.find(
            session, document_id=document, action=action, actor=actor, since=first, limit=limit
        )
        shown = [objects.event(row) for row in rows]
        times = [objects.local_time(row.time) for row in rows]
    if as_json:
        _print_json(shown)
        return
    table = Table("seq", "time (UTC+7)", "actor", "action", "object", "details")
    for row, when in zip(shown, times, strict=True):
        details = json.dumps(row["details"], ensure_ascii=False)
        table.add_row(
            str(row["seq"]),
            when.removesuffix(" (UTC+7)"),
            Text(row["actor"]),
            row["action"],
            f"{row['object_type']} {row['object_id'] or ''}",
            Text(details if len(details) <= 120 else details[:119] + "…"),
        )
    out.print(table)


@trail_app.command("proof")
def trail_proof(
    seq: Annotated[
        int, typer.Argument(help="the event's number in the trail", min=1, max=LARGEST_INTEGER)
    ],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """An event's inclusion proof in the latest signed checkpoint (RFC 6962), checked, with
    the canonical bytes it hashes: what anyone can re-check without sohoa."""
    with Session(open_database(Settings())) as session:
        try:
            proof = objects.event_proof(session, seq)
        except LookupError as error:
            fail(str(error))
    if as_json:
        _print_json(proof)
        return
    verdict = "[green]included[/green]" if proof["included"] else "[red]NOT included[/red]"
    out.print(
        f"event {seq} ({proof['event']['action']}) is {verdict} in the tree of "
        f"{proof['tree_size']} events with root {proof['root']}"
    )
    out.print(f"leaf hash {proof['event']['leaf_hash']}", highlight=False)
    for number, node in enumerate(proof["inclusion"], start=1):
        out.print(f"  {number}. {node}", highlight=False)
    if not proof["included"]:
        raise typer.Exit(1)


def _backup_time(manifest: dict) -> str:
    made = datetime.strptime(manifest["created"], "%Y-%m-%dT%H:%M:%S.%fZ")
    return objects.local_time(made.replace(tzinfo=UTC))


def _public_key(settings: Settings) -> keys.PublicKey | None:
    try:
        return keys.load_public(settings.keys_dir)
    except keys.KeyProblem as error:
        fail(str(error))


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read {path}: {getattr(error, 'strerror', None) or error}")


def _print_verification(result) -> None:
    for problem in result.problems:
        err.print(
            f"[red]FAIL[/red] {escape(problem.where)}: {escape(problem.message)}", soft_wrap=True
        )
    for warning in result.warnings:
        err.print(f"[yellow]note[/yellow] {escape(warning)}", soft_wrap=True)
    checkpoint = result.checkpoint
    sealed = (
        f"last checkpoint #{checkpoint.id}: {checkpoint.tree_size} events, signed "
        f"{objects.local_time(checkpoint.time)}"
        if checkpoint
        else "no checkpoint yet"
    )
    key = f"key {result.key.fingerprint}" if result.key else "no key yet"
    out.print(
        f"{result.events} event(s), root {result.root}\n{sealed}; {key}\n"
        f"{result.originals_checked} original(s) re-hashed, "
        f"{result.originals_disposed} disposed (expected absent)",
        highlight=False,
        soft_wrap=True,
    )
    if result.against is not None:
        out.print(f"checked against a kept checkpoint of {result.against.tree_size} events")
    if result.ok:
        out.print("[green]The trail verifies: nothing was altered or removed.[/green]")
    else:
        first = result.problems[0]
        out.print(f"[red]The trail does NOT verify.[/red] First: {escape(first.where)}")


def _progress() -> Progress:
    """Rich progress bars on stderr (so `--json` stays clean on stdout): what, how far, how long."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    )


class _IngestProgress:
    """Rich progress bars for files and pages, on stderr so `--json` stays clean on stdout."""

    def __init__(self):
        self.bar = _progress()

    def __enter__(self):
        self.bar.start()
        self.files = self.bar.add_task("files", total=None)
        self.pages = self.bar.add_task("pages", total=0)
        return self

    def __exit__(self, *exc):
        self.bar.stop()

    def start(self, files: int) -> None:
        self.bar.update(self.files, total=files)

    def add_pages(self, count: int) -> None:
        total = self.bar.tasks[self.pages].total or 0
        self.bar.update(self.pages, total=total + count)

    def page_done(self) -> None:
        self.bar.advance(self.pages)

    def file_done(self, outcome: FileOutcome) -> None:
        self.bar.advance(self.files)
        if outcome.status == "failed":
            self.bar.console.print(
                f"[red]failed[/red] {escape(outcome.name)}: {escape(outcome.error or '')}"
            )
        for number, why in outcome.unread.items():
            self.bar.console.print(
                f"[yellow]page {number} not read[/yellow] {escape(outcome.name)}: {escape(why)}"
                " (the document is kept; the page has no text)"
            )
        if outcome.preservation_error:
            self.bar.console.print(
                f"[yellow]no PDF/A copy[/yellow] {escape(outcome.name)}: "
                f"{escape(outcome.preservation_error)} (the document is kept; the next ingest "
                "or `sohoa doctor --repair` makes it)"
            )


class _WatchProgress(_IngestProgress):
    """The ingest bars, without the failure lines: `watch` logs what became of every file."""

    def file_done(self, outcome: FileOutcome) -> None:
        self.bar.advance(self.files)


def _print_ingest_table(files: list[FileOutcome]) -> None:
    table = Table("id", "file", "status", "pages", "note")
    for f in files:
        style = STATUS_STYLE.get(f.status, "")
        table.add_row(
            str(f.document_id or ""),
            Text(f.name),
            Text(f.status, style=style),
            str(f.pages),
            Text(f.error or ""),
        )
    out.print(table)
    counts = {s: sum(1 for f in files if f.status == s) for s in STATUS_STYLE}
    queued = f", {counts['queued']} queued for workers" if counts["queued"] else ""
    out.print(
        f"{counts['ingested']} ingested, {counts['duplicate']} duplicate(s), "
        f"{counts['failed']} failed{queued}."
    )


def _print_retention(detail: dict) -> None:
    """The procedures a record proves and how long it is kept; its tombstone once disposed of."""
    kept, disposal = detail["retention"], detail["disposal"]
    if disposal:
        out.print(
            f"disposed of {disposal['disposed'][:10]} by {disposal['actor']}: "
            f"{disposal['reason']} (kept until {disposal['retention_until']})",
            style="yellow",
            markup=False,
            highlight=False,
        )
    elif kept["procedures"]:
        until = "permanently" if kept["permanent"] else f"until {kept['until']}"
        out.print(
            f"proves {', '.join(kept['procedures'])}; kept {until}",
            style="dim",
            markup=False,
            highlight=False,
        )


def _print_metadata(metadata: dict) -> None:
    """The fields that have a value, with how sure the reading is; none when nothing was read."""
    table = Table.grid(padding=(0, 2))
    for name in records.FIELDS:
        if not metadata[name]:
            continue
        if name in metadata["corrected"]:
            sureness = Text("(corrected)", style="green")
        elif name in metadata["confidence"]:
            sureness = Text(f"{metadata['confidence'][name]:.0%}", style="dim")
        else:
            sureness = Text("")
        table.add_row(Text(name, style="bold"), Text(metadata[name]), sureness)
    if table.row_count:
        out.print(table)


def _facet_summary(facets: dict[str, dict[str, int]]) -> str:
    """One line: each facet's values with their document counts, the most frequent first."""
    labels = {"doc_type": "types", "year": "years", "issuer": "issuers", "procedure": "procedures"}
    parts = []
    for name, label in labels.items():
        values = facets.get(name) or {}
        if values:
            shown = ", ".join(f"{value} {count}" for value, count in list(values.items())[:5])
            more = f", +{len(values) - 5} more" if len(values) > 5 else ""
            parts.append(f"{label}: {shown}{more}")
    return " · ".join(parts)


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _snippet_text(snippet: str) -> Text:
    """The index's HTML snippet (`<mark>` around matches) as highlighted terminal text."""
    text = Text()
    for i, part in enumerate(re.split(r"</?mark>", snippet)):
        text.append(html.unescape(part), style="bold yellow" if i % 2 else "")
    return text


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def main() -> None:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    try:
        Settings()  # a setting that cannot be read is said in one line per setting, up front
    except ValidationError as error:
        for problem in error.errors():
            name = "SOHOA_" + "_".join(str(part) for part in problem["loc"]).upper()
            err.print(
                f"[red]sohoa: {name}={problem.get('input')!r} cannot be used:[/red] "
                f"{escape(problem['msg'])}",
                highlight=False,
            )
        sys.exit(2)
    app()
