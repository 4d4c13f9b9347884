"""Doctor: does the archive agree with itself, and what can be put right from the database.

The database is the archive's truth; around it sit the stored originals (each at the address
of its SHA-256), the search index (a copy of the pages) and scratch space. `examine` compares
them and returns one `Finding` per difference, each saying what `repair` would do about it, or
what a person must do. `repair` only ever rewrites what is derived from the database (the index,
a document's pages read again from its stored original, its PDF/A copy, scratch files):
originals and the trail's events are never touched, and a missing or changed original is
reported, never "fixed". `cheap_findings` is the subset that costs a few queries, run when
commands start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, text
from sqlmodel import Session, select

from sohoa.archive import derivatives, ingest_lock, storage
from sohoa.archive.models import DISPOSED, Batch, Derivative, Document, IngestJob, Page
from sohoa.archive.settings import Settings
from sohoa.ingest.pipeline import clear_scratch
from sohoa.ingest.preserve import PreservationError, preserve
from sohoa.search import SearchIndex, catch_up, pay, reindex


@dataclass
class Finding:
    """One difference: which part (`database`, `originals`, `pages`, `index`, `preservation`,
    `scratch`, `batches`), what is wrong, and what `--repair` does about it (None: a person
    must act)."""

    part: str
    problem: str
    repair: str | None = None
    document_id: int | None = None
    repaired: bool = False


def cheap_findings(settings: Settings, engine: Engine, index: SearchIndex) -> list[Finding]:
    """What a few queries and a directory listing can tell: fit for every command's start."""
    with Session(engine) as session:
        findings = _owed_to_index(session)
        # While an ingest runs, its batch is unfinished and its scratch in use: not findings.
        if not ingest_lock.running(settings):
            findings += _cut_short(session)
            findings += _leftovers(settings)
    problem = index.problem()
    if problem is not None:
        findings.append(Finding("index", problem, "rebuild the index from the database"))
    return findings


def examine(settings: Settings, engine: Engine, index: SearchIndex, hashes: bool = True):
    """Every check: the cheap ones, then the database's own integrity, each document's
    original (and, with `hashes`, its SHA-256), its pages, and the index page by page."""
    findings = cheap_findings(settings, engine, index)
    with Session(engine) as session:
        findings += _integrity(session)
        findings += _originals(session, settings.originals_dir, hashes)
        findings += _pages(session)
        findings += _copies(session, settings, hashes)
        if not any(f.part == "index" and f.document_id is None for f in findings):
            findings += _index(session, index)  # an index that cannot serve is rebuilt whole
    return findings


def repair(
    settings: Settings,
    engine: Engine,
    index: SearchIndex,
    findings: list[Finding],
    reread: Callable[[list[int]], None],
    actor: str = "sohoa doctor --repair",
) -> list[Finding]:
    """Do what each finding's `repair` says, under the ingest lock (an ingest running at the
    same time would be writing the same things): raises `IngestRunning` if one is. Documents
    to read again are handed to `reread` (`Ingester.reread`, which the caller builds)."""
    fixable = [f for f in findings if f.repair is not None]
    with ingest_lock.holding(settings, "sohoa doctor --repair"):
        if any(f.part == "scratch" for f in fixable):
            clear_scratch(settings)
        if any(f.part == "index" and f.document_id is None for f in fixable):
            reindex(index, engine, resume=False)
            catch_up(index, engine)  # the marks of documents the new index holds
        else:
            with Session(engine) as session:
                pay(index, session, sorted({f.document_id for f in fixable if f.part == "index"}))
    again = sorted({f.document_id for f in fixable if f.part == "pages"})
    if again:
        reread(again)  # the ingest pipeline, which takes the lock itself
    failed = set()
    for document_id in sorted({f.document_id for f in fixable if f.part == "preservation"}):
        if document_id in again:  # read again, a document gets its copy with its pages
            continue
        try:
            preserve(settings, engine, document_id, actor)
        except PreservationError as error:
            failed.add(document_id)
            _log_failure(findings, document_id, str(error))
    for finding in fixable:
        finding.repaired = not (finding.part == "preservation" and finding.document_id in failed)
    return findings


def _log_failure(findings: list[Finding], document_id: int, error: str) -> None:
    """Say why a copy could not be made, on the finding itself."""
    for finding in findings:
        if finding.part == "preservation" and finding.document_id == document_id:
            finding.problem += f" (making it failed: {error})"


