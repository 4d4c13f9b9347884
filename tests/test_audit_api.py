"""The auditor's side of the HTTP API: the trail (events, proofs, verification, checkpoint), a
procedure's audit report and BagIt exports as downloads, and the records past their retention;
restricted records only for roles that may read them."""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile

import bagit
import pytest
from audit_archive import SECRET, SECRET_SUBJECT, audit_app
from sqlmodel import Session, select

from conftest import api_client, run_sohoa
from databases import copy_archive
from sohoa.api import permissions
from sohoa.archive import checkpoints, keys, merkle, storage
from sohoa.archive.models import Document, Event


@pytest.fixture
def app(settings):
    return audit_app(settings)


@pytest.fixture
def auditor(app):
    return api_client(app, "auditor", "thu")


def _events(app, action: str) -> list[Event]:
    with Session(app.state.engine) as session:
        return list(session.exec(select(Event).where(Event.action == action)))


def _generated(page: bytes) -> bytes:
    """The report with the minute it was made left out: the one line two runs may differ in."""
    return re.sub(rb"L\xe1\xba\xadp l\xc3\xbac [0-9/: ]+", b"", page)


def test_the_report_download_is_the_file_the_cli_writes(app, auditor, tmp_path):
    auditor.get("/api/me")  # the auditor's account and token are events: seal them first
    checkpoints.seal_archive(app.state.settings, app.state.engine)
    app.state.engine.dispose()
    twin = tmp_path / "twin"  # the same archive, for the CLI
    copy_archive(app.state.settings.home, twin)

    response = auditor.get("/api/procedures/qt-ht-02/report?from=2024-01-01&to=2024-12-31")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "QT-HT-02" in disposition and "2024-01-01" in disposition and "2024-12-31" in disposition

    written = tmp_path / "report.html"
    run_sohoa(
        twin,
        *("audit", "report", "QT-HT-02", "--from", "2024-01-01", "--to", "2024-12-31"),
        *("--out", str(written)),
        env={"SOHOA_ACTOR": "thu"},
    )
    assert _generated(written.read_bytes()) != written.read_bytes()  # the line was found
    assert _generated(response.content) == _generated(written.read_bytes())
    assert "Kế hoạch đánh giá nội bộ năm 2024" in response.text
    assert "năm 2023" not in response.text.split("Trích nhật ký")[0]  # out of the period

    [event] = _events(app, "audit.reported")
    details = json.loads(event.details)
    assert event.actor == "thu" and (details["from"], details["records"]) == ("2024-01-01", 2)


def test_a_report_s_errors_are_json_with_the_right_status(auditor):
    unknown = auditor.get("/api/procedures/QT-XX-99/report")
    assert unknown.status_code == 404
    assert unknown.json()["error"] == {"code": "not_found", "message": "no procedure QT-XX-99"}
    bad = auditor.get("/api/procedures/QT-HT-02/report?from=2024")
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.json()["error"]["message"]
    blank = auditor.get("/api/procedures/QT-HT-02/report?from=&to=")  # a form left blank
    assert (
        blank.status_code == 200
        and "bao-cao-danh-gia-QT-HT-02-dau_nay" in blank.headers["content-disposition"]
    )


def _unzipped(response, into) -> list:
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        archive.extractall(into)
    [bag] = list(into.iterdir())
    return bag


