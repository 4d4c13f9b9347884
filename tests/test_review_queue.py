"""The review queue: the pages that need a person (uncertain edits, unchecked flags), oldest batch
first, restricted records only for a role that may read them; `GET /api/review`, the correction
route, and the archivist's page `/review` with its forms (form token needed when signed in by
cookie). The archive is built directly, no OCR."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from conftest import api_client, signed_in_browser
from sohoa.api import objects
from sohoa.api.web import create_app
from sohoa.archive import records
from sohoa.archive.models import Batch, Document, Event, Page
from sohoa.ingest.repair import repair
from sohoa.search import archive_pages, open_index

PASSWORD = "mật khẩu đủ dài"
UNSURE = "Ba Tran Thi Luu o thon Khe Tre xa Huong Loc"  # `xa` → `xạ`, unsure (0.66)
CLEAN = "Kế hoạch số hóa tài liệu năm 2024"


def _document(session, sha: str, name: str, batch: int, access: str = "open") -> int:
    document = Document(
        sha256=sha * 64,
        name=name,
        size=1,
        mime="application/pdf",
        status="ingested",
        page_count=1,
        batch_id=batch,
        access=access,
        record_metadata=records.empty_metadata(),
    )
    session.add(document)
    session.flush()
    return document.id


def _page(session, document_id: int, ocr: str, flags: list[str] | None = None) -> None:
    repaired = repair(ocr)
    edits = [edit.as_dict() for edit in repaired.edits]
    words = [  # as OCR gives them: one box per word, 100 px apart on a 2480 px wide page
        {"text": token, "box": [100 * i, 500, 80, 30], "conf": 0.9, "line": 1}
        for i, token in enumerate(ocr.split())
    ]
    session.add(
        Page(
            document_id=document_id,
            number=1,
            width=2480,
            height=3508,
            words=words,
            dpi=300,
            raw_text=ocr,
            text=repaired.text,
            edits=edits,
            review_count=sum(1 for e in edits if e["review"]),
            flags=flags or [],
            confidence=0.4 if flags else 0.95,
        )
    )


@pytest.fixture
def app(settings):
    """Two batches: the newer holds a flagged page (nothing to review in its text) and a clean
    one; the older an unsure page and a restricted record's unsure page."""
    application = create_app(settings)
    with Session(application.state.engine) as session:
        session.add(Batch(actor="lan", paths=["cu/"], started=datetime(2026, 1, 1, tzinfo=UTC)))
        session.add(Batch(actor="lan", paths=["moi/"]))
        session.flush()
        flagged = _document(session, "a", "moi-mo.pdf", 2)
        _page(session, flagged, CLEAN, ["low-dpi", "low-confidence"])
        _page(session, _document(session, "b", "moi-sach.pdf", 2), CLEAN)
        _page(session, _document(session, "c", "cu-danh-sach.pdf", 1), UNSURE)
        _page(session, _document(session, "d", "cu-mat.pdf", 1, "restricted"), UNSURE)
        session.commit()
        open_index(settings).rebuild(archive_pages(session))
    return application


def _listed(queue: dict) -> list[tuple[str, int]]:
    return [(item["name"], item["page"]) for item in queue["items"]]


def test_the_queue_lists_what_needs_a_person_oldest_batch_first(app):
    with Session(app.state.engine) as session:
        everything = objects.review_queue(session, True, 50, 0)
        opened = objects.review_queue(session, False, 50, 0)
        second = objects.review_queue(session, True, 1, 1)
    assert _listed(everything) == [("cu-danh-sach.pdf", 1), ("cu-mat.pdf", 1), ("moi-mo.pdf", 1)]
    assert everything["total"] == 3
    assert _listed(opened) == [("cu-danh-sach.pdf", 1), ("moi-mo.pdf", 1)]
    assert opened["total"] == 2
    assert _listed(second) == [("cu-mat.pdf", 1)] and second["total"] == 3
    unsure, _, flagged = everything["items"]
    assert flagged["flags"] == ["low-dpi", "low-confidence"] and flagged["edits"] == []
    [edit] = [e for e in unsure["edits"] if e["before"] == "xa"]
    assert (edit["after"], edit["review"]) == ("xạ", True)
    at = edit["at"]
    assert edit["text"][at["start"] : at["end"]] == "xạ"
    assert edit["box"] == [100 * UNSURE.split().index("xa"), 500, 80, 30]  # on the page image


