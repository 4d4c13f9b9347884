"""Restricted records: changing access is an event, and so is every reading of one."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from conftest import api_client, run_json, run_sohoa
from databases import archive_settings, copy_archive
from sohoa.api.web import create_app
from sohoa.archive import access, checkpoints
from sohoa.archive.database import open_database
from sohoa.archive.models import Document, Event


@pytest.fixture
def home(sample_archive, tmp_path):
    copy = tmp_path / "archive"
    copy_archive(sample_archive[0], copy)
    return copy


def _events(home, action):
    with Session(open_database(archive_settings(home=home))) as session:
        rows = session.exec(select(Event).where(Event.action == action).order_by(Event.seq))
        return [(e.actor, e.object_id, json.loads(e.details)) for e in rows]


def test_reading_a_restricted_record_is_recorded_through_the_cli_and_the_api(home):
    assert run_json(home, "show", "1")["access"] == "open"
    assert _events(home, "document.viewed") == []  # an open record is read freely
    reason = "QĐ 7/QĐ-LHH hạn chế"
    said = run_sohoa(
        home, "access", "1", "restricted", "--reason", reason, "--json", env={"SOHOA_ACTOR": "lan"}
    )
    changed = json.loads(said.stdout)
    assert changed == {"document_id": 1, "access": "restricted", "changed": True}
    assert _events(home, "access.changed") == [
        ("lan", 1, {"old": "open", "new": "restricted", "reason": "QĐ 7/QĐ-LHH hạn chế"})
    ]
    shown = run_sohoa(home, "show", "1", env={"SOHOA_ACTOR": "minh"}).stdout
    assert "restricted: your reading is recorded in the trail" in shown
    client = api_client(create_app(archive_settings(home=home)), "auditor")
    response = client.get("/api/documents/1")
    assert response.json()["access"] == "restricted"
    assert _events(home, "document.viewed") == [
        ("minh", 1, {"via": "cli"}),
        ("auditor", 1, {"via": "api"}),
    ]
    with Session(open_database(archive_settings(home=home))) as session:  # the reading is sealed
        count = len(session.exec(select(Event)).all())
        assert checkpoints.latest(session).tree_size == count
    assert run_json(home, "trail", "verify")["ok"] is True


def test_access_is_changed_through_the_api_with_a_reason(home):
    client = api_client(create_app(archive_settings(home=home)), "archivist")
    body = {"access": "restricted", "reason": "thông tin cá nhân"}
    assert client.put("/api/documents/2/access", json=body).json()["access"] == "restricted"
    assert client.put("/api/documents/2/access", json=body).json()["changed"] is False
    refused = client.put("/api/documents/2/access", json={"access": "secret", "reason": "x"})
    assert refused.status_code == 422 and "open, restricted" in refused.json()["error"]["message"]
    missing = client.put("/api/documents/99/access", json=body)
    assert missing.status_code == 404


def test_a_change_of_access_needs_a_reason_and_a_known_level(settings, engine):
    with Session(engine) as session:
        document = Document(sha256="a" * 64, name="x.pdf", size=1, mime="application/pdf")
        session.add(document)
        session.commit()
        with pytest.raises(ValueError, match="say why"):
            access.set_access(session, document, "restricted", "lan", " ")
        with pytest.raises(ValueError, match="not 'secret'"):
            access.set_access(session, document, "secret", "lan", "x")
        assert not access.record_view(session, document, "lan", "cli")
        assert session.exec(select(Event)).all() == []
