"""The reading pages: `/search` and `/documents/{id}` over the bundled samples.

The samples are ingested once per run (`sample_archive`); tests that change the archive work on
a copy of their own, the others share one copy.
"""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from conftest import api_client
from databases import archive_settings, copy_archive
from sohoa.api import pages
from sohoa.api.marked_text import page_html
from sohoa.api.templating import local_time
from sohoa.api.web import create_app
from sohoa.archive import checkpoints
from sohoa.archive.database import open_database
from sohoa.archive.models import Event, Page
from sohoa.search import open_index, owe, pay


@pytest.fixture(scope="module")
def shared_app(sample_archive, tmp_path_factory):
    """One copy of the samples for the tests that only read."""
    home = tmp_path_factory.mktemp("pages-reading") / "archive"
    copy_archive(sample_archive[0], home)
    return create_app(archive_settings(home=home))


@pytest.fixture
def reader(shared_app):
    return api_client(shared_app, "staff", "hoa")


@pytest.fixture
def home(sample_archive, tmp_path):
    """A copy of the samples of this test's own, to change."""
    copy = tmp_path / "archive"
    copy_archive(sample_archive[0], copy)
    return copy


def _hrefs(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]*)"', html)]


def test_home_goes_to_the_search_page(reader):
    response = reader.get("/", follow_redirects=False)
    assert response.headers["location"] == "/search"


def test_an_empty_search_page_explains_how_to_search(reader):
    response = reader.get("/search")
    assert response.status_code == 200
    assert 'name="q" value=""' in response.text
    assert "có dấu hay không dấu" in response.text


def test_a_query_without_diacritics_finds_the_plan_with_its_words_marked(reader):
    response = reader.get("/search", params={"q": "ke hoach so hoa"})
    assert response.status_code == 200
    html = response.text
    assert 'value="ke hoach so hoa"' in html  # the box keeps the query
    assert "<mark>Kế</mark> <mark>hoạch</mark>" in html
    assert "Số hóa tài liệu lưu trữ giai đoạn 2024-2025" in html  # the title, from metadata
    assert "Số 45/KH-LHH" in html and "15/07/2024" in html and "Kế hoạch" in html
    assert "/documents/2?q=ke+hoach+so+hoa#page-1" in _hrefs(html)
    assert "/search?q=ke+hoach+so+hoa&sort=newest" in _hrefs(html)


def test_facets_link_to_the_query_with_their_filter_and_back(reader):
    html = reader.get("/search", params={"q": "ke hoach"}).text
    assert "Tìm thấy <strong>3</strong> tài liệu" in html
    narrowed = "/search?q=ke+hoach+type%3A%22K%E1%BA%BF+ho%E1%BA%A1ch%22"
    assert narrowed in _hrefs(html)
    assert "/search?q=ke+hoach+year%3A%222024%22" in _hrefs(html)
    assert "/search?q=ke+hoach+procedure%3A%22QT-HT-02%22" in _hrefs(html)
    filtered = reader.get(narrowed).text
    assert "Tìm thấy <strong>1</strong> tài liệu" in filtered
    assert "/documents/2?q=ke+hoach+type%3A%22K%E1%BA%BF+ho%E1%BA%A1ch%22#page-1" in _hrefs(
        filtered
    )
    assert '<li class="active">' in filtered  # the filter in use, linked to take it out
    assert "/search?q=ke+hoach" in _hrefs(filtered)


def test_results_come_in_pages_with_previous_and_next(reader, monkeypatch):
    monkeypatch.setattr(pages, "PER_PAGE", 1)
    first = reader.get("/search", params={"q": "ke hoach"}).text
    second = reader.get("/search", params={"q": "ke hoach", "page": 2}).text
    assert "Sau →" in first and "← Trước" not in first
    assert "/search?q=ke+hoach&page=2" in _hrefs(first)
    assert "/search?q=ke+hoach&page=3" in _hrefs(first)
    assert '<strong aria-current="page">2</strong>' in second
    assert "/search?q=ke+hoach" in _hrefs(second)  # Trước: page 1
    assert "/search?q=ke+hoach&page=3" in _hrefs(second)  # Sau
    assert '<ol class="hits" start="2">' in second
    shown = [re.findall(r'href="/documents/(\d+)\?', page) for page in (first, second)]
    assert shown[0] and shown[1] and set(shown[0]).isdisjoint(shown[1])


def test_a_bad_query_is_explained_in_vietnamese(reader):
    response = reader.get("/search", params={"q": "ke hoach year:abc"})
    assert response.status_code == 400
    assert "Câu tìm kiếm chưa đúng cú pháp" in response.text
    assert "year: expects a year" in response.text  # what to type instead
    assert 'value="ke hoach year:abc"' in response.text


