"""The HTTP routes of ingest: uploads (received, then ingested in the background) and batches.

`POST /api/uploads` reads the multipart body itself, as a stream (`upload.receive`), instead of
letting the framework spool every file to a temporary file first: the limits stop an upload as
it arrives, and the bytes go straight to the upload's own folder.
"""

from __future__ import annotations

import shutil
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session

from sohoa.api import errors, objects
from sohoa.api.auth import Actor, AuthorisedRoute
from sohoa.api.background import Ingests
from sohoa.api.deps import LARGEST, Offset
from sohoa.api.upload import UploadRefused, receive
from sohoa.iso_procedures import registry
from sohoa.iso_procedures.registry import ProcedureError

router = APIRouter(route_class=AuthorisedRoute, tags=["ingest"])

UPLOAD_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "scans (PDF, TIFF, PNG, JPEG), or one zip of a folder",
                        },
                        "procedure": {
                            "type": "string",
                            "description": "link every document to this ISO procedure",
                        },
                    },
                }
            }
        },
    }
}


@router.post(
    "/api/uploads",
    status_code=202,
    summary="Upload files (or a zip of a folder) to ingest in the background",
    description="The files are checked and stored as they arrive, then queued for the ingest; "
    "the answer is the upload's progress (poll `GET /api/uploads/{id}`). Refused with 413 "
    "above SOHOA_MAX_FILE_BYTES a file, SOHOA_MAX_UPLOAD_BYTES or SOHOA_MAX_UPLOAD_FILES an "
    "upload (a zip's contents counted as unpacked), with 422 for a name or zip that is not "
    "safe (an entry outside the zip, encrypted, a link, a zip bomb's ratio).",
    openapi_extra=UPLOAD_FORM,
    responses=errors.documented(413),
)
async def post_upload(request: Request, actor: Actor) -> JSONResponse:
    """From a browser session the form token comes in the `X-CSRF-Token` header (the body is
    never read before the limits apply, so not from a form field)."""
    state = request.app.state
    try:
        upload = await receive(
            state.settings,
            request.headers.get("content-type"),
            request.headers.get("content-length"),
            request.stream(),
        )
    except UploadRefused as refused:
        return _error(refused.status, refused.code, refused.message)
    procedure = upload.fields.get("procedure") or None
    if procedure is not None:
        try:
            with Session(state.engine) as session:
                procedure = registry.in_force(session, procedure).code
        except ProcedureError as error:  # unknown or retired: nothing is kept
            shutil.rmtree(upload.folder, ignore_errors=True)
            return _error(422, "invalid_request", f"procedure: {error}")
    progress = ingests(request).submit(upload, actor, procedure)
    return JSONResponse(
        progress, status_code=202, headers={"Location": f"/api/uploads/{upload.id}"}
    )


@router.get("/api/uploads/{upload_id}", summary="An upload's progress")
def get_upload(upload_id: str, request: Request) -> JSONResponse:
    """`state` is `queued`, `running`, `done` or `failed` (`error` says why the whole run
    failed); `files` and `pages` count what is done of the total; `documents` what became of
    each file. Kept in memory: after a restart, the batch (`batch_id`) is the record."""
    progress = ingests(request).progress(upload_id)
    if progress is None:
        return _error(404, "not_found", f"no upload {upload_id} (since this server started)")
    return JSONResponse(progress)


@router.get("/api/batches", summary="The ingest runs, newest first")
def list_batches(
    request: Request, limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Offset = 0
) -> dict:
    with Session(request.app.state.engine) as session:
        return objects.batch_list(session, limit, offset)


@router.get("/api/batches/{batch_id}", summary="One ingest run and each of its files")
def get_batch(batch_id: Annotated[int, Path(ge=1, le=LARGEST)], request: Request):
    with Session(request.app.state.engine) as session:
        detail = objects.batch_detail(session, batch_id)
    if detail is None:
        return _error(404, "not_found", f"no batch with id {batch_id}")
    return detail


def ingests(request: Request) -> Ingests:
    return request.app.state.ingests


_error = errors.error
