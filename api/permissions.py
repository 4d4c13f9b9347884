"""Who may do what: the one permission table every request is authorised from.

Each route of the web app (method and path template) needs one *permission*; each permission
is granted to some roles. A route missing from `ROUTES` is a programming error: the app refuses
to start (`check_routes`), and the tests enumerate every route against every role.

The roles (from the issue that set them): the archivist ingests, corrects metadata, reviews text
and links records; staff search and read; the auditor reads everything, the trail, reports and
exports; the admin manages users and procedures.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount, Route

from sohoa.archive.users import ROLES

PUBLIC = "public"  # no sign-in: health, the login page, static files, the API's description
SIGNED_IN = "signed-in"  # any role: sign out, who am I

EVERYONE = frozenset(ROLES)

GRANTS: dict[str, frozenset[str]] = {
    PUBLIC: EVERYONE,
    SIGNED_IN: EVERYONE,
    "read": EVERYONE,  # search, documents, pages, page images, procedures, the PDF copy
    "read-restricted": frozenset({"archivist", "auditor"}),  # see restricted (mật) records
    "ingest": frozenset({"archivist"}),  # upload scans
    "batches": frozenset({"archivist", "auditor"}),  # what was ingested (file names), and how
    "edit": frozenset({"archivist"}),  # metadata, access level
    "review": frozenset({"archivist"}),  # the review queue: accept, reject, correct
    "link": frozenset({"archivist"}),  # records to procedures
    # the trail, its verification and proofs: its events carry what changed (a restricted
    # record's metadata, words), so only for a role that may read restricted records
    "trail": frozenset({"auditor"}),
    "report": frozenset({"auditor"}),  # the audit report
    "export": frozenset({"auditor"}),  # BagIt exports
    "procedures": frozenset({"admin"}),  # add, revise, retire procedures
    "users": frozenset({"admin"}),  # accounts and their tokens
    "retention": frozenset({"auditor", "admin"}),  # which records are past their retention
}

ROUTES: dict[tuple[str, str], str] = {
    # public
    ("GET", "/health"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/static"): PUBLIC,
    ("GET", "/static"): PUBLIC,
    # any signed-in user
    ("GET", "/"): SIGNED_IN,
    ("POST", "/logout"): SIGNED_IN,
    ("GET", "/api/me"): SIGNED_IN,
    # reading
    ("GET", "/api/documents"): "read",
    ("GET", "/api/documents/{document_id}"): "read",
    ("GET", "/api/documents/{document_id}/pdf"): "read",
    ("GET", "/api/documents/{document_id}/similar"): "read",
    ("GET", "/api/documents/{document_id}/pages/{number}"): "read",
    ("GET", "/api/documents/{document_id}/pages/{number}/image"): "read",
    ("GET", "/api/documents/{document_id}/pages/{number}/matches"): "read",
    ("GET", "/api/search"): "read",
    ("GET", "/api/procedures"): "read",
    ("GET", "/api/procedures/{code}"): "read",
    # the archivist's work
    ("PATCH", "/api/documents/{document_id}/metadata"): "edit",
    ("PUT", "/api/documents/{document_id}/access"): "edit",
    ("POST", "/api/documents/{document_id}/pages/{page}/edits/{edit}"): "review",
    ("POST", "/api/documents/{document_id}/procedures"): "link",
    ("DELETE", "/api/documents/{document_id}/procedures/{code}"): "link",
    # ingest: uploads and their batches
    ("POST", "/api/uploads"): "ingest",
    ("GET", "/api/uploads/{upload_id}"): "ingest",
    ("GET", "/api/batches"): "batches",
    ("GET", "/api/batches/{batch_id}"): "batches",
    ("GET", "/batches"): "batches",
    ("GET", "/batches/{batch_id}"): "batches",
    # the admin's
    ("POST", "/api/procedures"): "procedures",
    ("POST", "/api/procedures/{code}/revisions"): "procedures",
    ("POST", "/api/procedures/{code}/retire"): "procedures",
    ("GET", "/api/users"): "users",
    ("POST", "/api/users"): "users",
    ("PATCH", "/api/users/{name}"): "users",
    ("POST", "/api/users/{name}/tokens"): "users",
    ("DELETE", "/api/tokens/{token_id}"): "users",
    ("GET", "/users"): "users",
    ("POST", "/users"): "users",
    ("POST", "/users/{name}/role"): "users",
    ("POST", "/users/{name}/password"): "users",
    ("POST", "/users/{name}/active"): "users",
    ("POST", "/users/{name}/tokens"): "users",
    ("POST", "/tokens/{token_id}/revoke"): "users",
    ("POST", "/procedures"): "procedures",
    ("POST", "/procedures/{code}/revise"): "procedures",
    ("POST", "/procedures/{code}/retire"): "procedures",
    # the reading pages (api/pages.py)
    ("GET", "/search"): "read",
    ("GET", "/documents/{document_id}"): "read",
    ("GET", "/documents/{document_id}/similar"): "read",
    ("POST", "/documents/{document_id}/metadata"): "edit",
    # the quality system and its trail: the auditor's side (api/audit_routes.py, audit_pages.py)
    ("GET", "/api/trail"): "trail",
    ("GET", "/api/trail/checkpoint"): "trail",
    ("GET", "/api/trail/{seq}/proof"): "trail",
    ("POST", "/api/trail/verify"): "trail",
    ("GET", "/api/procedures/{code}/report"): "report",
    ("POST", "/api/exports"): "export",
    ("GET", "/api/retention/due"): "retention",
    ("GET", "/procedures"): "read",
    ("GET", "/procedures/{code}"): "read",
    ("POST", "/procedures/{code}/export"): "export",
    ("GET", "/trail"): "trail",
    ("POST", "/trail/verify"): "trail",
    # the review queue, word corrections and the user dictionary (api/review_routes.py)
    ("GET", "/api/review"): "review",
    ("POST", "/api/documents/{document_id}/pages/{page}/corrections"): "review",
    ("POST", "/api/documents/{document_id}/pages/{page}/checked"): "review",
    ("GET", "/review"): "review",
    ("POST", "/review/{document_id}/{page}/edits/{edit}"): "review",
    ("POST", "/review/{document_id}/{page}/corrections"): "review",
    ("POST", "/review/{document_id}/{page}/checked"): "review",
}


class MissingFromTable(LookupError):
    """A route the permission table does not name: the app does not start with it."""


def needed(method: str, path: str) -> str:
    """The permission a request to this route needs (HEAD is authorised as GET)."""
    method = "GET" if method == "HEAD" else method
    try:
        return ROUTES[(method, path)]
    except KeyError:
        raise MissingFromTable(f"{method} {path} is not in the permission table") from None


def allows(role: str, permission: str) -> bool:
    return role in GRANTS[permission]


def granted(role: str) -> list[str]:
    """Every permission the role has, beyond being signed in."""
    return sorted(
        p for p, roles in GRANTS.items() if role in roles and p not in (PUBLIC, SIGNED_IN)
    )


def check_routes(routes: Iterable[tuple[str, str]]) -> None:
    """Every (method, path) the app serves is in the table, with a permission that exists."""
    for method, path in routes:
        permission = needed(method, path)
        if permission not in GRANTS:
            raise MissingFromTable(f"{method} {path} needs {permission!r}, which is no permission")


def app_routes(app: FastAPI) -> list[BaseRoute]:
    """Every route the app serves, those of included routers too (FastAPI ≥ 0.160 keeps an
    included router whole in `app.routes`; `iter_route_contexts` opens it)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # an older FastAPI copied included routes into app.routes
        return list(app.routes)
    return [context.original_route for context in iter_route_contexts(app.routes)]


def served_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app answers, HEAD left out (authorised as GET); a mount (static
    files) is listed by its path."""
    served = []
    for route in app_routes(app):
        if isinstance(route, Mount):
            served.append(("GET", route.path))
        elif isinstance(route, APIRoute | Route):
            methods = set(route.methods or ()) - {"HEAD"}
            served.extend((method, route.path) for method in methods)
    return sorted(set(served))
