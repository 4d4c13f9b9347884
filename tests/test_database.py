"""Models, migrations and the event trail on a fresh archive."""

import hashlib
import json

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, select

from conftest import api_client, run_sohoa
from sohoa.api.web import create_app
from sohoa.archive import checkpoints, trail
from sohoa.archive.database import alembic_config, migrate, open_database
from sohoa.archive.models import Batch, Disposal, Document, Event, Page


def test_migrations_create_the_schema_with_no_drift(engine):
    with engine.connect() as connection:
        command.check(alembic_config(connection))  # raises if models and migrations disagree
        tables = set(inspect(connection).get_table_names())
    assert {"batch", "document", "page", "ingestjob", "event", "alembic_version"} <= tables


def test_sqlite_runs_in_wal_mode(sqlite_settings):
    engine = open_database(sqlite_settings)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_the_migrations_go_down_to_nothing_and_up_again(engine):
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    migrate(engine)
    with engine.connect() as connection:
        command.check(alembic_config(connection))


def test_opening_an_archive_twice_migrates_once(settings, engine):
    again = open_database(settings)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with again.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head


def test_pages_stored_before_repair_get_no_edits_when_migrated(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
        connection.execute(
            text(
                "INSERT INTO document (id, sha256, name, size, mime, status, page_count, "
                "created, record_metadata) VALUES (1, :sha, 'x.pdf', 1, 'application/pdf', "
                "'ingested', 1, '2026-01-01 00:00:00', '{}')"
            ),
            {"sha": "b" * 64},
        )
        connection.execute(
            text(
                "INSERT INTO page (document_id, number, width, height, dpi, raw_text, text, "
                "words) VALUES (1, 1, 10, 20, 300, 'Kế', 'Kế', '[]')"
            )
        )
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    with Session(engine) as session:
        page = session.exec(select(Page)).one()
        assert (page.edits, page.review_count) == ([], 0)
    engine.dispose()


def test_document_and_pages_round_trip(engine):
    with Session(engine) as session:
        document = Document(sha256="a" * 64, name="samples/x.pdf", size=10, mime="application/pdf")
        session.add(document)
        session.flush()
        words = [{"text": "K&", "box": [1, 2, 3, 4], "conf": 0.9, "line": 0}]
        edits = [
            {
                "line": 1,
                "start": 0,
                "end": 2,
                "before": "K&",
                "after": "Kế",
                "confidence": 0.6,
                "review": True,
            }
        ]
        session.add(
            Page(
                document_id=document.id,
                number=1,
                width=10,
                height=20,
                dpi=300,
                raw_text="K&",
                text="Kế",
                words=words,
                confidence=0.9,
                edits=edits,
                review_count=1,
            )
        )
        session.commit()
        page = session.exec(select(Page)).one()
        assert page.words == words
        assert (page.edits, page.review_count) == (edits, 1)
        assert session.get(Document, document.id).record_metadata == {}


def test_trail_events_have_fixed_canonical_bytes_and_rfc6962_leaf_hashes(engine):
    with Session(engine) as session:
        first = trail.record(
            session,
            "batch.started",
            actor="lưu trữ",
            object_type="batch",
            object_id=1,
            details={"b": "hoà", "a": [1, 2]},
        )
        second = trail.record(
            session, "batch.finished", actor="archivist", object_type="batch", object_id=1
        )
        session.commit()
        assert (first.seq, second.seq) == (1, 2)
        data = trail.canonical_bytes(first)
        payload = json.loads(data)
        assert payload["details"] == {"a": [1, 2], "b": "hoà"}
        assert payload["time"].endswith("Z") and payload["actor"] == "lưu trữ"
        assert b" " not in data.replace("lưu trữ".encode(), b"")  # compact separators
        assert list(payload) == sorted(payload)
        assert first.leaf_hash == hashlib.sha256(b"\x00" + data).hexdigest()
        stored = session.exec(select(Event).where(Event.seq == 1)).one()
        assert trail.canonical_bytes(stored) == data  # re-read from the database: same bytes


def test_the_database_refuses_to_change_or_remove_events(engine):
    with Session(engine) as session:
        trail.record(session, "batch.started", actor="a", object_type="batch", object_id=1)
        session.add(Batch(actor="a"))
        session.commit()
    for statement in ("UPDATE event SET actor = 'mallory'", "DELETE FROM event"):
        with engine.connect() as connection, pytest.raises(DatabaseError, match="append-only"):
            connection.execute(text(statement))


def test_the_trail_checkpoints_and_tombstones_cannot_be_emptied_at_once(settings, engine):
    """PostgreSQL's TRUNCATE passes by row triggers: one of its own refuses it (SQLite has no
    TRUNCATE; its `DELETE FROM` of a whole table is refused like any other)."""
    with Session(engine) as session:
        trail.record(session, "batch.started", actor="a", object_type="batch", object_id=1)
        document = Document(sha256="a" * 64, name="x.pdf", size=1, mime="application/pdf")
        session.add(document)
        session.flush()
        session.add(
            Disposal(
                document_id=document.id,
                sha256=document.sha256,
                name=document.name,
                retention_until="2020-01-01",
                actor="a",
                reason="hết hạn",
            )
        )
        session.commit()
    checkpoints.seal_archive(settings, engine)
    emptying = "TRUNCATE {}" if engine.dialect.name == "postgresql" else "DELETE FROM {}"
    refusals = {
        "event": "the event trail is append-only",
        "checkpoint": "checkpoints are append-only",
        "disposal": "tombstones are kept for good",
    }
    for table, refusal in refusals.items():
        with engine.connect() as connection, pytest.raises(DatabaseError, match=refusal):
            connection.execute(text(emptying.format(table)))


def test_a_number_beyond_the_integer_columns_is_refused_not_overflowed(settings):
    """PostgreSQL's INTEGER is 32-bit: an id past it is refused as such by the API (422) and the
    CLI, on both engines, and the largest one is simply not found."""
    client = api_client(create_app(settings), "auditor")
    for path in ("/api/documents/{}", "/api/documents/1/pages/{}", "/api/trail/{}/proof"):
        assert client.get(path.format(2**31)).status_code == 422
        assert client.get(path.format(2**31 - 1)).status_code == 404
    for args in (("show", str(2**31)), ("trail", "proof", str(2**31))):
        refused = run_sohoa(settings.home, *args, check=False)
        assert refused.returncode == 2 and "less than or equal to 2147483647" in refused.stderr
    largest = run_sohoa(settings.home, "show", str(2**31 - 1), check=False)
    assert "no document with id 2147483647" in largest.stderr
