"""Short closed lists that metadata is checked against: provinces, the words issuing bodies are
named with, signing titles and surnames.

The fields a record is filed by are formulaic: an issuer is built from a few dozen words and a
place name, an authority from a prefix and an office, a signer from one of a hundred surnames.
OCR damage that the diacritic repair rightly leaves alone in running text (`TĨNH` and `BẠN` are
real words) is plain damage in those fields, so a word that folds to a listed word is written
as listed. Only words that are not already listed forms are changed (`CỘNG` stays, though it
folds like `CÔNG`).
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from sohoa.archive.text import fold
from sohoa.ingest.repair.syllable import is_syllable

PROVINCES = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bắc Giang", "Bắc Kạn", "Bạc Liêu", "Bắc Ninh", "Bến Tre",
    "Bình Định", "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau", "Cần Thơ", "Cao Bằng",
    "Đà Nẵng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai",
    "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương", "Hải Phòng", "Hậu Giang",
    "Hòa Bình", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu", "Lâm Đồng",
    "Lạng Sơn", "Lào Cai", "Long An", "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận",
    "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị",
    "Sóc Trăng", "Sơn La", "Tây Ninh", "Thái Bình", "Thái Nguyên", "Thanh Hóa",
    "Thừa Thiên Huế", "Huế", "Tiền Giang", "Hồ Chí Minh", "Trà Vinh", "Tuyên Quang",
    "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
    # provinces of earlier years, named on older records
    "Hà Tây", "Hà Bắc", "Bắc Thái", "Vĩnh Phú", "Hải Hưng", "Nam Hà", "Minh Hải", "Sông Bé",
    "Quảng Nam - Đà Nẵng", "Nghĩa Bình", "Phú Khánh", "Hà Sơn Bình", "Hoàng Liên Sơn",
    "Cửu Long", "Thuận Hải", "Nghệ Tĩnh", "Bình Trị Thiên", "Gia Lai - Kon Tum", "Hà Nam Ninh",
)  # fmt: skip

ISSUER_WORDS = """
ỦY UỶ BAN NHÂN DÂN TỈNH THÀNH PHỐ HUYỆN QUẬN THỊ XÃ PHƯỜNG TRẤN SỞ PHÒNG HỘI LIÊN HIỆP CÁC
KHOA HỌC VÀ KỸ THUẬT CÔNG NGHỆ QUẢN LÝ KHU NGHIỆP NÔNG THÔN PHÁT TRIỂN LAO ĐỘNG THƯƠNG BINH
GIÁO DỤC ĐÀO TẠO TÀI CHÍNH NGUYÊN MÔI TRƯỜNG VĂN HÓA THỂ THAO DU LỊCH Y TẾ NỘI VỤ TƯ PHÁP
XÂY DỰNG GIAO THÔNG VẬN TẢI KẾ HOẠCH ĐẦU TƯ THÔNG TIN TRUYỀN THANH TRA ĐẢNG BỘ THƯỜNG
CHẤP HÀNH TRUNG ƯƠNG ĐOÀN NIÊN CỘNG SẢN HỒ CHÍ MINH MẶT TRẬN TỔ QUỐC VIỆT NAM PHỤ NỮ CỰU
CHIẾN KIẾN TRÚC SƯ TIN LUẬT GIA NHÀ BÁO NGHỆ SĨ TRÍ THỨC TÂM CHI CỤC ĐẠI CAO ĐẲNG VIỆN NGHIÊN
CỨU ỨNG DỤNG TỘC TÔN NGOẠI QUỐC AN KIỂM SOÁT TÒA ÁN ĐỒNG CHỦ TỊCH KH&KT LHH UBND HĐND
""".split()

# Two-word names whose words are each real words, so that only the pair tells which is meant.
ISSUER_PHRASES = (
    "CƠ QUAN", "ĐÔNG Y", "Y HỌC", "VIÊN CHỨC", "CHỮ THẬP", "THẬP ĐỎ", "ĐẢNG BỘ", "ĐẢNG ỦY",
    "TỈNH ỦY", "HUYỆN ỦY", "KHOA HỌC", "KỸ THUẬT", "CÔNG NGHỆ", "NHÂN DÂN", "ỦY BAN",
    "THƯỜNG VỤ", "CHẤP HÀNH", "LIÊN ĐOÀN", "CÔNG ĐOÀN", "LAO ĐỘNG", "THƯƠNG BINH", "XÃ HỘI",
    "GIÁO DỤC", "ĐÀO TẠO", "TÀI CHÍNH", "KẾ HOẠCH", "ĐẦU TƯ", "VĂN HÓA", "THỂ THAO", "DU LỊCH",
    "NỘI VỤ", "TƯ PHÁP", "XÂY DỰNG", "GIAO THÔNG", "VẬN TẢI", "NÔNG NGHIỆP", "NÔNG THÔN",
    "PHÁT TRIỂN", "TÀI NGUYÊN", "MÔI TRƯỜNG", "THÔNG TIN", "TRUYỀN THÔNG", "Y TẾ", "CÔNG THƯƠNG",
    "CÔNG NGHIỆP", "QUẢN LÝ", "TRÍ THỨC", "KIẾN TRÚC", "LUẬT GIA", "NHÀ BÁO", "VĂN NGHỆ",
    "CHIẾN BINH", "PHỤ NỮ", "NÔNG DÂN", "THANH NIÊN", "MẶT TRẬN", "TỔ QUỐC", "HỘI ĐỒNG",
    "CHI BỘ", "VĂN PHÒNG", "TRUNG TÂM", "CHI CỤC", "TIN HỌC", "LIÊN HIỆP", "HỘI NỮ",
    "KHUYẾN HỌC", "KHUYẾN NÔNG", "CỰU CHIẾN", "SINH VIÊN", "DÂN TỘC", "TÔN GIÁO", "NGOẠI VỤ",
)  # fmt: skip

HYPHENATED = (
    "TÀI CHÍNH - KẾ HOẠCH", "LAO ĐỘNG - THƯƠNG BINH", "BÀ RỊA - VŨNG TÀU",
    "PHÁT THANH - TRUYỀN HÌNH", "VĂN HÓA - THÔNG TIN", "VĂN HÓA - THỂ THAO",
)  # fmt: skip

TITLES = (
    "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "PHÓ CHỦ TỊCH THƯỜNG TRỰC", "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC",
    "CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", "TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", "BÍ THƯ",
    "PHÓ BÍ THƯ", "PHÓ BÍ THƯ THƯỜNG TRỰC", "TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG",
    "TRƯỞNG PHÒNG TỔNG HỢP", "HIỆU TRƯỞNG", "VIỆN TRƯỞNG", "CHÁNH THANH TRA", "TỔNG BIÊN TẬP",
    "CHỦ NHIỆM", "TRƯỞNG ĐOÀN", "THƯ KÝ", "CHỦ TỌA", "CHỦ TRÌ HỘI NGHỊ", "TỔNG THƯ KÝ",
    "NGƯỜI LẬP BIỂU", "NGƯỜI LÀM ĐƠN", "NGƯỜI ĐỀ NGHỊ", "NGƯỜI ĐĂNG KÝ", "NGƯỜI KÊ KHAI",
    "NGƯỜI LẬP", "CHỦ TRÌ", "ỦY BAN NHÂN DÂN", "BAN THƯỜNG VỤ", "BAN CHẤP HÀNH", "BAN THƯỜNG TRỰC",
    "THƯỜNG TRỰC", "HỘI ĐỒNG NHÂN DÂN", "ĐOÀN CHỦ TỊCH", "BAN CHỦ NHIỆM", "BAN GIÁM ĐỐC",
    "TỈNH ỦY", "ĐẢNG ỦY", "HUYỆN ỦY", "BAN TỔ CHỨC",
)  # fmt: skip
PREFIXES = ("TM.", "KT.", "TL.", "TUQ.", "Q.", "T/M")
COLLECTIVE = ("ỦY BAN NHÂN DÂN", "BAN THƯỜNG VỤ", "BAN CHẤP HÀNH", "BAN THƯỜNG TRỰC",
              "HỘI ĐỒNG NHÂN DÂN", "ĐOÀN CHỦ TỊCH", "BAN CHỦ NHIỆM")  # fmt: skip

SURNAMES = """
Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Đoàn Lương Trịnh
Mai Trương Đào Cao Lâm Hà Tạ Tô Chu Thái Lưu Phùng Vương Kiều Hứa Quách Đồng Lại Tăng Triệu
Khúc Thân Nông Lò Châu La Âu Từ Đàm Nghiêm Mạc Tống Giang Kim Hầu Lục Ông Doãn Diệp Vi Khổng
Tôn Nhữ Ninh Quan Thạch Sầm Giáp Văn Trịnh Phí Bạch Cù Lều Hàn Ứng Mông
""".split()


def _by_fold(words) -> dict[str, str]:
    """Folded, lowercased form → the listed form (the first listed wins a shared fold)."""
    table: dict[str, str] = {}
    for word in words:
        table.setdefault(folded(word), word)
    return table


def folded(text: str) -> str:
    """Folded, lowercased, single-spaced, without hyphens (OCR loses and adds them): the form
    lists are matched on."""
    return " ".join(fold(text).lower().replace("-", " ").replace("–", " ").split())


_PROVINCES = _by_fold(PROVINCES)
_ISSUER_WORDS = _by_fold(ISSUER_WORDS)
_LISTED_ISSUER_WORDS = set(ISSUER_WORDS)
_ISSUER_PHRASES = _by_fold(ISSUER_PHRASES)
_SURNAMES = _by_fold(SURNAMES)
_TITLES = _by_fold(TITLES)
_TITLE_WORDS = {word for key in _TITLES for word in key.split()} | {
    p.lower().rstrip(".") for p in PREFIXES
}
CLEAN_MATCH, DAMAGED_MATCH = 85, 75  # fuzz.ratio an authority line needs to match an office


def province(text: str) -> str | None:
    """The listed province `text` names, in its listed spelling, or None."""
    return _PROVINCES.get(folded(text))


def issuer_line(text: str) -> str:
    """An issuer line in listed spelling: words run together split (`KHOAHỌC`), the name's
    words as listed, and a province after its unit word (`TỈNH`, `THÀNH PHỐ`) as listed. Other
    place names (districts, communes) are left as read: they are not in the lists."""
    words = [part for word in text.split() for part in _split_run_together(word)]
    unit = _last_unit(words)
    head, place = (words[: unit + 1], words[unit + 1 :]) if unit is not None else (words, [])
    head = _provinces_inside(_listed_issuer_words(head))
    if place:
        place = [province_near(" ".join(place)).upper()]
    return _hyphenated(" ".join(head + place))


def _provinces_inside(words: list[str]) -> list[str]:
    """A province named after a unit word inside the line (a parent body's place, when the OCR
    ran two names together) in listed spelling."""
    keys = [folded(word) for word in words]
    for index, key in enumerate(keys[:-1]):
        if key != "tinh":
            continue
        for size in (4, 3, 2):
            name = province(" ".join(words[index + 1 : index + 1 + size]))
            if name is not None and index + 1 + size <= len(words):
                words = words[: index + 1] + name.upper().split() + words[index + 1 + size :]
                break
    return words


def _hyphenated(text: str) -> str:
    """Names printed with a dash (`TÀI CHÍNH - KẾ HOẠCH`) keep it where the OCR lost it."""
    for name in HYPHENATED:
        bare = name.replace(" - ", " ")
        if bare in text:
            text = text.replace(bare, name)
    return text


UNITS = ("tinh", "thanh pho", "huyen", "quan", "thi xa", "xa", "phuong", "thi tran")


def _last_unit(words: list[str]) -> int | None:
    """Index of the last word of the line's last administrative unit (`TỈNH`, `THÀNH PHỐ`)."""
    keys = [folded(word) for word in words]
    for index in range(len(words) - 2, -1, -1):
        if keys[index + 1] == "uy":  # `TỈNH ỦY`, `HUYỆN ỦY`: a party committee, not a unit
            continue
        if keys[index] == "quan" and index and keys[index - 1] == "co":  # `CƠ QUAN`
            continue
        if keys[index] in UNITS or " ".join(keys[index - 1 : index + 1]) in UNITS:
            return index
    return None


