"""The database: one engine per archive, SQLite in WAL mode by default, migrated on open.

Several processes share one archive (`sohoa serve` answering while `sohoa ingest` runs, an
archivist's `sohoa edit` meanwhile). SQLite lets one write at a time and makes the others wait
(`busy_timeout`), but Python's driver begins a transaction only at its first write, after the
reads that write was based on: two processes appending trail events (numbered `max(seq) + 1`)
could read the same last number and collide. Work that reads in order to write calls
`write_lock` first, which takes the lock (`BEGIN IMMEDIATE`) before those reads.

`SOHOA_DATABASE_URL=postgresql+psycopg://…` puts the database on a PostgreSQL server instead
(the `scale` extra installs the driver). There writers do not exclude each other, so
`write_lock` takes one transaction-scoped advisory lock that every such writer shares: the same
one-at-a-time for the work that needs it, while other writes go on. Connections are checked
before use (`pool_pre_ping`): a server restart should not fail the next request.

The schema is owned by the Alembic migrations in `archive/migrations`; `open_database` brings any
archive, new or old, to the current schema before it is used. Tests may build tables directly,
nothing else does.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session

from sohoa.archive.settings import Settings

WRITE_LOCK_KEY = int.from_bytes(b"sohoa")  # PostgreSQL's advisory lock for `write_lock`


def open_database(settings: Settings) -> Engine:
    """Create the data directory if needed, connect, and migrate to the latest schema."""
    settings.home.mkdir(parents=True, exist_ok=True)
    url = make_url(settings.db_url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    migrate(engine)
    return engine


def write_lock(session: Session) -> None:
    """Hold the database's write lock from here to the end of the session's transaction, so
    what is read next is still true when it is written (waiting, if another process is
    writing, until it commits). Already writing in this transaction: the lock is held."""
    _lock(session.connection())


def _lock(connection: Connection) -> None:
    dialect = connection.dialect.name
    if dialect == "postgresql":  # held to the transaction's end; taken again: already held
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
    elif dialect == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def migrate(engine: Engine) -> None:
    """Apply every pending migration, under the write lock: processes opening a new archive
    at the same moment (a writer and its workers started together) migrate it once, in turn."""
    with engine.begin() as connection:
        _lock(connection)
        command.upgrade(alembic_config(connection), "head")


def alembic_config(connection=None) -> Config:
    """Alembic configuration pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", "sohoa.archive:migrations")
    config.attributes["connection"] = connection
    return config


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets searches read while an ingest writes; foreign keys are off by default in SQLite."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