# -- the checks ----------------------------------------------------------------------------


def _owed_to_index(session: Session) -> list[Finding]:
    owed = session.exec(select(Document.id).where(Document.index_pending)).all()
    return [
        Finding("index", f"document #{d} was saved but never indexed", "index it", d) for d in owed
    ]


def _cut_short(session: Session) -> list[Finding]:
    """Batches that never finished and still have files to read. A file a later batch took
    (`sohoa watch` hands its files over again after a restart) no longer counts."""
    findings = []
    for batch in session.exec(select(Batch).where(Batch.finished.is_(None))):
        pending = session.exec(
            select(IngestJob.path, IngestJob.id).where(
                IngestJob.batch_id == batch.id, IngestJob.state == "pending"
            )
        ).all()
        if all(_taken_later(session, path, job_id) for path, job_id in pending):
            continue
        paths = " ".join(batch.paths)
        findings.append(
            Finding(
                "batches",
                f"batch #{batch.id} was cut short with {len(pending)} file(s) still to read; "
                f"`sohoa ingest {paths}` finishes it",
            )
        )
    return findings


def _taken_later(session: Session, path: str, job_id: int) -> bool:
    """Whether a later batch finished with the file this pending job was for."""
    later = select(IngestJob.id).where(
        IngestJob.path == path, IngestJob.id > job_id, IngestJob.state != "pending"
    )
    return session.exec(later.limit(1)).first() is not None


def _leftovers(settings: Settings) -> list[Finding]:
    copies = storage.leftover_copies(settings.originals_dir)
    copies += storage.leftover_copies(settings.preservation_dir)
    scratch = sorted(settings.work_dir.iterdir()) if settings.work_dir.is_dir() else []
    if not copies and not scratch:
        return []
    return [
        Finding(
            "scratch",
            f"{len(copies)} half-copied original(s) and {len(scratch)} folder(s) of rendered "
            "pages left by a killed ingest",
            "delete them (never an original: only copies that never took their address)",
        )
    ]


