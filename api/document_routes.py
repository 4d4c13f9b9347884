"""The JSON routes of documents: list, one document, its pages, page images and matched words,
its PDF/A copy, and the archivist's changes (metadata, access, a repair's review).

Each route is thin over `objects`, the same objects `--json` prints. A restricted record is
refused to a role the permission table does not let read it (`deps.readable`), and reading it is
a `document.viewed` event the request's session seals into the trail.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Path, Query, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from sohoa.api import auth, errors, objects
from sohoa.api.auth import Actor, AuthorisedRoute, CurrentUser
from sohoa.api.deps import LARGEST, Db, DocumentId, Index, Offset, PageNumber, readable
from sohoa.ingest.page_images import PageImageError
from sohoa.ingest.preserve import PreservationError

router = APIRouter(route_class=AuthorisedRoute)


class Access(BaseModel):
    access: str = Field(description="open | restricted")
    reason: str


class Decision(BaseModel):
    decision: str = Field(description="accept | reject")


@router.get("/api/documents", summary="List documents")
def list_documents(
    db: Db, user: CurrentUser, limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Offset = 0
) -> dict:
    return objects.document_list(db, limit, offset, auth.may(user, "read-restricted"))


@router.get("/api/documents/{document_id}", summary="One document and its pages (`show --json`)")
def get_document(
    document_id: DocumentId, db: Db, request: Request, user: CurrentUser, actor: Actor
) -> dict:
    """Reading a restricted record is a `document.viewed` event by the signed-in user."""
    readable(db, document_id, user)
    detail = objects.document_detail(db, document_id, actor, "api")
    if detail is None:
        raise HTTPException(404, f"no document with id {document_id}")
    request.state.appended = detail["access"] == "restricted"
    return detail


@router.get(
    "/api/documents/{document_id}/pdf",
    summary="The document's PDF/A preservation copy (`sohoa pdf`)",
    response_class=FileResponse,
    responses={200: {"content": {"application/pdf": {}}}, **errors.documented(409, 500)},
)
def get_pdf(
    document_id: DocumentId, db: Db, request: Request, user: CurrentUser, actor: Actor
) -> FileResponse:
    """Page images with the repaired text, searchable in any viewer; made first if missing or
    outdated. Reading a restricted record's copy is a `document.viewed` event. (The request's
    session is what seals the trail afterwards.)"""
    readable(db, document_id, user)
    state = request.app.state
    try:
        copy, detail = objects.preservation_copy(
            state.settings, state.engine, document_id, actor, "api"
        )
    except objects.NoSuchDocument as error:
        raise HTTPException(404, str(error)) from error
    except ValueError as error:
        raise HTTPException(409, str(error)) from error
    except PreservationError as error:
        raise HTTPException(500, str(error)) from error
    request.state.appended = True  # a view, or a copy made: either is an event to seal
    return FileResponse(
        copy,
        media_type="application/pdf",
        filename=f"sohoa-{document_id}.pdf",
        headers={"X-Sohoa-SHA256": detail["sha256"]},
    )


@router.get(
    "/api/documents/{document_id}/pages/{number}",
    summary="One page: its text, raw text, OCR words with their boxes, edits and preparation",
)
def get_page(
    document_id: DocumentId,
    number: PageNumber,
    db: Db,
    request: Request,
    user: CurrentUser,
    actor: Actor,
) -> dict:
    """Reading a restricted record's page is a `document.viewed` event by the signed-in user."""
    readable(db, document_id, user)
    try:
        detail = objects.page_detail(db, document_id, number, actor, "api page")
    except objects.NoSuchDocument as error:
        raise HTTPException(404, str(error)) from None
    request.state.appended = detail["access"] == "restricted"
    return detail


