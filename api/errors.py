"""Errors, one shape everywhere: `{"error": {"code", "message"}}` with the right status for the
API; a short Vietnamese page for a browser. Every route's possible refusals are documented in
the OpenAPI description (`documented`), derived from the permission table and the route's path.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.routing import Match

from sohoa.api import permissions, templating
from sohoa.archive.users import AccountError, NameTaken
from sohoa.iso_procedures.links import LinkError
from sohoa.iso_procedures.registry import ProcedureError, ProcedureExists
from sohoa.search import QueryError

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid_request",
    500: "error",
}

DESCRIPTIONS = {
    400: "A bad request (a query that cannot be read: `bad_query`)",
    401: "Nobody signed in: send `Authorization: Bearer <token>` or sign in at /login",
    403: "The role may not do this, or the record is restricted",
    404: "No such thing",
    409: "It cannot be done in the record's present state",
    413: "Too large",
    422: "The request is not valid (the message says which field and why)",
    500: "It failed on the server (the message says what)",
}


class NotSignedIn(Exception):
    """No valid token or session: 401 for the API, the login page for a browser."""


class Forbidden(Exception):
    """Signed in, but the role may not do this (403)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(Exception):
    """A web page about something that does not exist: the error page, 404, with a message for
    people (the API's refusals are `HTTPException`s)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ErrorDetail(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["no document with id 7"])


class ErrorBody(BaseModel):
    error: ErrorDetail


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, each with the error body."""
    return {s: {"model": ErrorBody, "description": DESCRIPTIONS[s]} for s in statuses}


def install(app: FastAPI) -> None:
    app.add_exception_handler(NotSignedIn, _not_signed_in)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(QueryError, _query_error)
    for refusal in (AccountError, ProcedureError, LinkError):
        app.add_exception_handler(refusal, _refused)


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _refused(request: Request, refusal: ValueError) -> Response:
    """A change refused by the archive's rules: 404 for what does not exist, else 422."""
    if isinstance(refusal, LookupError):
        status = 404
    elif isinstance(refusal, NameTaken | ProcedureExists):
        status = 409
    else:
        status = 422
    return _shown(request, status, str(refusal))


async def _not_signed_in(request: Request, _refusal: NotSignedIn) -> Response:
    """An API call gets 401; a page goes to the login page and comes back after."""
    if is_api(request):
        response = error(401, CODES[401], "sign in, or send an API token (Bearer)")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    return login_redirect(request)


async def _forbidden(request: Request, refusal: Forbidden) -> Response:
    if is_api(request):
        return error(403, CODES[403], refusal.message)
    return templating.page(request, "refused.html", status=403, message=refusal.message)


async def _not_found(request: Request, missing: NotFound) -> Response:
    return templating.page(request, "error.html", status=404, message=missing.message)


async def _http_error(request: Request, refusal: HTTPException) -> Response:
    """Starlette's and the routes' refusals, keeping their headers; a 405's `Allow` names every
    method the path answers (Starlette's names only those of the first route it tried)."""
    response = _shown(request, refusal.status_code, str(refusal.detail))
    response.headers.update(refusal.headers or {})
    if refusal.status_code == 405:
        response.headers["Allow"] = ", ".join(_methods_for(request))
    return response


def _methods_for(request: Request) -> list[str]:
    methods: set[str] = set()
    for route in permissions.app_routes(request.app):
        if route.matches(request.scope)[0] is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


async def _validation_error(request: Request, refusal: RequestValidationError) -> Response:
    first = refusal.errors()[0] if refusal.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ()))
    return _shown(request, 422, f"{where}: {first.get('msg', 'invalid request')}")


async def _query_error(request: Request, refusal: QueryError) -> Response:
    if is_api(request):
        return error(400, "bad_query", str(refusal))
    return _shown(request, 400, str(refusal))


def login_redirect(request: Request) -> RedirectResponse:
    """To the login page, coming back here after."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


def _shown(request: Request, status: int, message: str) -> Response:
    """JSON for the API (and FastAPI's own pages); a page in Vietnamese for a browser."""
    if is_api(request) or not _wants_html(request):
        return error(status, CODES.get(status, "error"), message)
    return templating.page(request, "error.html", status=status, message=message)


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")
