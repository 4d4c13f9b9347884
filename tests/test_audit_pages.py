"""The pages of the quality system and its trail: the procedures with their records and gaps,
the report and export forms for the auditor, and the trail with its checkpoint, verification
and events; restricted records hidden from roles that may not read them."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from audit_archive import SECRET_SUBJECT, audit_app
from sqlmodel import Session

from conftest import api_client, signed_in_browser
from sohoa.archive import checkpoints, keys, storage, trail
from sohoa.archive.models import Document


@pytest.fixture
def app(settings):
    return audit_app(settings)


def _cells(page: str, code: str) -> list[str]:
    """The cells of the procedures table's row of one procedure."""
    [row] = [r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if f'/procedures/{code}"' in r]
    return [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_the_procedures_in_force_are_listed_with_their_records(app):
    page = api_client(app, "auditor").get("/procedures")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    cells = _cells(page.text, "QT-HT-02")
    assert cells[1:] == ["Đánh giá nội bộ", "1", "9.2", "Ban ISO", "10 năm", "3"]
    staff = api_client(app, "staff").get("/procedures").text
    assert _cells(staff, "QT-HT-02")[-1] == "2"  # the restricted record is not counted


def test_a_procedure_shows_its_records_gaps_and_the_auditor_s_forms(app):
    page = api_client(app, "auditor").get("/procedures/qt-ht-02").text
    assert "QT-HT-02</span> Đánh giá nội bộ" in page
    assert "Kế hoạch đánh giá nội bộ năm 2024" in page and "2/KH-LHH" in page
    assert SECRET_SUBJECT in page and "mật" in page
    assert "gắn tay: ĐGNB" in page  # how and why each record was linked
    gaps = re.search(r'<ul class="gaps">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", gaps) == ["Quyết định", "Biên bản"]
    assert 'action="/api/procedures/QT-HT-02/report"' in page
    assert 'type="date" name="from"' in page and 'type="date" name="to"' in page
    assert 'action="/procedures/QT-HT-02/export"' in page


def test_staff_see_neither_restricted_records_nor_the_auditor_s_forms(app):
    page = api_client(app, "staff").get("/procedures/QT-HT-02").text
    assert "Kế hoạch đánh giá nội bộ năm 2024" in page
    assert SECRET_SUBJECT not in page and "3/KH-LHH" not in page
    assert "1 hồ sơ hạn chế sử dụng không hiển thị" in page
    assert "/report" not in page and "/export" not in page
    assert re.findall(r"<li>(.*?)</li>", page.split('class="gaps"')[1].split("</ul>")[0]) == [
        "Quyết định",
        "Biên bản",
    ]  # gaps count every record, shown or not


def test_an_unknown_procedure_is_a_page_that_says_so(app):
    page = api_client(app, "staff").get("/procedures/QT-XX-99")
    assert page.status_code == 404 and "Không có quy trình QT-XX-99" in page.text


def test_the_export_form_downloads_the_bag(app):
    client, csrf = signed_in_browser(app, "auditor", "thu")
    refused = client.post("/procedures/QT-HT-02/export")
    assert refused.status_code == 403  # no form token
    response = client.post("/procedures/QT-HT-02/export", data={"csrf_token": csrf})
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
    assert any(n.endswith("/data/records/000003/record.json") for n in names)
    assert any(n.endswith("/bagit.txt") for n in names)


def test_the_trail_page_shows_the_checkpoint_and_the_events_in_vietnamese(app):
    page = api_client(app, "auditor", "thu").get("/trail")
    assert page.status_code == 200
    with Session(app.state.engine) as session:
        latest = checkpoints.latest(session)
    assert latest.root in page.text and f"<dd>{latest.tree_size}</dd>" in page.text
    assert keys.load_public(app.state.settings.keys_dir).fingerprint in page.text
    assert "(giờ Việt Nam)" in page.text
    assert "Gắn hồ sơ vào quy trình" in page.text and "Đổi mức truy cập" in page.text
    assert "Ban hành quy trình" in page.text
    assert '<a href="/documents/3">tài liệu #3</a>' in page.text
    assert "reason: đánh giá nhân sự" in page.text
    assert "Kiểm tra toàn vẹn" in page.text and 'action="/trail/verify"' in page.text


def test_the_trail_page_filters_and_pages(app):
    with Session(app.state.engine) as session:
        for _ in range(60):
            trail.record(session, "test.step", actor="máy", object_type="document", object_id=4)
        session.commit()
    client = api_client(app, "auditor")
    first = client.get("/trail", params={"actor": "máy"}).text
    assert "Sự kiện 1–50 trong 60, mới nhất trước." in first
    seqs = [int(s) for s in re.findall(r'href="/api/trail/(\d+)/proof"', first)]
    assert len(seqs) == 50 and seqs == sorted(seqs, reverse=True)
    assert "Cũ hơn" in first and "Mới hơn" not in first
    older = client.get("/trail", params={"actor": "máy", "offset": 50}).text
    assert "Sự kiện 51–60 trong 60" in older and "Mới hơn" in older and "Cũ hơn" not in older
    assert "actor=m%C3%A1y" in older  # the pager keeps the filters

    linked = client.get("/trail", params={"action": "procedure.linked"}).text
    assert "trong 3," in linked and "test.step" not in linked
    about = client.get("/trail", params={"document": "3"}).text
    assert "trong 2," in about
    since = client.get("/trail", params={"since": "2999-01-01"}).text
    assert "Không có sự kiện nào." in since
    wrong = client.get("/trail", params={"document": "abc"}).text
    assert "Mã tài liệu là một số" in wrong


def test_the_trail_is_the_auditor_s_alone(app):
    """Its events carry what changed, a restricted record's too: only the auditor reads it."""
    for role in ("staff", "archivist", "admin"):
        page = api_client(app, role).get("/trail")
        assert page.status_code == 403 and "Không có quyền truy cập" in page.text
    assert api_client(app, "auditor").get("/trail").status_code == 200


def test_the_verify_button_says_whether_the_archive_is_intact(app):
    client, csrf = signed_in_browser(app, "auditor", "thu")
    assert client.post("/trail/verify").status_code == 403  # no form token
    fresh = client.post("/trail/verify", data={"csrf_token": csrf})
    assert fresh.status_code == 200
    assert "Toàn vẹn:" in fresh.text and "4 bản gốc đã tính lại" in fresh.text

    with Session(app.state.engine) as session:
        document = session.get(Document, 2)
    path = storage.original_path(app.state.settings.originals_dir, document.sha256)
    path.chmod(0o644)
    path.write_bytes(b"%PDF-1.4 a forged scan")
    damaged = client.post("/trail/verify", data={"csrf_token": csrf}).text
    assert "KHÔNG toàn vẹn:" in damaged and "1 vấn đề" in damaged
    assert "<strong>tài liệu #2 (hs-2.pdf)</strong>: Bản gốc đã bị thay đổi" in damaged
