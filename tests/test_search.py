"""The Whoosh index with Vietnamese analysis (exact and folded fields)."""

import pytest

from sohoa.search import IndexedPage, QueryError
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
def index(tmp_path, make_index):
    index = make_index(tmp_path / "index")
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


def test_a_blank_page_is_indexed_and_counted(index):
    """A scan's blank back side has no word at all (Whoosh's word-pair filter failed on it)."""
    blank = IndexedPage(4, "mat-sau.tif", 2, "")
    index.index_pages([IndexedPage(4, "mat-sau.tif", 1, "Biên bản"), blank])
    assert index.pages_by_document()[4] == 2
    assert index.search("bien ban").hits[0].pages == [1]


def test_delete_and_rebuild(index):
    index.delete(1)
    assert {h.document_id for h in index.search("ke hoach").hits} == {2, 3}
    assert index.rebuild([IndexedPage(9, "new.pdf", 1, "Quyết định thành lập")]) == 1
    assert index.search("ke hoach").total == 0
    assert index.search("quyet dinh").hits[0].document_id == 9


def test_empty_query_is_a_clear_error(index):
    with pytest.raises(QueryError, match="empty"):
        index.search("   ")


def test_repaired_text_comes_first_and_raw_ocr_text_is_a_fallback(tmp_path, make_index):
    index = make_index(tmp_path / "index")
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


PLAN = {
    "issuer": "UBND TỈNH BẮC GIANG\nSỞ KHOA HỌC VÀ CÔNG NGHỆ",
    "number": "45/KH-SKHCN",
    "date": "2024-07-15",
    "doc_type": "Kế hoạch",
    "subject": "Số hóa tài liệu lưu trữ",
    "signer": "Nguyễn Văn An",
    "confidence": {"issuer": 0.9},
}
REPORT = {
    "issuer": "UBND TỈNH BẮC GIANG\nSỞ TƯ PHÁP",
    "number": "12/BC-STP",
    "date": "2019-03",
    "doc_type": "Báo cáo",
    "subject": "Kết quả công tác năm 2018",
    "signer": "Trần Thị Bình",
}
SECOND_PLAN = {"issuer": "SỞ KHOA HỌC VÀ CÔNG NGHỆ", "date": "2021", "doc_type": "Kế hoạch"}


@pytest.fixture
def described(tmp_path, make_index):
    """Four documents, three with metadata, the fourth ingested before metadata existed."""
    index = make_index(tmp_path / "index")
    index.index_pages(
        [
            IndexedPage(1, "kh.pdf", 1, "KẾ HOẠCH\nSố hóa tài liệu lưu trữ", metadata=PLAN),
            IndexedPage(1, "kh.pdf", 2, "Các phòng thực hiện kế hoạch", metadata=PLAN),
            IndexedPage(2, "bc.pdf", 1, "BÁO CÁO kết quả, kế hoạch năm sau", metadata=REPORT),
            IndexedPage(3, "kh2.pdf", 1, "Kế hoạch kiểm tra", metadata=SECOND_PLAN),
            IndexedPage(4, "old.pdf", 1, "Kế hoạch cũ, chưa có siêu dữ liệu"),
        ]
    )
    return index


def found(index, query):
    return [hit.document_id for hit in index.search(query).hits]


@pytest.mark.parametrize(
    ("query", "documents"),
    [
        ('ke hoach type:"ke hoach"', {1, 3}),
        ("ke hoach type:KẾ_HOẠCH", {1, 3}),
        ('ke hoach type:"bao cao"', {2}),
        ("ke hoach type:bao_cao type:ke_hoach", {1, 2, 3}),  # one kind: either
        ("ke hoach year:2024", {1}),
        ("ke hoach year:2019..2021", {2, 3}),
        ("ke hoach type:ke_hoach year:2019..2021", {3}),  # two kinds: both
        ('ke hoach issuer:"so khoa hoc"', {1, 3}),
        ('ke hoach ISSUER:"Sở Tư pháp"', {2}),
        ("ke hoach issuer:bac_giang", set()),  # the parent body's line is not the issuer's
        ("ke hoach number:45/kh-skhcn", {1}),
        ("ke hoach number:BC-STP", {2}),
        ("ke hoach number:12", {2}),
        ("ke hoach number:45/BC-STP", set()),
        ("type:ke_hoach", {1, 3}),  # filters alone list what they keep
    ],
)
def test_filters_keep_the_documents_whose_metadata_matches(described, query, documents):
    assert set(found(described, query)) == documents