def test_an_export_is_a_valid_bag_of_the_procedure_s_records(app, auditor, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    response = auditor.post("/api/exports", json={"procedure": "qt-ht-02"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert "sohoa-quy-trinh-QT-HT-02" in response.headers["content-disposition"]
    assert list((tmp_path / "tmp").iterdir()) == []  # the temporary bag and zip are gone

    bag = _unzipped(response, tmp_path / "out")
    assert bagit.Bag(str(bag)).is_valid()
    folders = sorted(p.name for p in (bag / "data" / "records").iterdir())
    assert folders == ["000001", "000002", "000003"]  # the auditor may read the restricted one
    record = json.loads((bag / "data" / "records" / "000003" / "record.json").read_text())
    assert record["metadata"]["subject"] == SECRET_SUBJECT
    events = json.loads((bag / "data" / "events.json").read_text())["events"]
    assert {e["eventDetail"] for e in events} >= {"procedure.added", "procedure.linked"}

    [event] = _events(app, "export.bagged")
    details = json.loads(event.details)
    assert event.actor == "thu"
    assert (details["code"], details["documents"], details["restricted"]) == ("QT-HT-02", 3, [3])


def test_a_role_that_may_not_read_restricted_records_exports_without_them(
    app, tmp_path, monkeypatch
):
    monkeypatch.setitem(permissions.GRANTS, "export", frozenset({"auditor", "staff"}))
    response = api_client(app, "staff", "an").post("/api/exports", json={"procedure": "QT-HT-02"})
    assert response.status_code == 200, response.text
    bag = _unzipped(response, tmp_path / "out")
    assert bagit.Bag(str(bag)).is_valid()
    assert sorted(p.name for p in (bag / "data" / "records").iterdir()) == ["000001", "000002"]
    assert SECRET_SUBJECT not in "".join(
        p.read_text() for p in bag.rglob("*") if p.is_file() and p.suffix in (".json", ".txt")
    )
    assert json.loads(_events(app, "export.bagged")[0].details)["restricted"] == []


def test_an_export_of_nothing_known_is_refused(auditor):
    for body, status, words in [
        ({"procedure": "QT-XX-99"}, 404, "no procedure QT-XX-99"),
        ({"batch": 424242}, 404, "no batch with id 424242"),
        ({}, 422, "procedure or batch"),
        ({"procedure": "QT-HT-02", "batch": 1}, 422, "procedure or batch"),
    ]:
        response = auditor.post("/api/exports", json=body)
        assert response.status_code == status, body
        assert words in response.json()["error"]["message"], body


def test_the_trail_lists_filters_and_pages_events(app, auditor):
    everything = auditor.get("/api/trail").json()
    assert everything["total"] == len(everything["events"]) > 5
    seqs = [e["seq"] for e in everything["events"]]
    assert seqs == sorted(seqs)  # oldest first, as `sohoa trail log --json`

    linked = auditor.get("/api/trail", params={"action": "procedure.linked"}).json()
    assert linked["total"] == 3 and {e["object_id"] for e in linked["events"]} == {1, 2, 3}
    prefix = auditor.get("/api/trail", params={"action": "procedure."}).json()
    assert {e["action"] for e in prefix["events"]} == {"procedure.added", "procedure.linked"}
    secret = auditor.get("/api/trail", params={"document": SECRET}).json()
    assert [e["action"] for e in secret["events"]] == ["procedure.linked", "access.changed"]
    by_lan = auditor.get("/api/trail", params={"actor": "lan"}).json()
    assert by_lan["total"] == 4 and {e["actor"] for e in by_lan["events"]} == {"lan"}
    later = auditor.get("/api/trail", params={"since": "2999-01-01"}).json()
    assert (later["total"], later["events"]) == (0, [])
    today = auditor.get("/api/trail", params={"since": "2020-01-01", "action": "access."}).json()
    assert today["total"] == 1

    newest = auditor.get("/api/trail", params={"limit": 2}).json()
    before = auditor.get("/api/trail", params={"limit": 2, "offset": 2}).json()
    assert [e["seq"] for e in newest["events"]] == seqs[-2:]
    assert [e["seq"] for e in before["events"]] == seqs[-4:-2]
    assert newest["total"] == before["total"] == everything["total"]

    bad = auditor.get("/api/trail", params={"since": "hôm qua"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"


def test_an_event_s_proof_leads_to_the_signed_root(auditor):
    proof = auditor.get("/api/trail/1/proof").json()
    assert proof["included"] is True
    merkle.check_inclusion(
        bytes.fromhex(proof["event"]["leaf_hash"]),
        proof["leaf_index"],
        proof["tree_size"],
        [bytes.fromhex(h) for h in proof["inclusion"]],
        bytes.fromhex(proof["root"]),
    )
    missing = auditor.get("/api/trail/999999/proof")
    assert missing.status_code == 404 and missing.json()["error"]["message"] == "no event 999999"


def test_the_checkpoint_to_keep_is_the_signed_note_and_verifies_later(app, auditor):
    response = auditor.get("/api/trail/checkpoint")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/")
    assert "attachment" in response.headers["content-disposition"]
    public = keys.load_public(app.state.settings.keys_dir)
    signed = checkpoints.parse(response.text, public)
    assert signed.tree_size == int(response.headers["x-sohoa-tree-size"])
    with Session(app.state.engine) as session:
        assert checkpoints.latest(session).tree_size == signed.tree_size  # every event sealed
    checked = auditor.post("/api/trail/verify", json={"against": response.text}).json()
    assert checked["ok"] is True and checked["against"]["tree_size"] == signed.tree_size


def test_verification_is_ok_until_an_original_is_altered_on_disk(app, auditor):
    fresh = auditor.post("/api/trail/verify")
    assert fresh.status_code == 200
    assert fresh.json()["ok"] is True and fresh.json()["originals"]["checked"] == 4

    with Session(app.state.engine) as session:
        document = session.get(Document, 2)
    path = storage.original_path(app.state.settings.originals_dir, document.sha256)
    path.chmod(0o644)
    path.write_bytes(b"%PDF-1.4 a forged scan")
    damaged = auditor.post("/api/trail/verify").json()
    assert damaged["ok"] is False
    assert [(p["kind"], p["where"]) for p in damaged["problems"]] == [
        ("original", "document #2 (hs-2.pdf)")
    ]
    trail_only = auditor.post("/api/trail/verify", json={"originals": False}).json()
    assert trail_only["ok"] is True and trail_only["originals"]["checked"] == 0


def test_records_past_their_retention_are_listed_restricted_ones_to_whom_may_read_them(app):
    due = api_client(app, "auditor").get("/api/retention/due", params={"on": "2999-01-01"})
    assert [r["id"] for r in due.json()] == [3, 1, 2]  # oldest first: the 2023 record
    assert due.json()[0]["retention"]["procedures"] == ["QT-HT-02"]
    admin = api_client(app, "admin").get("/api/retention/due", params={"on": "2999-01-01"})
    assert [r["id"] for r in admin.json()] == [1, 2]
    assert api_client(app, "auditor").get("/api/retention/due").json() == []  # none today
    assert api_client(app, "staff").get("/api/retention/due").status_code == 403


def test_a_procedure_s_records_hide_restricted_ones_from_roles_without_read_restricted(app):
    for role, ids in [("auditor", [1, 2, 3]), ("archivist", [1, 2, 3]), ("staff", [1, 2])]:
        client = api_client(app, role)
        shown = client.get("/api/procedures/QT-HT-02").json()
        assert [d["id"] for d in shown["documents"]] == ids, role
        assert shown["linked_documents"] == len(ids), role
        listed = {p["code"]: p for p in client.get("/api/procedures").json()}
        assert listed["QT-HT-02"]["linked_documents"] == len(ids), role


def test_every_audit_route_is_described_with_its_errors(app):
    spec = api_client(app, "auditor").get("/openapi.json").json()
    for path, method, statuses, shown in [
        ("/api/trail", "get", {"401", "403", "422"}, "422"),
        ("/api/trail/{seq}/proof", "get", {"404"}, "404"),
        ("/api/trail/verify", "post", {"403", "500"}, "403"),
        ("/api/trail/checkpoint", "get", {"404"}, "404"),
        ("/api/procedures/{code}/report", "get", {"404", "422"}, "404"),
        ("/api/exports", "post", {"404", "409", "422"}, "409"),
        ("/api/retention/due", "get", {"403"}, "422"),
    ]:
        operation = spec["paths"][path][method]
        assert operation["summary"], path
        assert statuses <= set(operation["responses"]), path
        for status in statuses:
            body = operation["responses"][status]["content"]["application/json"]
            assert body["schema"]["$ref"].endswith("/ErrorBody"), (path, status)
        example = operation["responses"][shown]["content"]["application/json"]["example"]
        assert set(example["error"]) == {"code", "message"}, path
    assert "/procedures" not in spec["paths"] and "/trail" not in spec["paths"]  # pages
