"""Every route of the app against every role, from the one permission table: each role the table
grants gets through, every other role is refused with 403, nobody signed in gets 401 (the API)
or the login page (a web page), and a route missing from the table stops the app."""

from __future__ import annotations

import re

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from conftest import api_client
from sohoa.api import auth, permissions
from sohoa.api.web import create_app
from sohoa.archive import access
from sohoa.archive.models import Document
from sohoa.archive.settings import Settings
from sohoa.archive.users import ROLES

# What each path parameter is filled with: things that do not exist, so an allowed call is
# answered (404, 422, ...) without changing the archive.
PARAMETERS = {"code": "QT-XX-99", "name": "nobody", "path": "style.css"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(Settings(home=tmp_path_factory.mktemp("permissions")))


def url(path: str) -> str:
    if path == "/static":
        return "/static/style.css"
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: PARAMETERS.get(m.group(1), "424242"), path)


def test_the_table_names_exactly_the_routes_the_app_serves(app):
    served = set(permissions.served_routes(app))
    assert served == set(permissions.ROUTES), "the permission table and the routes differ"
    assert {("GET", "/api/search"), ("POST", "/login"), ("GET", "/health")} <= served


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_route_lets_in_exactly_the_roles_the_table_grants(app, role):
    client = TestClient(app) if role is None else api_client(app, role)
    for method, path in permissions.served_routes(app):
        permission = permissions.needed(method, path)
        response = client.request(method, url(path), follow_redirects=False)
        where = f"{method} {path} as {role}: {response.status_code} {response.text[:120]}"
        if permission == permissions.PUBLIC:
            assert response.status_code not in (401, 403), where
        elif role is None and path.startswith("/api/"):
            assert response.status_code == 401, where
            assert response.json()["error"]["code"] == "unauthorized", where
        elif role is None:
            assert response.status_code == 303, where
            assert response.headers["location"].startswith("/login?next="), where
        elif permissions.allows(role, permission):
            assert response.status_code not in (401, 403), where
        else:
            assert response.status_code == 403, where
            if path.startswith("/api/"):
                assert response.json()["error"]["code"] == "forbidden", where


def test_a_route_missing_from_the_table_stops_the_app():
    app = FastAPI()
    router = APIRouter(route_class=auth.AuthorisedRoute)
    router.get("/api/secrets")(lambda: {})
    app.include_router(router)
    with pytest.raises(permissions.MissingFromTable, match="GET /api/secrets"):
        auth.check_app(app)


def test_a_route_that_does_not_authorise_stops_the_app_even_if_in_the_table():
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    router = APIRouter()  # not AuthorisedRoute: it would skip the table
    router.get("/api/search")(lambda: {})
    app.include_router(router)
    with pytest.raises(permissions.MissingFromTable, match="does not authorise"):
        auth.check_app(app)


def test_restricted_records_are_hidden_from_roles_without_read_restricted(tmp_path):
    app = create_app(Settings(home=tmp_path / "archive"))
    with Session(app.state.engine) as session:
        for name in ("open.png", "secret.png"):
            session.add(Document(sha256=name.ljust(64, "0"), name=name, size=1, mime="image/png"))
        session.commit()
        secret = session.get(Document, 2)
        access.set_access(session, secret, "restricted", "lan", "thông tin cá nhân")
        session.commit()
    for role in ROLES:
        client = api_client(app, role)
        may = permissions.allows(role, "read-restricted")
        listed = client.get("/api/documents").json()
        assert listed["total"] == (2 if may else 1), role
        assert [d["name"] for d in listed["documents"]] == (
            ["open.png", "secret.png"] if may else ["open.png"]
        )
        shown = client.get("/api/documents/2")
        assert shown.status_code == (200 if may else 403), role
        if not may:
            assert "restricted" in shown.json()["error"]["message"]
        assert client.get("/api/documents/1").status_code == 200
