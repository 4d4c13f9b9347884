"""The web pages in a real browser (headless Chromium): signing in and out, and a page the role
may not see. The machinery (server, browser, screenshots, waits) is in `browser.py`."""

from __future__ import annotations

import json

import pytest
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from selenium.webdriver.common.by import By

from browser import make_user, screenshot, sign_in, sign_out, wait_for, wait_for_path, wait_for_text
from sohoa.api import permissions, templating
from sohoa.api.auth import AuthorisedRoute
from sohoa.api.web import create_app
from sohoa.archive.settings import Settings

ADMIN_PAGE = "/test-only/admin-page"
ADMIN_TEMPLATE = templating.templates.env.from_string(
    '{% extends "base.html" %}{% block main %}<h1 class="admin">Quản trị</h1>{% endblock %}'
)


@pytest.fixture
def app(tmp_path, monkeypatch):
    """The app over a new archive with one user of each role, plus an admin-only page.

    The page is the test's own (main has no admin-only web page yet): it needs the `users`
    permission, so it goes through the same table and refusal as every real page."""
    app = create_app(Settings(home=tmp_path / "archive"))
    monkeypatch.setitem(permissions.ROUTES, ("GET", ADMIN_PAGE), "users")
    pages = APIRouter(route_class=AuthorisedRoute)

    @pages.get(ADMIN_PAGE)
    def admin_page(request: Request) -> HTMLResponse:
        state = request.state
        return HTMLResponse(ADMIN_TEMPLATE.render(user=state.user, may=set(), csrf=state.csrf))

    app.include_router(pages)
    for name, role in (("hoa", "admin"), ("lan", "archivist"), ("minh", "staff")):
        make_user(app, name, role)
    return app


def signed_in_user(driver, base: str) -> dict | None:
    """What `/api/me` says in this browser: the user, or None (401)."""
    driver.get(base + "/api/me")
    answer = json.loads(driver.find_element(By.TAG_NAME, "body").text)
    return None if "error" in answer else answer


def test_a_wrong_password_is_refused_in_vietnamese(app, live_server, browser):
    base = live_server(app)
    sign_in(browser, base, "lan", "không phải mật khẩu")
    error = wait_for(browser, ".login .error[role=alert]")
    assert error.text == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert browser.find_element(By.NAME, "username").get_attribute("value") == "lan"
    assert browser.find_element(By.NAME, "password").get_attribute("value") == ""
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    screenshot(browser, "login-wrong-password")
    assert signed_in_user(browser, base) is None


def test_signing_in_lands_on_the_page_asked_for(app, live_server, browser):
    base = live_server(app)
    browser.get(base + "/api/me")
    assert "unauthorized" in browser.find_element(By.TAG_NAME, "body").text

    sign_in(browser, base, "lan", next="/api/me")
    wait_for_path(browser, "/api/me")
    me = json.loads(browser.find_element(By.TAG_NAME, "body").text)
    assert (me["name"], me["role"]) == ("lan", "archivist") and "review" in me["may"]
    cookie = browser.get_cookie("sohoa_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"


def test_a_page_needing_sign_in_comes_back_after_it(app, live_server, browser):
    base = live_server(app)
    browser.get(base + ADMIN_PAGE)
    wait_for_path(browser, f"/login?next={ADMIN_PAGE}")
    sign_in(browser, base, "hoa", next=ADMIN_PAGE)
    wait_for_path(browser, ADMIN_PAGE)
    assert wait_for(browser, "h1.admin").text == "Quản trị"
    assert browser.find_element(By.CSS_SELECTOR, "header .who").text == "hoa · Quản trị"


def test_staff_on_an_admin_page_see_the_refusal_page(app, live_server, browser):
    base = live_server(app)
    sign_in(browser, base, "minh", next=ADMIN_PAGE)
    wait_for_path(browser, ADMIN_PAGE)
    assert wait_for(browser, ".refused h1").text == "Không có quyền truy cập"
    assert (
        "Vai trò Cán bộ không được thực hiện thao tác này."
        in browser.find_element(By.CSS_SELECTOR, ".refused").text
    )
    assert browser.title == "Không có quyền · sohoa"
    screenshot(browser, "refused-staff-admin-page")


def test_signing_out_ends_the_session(app, live_server, browser):
    base = live_server(app)
    sign_in(browser, base, "minh", next=ADMIN_PAGE)
    wait_for_text(browser, "header .who", "minh · Cán bộ")
    sign_out(browser)
    wait_for_path(browser, "/login")
    assert wait_for(browser, ".login h1").text == "Đăng nhập"
    assert browser.get_cookie("sohoa_session") is None
    assert signed_in_user(browser, base) is None
    browser.get(base + ADMIN_PAGE)
    wait_for_path(browser, f"/login?next={ADMIN_PAGE}")