def test_a_filter_keeps_every_matching_page_and_is_kept_out_of_the_words(described):
    results = described.search("thuc hien type:ke_hoach")
    assert [(h.document_id, h.pages) for h in results.hits] == [(1, [2])]
    assert results.query == "thuc hien type:ke_hoach"


def test_metadata_words_find_the_document_by_its_first_page(described):
    (hit,) = described.search("nguyen van an").hits  # the signer: on no page's text here
    assert (hit.document_id, hit.pages) == (1, [1])
    assert found(described, "Trần Thị Bình") == [2]
    assert found(described, "skhcn") == [1]  # a part of the number


def test_hits_carry_their_documents_metadata(described):
    hits = {h.document_id: h for h in described.search("ke hoach").hits}
    assert hits[1].metadata == {
        "doc_type": "Kế hoạch",
        "number": "45/KH-SKHCN",
        "date": "2024-07-15",
        "issuer": PLAN["issuer"],
        "subject": "Số hóa tài liệu lưu trữ",
    }
    assert hits[4].metadata == {
        name: "" for name in ("doc_type", "number", "date", "issuer", "subject")
    }


def test_facets_count_every_matched_document_once(described):
    results = described.search("ke hoach", limit=1)
    assert results.total == 4 and len(results.hits) == 1
    assert results.facets == {
        "doc_type": {"Kế hoạch": 2, "Báo cáo": 1},
        "year": {"2019": 1, "2021": 1, "2024": 1},
        "issuer": {"SỞ KHOA HỌC VÀ CÔNG NGHỆ": 2, "SỞ TƯ PHÁP": 1},
        "procedure": {},
    }
    assert list(results.facets["doc_type"]) == ["Kế hoạch", "Báo cáo"]  # most frequent first
    narrowed = described.search("ke hoach year:2024")
    assert narrowed.facets["doc_type"] == {"Kế hoạch": 1}
    empty = {"doc_type": {}, "year": {}, "issuer": {}, "procedure": {}}
    assert described.search("khong co tu nay").facets == empty


def test_reindexing_a_document_updates_its_metadata(described):
    corrected = {**REPORT, "doc_type": "Kế hoạch", "corrected": ["doc_type"]}
    described.index_pages([IndexedPage(2, "bc.pdf", 1, "BÁO CÁO kết quả", metadata=corrected)])
    assert set(found(described, "type:ke_hoach")) == {1, 2, 3}
    assert found(described, "type:bao_cao") == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("ke hoach type:xyz", 'type: unknown document type "xyz"; the types are: Nghị quyết'),
        ('type:"ke hoach', 'type: the quote after "type:" is not closed'),
        ('ke hoach type:""', 'type: needs a value, e.g. type:"ke hoach"'),
        (
            "ke hoach year:24",
            'year: expects a year (year:2024) or a range (year:2019..2024), not "24"',
        ),
        ("year:2024..2019", "year: the range 2024..2019 ends before it starts"),
        ("number:--", 'number: "--" has no words to look for'),
        ("ke hoach issuer:", 'issuer: needs a value, e.g. issuer:"so khoa hoc"'),
    ],
)
def test_a_malformed_filter_is_a_clear_error(described, query, message):
    with pytest.raises(QueryError) as error:
        described.search(query)
    assert str(error.value).startswith(message)


