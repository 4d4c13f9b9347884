"""Export: the records of a procedure or of an ingest batch as a BagIt bag (RFC 8493, written by
the `bagit` package), which any archive can validate and take in, and which proves itself offline.

    bagit.txt, bag-info.txt, manifest-sha256.txt, manifest-sha512.txt, tagmanifest-*.txt
    data/records/000012/original.pdf      the file as scanned (absent once disposed of)
    data/records/000012/preservation.pdf  its PDF/A-2b copy with the repaired text, if made
    data/records/000012/text.txt           the repaired text, page by page
    data/records/000012/ocr.txt            what OCR read, before repair
    data/records/000012/record.json        metadata, links, retention, tombstone
    data/events.json                       the records' events, PREMIS-style, each with its
                                           canonical bytes and inclusion proof
    data/checkpoint.txt                    the signed checkpoint the proofs lead to
    data/trail-ed25519.pub                 the key that signed it

Anyone holding the bag can re-hash each event's canonical bytes (`SHA-256(0x00 || bytes)`), walk
its proof to the checkpoint's root and check the checkpoint's Ed25519 signature, with no access
to the archive. Names inside the bag are the archive's ids, never the uploaded file names.
"""

from __future__ import annotations

import base64
import json
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import bagit
from sqlmodel import Session, select

from sohoa.archive import checkpoints, derivatives, keys, records, storage, trail
from sohoa.archive.models import (
    DISPOSED,
    Checkpoint,
    Disposal,
    Document,
    Event,
    IngestJob,
    Page,
    ProcedureLink,
)
from sohoa.archive.settings import Settings
from sohoa.iso_procedures import registry, retention

SUFFIX = {
    "application/pdf": ".pdf",
    "image/tiff": ".tif",
    "image/png": ".png",
    "image/jpeg": ".jpg",
}
# The trail's actions as PREMIS event types (Library of Congress vocabulary); others keep their
# own name.
PREMIS_TYPES = {
    "batch.started": "ingestion start",
    "batch.finished": "ingestion end",
    "document.stored": "ingestion",
    "document.ingested": "ingestion",
    "ingest.failed": "ingestion",
    "page.recognized": "metadata extraction",
    "document.described": "metadata extraction",
    "page.repaired": "metadata modification",
    "metadata.corrected": "metadata modification",
    "procedure.linked": "policy assignment",
    "procedure.unlinked": "policy assignment",
    "document.preserved": "migration",  # a copy made in a preservation format (PDF/A)
    "document.disposed": "deletion",
}


class ExportError(ValueError):
    """An export the archive refuses (says why)."""


class UnknownBatch(ExportError, LookupError):
    """No ingest batch with that id."""


@dataclass
class Exported:
    path: Path
    documents: int
    events: int
    tree_size: int
    records: tuple[int, ...] = ()  # the ids of the records in the bag


def export_procedure(
    session: Session, settings: Settings, code: str, target: Path, restricted: bool = True
) -> Exported:
    """The procedure's records; restricted ones left out unless `restricted` (the exporter's
    role may read them)."""
    procedure = registry.get(session, code)
    ids = list(
        session.exec(
            select(ProcedureLink.document_id)
            .where(ProcedureLink.code == procedure.code)
            .order_by(ProcedureLink.document_id)
        )
    )
    ids = ids if restricted else _open_only(session, ids)
    description = f"Hồ sơ của quy trình {procedure.code} {procedure.title} (v{procedure.version})"

    def about(event: Event, details: dict) -> bool:
        return event.object_type == "procedure" and details.get("code") == procedure.code

    return _export(session, settings, ids, target, description, about)


def export_batch(
    session: Session, settings: Settings, batch_id: int, target: Path, restricted: bool = True
) -> Exported:
    """The batch's records; restricted ones left out unless `restricted`."""
    ids = sorted(
        set(
            session.exec(
                select(IngestJob.document_id).where(
                    IngestJob.batch_id == batch_id, IngestJob.document_id.is_not(None)
                )
            )
        )
    )
    if not session.exec(select(IngestJob.id).where(IngestJob.batch_id == batch_id)).first():
        raise UnknownBatch(f"no batch with id {batch_id}")
    ids = ids if restricted else _open_only(session, ids)

    def about(event: Event, details: dict) -> bool:
        return event.object_type == "batch" and event.object_id == batch_id

    return _export(session, settings, ids, target, f"Lô số hóa #{batch_id}", about)


def _open_only(session: Session, ids: list[int]) -> list[int]:
    shown = select(Document.id).where(Document.id.in_(ids), Document.access == "open")
    return sorted(session.exec(shown))


