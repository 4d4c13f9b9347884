"""The admin's accounts page: add a person, change a role, set a password, stop someone signing
in, issue and revoke API tokens; every form needs the session's form token, and each change is
an event."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from conftest import api_client, signed_in_browser
from sohoa.api.web import create_app
from sohoa.archive.models import Event

PASSWORD = "mật khẩu đủ dài"


def _admin_browser(settings) -> tuple[TestClient, str]:
    return signed_in_browser(create_app(settings), "admin", "quantri")


def test_the_admin_adds_a_person_changes_the_role_and_locks_them_out(settings):
    browser, csrf = _admin_browser(settings)
    page = browser.get("/users")
    assert page.status_code == 200 and "quantri" in page.text and 'href="/users"' in page.text
    form = {"csrf_token": csrf, "name": "lan", "role": "archivist", "password": PASSWORD}
    assert browser.post("/users", data={**form, "csrf_token": ""}).status_code == 403
    added = browser.post("/users", data=form)
    assert added.status_code == 200 and "Đã thêm người dùng lan." in added.text
    again = browser.post("/users", data=form)
    assert again.status_code == 422 and "already a user named" in again.text
    role = browser.post("/users/lan/role", data={"csrf_token": csrf, "role": "auditor"})
    assert "Đã đổi vai trò của lan." in role.text
    lan = TestClient(browser.app)
    lan.post("/login", data={"username": "lan", "password": PASSWORD})
    assert lan.get("/api/me").json()["role"] == "auditor"
    locked = browser.post("/users/lan/active", data={"csrf_token": csrf, "active": "false"})
    assert "lan không còn đăng nhập được." in locked.text
    assert lan.get("/api/me").status_code == 401  # the session ended with the lock
    assert (
        browser.post("/users/ai/role", data={"csrf_token": csrf, "role": "staff"}).status_code
        == 404
    )
    with Session(browser.app.state.engine) as session:
        actions = [e.action for e in session.exec(select(Event)) if e.actor == "quantri"]
    assert {"user.added", "user.role_changed", "user.deactivated"} <= set(actions)


def test_a_token_is_shown_once_works_and_is_revoked(settings):
    browser, csrf = _admin_browser(settings)
    issued = browser.post("/users/quantri/tokens", data={"csrf_token": csrf, "label": "xuất đêm"})
    [token] = re.findall(r'<code class="token">(sohoa_[^<]+)</code>', issued.text)
    assert token not in browser.get("/users").text  # once, never again
    script = TestClient(browser.app, headers={"Authorization": f"Bearer {token}"})
    assert script.get("/api/me").json()["name"] == "quantri"
    [token_id] = re.findall(r'action="/tokens/(\d+)/revoke"', browser.get("/users").text)
    revoked = browser.post(f"/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert "Đã thu hồi mã truy cập." in revoked.text and "đã thu hồi" in revoked.text
    assert script.get("/api/me").status_code == 401


def test_the_accounts_page_is_the_admin_s(settings):
    app = create_app(settings)
    for role in ("staff", "archivist", "auditor"):
        assert api_client(app, role).get("/users").status_code == 403
    assert 'href="/users"' not in api_client(app, "auditor").get("/search").text
