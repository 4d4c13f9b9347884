"""What the auditor takes away, the same through the CLI and the web: the audit report of a
procedure and a BagIt export of records, each an event of the trail naming who took it.

Both faces call these, so `sohoa audit report` and `GET /api/procedures/{code}/report` write the
same bytes for the same archive, and an export's event says the same whichever way it was made.
The caller seals the trail first (the report and the bag prove every event so far), writes what
was built, then commits: a report that could not be written leaves no event behind.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session

from sohoa.archive import trail
from sohoa.archive.models import Document
from sohoa.archive.settings import Settings
from sohoa.iso_procedures import export as export_records
from sohoa.iso_procedures import registry, report


def audit_report(
    session: Session,
    settings: Settings,
    code: str,
    start: date | None,
    end: date | None,
    actor: str,
) -> report.AuditReport:
    """The report of one procedure for a period, built and verified now, and its
    `audit.reported` event appended (not committed). ProcedureError for an unknown code."""
    built = report.build(session, settings, code, start, end, actor)
    trail.record(
        session,
        "audit.reported",
        actor=actor,
        object_type="procedure",
        object_id=built.procedure.id,
        details={
            "code": built.procedure.code,
            "version": built.procedure.version,
            "from": start.isoformat() if start else None,
            "to": end.isoformat() if end else None,
            "records": len(built.records),
            "gaps": built.gaps,
            "verified": built.verification.ok,
            "tree_size": built.checkpoint.tree_size if built.checkpoint else 0,
        },
    )
    return built


def export_bag(
    session: Session,
    settings: Settings,
    target: Path,
    actor: str,
    *,
    procedure: str | None = None,
    batch: int | None = None,
    restricted: bool = True,
    where: dict[str, Any] | None = None,
) -> export_records.Exported:
    """The records of a procedure or of a batch written to `target` as a BagIt bag, and its
    `export.bagged` event appended (not committed), naming the restricted records that left the
    archive in it (`restricted`: their ids). Restricted records are left out unless
    `restricted` (the exporter's role may read them). `where` adds to the event where the bag
    went (a folder, a download). ProcedureError for an unknown procedure,
    `export.ExportError` (`UnknownBatch`) otherwise."""
    if procedure is not None:
        done = export_records.export_procedure(session, settings, procedure, target, restricted)
        row = registry.get(session, procedure)
        what, object_type, object_id = {"code": row.code}, "procedure", row.id
    else:
        done = export_records.export_batch(session, settings, batch, target, restricted)
        what, object_type, object_id = {"batch": batch}, "batch", batch
    secret = [i for i in done.records if session.get(Document, i).access == "restricted"]
    trail.record(
        session,
        "export.bagged",
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        details={
            **what,
            **(where or {}),
            "documents": done.documents,
            "restricted": secret,
            "events": done.events,
            "tree_size": done.tree_size,
        },
    )
    return done
