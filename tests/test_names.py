"""The short lists that metadata is checked against, and what they correct and leave alone."""

from __future__ import annotations

import pytest

from sohoa.ingest.describe import names


@pytest.mark.parametrize(
    ("read", "listed"),
    [
        ("ỦY BẠN NHÂN DÂN TĨNH PHU THỌ", "ỦY BAN NHÂN DÂN TỈNH PHÚ THỌ"),
        ("HỘI KHOAHỌC VÀ KỸ THUẬT TỈNH BẮC GIANG", "HỘI KHOA HỌC VÀ KỸ THUẬT TỈNH BẮC GIANG"),
        ("ĐẢNG ỦY KHỐI CÁC CƠ QUẬN TỈNH", "ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH"),
        ("UBND TỈNH BÀ RỊA VỮNG TÀU", "UBND TỈNH BÀ RỊA - VŨNG TÀU"),
        ("PHÒNG TÀI CHÍNH KẾ HOẠCH", "PHÒNG TÀI CHÍNH - KẾ HOẠCH"),
        ("TỈNH ỦY TUYÊN QUANG", "TỈNH ỦY TUYÊN QUANG"),
    ],
)  # fmt: skip
def test_issuer_damage_is_written_as_listed(read, listed):
    assert names.issuer_line(read) == listed


def test_real_words_and_district_names_are_left_as_read():
    assert names.issuer_line("UBND HUYỆN SƠN TỊNH") == "UBND HUYỆN SƠN TỊNH"  # not TỈNH
    assert names.issuer_line("MẶT TRẬN TỔ QUỐC VIỆT NAM") == "MẶT TRẬN TỔ QUỐC VIỆT NAM"
    assert names.issuer_line("UBND HUYỆN LẠNG GIANG") == "UBND HUYỆN LẠNG GIANG"  # not An Giang


@pytest.mark.parametrize(
    ("read", "listed"),
    [
        ("-KE:GIÁM ĐỐC", "KT. GIÁM ĐỐC"),
        ("xZ%UTUQ? GHỦ TỊCH", "TUQ. CHỦ TỊCH"),
        ("CHANH VAN PHONG", "CHÁNH VĂN PHÒNG"),
        ("T/M BAN THƯỜNG VỤ", "T/M BAN THƯỜNG VỤ"),
        ("M. ỦY BAN NHÂN DÂN", "TM. ỦY BAN NHÂN DÂN"),  # a collective body signs TM.
        ("Q. CHỦ TỊCH", "Q. CHỦ TỊCH"),
    ],
)
def test_authority_lines_are_read_through_the_seal(read, listed):
    assert names.authority_line(read) == listed


def test_lines_that_are_no_office_are_not_made_into_one():
    assert names.authority_line("HÀNH VÀ TY") is None
    assert names.authority_line("2 BÍ") is None
    assert names.authority_line("Nguyễn Văn An") is None


def test_surnames_come_back_whole_and_others_are_not_invented():
    assert names.surname("guyễn") == "Nguyễn"
    assert names.surname("Hoằng") == "Hoàng"
    assert names.surname("Lề") == "Lê"
    assert names.surname("Quyết") is None
    assert names.province_near("Thunh Hóa") == "Thanh Hóa"
    assert names.province_near("Lục Nam") == "Lục Nam"