def _export(session, settings, ids, target: Path, description: str, about) -> Exported:
    """Write the payload beside `target`, make it a bag, then give it its name: a failure
    leaves no half bag under the name the auditor was told."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ExportError(f"{target} exists and is not an empty folder")
    checkpoint = checkpoints.latest(session)
    if checkpoint is None:
        raise ExportError("the trail has no signed checkpoint yet")
    public = keys.load_public(settings.keys_dir)
    partial = target.with_name(f".{target.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "records").mkdir(parents=True)
    try:
        for document_id in ids:
            _write_record(session, settings, session.get(Document, document_id), partial)
        events = _write_events(session, set(ids), about, checkpoint, partial)
        (partial / "checkpoint.txt").write_text(checkpoint.note, encoding="utf-8")
        (partial / "trail-ed25519.pub").write_text(public.verifier + "\n", encoding="utf-8")
        bagit.make_bag(
            str(partial),
            {
                "Source-Organization": f"sohoa archive {public.name}",
                "External-Description": description,
                "External-Identifier": f"{public.name}/{checkpoint.tree_size}",
                "Sohoa-Checkpoint-Tree-Size": str(checkpoint.tree_size),
                "Sohoa-Checkpoint-Root": checkpoint.root,
                "Sohoa-Key-Fingerprint": public.fingerprint,
            },
            checksums=["sha256", "sha512"],
        )
        if target.exists():
            target.rmdir()
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Exported(target, len(ids), events, checkpoint.tree_size, tuple(ids))


def _write_record(session: Session, settings: Settings, document: Document, root: Path) -> None:
    folder = root / "records" / f"{document.id:06d}"
    folder.mkdir()
    original = storage.original_path(settings.originals_dir, document.sha256)
    if document.status != DISPOSED:
        shutil.copyfile(original, folder / f"original{SUFFIX.get(document.mime, '')}")
    pages = list(
        session.exec(select(Page).where(Page.document_id == document.id).order_by(Page.number))
    )
    copy = derivatives.intact(settings, session, document.id)  # a bag vouches for what it holds
    if copy is not None:
        shutil.copyfile(copy, folder / "preservation.pdf")
    (folder / "text.txt").write_text(_pages(pages, "text"), encoding="utf-8")
    (folder / "ocr.txt").write_text(_pages(pages, "raw_text"), encoding="utf-8")
    kept = retention.retention_of(session, document)
    tombstone = session.exec(select(Disposal).where(Disposal.document_id == document.id)).first()
    record = {
        "id": document.id,
        "name": document.name,
        "sha256": document.sha256,
        "size": document.size,
        "mime": document.mime,
        "status": document.status,
        "pages": document.page_count,
        "ingested": trail.format_time(document.created),
        "metadata": records.metadata_of(document),
        "links": [
            {"code": link.code, "source": link.source, "reason": link.reason, "actor": link.actor}
            for link in session.exec(
                select(ProcedureLink).where(ProcedureLink.document_id == document.id)
            )
        ],
        "retention_until": kept.until.isoformat() if kept.until else None,
        "disposal": None
        if tombstone is None
        else {
            "disposed": trail.format_time(tombstone.disposed),
            "actor": tombstone.actor,
            "reason": tombstone.reason,
        },
    }
    _write_json(folder / "record.json", record)


def _pages(pages: list[Page], attribute: str) -> str:
    return "".join(f"--- trang {p.number} ---\n{getattr(p, attribute)}\n" for p in pages)


def _write_events(session, ids: set[int], about, checkpoint: Checkpoint, root: Path) -> int:
    """The events about the exported records (and the procedure or batch), PREMIS-style, each
    with what proves it: its canonical bytes and its inclusion proof in the checkpoint's tree."""
    signed = checkpoints.SignedTree(session, checkpoint)
    chosen = []
    for event in session.exec(select(Event).order_by(Event.seq)):
        details = json.loads(event.details)
        mine = event.object_type == "document" and event.object_id in ids
        inclusion = signed.prove(event)
        if inclusion is None or not (mine or about(event, details)):
            continue
        chosen.append(
            {
                "eventIdentifier": {"type": "sohoa trail seq", "value": event.seq},
                "eventType": PREMIS_TYPES.get(event.action, event.action),
                "eventDateTime": trail.format_time(event.time),
                "eventDetail": event.action,
                "eventOutcomeDetail": details,
                "linkingAgentIdentifier": {"type": "actor", "value": event.actor},
                "linkingObjectIdentifier": {"type": event.object_type, "value": event.object_id},
                "proof": {
                    "canonical": base64.b64encode(trail.canonical_bytes(event)).decode(),
                    "leaf_hash": event.leaf_hash,
                    "leaf_index": inclusion.index,
                    "tree_size": checkpoint.tree_size,
                    "inclusion": [h.hex() for h in inclusion.proof],
                },
            }
        )
    _write_json(
        root / "events.json",
        {
            "generated": date.today().isoformat(),
            "checkpoint": {"tree_size": checkpoint.tree_size, "root": checkpoint.root},
            "events": chosen,
        },
    )
    return len(chosen)


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