@pytest.fixture
def archive(tmp_path, make_index):
    """Five documents for the query language, sorting, paging, snippets and suggestions."""
    index = make_index(tmp_path / "index")
    index.index_pages(
        [
            IndexedPage(1, "kh.pdf", 1, "Kế hoạch số hóa tài liệu", metadata=PLAN),
            IndexedPage(1, "kh.pdf", 2, "Phụ lục: dự thảo kinh phí số hóa", metadata=PLAN),
            IndexedPage(1, "kh.pdf", 3, "Danh mục hồ sơ lưu trữ", metadata=PLAN),
            IndexedPage(2, "bc.pdf", 1, "Báo cáo số hóa năm 2018", metadata=REPORT),
            IndexedPage(3, "kh2.pdf", 1, "Hóa đơn số 12 về tài liệu", metadata=SECOND_PLAN),
            IndexedPage(
                4,
                "tb.pdf",
                1,
                "Thông báo họp ban thường vụ về số hóa",
                metadata={"doc_type": "Thông báo", "date": "2024-07-02", "number": "7/TB-LHH"},
                procedures=("QT-07", "QT-01"),
            ),
            IndexedPage(
                5,
                "qd.pdf",
                1,
                "Quyết định thành lập đoàn; thông báo kết quả sau",
                metadata={"doc_type": "Quyết định", "date": "2024-03", "number": "12/QĐ-LHH"},
                procedures=("QT-07",),
            ),
        ]
    )
    return index


def test_a_phrase_needs_its_words_in_order_with_or_without_diacritics(archive):
    assert set(found(archive, "so hoa")) == {1, 2, 3, 4}  # words: anywhere on a page
    assert set(found(archive, '"so hoa"')) == {1, 2, 4}  # "Hóa đơn số" is not "số hóa"
    assert set(found(archive, '"số hóa"')) == {1, 2, 4}


def test_a_phrase_is_found_on_one_page_or_in_the_record_never_across_pages(tmp_path, make_index):
    """Two words side by side on a page, or in one of the record's fields, make the phrase; the
    last word of one page and the first of the next do not (Tantivy answers a two-word phrase on
    whole documents from its neighbouring pairs, which never span two pages)."""
    index = make_index(tmp_path / "index")
    index.index_pages(
        [
            IndexedPage(1, "a.pdf", 1, "Báo cáo tổng kết năm"),
            IndexedPage(1, "a.pdf", 2, "hoạch định chiến lược"),
            IndexedPage(2, "b.pdf", 1, "Kế hoạch năm học"),
            IndexedPage(3, "c.pdf", 1, "Thư mời", metadata={"subject": "V/v năm hoạch định"}),
            IndexedPage(4, "d.pdf", 1, "năm"),
            IndexedPage(4, "d.pdf", 2, "hoạch định"),
        ]
    )
    assert set(found(index, '"nam hoach"')) == {3}
    assert set(found(index, '"năm hoạch định"')) == {3}
    assert set(found(index, "nam hoach")) == {1, 2, 3, 4}  # words: anywhere in a document


def test_the_words_may_be_on_different_pages_of_a_document(tmp_path, make_index):
    """A document holds the words typed when its pages do between them; those with one page
    holding every word come first, then the others, newest first."""
    index = make_index(tmp_path / "index")
    index.index_pages(
        [
            IndexedPage(1, "a.pdf", 1, "Hội nghị tổng kết", metadata={"date": "2010-01-05"}),
            IndexedPage(1, "a.pdf", 2, "Dự toán kinh phí năm sau", metadata={"date": "2010-01-05"}),
            IndexedPage(2, "b.pdf", 1, "Hội nghị bàn về kinh phí", metadata={"date": "2001"}),
            IndexedPage(3, "c.pdf", 1, "Kinh phí sự nghiệp", metadata={"date": "2020-05"}),
            IndexedPage(3, "c.pdf", 2, "Biên bản hội nghị", metadata={"date": "2020-05"}),
            IndexedPage(4, "d.pdf", 1, "Hội nghị cán bộ", metadata={"date": "2024"}),
        ]
    )
    results = index.search("hoi nghi kinh phi")
    assert [hit.document_id for hit in results.hits] == [2, 3, 1]
    assert results.total == 3 and results.facets["year"] == {"2001": 1, "2010": 1, "2020": 1}
    assert [hit.pages for hit in results.hits] == [[1], [1, 2], [1, 2]]
    assert found(index, '"hoi nghi" "du toan"') == [1]
    assert found(index, '"nghi kinh"') == []  # a phrase stays on one page
    paged = [index.search("hoi nghi kinh phi", limit=1, offset=o).hits for o in range(4)]
    assert [hit.document_id for hits in paged for hit in hits] == [2, 3, 1]


