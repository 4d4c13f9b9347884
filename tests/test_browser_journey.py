"""The whole journey in a real browser (headless Chromium), as the users do it: the archivist
signs in, uploads a scan and waits for its batch; searching without diacritics finds it; the
document shows the matched words boxed on the page image; the auditor signs in and downloads
the procedure's audit report. A screenshot of each step is kept in test-artifacts/screenshots/.
"""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

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
    sign_out(browser)

    # The auditor downloads the procedure's audit report.
    sign_in(browser, base, "kiem", next=f"/procedures/{PROCEDURE}")
    wait_for_path(browser, f"/procedures/{PROCEDURE}")
    screenshot(browser, "journey-4-procedure")
    start = wait_for(browser, "form.report-form input[name=from]")
    browser.execute_script("arguments[0].value = '2000-01-01'", start)  # the scan's own date
    browser.find_element(By.CSS_SELECTOR, "form.report-form button[type=submit]").click()
    report = wait_for_download(downloads, ".html")
    text = report.read_text(encoding="utf-8")
    assert PROCEDURE in text and "thong-bao-hop-ban-thuong-vu.png" in text
