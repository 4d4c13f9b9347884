"""The auditor's side of the HTTP API: the trail (its events, an event's proof, the verification
of the whole archive, the signed checkpoint to keep), a procedure's audit report, BagIt exports,
and the records past their retention. The same objects and files as the CLI's (`sohoa trail
log|proof|verify|checkpoint`, `sohoa audit report`, `sohoa export`, `sohoa retention due`).

Who may call what is in `permissions.ROUTES`; restricted records leave the archive (in a bag, in
a listing) only to roles with `read-restricted`.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Session
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException

from sohoa.api import auditing, auth, errors, objects
from sohoa.api.auth import Actor, AuthorisedRoute, CurrentUser
from sohoa.api.deps import LARGEST, Db, Offset, seal
from sohoa.archive import checkpoints, keys
from sohoa.archive.models import VIETNAM, User
from sohoa.archive.verify import verify
from sohoa.iso_procedures import report
from sohoa.iso_procedures.export import ExportError

router = APIRouter(route_class=AuthorisedRoute, tags=["audit"])

DAY = r"^\d{4}-\d{2}-\d{2}$"  # a day as YYYY-MM-DD (checked again when read: `_day`)


def _example(status: int, message: str) -> dict[int | str, dict[str, Any]]:
    """An error status as `errors.documented` describes it, with an example of its message."""
    example = {"error": {"code": errors.CODES[status], "message": message}}
    shown = errors.documented(status)[status]
    return {status: {**shown, "content": {"application/json": {"example": example}}}}


FORBIDDEN = _example(403, "the staff role may not do this (trail)")


class Verify(BaseModel):
    model_config = ConfigDict(strict=True)  # `0` is not `false`, nor `"3"` a batch

    against: str | None = Field(
        None,
        description="a checkpoint kept outside the archive (as `GET /api/trail/checkpoint` "
        "gave it): the trail must extend it",
    )
    originals: bool = Field(True, description="re-hash every stored original (slow)")


class ExportRequest(BaseModel):
    model_config = ConfigDict(strict=True)

    procedure: str | None = Field(None, examples=["QT-HT-02"])
    batch: int | None = Field(None, ge=1, le=LARGEST, examples=[3])

    @model_validator(mode="after")
    def one_of_them(self) -> ExportRequest:
        if (self.procedure is None) == (self.batch is None):
            raise ValueError("say what to export: procedure or batch (one of them)")
        return self


@router.get(
    "/api/trail",
    summary="The trail's events, newest last (as `sohoa trail log --json`)",
    description="`total` events match the filters; `events` are the `limit` of them that come "
    "before the `offset` newest, oldest first: `offset=0` is the latest page, `offset=limit` "
    "the one before it.",
    responses={**FORBIDDEN, **_example(422, "since: a day as YYYY-MM-DD, not '2024-13-01'")},
)
def trail_log(
    db: Db,
    document: Annotated[
        int | None, Query(ge=1, le=LARGEST, description="events about this document")
    ] = None,
    action: Annotated[
        str | None, Query(description="events of this action, or a prefix: `procedure.`")
    ] = None,
    actor: Annotated[str | None, Query(description="events by this person")] = None,
    since: Annotated[
        str | None, Query(pattern=DAY, description="from this day on (Vietnam's time)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> dict:
    first = start_of(_day(since, "since"))
    return objects.trail_page(
        db, limit, offset, document_id=document, action=action, actor=actor, since=first
    )


def start_of(day: date | None) -> datetime | None:
    """The first moment of a day in Vietnam, as `trail log --since` reads it (in UTC: the first
    days of year 1 have no UTC moment before them, and are every event's past)."""
    if day is None:
        return None
    try:
        return datetime.combine(day, time(), VIETNAM).astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


@router.get(
    "/api/trail/checkpoint",
    summary="The latest signed checkpoint, to keep outside the archive (`sohoa trail checkpoint`)",
    description="The signed note as `sohoa trail checkpoint --out FILE` writes it (any events "
    "not yet sealed are sealed first). Keep it; `POST /api/trail/verify` with it as `against` "
    "later proves the trail was only ever extended since.",
    responses={
        200: {
            "content": {
                "text/plain": {
                    "example": "sohoa-3f9c0a1b2c3d4e5f\n1234\n3q2+7w==\ntime "
                    "2026-12-04T08:15:00.000000Z\n\n— sohoa-3f9c0a1b2c3d4e5f AbCd…\n"
                }
            }
        },
        **_example(404, "the trail is empty: there is nothing to checkpoint yet"),
        **FORBIDDEN,
    },
)
def trail_checkpoint(request: Request) -> Response:
    seal(request)
    with Session(request.app.state.engine) as session:
        latest = checkpoints.latest(session)
    if latest is None:
        raise HTTPException(404, "the trail is empty: there is nothing to checkpoint yet")
    name = f"sohoa-checkpoint-{latest.tree_size}.txt"
    return PlainTextResponse(
        latest.note,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Sohoa-Tree-Size": str(latest.tree_size),
            "X-Sohoa-Root": latest.root,
        },
    )


