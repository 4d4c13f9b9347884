"""Restricted records in search: asked with `restricted=False`, a restricted document is not
there at all (no hit, snippet, total, facet count, "did you mean" word or similar document);
changing a document's access changes what the index leaves out; an index made before it knew
of access is rebuilt."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from conftest import api_client, run_json
from databases import archive_settings, copy_archive
from sohoa.api import objects
from sohoa.api.web import create_app
from sohoa.archive.database import open_database
from sohoa.archive.models import Document, Page
from sohoa.search import IndexedPage, open_index, ready_index

OPEN = {"doc_type": "Kế hoạch", "date": "2024-07-15", "issuer": "SỞ KHOA HỌC VÀ CÔNG NGHỆ"}
SECRET = {"doc_type": "Quyết định", "date": "2019-03-02", "issuer": "SỞ NỘI VỤ"}


@pytest.fixture
def index(tmp_path, make_index):
    index = make_index(tmp_path / "index")
    index.index_pages(
        [
            IndexedPage(1, "open.pdf", 1, "Kế hoạch số hóa tài liệu lưu trữ", metadata=OPEN),
            IndexedPage(
                2,
                "secret.pdf",
                1,
                "Quyết định kỷ luật cán bộ Phạm Xuân Quỳnh, số hóa hồ sơ",
                metadata=SECRET,
                restricted=True,
            ),
            IndexedPage(
                2, "secret.pdf", 2, "Hồ sơ kỷ luật lưu trữ mật", metadata=SECRET, restricted=True
            ),
            IndexedPage(3, "other.pdf", 1, "Hội nghị tổng kết công tác lưu trữ năm 2023"),
        ]
    )
    return index


def test_a_restricted_documents_own_word_is_found_only_when_restricted_records_are(index):
    seen = index.search("quynh")
    assert seen.total == 1 and [h.document_id for h in seen.hits] == [2]
    assert "<mark>Quỳnh</mark>" in seen.hits[0].snippet
    assert seen.facets["doc_type"] == {"Quyết định": 1}
    hidden = index.search("quynh", restricted=False)
    assert hidden.total == 0 and hidden.hits == []
    assert all(counts == {} for counts in hidden.facets.values())


def test_left_out_before_counting_facets_and_in_every_sort(index):
    everyone = index.search("so hoa")
    assert everyone.total == 2
    assert everyone.facets["year"] == {"2019": 1, "2024": 1}
    for sort in ("relevance", "newest", "oldest"):
        shown = index.search("so hoa", restricted=False, sort=sort)
        assert shown.total == 1 and [h.document_id for h in shown.hits] == [1]
        assert shown.facets["year"] == {"2024": 1}
        assert shown.facets["doc_type"] == {"Kế hoạch": 1}
    words_across_pages = index.search("quynh mat", restricted=False)  # on pages 1 and 2
    assert words_across_pages.total == 0
    only_filters = index.search("year:2019", restricted=False)
    assert only_filters.total == 0 and index.search("year:2019").total == 1


def test_did_you_mean_offers_no_word_only_a_restricted_record_holds(index):
    assert index.search("quynhh").suggestion == "quynh"
    assert index.search("quynhh", restricted=False).suggestion == ""
    assert index.search("tongg ket", restricted=False).suggestion == "tong ket"


def test_more_like_this_leaves_restricted_documents_out(index):
    assert 2 in [h.document_id for h in index.more_like(1).hits]
    kept = index.more_like(1, restricted=False)
    assert 2 not in [h.document_id for h in kept.hits] and kept.total == len(kept.hits)
    assert [h.document_id for h in kept.hits] == [3]
    assert index.more_like(2).total > 0
    assert index.more_like(2, restricted=False).total == 0  # a record one may not read


def test_a_document_indexed_again_takes_its_new_access(index):
    index.index_pages([IndexedPage(2, "secret.pdf", 1, "Phạm Xuân Quỳnh", metadata=SECRET)])
    assert index.search("quynh", restricted=False).total == 1


@pytest.fixture
def home(sample_archive, tmp_path):
    copy = tmp_path / "archive"
    copy_archive(sample_archive[0], copy)
    return copy


def test_changing_access_updates_the_index_on_both_engines(home, search_engine):
    settings = archive_settings(home=home)
    engine = open_database(settings)
    index = ready_index(open_index(settings, search_engine), engine)
    hits = index.search("ke hoach so hoa").hits
    document_id = hits[0].document_id
    query = f'"{_title_words(engine, document_id)}"'
    assert index.search(query, restricted=False).total >= 1
    with Session(engine) as session:
        done = objects.change_access(session, index, document_id, "restricted", "lan", "QĐ 7")
    assert done == {"document_id": document_id, "access": "restricted", "changed": True}
    assert document_id in [h.document_id for h in index.search(query).hits]
    hidden = index.search(query, restricted=False)
    assert document_id not in [h.document_id for h in hidden.hits]
    with Session(engine) as session:
        assert session.get(Document, document_id).index_pending is False  # paid
        objects.change_access(session, index, document_id, "open", "lan", "QĐ 8 mở lại")
    assert document_id in [h.document_id for h in index.search(query, restricted=False).hits]
    engine.dispose()


def _title_words(engine, document_id: int) -> str:
    """Two words of the document's first page, as a phrase to search for."""
    with Session(engine) as session:
        page = session.exec(
            select(Page).where(Page.document_id == document_id, Page.number == 1)
        ).one()
        words = [w for w in page.text.split() if w.isalpha()]
        return " ".join(words[:2])


