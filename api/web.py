"""The HTTP API (FastAPI): the same objects as the CLI's `--json`, under `/api/`.

Routes stay thin: each one gets a database session (or the search index) injected, calls
`objects`, and returns the result. The archive an app serves lives on `app.state`, so one process
can serve any archive and tests can build an app per archive. Errors come back as
`{"error": {"code", "message"}}` with the right status, never as a bare server error.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Header, Path, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.exceptions import HTTPException

from sohoa.api import (
    audit_pages,
    audit_routes,
    auth,
    batch_pages,
    batch_routes,
    errors,
    objects,
    pages,
    permissions,
    review_routes,
    signin,
    templating,
    users_routes,
)
from sohoa.api.auth import Actor, AuthorisedRoute, CurrentUser
from sohoa.api.background import Ingests
from sohoa.api.deps import LARGEST, Db, DocumentId, Index, Offset, PageNumber
from sohoa.archive import checkpoints
from sohoa.archive.database import open_database
from sohoa.archive.models import Document, User
from sohoa.archive.settings import Settings
from sohoa.ingest import doctor as checkup
from sohoa.ingest.page_images import PageImageError
from sohoa.ingest.preserve import PreservationError
from sohoa.iso_procedures import registry
from sohoa.iso_procedures.registry import ProcedureSpec
from sohoa.search import SORTS, chosen_engine, open_index, ready_index

log = logging.getLogger("sohoa")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The web application over one archive (migrated on start)."""
    settings = settings or Settings()
    app = FastAPI(
        lifespan=_lifespan,
        title="sohoa",
        summary="A searchable, auditable archive of scanned Vietnamese records",
        version="0.1.0",
    )
    app.state.settings = settings
    app.state.engine = open_database(settings)
    app.state.index_engine = chosen_engine(settings)
    app.state.index = ready_index(open_index(settings), app.state.engine)
    for finding in checkup.cheap_findings(settings, app.state.engine, app.state.index):
        log.warning("sohoa: %s (run `sohoa doctor` for details)", finding.problem)
    with Session(app.state.engine) as session:
        if registry.ensure_seeded(session):
            session.commit()
            checkpoints.seal_archive(settings, app.state.engine)
    app.state.ingests = Ingests(settings, app.state.engine)
    app.include_router(router)
    app.include_router(signin.router)
    app.include_router(users_routes.router)
    app.include_router(pages.router)
    app.include_router(batch_routes.router)
    app.include_router(batch_pages.router)
    app.include_router(audit_routes.router)
    app.include_router(audit_pages.router)
    app.include_router(review_routes.router)
    app.mount("/static", StaticFiles(directory=templating.STATIC), name="static")
    errors.install(app)
    app.add_exception_handler(pages.NotFound, pages.not_found)
    auth.check_app(app)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The background ingest runs while the app does (uploads left queued are taken up)."""
    app.state.ingests.start()
    try:
        yield
    finally:
        app.state.ingests.stop()


router = APIRouter(route_class=AuthorisedRoute)


class Reason(BaseModel):
    reason: str


class Access(BaseModel):
    access: str = Field(description="open | restricted")
    reason: str


class Decision(BaseModel):
    decision: str = Field(description="accept | reject")


class Link(BaseModel):
    code: str
    reason: str


class Revision(BaseModel):
    reason: str
    changes: dict[str, Any] = Field(
        description="fields of the procedure to change: title, clauses, owner, record_types, "
        "keywords, retention_years (null: permanent)"
    )


def readable(db: Session, document_id: int, user: User) -> Document:
    """The document, if it exists (404) and the user's role may read it (403 for a restricted
    record, unless the table grants `read-restricted`)."""
    document = db.get(Document, document_id)
    if document is None:
        raise HTTPException(404, f"no document with id {document_id}")
    if document.access == "restricted" and not auth.may(user, "read-restricted"):
        raise auth.Forbidden(f"document {document_id} is a restricted record")
    return document


@router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    return RedirectResponse("/search")


@router.get("/health", summary="Is the service up")
def health(db: Db) -> dict:
    return {"status": "ok", "documents": objects.document_list(db, 0, 0)["total"]}


@router.get("/api/me", summary="Who is signed in, and what the role may do")
def me(user: CurrentUser, request: Request) -> dict:
    """For a browser session, `csrf` is the token its scripts send as `X-CSRF-Token`."""
    csrf = getattr(request.state, "csrf", None)
    return objects.user_object(user) | {"may": permissions.granted(user.role), "csrf": csrf}


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


@router.get(
    "/api/search",
    summary="Search documents (as `sohoa search --json`)",
    responses=errors.documented(400),
)
def search(
    index: Index,
    user: CurrentUser,
    q: Annotated[
        str,
        Query(
            description='words, with or without diacritics; `"a phrase"`, `-left_out`, '
            "`a OR b`; filters: "
            '`type:"ke hoach"`, `year:2019..2024`, `date:2024-03..2024-07`, '
            '`issuer:"so khoa hoc"`, `number:45/KH-LHH`, `procedure:QT-07`'
        ),
    ],
    limit: Annotated[int, Query(ge=0, le=100)] = 10,
    offset: Offset = 0,
    sort: Annotated[str, Query(description=" | ".join(SORTS))] = "relevance",
) -> dict:
    """Restricted records are left out entirely (hits, snippets, facet counts) for a role the
    permission table does not let read them."""
    restricted = auth.may(user, "read-restricted")
    return objects.search_results(
        index.search(q, limit=limit, offset=offset, sort=sort, restricted=restricted)
    )


@router.get(
    "/api/documents/{document_id}/similar",
    summary="Documents like this one (as `sohoa similar --json`)",
)
def similar(
    document_id: DocumentId,
    db: Db,
    user: CurrentUser,
    index: Index,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict:
    readable(db, document_id, user)
    restricted = auth.may(user, "read-restricted")
    return objects.search_results(index.more_like(document_id, limit=limit, restricted=restricted))


@router.get("/api/procedures", summary="The procedures (as `sohoa procedures list --json`)")
def list_procedures(
    db: Db, user: CurrentUser, everything: Annotated[bool, Query(alias="all")] = False
) -> list:
    return objects.procedure_list(db, everything, auth.may(user, "read-restricted"))


@router.get(
    "/api/procedures/{code}",
    summary="One procedure, its versions and its records (as `sohoa procedures show --json`)",
)
def get_procedure(
    code: str,
    db: Db,
    user: CurrentUser,
    version: Annotated[int | None, Query(ge=1, le=LARGEST)] = None,
) -> dict:
    """Restricted records are listed (and counted) only for roles that may read them."""
    return objects.procedure_detail(db, code, version, auth.may(user, "read-restricted"))


@router.post(
    "/api/procedures", status_code=201, summary="Add a procedure", responses=errors.documented(409)
)
def add_procedure(spec: ProcedureSpec, db: Db, actor: Actor) -> dict:
    row = registry.add(db, spec, actor)
    db.commit()
    return objects.procedure(row)


@router.post(
    "/api/procedures/{code}/revisions",
    status_code=201,
    summary="Make a new version of a procedure (the one in force becomes obsolete)",
)
def revise_procedure(code: str, revision: Revision, db: Db, actor: Actor) -> dict:
    row = registry.revise(db, code, revision.changes, actor, revision.reason)
    db.commit()
    return objects.procedure(row)


@router.post("/api/procedures/{code}/retire", summary="Withdraw a procedure")
def retire_procedure(code: str, body: Reason, db: Db, actor: Actor) -> dict:
    row = registry.retire(db, code, actor, body.reason)
    db.commit()
    return objects.procedure(row)


@router.post(
    "/api/documents/{document_id}/procedures",
    summary="Link a document to a procedure it proves (as `sohoa link`)",
)
def link_document(document_id: DocumentId, body: Link, db: Db, index: Index, actor: Actor) -> dict:
    codes = objects.change_link(db, index, document_id, body.code, actor, body.reason, True)
    return {"document_id": document_id, "procedures": codes}


@router.delete(
    "/api/documents/{document_id}/procedures/{code}",
    summary="Unlink a document from a procedure (as `sohoa unlink`)",
)
def unlink_document(
    document_id: DocumentId,
    code: str,
    db: Db,
    index: Index,
    reason: Annotated[str, Query(description="why the link is wrong")],
    actor: Actor,
) -> dict:
    codes = objects.change_link(db, index, document_id, code, actor, reason, False)
    return {"document_id": document_id, "procedures": codes}
