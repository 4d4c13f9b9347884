"""The web pages in a real browser (headless Chromium): signing in and out, and a page the role
may not see. The machinery (server, browser, screenshots, waits) is in `browser.py`."""

from __future__ import annotations

import json

import pytest
from selenium.webdriver.common.by import By

from browser import make_user, screenshot, sign_in, sign_out, wait_for, wait_for_path
from sohoa.api.web import create_app
from sohoa.archive.settings import Settings


@pytest.fixture
def app(tmp_path):
    """The app over a new archive with a user of each role but the auditor's."""
    app = create_app(Settings(home=tmp_path / "archive"))
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
    browser.get(base + "/batches")
    wait_for_path(browser, "/login?next=/batches")
    sign_in(browser, base, "lan", next="/batches")
    wait_for_path(browser, "/batches")
    assert wait_for(browser, ".batches h1").text == "Lô số hóa"
    assert browser.find_element(By.CSS_SELECTOR, "header .who").text == "lan · Lưu trữ viên"
    cookie = browser.get_cookie("sohoa_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    me = signed_in_user(browser, base)
    assert (me["name"], me["role"]) == ("lan", "archivist") and "review" in me["may"]


def test_signing_in_without_a_page_asked_for_lands_on_search(app, live_server, browser):
    base = live_server(app)
    browser.get(base + "/api/me")
    assert "unauthorized" in browser.find_element(By.TAG_NAME, "body").text
    sign_in(browser, base, "hoa")
    wait_for_path(browser, "/search")
    assert wait_for(browser, "form.searchbox input[name=q]").get_attribute("value") == ""
    assert browser.find_element(By.CSS_SELECTOR, "header .who").text == "hoa · Quản trị"


def test_staff_on_a_page_their_role_may_not_see_get_the_refusal_page(app, live_server, browser):
    base = live_server(app)
    sign_in(browser, base, "minh", next="/batches")
    wait_for_path(browser, "/batches")
    assert wait_for(browser, ".refused h1").text == "Không có quyền truy cập"
    refusal = browser.find_element(By.CSS_SELECTOR, ".refused").text
    assert "Vai trò Cán bộ không được thực hiện thao tác này." in refusal
    assert browser.title == "Không có quyền · sohoa"
    nav = [link.text for link in browser.find_elements(By.CSS_SELECTOR, "header nav a")]
    assert "Lô số hóa" not in nav  # the header offers staff only what they may open
    screenshot(browser, "refused-staff-batches")


def test_signing_out_ends_the_session(app, live_server, browser):
    base = live_server(app)
    sign_in(browser, base, "minh", next="/search")
    assert wait_for(browser, "header .who").text == "minh · Cán bộ"
    sign_out(browser)
    wait_for_path(browser, "/login")
    assert wait_for(browser, ".login h1").text == "Đăng nhập"
    assert browser.get_cookie("sohoa_session") is None
    assert signed_in_user(browser, base) is None
    browser.get(base + "/search")
    wait_for_path(browser, "/login?next=/search")


def test_the_api_description_renders_without_the_internet(app, live_server, browser):
    """Swagger UI's files come from this server (CI has no internet to fetch them from)."""
    base = live_server(app)
    browser.get(base + "/docs")
    wait_for(browser, ".opblock", timeout=30)
    operations = browser.find_elements(By.CSS_SELECTOR, ".opblock")
    assert len(operations) >= 30
    assert "/api/search" in browser.find_element(By.TAG_NAME, "body").text
    screenshot(browser, "api-docs")