def _listed_issuer_words(words: list[str]) -> list[str]:
    """Words in listed spelling: two-word names first (`CƠ QUẬN` → `CƠ QUAN`, `ĐỘNG Y` →
    `ĐÔNG Y`, where each word alone is a real word), then single words not already listed."""
    fixed: list[str] = []
    index = 0
    while index < len(words):
        pair = " ".join(words[index : index + 2])
        listed_pair = _ISSUER_PHRASES.get(folded(pair))
        if index + 1 < len(words) and listed_pair:
            fixed += listed_pair.split()
            index += 2
            continue
        word = words[index]
        listed = _ISSUER_WORDS.get(folded(word)) or _one_letter_off(word)
        fixed.append(listed if listed and word not in _LISTED_ISSUER_WORDS else word)
        index += 1
    return fixed


def _one_letter_off(word: str) -> str | None:
    """The one listed issuer word `word` is a letter away from, when `word` is no Vietnamese
    syllable at all (`TTIN` → `TIN`); None otherwise."""
    if len(word) < 3 or is_syllable(word.lower()) or not word.isalpha():
        return None
    close = {w for w in ISSUER_WORDS if Levenshtein.distance(folded(w), folded(word)) == 1}
    return close.pop() if len(close) == 1 else None


def _split_run_together(word: str) -> list[str]:
    """`KHOAHỌC` → `KHOA`, `HỌC` when both halves are listed issuer words."""
    if word in _LISTED_ISSUER_WORDS or len(word) < 4:
        return [word]
    for cut in range(2, len(word) - 1):
        left, right = word[:cut], word[cut:]
        if folded(left) in _ISSUER_WORDS and folded(right) in _ISSUER_WORDS:
            return [left, right]
    return [word]


