"""The whole journey in a real browser (headless Chromium), as the users do it: the archivist
signs in, uploads a scan and waits for its batch; searching without diacritics finds it; the
document shows the matched words boxed on the page image; the archivist corrects a word of it in
the review queue; the auditor signs in and downloads the procedure's audit report. A screenshot
of each step is kept in test-artifacts/screenshots/.
"""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlmodel import Session, select

from browser import (
    make_user,
    screenshot,
    sign_in,
    sign_out,
    wait_for,
    wait_for_download,
    wait_for_path,
)
from conftest import SAMPLES
from sohoa.api.web import create_app
from sohoa.archive.models import Page
from sohoa.archive.settings import Settings

SCAN = SAMPLES / "thong-bao-hop-ban-thuong-vu.png"
PROCEDURE = "QT-HT-01"
INGEST_WAIT = 300  # one page's OCR on a busy 2-core machine


def test_upload_search_read_and_audit(tmp_path, live_server, browser, downloads):
    app = create_app(Settings(home=tmp_path / "archive", workers=2))
    make_user(app, "lan", "archivist")
    make_user(app, "kiem", "auditor")
    base = live_server(app)

    # The archivist uploads a scan, linked to a procedure, and watches its ingest.
    sign_in(browser, base, "lan", next="/batches")
    wait_for_path(browser, "/batches")
    wait_for(browser, "#files").send_keys(str(SCAN))
    Select(browser.find_element(By.NAME, "procedure")).select_by_value(PROCEDURE)
    browser.find_element(By.ID, "send").click()
    WebDriverWait(browser, INGEST_WAIT).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".progress-line[data-state=done]")
    )
    status = browser.find_element(By.ID, "upload-status").text
    assert "Xong" in status and "tệp 1/1" in status and "đã số hóa" in status, status
    screenshot(browser, "journey-1-uploaded")
    browser.get(base + "/batches")
    assert "Đã số hóa: 1" in wait_for(browser, ".batch-list").text

    # Searching without diacritics finds it, its words marked.
    browser.get(base + "/search")
    box = wait_for(browser, "input[name=q]")
    box.send_keys("thong bao hop ban thuong vu")
    box.submit()
    first = wait_for(browser, "ol.hits li.hit")
    assert first.find_elements(By.TAG_NAME, "mark"), first.text
    screenshot(browser, "journey-2-search")

    # The document: the page image, with the matched words boxed on it.
    first.find_element(By.CSS_SELECTOR, "h2 a").click()
    image = wait_for(browser, "figure.page-image img")
    WebDriverWait(browser, 60).until(
        lambda d: d.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth", image
        )
    )
    boxes = browser.find_elements(By.CSS_SELECTOR, "figure.page-image .hit-box")
    assert boxes, "no matched word is boxed on the page image"
    assert all(b.size["width"] > 0 and b.size["height"] > 0 for b in boxes)
    assert {b.get_attribute("title").lower() for b in boxes} & {"thông", "báo", "họp"}
    screenshot(browser, "journey-3-document")

    # The page is in the review queue (scanned below 200 dpi): the archivist corrects a word.
    wrong = _a_word_said_once(app)
    right = wrong.upper()
    browser.get(base + "/review")
    item = wait_for(browser, "li.item")
    assert "Độ phân giải thấp" in item.text
    form = item.find_element(By.CSS_SELECTOR, "form.any-word")
    form.find_element(By.NAME, "found").send_keys(wrong)
    form.find_element(By.NAME, "word").send_keys(right)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert f"Đã sửa thành: {right}" in wait_for(browser, ".notice.ok").text
    screenshot(browser, "journey-4-review")
    with Session(app.state.engine) as session:
        assert f" {right}" in session.exec(select(Page.text)).one().replace("\n", " ")
    sign_out(browser)

    # The auditor downloads the procedure's audit report.
    sign_in(browser, base, "kiem", next=f"/procedures/{PROCEDURE}")
    wait_for_path(browser, f"/procedures/{PROCEDURE}")
    screenshot(browser, "journey-5-procedure")
    start = wait_for(browser, "form.report-form input[name=from]")
    browser.execute_script("arguments[0].value = '2000-01-01'", start)  # the scan's own date
    browser.find_element(By.CSS_SELECTOR, "form.report-form button[type=submit]").click()
    report = wait_for_download(downloads, ".html")
    text = report.read_text(encoding="utf-8")
    assert PROCEDURE in text and "thong-bao-hop-ban-thuong-vu.png" in text


def _a_word_said_once(app) -> str:
    """A word of letters that the ingested page says exactly once, lower case in places."""
    with Session(app.state.engine) as session:
        text = session.exec(select(Page.text)).one()
    words = re.findall(r"\w+", text)
    return next(
        w for w in words if len(w) >= 4 and w.isalpha() and w != w.upper() and words.count(w) == 1
    )
