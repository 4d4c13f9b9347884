"""The archivist's batches page: upload scans (files, a folder, or a zip of one), watch their
ingest, and look back at every batch and what became of each file.

The upload itself is sent by a small script (`static/upload.js`): it shows the bytes going up,
then follows `GET /api/uploads/{id}` until the ingest is done. The lists are server-rendered.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from sohoa.api import auth, objects, templating
from sohoa.api.auth import AuthorisedRoute, CurrentUser
from sohoa.api.deps import LARGEST
from sohoa.api.errors import NotFound

router = APIRouter(route_class=AuthorisedRoute, include_in_schema=False)

PER_PAGE = 25
STATE_NAMES = {
    "pending": "Đang chờ",
    "ingested": "Đã số hóa",
    "duplicate": "Trùng (đã có)",
    "failed": "Lỗi",
    "queued": "Trong hàng đợi",
    "running": "Đang xử lý",
    "done": "Xong",
}


@router.get("/batches")
def batches_page(
    request: Request, user: CurrentUser, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Response:
    """The upload form (for those who may ingest), uploads in progress, then every batch."""
    state = request.app.state
    with Session(state.engine) as session:
        listed = objects.batch_list(session, PER_PAGE, (page - 1) * PER_PAGE)
        procedures = objects.procedure_list(session)
    return templating.page(
        request,
        "batches.html",
        batches=listed["batches"],
        total=listed["total"],
        page=page,
        pages=max(1, -(-listed["total"] // PER_PAGE)),
        uploads=state.ingests.recent() if auth.may(user, "ingest") else [],
        procedures=procedures,
        states=STATE_NAMES,
        limits={"file": state.settings.max_file_bytes, "upload": state.settings.max_upload_bytes},
    )


@router.get("/batches/{batch_id}")
def batch_page(
    request: Request, batch_id: Annotated[int, Path(ge=1, le=LARGEST)], user: CurrentUser
) -> Response:
    """One batch: who ran it, when, and each file with its outcome and document."""
    with Session(request.app.state.engine) as session:
        detail = objects.batch_detail(session, batch_id)
    if detail is None:
        raise NotFound(f"Không có lô số {batch_id}.")
    return templating.page(request, "batch.html", batch=detail, states=STATE_NAMES)