def _integrity(session: Session) -> list[Finding]:
    """The database's own account of damage, and whether it still keeps the trail, the
    checkpoints and the tombstones append-only (someone with full write access can drop or
    disable that: only `trail verify` would then tell what they changed)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        rows = [r[0] for r in session.exec(text("PRAGMA quick_check")).all()]
        damage = [] if rows == ["ok"] else [f"SQLite reports: {row}" for row in rows[:10]]
        guarded = {r[0] for r in session.exec(text(SQLITE_GUARDS)).all()}
    elif dialect == "postgresql":
        damage = _postgresql_damage(session)
        guarded = {r[0] for r in session.exec(text(POSTGRESQL_GUARDS)).all()}
    else:
        return []
    findings = [Finding("database", problem) for problem in damage]
    for table in APPEND_ONLY:
        if table not in guarded:
            findings.append(
                Finding(
                    "database",
                    f"the {table} table is no longer append-only (its guard was dropped or "
                    "disabled in the database): run `sohoa trail verify`, and restore it from "
                    "a backup or ask who has write access",
                )
            )
    return findings


APPEND_ONLY = ("event", "checkpoint", "disposal")  # as the migrations make them
# the tables whose UPDATE and DELETE are both refused by a trigger of the migrations
SQLITE_GUARDS = (
    "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
    "AND name IN (tbl_name || '_no_update', tbl_name || '_no_delete') "
    "GROUP BY tbl_name HAVING count(*) = 2"
)
POSTGRESQL_GUARDS = (  # migration 0011's triggers, enabled
    "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "WHERE t.tgname = c.relname || '_append_only' AND t.tgenabled <> 'D' "
    "AND c.relnamespace = to_regnamespace(current_schema())"
)


def _postgresql_damage(session: Session) -> list[str]:
    """PostgreSQL has no quick check of a whole database; what it knows of damage: data pages
    whose checksum failed when read (on a cluster with data checksums) and indexes left unusable
    (a build that failed half-way)."""
    failures = session.exec(
        text("SELECT checksum_failures FROM pg_stat_database WHERE datname = current_database()")
    ).one()[0]
    invalid = session.exec(
        text(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE NOT (i.indisvalid AND i.indisready) "
            "AND c.relnamespace = to_regnamespace(current_schema()) ORDER BY c.relname"
        )
    ).all()
    damage = [f"index {name} is unusable: REINDEX INDEX {name} (PostgreSQL)" for (name,) in invalid]
    if failures:
        damage.insert(
            0,
            f"PostgreSQL found {failures} damaged data page(s) in this database (checksum "
            "failures): restore it from a pg_dump backup",
        )
    return damage


def _originals(session: Session, root: Path, hashes: bool) -> list[Finding]:
    findings = []
    documents = session.exec(
        select(Document.id, Document.sha256).where(Document.status != DISPOSED)
    ).all()
    known = set()
    for document_id, sha256 in documents:
        known.add(sha256)
        path = storage.original_path(root, sha256)
        if not path.is_file():
            problem = f"document #{document_id}: its original is missing ({path})"
        elif hashes and storage.sha256_of(path) != sha256:
            problem = f"document #{document_id}: its original no longer matches its SHA-256"
        else:
            continue
        findings.append(
            Finding("originals", problem + "; restore it from a backup", None, document_id)
        )
    stored = (root / "sha256").glob("*/*/*") if (root / "sha256").is_dir() else []
    for path in stored:
        if path.name not in known:
            findings.append(
                Finding(
                    "originals",
                    f"{path.name[:12]}… is stored but no document has it (an ingest killed "
                    "before its document was saved; ingesting the file again adopts it)",
                )
            )
    return findings


def _pages(session: Session) -> list[Finding]:
    """Ingested documents whose pages are not 1..page_count, and documents left half-read."""
    counted = dict(
        session.exec(select(Page.document_id, func.count(Page.id)).group_by(Page.document_id)).all()
    )
    findings = []
    for document in session.exec(
        select(Document).where(Document.status.in_(("ingested", "processing")))
    ):
        have = counted.get(document.id, 0)
        if document.status == "processing":
            problem = f"document #{document.id} was left half-read by an ingest that stopped"
        elif have != document.page_count:
            problem = f"document #{document.id} has {have} of its {document.page_count} pages"
        else:
            continue
        findings.append(
            Finding("pages", problem, "read it again from its stored original", document.id)
        )
    return findings


def _copies(session: Session, settings: Settings, hashes: bool) -> list[Finding]:
    """Each ingested document's PDF/A copy: made, current, stored and (with `hashes`) intact.
    Earlier copies of a document, kept when a correction made a new one, are not findings."""
    current = dict(
        session.exec(
            select(Derivative.document_id, Derivative.sha256).where(
                Derivative.kind == derivatives.PDFA
            )
        ).all()
    )
    findings = []
    for document_id, pending in session.exec(
        select(Document.id, Document.preserve_pending).where(Document.status == "ingested")
    ):
        sha256 = current.get(document_id)
        path = None if sha256 is None else derivatives.stored_path(settings, sha256)
        if sha256 is None:
            problem, fix = f"document #{document_id} has no PDF/A copy", "make it"
        elif not path.is_file():
            problem, fix = f"document #{document_id}: its PDF/A copy is missing", "make it again"
        elif hashes and storage.sha256_of(path) != sha256:
            problem = f"document #{document_id}: its PDF/A copy no longer matches its SHA-256"
            fix = "make it again from the original"
        elif pending:
            problem = f"document #{document_id}: its PDF/A copy is older than its record"
            fix = "make it again"
        else:
            continue
        findings.append(Finding("preservation", problem, fix, document_id))
    return findings


def _index(session: Session, index: SearchIndex) -> list[Finding]:
    """Each ingested document in the index with all its pages, and nothing else there."""
    expected = dict(
        session.exec(
            select(Document.id, Document.page_count).where(Document.status == "ingested")
        ).all()
    )
    held = index.pages_by_document()
    findings = []
    for document_id in sorted(set(expected) | set(held)):
        want, have = expected.get(document_id, 0), held.get(document_id, 0)
        if want == have:
            continue
        if want == 0:
            problem = f"the index holds {have} page(s) of document #{document_id}, not ingested"
        else:
            problem = f"the index holds {have} of document #{document_id}'s {want} page(s)"
        findings.append(Finding("index", problem, "index it again", document_id))
    return findings
