"""The admin's procedure forms: issue a procedure, a new version of it (the old one kept,
obsolete), and withdraw it; a refusal says why on the page; only the admin sees or sends them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from conftest import api_client, signed_in_browser
from sohoa.api.web import create_app
from sohoa.archive.models import Procedure

PASSWORD = "mật khẩu đủ dài"


def _admin(settings) -> tuple[TestClient, str]:
    return signed_in_browser(create_app(settings), "admin", "quantri")


def test_the_admin_issues_revises_and_withdraws_a_procedure(settings):
    browser, csrf = _admin(settings)
    assert "Ban hành quy trình mới" in browser.get("/procedures").text
    form = {
        "csrf_token": csrf,
        "code": "qt-ht-07",
        "title": "Đào tạo",
        "clauses": "7.2, 7.3",
        "record_types": "Kế hoạch, báo cáo",
        "keywords": "tập huấn",
        "retention": "5",
    }
    added = browser.post("/procedures", data=form)
    assert added.status_code == 200 and added.url.path == "/procedures/QT-HT-07"
    assert "Đã ban hành quy trình." in added.text and "7.2, 7.3" in added.text
    again = browser.post("/procedures", data=form)
    assert again.status_code == 422 and "exists already" in again.text

    revision = {**form, "title": "Đào tạo và bồi dưỡng", "retention": "", "reason": "ISO 2015"}
    del revision["code"]
    revised = browser.post("/procedures/QT-HT-07/revise", data=revision)
    assert "Ban hành lần 3" in revised.text and "Vĩnh viễn" in revised.text
    same = browser.post("/procedures/QT-HT-07/revise", data=revision)
    assert same.status_code == 422 and "nothing would change" in same.text
    retired = browser.post(
        "/procedures/QT-HT-07/retire", data={"csrf_token": csrf, "reason": "gộp"}
    )
    assert "Đã bãi bỏ quy trình" in retired.text and "Bãi bỏ quy trình" not in retired.text
    with Session(browser.app.state.engine) as session:
        rows = session.exec(select(Procedure).where(Procedure.code == "QT-HT-07")).all()
    assert sorted((p.version, p.status) for p in rows) == [(1, "obsolete"), (2, "retired")]
    assert rows[-1].retention_years is None and rows[-1].title == "Đào tạo và bồi dưỡng"


def test_only_the_admin_sees_and_sends_the_procedure_forms(settings):
    browser, csrf = _admin(settings)
    forged = browser.post("/procedures/QT-HT-01/retire", data={"reason": "x"})
    assert forged.status_code == 403  # no form token
    app = browser.app
    for role in ("staff", "archivist", "auditor"):
        client = api_client(app, role)
        assert "Ban hành quy trình mới" not in client.get("/procedures").text
        assert "Bãi bỏ quy trình" not in client.get("/procedures/QT-HT-01").text
        assert client.post("/procedures/QT-HT-01/retire", data={"reason": "x"}).status_code == 403
