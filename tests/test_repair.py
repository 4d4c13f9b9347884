"""Diacritic repair on the kinds of damage scanned archives really show."""

from __future__ import annotations

import pytest

from sohoa.archive.text import fold
from sohoa.ingest.repair import repair

# Written for these tests (not taken from the training corpus).
CLEAN = (
    "Liên hiệp các hội khoa học và kỹ thuật tỉnh tổ chức hội nghị tổng kết công tác năm 2024.\n"
    "Ban Thường vụ đã thống nhất kế hoạch kiểm tra, giám sát và đánh giá nội bộ.\n"
    "Các đơn vị báo cáo kết quả thực hiện trước ngày 15 tháng 12 năm 2024."
)


def test_english_model_ocr_damage_is_repaired():
    damaged = "Pang ky va t6 chirc thuc hién K& hoach phat trién nim 2024"
    assert repair(damaged).text == "Đăng ký và tổ chức thực hiện Kế hoạch phát triển năm 2024"


def test_text_typed_without_accents_is_restored():
    typed = "Cong hoa xa hoi chu nghia Viet Nam. Doc lap - Tu do - Hanh phuc"
    assert repair(typed).text == "Cộng hòa xã hội chủ nghĩa Việt Nam. Độc lập - Tự do - Hạnh phúc"


def test_vietnamese_model_tone_confusion_is_fixed_in_context():
    damaged = "Ủy ban nhân dân tính Bắc Giang ban hành kế hoạch tố chức thực hiện."
    result = repair(damaged)
    assert result.text == "Ủy ban nhân dân tỉnh Bắc Giang ban hành kế hoạch tổ chức thực hiện."
    assert [(e.before, e.after) for e in result.edits] == [("tính", "tỉnh"), ("tố", "tổ")]


def test_clean_text_comes_out_unchanged():
    result = repair(CLEAN)
    assert result.text == CLEAN
    assert result.edits == []


def test_codes_numbers_dates_urls_and_emails_are_kept():
    damaged = (
        "Theo Ké hoach s6 45/KH-LHH ngay 07/4/2014 va Nghi quyét 45-NQ/TW, "
        "xem https://lienhiephoi.vn hoac gui lienhiephoi@gmail.com truoc 15.7.2024"
    )
    text = repair(damaged).text
    for kept in ("45/KH-LHH", "07/4/2014", "45-NQ/TW", "https://lienhiephoi.vn", "15.7.2024"):
        assert kept in text
    assert "lienhiephoi@gmail.com" in text
    assert text.startswith("Theo Kế hoạch số 45/KH-LHH ngày 07/4/2014 và Nghị quyết 45-NQ/TW")


def test_foreign_words_and_acronyms_are_kept():
    damaged = "Hội thảo về Internet of Things và COVID-19 do UBND tỉnh và VUSTA tổ chức."
    assert repair(damaged).text == damaged


def test_capitalisation_and_punctuation_follow_the_input():
    result = repair("KE HOACH Thi dua, khen thuong (nam 2024).")
    assert result.text == "KẾ HOẠCH Thi đua, khen thưởng (năm 2024)."


def test_lines_are_kept_and_edits_point_into_them():
    damaged = "Bao cao ket qua\n\n  thuc hien nhiem vu  \nnam 2024\n"
    result = repair(damaged)
    assert result.text.split("\n") == [
        "Báo cáo kết quả",
        "",
        "  thực hiện nhiệm vụ  ",
        "năm 2024",
        "",
    ]
    lines = damaged.split("\n")
    for edit in result.edits:
        assert lines[edit.line - 1][edit.start : edit.end] == edit.before
        assert fold(edit.after).lower() == fold(edit.before).lower()
        assert 0 < edit.confidence <= 1


def test_tone_placement_is_normalised_without_an_edit():
    result = repair("Hoà bình, khoẻ mạnh, thuỷ lợi")
    assert result.text == "Hòa bình, khỏe mạnh, thủy lợi"
    assert result.edits == []


def test_output_is_nfc_for_decomposed_input():
    decomposed = "Ke\u0302\u0301 hoa\u0323ch"
    assert repair(decomposed).text == "Kế hoạch"


@pytest.mark.parametrize(
    ("mojibake", "encoding"),
    [
        ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "tcvn3"),
        ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "vni"),
    ],
)
def test_legacy_encodings_are_converted(mojibake, encoding):
    result = repair(mojibake)
    assert result.text == "Cộng hòa xã hội chủ nghĩa Việt Nam"
    assert result.encoding == encoding


def test_low_confidence_edits_are_flagged_for_review():
    result = repair("ma")  # one word, no context: mà, má, mã, ma, mạ are all possible
    assert len(result.edits) == 1
    assert result.edits[0].confidence < 0.8 and result.edits[0].review
    sure = repair("Cong hoa xa hoi chu nghia Viet Nam").edits
    assert sure and not any(e.review for e in sure)


def test_tcvn3_heading_words_come_back_in_capitals():
    # TCVN3 has no capital toned vowels: headings were typed with lowercase ones in a caps font.
    result = repair("CéNG HOµ HéI NGHÞ TæNG KÕT")
    assert result.text == "CỘNG HÒA HỘI NGHỊ TỔNG KẾT"
    assert result.encoding == "tcvn3"


def test_a_word_in_capitals_that_is_right_keeps_its_capitals():
    text = "Đội MU thắng ở Giai đoạn II, ông MY ở TP Hồ Chí Minh."
    assert repair(text).text == text


def test_english_model_capital_misreadings_follow_the_sentence():
    # The English model reads ộ and ỹ as capitals: `BO` for `Bộ`, `MY` for `Mỹ`.
    assert repair("Theo BO truong Y te, nuoc MY").text == "Theo Bộ trưởng Y tế, nước Mỹ"
    assert repair("BO Y TE").text == "BỘ Y TẾ"


def test_symbols_the_english_model_puts_inside_words_are_repaired():
    assert repair("nu@c ngw@i cht#c, email lienhiephoi@gmail.com").text == (
        "nước người chức, email lienhiephoi@gmail.com"
    )


def test_a_capital_inside_a_sentence_reads_as_a_name():
    assert repair("chi Trang noi rang mau trang dep").text == "chị Trang nói rằng màu trắng đẹp"


def test_a_digit_the_english_model_made_from_a_word_is_repaired_and_a_number_is_kept():
    damaged = "Ket qua thuc hién 6 thang dau nim, phat trién 6 Viét Nam"
    assert repair(damaged).text == "Kết quả thực hiện 6 tháng đầu năm, phát triển ở Việt Nam"
