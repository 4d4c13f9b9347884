"""Uploads over HTTP: refusals answered with the API's error shape and nothing kept, and real
uploads (a file, a zip of two) ingested in the background until they can be searched."""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest
from fastapi.testclient import TestClient

from conftest import SAMPLES, api_client
from sohoa.api.background import MANIFEST
from sohoa.api.upload import stage_files
from sohoa.api.web import create_app
from sohoa.archive import ingest_lock
from sohoa.archive.settings import Settings


@pytest.fixture
def settings(new_archive, tmp_path) -> Settings:
    return new_archive(tmp_path / "archive", workers=2)


@pytest.fixture
def client(settings):
    with api_client(create_app(settings), "archivist", "chi.lan") as client:  # lifespan: worker
        yield client


def leftovers(settings: Settings) -> list:
    return list(settings.uploads_dir.iterdir()) if settings.uploads_dir.exists() else []


def refused(response, status: int, code: str, words: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert words in error["message"]


def test_a_file_above_the_limit_is_refused_with_413(settings, client):
    settings.max_file_bytes = 10_000
    response = client.post("/api/uploads", files=[("files", ("big.pdf", b"%PDF" + bytes(20_000)))])
    refused(response, 413, "too_large", "big.pdf is larger than 9.8 KiB")
    assert leftovers(settings) == []


def test_an_upload_larger_than_its_limit_is_refused_before_it_is_read(settings, client):
    settings.max_upload_bytes = 10_000
    files = [("files", (f"{n}.pdf", bytes(3 << 20))) for n in range(2)]
    refused(client.post("/api/uploads", files=files), 413, "too_large", "SOHOA_MAX_UPLOAD_BYTES")
    assert leftovers(settings) == []


def test_unsafe_uploads_are_refused_with_422_and_nothing_is_kept(settings, client):
    slip = io.BytesIO()
    with zipfile.ZipFile(slip, "w") as archive:
        archive.writestr("ok.pdf", b"%PDF")
        archive.writestr("../../../../tmp/evil.pdf", b"evil")
    response = client.post("/api/uploads", files=[("files", ("slip.zip", slip.getvalue()))])
    refused(response, 422, "invalid_upload", "points outside the zip")
    response = client.post("/api/uploads", files=[("files", ("..", b"%PDF"))])
    refused(response, 422, "invalid_upload", "not a file name")
    response = client.post("/api/uploads", files=[("document", ("a.pdf", b"%PDF"))])
    refused(response, 422, "invalid_upload", "field `files`")
    response = client.post(
        "/api/uploads", files=[("files", ("a.pdf", b"%PDF"))], data={"procedure": "QT-NONE"}
    )
    refused(response, 422, "invalid_request", "QT-NONE")
    refused(client.post("/api/uploads", json={"files": []}), 400, "bad_request", "multipart")
    assert leftovers(settings) == []


def test_unknown_uploads_and_batches_are_404(client):
    refused(client.get("/api/uploads/nope"), 404, "not_found", "no upload nope")
    refused(client.get("/api/batches/99"), 404, "not_found", "no batch with id 99")
    assert client.get("/api/batches").json() == {"total": 0, "offset": 0, "batches": []}


def wait_for(client: TestClient, upload_id: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        progress = client.get(f"/api/uploads/{upload_id}").json()
        if progress["state"] in ("done", "failed"):
            return progress
        time.sleep(0.5)
    raise AssertionError(f"upload {upload_id} not ingested in {timeout} s: {progress}")


def test_uploads_are_ingested_in_the_background_and_searchable(settings, client):
    tif = (SAMPLES / "bao-cao-hoat-dong-6-thang.tif").read_bytes()
    png = (SAMPLES / "thong-bao-hop-ban-thuong-vu.png").read_bytes()
    folder = io.BytesIO()
    with zipfile.ZipFile(folder, "w") as archive:
        archive.writestr("hồ sơ 2024/báo cáo.tif", tif)
        archive.writestr("hồ sơ 2024/thông báo/họp.png", png)
    first = client.post(
        "/api/uploads",
        files=[("files", ("hồ sơ 2024.zip", folder.getvalue(), "application/zip"))],
        data={"procedure": "QT-HT-02"},
    )
    assert first.status_code == 202, first.text
    queued = first.json()
    assert queued["state"] in ("queued", "running")
    assert queued["received"]["files"] == 2
    assert first.headers["location"] == f"/api/uploads/{queued['id']}"
    # A second upload waits for the first: the same PNG again, a duplicate.
    second = client.post("/api/uploads", files=[("files", ("again.png", png))])
    assert second.status_code == 202

    done = wait_for(client, queued["id"])
    assert done["state"] == "done", done["error"]
    assert done["files"] == {"total": 2, "done": 2}
    assert done["pages"]["total"] == 3 and done["pages"]["done"] == 3
    assert sorted(d["status"] for d in done["documents"]) == ["ingested", "ingested"]
    names = sorted(d["name"] for d in done["documents"])  # as uploaded, not where staged
    assert names == ["hồ sơ 2024/báo cáo.tif", "hồ sơ 2024/thông báo/họp.png"]
    again = wait_for(client, second.json()["id"])
    assert [d["status"] for d in again["documents"]] == ["duplicate"]
    assert leftovers(settings) == []  # the originals are in storage; the upload is gone

    batches = client.get("/api/batches").json()
    assert batches["total"] == 2
    newest, oldest = batches["batches"]
    assert oldest["id"] == done["batch_id"] and newest["id"] == again["batch_id"]
    assert oldest["counts"] == {"ingested": 2} and newest["counts"] == {"duplicate": 1}
    assert oldest["actor"] == "chi.lan" and oldest["finished"] is not None
    batch = client.get(f"/api/batches/{done['batch_id']}").json()
    assert {job["state"] for job in batch["jobs"]} == {"ingested"}
    document_ids = {job["document_id"] for job in batch["jobs"]}
    assert document_ids == {d["id"] for d in done["documents"]}

    hits = client.get("/api/search", params={"q": "thông báo họp"}).json()["hits"]
    png_id = next(d["id"] for d in done["documents"] if d["name"].endswith(".png"))
    assert png_id in [hit["document_id"] for hit in hits]
    for document_id in document_ids:  # linked to the upload's procedure
        detail = client.get(f"/api/documents/{document_id}").json()
        assert "QT-HT-02" in detail["metadata"]["procedures"]


def test_an_upload_waits_while_another_ingest_holds_the_archive(settings, client):
    client.app.state.ingests.retry_seconds = 0.2
    with ingest_lock.holding(settings, "sohoa ingest"):
        response = client.post("/api/uploads", files=[("files", ("notes.txt", b"not a scan"))])
        upload_id = response.json()["id"]
        deadline = time.monotonic() + 30
        while not client.get(f"/api/uploads/{upload_id}").json()["waiting"]:
            assert time.monotonic() < deadline, "the upload never said it was waiting"
            time.sleep(0.1)
        waiting = client.get(f"/api/uploads/{upload_id}").json()
        assert waiting["state"] == "queued"
        assert "sohoa ingest (process" in waiting["waiting"]
    done = wait_for(client, upload_id)
    assert done["state"] == "done" and done["waiting"] is None
    [outcome] = done["documents"]
    assert outcome["status"] == "failed" and "unsupported file type" in outcome["error"]


def test_an_upload_left_by_a_stopped_server_is_ingested_at_the_next_start(settings):
    upload = stage_files(settings, [("notes.txt", io.BytesIO(b"not a scan"))])
    manifest = {"actor": "anh.tuan", "procedure": None, "received": {"files": 1}}
    (upload.folder / MANIFEST).write_text(json.dumps(manifest))
    half_received = settings.uploads_dir / "cut-short"
    half_received.mkdir()
    (half_received / "half.pdf").write_bytes(b"%PDF")
    with api_client(create_app(settings), "archivist") as client:
        done = wait_for(client, upload.id)
        assert done["state"] == "done" and done["actor"] == "anh.tuan"
        batch = client.get(f"/api/batches/{done['batch_id']}").json()
        assert batch["actor"] == "anh.tuan" and batch["counts"] == {"failed": 1}
    assert leftovers(settings) == []


def test_a_browser_upload_needs_the_form_token_in_its_header(settings):
    from sqlmodel import Session

    from sohoa.archive import users

    app = create_app(settings)
    with Session(app.state.engine) as session:
        users.add_user(session, "lan", "archivist", "mật khẩu đủ dài", "test")
        session.commit()
    with TestClient(app) as browser:
        browser.post("/login", data={"username": "lan", "password": "mật khẩu đủ dài"})
        csrf = browser.get("/api/me").json()["csrf"]
        files = [("files", ("notes.txt", b"not a scan")), ("csrf_token", (None, csrf))]
        refused(browser.post("/api/uploads", files=files), 403, "forbidden", "form token")
        assert leftovers(settings) == []
        accepted = browser.post("/api/uploads", files=files, headers={"X-CSRF-Token": csrf})
        assert accepted.status_code == 202, accepted.text
        assert wait_for(browser, accepted.json()["id"])["actor"] == "lan"
