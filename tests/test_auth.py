"""Signing in: passwords (argon2), browser sessions with a form token (CSRF), API tokens, the
first admin, and `sohoa user`. Nothing secret is stored: not a password, token or cookie."""

from __future__ import annotations

import os
import socket
import subprocess

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from conftest import SOHOA, api_client, run_json, run_sohoa
from databases import database_env
from sohoa.api.auth import COOKIE
from sohoa.api.web import create_app
from sohoa.archive import users
from sohoa.archive.models import Event

PASSWORD = "mật khẩu đủ dài"


def _app_with_user(settings, role="archivist", name="lan"):
    app = create_app(settings)
    with Session(app.state.engine) as session:
        users.add_user(session, name, role, PASSWORD, "test")
        session.commit()
    return app


def _sign_in(client: TestClient, name="lan", password=PASSWORD, next="/search"):
    return client.post(
        "/login",
        data={"username": name, "password": password, "next": next},
        follow_redirects=False,
    )


def test_a_browser_signs_in_works_with_its_form_token_and_signs_out(settings):
    client = TestClient(_app_with_user(settings))
    assert client.get("/api/me").status_code == 401
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/"

    wrong = _sign_in(client, password="sai mật khẩu rồi")
    assert wrong.status_code == 401 and "không đúng" in wrong.text
    unknown = _sign_in(client, name="ai-đó")
    assert unknown.status_code == 401 and unknown.text.count("không đúng") == 1

    signed = _sign_in(client, next="/procedures")
    assert signed.status_code == 303 and signed.headers["location"] == "/procedures"
    cookie = signed.headers["set-cookie"]
    assert COOKIE in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    me = client.get("/api/me").json()
    assert (me["name"], me["role"]) == ("lan", "archivist") and "edit" in me["may"]

    body = {"access": "restricted", "reason": "thử"}
    refused = client.put("/api/documents/1/access", json=body)  # no form token
    assert refused.status_code == 403 and "form token" in refused.json()["error"]["message"]
    forged = client.put("/api/documents/1/access", json=body, headers={"X-CSRF-Token": "x"})
    assert forged.status_code == 403
    allowed = client.put("/api/documents/1/access", json=body, headers={"X-CSRF-Token": me["csrf"]})
    assert allowed.status_code == 404  # through authorisation: there is no document 1

    value = client.cookies[COOKIE]
    without_token = client.post("/logout", follow_redirects=False)
    assert without_token.status_code == 403  # signing out is a change too: it needs the token
    out = client.post("/logout", data={"csrf_token": me["csrf"]}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    replayed = TestClient(client.app, cookies={COOKIE: value})
    assert replayed.get("/api/me").status_code == 401  # the session is gone, not just the cookie


def test_sign_in_goes_only_to_pages_of_this_site(settings):
    client = TestClient(_app_with_user(settings))
    for elsewhere in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        assert _sign_in(client, next=elsewhere).headers["location"] == "/search"
        client.cookies.clear()


def test_tokens_act_for_their_user_until_revoked_or_the_user_is_deactivated(settings):
    app = _app_with_user(settings)
    admin = api_client(app, "admin", "quản-trị")
    issued = admin.post("/api/users/lan/tokens", json={"label": "xuất hằng đêm"})
    assert issued.status_code == 201
    token = issued.json()["token"]
    script = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    assert script.get("/api/me").json()["name"] == "lan"
    # A script's changes need no form token: no browser sends a bearer token by itself.
    assert (
        script.put("/api/documents/1/access", json={"access": "open", "reason": "x"}).status_code
        == 404
    )
    with Session(app.state.engine) as session:
        stored = session.exec(select(users.ApiToken)).all()
        assert token not in {row.token_hash for row in stored}
        assert all(PASSWORD not in u.password_hash for u in users.all_users(session))
        assert users.find(session, "lan").password_hash.startswith("$argon2id$")
        row = next(r for r in stored if r.label == "xuất hằng đêm")
        assert row.last_used is not None
    assert admin.delete(f"/api/tokens/{row.id}").status_code == 200
    assert script.get("/api/me").status_code == 401

    second = TestClient(app, headers={"Authorization": f"Bearer {_token(admin, 'lan')}"})
    assert second.get("/api/me").status_code == 200
    assert admin.patch("/api/users/lan", json={"active": False}).json()["active"] is False
    assert second.get("/api/me").status_code == 401
    assert _sign_in(TestClient(app)).status_code == 401
    assert (
        TestClient(app, headers={"Authorization": "Bearer sohoa_made-up"})
        .get("/api/me")
        .status_code
        == 401
    )


def test_the_admin_manages_accounts_and_each_change_is_an_event(settings):
    app = _app_with_user(settings)
    admin = api_client(app, "admin", "quản-trị")
    added = admin.post("/api/users", json={"name": "minh", "role": "staff", "password": PASSWORD})
    assert added.status_code == 201 and added.json()["role"] == "staff"
    assert "password_hash" not in added.json()
    again = admin.post("/api/users", json={"name": "minh", "role": "staff", "password": PASSWORD})
    assert again.status_code == 409 and "already" in again.json()["error"]["message"]
    bad_role = admin.post("/api/users", json={"name": "an", "role": "boss", "password": PASSWORD})
    assert bad_role.status_code == 422 and "admin, archivist" in bad_role.json()["error"]["message"]
    short = admin.post("/api/users", json={"name": "an", "role": "staff", "password": "ngắn"})
    assert short.status_code == 422
    assert admin.patch("/api/users/minh", json={"role": "auditor"}).json()["role"] == "auditor"
    assert admin.patch("/api/users/nobody", json={"role": "staff"}).status_code == 404
    with Session(app.state.engine) as session:
        events = [
            (e.action, e.actor)
            for e in session.exec(select(Event).order_by(Event.seq))
            if e.object_type == "user"
        ]
    assert ("user.added", "quản-trị") in events and ("user.role_changed", "quản-trị") in events
    assert all(PASSWORD not in str(e) for e in events)


def test_user_add_reads_the_password_from_stdin_and_the_token_works(settings):
    home = settings.home
    run_sohoa(
        home, "user", "add", "lan", "--role", "staff", "--password-stdin", input=PASSWORD + "\n"
    )
    short = run_sohoa(
        home, "user", "add", "an", "--role", "staff", "--password-stdin", input="x\n", check=False
    )
    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    assert [(u["name"], u["role"]) for u in run_json(home, "user", "list")] == [("lan", "staff")]
    token = run_sohoa(home, "user", "token", "lan").stdout.strip()
    client = TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/me").json()["role"] == "staff"
    assert client.get("/api/users").status_code == 403
    assert run_json(home, "trail", "verify")["ok"] is True


def test_serve_makes_the_first_admin_and_prints_how_to_sign_in(settings):
    home = settings.home
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [SOHOA, "serve", "--port", str(port)],
        env={**os.environ, "SOHOA_HOME": str(home), **database_env(home), "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [server.stdout.readline() for _ in range(4)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    said = "".join(lines)
    assert "Sign in as admin with password" in said, said
    password = said.split("with password ")[1].split()[0]
    client = TestClient(create_app(settings))
    assert _sign_in(client, "admin", password).status_code == 303
    assert client.get("/api/me").json()["role"] == "admin"


def test_the_first_admin_takes_the_password_from_the_environment(new_archive, tmp_path):
    from sohoa.api.cli_users import ensure_admin

    settings = new_archive(tmp_path / "archive", admin_password="mật khẩu của quản trị")
    assert ensure_admin(settings) == ("admin", None)
    assert ensure_admin(settings) is None  # only while there is no user
    client = TestClient(create_app(settings))
    assert _sign_in(client, "admin", "mật khẩu của quản trị").status_code == 303


def _token(admin: TestClient, name: str) -> str:
    return admin.post(f"/api/users/{name}/tokens").json()["token"]


def test_guessing_a_password_is_slowed_for_that_name_from_that_address(settings):
    client = TestClient(_app_with_user(settings))
    for _ in range(5):
        assert _sign_in(client, password="đoán mò mật khẩu").status_code == 401
    refused = _sign_in(client)  # the right password, but too late
    assert refused.status_code == 429 and "quá nhiều lần" in refused.text
    assert client.cookies.get(COOKIE) is None
    assert _sign_in(client, name="someone-else").status_code == 401  # another name: not locked


def test_the_throttle_forgets_after_its_window_and_a_success_clears_it():
    from sohoa.api.throttle import SignInThrottle

    now = [1000.0]
    throttle = SignInThrottle(limit=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        throttle.failed("Lan", "10.0.0.7")
    assert throttle.wait("lan", "10.0.0.7") == 60  # names compared without case
    assert throttle.wait("lan", "10.0.0.8") == 0  # from another desk: not locked
    now[0] += 61
    assert throttle.wait("lan", "10.0.0.7") == 0
    throttle.failed("lan", "10.0.0.7")
    throttle.succeeded("lan", "10.0.0.7")
    for _ in range(2):
        throttle.failed("lan", "10.0.0.7")
    assert throttle.wait("lan", "10.0.0.7") == 0  # the success started the count again


def test_every_answer_carries_the_security_headers(settings):
    client = TestClient(_app_with_user(settings))
    for path in ("/login", "/health", "/api/me", "/static/style.css"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert "script-src 'self'" in headers["content-security-policy"], path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
    assert "content-security-policy" not in client.get("/docs").headers  # Swagger UI's own script


def test_the_api_description_page_needs_no_internet(settings):
    client = TestClient(_app_with_user(settings))
    page = client.get("/docs")
    assert page.status_code == 200 and "/openapi.json" in page.text
    assert "cdn." not in page.text and "https://" not in page.text.split("<body>")[1]
    script = client.get("/docs/static/swagger-ui-bundle.js")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.text
    assert client.get("/redoc").status_code == 404  # ReDoc came from a CDN only
