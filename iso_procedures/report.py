"""The auditor's report for one procedure (`sohoa audit report CODE`): the procedure and its
versions, the records that prove it in a period, the gaps (required record types with no record),
and an excerpt of the trail with each event's inclusion proof against the signed checkpoint, and
the result of verifying the whole archive.

It is one self-contained HTML file (no scripts, no external files) that prints well: the auditor
can file it, and anyone can re-check an event's proof with the RFC 6962 formulas printed in it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlmodel import Session, select

from sohoa.archive import checkpoints, keys, trail
from sohoa.archive.models import VIETNAM, Checkpoint, Document, Event, Procedure, ProcedureLink
from sohoa.archive.settings import Settings
from sohoa.archive.verify import Verification, verify
from sohoa.iso_procedures import registry

# The events about a record an auditor reads; page-by-page OCR events are left to `sohoa show`.
RECORD_ACTIONS = {
    "document.stored",
    "document.ingested",
    "metadata.corrected",
    "procedure.linked",
    "procedure.unlinked",
    "document.disposed",
}


@dataclass
class ProvenEvent:
    seq: int
    time: str
    actor: str
    action: str
    object: str
    details: dict
    leaf_hash: str
    proof: list[str] = field(default_factory=list)
    included: bool | None = None  # None: after the last checkpoint, not sealed yet


@dataclass
class AuditReport:
    procedure: Procedure
    versions: list[Procedure]
    start: date | None
    end: date | None
    records: list[tuple[Document, ProcedureLink, str]]  # with the record's date as filed
    gaps: list[str]
    events: list[ProvenEvent]
    verification: Verification
    checkpoint: Checkpoint | None
    generated: datetime
    actor: str


def build(
    session: Session,
    settings: Settings,
    code: str,
    start: date | None,
    end: date | None,
    actor: str,
) -> AuditReport:
    """Everything the report shows, read and verified now. ProcedureError for an unknown code."""
    versions = registry.versions(session, code)
    procedure = versions[0]
    records = _records(session, procedure.code, start, end)
    gaps = _gaps(versions, records, start, end)
    verification = verify(session, keys.load_public(settings.keys_dir), settings.originals_dir)
    ids = {document.id for document, _, _ in records}
    events = _proven_events(session, procedure.code, ids, verification.checkpoint)
    return AuditReport(
        procedure,
        versions,
        start,
        end,
        records,
        gaps,
        events,
        verification,
        verification.checkpoint,
        datetime.now(VIETNAM),
        actor,
    )


def gaps(
    session: Session, code: str, start: date | None = None, end: date | None = None
) -> list[str]:
    """The record types a procedure requires (in any version in force in the period) that no
    record linked to it proves, without the verification `build` runs: cheap enough for a
    page."""
    versions = registry.versions(session, code)
    return _gaps(versions, _records(session, versions[0].code, start, end), start, end)


def _gaps(versions: list[Procedure], records, start: date | None, end: date | None) -> list[str]:
    procedure = versions[0]
    present = {document.record_metadata.get("doc_type") for document, _, _ in records}
    required = {
        t for version in versions for t in version.record_types if _in_force(version, start, end)
    }
    return [t for t in procedure.record_types if t not in present] + sorted(
        required - present - set(procedure.record_types)
    )


def render(report: AuditReport) -> str:
    environment = Environment(
        loader=PackageLoader("sohoa.iso_procedures", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["local"] = lambda moment: moment.astimezone(VIETNAM).strftime(
        "%d/%m/%Y %H:%M"
    )
    return environment.get_template("audit_report.html").render(r=report)


def write(report: AuditReport, path: Path) -> None:
    """Write the report next to its final name first, so a failed write leaves no half file."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(render(report), encoding="utf-8")
    partial.replace(path)


def _records(
    session: Session, code: str, start: date | None, end: date | None
) -> list[tuple[Document, ProcedureLink, str]]:
    rows = session.exec(
        select(Document, ProcedureLink)
        .join(ProcedureLink, ProcedureLink.document_id == Document.id)
        .where(ProcedureLink.code == code)
        .order_by(Document.id)
    )
    chosen = []
    for document, link in rows:
        dated = str((document.record_metadata or {}).get("date") or "")
        first, last = _span(dated) if dated else (document.created.date(),) * 2
        if (start is None or last >= start) and (end is None or first <= end):
            chosen.append((document, link, dated or f"({document.created.date().isoformat()})"))
    return sorted(chosen, key=lambda row: (row[2], row[0].id))


def _span(dated: str) -> tuple[date, date]:
    """The days a `YYYY`, `YYYY-MM` or `YYYY-MM-DD` date covers."""
    parts = [int(p) for p in dated.split("-")]
    if len(parts) == 3:
        day = date(*parts)
        return day, day
    if len(parts) == 2:
        first = date(parts[0], parts[1], 1)
        following = date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
        return first, following - timedelta(days=1)
    return date(parts[0], 1, 1), date(parts[0], 12, 31)


def _in_force(version: Procedure, start: date | None, end: date | None) -> bool:
    began = version.effective.date()
    ended = version.superseded.date() if version.superseded else None
    return (end is None or began <= end) and (ended is None or start is None or ended >= start)


def _proven_events(
    session: Session, code: str, document_ids: set[int], checkpoint: Checkpoint | None
) -> list[ProvenEvent]:
    """The events about the procedure and its records, each with its inclusion proof in the tree
    the latest checkpoint signed (checked here before it is printed)."""
    signed = checkpoints.SignedTree(session, checkpoint)
    chosen = []
    for event in session.exec(select(Event).order_by(Event.seq)):
        details = json.loads(event.details)
        about_procedure = event.object_type == "procedure" and details.get("code") == code
        about_record = (
            event.object_type == "document"
            and event.object_id in document_ids
            and event.action in RECORD_ACTIONS
        )
        if not (about_procedure or about_record):
            continue
        proven = ProvenEvent(
            event.seq,
            trail.format_time(event.time),
            event.actor,
            event.action,
            f"{event.object_type} #{event.object_id}",
            details,
            event.leaf_hash,
        )
        inclusion = signed.prove(event)
        if inclusion is not None:
            proven.proof = [h.hex() for h in inclusion.proof]
            proven.included = inclusion.included
        chosen.append(proven)
    return chosen
