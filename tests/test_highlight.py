"""Which OCR words of a page a query highlights: as search matches them."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from databases import archive_settings
from sohoa.archive.database import open_database
from sohoa.archive.models import Page
from sohoa.search import QueryError
from sohoa.search.highlight import matched_words, repaired_words


def _words(*texts: str) -> list[dict]:
    return [
        {"text": text, "box": [10 * i, 0, 8, 8], "conf": 0.9, "line": 1}
        for i, text in enumerate(texts)
    ]


WORDS = _words("KẾ", "HOẠCH", "Số", "hóa,", "(tài", "liệu)", "lưu", "trữ.", "45/KH-LHH", "Ke")


def _texts(words, indices):
    return [words[i]["text"] for i in indices]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ke hoach", ["KẾ", "HOẠCH", "Ke"]),  # without diacritics, any case
        ("Kế", ["KẾ", "Ke"]),  # with them: search finds both, so both are marked
        ("hoa tai", ["hóa,", "(tài"]),  # punctuation attached
        ('"tai lieu"', ["(tài", "liệu)"]),  # each word of a phrase
        ("luu OR xyz", ["lưu"]),
        ("kh", ["45/KH-LHH"]),  # a part of a document number
        ("45/KH-LHH", ["45/KH-LHH"]),
        ("so -tru", ["Số"]),  # a left-out word marks nothing
        ('tru type:"ke hoach" year:2024', ["trữ."]),  # nor do filters
        ("year:2024", []),
        ("nothing here", []),
    ],
)
def test_words_are_matched_as_search_matches_them(query, expected):
    assert _texts(WORDS, matched_words(WORDS, query)) == expected


def test_a_query_search_refuses_is_refused_here_too():
    with pytest.raises(QueryError, match="empty"):
        matched_words(WORDS, "  ")


def test_a_word_repair_changed_is_matched_by_its_repaired_form():
    words = _words("Pang", "ky", "va", "t6", "chirc")
    raw, repaired = "Pang ky\nva t6 chirc", "Đăng ký\nvà tổ chức"
    assert repaired_words(words, raw, repaired) == {0: "Đăng", 1: "ký", 2: "và", 3: "tổ", 4: "chức"}
    assert _texts(words, matched_words(words, "dang ky to chuc")) == ["ky"]  # raw text alone
    found = matched_words(words, "dang ky to chuc", raw, repaired)
    assert _texts(words, found) == ["Pang", "ky", "t6", "chirc"]
    assert matched_words(words, "pang", raw, repaired) == [0]  # the raw word still counts


def test_a_line_repair_did_not_keep_word_for_word_is_matched_on_its_raw_words_only():
    words = _words("Ke", "hoach", "sohoa")
    found = matched_words(words, "so hoa", "Ke hoach sohoa", "Kế hoạch số hóa")
    assert found == []  # 3 raw words, 4 repaired: which is which is not known
    assert matched_words(words, "ke", "Ke hoach sohoa", "Kế hoạch số hóa") == [0]
    assert matched_words(words, "ke", "a\nb", "a") == [0]  # texts no longer line up


def test_an_unaccented_query_marks_the_right_words_on_a_real_page(sample_archive):
    settings = archive_settings(home=sample_archive[0])
    engine = open_database(settings)
    with Session(engine) as session:
        pages = session.exec(select(Page).order_by(Page.document_id, Page.number)).all()
        plan = next(p for p in pages if "KẾ HOẠCH" in p.text)
        found = _texts(plan.words, matched_words(plan.words, "ke hoach", plan.raw_text, plan.text))
        assert found[:2] == ["KẾ", "HOẠCH"]
        assert {w.strip(".,:;()").lower() for w in found} <= {"kế", "hoạch", "kê", "kể", "ke"}
        decision = next(p for p in pages if "QUYẾT ĐỊNH" in p.text)
        marked = matched_words(decision.words, "quyet dinh", decision.raw_text, decision.text)
        texts = [t.strip(".,:;()").lower() for t in _texts(decision.words, marked)]
        assert texts.count("quyết") >= 2 and texts.count("định") >= 2
        assert set(texts) <= {"quyết", "định"}
        boxes = [decision.words[i]["box"] for i in marked]
        assert all(0 <= left and left + width <= decision.width for left, _, width, _ in boxes)
    engine.dispose()