def test_an_index_made_before_access_was_indexed_is_rebuilt_with_it(home, search_engine):
    settings = archive_settings(home=home)
    engine = open_database(settings)
    index = ready_index(open_index(settings, search_engine), engine)
    query = f'"{_title_words(engine, 1)}"'
    with Session(engine) as session:  # restricted behind the index's back
        document = session.get(Document, 1)
        document.access = "restricted"
        session.add(document)
        session.commit()
    assert 1 in [h.document_id for h in index.search(query, restricted=False).hits]  # stale
    format_file = settings.index_dir / search_engine / "sohoa-index.json"
    made = json.loads(format_file.read_text())
    format_file.write_text(json.dumps({**made, "format": made["format"] - 1}))  # an older sohoa
    assert "another version" in index.problem()
    rebuilt = ready_index(open_index(settings, search_engine), engine)
    assert rebuilt.problem() is None
    assert 1 in [h.document_id for h in rebuilt.search(query).hits]
    assert 1 not in [h.document_id for h in rebuilt.search(query, restricted=False).hits]
    engine.dispose()


def test_the_cli_restricts_and_the_api_leaves_restricted_records_out(home):
    found = run_json(home, "search", "ke hoach so hoa")
    document_id = found["hits"][0]["document_id"]
    run_json(home, "access", str(document_id), "restricted", "--reason", "QĐ 7")
    app = create_app(archive_settings(home=home))
    auditor, staff = api_client(app, "auditor"), api_client(app, "staff")
    shown = auditor.get("/api/search", params={"q": "ke hoach so hoa"}).json()
    assert document_id in [h["document_id"] for h in shown["hits"]]
    left_out = staff.get("/api/search", params={"q": "ke hoach so hoa"}).json()
    assert document_id not in [h["document_id"] for h in left_out["hits"]]
    assert left_out["total"] == shown["total"] - 1
    assert staff.get(f"/api/documents/{document_id}/similar").status_code == 403
    others = [h["document_id"] for h in shown["hits"] if h["document_id"] != document_id]
    for other in others:
        similar = staff.get(f"/api/documents/{other}/similar").json()
        assert document_id not in [h["document_id"] for h in similar["hits"]]
