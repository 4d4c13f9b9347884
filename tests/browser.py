"""Real-browser tests' machinery: the app served on a free port, headless Chromium driven by
Selenium, and screenshots kept as test artefacts.

The browser is Debian's `chromium` with its `chromium-driver` (`scripts/setup.sh test` installs
both): the paths are given to Selenium and `SE_OFFLINE` is set, so Selenium Manager never looks
for, let alone downloads, a browser or a driver. The fixtures built on this (in `conftest.py`)
are `live_server`, `browser` and `downloads`; a failing browser test leaves a screenshot, the
page's HTML and its console in `test-artifacts/screenshots/`.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import uvicorn
from fastapi import FastAPI
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import WebDriverWait
from sqlmodel import Session

from sohoa.archive import users

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
PASSWORD = "mật khẩu trình duyệt"  # every browser test's users share it
WAIT = 10.0  # seconds a page or element is waited for: a loaded 2-core CI machine is slow


@contextlib.contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn in a background thread on a free 127.0.0.1 port; yields the
    base URL (`http://127.0.0.1:PORT`) once it answers, and stops it after.

    The socket is bound here, before uvicorn starts, so no other process can take the port
    between choosing it and serving on it."""
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + WAIT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(WAIT)
        listening.close()


def chromium(downloads: Path) -> webdriver.Chrome:
    """Headless Chromium, Vietnamese, 1366×900, saving downloads to `downloads` unasked."""
    os.environ["SE_OFFLINE"] = "1"  # Selenium Manager: never go online for a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
        "--disable-dev-shm-usage",  # containers' /dev/shm is small
        "--window-size=1366,900",
        "--lang=vi",
    ):
        options.add_argument(argument)
    downloads.mkdir(parents=True, exist_ok=True)
    options.add_experimental_option(
        "prefs",
        {
            "intl.accept_languages": "vi,vi-VN",
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the console, for failures
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)  # waits are explicit: `wait_for`
    return driver


def screenshot(driver: webdriver.Chrome, name: str) -> Path:
    """Save what the browser shows as `test-artifacts/screenshots/NAME.png`; its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{file_name(name)}.png"
    driver.save_screenshot(str(path))
    return path


def keep_failure(driver: webdriver.Chrome, test_name: str) -> None:
    """A failed test's screenshot, and beside it the page's HTML (what the DOM held) and what
    its scripts wrote to the console (`.console.txt`)."""
    path = screenshot(driver, f"{test_name}-failed")
    path.with_suffix(".html").write_text(driver.page_source, encoding="utf-8")
    console = "".join(f"{e['level']} {e['message']}\n" for e in driver.get_log("browser"))
    path.with_suffix(".console.txt").write_text(console, encoding="utf-8")


def file_name(name: str) -> str:
    """A test id (`test_x.py::test_y[whoosh]`) as a file name."""
    return re.sub(r"[^\w.-]+", "_", name).strip("_")


def wait_for(driver: webdriver.Chrome, css: str, timeout: float = WAIT) -> WebElement:
    """The first element matching `css` once it is visible; TimeoutException says which."""
    try:
        return WebDriverWait(driver, timeout).until(
            seen.visibility_of_element_located((By.CSS_SELECTOR, css))
        )
    except TimeoutException:
        raise TimeoutException(
            f"no visible {css!r} on {driver.current_url} after {timeout} s"
        ) from None


def wait_for_text(driver: webdriver.Chrome, css: str, text: str, timeout: float = WAIT) -> None:
    """Until the element matching `css` shows `text` (pages that update by script)."""
    try:
        WebDriverWait(driver, timeout).until(
            seen.text_to_be_present_in_element((By.CSS_SELECTOR, css), text)
        )
    except TimeoutException:
        raise TimeoutException(f"{css!r} never showed {text!r} on {driver.current_url}") from None


def wait_for_path(driver: webdriver.Chrome, path: str, timeout: float = WAIT) -> None:
    """Until the browser is at `path` (and query) on the test server."""
    try:
        WebDriverWait(driver, timeout).until(lambda d: local_path(d.current_url) == path)
    except TimeoutException:
        raise TimeoutException(f"the browser is at {driver.current_url}, not {path}") from None


def local_path(url: str) -> str:
    """`/login?next=/x` of `http://127.0.0.1:PORT/login?next=/x`."""
    return "/" + url.split("/", 3)[3] if url.count("/") >= 3 else url


def wait_for_download(directory: Path, suffix: str, timeout: float = 30.0) -> Path:
    """The file ending in `suffix` Chromium finished saving to `directory` (a download in
    progress is `*.crdownload`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in directory.glob(f"*{suffix}") if not p.name.endswith(".crdownload")]
        if done and not list(directory.glob("*.crdownload")):
            return max(done, key=lambda p: p.stat().st_mtime)
        time.sleep(0.1)
    raise TimeoutError(f"no *{suffix} downloaded to {directory} after {timeout} s")


def sign_in(
    driver: webdriver.Chrome, base: str, name: str, password: str = PASSWORD, next: str = ""
) -> None:
    """Fill in and send `/login`'s form (`next`: the page to land on), and wait until the
    answer has loaded (the page it lands on, or the form again with its error)."""
    driver.get(base + "/login" + (f"?next={quote(next)}" if next else ""))
    form = wait_for(driver, "form[action='/login']")
    form.find_element(By.NAME, "username").send_keys(name)
    form.find_element(By.NAME, "password").send_keys(password)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, WAIT).until(seen.staleness_of(form))


def sign_out(driver: webdriver.Chrome) -> None:
    """Press the header's sign-out button on the page shown, and wait for the next page."""
    button = wait_for(driver, "form.signout button[type=submit]")
    button.click()
    WebDriverWait(driver, WAIT).until(seen.staleness_of(button))


def make_user(app: FastAPI, name: str, role: str, password: str = PASSWORD) -> None:
    """An account on the served archive, to sign in with."""
    with Session(app.state.engine) as session:
        users.add_user(session, name, role, password, "test")
        session.commit()
