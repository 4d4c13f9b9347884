"""The Whoosh index with Vietnamese analysis (exact and folded fields)."""

import pytest

from sohoa.search import IndexedPage, QueryError, WhooshIndex
from sohoa.search.analysis import exact_analyzer, folded_analyzer


def tokens(analyzer, text):
    return [t.text for t in analyzer(text)]


def test_exact_analyzer_normalizes_but_keeps_diacritics_and_short_words():
    assert tokens(exact_analyzer(), "Kế hoạch SỐ hoà, ở a ý") == [
        "kế",
        "hoạch",
        "số",
        "hòa",
        "ở",
        "a",
        "ý",
    ]


def test_folded_analyzer_drops_diacritics_and_d_bar():
    assert tokens(folded_analyzer(), "Đăng ký Kế hoạch số hóa") == [
        "dang",
        "ky",
        "ke",
        "hoach",
        "so",
        "hoa",
    ]


def test_analyzers_keep_character_positions_for_highlighting():
    text = "Kế hoạch"
    positioned = [(t.startchar, t.endchar) for t in folded_analyzer()(text, chars=True)]
    assert [text[a:b] for a, b in positioned] == ["Kế", "hoạch"]


@pytest.fixture
def index(tmp_path):
    index = WhooshIndex(tmp_path / "index")
    index.index_pages(
        [
            IndexedPage(
                1, "ke-hoach.pdf", 1, "LIÊN HIỆP CÁC HỘI\nKẾ HOẠCH\nSố hóa tài liệu lưu trữ"
            ),
            IndexedPage(1, "ke-hoach.pdf", 2, "Kế hoạch số hoá được triển khai từ tháng 8"),
            IndexedPage(
                2, "bao-cao.tif", 1, "Báo cáo kết quả hoạt động, không có kế hoạch nào khác"
            ),
            IndexedPage(3, "khac.png", 1, "Ke hoach so hoa (văn bản gõ không dấu)"),
        ]
    )
    return index


def test_unaccented_query_finds_accented_text_one_hit_per_document(index):
    results = index.search("ke hoach so hoa")
    assert {h.document_id for h in results.hits} == {1, 3}
    assert results.total == 2
    first = next(h for h in results.hits if h.document_id == 1)
    assert first.pages == [1, 2]
    assert first.page in (1, 2)


def test_accented_query_ranks_exact_matches_above_folded_ones(index):
    results = index.search("Kế hoạch số hóa")
    assert [h.document_id for h in results.hits] == [1, 3]


def test_snippet_marks_the_matched_words_in_the_accented_text(index):
    hit = next(h for h in index.search("bao cao").hits if h.document_id == 2)
    assert "<mark>Báo</mark> <mark>cáo</mark>" in hit.snippet


def test_reindexing_a_document_replaces_its_pages(index):
    index.index_pages([IndexedPage(2, "bao-cao.tif", 1, "Biên bản họp")])
    assert index.search("bao cao").total == 0
    assert index.search("bien ban").hits[0].document_id == 2
    assert index.page_count() == 4


def test_delete_and_rebuild(index):
    index.delete(1)
    assert {h.document_id for h in index.search("ke hoach").hits} == {2, 3}
    assert index.rebuild([IndexedPage(9, "new.pdf", 1, "Quyết định thành lập")]) == 1
    assert index.search("ke hoach").total == 0
    assert index.search("quyet dinh").hits[0].document_id == 9


def test_empty_query_is_a_clear_error(index):
    with pytest.raises(QueryError, match="empty"):
        index.search("   ")


def test_repaired_text_comes_first_and_raw_ocr_text_is_a_fallback(tmp_path):
    index = WhooshIndex(tmp_path / "index")
    index.index_pages(
        [
            IndexedPage(1, "repaired.png", 1, "Đăng ký và tổ chức", raw_text="Pang ky va t6 chirc"),
            IndexedPage(2, "clean.png", 1, "Pang ky: tên riêng", raw_text="Pang ky: tên riêng"),
        ]
    )
    assert [h.document_id for h in index.search("dang ky to chuc").hits] == [1]
    found = index.search("pang ky").hits  # `pang` is only in the raw text of document 1
    assert [h.document_id for h in found] == [2, 1]
    assert found[1].snippet.startswith("Đăng <mark>ký</mark>")  # shown from the repaired text


def test_an_index_made_before_the_raw_field_keeps_working(tmp_path):
    from whoosh import index as whoosh_index

    from sohoa.search.whoosh_engine import _schema

    old = _schema()
    old.remove("raw")
    (tmp_path / "index").mkdir()
    whoosh_index.create_in(str(tmp_path / "index"), old)
    index = WhooshIndex(tmp_path / "index")
    assert index.search("ke hoach").total == 0
    index.index_pages([IndexedPage(1, "a.pdf", 1, "Kế hoạch", raw_text="K& hoach")])
    assert [h.document_id for h in index.search("k hoach").hits] == [1]