@router.get(
    "/api/documents/{document_id}/pages/{number}/image",
    summary="The page's image as prepared for OCR (its words' boxes fall on it)",
    response_class=FileResponse,
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}}},
        304: {"description": "Not modified: the browser's copy is this image"},
        **errors.documented(500),
    },
)
def get_page_image(
    document_id: DocumentId,
    number: PageNumber,
    db: Db,
    request: Request,
    user: CurrentUser,
    actor: Actor,
    width: Annotated[
        int | None,
        Query(ge=16, le=20_000, description="a copy this many pixels wide (boxes scale with it)"),
    ] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Rendered from the stored original and cached; the same URL always gives the same image
    (its ETag names what it is made from), so a browser keeps it. A restricted record's page
    image is a `document.viewed` event."""
    readable(db, document_id, user)
    state = request.app.state
    try:
        image, level = objects.page_picture(
            state.settings, db, document_id, number, width, actor, "api page image"
        )
    except LookupError as error:
        raise HTTPException(404, str(error)) from None
    except PageImageError as error:
        raise HTTPException(500, str(error)) from None
    request.state.appended = level == "restricted"
    tag = f'"{image.stem}"'
    headers = {"ETag": tag, "Cache-Control": "private, max-age=31536000, immutable"}
    if if_none_match and tag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    media = "image/png" if image.suffix == ".png" else "image/jpeg"
    return FileResponse(image, media_type=media, headers=headers)


@router.get(
    "/api/documents/{document_id}/pages/{number}/matches",
    summary="Which OCR words of the page a query matches, with their boxes",
    responses=errors.documented(400),
)
def get_page_matches(
    document_id: DocumentId,
    number: PageNumber,
    db: Db,
    user: CurrentUser,
    q: Annotated[str, Query(description="the search query, as `/api/search` takes it")],
) -> dict:
    """`words`: indices into the page's OCR words; `boxes`: theirs, [left, top, width, height]
    in the page image's pixels (`width` × `height`: scale them to a smaller copy)."""
    readable(db, document_id, user)
    try:
        return objects.page_matches(db, document_id, number, q)
    except objects.NoSuchDocument as error:
        raise HTTPException(404, str(error)) from None


@router.post(
    "/api/documents/{document_id}/pages/{page}/edits/{edit}",
    summary="Accept or reject one repair edit (as `sohoa review`)",
)
def review_edit(
    document_id: DocumentId,
    page: PageNumber,
    edit: Annotated[int, Path(ge=0, le=LARGEST)],
    body: Decision,
    db: Db,
    index: Index,
    actor: Actor,
) -> dict:
    try:
        return objects.review_edit(db, index, document_id, page, edit, body.decision, actor)
    except objects.NoSuchDocument as error:
        raise HTTPException(404, str(error)) from None
    except ValueError as error:
        raise HTTPException(422, str(error)) from None


@router.put(
    "/api/documents/{document_id}/access", summary="Open or restrict a record (as `sohoa access`)"
)
def put_access(document_id: DocumentId, body: Access, db: Db, index: Index, actor: Actor) -> dict:
    try:
        return objects.change_access(db, index, document_id, body.access, actor, body.reason)
    except objects.NoSuchDocument as error:
        raise HTTPException(404, str(error)) from None
    except ValueError as error:
        raise HTTPException(422, str(error)) from None


@router.patch(
    "/api/documents/{document_id}/metadata",
    summary="Correct a document's metadata (as `sohoa edit`)",
    description='The body maps fields to the values a person read (`""` or null clears one). '
    "Returns the document's metadata afterwards, as `sohoa edit --json` prints it. Every "
    "change is a `metadata.corrected` event by the signed-in user.",
)
def patch_metadata(
    document_id: DocumentId,
    db: Db,
    index: Index,
    values: Annotated[
        dict[str, str | None], Body(examples=[{"doc_type": "Kế hoạch", "date": "2024-07-15"}])
    ],
    actor: Actor,
) -> dict:
    changes = {field: value or "" for field, value in values.items()}
    try:
        return objects.edit_metadata(db, index, document_id, changes, actor).metadata
    except objects.NoSuchDocument as error:
        raise HTTPException(404, str(error)) from None
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