def test_excluded_words_leave_out_the_whole_document(archive):
    assert set(found(archive, "so hoa -cao")) == {1, 3, 4}
    # "dự thảo" is on page 2 only; page 1 matches "so hoa" but the document is still left out
    assert set(found(archive, 'so hoa -"du thao"')) == {2, 3, 4}


def test_or_takes_either(archive):
    assert set(found(archive, 'hop OR "hoa don"')) == {3, 4}
    assert set(found(archive, '"ban thuong vu" OR "thanh lap doan"')) == {4, 5}


def test_a_document_number_is_found_whole_and_in_parts(archive):
    assert found(archive, "45/KH-SKHCN") == [1]
    assert found(archive, "45/kh-skhcn")[0] == 1
    assert found(archive, "12/qd-lhh")[0] == 5
    assert set(found(archive, "KH-SKHCN")) == {1}


def test_the_document_type_counts_as_a_word_of_the_record(archive):
    # both mention "thông báo"; the record that *is* a Thông báo comes first
    assert found(archive, "thong bao")[:2] == [4, 5]


def test_date_and_procedure_filters(archive):
    assert set(found(archive, "date:2024")) == {1, 4, 5}
    assert set(found(archive, "date:2024-07")) == {1, 4}
    assert set(found(archive, "date:2024-03..2024-07-10")) == {4, 5}
    assert set(found(archive, "date:2018..2019")) == {2}
    assert set(found(archive, "procedure:qt-07")) == {4, 5}
    assert set(found(archive, "procedure:QT-01 so hoa")) == {4}


def test_procedure_facet_and_hit_procedures(archive):
    results = archive.search("procedure:QT-07")
    assert results.facets["procedure"] == {"QT-07": 2, "QT-01": 1}
    assert {h.document_id: h.procedures for h in results.hits} == {
        4: ["QT-01", "QT-07"],
        5: ["QT-07"],
    }


def test_sort_by_date_puts_undated_documents_last(archive):
    query = '"tai lieu" OR "bao cao" OR hop OR "thanh lap"'
    assert found_sorted(archive, query, "newest") == [1, 4, 5, 3, 2]  # 5 is 2024-03, no day
    assert found_sorted(archive, query, "oldest") == [2, 3, 5, 4, 1]
    with pytest.raises(QueryError, match="sort must be one of relevance, newest, oldest"):
        archive.search("so hoa", sort="size")


def found_sorted(index, query, sort):
    return [h.document_id for h in index.search(query, sort=sort).hits]


def test_pages_of_results(archive):
    every = found(archive, "so hoa")
    pages = [archive.search("so hoa", limit=2, offset=o) for o in (0, 2, 4)]
    assert [h.document_id for p in pages for h in p.hits] == every
    assert all(p.total == len(every) for p in pages)
    assert pages[2].hits == [] and pages[1].offset == 2
    with pytest.raises(QueryError, match="limit must be between 0 and 100"):
        archive.search("so hoa", limit=1000)
    with pytest.raises(QueryError, match="offset must be 0 or more"):
        archive.search("so hoa", offset=-1)


