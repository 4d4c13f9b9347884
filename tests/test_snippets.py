"""Snippets: the passages with the most matched words, marked whether typed with or without
diacritics, the rest HTML-escaped."""

from sohoa.search.snippets import FRAGMENT_CHARS, snippet

FILLER = " ".join(["lời văn"] * 60)


def test_words_are_marked_with_or_without_diacritics_and_whatever_their_case():
    text = "KẾ HOẠCH số hóa tài liệu; Kế hoạch năm sau"
    assert snippet(text, ["ke", "hoach"]) == (
        "<mark>KẾ</mark> <mark>HOẠCH</mark> số hóa tài liệu; <mark>Kế</mark> <mark>hoạch</mark>"
        " năm sau"
    )


def test_only_whole_words_are_marked():
    assert snippet("anh an ninh", ["an"]) == "anh <mark>an</mark> ninh"
    assert snippet("Đăng ký", ["dang"]) == "<mark>Đăng</mark> ký"


def test_the_page_is_escaped_around_the_marks():
    assert snippet("<b>số</b> & hóa", ["so"]) == "&lt;b&gt;<mark>số</mark>&lt;/b&gt; &amp; hóa"


def test_the_two_passages_with_most_distinct_words_are_shown_in_page_order():
    text = f"mở đầu {FILLER} chỉ số {FILLER} số hóa tài liệu {FILLER} hóa đơn {FILLER} kết thúc"
    shown = snippet(text, ["so", "hoa", "tai", "lieu"])
    passages = shown.split(" … ")
    assert len(passages) == 2
    # the four words together, and of the passages with one word the first: in page order
    assert "chỉ <mark>số</mark>" in passages[0] and "đơn" not in shown
    assert "<mark>số</mark> <mark>hóa</mark> <mark>tài</mark> <mark>liệu</mark>" in passages[1]
    assert all(
        len(p.replace("<mark>", "").replace("</mark>", "")) <= FRAGMENT_CHARS for p in passages
    )
    assert not shown.startswith("mở đầu")  # cut around the words, at a space


def test_the_opening_of_the_page_when_nothing_matches():
    assert snippet("Biên bản <họp>", ["khong"]) == "Biên bản &lt;họp&gt;"
    assert snippet("x" * 500, []) == "x" * 200
