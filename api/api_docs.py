"""The API's interactive description at `/docs` (Swagger UI), served from this machine.

FastAPI's own `/docs` and `/redoc` load their scripts from a CDN, which an archive on an office
network without the internet cannot reach; Swagger UI's files (version 5, which reads the
OpenAPI 3.1 FastAPI writes) come instead from the `swagger-ui-py` package, under `/docs/static/`.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from sohoa.api.auth import AuthorisedRoute

ASSETS = "/docs/static"

router = APIRouter(route_class=AuthorisedRoute, include_in_schema=False)


@router.get("/docs")
def docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="sohoa · API",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )


def install(app: FastAPI) -> None:
    """The page, and Swagger UI's files beside it (mounted before `/static`-like mounts)."""
    app.include_router(router)
    swagger_ui = files("swagger_ui") / "static"
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui)), name="swagger-ui")
