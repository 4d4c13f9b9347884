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
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from sohoa.archive.database import open_database
from sohoa.archive.settings import Settings

POSTGRES_URL = os.environ.get("SOHOA_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]

_urls: dict[Path, str] = {}  # the home of each PostgreSQL archive made here -> its database URL
_names = itertools.count()
_prefix = f"sohoa_test_{os.getpid()}"
_template: str | None = None


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


def drop_template() -> None:
    """Drop this run's template database (at the end of the run)."""
    global _template
    if _template is not None:
        with _admin() as admin:
            admin.execute(text(f"DROP DATABASE IF EXISTS {_template} WITH (FORCE)"))
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
