"""Reading order from word boxes: the interleaved header columns and the foot put apart."""

from __future__ import annotations

from page_words import HEIGHT, WIDTH, administrative_page, line_words

from sohoa.ingest.layout import read_layout


def test_header_columns_are_read_one_after_the_other():
    layout = read_layout(administrative_page(), WIDTH, HEIGHT)
    assert [line.text for line in layout.zone("header_left")] == [
        "ỦY BAN NHÂN DÂN",
        "TỈNH QUẢNG NGÃI",
        "Số: 299/UBND-TTHC",
        "V/v công bố Danh mục TTHC",
    ]
    assert [line.text for line in layout.zone("header_right")] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Quảng Ngãi, ngày 15 tháng 01 năm 2025",
    ]


def test_foot_puts_recipients_before_the_signature():
    layout = read_layout(administrative_page(), WIDTH, HEIGHT)
    assert [line.text for line in layout.zone("recipients")] == [
        "Nơi nhận:",
        "- Như trên;",
        "- Lưu: VT, TTHC.",
    ]
    assert [line.text for line in layout.zone("signature")] == [
        "TL. CHỦ TỊCH",
        "CHÁNH VĂN PHÒNG",
        "Nguyễn Quốc Việt",
    ]


def test_page_text_is_in_reading_order_with_blank_lines_between_blocks():
    text = read_layout(administrative_page(), WIDTH, HEIGHT).text()
    blocks = text.split("\n\n")
    assert blocks[0].startswith("ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\nSố:")
    assert blocks[1].startswith("CỘNG HÒA XÃ HỘI")
    assert blocks[2] == "V/v công bố Danh mục TTHC"  # under the number, read after the header
    assert blocks[3].startswith("Thực hiện nội dung")
    assert blocks[-2].startswith("Nơi nhận:")
    assert blocks[-1] == "TL. CHỦ TỊCH\nCHÁNH VĂN PHÒNG\nNguyễn Quốc Việt"
    # Nothing is lost or invented: the same words, in another order.
    assert sorted(text.split()) == sorted(w["text"] for w in administrative_page())


def test_a_page_without_a_header_is_all_body():
    words = []
    for number in range(5):
        text = "một dòng văn bản trải rộng hết chiều ngang của trang giấy khổ A4 như thường lệ"
        words += line_words(number, 200 + 70 * number, (300, text))
    layout = read_layout(words, WIDTH, HEIGHT)
    assert {line.zone for line in layout.lines} == {"body"}
    assert len(layout.lines) == 5


def test_specks_and_seal_strokes_are_dropped():
    words = administrative_page()
    words += line_words(40, 2800, (1600, "R"), conf=0.7)
    words += line_words(41, 2860, (1700, "STxSZ7"), conf=0.0)
    text = read_layout(words, WIDTH, HEIGHT).text()
    assert "STxSZ7" not in text and "\nR\n" not in text


def test_repaired_text_is_carried_line_for_line():
    layout = read_layout(administrative_page(), WIDTH, HEIGHT)
    changed = layout.text().replace("Nguyễn Quốc Việt", "Nguyễn Quốc Việt (sửa)")
    assert layout.with_texts(changed).zone("signature")[-1].text == "Nguyễn Quốc Việt (sửa)"
    # A text with other lines is not forced onto the layout.
    assert layout.with_texts("một dòng") is layout


def test_no_words_is_an_empty_layout():
    layout = read_layout([], WIDTH, HEIGHT)
    assert layout.lines == [] and layout.text() == ""