def test_no_results_say_so_and_suggest_a_spelling(reader):
    html = reader.get("/search", params={"q": "bao caoo"}).text
    assert "Không tìm thấy tài liệu nào" in html
    assert "Có phải bạn muốn tìm" in html
    assert "/search?q=bao+cao" in _hrefs(html)


def test_a_page_holding_a_script_tag_is_shown_as_text(home):
    settings = archive_settings(home=home)
    engine = open_database(settings)
    with Session(engine) as session:
        page = session.exec(select(Page).where(Page.document_id == 4, Page.number == 1)).one()
        page.text = 'Ghi chú <script>alert("x")</script> thử nghiệm\n' + page.text
        session.add(page)
        owe(session, 4)
        session.commit()
        pay(open_index(settings), session, [4])
    client = api_client(create_app(settings), "archivist")
    client.patch("/api/documents/4/metadata", json={"subject": "<b>Họp</b> <script>x()</script>"})
    found = client.get("/search", params={"q": "alert thu nghiem"}).text
    assert '&lt;script&gt;<mark>alert</mark>("x")&lt;/script&gt;' in found  # the snippet
    assert "&lt;b&gt;Họp&lt;/b&gt; &lt;script&gt;x()&lt;/script&gt;" in found  # the title
    shown = client.get("/documents/4", params={"q": "alert"}).text
    assert "<script>" not in found and "<script>" not in shown
    assert "&lt;script&gt;<mark>alert</mark>(&#34;x&#34;)&lt;/script&gt;" in shown


def test_the_document_page_shows_each_page_image_beside_its_marked_text(shared_app):
    client = api_client(shared_app, "archivist", "lan")
    detail = client.get("/api/documents/2").json()
    response = client.get("/documents/2", params={"q": "ke hoach"})
    assert response.status_code == 200
    html = response.text
    for page in detail["pages"]:
        assert f'<section class="page" id="page-{page["number"]}"' in html
        assert f'<img src="/api/documents/2/pages/{page["number"]}/image?width=1200"' in html
    boxes = re.findall(r'<span class="hit-box" style="([^"]*)" title="([^"]*)">', html)
    assert {"KẾ", "HOẠCH"} <= {word for _, word in boxes}  # the heading, boxed on the image
    for style, _word in boxes:
        values = [float(v) for v in re.findall(r"([\d.]+)%", style)]
        assert len(values) == 4 and all(0 <= v <= 100 for v in values)
    assert "<mark>Kế</mark> <mark>hoạch</mark>" in html  # and marked in the text
    edits = [e for page in detail["pages"] for e in page["edits"]]
    assert edits, "the plan's OCR needed some repair"
    for edit in edits:
        kind = "repair review" if edit["review"] else "repair"
        assert f'<ins class="{kind}" title="OCR đọc: «{edit["before"]}»' in html
    assert html.count('<details class="raw">') == sum(
        1 for p in detail["pages"] if p["raw_text"].strip() and p["raw_text"] != p["text"]
    )
    raw_line = next(line for line in detail["pages"][0]["raw_text"].splitlines() if line.strip())
    assert raw_line in unescape(html)
    assert (
        "<dt>Số trang</dt><dd>2</dd>" in html and 'Trang 2<span class="muted"> / 2</span>' in html
    )
    assert '<a class="button" href="/api/documents/2/pdf">' in html
    assert 'data-src="/documents/2/similar"' in html  # similar records: loaded after the page
    assert '<form method="post" action="/documents/2/metadata">' in html  # the archivist's


def test_similar_records_have_their_own_page_and_leave_out_restricted_ones(home):
    app = create_app(archive_settings(home=home))
    staff, auditor = api_client(app, "staff", "hoa"), api_client(app, "auditor", "kiem")
    similar = auditor.get("/documents/2/similar")
    assert similar.status_code == 200 and 'id="tuong-tu"' in similar.text
    linked = {int(n) for n in re.findall(r'href="/documents/(\d+)"', similar.text)} - {2}
    assert linked, "the samples have records like document 2"
    hidden = min(linked)
    archivist = api_client(app, "archivist", "lan")
    body = {"access": "restricted", "reason": "QĐ 7"}
    assert archivist.put(f"/api/documents/{hidden}/access", json=body).status_code == 200
    assert f'href="/documents/{hidden}"' in auditor.get("/documents/2/similar").text
    assert f'href="/documents/{hidden}"' not in staff.get("/documents/2/similar").text
    assert staff.get(f"/documents/{hidden}/similar").status_code == 403


def test_staff_read_without_the_metadata_form(reader):
    html = reader.get("/documents/3").text
    assert "Về việc thành lập Đoàn đánh giá nội bộ" in html
    assert "/documents/3/metadata" not in html
    assert '<a class="badge" href="/procedures/QT-HT-02">' in html