@router.get(
    "/api/trail/{seq}/proof",
    summary="An event's inclusion proof in the latest checkpoint (`sohoa trail proof --json`)",
    description="The event, its canonical bytes (base64), the sibling hashes leading to the "
    "signed root (RFC 6962) and the checkpoint: what anyone can re-check without sohoa.",
    responses={**_example(404, "no event 424242"), **FORBIDDEN},
)
def trail_proof(
    seq: Annotated[int, PathParam(ge=1, le=LARGEST, description="the event's number")], db: Db
) -> dict:
    try:
        return objects.event_proof(db, seq)
    except LookupError as error:
        raise HTTPException(404, str(error)) from None


@router.post(
    "/api/trail/verify",
    summary="Verify the whole trail and every original (`sohoa trail verify --json`)",
    description="Re-hashes every event and every stored original and checks the signed "
    "checkpoints (and one kept outside the archive, if given): it reads the whole archive and "
    "takes a while. `ok` false names each problem found.",
    responses={
        **FORBIDDEN,
        **_example(500, "cannot read the archive's public key keys/trail-ed25519.pub"),
    },
)
def trail_verify(request: Request, db: Db, body: Annotated[Verify | None, Body()] = None) -> dict:
    """A plain `def`: FastAPI runs it in its threadpool, so the long re-hashing does not hold up
    other requests."""
    body = body or Verify()
    settings = request.app.state.settings
    try:
        public = keys.load_public(settings.keys_dir)
    except keys.KeyProblem as error:
        raise HTTPException(500, str(error)) from None
    originals = settings.originals_dir if body.originals else None
    return objects.trail_verification(verify(db, public, originals, body.against))


