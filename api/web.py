"""The HTTP API (FastAPI): the same objects as the CLI's `--json`, under `/api/`.

Routes stay thin: each one opens a session, calls `objects`, and returns the result. Errors come
back as `{"error": {"code", "message"}}` with the right status, never as a bare server error.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlmodel import Session
from starlette.exceptions import HTTPException

from sohoa.api import objects
from sohoa.archive.database import open_database
from sohoa.archive.settings import Settings
from sohoa.search import QueryError, open_index


def create_app(settings: Settings | None = None) -> FastAPI:
    """The web application over one archive (migrated on start)."""
    settings = settings or Settings()
    engine = open_database(settings)
    index = open_index(settings)
    app = FastAPI(
        title="sohoa",
        summary="A searchable, auditable archive of scanned Vietnamese records",
        version="0.1.0",
    )

    def session() -> Iterator[Session]:
        with Session(engine) as db:
            yield db

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, error: HTTPException) -> JSONResponse:
        return _error(error.status_code, _code(error.status_code), str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return _error(422, "invalid_request", f"{where}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(QueryError)
    async def query_error(_request: Request, error: QueryError) -> JSONResponse:
        return _error(400, "bad_query", str(error))

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/docs")

    @app.get("/health", summary="Is the service up")
    def health(db: Session = Depends(session)) -> dict:
        return {"status": "ok", "documents": objects.document_list(db, 0, 0)["total"]}

    @app.get("/api/documents", summary="List documents")
    def list_documents(
        limit: int = Query(50, ge=1, le=500),
        offset: int = Query(0, ge=0),
        db: Session = Depends(session),
    ) -> dict:
        return objects.document_list(db, limit, offset)

    @app.get("/api/documents/{document_id}", summary="One document with its pages (as `sohoa show --json`)")
    def get_document(document_id: int, db: Session = Depends(session)) -> dict:
        detail = objects.document_detail(db, document_id)
        if detail is None:
            raise HTTPException(404, f"no document with id {document_id}")
        return detail

    @app.get("/api/search", summary="Search documents (as `sohoa search --json`)")
    def search(q: str = Query(..., description="words, with or without diacritics"),
               limit: int = Query(10, ge=1, le=100)) -> dict:
        return objects.search_results(index.search(q, limit=limit))

    return app


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _code(status: int) -> str:
    return {404: "not_found", 405: "method_not_allowed"}.get(status, "error")
