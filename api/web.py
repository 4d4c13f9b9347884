"""The HTTP API (FastAPI): the same objects as the CLI's `--json`, under `/api/`.

Routes stay thin: each one gets a database session (or the search index) injected, calls
`objects`, and returns the result. The archive an app serves lives on `app.state`, so one process
can serve any archive and tests can build an app per archive. Errors come back as
`{"error": {"code", "message"}}` with the right status, never as a bare server error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Body, Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlmodel import Session
from starlette.exceptions import HTTPException

from sohoa.api import objects
from sohoa.archive import checkpoints, keys
from sohoa.archive.database import open_database
from sohoa.archive.settings import Settings
from sohoa.search import SORTS, QueryError, SearchIndex, chosen_engine, open_index, ready_index

log = logging.getLogger("sohoa")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The web application over one archive (migrated on start)."""
    settings = settings or Settings()
    app = FastAPI(
        title="sohoa",
        summary="A searchable, auditable archive of scanned Vietnamese records",
        version="0.1.0",
    )
    app.state.settings = settings
    app.state.engine = open_database(settings)
    app.state.index_engine = chosen_engine(settings)
    app.state.index = ready_index(open_index(settings), app.state.engine)
    app.include_router(router)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(QueryError, _query_error)
    return app


def _session(request: Request) -> Iterator[Session]:
    """A database session for one request; a request that may have changed something (any
    method but GET and HEAD) ends by sealing the trail with a signed checkpoint."""
    state = request.app.state
    with Session(state.engine) as session:
        yield session
    if request.method not in ("GET", "HEAD"):
        try:
            checkpoints.seal_archive(state.settings, state.engine)
        except (checkpoints.CheckpointError, keys.KeyProblem) as error:
            log.error("the trail was not signed: %s", error)


def _index(request: Request) -> SearchIndex:
    """The archive's index; after `sohoa reindex --engine` switched engines, the new one."""
    state = request.app.state
    name = chosen_engine(state.settings)
    if name != state.index_engine:
        state.index = ready_index(open_index(state.settings, name), state.engine)
        state.index_engine = name
    return state.index


Db = Annotated[Session, Depends(_session)]
Index = Annotated[SearchIndex, Depends(_index)]
router = APIRouter()


@router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    return RedirectResponse("/docs")


@router.get("/health", summary="Is the service up")
def health(db: Db) -> dict:
    return {"status": "ok", "documents": objects.document_list(db, 0, 0)["total"]}


@router.get("/api/documents", summary="List documents")
def list_documents(
    db: Db, limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0)] = 0
) -> dict:
    return objects.document_list(db, limit, offset)


@router.get("/api/documents/{document_id}", summary="One document and its pages (`show --json`)")
def get_document(document_id: int, db: Db) -> dict:
    detail = objects.document_detail(db, document_id)
    if detail is None:
        raise HTTPException(404, f"no document with id {document_id}")
    return detail


@router.patch(
    "/api/documents/{document_id}/metadata",
    summary="Correct a document's metadata (as `sohoa edit`)",
    description='The body maps fields to the values a person read (`""` or null clears one). '
    "Returns the document's metadata afterwards, as `sohoa edit --json` prints it. Every "
    "change is a `metadata.corrected` event by the actor named in `X-Sohoa-Actor`.",
)
def patch_metadata(
    document_id: int,
    db: Db,
    index: Index,
    values: Annotated[
        dict[str, str | None], Body(examples=[{"doc_type": "Kế hoạch", "date": "2024-07-15"}])
    ],
    actor: Annotated[str, Header(alias="X-Sohoa-Actor")] = "api",
) -> dict:
    changes = {field: value or "" for field, value in values.items()}
    try:
        return objects.edit_metadata(db, index, document_id, changes, actor or "api").metadata
    except objects.NoSuchDocument as error:
        raise HTTPException(404, str(error)) from None
    except ValueError as error:
        raise HTTPException(422, str(error)) from None


@router.get("/api/search", summary="Search documents (as `sohoa search --json`)")
def search(
    index: Index,
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
    offset: Annotated[int, Query(ge=0)] = 0,
    sort: Annotated[str, Query(description=" | ".join(SORTS))] = "relevance",
) -> dict:
    return objects.search_results(index.search(q, limit=limit, offset=offset, sort=sort))


@router.get(
    "/api/documents/{document_id}/similar",
    summary="Documents like this one (as `sohoa similar --json`)",
)
def similar(
    document_id: int, index: Index, limit: Annotated[int, Query(ge=1, le=100)] = 10
) -> dict:
    return objects.search_results(index.more_like(document_id, limit=limit))


async def _http_error(_request: Request, error: HTTPException) -> JSONResponse:
    code = {404: "not_found", 405: "method_not_allowed", 422: "invalid_request"}.get(
        error.status_code, "error"
    )
    return _error(error.status_code, code, str(error.detail))


async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
    first = error.errors()[0] if error.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ()))
    return _error(422, "invalid_request", f"{where}: {first.get('msg', 'invalid request')}")


async def _query_error(_request: Request, error: QueryError) -> JSONResponse:
    return _error(400, "bad_query", str(error))


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
