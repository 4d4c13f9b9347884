"""archive.text: the Vietnamese rules every layer shares."""

import unicodedata

import pytest

from sohoa.archive import text


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("hoà", "hòa"),
        ("khoẻ", "khỏe"),
        ("thuỷ", "thủy"),
        ("Hoà Bình", "Hòa Bình"),
        ("CỘNG HOÀ", "CỘNG HÒA"),
        ("quý", "quý"),
        ("giá", "giá"),
        ("người", "người"),
        ("ngoài", "ngoài"),
        ("khuyến", "khuyến"),
        ("hoàng", "hoàng"),
        ("toán", "toán"),
        ("khuỷu", "khuỷu"),
        ("mùa", "mùa"),
        ("gìn", "gìn"),
    ],
)
def test_tone_goes_to_one_traditional_place(given, expected):
    assert text.normalize(given) == expected


def test_normalize_turns_nfd_into_nfc_and_keeps_everything_else():
    decomposed = unicodedata.normalize("NFD", "Kế hoạch số 45/KH-LHH, ngày 15/7/2024")
    assert decomposed != "Kế hoạch số 45/KH-LHH, ngày 15/7/2024"
    assert text.normalize(decomposed) == "Kế hoạch số 45/KH-LHH, ngày 15/7/2024"


def test_normalize_leaves_non_syllables_alone():
    for word in ("COVID-19", "email@example.com", "ISO", "x2", "Tesseract"):
        assert text.normalize(word) == word


def test_fold_removes_diacritics_and_d_bar():
    assert text.fold("Kế hoạch số hóa") == "Ke hoach so hoa"
    assert text.fold("ĐẢNG CỘNG SẢN đoàn") == "DANG CONG SAN doan"


def test_syllables_split_on_punctuation_and_keep_single_letters():
    assert text.syllables("Ở đây, ý kiến: a/b") == ["Ở", "đây", "ý", "kiến", "a", "b"]


def test_normalize_is_place_tone_on_every_word_of_a_real_text():
    """`normalize` looks at each distinct word once; the text is the same as placing the tone
    of every word in turn: on the relevance set's pages, on raw OCR text with its diacritics
    damaged, on both tone placements, NFD and mixed case."""
    import re
    import sys

    from conftest import REPO

    sys.path.insert(0, str(REPO / "bench"))
    import search_relevance

    pages = search_relevance.load_pages()
    texts = [page["text"] for page in pages] + [page["raw_text"] for page in pages]
    texts.append("HOÀ hoà Hòa thuỷ KHOẺ khỏe ngoài Quý quí " + unicodedata.normalize("NFD", "hoà"))
    for one in texts:
        one_by_one = re.sub(r"\w+", lambda m: text.place_tone(m.group()), text.nfc(one))
        assert text.normalize(one) == one_by_one
    assert text.normalize("HOÀ hoà thuỷ") == "HÒA hòa thủy"