def test_snippets_come_from_the_best_pages_with_their_numbers(archive):
    (hit,) = archive.search('"so hoa" -bao type:ke_hoach').hits
    assert hit.pages == [1, 2]
    assert sorted(s.page for s in hit.snippets) == [1, 2]
    assert all("<mark>số</mark> <mark>hóa</mark>" in s.text for s in hit.snippets)
    assert hit.snippet == hit.snippets[0].text


def test_did_you_mean_offers_words_of_the_index(archive):
    results = archive.search("thong baoo")
    assert results.total == 0 and results.suggestion == "thong bao"
    assert archive.search("Thông bsáo họp").suggestion == "Thông báo họp"
    assert archive.search("thong bao").suggestion == ""  # every word found


def test_more_like_this_finds_documents_about_the_same_thing(tmp_path, make_index):
    index = make_index(tmp_path / "index")
    index.index_pages(
        [
            IndexedPage(1, "a.pdf", 1, "Hội thảo khoa học về nông nghiệp hữu cơ tại huyện"),
            IndexedPage(2, "b.pdf", 1, "Kết luận hội thảo nông nghiệp hữu cơ, phân bón vi sinh"),
            IndexedPage(3, "c.pdf", 1, "Quyết định khen thưởng cán bộ công đoàn năm 2020"),
        ]
    )
    similar = index.more_like(1)
    assert [h.document_id for h in similar.hits] == [2]
    assert index.more_like(99).total == 0


def test_equal_scores_are_listed_in_id_order_however_the_index_was_written(tmp_path, make_index):
    """Documents alike score alike; they come in id order, not in the order (or the segments)
    they were written in, so both engines and every rebuild list them the same way."""
    index = make_index(tmp_path / "index")
    for document_id in (5, 3, 9, 1):  # each write its own commit, newest ids first
        text = "Biên bản họp ban chấp hành"
        index.index_pages([IndexedPage(document_id, f"{document_id}.pdf", 1, text)])
    assert [hit.document_id for hit in index.search("bien ban").hits] == [1, 3, 5, 9]
    assert [hit.document_id for hit in index.search("bien ban", offset=2).hits] == [5, 9]


def test_a_search_sees_what_another_writer_committed(tmp_path, make_index):
    """Two handles on one index, as the web app and a `sohoa ingest` in another process have:
    each search sees every write the other has committed, and only those."""
    serving, writing = make_index(tmp_path / "index"), make_index(tmp_path / "index")
    writing.index_pages([IndexedPage(1, "a.pdf", 1, "Kế hoạch số hóa")])
    assert found(serving, "so hoa") == [1]
    writing.index_pages([IndexedPage(2, "b.pdf", 1, "Số hóa tài liệu")])
    assert sorted(found(serving, "so hoa")) == [1, 2]
    writing.delete(1)
    assert found(serving, "so hoa") == [2]
    assert found(serving, "so hoa") == [2]  # nothing changed: the same answer


def test_writers_take_turns_while_searches_go_on(tmp_path, make_index):
    """Four threads index documents at once (one writer at a time: Whoosh's lock, waited for)
    while another searches; every page lands and no search fails."""
    import threading

    index = make_index(tmp_path / "index")
    index.index_pages([IndexedPage(0, "seed.pdf", 1, "kế hoạch ban đầu")])
    failures = []

    def write(start):
        try:
            for i in range(start, start + 10):
                index.index_pages([IndexedPage(i, f"{i}.pdf", 1, f"kế hoạch số {i}")])
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            failures.append(error)

    def read():
        try:
            for _ in range(30):
                assert index.search("ke hoach").total >= 1
        except Exception as error:  # noqa: BLE001
            failures.append(error)

    threads = [threading.Thread(target=write, args=(s,)) for s in (1, 11, 21, 31)]
    threads.append(threading.Thread(target=read))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert index.page_count() == 41 and index.search("ke hoach").total == 41
