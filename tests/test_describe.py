"""Record metadata read from a page's layout: each field from where Decree 30 prints it."""

from __future__ import annotations

from page_words import HEIGHT, WIDTH, administrative_page, line_words

from sohoa.archive.records import FIELDS
from sohoa.ingest.describe import describe
from sohoa.ingest.describe.dates import find_date
from sohoa.ingest.describe.header import find_issuer, find_number, type_from_symbol
from sohoa.ingest.layout import Line, read_layout


def lines(*texts: str, conf: float = 0.95) -> list[Line]:
    return [
        Line(text, (0, 0, 100, 40), "header_left", tuple((w, conf) for w in text.split()))
        for text in texts
    ]


def confident(text: str, conf: float = 0.95) -> list[tuple[str, float]]:
    return [(word, conf) for word in text.split()]


def test_a_letter_is_read_whole():
    metadata = describe(read_layout(administrative_page(), WIDTH, HEIGHT))
    assert {field: metadata[field] for field in FIELDS} == {
        "issuer": "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
        "number": "299/UBND-TTHC",
        "place": "Quảng Ngãi",
        "date": "2025-01-15",
        "doc_type": "Công văn",
        "subject": "V/v công bố Danh mục TTHC",
        "signer": "Nguyễn Quốc Việt",
        "authority": "TL. CHỦ TỊCH\nCHÁNH VĂN PHÒNG",
    }
    assert set(metadata["confidence"]) == set(FIELDS)
    assert all(0 < value <= 1 for value in metadata["confidence"].values())


def test_type_line_and_subject_under_it():
    words = line_words(0, 250, (300, "LIÊN HIỆP CÁC HỘI KHOA HỌC"), (1300, "CỘNG HÒA XÃ HỘI"))
    words += line_words(1, 320, (300, "VÀ KỸ THUẬT TỈNH BẮC GIANG"), (1400, "Độc lập"))
    words += line_words(2, 390, (400, "Số: 45/KH-LHH"), (1300, "Bắc Giang, 15/7/2024"))
    words += line_words(3, 560, (1120, "KẾ HOẠCH"))
    words += line_words(4, 630, (760, "Số hóa tài liệu lưu trữ giai đoạn 2024 - 2025"))
    words += line_words(5, 800, (300, "Căn cứ Luật Lưu trữ năm 2024 và các văn bản hướng dẫn"))
    metadata = describe(read_layout(words, WIDTH, HEIGHT))
    assert metadata["issuer"] == "LIÊN HIỆP CÁC HỘI KHOA HỌC VÀ KỸ THUẬT TỈNH BẮC GIANG"
    assert metadata["number"] == "45/KH-LHH"
    assert metadata["date"] == "2024-07-15" and metadata["place"] == "Bắc Giang"
    assert metadata["doc_type"] == "Kế hoạch"
    assert metadata["subject"] == "Số hóa tài liệu lưu trữ giai đoạn 2024 - 2025"
    # No foot on the page: no signer and no authority, and no confidence for them.
    assert metadata["signer"] == "" and metadata["authority"] == ""
    assert "signer" not in metadata["confidence"]


def test_a_page_that_is_no_formal_document_is_khac_with_nothing_invented():
    words = []
    for number in range(6):
        text = "danh sách hội viên tham dự buổi sinh hoạt chuyên đề của chi hội cơ sở"
        words += line_words(number, 300 + 70 * number, (300, text))
    metadata = describe(read_layout(words, WIDTH, HEIGHT))
    assert metadata["doc_type"] == "Khác"
    assert all(metadata[field] == "" for field in FIELDS if field != "doc_type")


def test_parent_body_keeps_its_own_line_and_a_wrapped_name_is_joined():
    parent = find_issuer(lines("UBND TỈNH BẮC GIANG", "SỞ KHOA HỌC VÀ", "CÔNG NGHỆ", "Số: 1/SKHCN"))
    assert parent[0] == "UBND TỈNH BẮC GIANG\nSỞ KHOA HỌC VÀ CÔNG NGHỆ"
    wrapped = find_issuer(lines("ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI", "Số: 08/CT-UBND"))
    assert wrapped[0] == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"


