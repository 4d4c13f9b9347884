"""The last page's fields: the signing authority and the signer.

At the foot of a record, right of the recipients, Decree 30 prints the authority in uppercase
(`TM. BAN THƯỜNG VỤ`, `KT. CHỦ TỊCH` / `PHÓ CHỦ TỊCH`, `TL. GIÁM ĐỐC`, `TUQ.`, `Q.`, or just
`CHỦ TỊCH`), leaves room for the signature and the red seal, and prints the signer's name. The
seal and the signature leave specks and broken words that `ingest.layout` mostly drops; what is
left is read here. Office titles and surnames come from short lists, so a title read without
its diacritics (`CHANH VAN PHONG`) or a surname whose first letter the seal hid (`guyễn`) is
given back in full.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from sohoa.archive.text import fold
from sohoa.ingest.describe.header import folded
from sohoa.ingest.layout import Layout, Line

PREFIX = re.compile(r"^(TM|KT|TL|TUQ|Q)\s*[.,]\s*", re.IGNORECASE)
TITLES = (
    "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "CHÁNH VĂN PHÒNG",
    "PHÓ CHÁNH VĂN PHÒNG", "TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", "BÍ THƯ", "PHÓ BÍ THƯ",
    "TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", "HIỆU TRƯỞNG", "VIỆN TRƯỞNG", "CHÁNH THANH TRA",
    "TỔNG BIÊN TẬP", "CHỦ NHIỆM", "TRƯỞNG ĐOÀN", "THƯ KÝ", "CHỦ TỌA", "TỔNG THƯ KÝ",
    "ỦY BAN NHÂN DÂN", "BAN THƯỜNG VỤ", "BAN CHẤP HÀNH", "BAN THƯỜNG TRỰC", "THƯỜNG TRỰC",
    "HỘI ĐỒNG NHÂN DÂN", "ĐOÀN CHỦ TỊCH", "BAN CHỦ NHIỆM", "BAN GIÁM ĐỐC", "TỈNH ỦY",
)  # fmt: skip
SURNAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Đoàn Lương "
    "Trịnh Mai Trương Đào Cao Lâm Hà Tạ Tô Chu Thái Lưu Phùng Vương Kiều Hứa Quách Đồng Lại "
    "Tăng Triệu Khúc Thân Nông Lò Châu La Âu Từ Đàm Nghiêm Mạc Tống Giang Kim Hầu Lục Ông "
    "Doãn Diệp Lã Vi Khổng Tôn Nhữ Ninh Quan Thạch Sầm Hoàng Văn"
).split()
_FOLDED_TITLES = {folded(title): title for title in TITLES}
_FOLDED_SURNAMES = {folded(name): name for name in SURNAMES}


def find_signature(layout: Layout) -> tuple[tuple[str, float] | None, tuple[str, float] | None]:
    """(authority, signer) from a last page, each with a confidence, or None where absent."""
    lines = layout.zone("signature") or _right_foot(layout)
    authority_lines: list[Line] = []
    signer = None
    for line in lines:
        text = " ".join(line.text.split())
        if _is_authority(text) and signer is None:
            authority_lines.append(line)
        elif authority_lines and _name(text):
            signer = (_name(text), _confidence([line]))
    authority = None
    if authority_lines:
        text = "\n".join(_authority_line(line.text) for line in authority_lines)
        authority = (text, _confidence(authority_lines))
    return authority, signer


def _right_foot(layout: Layout) -> list[Line]:
    """Without a foot found by the layout, the body's last lines on the right of the page's
    lower half."""
    return [
        line
        for line in layout.zone("body")[-10:]
        if line.box[0] >= layout.width * 0.45 and line.box[1] > layout.height / 2
    ]


def _is_authority(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    upper = len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.7 * len(letters)
    return bool(PREFIX.match(text)) or upper


def _authority_line(text: str) -> str:
    """One authority line, its prefix in the standard form (`KT.`) and a title from the list
    written in full when the OCR lost its diacritics."""
    text = " ".join(text.split()).strip(" ,;:")
    prefix = ""
    match = PREFIX.match(text)
    if match:
        prefix, text = match.group(1).upper() + ". ", text[match.end() :]
    best = process.extractOne(folded(text), _FOLDED_TITLES.keys(), scorer=fuzz.ratio)
    if best is not None and best[1] >= 90:
        text = _FOLDED_TITLES[best[0]]
    return prefix + text.upper()


def _name(text: str) -> str | None:
    """A person's name (2-5 capitalised words of letters), its surname given back from the list
    when the OCR lost or damaged part of it; None if the line is not a name."""
    words = re.sub(r"[^\w\s]", " ", text).split()
    if not 2 <= len(words) <= 5 or not all(w.isalpha() for w in words):
        return None
    if not all(w[0].isupper() and (len(w) == 1 or not w[1:].isupper()) for w in words[1:]):
        return None
    surname = folded(words[0])
    if surname not in _FOLDED_SURNAMES:
        best = process.extractOne(surname, _FOLDED_SURNAMES.keys(), scorer=fuzz.ratio)
        if best is None or best[1] < 75:
            return None
        words[0] = _FOLDED_SURNAMES[best[0]]
    elif fold(words[0]) == words[0]:
        words[0] = _FOLDED_SURNAMES[surname]
    return " ".join(words)


def _confidence(lines: list[Line]) -> float:
    values = [conf for line in lines for _, conf in line.words]
    return round(sum(values) / len(values), 3) if values else 0.0
