"""The web app (FastAPI): pages for people and, under `/api/`, the same objects as the CLI's
`--json`; this module assembles it from the route modules (`*_routes.py` for JSON, `pages.py`,
`*_pages.py` for HTML) and keeps the routes every user needs (health, who am I).

Routes stay thin: each one gets a database session (or the search index) injected, calls
`objects`, and returns the result. The archive an app serves lives on `app.state`, so one process
can serve any archive and tests can build an app per archive. Errors come back as
`{"error": {"code", "message"}}` with the right status, never as a bare server error.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlmodel import Session

from sohoa.api import (
    api_docs,
    audit_pages,
    audit_routes,
    auth,
    batch_pages,
    batch_routes,
    document_routes,
    errors,
    examples,
    objects,
    pages,
    permissions,
    procedure_forms,
    procedure_routes,
    review_routes,
    search_routes,
    signin,
    templating,
    users_pages,
    users_routes,
)
from sohoa.api.auth import AuthorisedRoute, CurrentUser
from sohoa.api.background import Ingests
from sohoa.api.deps import Db
from sohoa.api.security_headers import SecurityHeaders
from sohoa.api.throttle import SignInThrottle
from sohoa.archive import checkpoints
from sohoa.archive.database import open_database
from sohoa.archive.settings import Settings
from sohoa.ingest import doctor as checkup
from sohoa.iso_procedures import registry
from sohoa.search import chosen_engine, open_index, ready_index

log = logging.getLogger("sohoa")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The web application over one archive (migrated on start)."""
    settings = settings or Settings()
    app = FastAPI(
        lifespan=_lifespan,
        title="sohoa",
        summary="A searchable, auditable archive of scanned Vietnamese records",
        version="0.1.0",
        docs_url=None,  # served from this machine by `api_docs`, not from a CDN
        redoc_url=None,
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
    app.state.sign_ins = SignInThrottle()
    app.include_router(router)
    app.include_router(document_routes.router)
    app.include_router(search_routes.router)
    app.include_router(procedure_routes.router)
    app.include_router(signin.router)
    app.include_router(users_routes.router)
    app.include_router(pages.router)
    app.include_router(batch_routes.router)
    app.include_router(batch_pages.router)
    app.include_router(audit_routes.router)
    app.include_router(audit_pages.router)
    app.include_router(review_routes.router)
    app.include_router(users_pages.router)
    app.include_router(procedure_forms.router)
    api_docs.install(app)
    app.mount("/static", StaticFiles(directory=templating.STATIC), name="static")
    app.add_middleware(SecurityHeaders)
    errors.install(app)
    examples.install(app)
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