@router.get(
    "/api/procedures/{code}/report",
    summary="A procedure's audit report, as an HTML file (`sohoa audit report`)",
    description="The same file `sohoa audit report CODE --from … --to … --out F.html` writes: "
    "the procedure's versions, its records in the period, the record types missing, the "
    "trail's excerpt with inclusion proofs and the verification of the whole archive. Taking "
    "it is an `audit.reported` event.",
    responses={
        200: {"content": {"text/html": {}}, "description": "the report, as an attachment"},
        **_example(404, "no procedure QT-XX-99"),
        **FORBIDDEN,
        **_example(422, "to: a day as YYYY-MM-DD, not '2024'"),
    },
)
def audit_report(
    code: str,
    request: Request,
    db: Db,
    actor: Actor,
    start: Annotated[str | None, Query(alias="from", description="the first day")] = None,
    end: Annotated[str | None, Query(alias="to", description="the last day")] = None,
) -> Response:
    first, last = _day(start, "from"), _day(end, "to")
    seal(request)  # the report proves every event so far
    built = auditing.audit_report(db, request.app.state.settings, code, first, last, actor)
    body = report.render(built).encode("utf-8")
    db.commit()
    request.state.appended = True
    period = f"{first.isoformat() if first else 'dau'}_{last.isoformat() if last else 'nay'}"
    name = f"bao-cao-danh-gia-{built.procedure.code}-{period}.html"
    return Response(
        body,
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _day(text: str | None, name: str) -> date | None:
    """An optional day, YYYY-MM-DD; an empty value (a date input left blank) is none."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise HTTPException(422, f"{name}: a day as YYYY-MM-DD, not {text!r}") from None


@router.post(
    "/api/exports",
    summary="Export records as a BagIt bag, zipped (`sohoa export`)",
    description="The records of a procedure or of an ingest batch, with their events, "
    "inclusion proofs and the signed checkpoint, so the bag proves itself offline. Restricted "
    "records are in it only for roles that may read them. Exporting is an `export.bagged` "
    "event.",
    responses={
        200: {"content": {"application/zip": {}}, "description": "the bag, as a zip"},
        **_example(404, "no batch with id 424242"),
        **FORBIDDEN,
        **_example(409, "the trail has no signed checkpoint yet"),
        **_example(422, "body: Value error, say what to export: procedure or batch (one of them)"),
    },
)
def export(body: ExportRequest, request: Request, user: CurrentUser, actor: Actor) -> FileResponse:
    """Made in a temporary folder (plain `def`: in the threadpool, as bagging hashes every
    file), sent as a zip, and removed once sent."""
    zipped, name = make_export(request, user, actor, body.procedure, body.batch)
    return FileResponse(
        zipped,
        media_type="application/zip",
        filename=name,
        background=BackgroundTask(shutil.rmtree, zipped.parent, ignore_errors=True),
    )


def make_export(
    request: Request, user: User, actor: str, procedure: str | None, batch: int | None
) -> tuple[Path, str]:
    """The bag, zipped in a new temporary folder (the caller removes it): its path and the
    download's name. The pages' export form calls this too."""
    state = request.app.state
    seal(request)  # the bag proves every event so far
    work = Path(tempfile.mkdtemp(prefix="sohoa-export-"))
    try:
        with Session(state.engine, expire_on_commit=False) as session:
            done = auditing.export_bag(
                session,
                state.settings,
                work / "bag",
                actor,
                procedure=procedure,
                batch=batch,
                restricted=auth.may(user, "read-restricted"),
                where={"via": "web"},
            )
            session.commit()
        seal(request)
        what = f"quy-trinh-{procedure.strip().upper()}" if procedure else f"lo-{batch}"
        name = f"sohoa-{what}-{done.tree_size}"
        zipped = work / f"{name}.zip"
        _zip(done.path, zipped, name)
        shutil.rmtree(done.path)
    except LookupError as error:
        shutil.rmtree(work, ignore_errors=True)
        raise HTTPException(404, str(error)) from None
    except ExportError as error:
        shutil.rmtree(work, ignore_errors=True)
        raise HTTPException(409, str(error)) from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return zipped, zipped.name


def _zip(folder: Path, target: Path, root: str) -> None:
    """The bag's files under one top folder, as a bag is unpacked (deflated; the originals are
    scans, mostly compressed already, so the level stays low)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, f"{root}/{path.relative_to(folder)}")


@router.get(
    "/api/retention/due",
    summary="The records kept past their retention (`sohoa retention due --json`)",
    description="Oldest first; restricted records only for roles that may read them.",
    responses={**FORBIDDEN, **_example(422, "on: a day as YYYY-MM-DD, not '2024-02-30'")},
)
def retention_due(
    db: Db,
    user: CurrentUser,
    on: Annotated[
        str | None, Query(pattern=DAY, description="as on this day (default: today)")
    ] = None,
) -> list:
    rows = objects.retention_due(db, _day(on, "on") or date.today())
    if auth.may(user, "read-restricted"):
        return rows
    return [row for row in rows if row["access"] != "restricted"]
