"""Shared fixtures: a throw-away archive, the bundled samples ingested once per test run, and
the real-browser tests' server and Chromium (machinery in `browser.py`).

Under CI=true a skipped test fails the run: everything a test needs is installed by `.ci/run`.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

import browser as real_browser
import databases
from sohoa.archive import storage
from sohoa.archive.database import open_database
from sohoa.archive.settings import Settings
from sohoa.search import ENGINES, engine_class

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
SOHOA = str(Path(sys.executable).parent / "sohoa")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def run_sohoa(
    home: Path, *args: str, check: bool = True, env: dict | None = None, input: str | None = None
):
    """Run the installed `sohoa` command against the archive at `home` (`input` on its stdin)."""
    environment = {
        **os.environ,
        "SOHOA_HOME": str(home),
        **databases.database_env(home),
        **(env or {}),
    }
    result = subprocess.run(
        [SOHOA, *args],
        input=input,
        capture_output=True,
        encoding="utf-8",
        env=environment,
        timeout=900,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"sohoa {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


def store_original(settings: Settings, source: Path, content: bytes) -> str:
    """Write `content` to `source` and store it as an original of the archive; its SHA-256."""
    source.write_bytes(content)
    sha = storage.sha256_of(source)
    storage.store(settings.originals_dir, source, sha)
    return sha


def one_line_page(text: str) -> Image.Image:
    """A small grey page with one printed line: quick to OCR, for tests of what happens around
    OCR (crashes, retries, repairs) rather than of how well it reads."""
    page = Image.new("L", (900, 120), 255)
    ImageDraw.Draw(page).text((20, 35), text, font=ImageFont.truetype(FONT, 40), fill=0)
    return page


def api_client(app, role: str = "archivist", name: str | None = None):
    """A TestClient over `app` acting as a user of this role (made if missing, named after the
    role unless `name` is given), signed in with an API token."""
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from sohoa.archive import users

    name = name or role
    _user(app, name, role)
    with Session(app.state.engine) as session:
        token = users.issue_token(session, users.find(session, name), "tests", "test")
        session.commit()
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


PASSWORD = "mật khẩu thử nghiệm"  # every test user's (`api_client`, `signed_in_browser`)


def signed_in_browser(app, role: str = "archivist", name: str | None = None):
    """A TestClient signed in like a browser (password, session cookie) as a user of this role
    (made if missing), and the session's form token for its forms."""
    from fastapi.testclient import TestClient

    name = name or role
    _user(app, name, role)
    client = TestClient(app)
    signed = client.post(
        "/login", data={"username": name, "password": PASSWORD}, follow_redirects=False
    )
    assert signed.status_code == 303, signed.text
    return client, client.get("/api/me").json()["csrf"]


def _user(app, name: str, role: str):
    from sqlmodel import Session

    from sohoa.archive import users

    with Session(app.state.engine) as session:
        user = users.find(session, name) or users.add_user(session, name, role, PASSWORD, "test")
        session.commit()
        session.refresh(user)
        return user


def run_json(home: Path, *args: str, env: dict | None = None):
    return json.loads(run_sohoa(home, *args, "--json", env=env).stdout)


@pytest.fixture(params=ENGINES)
def search_engine(request) -> str:
    """Each search engine in turn: a test that takes it runs against both."""
    return request.param


@pytest.fixture
def make_index(search_engine):
    """A new search index of the engine under test in a directory."""
    return engine_class(search_engine)


@pytest.fixture(scope="session", params=databases.BACKENDS)
def backend(request) -> str:
    """Each database engine in turn (`databases.BACKENDS`): a test that takes it, or `settings`,
    `engine`, `new_archive` or `sample_archive`, runs against each."""
    return request.param


@pytest.fixture
def new_archive(backend: str):
    """Make another empty archive on the database engine under test: `new_archive(home)` gives
    its Settings (keyword arguments are further settings); its database goes after the test."""
    with contextlib.ExitStack() as archives:

        def make(home: Path, **values) -> Settings:
            return archives.enter_context(databases.new_archive(backend, home, **values))

        yield make


@pytest.fixture
def settings(new_archive, tmp_path: Path) -> Settings:
    """A new, empty archive on the database engine under test."""
    return new_archive(tmp_path / "archive")


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    """A new, empty archive on SQLite, for what only SQLite does (`sohoa backup`)."""
    return Settings(home=tmp_path / "archive")


@pytest.fixture
def engine(settings: Settings):
    engine = open_database(settings)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sample_archive(backend, tmp_path_factory) -> tuple[Path, dict]:
    """The bundled samples ingested once into a fresh archive on each database engine:
    (SOHOA_HOME, ingest report). `databases.copy_archive` copies it for a test to change;
    `databases.archive_settings(home)` are its settings."""
    home = tmp_path_factory.mktemp(f"sample-archive-{backend}")
    with databases.new_archive(backend, home):
        yield home, run_json(home, "ingest", str(SAMPLES))


@pytest.fixture
def live_server():
    """Serve the web app over HTTP for a real browser: `base = live_server(app)` (or
    `live_server(settings)`, the app made over that archive) gives `http://127.0.0.1:PORT`;
    every server started is stopped after the test."""
    from sohoa.api.web import create_app

    def start(app) -> str:
        if isinstance(app, Settings):
            app = create_app(app)
        return servers.enter_context(real_browser.serve(app))

    with contextlib.ExitStack() as servers:
        yield start


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    """Where the `browser` saves what it downloads (`browser.wait_for_download` waits for a
    file there)."""
    return tmp_path / "downloads"


@pytest.fixture
def browser(downloads: Path):
    """Headless Chromium (Selenium WebDriver) for one test, quit after; a failed test leaves a
    screenshot in `test-artifacts/screenshots/` (`pytest_runtest_makereport`)."""
    driver = real_browser.chromium(downloads)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """When a test that drives a browser fails, keep what the browser showed."""
    report = yield
    driver = getattr(item, "funcargs", {}).get("browser")
    if driver is not None and report.failed and report.when == "call":
        try:
            real_browser.keep_failure(driver, f"{item.path.stem}.{item.name}")
        except Exception as error:  # the browser itself may be what failed
            report.sections.append(("screenshot", f"none taken: {error}"))
    return report


def pytest_sessionstart(session):
    """Under CI=true both servers must be there: without them the PostgreSQL half of every
    database test, and the worker tests, would quietly not run."""
    if os.environ.get("CI") == "true":
        missing = [
            name
            for name in ("SOHOA_TEST_POSTGRES_URL", "SOHOA_TEST_REDIS_URL")
            if not os.environ.get(name)
        ]
        if missing:
            raise pytest.UsageError(
                f"CI=true: {', '.join(missing)} not set; run the tests with scripts/test.sh"
            )


def pytest_sessionfinish(session, exitstatus):
    databases.drop_all()
    if os.environ.get("CI") == "true":
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        skipped = reporter.stats.get("skipped", []) if reporter else []
        if skipped:
            reporter.write_line(
                f"CI=true: {len(skipped)} test(s) skipped; a skip fails CI.", red=True
            )
            session.exitstatus = 1
