"""Legacy Vietnamese encodings (TCVN3, VNI) → Unicode: tables, mojibake, detection, file bytes."""

from __future__ import annotations

import unicodedata

import pytest

from sohoa.ingest.repair.legacy import ENCODINGS, convert, decode_bytes, detect, encode, fix

TONES = ("\u0301", "\u0300", "\u0309", "\u0303", "\u0323")  # sắc huyền hỏi ngã nặng


def vietnamese_letters() -> list[str]:
    """The 134 precomposed Vietnamese letters: 12 vowels with and without the five tones, and
    đ, in both cases, less the six plain ASCII vowels."""
    lowercase = [unicodedata.normalize("NFC", v + t) for v in "aăâeêioôơuưy" for t in ("", *TONES)]
    lowercase = [letter for letter in lowercase if not letter.isascii()] + ["đ"]
    return lowercase + [letter.upper() for letter in lowercase]


def has_tone(letter: str) -> bool:
    return any(mark in unicodedata.normalize("NFD", letter) for mark in TONES)


def cp1252(data: bytes) -> str:
    """What Windows shows for these bytes; cp1252's five undefined bytes as Latin-1."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in data)


LETTERS = vietnamese_letters()


def test_the_alphabet_has_134_letters():
    assert len(set(LETTERS)) == 134


# --- tables ---------------------------------------------------------------------------------

# TCVN3 as GNU libiconv's lib/tcvn.h lists it (VN1's lowercase block 0xA1-0xFE, which VN3
# shares): runs of consecutive bytes, starting byte → the letters. 74 letters in all.
TCVN3_RUNS = [
    (0xA1, "ĂÂÊÔƠƯĐăâêôơưđ"),
    (0xB5, "àảãáạ"),
    (0xBB, "ằẳẵắ"),
    (0xC6, "ặầẩẫấậè"),
    (0xCE, "ẻẽéẹềểễếệìỉ"),
    (0xDC, "ĩíịò"),
    (0xE1, "ỏõóọồổỗốộờởỡớợù"),
    (0xF1, "ủũúụừửữứựỳỷỹýỵ"),
]


def test_tcvn3_table_matches_libiconv_byte_by_byte():
    expected = {start + i: letter for start, run in TCVN3_RUNS for i, letter in enumerate(run)}
    assert len(expected) == 74
    for byte in range(0xA0, 0x100):
        # bytes VN3 leaves unassigned (VN1's capitals, VN2's loose tone marks) stay as read
        assert convert(chr(byte), "tcvn3") == expected.get(byte, chr(byte)), hex(byte)


# VNI-Windows as xvnkb's vni.h spells it (Unikey's vni_win.cpp agrees): each vowel row is the
# letter without tone, then sắc huyền hỏi ngã nặng.
VNI_ROWS = [
    ("A AÙ AØ AÛ AÕ AÏ", "A Á À Ả Ã Ạ"),
    ("AÂ AÁ AÀ AÅ AÃ AÄ", "Â Ấ Ầ Ẩ Ẫ Ậ"),
    ("AÊ AÉ AÈ AÚ AÜ AË", "Ă Ắ Ằ Ẳ Ẵ Ặ"),
    ("E EÙ EØ EÛ EÕ EÏ", "E É È Ẻ Ẽ Ẹ"),
    ("EÂ EÁ EÀ EÅ EÃ EÄ", "Ê Ế Ề Ể Ễ Ệ"),
    ("O OÙ OØ OÛ OÕ OÏ", "O Ó Ò Ỏ Õ Ọ"),
    ("OÂ OÁ OÀ OÅ OÃ OÄ", "Ô Ố Ồ Ổ Ỗ Ộ"),
    ("Ô ÔÙ ÔØ ÔÛ ÔÕ ÔÏ", "Ơ Ớ Ờ Ở Ỡ Ợ"),
    ("U UÙ UØ UÛ UÕ UÏ", "U Ú Ù Ủ Ũ Ụ"),
    ("Ö ÖÙ ÖØ ÖÛ ÖÕ ÖÏ", "Ư Ứ Ừ Ử Ữ Ự"),
    ("I Í Ì Æ Ó Ò", "I Í Ì Ỉ Ĩ Ị"),
    ("Y YÙ YØ YÛ YÕ Î", "Y Ý Ỳ Ỷ Ỹ Ỵ"),
    ("Ñ", "Đ"),
    ("a aù aø aû aõ aï", "a á à ả ã ạ"),
    ("aâ aá aà aå aã aä", "â ấ ầ ẩ ẫ ậ"),
    ("aê aé aè aú aü aë", "ă ắ ằ ẳ ẵ ặ"),
    ("e eù eø eû eõ eï", "e é è ẻ ẽ ẹ"),
    ("eâ eá eà eå eã eä", "ê ế ề ể ễ ệ"),
    ("o où oø oû oõ oï", "o ó ò ỏ õ ọ"),
    ("oâ oá oà oå oã oä", "ô ố ồ ổ ỗ ộ"),
    ("ô ôù ôø ôû ôõ ôï", "ơ ớ ờ ở ỡ ợ"),
    ("u uù uø uû uõ uï", "u ú ù ủ ũ ụ"),
    ("ö öù öø öû öõ öï", "ư ứ ừ ử ữ ự"),
    ("i í ì æ ó ò", "i í ì ỉ ĩ ị"),
    ("y yù yø yû yõ î", "y ý ỳ ỷ ỹ ỵ"),
    ("ñ", "đ"),
]


@pytest.mark.parametrize(("mojibake", "unicode"), VNI_ROWS)
def test_vni_table_matches_xvnkb(mojibake, unicode):
    assert convert(mojibake, "vni") == unicode


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_letter_round_trips_through_latin1_and_cp1252(encoding):
    for letter in LETTERS:
        data = encode(letter, encoding)
        assert not data.isascii(), letter
        # TCVN3 has no capitals with a tone: .VnTimeH users typed the lowercase code
        expected = letter.lower() if encoding == "tcvn3" and has_tone(letter) else letter
        assert convert(data.decode("latin-1"), encoding) == expected, letter
        assert convert(cp1252(data), encoding) == expected, letter


def test_tcvn3_is_one_byte_a_letter_and_has_the_seven_untoned_capitals():
    assert all(len(encode(letter, "tcvn3")) == 1 for letter in LETTERS)
    assert encode("ĂÂÊÔƠƯĐ", "tcvn3") == bytes(range(0xA1, 0xA8))
    assert encode("Ộ", "tcvn3") == encode("ộ", "tcvn3") == b"\xe9"


def test_vni_capitals_are_distinct_and_at_most_two_bytes():
    codes = {encode(letter, "vni") for letter in LETTERS}
    assert len(codes) == 134
    assert max(len(code) for code in codes) == 2


def test_the_whole_alphabet_round_trips_as_one_string():
    text = "".join(LETTERS)
    assert convert(encode(text, "vni").decode("latin-1"), "vni") == text
    tcvn3 = "".join(c.lower() if has_tone(c) else c for c in LETTERS)
    assert convert(encode(text, "tcvn3").decode("latin-1"), "tcvn3") == tcvn3


# --- mojibake -------------------------------------------------------------------------------

TCVN3_MOTTO = "Céng hoµ x· héi chñ nghÜa ViÖt Nam"
VNI_MOTTO = "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam"


def test_the_motto_in_tcvn3_gives_the_letters_as_encoded():
    # TCVN3 `hoµ` is `hoà`: conversion does not move tones (normalisation places them later)
    assert fix(TCVN3_MOTTO) == ("Cộng hoà xã hội chủ nghĩa Việt Nam", "tcvn3")


def test_the_motto_in_vni():
    assert fix(VNI_MOTTO) == ("Cộng hòa xã hội chủ nghĩa Việt Nam", "vni")


def test_conversion_gives_nfc():
    converted = convert(TCVN3_MOTTO, "tcvn3")
    assert converted == unicodedata.normalize("NFC", converted)


SENTENCE = (
    "Căn cứ Luật Lưu trữ, ủy ban nhân dân tỉnh quyết định:\n"
    "Điều 1. Ban hành kèm theo Quyết định này “Quy chế quản lý hồ sơ” – số 12/QĐ-UB.\r\n"
    "\tĐiều 2. Chánh Văn phòng, Giám đốc các sở, ngành chịu trách nhiệm thi hành."
)


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("reading", ["latin-1", "cp1252"])
def test_a_longer_text_converts_with_its_lines_and_punctuation(encoding, reading):
    data = encode(SENTENCE, encoding)
    mojibake = data.decode("latin-1") if reading == "latin-1" else cp1252(data)
    assert fix(mojibake) == (SENTENCE, encoding)


def test_the_tcvn3_sentence_as_windows_showed_it():
    mojibake = "Ban hµnh kÌm theo QuyÕt ®Þnh nµy “Quy chÕ qu¶n lý hå s¬” – sè 12/Q§-UB."
    assert fix(mojibake) == (
        "Ban hành kèm theo Quyết định này “Quy chế quản lý hồ sơ” – số 12/QĐ-UB.",
        "tcvn3",
    )


def test_the_vni_sentence_as_windows_showed_it():
    mojibake = "Ban haønh keøm theo Quyeát ñònh naøy “Quy cheá quaûn lyù hoà sô” – soá 12/QÑ-UB."
    assert fix(mojibake) == (
        "Ban hành kèm theo Quyết định này “Quy chế quản lý hồ sơ” – số 12/QĐ-UB.",
        "vni",
    )


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_cp1252_and_latin1_readings_agree(encoding):
    data = encode("“Hà Nội” – ngày 1/1/2001 … giá 5€", encoding) + b" \x81\x8d\x8f\x90\x9d"
    assert convert(data.decode("latin-1"), encoding) == convert(cp1252(data), encoding)
    assert convert(cp1252(data), encoding).endswith(" \x81\x8d\x8f\x90\x9d")


def test_characters_outside_the_legacy_ranges_are_kept():
    assert convert("Hµ Néi ☺ 漢字 — ộ", "tcvn3") == "Hà Nội ☺ 漢字 — ộ"


def test_tcvn3_capitals_with_tones_come_back_lowercase():
    # .VnTimeH drew lowercase codes as capitals; the font is not in the text
    assert convert("CéNG HOµ X· HéI", "tcvn3") == "CộNG HOà Xã HộI"


def test_unknown_encoding_is_refused():
    with pytest.raises(ValueError, match="unknown legacy encoding"):
        convert("abc", "viscii")


# --- detection ------------------------------------------------------------------------------


def test_detect_names_the_encoding():
    assert detect(TCVN3_MOTTO) == "tcvn3"
    assert detect(VNI_MOTTO) == "vni"
    assert detect(cp1252(encode(SENTENCE, "vni"))) == "vni"
    assert detect(cp1252(encode(SENTENCE, "tcvn3"))) == "tcvn3"


NOT_LEGACY = [
    "Cộng hòa xã hội chủ nghĩa Việt Nam",
    SENTENCE,
    "déjà vu, café crème",
    "Le café à côté de la forêt était très animé, où ça ? Déjà l'été.",
    "Über die Größe müssen wir noch reden, schöne Grüße aus Köln.",
    "Sí, el año está más allá de él.",
    "Plain ASCII text, Cong hoa xa hoi chu nghia Viet Nam 2001.",
    "",
    "   \n\t ",
]


@pytest.mark.parametrize("text", NOT_LEGACY)
def test_text_that_is_not_legacy_comes_back_unchanged(text):
    assert detect(text) is None
    assert fix(text) == (text, None)


def test_unicode_vietnamese_in_nfd_comes_back_nfc():
    nfd = unicodedata.normalize("NFD", "Cộng hòa xã hội chủ nghĩa Việt Nam")
    assert fix(nfd) == ("Cộng hòa xã hội chủ nghĩa Việt Nam", None)


def test_too_little_evidence_is_left_alone():
    assert fix("hoµ x·") == ("hoµ x·", None)
    assert fix("hoøa xaõ") == ("hoøa xaõ", None)


# --- bytes ----------------------------------------------------------------------------------

UNICODE_MOTTO = "Cộng hòa xã hội chủ nghĩa Việt Nam"


def test_decode_utf8():
    assert decode_bytes(UNICODE_MOTTO.encode()) == (UNICODE_MOTTO, None)


def test_decode_utf8_with_bom():
    assert decode_bytes(b"\xef\xbb\xbf" + UNICODE_MOTTO.encode()) == (UNICODE_MOTTO, None)


def test_decode_utf8_nfd_gives_nfc():
    nfd = unicodedata.normalize("NFD", UNICODE_MOTTO)
    assert decode_bytes(nfd.encode()) == (UNICODE_MOTTO, None)


def test_decode_tcvn3_bytes():
    data = TCVN3_MOTTO.encode("cp1252")
    assert decode_bytes(data) == ("Cộng hoà xã hội chủ nghĩa Việt Nam", "tcvn3")
    assert decode_bytes(encode(SENTENCE, "tcvn3")) == (SENTENCE, "tcvn3")


def test_decode_vni_bytes():
    data = VNI_MOTTO.encode("cp1252")
    assert decode_bytes(data) == (UNICODE_MOTTO, "vni")
    assert decode_bytes(encode(SENTENCE, "vni")) == (SENTENCE, "vni")


def test_decode_utf8_file_holding_mojibake():
    # legacy text pasted through a cp1252 program, then saved as UTF-8
    assert decode_bytes(VNI_MOTTO.encode()) == (UNICODE_MOTTO, "vni")


def test_decode_other_bytes_as_cp1252():
    data = "“déjà vu”, café crème – 5€".encode("cp1252")
    assert decode_bytes(data) == ("“déjà vu”, café crème – 5€", None)
    assert decode_bytes(b"ok \x81\x9d") == ("ok \x81\x9d", None)


def test_decode_ascii_and_empty():
    assert decode_bytes(b"plain text\n") == ("plain text\n", None)
    assert decode_bytes(b"") == ("", None)