def province_near(text: str) -> str:
    """`text` as a listed province when it is one, read through a letter or two of damage."""
    exact = province(text)
    if exact is not None:
        return exact
    best = process.extractOne(folded(text), _PROVINCES.keys(), scorer=fuzz.ratio)
    close_length = best is not None and abs(len(best[0]) - len(folded(text))) <= 1
    if best is not None and best[1] >= 85 and len(best[0]) >= 6 and close_length:
        return _PROVINCES[best[0]]
    return text


def authority_line(text: str) -> str | None:
    """An authority line as listed, read through OCR damage (`-KE:GIÁM ĐỐC` → `KT. GIÁM
    ĐỐC`): the listed office that best matches the line's end, after a listed prefix, or
    after nothing but specks; None when no listed office ends the line. A collective body
    signs `TM.` (on its behalf) by rule, so `TM.` is put back when the seal hid it."""
    words = re.sub(r"[^\w\s/]", " ", fold(text)).lower().split()
    # A line with words no office has in it was damaged (by the seal, mostly): a looser match
    # is accepted there, while a clean unlisted office (`TRƯỞNG PHÒNG NỘI VỤ`) is left as read.
    damaged = any(word not in _TITLE_WORDS for word in words)
    threshold = DAMAGED_MATCH if damaged else CLEAN_MATCH
    best_score, best_line = 0.0, None
    for start in range(len(words)):
        head = words[:start]
        prefix = _prefix("".join(head)) or (_glued_prefix(head[-1]) if head else None)
        if head and prefix is None and any(len(w) > 1 and w.isalpha() for w in head):
            continue  # words stand before the office: not an authority line from here
        match = process.extractOne(" ".join(words[start:]), _TITLES.keys(), scorer=fuzz.ratio)
        if match is not None and match[1] >= threshold and match[1] > best_score:
            title = _TITLES[match[0]]
            if prefix is None and title in COLLECTIVE:
                prefix = "TM."
            best_score, best_line = match[1], f"{prefix} {title}" if prefix else title
    return best_line


