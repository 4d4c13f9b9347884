"""The database engines the tests run on: SQLite always, PostgreSQL too when
`SOHOA_TEST_POSTGRES_URL` names a server (a role allowed to create databases).

Each PostgreSQL archive gets a database of its own, cloned from a template migrated once per
run (cloning is several times quicker than migrating an empty one) and dropped after its test.
An archive's home is registered with its database URL, so the real CLI run on that home
(`conftest.run_sohoa`) and `archive_settings(home)` reach the same database.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from sohoa.archive.database import open_database
from sohoa.archive.settings import Settings

POSTGRES_URL = os.environ.get("SOHOA_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]

# A test of what sohoa does on SQLite alone (`sohoa backup`): its archive is on SQLite only.
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

_urls: dict[Path, str] = {}  # the home of each PostgreSQL archive made here -> its database URL
_names = itertools.count()
_prefix = f"sohoa_test_{os.getpid()}"
_template: str | None = None
_copies: list[str] = []  # the databases of the archives `copy_archive` made


def archive_settings(home: Path, **values) -> Settings:
    """The settings of the archive at `home`, on the database it was made with."""
    url = _urls.get(Path(home))
    return Settings(home=home, **({"database_url": url} | values if url else values))


def database_env(home: Path) -> dict[str, str]:
    """What a `sohoa` process run on `home` needs in its environment to reach its database."""
    url = _urls.get(Path(home))
    return {"SOHOA_DATABASE_URL": url} if url else {}


@contextlib.contextmanager
def new_archive(backend: str, home: Path, **values):
    """Settings of a new, empty archive at `home` on `backend` (its database dropped after)."""
    if backend == "sqlite":
        yield Settings(home=home, **values)
        return
    name = f"{_prefix}_{next(_names)}"
    with _admin() as admin:
        admin.execute(text(f"CREATE DATABASE {name} TEMPLATE {_migrated_template()}"))
    url = _url_of(name)
    _urls[Path(home)] = url
    try:
        yield Settings(home=home, database_url=url, **values)
    finally:
        del _urls[Path(home)]
        with _admin() as admin:
            admin.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def copy_archive(source: Path, target: Path) -> Path:
    """Copy the archive at `source` to `target`, its database too (dropped at the end of the
    run): a copy for a test to change."""
    shutil.copytree(source, target)
    url = _urls.get(Path(source))
    if url is not None:
        name = f"{_prefix}_{next(_names)}"
        with _admin() as admin:
            # cloning needs the source to itself: connections left open to it are cut (an engine
            # over it reconnects: `pool_pre_ping`)
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": make_url(url).database},
            )
            admin.execute(text(f"CREATE DATABASE {name} TEMPLATE {make_url(url).database}"))
        _copies.append(name)
        _urls[Path(target)] = _url_of(name)
    return target


def drop_all() -> None:
    """Drop this run's template database and the copies' (at the end of the run)."""
    global _template
    left = [*_copies, *([_template] if _template else [])]
    if not left:
        return
    with _admin() as admin:
        for name in left:
            admin.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    _copies.clear()
    _template = None


def _migrated_template() -> str:
    """This run's template database, made and migrated to the current schema the first time."""
    global _template
    if _template is None:
        name = f"{_prefix}_template"
        with _admin() as admin:
            admin.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.execute(text(f"CREATE DATABASE {name}"))
        with tempfile.TemporaryDirectory() as home:
            engine = open_database(Settings(home=Path(home), database_url=_url_of(name)))
            engine.dispose()  # a template must have no connections to be cloned
        _template = name
    return _template


def _url_of(database: str) -> str:
    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


@contextlib.contextmanager
def _admin():
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def drop_append_only(connection, *tables: str) -> None:
    """Take away what keeps `tables` append-only, as someone with full write access to the
    database could (SQLite's triggers dropped, PostgreSQL's disabled): for tests of tampering."""
    for table in tables:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        else:
            for verb in ("update", "delete"):
                connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{verb}"))