def test_a_metadata_edit_through_the_api_shows_in_the_history(home):
    client = api_client(create_app(archive_settings(home=home)), "archivist", "lan")
    changed = client.patch("/api/documents/2/metadata", json={"signer": "Trần Thị Bình"})
    assert changed.status_code == 200
    html = client.get("/documents/2").text
    with Session(open_database(archive_settings(home=home))) as session:
        event = session.exec(select(Event).where(Event.action == "metadata.corrected")).one()
    history = html[html.index('id="lich-su"') :]
    assert f'<td class="nowrap">{local_time(event.time)}</td>' in history  # UTC+7
    assert "<td>lan</td>" in history and "Sửa người ký" in history
    assert "<ins>Trần Thị Bình</ins>" in history
    assert "<td>Số hóa</td>" in history  # the ingest opens the history


def test_the_metadata_form_corrects_the_changed_fields_only(home):
    client = api_client(create_app(archive_settings(home=home)), "archivist", "lan")
    shown = client.get("/api/documents/2").json()["metadata"]
    form = {field: shown[field] for field in pages.FIELD_NAMES}
    form["issuer"] = form["issuer"].replace("\n", "\r\n")  # as a browser sends a textarea
    form["number"] = "46/KH-LHH"
    response = client.post("/documents/2/metadata", data=form, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/documents/2#thong-tin"
    with Session(open_database(archive_settings(home=home))) as session:
        events = session.exec(select(Event).where(Event.action == "metadata.corrected")).all()
    assert [(json.loads(e.details)["field"], e.actor) for e in events] == [("number", "lan")]
    refused = client.post("/documents/2/metadata", data={**form, "date": "ngày mai"})
    assert refused.status_code == 422
    assert "Không lưu được" in refused.text and "is not a date" in refused.text


def test_a_restricted_record_is_refused_to_staff_and_its_reading_recorded(home):
    app = create_app(archive_settings(home=home))
    archivist = api_client(app, "archivist", "lan")
    text = archivist.get("/api/documents/1").json()["pages"][0]["text"]  # open yet: no event
    word = next(w for w in re.findall(r"\w+", text) if len(w) >= 4 and not w.isdigit())
    restricted = archivist.put(
        "/api/documents/1/access", json={"access": "restricted", "reason": "QĐ 7 hạn chế"}
    )
    assert restricted.status_code == 200
    staff = api_client(app, "staff", "hoa")
    refused = staff.get("/documents/1")
    assert refused.status_code == 403
    assert "Không có quyền truy cập" in refused.text
    shown = archivist.get("/documents/1")
    assert shown.status_code == 200
    assert '<span class="badge restricted"' in shown.text and "Hạn chế" in shown.text
    assert "Đổi mức truy cập" in shown.text and "QĐ 7 hạn chế" in shown.text
    assert "/documents/1?" in archivist.get("/search", params={"q": word}).text
    assert "/documents/1?" not in staff.get("/search", params={"q": word}).text
    with Session(open_database(archive_settings(home=home))) as session:
        viewed = session.exec(select(Event).where(Event.action == "document.viewed")).all()
        assert [(e.actor, e.object_id) for e in viewed] == [("lan", 1)]
        assert checkpoints.latest(session).tree_size == len(session.exec(select(Event)).all())


def test_a_missing_document_has_a_page_saying_so(reader):
    response = reader.get("/documents/999")
    assert response.status_code == 404
    assert "Không có tài liệu số 999" in response.text


def test_pages_send_an_anonymous_visitor_to_sign_in(shared_app):
    anonymous = TestClient(shared_app)
    for path in ("/search?q=ke+hoach", "/documents/1"):
        response = anonymous.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


def test_edits_are_marked_where_they_stand_in_the_repaired_line():
    text = "Kế hoạch so hóa <b>\nđối tượng"
    edits = [
        {"line": 1, "start": 0, "end": 2, "before": "Ke", "after": "Kế", "review": False},
        {
            "line": 1,
            "start": 3,
            "end": 8,
            "before": "hoach",
            "after": "hoạch",
            "review": True,
            "confidence": 0.55,
        },
        {
            "line": 1,
            "start": 9,
            "end": 11,
            "before": "so",
            "after": "số",
            "reviewed": "rejected",
            "review": False,
        },
        {"line": 2, "start": 0, "end": 3, "before": "doi", "after": "đổi", "review": False},
    ]
    html = str(page_html(text, edits, ["hoach"]))
    first, second = html.split("\n")
    assert first == (
        '<ins class="repair" title="OCR đọc: «Ke»">Kế</ins> '
        '<ins class="repair review" title="OCR đọc: «hoach» · cần rà soát (độ tin cậy 55%)">'
        "<mark>hoạch</mark></ins> "
        '<span class="repair rejected" title="Đã bỏ sửa dấu «số» (giữ chữ OCR đọc)">so</span>'
        " hóa &lt;b&gt;"
    )
    assert second == "đối tượng"  # "đổi" is not where the edit says: left unmarked