def _glued_prefix(token: str) -> str | None:
    """A prefix that specks were read onto (`z4oxkt` → `KT.`, `utuq` → `TUQ.`): the ending of a
    short token. No Vietnamese word ends in these letters, so the ending is the prefix."""
    if len(token) > 7:
        return None
    for prefix in PREFIXES:
        key = prefix.lower().rstrip(".")
        if len(key) >= 2 and token.endswith(key):
            return prefix
    if len(token) >= 3 and Levenshtein.distance(token[-3:], "tuq") == 1 and token[-3] == "t":
        return "TUQ."
    return None


def _prefix(key: str) -> str | None:
    """The listed prefix (`KT.`) that `key` is, one letter off at most."""
    key = key.replace(".", "")
    if key == "k":  # the seal left one letter of `KT.`
        return "KT."
    if not key or (len(key) == 1 and key != "q"):
        return None
    distances = {p: Levenshtein.distance(key, p.lower().rstrip(".")) for p in PREFIXES}
    closest = min(distances.values())
    found = [p for p, d in distances.items() if d == closest]
    return found[0] if closest <= 1 and len(found) == 1 else None


def is_listed_word(word: str) -> bool:
    """Whether `word` is a listed issuer word or signing prefix (`UBND`, `T/M`)."""
    return word in _LISTED_ISSUER_WORDS or word in PREFIXES or word + "." in PREFIXES


def listed_surname(word: str) -> str | None:
    """The listed surname `word` is, diacritics aside (`Lề` → `Lê`), or None."""
    return _SURNAMES.get(folded(word))


def surname(word: str) -> str | None:
    """The listed surname `word` is, written as listed (`Hoằng` → `Hoàng`, `guyễn` →
    `Nguyễn`), or None if it is none of them."""
    key = folded(word)
    if key in _SURNAMES:
        return _SURNAMES[key]
    best = process.extractOne(key, _SURNAMES.keys(), scorer=fuzz.ratio)
    if best is None or best[1] < 75 or len(key) < 3:
        return None
    return _SURNAMES[best[0]]