def test_the_queue_empties_as_items_are_decided(app):
    client = api_client(app, "archivist", "lan")
    queue = client.get("/api/review").json()
    assert queue["total"] == 3
    for item in queue["items"]:
        route = f"/api/documents/{item['document_id']}/pages/{item['page']}"
        for edit in item["edits"]:
            if edit["before"] == "xa":
                body = {"edit": edit["edit"], "word": "xã"}
                page = client.post(f"{route}/corrections", json=body).json()
                assert "Khê Tre xã Hương" in page["text"] and page["number"] == 1
            else:
                body = {"decision": "accept"}
                accepted = client.post(f"{route}/edits/{edit['edit']}", json=body)
                assert accepted.json()["reviewed"] == "accepted"
        if item["flags"]:
            checked = client.post(f"{route}/checked").json()
            assert checked == {**checked, "checked": True, "flags": item["flags"]}
    assert client.get("/api/review").json() == {"total": 0, "offset": 0, "items": []}
    again = client.post("/api/documents/1/pages/1/checked")
    assert again.status_code == 422 and "checked already" in again.json()["error"]["message"]
    with Session(app.state.engine) as session:
        actions = [e.action for e in session.exec(select(Event).order_by(Event.seq)).all()]
    assert actions.count("text.corrected") == 2 and actions.count("page.checked") == 1
    found = client.get("/api/search", params={"q": "xã Hương Lộc"}).json()
    assert {h["document_id"] for h in found["hits"]} == {3, 4}


def test_a_correction_where_there_is_no_word_is_refused(app):
    client = api_client(app, "archivist", "lan")
    refused = client.post(
        "/api/documents/3/pages/1/corrections", json={"line": 1, "start": 999, "word": "xã"}
    )
    assert refused.status_code == 422 and "no word" in refused.json()["error"]["message"]
    missing = client.post("/api/documents/3/pages/7/corrections", json={"edit": 1, "word": "x"})
    assert missing.status_code == 404


def test_the_page_shows_the_queue_to_an_archivist_and_not_to_staff(app):
    page = api_client(app, "archivist", "lan").get("/review")
    assert page.status_code == 200
    html = page.text
    assert "cu-mat.pdf" in html and "badge restricted" in html  # the archivist reads restricted
    assert "Độ phân giải thấp" in html and "OCR kém tin cậy" in html
    assert "Khe Tre <mark>xạ</mark> Hương" in html.replace("Khê", "Khe")
    assert "Chấp nhận" in html and "Từ chối" in html and ">Sửa<" in html
    assert 'id="item-3-1"' in html
    assert 'src="/api/documents/3/pages/1/image?width=1600"' in html  # the word's crop
    assert api_client(app, "staff", "binh").get("/review").status_code == 403


def test_the_page_forms_need_the_form_token_and_come_back_with_a_confirmation(app):
    client, csrf = signed_in_browser(app, "archivist", "lan")
    forged = client.post("/review/1/1/checked", follow_redirects=False)
    assert forged.status_code == 403
    checked = client.post("/review/1/1/checked", data={"csrf_token": csrf}, follow_redirects=False)
    assert checked.status_code == 303
    assert checked.headers["location"].startswith("/review?done=checked")
    assert checked.headers["location"].endswith("#item-1-1")
    assert "Đã đánh dấu trang là đã xem" in client.get(checked.headers["location"]).text

    queue = client.get("/api/review").json()
    [edit] = [e for e in queue["items"][0]["edits"] if e["before"] == "xa"]
    form = {"csrf_token": csrf, "edit": str(edit["edit"]), "word": "xã"}
    no_token = client.post("/review/3/1/corrections", data={**form, "csrf_token": ""})
    assert no_token.status_code == 403
    corrected = client.post("/review/3/1/corrections", data=form)  # redirects, followed
    assert corrected.status_code == 200 and "Đã sửa thành: xã" in corrected.text
    history = client.get("/documents/3").text
    history = history[history.index('id="lich-su"') :]
    assert "Sửa chữ" in history and "<del>xạ</del> → <ins>xã</ins>" in history
    decided = client.post(
        f"/review/3/1/edits/{edit['edit']}", data={"csrf_token": csrf, "decision": "accept"}
    )
    assert decided.status_code == 422 and "corrected already" in decided.text

    for item in client.get("/api/review").json()["items"]:
        for left in item["edits"]:
            route = f"/review/{item['document_id']}/{item['page']}/edits/{left['edit']}"
            client.post(route, data={"csrf_token": csrf, "decision": "reject"})
    assert "Không còn trang nào cần rà soát" in client.get("/review").text


def test_any_word_of_a_page_in_the_queue_is_corrected_by_naming_it(app):
    """A flagged page has no edit to decide; the archivist names the wrong word as the page
    says it (and the line, when it is there more than once)."""
    client = api_client(app, "archivist", "lan")
    assert 'name="found"' in client.get("/review").text
    refused = client.post("/review/1/1/corrections", data={"found": "hoach", "word": "hoạch"})
    assert "không thực hiện được" in refused.text.lower() and "does not say" in refused.text
    done = client.post("/review/1/1/corrections", data={"found": "2024", "word": "2025"})
    assert done.status_code == 200 and "Đã sửa thành: 2025" in done.text
    page = client.get("/api/documents/1/pages/1").json()
    assert page["text"] == CLEAN.replace("2024", "2025")
    assert client.get("/api/search", params={"q": "2025"}).json()["total"] == 1
    twice = client.post(
        "/api/documents/3/pages/1/corrections", json={"found": "Tre", "word": "Trè", "line": 2}
    )
    assert twice.status_code == 422 and "on line 2" in twice.json()["error"]["message"]