def test_number_forms_and_an_unsure_numeral():
    assert find_number(lines("Số: 45/KH-LHH"))[0] == "45/KH-LHH"
    assert find_number(lines("Số 45-NQ/TW"))[0] == "45-NQ/TW"
    assert find_number(lines("Số: 12 / QĐ-UB"))[0] == "12/QĐ-UB"
    # A handwritten numeral the OCR barely read is left out, the printed symbol kept.
    unsure = [Line("Số: 899 /UBND-TTHC", (0, 0, 1, 1), "header_left",
                   (("Số:", 0.9), ("899", 0.3), ("/UBND-TTHC", 0.9)))]  # fmt: skip
    assert find_number(unsure) == ("/UBND-TTHC", 0.3)
    assert find_number(lines("SỞ KHOA HỌC VÀ CÔNG NGHỆ")) is None


def test_dates_in_words_in_digits_and_damaged():
    assert find_date("Bắc Giang, ngày 15 tháng 7 năm 2024", confident("x")).iso == "2024-07-15"
    assert find_date("Hà Nội, 03/04/2018", confident("x")).iso == "2018-04-03"
    damaged = find_date("Quảng Ngãi, ngay Ø3 thang 4 nam 2018", confident("x"))
    assert (damaged.place, damaged.iso) == ("Quảng Ngãi", "2018-04-03")
    # A handwritten day read unsure, or not read at all, is left out: the month stays.
    text = "Quảng Ngãi, ngày 5 tháng 01 năm 2025"
    words = [("Quảng", 0.9), ("Ngãi,", 0.9), ("ngày", 0.9), ("5", 0.2), ("tháng", 0.9)]
    assert find_date(text, words).iso == "2025-01"
    assert find_date("Quảng Ngãi, ngày{5 tháng 01 năm 2025", confident("x")).iso == "2025-01"
    assert find_date("ngày 31 tháng 2 năm 2024", confident("x")).iso == "2024-02"
    assert find_date("Căn cứ Luật Lưu trữ năm 2024", confident("x")) is None
    assert find_date("ngày 5 tháng 5 năm 1850", confident("x")) is None


def test_type_from_the_symbol_of_the_number():
    assert type_from_symbol("45/KH-LHH") == "Kế hoạch"
    assert type_from_symbol("12/QĐ-UB") == "Quyết định"
    assert type_from_symbol("45-NQ/TW") == "Nghị quyết"
    assert type_from_symbol("299/UBND-TTHC") is None


def test_signer_whose_surname_the_seal_damaged_and_a_title_without_diacritics():
    words = administrative_page()
    for word in words:
        if word["text"] == "Nguyễn":
            word["text"] = "guyên"
        if word["text"] in ("CHÁNH", "VĂN", "PHÒNG"):
            word["text"] = {"CHÁNH": "CHANH", "VĂN": "VAN", "PHÒNG": "PHONG"}[word["text"]]
    metadata = describe(read_layout(words, WIDTH, HEIGHT))
    assert metadata["signer"] == "Nguyễn Quốc Việt"
    assert metadata["authority"] == "TL. CHỦ TỊCH\nCHÁNH VĂN PHÒNG"


def test_a_failure_to_describe_leaves_the_fields_empty_and_says_why(monkeypatch):
    from sohoa.archive.records import empty_metadata
    from sohoa.ingest import pipeline

    def broken(first, last):
        raise RuntimeError("cannot read this page")

    monkeypatch.setattr(pipeline, "describe", broken)
    layout = read_layout(administrative_page(), WIDTH, HEIGHT)
    metadata, problem = pipeline.described(layout, layout)
    assert metadata == empty_metadata()
    assert problem == "unexpected error: RuntimeError: cannot read this page"
