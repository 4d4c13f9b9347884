#!/usr/bin/env python3
"""Generate a labelled set of synthetic scanned Vietnamese administrative documents.

    python scripts/make_metadata_set.py --seed 2026 --count 36 --out tests/metadata_set
    python scripts/make_metadata_set.py --seed 1 --count 40 --out build/metadata-dev/seed-1

For evaluating metadata extraction (issuer, number, place, date, type, subject, signer,
authority; Decree 30/2020/NĐ-CP). Each document is drawn as it would be printed and scanned:
A4 pages as JPEG (`ID-p1.jpg`, and `ID-p2.jpg` for about a third of the documents: header on the
first page, signer on the last), with `labels.json` beside them holding what is printed.

**The committed set** `tests/metadata_set` is `--seed 2026 --count 36`; develop and tune on other
seeds (1, 2, 3 → `build/metadata-dev/seed-N`, git-ignored) so the committed figures stay honest.
Every document depends only on (seed, index): `--count 50` adds documents without changing the
first 36, and the same command always writes the same bytes. Takes about a second a page (about
50 s for the committed set, 5 s of it loading the corpus). Never run in CI.

Layouts (`LAYOUTS`, dealt from shuffled decks of 29 holding each layout `weight` times, so any 29
consecutive documents hold all of them; header columns level, as on real pages, so plain OCR
interleaves them line by line):

- `state_parent`: parent line "UBND TỈNH X" over a department ("SỞ Y TẾ"), or a district office.
- `state_single`: "ỦY BAN NHÂN DÂN / TỈNH X" (one body printed on two lines), symbol UBND.
- `lhh`: Liên hiệp các Hội KH&KT tỉnh (this project's first user), symbol LHH; weighted up.
- `party`: party body, "ĐẢNG CỘNG SẢN VIỆT NAM" on the right, "*" and "Số 45-NQ/TU".
- `cong_van`: no type title, "V/v ..." under the number, "Kính gửi:" before the body.
- `numeric_date`: "Bắc Giang, 15/7/2024" or "15/07/2024".
- `handwritten`: number and/or day written by hand in printed gaps (blue or black ink); a
  quarter of them are unsigned drafts with both gaps left blank (date "YYYY-MM", number "/KH-X").
- `typewriter`: 1990–2001, Liberation Mono, jittered glyphs, "Số: 12/QĐ-UB", old "UỶ"/"HOÀ"
  spellings and pre-1997 provinces (Hà Bắc), columns sometimes offset by half a line.
- `association`: a hội or trade union, alone ("HỘI NÔNG DÂN TỈNH X") or under a parent line.
- `minutes`: BIÊN BẢN without a number; sometimes two signature blocks (labels: the
  presiding one, on the right) and sometimes the date only in the opening sentence.
- `informal` (doc_type "KHÁC"): an application form, a list with a table, a notice photographed
  on a board, or a plain continuation page; only the fields actually printed are labelled.

Text: subjects and body paragraphs come from the *held-out* admin and legal documents of the
corpus (`scripts/corpus.py`), never from training documents. Names, places, issuers and numbers
are generated. Rendering reuses `make_ocr_pairs.py` (fonts, wrapping, `choose_degradation`,
`degrade`); pages get a red seal over the signer on most signed documents, sometimes a received
stamp over the body or a red KHẨN / HỎA TỐC stamp, a blue signature, yellowed paper, rotation,
blur, noise, fading, binarisation.

Labels (`labels.json`, a list, NFC): {"id", "pages", "layout", "seed", "index", "font",
"size_pt", "dpi", "source" (corpus document), "fields": {"issuer", "number", "place", "date",
"doc_type", "subject", "signer", "authority"}, "handwritten": [fields written by hand],
"extras": {"seal", "stamp", "signature", and per page "colour", "degradation", "jpeg_quality"}}.
Field conventions: issuer levels (parent line, body) joined by "\\n", a name wrapped over two
printed lines joined by a space; authority lines joined by "\\n"; subject lines joined by a space
(công văn: the "V/v ..." text); date ISO; "" when the page does not carry the field.
Pages are greyscale JPEG unless something on them is coloured (seal, ink, yellowed paper),
written with their dpi, mostly 150 dpi (200 and 300 rarer). Size: the committed set must stay
under 5 MB, and text is what JPEG codes worst (a dense 150 dpi page is ~160 KB even at q 35), so
quality starts at 55–70 and is lowered until the page fits 85 KB, not below q 25 (150 dpi) to
q 15 (300 dpi); after a light scanner blur the artefacts stay under the glyphs' size.
"""

from __future__ import annotations

import argparse
import calendar
import io
import itertools
import json
import math
import random
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402
import make_ocr_pairs as pairs  # noqa: E402

LIB, LIB1, DJV = pairs.LIB, "/usr/share/fonts/truetype/liberation/", pairs.DJV
MAX_PAGE_BYTES = 85_000  # the committed set must stay small: JPEG quality gives way to this

# ------------------------------------------------------------------------------------- fonts


def _family(reg: str, bold: str, ital: str, bital: str) -> dict[str, str]:
    return {"regular": reg, "bold": bold, "italic": ital, "bolditalic": bital}


FAMILIES = {  # name -> (faces, weight); Liberation Serif is metric-compatible with Times
    "Liberation Serif": (
        _family(
            *(LIB + f"LiberationSerif-{s}.ttf" for s in ("Regular", "Bold", "Italic")),
            LIB + "LiberationSerif-BoldItalic.ttf",
        ),
        8,
    ),
    "DejaVu Serif": (
        _family(*(DJV + f"DejaVuSerif{s}.ttf" for s in ("", "-Bold", "-Italic", "-BoldItalic"))),
        2,
    ),
    "DejaVu Serif Condensed": (
        _family(
            *(DJV + f"DejaVuSerifCondensed{s}.ttf" for s in ("", "-Bold", "-Italic", "-BoldItalic"))
        ),
        1,
    ),
    "Liberation Sans": (
        _family(
            *(LIB + f"LiberationSans-{s}.ttf" for s in ("Regular", "Bold", "Italic")),
            LIB + "LiberationSans-BoldItalic.ttf",
        ),
        1,
    ),
}
# DejaVu Sans Mono lacks most precomposed Vietnamese letters and misplaces the marks it
# composes (KÊ´HOẠCH), so Liberation Mono is the only typewriter face
TYPEWRITERS = {
    "Liberation Mono": _family(
        *(LIB + f"LiberationMono-{s}.ttf" for s in ("Regular", "Bold", "Italic", "BoldItalic"))
    )
}
HAND_FONTS = (  # oblique faces stand in for handwriting, each glyph jittered and turned
    DJV + "DejaVuSans-Oblique.ttf",
    DJV + "DejaVuSansCondensed-Oblique.ttf",
    LIB + "LiberationSans-Italic.ttf",
    LIB + "LiberationSerif-Italic.ttf",
)
INK_BLUE = ((20, 40, 150), (30, 60, 170), (25, 35, 110))
INK_BLACK = ((35, 35, 45),)
SEAL_RED = ((205, 30, 40), (220, 45, 55), (190, 25, 60))

# --------------------------------------------------------------------------- names and places

SURNAMES = {
    "Nguyễn": 30, "Trần": 11, "Lê": 9, "Phạm": 7, "Hoàng": 5, "Phan": 4, "Vũ": 4, "Đặng": 2,
    "Bùi": 2, "Đỗ": 2, "Ngô": 2, "Huỳnh": 2, "Võ": 2, "Hồ": 1, "Dương": 1, "Lý": 1, "Đào": 1,
    "Đinh": 1, "Trịnh": 1, "Mai": 1, "Lương": 1, "Hà": 1, "Thân": 1, "Giáp": 1, "Chu": 1, "Tạ": 1,
}  # fmt: skip
MIDDLE = {
    "m": ["Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Ngọc", "Thanh", "Xuân", "Công", "Thế",
          "Đình", "Quốc", "Mạnh", "Duy", "Trọng", "Tiến", "Bá", "Anh", "Hồng"],
    "f": ["Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Minh", "Hồng", "Kim", "Thúy", "Phương"],
}  # fmt: skip
GIVEN = {
    "m": ["An", "Bình", "Cường", "Dũng", "Hải", "Hiếu", "Hòa", "Hùng", "Huy", "Khánh", "Long",
          "Minh", "Nam", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tâm", "Thắng", "Thành", "Trung",
          "Tuấn", "Tú", "Việt", "Vinh", "Thuận", "Tài", "Lợi", "Đạt", "Khoa", "Lâm", "Kiên",
          "Chiến", "Hưng", "Đông", "Toàn", "Thịnh"],
    "f": ["Hà", "Hạnh", "Hương", "Lan", "Linh", "Mai", "Nga", "Ngọc", "Phương", "Thảo", "Thủy",
          "Yến", "Hằng", "Huyền", "Loan", "Nhung", "Oanh", "Trang", "Vân", "Hoa", "Dung", "Liên"],
}  # fmt: skip
PROVINCES = [  # (name, kind); Bắc Giang, home of the first user, is weighted up in `province`
    ("Bắc Giang", "TỈNH"), ("Hà Nội", "THÀNH PHỐ"), ("Hải Phòng", "THÀNH PHỐ"),
    ("Đà Nẵng", "THÀNH PHỐ"), ("Cần Thơ", "THÀNH PHỐ"), ("Hồ Chí Minh", "THÀNH PHỐ"),
    ("Quảng Ngãi", "TỈNH"), ("Nghệ An", "TỈNH"), ("Thanh Hóa", "TỈNH"), ("Thái Nguyên", "TỈNH"),
    ("Lạng Sơn", "TỈNH"), ("Bắc Ninh", "TỈNH"), ("Hưng Yên", "TỈNH"), ("Nam Định", "TỈNH"),
    ("Ninh Bình", "TỈNH"), ("Hà Tĩnh", "TỈNH"), ("Quảng Bình", "TỈNH"), ("Quảng Trị", "TỈNH"),
    ("Thừa Thiên Huế", "TỈNH"), ("Quảng Nam", "TỈNH"), ("Bình Định", "TỈNH"), ("Phú Yên", "TỈNH"),
    ("Khánh Hòa", "TỈNH"), ("Gia Lai", "TỈNH"), ("Đắk Lắk", "TỈNH"), ("Lâm Đồng", "TỈNH"),
    ("Đồng Nai", "TỈNH"), ("Bình Dương", "TỈNH"), ("Long An", "TỈNH"), ("Tiền Giang", "TỈNH"),
    ("Bến Tre", "TỈNH"), ("An Giang", "TỈNH"), ("Kiên Giang", "TỈNH"), ("Cà Mau", "TỈNH"),
    ("Sóc Trăng", "TỈNH"), ("Vĩnh Long", "TỈNH"), ("Tuyên Quang", "TỈNH"), ("Yên Bái", "TỈNH"),
    ("Lào Cai", "TỈNH"), ("Điện Biên", "TỈNH"), ("Sơn La", "TỈNH"), ("Hòa Bình", "TỈNH"),
    ("Phú Thọ", "TỈNH"), ("Vĩnh Phúc", "TỈNH"), ("Hải Dương", "TỈNH"), ("Thái Bình", "TỈNH"),
    ("Hà Giang", "TỈNH"), ("Cao Bằng", "TỈNH"), ("Bắc Kạn", "TỈNH"), ("Kon Tum", "TỈNH"),
    ("Đắk Nông", "TỈNH"), ("Ninh Thuận", "TỈNH"), ("Bình Thuận", "TỈNH"), ("Tây Ninh", "TỈNH"),
    ("Bà Rịa - Vũng Tàu", "TỈNH"), ("Đồng Tháp", "TỈNH"), ("Trà Vinh", "TỈNH"),
    ("Bạc Liêu", "TỈNH"), ("Quảng Ninh", "TỈNH"), ("Hà Nam", "TỈNH"), ("Lai Châu", "TỈNH"),
]  # fmt: skip
DISTRICTS = {
    "Bắc Giang": ["Lục Nam", "Yên Thế", "Lạng Giang", "Hiệp Hòa", "Tân Yên", "Việt Yên"],
    "Nghệ An": ["Diễn Châu", "Quỳnh Lưu", "Đô Lương"],
    "Thanh Hóa": ["Hoằng Hóa", "Nga Sơn", "Thọ Xuân"],
    "Quảng Ngãi": ["Tư Nghĩa", "Sơn Tịnh", "Mộ Đức"],
}


@dataclass
class Place:
    name: str  # "Bắc Giang"
    unit: str  # "TỈNH BẮC GIANG"
    place: str  # as printed before the date: "Bắc Giang", "TP. Hồ Chí Minh"
    lower: str  # "tỉnh Bắc Giang", for running text


BEFORE_1997 = {  # provinces split on 1 January 1997 (or 2004) -> the province before
    "Bắc Giang": "Hà Bắc", "Bắc Ninh": "Hà Bắc", "Thái Nguyên": "Bắc Thái", "Bắc Kạn": "Bắc Thái",
    "Quảng Nam": "Quảng Nam - Đà Nẵng", "Bình Dương": "Sông Bé", "Bình Phước": "Sông Bé",
    "Vĩnh Phúc": "Vĩnh Phú", "Phú Thọ": "Vĩnh Phú", "Hải Dương": "Hải Hưng", "Hưng Yên": "Hải Hưng",
    "Hà Nam": "Nam Hà", "Nam Định": "Nam Hà", "Cà Mau": "Minh Hải", "Bạc Liêu": "Minh Hải",
}  # fmt: skip
SINCE_2004 = {"Đắk Nông": "Đắk Lắk", "Điện Biên": "Lai Châu", "Hậu Giang": "Cần Thơ"}


def province(rng: random.Random, year: int = 2020) -> Place:
    name, kind = rng.choices(PROVINCES, weights=[12] + [1] * (len(PROVINCES) - 1))[0]
    if year < 2004:
        name = SINCE_2004.get(name, name)
    if year < 1997:
        name = BEFORE_1997.get(name, name)
        kind = "TỈNH" if name in BEFORE_1997.values() else kind
    place = rng.choice(["TP. Hồ Chí Minh", "Thành phố Hồ Chí Minh"]) if "Chí" in name else name
    return Place(name, f"{kind} {name.upper()}", place, f"{kind.lower()} {name}")


def district(rng: random.Random) -> tuple[Place, Place]:
    """(province, district) for district-level bodies; the district's name is the place."""
    name = rng.choice(sorted(DISTRICTS))
    prov = Place(name, f"TỈNH {name.upper()}", name, f"tỉnh {name}")
    d = rng.choice(DISTRICTS[name])
    return prov, Place(d, f"HUYỆN {d.upper()}", d, f"huyện {d}")


def person(rng: random.Random, male_share: float = 0.7) -> str:
    sex = "m" if rng.random() < male_share else "f"
    parts = [rng.choices(list(SURNAMES), weights=list(SURNAMES.values()))[0]]
    parts.append(rng.choice(MIDDLE[sex]))
    if rng.random() < 0.12:
        parts.append(rng.choice(MIDDLE[sex][3:]))
    parts.append(rng.choice(GIVEN[sex]))
    return " ".join(dict.fromkeys(parts))  # no repeated part ("Ngọc Ngọc")


# ----------------------------------------------------------------------------------- issuers

TYPE_SYMBOL = {
    "KẾ HOẠCH": "KH", "BÁO CÁO": "BC", "QUYẾT ĐỊNH": "QĐ", "THÔNG BÁO": "TB", "TỜ TRÌNH": "TTr",
    "BIÊN BẢN": "BB", "CHỈ THỊ": "CT", "NGHỊ QUYẾT": "NQ", "CHƯƠNG TRÌNH": "CTr",
    "HƯỚNG DẪN": "HD", "GIẤY MỜI": "GM",
}  # fmt: skip
DEPARTMENTS = [  # (name, symbol, head); under "UBND TỈNH X"
    ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", "SKHCN", "GIÁM ĐỐC"),
    ("SỞ GIÁO DỤC VÀ ĐÀO TẠO", "SGDĐT", "GIÁM ĐỐC"),
    ("SỞ Y TẾ", "SYT", "GIÁM ĐỐC"),
    ("SỞ TÀI CHÍNH", "STC", "GIÁM ĐỐC"),
    ("SỞ NỘI VỤ", "SNV", "GIÁM ĐỐC"),
    ("SỞ TƯ PHÁP", "STP", "GIÁM ĐỐC"),
    ("SỞ NÔNG NGHIỆP VÀ\nPHÁT TRIỂN NÔNG THÔN", "SNN", "GIÁM ĐỐC"),
    ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG", "STTTT", "GIÁM ĐỐC"),
    ("SỞ VĂN HÓA, THỂ THAO\nVÀ DU LỊCH", "SVHTTDL", "GIÁM ĐỐC"),
    ("SỞ KẾ HOẠCH VÀ ĐẦU TƯ", "SKHĐT", "GIÁM ĐỐC"),
    ("SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "STNMT", "GIÁM ĐỐC"),
    ("SỞ LAO ĐỘNG - THƯƠNG BINH\nVÀ XÃ HỘI", "SLĐTBXH", "GIÁM ĐỐC"),
    ("BAN QUẢN LÝ\nCÁC KHU CÔNG NGHIỆP", "BQL", "TRƯỞNG BAN"),
]
DISTRICT_OFFICES = [
    ("PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "PGDĐT", "TRƯỞNG PHÒNG"),
    ("PHÒNG NỘI VỤ", "PNV", "TRƯỞNG PHÒNG"),
    ("PHÒNG TÀI CHÍNH - KẾ HOẠCH", "TCKH", "TRƯỞNG PHÒNG"),
    ("PHÒNG VĂN HÓA VÀ THÔNG TIN", "VHTT", "TRƯỞNG PHÒNG"),
]
ASSOCIATIONS_UNDER_LHH = [  # (name, symbol)
    ("HỘI TIN HỌC", "HTH"), ("HỘI Y HỌC", "HYH"), ("HỘI LÀM VƯỜN", "HLV"),
    ("HỘI ĐÔNG Y", "HĐY"), ("HỘI KIẾN TRÚC SƯ", "HKTS"), ("HỘI NỮ TRÍ THỨC", "HNTT"),
]  # fmt: skip
ASSOCIATIONS_ALONE = [
    ("HỘI NÔNG DÂN", "HND"), ("HỘI CỰU CHIẾN BINH", "CCB"), ("HỘI CHỮ THẬP ĐỎ", "CTĐ"),
    ("HỘI KHUYẾN HỌC", "HKH"), ("HỘI LIÊN HIỆP PHỤ NỮ", "HPN"),
]  # fmt: skip
UNIONS = [("CÔNG ĐOÀN NGÀNH GIÁO DỤC", "CĐN"), ("CÔNG ĐOÀN VIÊN CHỨC\nTỈNH", "CĐVC")]
CV_UNITS = ["VP", "TH", "KT", "VX", "NC", "TTHC", "KGVX", "QLKH", "TCCB", "KHTC", "TĐKT"]


@dataclass
class Issuer:
    """Who issues: what the left header prints, how numbers are formed, who signs."""

    units: list[tuple[str, bool]]  # (text, bold); "\n" inside = a printed line break
    symbol: str  # "LHH", "UBND", "SKHCN"
    authorities: list[str]  # signing blocks, lines joined by "\n"
    types: list[str]  # document types it issues
    seal: str  # text around the seal
    place: Place
    head: str = ""  # heading line of a QUYẾT ĐỊNH ("GIÁM ĐỐC SỞ ...")
    party: bool = False
    mark: str = "underline"  # under the issuer: underline | star

    @property
    def label(self) -> str:
        return "\n".join(text.replace("\n", " ") for text, _ in self.units)


GENERAL_TYPES = ["KẾ HOẠCH", "BÁO CÁO", "QUYẾT ĐỊNH", "THÔNG BÁO", "TỜ TRÌNH", "HƯỚNG DẪN"]


def head_authorities(head: str) -> list[str]:
    """Signing blocks of a body led by `head` (GIÁM ĐỐC); the plain and KT. ones twice. A
    district office (TRƯỞNG PHÒNG) has no office of its own to sign for it."""
    deputy = "PHÓ " + head
    if head == "TRƯỞNG PHÒNG":
        return [head, f"KT. {head}\n{deputy}", f"Q. {head}"]
    return [head, f"KT. {head}\n{deputy}", f"TL. {head}\nCHÁNH VĂN PHÒNG", f"Q. {head}",
            f"TUQ. {head}\nTRƯỞNG PHÒNG TỔNG HỢP", f"KT. {head}\n{deputy}", head]  # fmt: skip


def issuer_department(rng: random.Random, year: int) -> Issuer:
    if rng.random() < 0.2:
        _, place = district(rng)
        name, sym, head = rng.choice(DISTRICT_OFFICES)
        parent = f"UBND {place.unit}"
    else:
        place = province(rng, year)
        name, sym, head = rng.choice(DEPARTMENTS)
        parent = f"UBND {place.unit}"
        if rng.random() < 0.3 and "PHỐ" not in place.unit and len(place.name) < 10:
            parent = f"ỦY BAN NHÂN DÂN {place.unit}"
    return Issuer(
        units=[(parent, False), (name, True)],
        symbol=sym,
        authorities=head_authorities(head),
        types=GENERAL_TYPES,
        seal=f"{name} {place.unit}" if "PHÒNG" not in name else f"{name} * {place.unit}",
        place=place,
        head=f"{head} {name}",
    )


def issuer_ubnd(rng: random.Random, year: int) -> Issuer:
    if rng.random() < 0.2:
        _, place = district(rng)
    else:
        place = province(rng, year)
    ubnd = "UỶ BAN NHÂN DÂN" if year < 2000 else "ỦY BAN NHÂN DÂN"
    return Issuer(
        units=[(f"{ubnd}\n{place.unit}", True)],
        symbol="UBND",
        authorities=[
            "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH",
            "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
            "CHỦ TỊCH",
            "TL. CHỦ TỊCH\nCHÁNH VĂN PHÒNG",
            "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
            "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
        ],  # fmt: skip
        types=["QUYẾT ĐỊNH", "CHỈ THỊ", "KẾ HOẠCH", "BÁO CÁO", "THÔNG BÁO", "TỜ TRÌNH"],
        seal=f"ỦY BAN NHÂN DÂN {place.unit}",
        place=place,
        head=f"CHỦ TỊCH ỦY BAN NHÂN DÂN {place.unit}",
    )


def issuer_lhh(rng: random.Random, year: int) -> Issuer:
    place = province(rng, year)
    unit = place.unit
    text = rng.choice(
        [
            f"LIÊN HIỆP CÁC HỘI KHOA HỌC\nVÀ KỸ THUẬT {unit}",
            f"LIÊN HIỆP CÁC HỘI KHOA HỌC VÀ KỸ THUẬT {unit}",
            f"LIÊN HIỆP CÁC HỘI KH&KT\n{unit}",
        ]
    )
    units = [(text, True)]
    if rng.random() < 0.25:
        units.insert(0, (f"UBND {unit}", False))
    return Issuer(
        units=units,
        symbol="LHH",
        authorities=[
            "TM. BAN THƯỜNG VỤ\nCHỦ TỊCH",
            "TM. BAN THƯỜNG VỤ\nPHÓ CHỦ TỊCH",
            "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
            "CHỦ TỊCH",
            "TL. CHỦ TỊCH\nCHÁNH VĂN PHÒNG",
            "TUQ. CHỦ TỊCH\nCHÁNH VĂN PHÒNG",
            "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH THƯỜNG TRỰC",
        ],  # fmt: skip
        types=GENERAL_TYPES + ["CHƯƠNG TRÌNH", "GIẤY MỜI", "KẾ HOẠCH", "BÁO CÁO"],
        seal=f"LIÊN HIỆP CÁC HỘI KHOA HỌC VÀ KỸ THUẬT {unit}",
        place=place,
        head=f"BAN THƯỜNG VỤ LIÊN HIỆP CÁC HỘI KHOA HỌC VÀ KỸ THUẬT {unit}",
    )


def issuer_association(rng: random.Random, year: int) -> Issuer:
    place = province(rng, year)
    roll = rng.random()
    if roll < 0.45:
        name, sym = rng.choice(ASSOCIATIONS_UNDER_LHH)
        units = [(f"LIÊN HIỆP CÁC HỘI KH&KT {place.unit}", False), (name, True)]
        seal = f"{name} {place.unit}"
    elif roll < 0.8:
        name, sym = rng.choice(ASSOCIATIONS_ALONE)
        units = [(f"{name}\n{place.unit}", True)]
        seal = f"{name} {place.unit}"
    else:
        name, sym = rng.choice(UNIONS)
        name = name.replace("TỈNH", place.unit)
        units = [(f"LIÊN ĐOÀN LAO ĐỘNG {place.unit}", False), (name, True)]
        seal = f"{name}"
    return Issuer(
        units=units,
        symbol=sym,
        authorities=[
            "TM. BAN CHẤP HÀNH\nCHỦ TỊCH",
            "TM. BAN THƯỜNG VỤ\nPHÓ CHỦ TỊCH",
            "CHỦ TỊCH",
            "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
            "TM. BAN CHẤP HÀNH\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
        ],  # fmt: skip
        types=["KẾ HOẠCH", "BÁO CÁO", "THÔNG BÁO", "QUYẾT ĐỊNH", "CHƯƠNG TRÌNH", "NGHỊ QUYẾT"],
        seal=seal,
        place=place,
        head=f"BAN THƯỜNG VỤ {name}",
    )


def issuer_party(rng: random.Random, year: int) -> Issuer:
    place = province(rng, year)
    p = place.name.upper()
    variants = [
        ([(f"TỈNH ỦY {p}", True)], "TU", "BAN THƯỜNG VỤ", f"TỈNH ỦY {p}"),
        ([(f"ĐẢNG BỘ {place.unit}", False), ("BAN THƯỜNG VỤ TỈNH ỦY", True)], "TU",
         "BAN THƯỜNG VỤ", f"TỈNH ỦY {p}"),
        ([(f"ĐẢNG BỘ {place.unit}", False), ("ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH", True)], "ĐUK",
         "BAN THƯỜNG VỤ", f"ĐẢNG ỦY KHỐI CÁC CƠ QUAN {place.unit}"),
        ([("ĐẢNG BỘ KHỐI CÁC CƠ QUAN TỈNH", False), ("CHI BỘ LIÊN HIỆP CÁC HỘI\nKH&KT TỈNH", True)],
         "CB", "CHI BỘ", f"CHI BỘ LIÊN HIỆP CÁC HỘI KH&KT {place.unit}"),
        ([("ĐẢNG BỘ KHỐI CÁC CƠ QUAN TỈNH", False), ("ĐẢNG ỦY SỞ KHOA HỌC VÀ CÔNG NGHỆ", True)],
         "ĐU", "ĐẢNG ỦY", f"ĐẢNG ỦY SỞ KHOA HỌC VÀ CÔNG NGHỆ {place.unit}"),
    ]  # fmt: skip
    units, sym, body, seal = rng.choice(variants)
    tm = rng.choice(["T/M", "T/M", "TM."])
    return Issuer(
        units=units,
        symbol=sym,
        authorities=[f"{tm} {body}\nBÍ THƯ", f"{tm} {body}\nPHÓ BÍ THƯ", f"{tm} {body}\nBÍ THƯ"],
        types=["NGHỊ QUYẾT", "KẾ HOẠCH", "BÁO CÁO", "THÔNG BÁO", "CHỈ THỊ", "QUYẾT ĐỊNH"],
        seal=seal,
        place=place,
        head=body,
        party=True,
        mark="star",
    )


# ------------------------------------------------------------------------------- corpus text

_LEADING_JUNK = re.compile(
    r"^(?:[-+•*–]\s*|\(?[0-9ivxIVX]{1,4}[.)]\s*|[a-zđ]\)\s*|Điều \d+\.?\s*)+"
)
_DROP = str.maketrans("", "", "“”\"'()[]{}")


def load_pool() -> dict[str, list[tuple[str, list[str]]]]:
    """Held-out admin and legal documents as (key, usable paragraphs), in corpus order."""
    pool = {}
    for domain in ("admin", "legal"):
        docs = []
        for key, paras in corpus.heldout_documents(domain):
            kept = [p for p in map(pairs.renderable, paras) if _body_like(p)]
            if len(kept) >= 3:
                docs.append((f"{domain}:{key}", kept))
        pool[domain] = docs
    return pool


def _body_like(p: str) -> bool:
    """Prose, not a heading, a signature line or a flattened table."""
    letters = sum(c.isalpha() for c in p)
    return len(p) >= 50 and letters > 0.7 * len(p.replace(" ", "")) and not p.isupper()


def pick_text(rng: random.Random, pool: dict) -> tuple[str, list[str]]:
    """A held-out document and a run of its paragraphs long enough for two pages."""
    domain = rng.choices(["admin", "legal"], weights=[0.6, 0.4])[0]
    docs = pool[domain]
    i = rng.randrange(len(docs))
    key, paras = docs[i]
    start = rng.randrange(max(1, len(paras) - 4))
    run = list(paras[start:])
    j = i
    while sum(map(len, run)) < 6000:  # short admin blocks continue with the next document
        j = (j + 1) % len(docs)
        run += docs[j][1]
    return key, run


def subject_phrase(rng: random.Random, paras: list[str], lo: int = 6, hi: int = 26) -> str:
    """A clause of `lo`–`hi` syllables from the paragraphs, cleaned to read like a trích yếu."""
    clauses = []
    for p in paras[:12]:
        for sentence in corpus.sentences(p):
            for clause in re.split(r"[,;:]\s+", sentence):
                words = _clean_clause(clause).split()
                if lo <= len(words) <= hi:
                    clauses.append(" ".join(words))
    if clauses:
        return rng.choice(clauses)
    words = _clean_clause(paras[0]).split()
    return " ".join(words[: rng.randint(lo + 2, hi)])


_DANGLING = set(  # function words a trích yếu neither starts nor ends with
    "như và của các là được với cho để trong tại theo về từ đến những có hoặc gồm thì mà do bị "
    "bao nên nhưng".split()
)


def _clean_clause(text: str) -> str:
    """No list markers, quotes or brackets, no dangling function word at the end."""
    text = _LEADING_JUNK.sub("", text.strip()).translate(_DROP)
    words = re.sub(r"\s+", " ", text).strip(" .,;:-–…").split(" ")
    while words and words[-1].lower() in _DANGLING:
        words.pop()
    while words and words[0].lower() in _DANGLING:
        words.pop(0)
    return " ".join(words).strip(" .,;:-–…")


def lower_first(text: str) -> str:
    """Lowercase the first word unless it is an acronym (TĐG, UBND)."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and sum(c.isupper() for c in first) > 1:
        return text
    return text[:1].lower() + text[1:]


# ------------------------------------------------------------------------------- document spec


@dataclass
class Number:
    value: str  # "45" (handwritten or printed)
    suffix: str  # "/KH-LHH" or "-NQ/TU"
    party: bool = False
    hand: bool = False
    blank: bool = False

    @property
    def label(self) -> str:
        return self.suffix if self.blank else self.value + self.suffix


@dataclass
class Date:
    place: str
    year: int
    month: int
    day: int
    style: str = "words"  # words | numeric | numeric0
    padded: bool = True  # Decree 30: a leading zero for days < 10 and months < 3
    hand: bool = False
    blank: bool = False

    @property
    def label(self) -> str:
        if self.blank:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


@dataclass
class Style:
    family: str
    faces: dict[str, str]
    size: int  # body pt
    header: float  # header pt
    dpi: int
    paper: tuple[int, int, int]
    ink: int
    margins: tuple[float, float, float, float]  # left, right, top, bottom (inches)
    spacing: float
    justify: bool
    para_space: int  # pt before a paragraph
    typewriter: bool = False
    level: bool = True  # header columns share baselines
    hand_ink: tuple[int, int, int] = (20, 40, 150)
    hand_font: str = HAND_FONTS[0]


@dataclass
class Doc:
    id: str
    layout: str
    style: Style
    source: str
    issuer: Issuer | None
    number: Number | None
    date: Date | None
    national: str = "state"  # state | party | old | none
    doc_type: str = ""  # label
    title: str = ""  # printed title
    subject: str = ""
    vv: bool = False  # subject under the number (công văn)
    greeting: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    authority: str = ""
    signer: str = ""
    secretary: str = ""  # minutes: the left signature block
    pages: int = 1
    seal: bool = False
    stamp: bool = False
    signature: bool = False
    variant: str = ""  # informal pages: form | table | notice | plain
    extra: dict = field(default_factory=dict)

    @property
    def handwritten(self) -> list[str]:
        out = []
        if self.number and self.number.hand and not self.number.blank:
            out.append("number")
        if self.date and self.date.hand and not self.date.blank:
            out.append("day")
        return out

    def fields(self) -> dict[str, str]:
        f = {
            "issuer": self.issuer.label if self.issuer else "",
            "number": self.number.label if self.number else "",
            "place": self.date.place if self.date and self.date.place else "",
            "date": self.date.label if self.date else "",
            "doc_type": self.doc_type,
            "subject": self.subject,
            "signer": self.signer,
            "authority": self.authority,
        }
        return {k: unicodedata.normalize("NFC", v) for k, v in f.items()}


def choose_style(rng: random.Random, typewriter: bool = False) -> Style:
    if typewriter:
        family = rng.choice(sorted(TYPEWRITERS))
        faces = TYPEWRITERS[family]
    else:
        names = list(FAMILIES)
        family = rng.choices(names, weights=[FAMILIES[n][1] for n in names])[0]
        faces = FAMILIES[family][0]
    yellow = typewriter or rng.random() < 0.35
    paper = (
        (rng.randint(230, 246), rng.randint(220, 236), rng.randint(180, 208))
        if yellow
        else (255, 255, 255)
        if rng.random() < 0.4
        else (rng.randint(240, 252),) * 3
    )
    return Style(
        family=family,
        faces=faces,
        size=(size := rng.choice([12, 13, 13, 14, 14]) if not typewriter else rng.choice([11, 12])),
        header=min(size, rng.choice([12, 12, 12.5, 13])),
        dpi=rng.choices([150, 200, 300], weights=[16, 4, 1])[0],  # 300 dpi: 2.5x the bytes
        paper=paper,
        ink=rng.randint(25, 85) if not typewriter else rng.randint(40, 90),  # scanned black
        margins=(
            round(rng.uniform(1.1, 1.35), 2),
            round(rng.uniform(0.6, 0.8), 2),
            round(rng.uniform(0.7, 0.95), 2),
            round(rng.uniform(0.7, 0.95), 2),
        ),
        spacing=round(rng.uniform(1.2, 1.5), 2),
        justify=not typewriter and rng.random() < 0.85,
        para_space=rng.choice([0, 3, 6, 6]),
        typewriter=typewriter,
        level=not (typewriter and rng.random() < 0.5) and rng.random() > 0.08,
        hand_ink=rng.choice(INK_BLUE + INK_BLUE + INK_BLACK),
        hand_font=rng.choice(HAND_FONTS),
    )


def choose_date(rng: random.Random, place: Place, years: tuple[int, int]) -> Date:
    year = rng.randint(*years)
    month = rng.randint(1, 12 if year < 2025 else 6)  # provinces merged on 1 July 2025
    day = rng.randint(1, calendar.monthrange(year, month)[1])
    return Date(place.place, year, month, day, padded=rng.random() < 0.7)


def doc_number(rng: random.Random, doc_type: str, issuer: Issuer, year: int) -> Number:
    n = str(int(rng.triangular(1, 420, 30)))
    if issuer.party:
        return Number(n, f"-{TYPE_SYMBOL[doc_type]}/{issuer.symbol}", party=True)
    if doc_type == "CÔNG VĂN":
        unit = rng.choice(CV_UNITS)
        if issuer.symbol == "LHH" and rng.random() < 0.6:
            return Number(n, "/LHH")
        return Number(n, f"/{issuer.symbol}-{unit}")
    if doc_type == "QUYẾT ĐỊNH" and issuer.symbol == "UBND" and rng.random() < 0.3:
        return Number(n, f"/{year}/QĐ-UBND")  # quy phạm pháp luật: the year in the number
    return Number(n, f"/{TYPE_SYMBOL[doc_type]}-{issuer.symbol}")


def make_subject(rng: random.Random, paras: list[str], doc_type: str, vv: bool) -> str:
    phrase = subject_phrase(rng, paras, 6, 18 if vv else 26)
    if vv:
        return "V/v " + lower_first(phrase)
    prefix = rng.choices(["Về việc ", "Về ", "V/v ", ""], weights=[4, 1, 1, 4])[0]
    if doc_type in ("QUYẾT ĐỊNH", "TỜ TRÌNH") and not prefix:
        prefix = "Về việc "
    return prefix + lower_first(phrase) if prefix else phrase[:1].upper() + phrase[1:]


RECIPIENTS = [
    "Thường trực Tỉnh ủy (b/c);", "Thường trực HĐND tỉnh (b/c);", "Chủ tịch, các PCT UBND tỉnh;",
    "Các sở, ban, ngành tỉnh;", "UBND các huyện, thành phố;", "Các hội thành viên;",
    "Ban Thường vụ (b/c);", "Các phòng, đơn vị trực thuộc;", "Cổng thông tin điện tử;",
    "Báo {p};", "Đài PT-TH tỉnh;", "Sở Khoa học và Công nghệ;", "Sở Tài chính;",
    "Văn phòng UBND tỉnh;", "Đảng ủy Khối các cơ quan tỉnh;", "Lãnh đạo cơ quan;",
]  # fmt: skip


def recipients(rng: random.Random, doc: Doc) -> list[str]:
    items = ["Như trên;"] if doc.greeting else []
    items += rng.sample(RECIPIENTS, rng.randint(2, 6))
    sym = doc.issuer.symbol if doc.issuer else "VP"
    items.append(
        rng.choice([f"Lưu: VT, {sym}.", "Lưu: VT.", "Lưu VT, VP.", f"Lưu: VT, {sym}(2b)."])
    )
    place = doc.issuer.place.name if doc.issuer else "tỉnh"
    return ["- " + i.replace("{p}", place) for i in items]


def greeting(rng: random.Random, issuer: Issuer) -> list[str]:
    names = ["Sở Khoa học và Công nghệ", "Sở Tài chính", "Sở Nội vụ", "Các hội thành viên",
             "UBND các huyện, thành phố", "Các sở, ban, ngành tỉnh", "Văn phòng Tỉnh ủy",
             "Ban Tuyên giáo Tỉnh ủy", "Sở Giáo dục và Đào tạo"]  # fmt: skip
    chosen = rng.sample(names, rng.randint(1, 3))
    if len(chosen) == 1:
        return [f"Kính gửi: {chosen[0]} {issuer.place.lower}."]
    return ["Kính gửi:"] + [f"- {n};" for n in chosen[:-1]] + [f"- {chosen[-1]}."]


# ----------------------------------------------------------------------------------- layouts


def formal(
    rng, pool, idx_id, layout, issuer_fn, years=(1996, 2025), types=None, cv=False, typewriter=False
) -> Doc:
    """The common build of a formal document: header, title, subject, body, signer."""
    style = choose_style(rng, typewriter)
    year_probe = rng.randint(*years)
    issuer = issuer_fn(rng, year_probe)
    date = choose_date(rng, issuer.place, (year_probe, year_probe))
    doc_type = "CÔNG VĂN" if cv else rng.choice(types or issuer.types)
    source, paras = pick_text(rng, pool)
    doc = Doc(idx_id, layout, style, source, issuer, None, date)
    old = typewriter or date.year < 2000  # "HOÀ", "UỶ": the tone placement of the time
    doc.national = "party" if issuer.party else "old" if old else "state"
    doc.doc_type = doc_type
    doc.title = "" if cv else doc_type
    if doc_type != "BIÊN BẢN":
        doc.number = doc_number(rng, doc_type, issuer, date.year)
    doc.vv = cv
    doc.subject = make_subject(rng, paras, doc_type, cv)
    doc.greeting = greeting(rng, issuer) if cv or (doc_type == "TỜ TRÌNH") else []
    doc.body = paras[1:] if len(paras) > 4 else paras
    doc.authority = rng.choice(issuer.authorities)
    if old:
        doc.authority = doc.authority.replace("ỦY", "UỶ")
    doc.signer = person(rng)
    doc.pages = 2 if rng.random() < 1 / 3 else 1
    doc.signature = rng.random() < 0.8
    doc.seal = doc.signature and rng.random() < 0.85
    doc.stamp = rng.random() < 0.15
    if rng.random() < 0.1:
        doc.extra["urgent"] = rng.choice(["KHẨN", "HỎA TỐC", "THƯỢNG KHẨN"])
    doc.recipients = recipients(rng, doc)
    if rng.random() < 0.12:  # handwritten number or day on ordinary documents too
        date.hand = rng.random() < 0.7
        if doc.number:
            doc.number.hand = not date.hand or rng.random() < 0.6
    return doc


def layout_state_parent(rng, pool, doc_id, nth=0):
    return formal(rng, pool, doc_id, "state_parent", issuer_department)


def layout_state_single(rng, pool, doc_id, nth=0):
    return formal(rng, pool, doc_id, "state_single", issuer_ubnd)


def layout_lhh(rng, pool, doc_id, nth=0):
    return formal(rng, pool, doc_id, "lhh", issuer_lhh, years=(2003, 2025))


def layout_party(rng, pool, doc_id, nth=0):
    return formal(rng, pool, doc_id, "party", issuer_party)


def layout_cong_van(rng, pool, doc_id, nth=0):
    fn = rng.choice([issuer_ubnd, issuer_lhh, issuer_lhh, issuer_department, issuer_association])
    return formal(rng, pool, doc_id, "cong_van", fn, cv=True)


def layout_numeric_date(rng, pool, doc_id, nth=0):
    fn = rng.choice([issuer_lhh, issuer_department, issuer_association, issuer_ubnd])
    doc = formal(rng, pool, doc_id, "numeric_date", fn, cv=rng.random() < 0.3)
    doc.date.style = rng.choice(["numeric", "numeric0"])
    doc.date.hand = False
    return doc


def layout_handwritten(rng, pool, doc_id, nth=0):
    fn = rng.choice([issuer_lhh, issuer_ubnd, issuer_department, issuer_association])
    doc = formal(rng, pool, doc_id, "handwritten", fn, cv=rng.random() < 0.3)
    if doc.number is None:
        doc.number = doc_number(rng, "THÔNG BÁO", doc.issuer, doc.date.year)
        doc.doc_type = doc.title = "THÔNG BÁO"
    roll = rng.random()
    doc.date.hand = roll < 0.75
    doc.number.hand = roll > 0.35
    if rng.random() < 0.25:  # unsigned draft: the gaps stay empty
        doc.date.hand = doc.number.hand = doc.date.blank = doc.number.blank = True
        doc.seal = doc.signature = doc.stamp = False
    return doc


def layout_typewriter(rng, pool, doc_id, nth=0):
    fn = rng.choice([issuer_ubnd, issuer_ubnd, issuer_department])
    doc = formal(
        rng,
        pool,
        doc_id,
        "typewriter",
        fn,
        years=(1990, 2001),
        types=["QUYẾT ĐỊNH", "THÔNG BÁO", "BÁO CÁO", "KẾ HOẠCH", "CHỈ THỊ"],
        typewriter=True,
    )
    doc.number.suffix = doc.number.suffix.replace("-UBND", "-UB").replace("/UBND", "/UB")
    if doc.issuer.symbol == "UBND":
        ubnd = "UBND" if rng.random() < 0.5 else "UỶ BAN NHÂN DÂN"
        unit = doc.issuer.place.unit
        doc.authority = rng.choice(
            [
                f"T/M {ubnd} {unit}\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
                "TM. UỶ BAN NHÂN DÂN\nCHỦ TỊCH",
                "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
            ]
        )
    doc.authority = doc.authority.replace("ỦY", "UỶ")
    doc.seal = doc.seal and rng.random() < 0.8
    return doc


def layout_association(rng, pool, doc_id, nth=0):
    return formal(rng, pool, doc_id, "association", issuer_association)


def layout_minutes(rng, pool, doc_id, nth=0):
    fn = rng.choice([issuer_lhh, issuer_association, issuer_department, issuer_party])
    doc = formal(rng, pool, doc_id, "minutes", fn, types=["BIÊN BẢN"])
    doc.number = None
    doc.recipients = []
    chair = rng.choice(["CHỦ TRÌ", "CHỦ TỌA", "CHỦ TRÌ HỘI NGHỊ"])
    if rng.random() < 0.5:
        doc.secretary = person(rng, 0.4)
        doc.authority = chair
    else:
        doc.authority = rng.choice([chair, doc.authority])
    d = doc.date
    opening = (
        f"Vào hồi {rng.randint(7, 15)} giờ {rng.choice(['00', '30', '15'])}, ngày {d.day} "
        f"tháng {d.month} năm {d.year}, tại {rng.choice(['hội trường', 'phòng họp'])} "
        f"{rng.choice(['cơ quan', 'tầng 2', 'số 1'])}, đã tiến hành cuộc họp với nội dung sau:"
    )
    doc.body = [opening] + doc.body
    if rng.random() < 0.35:  # no date line in the header: the date is only in the opening
        doc.date = Date("", d.year, d.month, d.day)
        doc.extra["no_date_line"] = True
    doc.seal = doc.seal and rng.random() < 0.5
    return doc


def layout_informal(rng, pool, doc_id, nth=0):
    """doc_type KHÁC: a form, a list with a table, a notice photographed, or a plain page."""
    variant = ("form", "table", "notice", "plain")[nth % 4]
    style = choose_style(rng)
    source, paras = pick_text(rng, pool)
    doc = Doc(doc_id, "informal", style, source, None, None, None, doc_type="KHÁC")
    doc.variant = variant
    doc.body = paras
    if variant == "form":
        place = province(rng)
        doc.date = choose_date(rng, place, (2005, 2025))
        doc.date.hand = rng.random() < 0.5
        doc.title = rng.choice(
            [
                "ĐƠN ĐỀ NGHỊ",
                "PHIẾU ĐĂNG KÝ",
                "GIẤY ĐỀ NGHỊ THANH TOÁN",
                "ĐƠN XIN NGHỈ PHÉP",
                "PHIẾU GÓP Ý",
                "PHIẾU ĐĂNG KÝ HỘI VIÊN",
            ]
        )
        doc.signer = person(rng, 0.5)
        doc.authority = rng.choice(["NGƯỜI ĐỀ NGHỊ", "NGƯỜI LÀM ĐƠN", "NGƯỜI ĐĂNG KÝ"])
        doc.signature = rng.random() < 0.7
        doc.extra["form_to"] = greeting(rng, issuer_lhh(rng, 2020))[0]
    elif variant == "table":
        doc.issuer = rng.choice([issuer_lhh, issuer_department, issuer_association])(rng, 2020)
        if rng.random() < 0.6:
            doc.date = choose_date(rng, doc.issuer.place, (2005, 2025))
        doc.title = "DANH SÁCH"
        doc.extra["table_rows"] = [
            (
                person(rng, 0.5),
                rng.choice(["Hội viên", "Cán bộ", "Chuyên viên", "Ủy viên BCH"]),
                rng.choice(["Hội Tin học", "Văn phòng", "Ban Kiểm tra", "Hội Y học", "Sở KH&CN"]),
            )
            for _ in range(rng.randint(8, 16))
        ]
        if rng.random() < 0.5:
            doc.signer, doc.authority = (
                person(rng),
                rng.choice(["NGƯỜI LẬP BIỂU", "CHÁNH VĂN PHÒNG"]),
            )
    elif variant == "notice":
        doc.extra["photo"] = True
        doc.title = rng.choice(
            ["LỊCH CÔNG TÁC TUẦN", "NỘI QUY CƠ QUAN", "LỊCH TRỰC", "QUY ĐỊNH PHÒNG CHÁY, CHỮA CHÁY"]
        )
        if rng.random() < 0.6:
            doc.issuer = rng.choice([issuer_lhh, issuer_department])(rng, 2020)
    doc.extra["page_no"] = rng.randint(2, 5) if variant == "plain" else None
    return doc


LAYOUTS = {  # name -> (builder, weight)
    "state_parent": (layout_state_parent, 3),
    "state_single": (layout_state_single, 2),
    "lhh": (layout_lhh, 4),
    "party": (layout_party, 2),
    "cong_van": (layout_cong_van, 3),
    "numeric_date": (layout_numeric_date, 2),
    "handwritten": (layout_handwritten, 3),
    "typewriter": (layout_typewriter, 2),
    "association": (layout_association, 2),
    "minutes": (layout_minutes, 2),
    "informal": (layout_informal, 4),
}


def layout_for(seed: int, index: int) -> tuple[str, int]:
    """Layouts are dealt from shuffled decks holding each one `weight` times (29 cards), so
    any 29 consecutive documents hold every layout and all four informal pages. Returns the
    layout and how many of it came earlier in the same deck."""
    deck = [name for name, (_, weight) in LAYOUTS.items() for _ in range(weight)]
    block, pos = divmod(index - 1, len(deck))
    random.Random(f"layouts:{seed}:{block}").shuffle(deck)
    return deck[pos], deck[:pos].count(deck[pos])


def build_doc(seed: int, index: int, pool: dict) -> Doc:
    """Document `index` (from 1) of set `seed`: depends on nothing else."""
    rng = random.Random(f"metadata-set:{seed}:{index}")
    name, nth = layout_for(seed, index)
    doc = LAYOUTS[name][0](rng, pool, f"s{seed}_{index:03d}", nth)
    doc.extra["rng_state"] = rng.random()  # later draws (rendering) continue from here
    return doc


# ----------------------------------------------------------------------------------- drawing


@dataclass
class Seg:
    """A run of text on one line: printed in a face, or `hand`: a printed gap written in."""

    text: str
    face: str = "regular"  # regular | bold | italic | bolditalic | hand
    gap: float = 0.0  # width of a hand gap, in ems


@dataclass
class Row:
    segs: list[Seg]
    pt: float
    rule: str = ""  # "" | short | full (under the row) | apart (a short rule a little below)


class Page:
    """One A4 sheet being drawn; y coordinates are baselines."""

    def __init__(self, style: Style, rng: random.Random):
        self.s, self.rng = style, rng
        self.dpi = style.dpi
        self.w, self.h = (round(v * style.dpi) for v in pairs.PAGE_IN)
        self.img = Image.new("RGB", (self.w, self.h), style.paper)
        self.draw = ImageDraw.Draw(self.img)
        ml, mr, mt, mb = style.margins
        self.x0, self.x1 = round(ml * self.dpi), self.w - round(mr * self.dpi)
        self.top, self.bottom = round(mt * self.dpi), self.h - round(mb * self.dpi)
        self.ink = (style.ink,) * 3
        self.anchors: dict[str, tuple[int, int]] = {}

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    def px(self, pt: float) -> int:
        return round(pt * self.dpi / 72)

    def font(self, face: str, pt: float):
        return pairs.get_font(self.s.faces[face], self.px(pt))

    def step(self, pt: float, spacing: float | None = None) -> int:
        return round(self.px(pt) * (spacing or self.s.spacing))

    def seg_width(self, seg: Seg, pt: float) -> float:
        if seg.face == "hand":
            return seg.gap * self.px(pt)
        return self.font(seg.face, pt).getlength(seg.text)

    def row_width(self, row: Row) -> float:
        return sum(self.seg_width(s, row.pt) for s in row.segs)

    def text(self, x: float, y: float, text: str, face: str, pt: float) -> None:
        font = self.font(face, pt)
        if not self.s.typewriter:
            self.draw.text((x, y), text, font=font, fill=self.ink, anchor="ls")
            return
        for ch in text:  # typewriter: each key strikes a little off, some harder than others
            jx, jy = self.rng.gauss(0, 0.05), self.rng.gauss(0, 0.05)
            grey = max(0, min(150, self.s.ink + round(self.rng.gauss(0, 25))))
            scale = self.px(pt) / 10
            self.draw.text(
                (x + jx * scale, y + jy * scale), ch, font=font, fill=(grey,) * 3, anchor="ls"
            )
            x += font.getlength(ch)

    def row(self, cx: float, y: float, row: Row) -> None:
        """Draw a row centred on `cx` (or from the left edge if cx < 0: x = -cx)."""
        wdt = self.row_width(row)
        x = cx - wdt / 2 if cx >= 0 else -cx
        for seg in row.segs:
            sw = self.seg_width(seg, row.pt)
            if seg.face == "hand":
                hand_text(self, x + sw / 2, y, seg.text, row.pt)
            else:
                self.text(x, y, seg.text, seg.face, row.pt)
            x += sw
        if row.rule:
            length = wdt * (1.0 if row.rule == "full" else self.rng.uniform(0.3, 0.45))
            ly = y + round(self.px(row.pt) * (0.8 if row.rule == "apart" else 0.4))
            lx = (cx if cx >= 0 else -cx + wdt / 2) - length / 2
            self.draw.line([(lx, ly), (lx + length, ly)], fill=self.ink, width=max(1, self.px(0.7)))


def hand_text(page: Page, cx: float, y: float, text: str, pt: float, colour=None) -> None:
    """Fake handwriting centred on `cx` at baseline `y`: an oblique face, each glyph sized,
    turned and placed a little differently, in the page's pen ink."""
    if not text:
        return
    rng = page.rng
    px = round(page.px(pt) * rng.uniform(1.05, 1.35))
    font = pairs.get_font(page.s.hand_font, px)
    colour = colour or page.s.hand_ink
    total = font.getlength(text) * 1.05
    x = cx - total / 2 + rng.uniform(-0.1, 0.1) * px
    y += rng.uniform(-0.15, 0.05) * px
    slope = rng.uniform(-0.06, 0.02)
    for i, ch in enumerate(text):
        size = round(px * rng.uniform(0.9, 1.12))
        f = pairs.get_font(page.s.hand_font, size)
        box = size * 2
        mask = Image.new("L", (box, box), 0)
        ImageDraw.Draw(mask).text(
            (box // 2, box // 2),
            ch,
            font=f,
            fill=255,
            anchor="ms",
            stroke_width=max(0, round(size / 40)),
        )
        mask = mask.rotate(rng.uniform(-9, 9), resample=Image.BICUBIC, center=(box // 2, box // 2))
        gx = x + f.getlength(ch) / 2 - box // 2
        gy = y + i * slope * px + rng.gauss(0, 0.05) * px - box // 2
        page.img.paste(colour, (round(gx), round(gy), round(gx) + box, round(gy) + box), mask)
        x += f.getlength(ch) * rng.uniform(0.92, 1.12)


def balanced_wrap(text: str, fits, width_of) -> list[str]:
    """Fewest lines that all fit, split where the longest line is shortest (as typists break
    header names); a forced break ("\\n") is kept."""
    out = []
    for part in text.split("\n"):
        words = part.split()
        best = [part]
        for n in range(1, min(5, len(words) + 1)):
            options = []
            for cuts in itertools.combinations(range(1, len(words)), n - 1):
                bounds = zip((0, *cuts), (*cuts, len(words)), strict=True)
                lines = [" ".join(words[a:b]) for a, b in bounds]
                if all(fits(line) for line in lines):
                    options.append((max(map(width_of, lines)), lines))
            if options:
                best = min(options)[1]
                break
        out += best
    return out


# --------------------------------------------------------------------------------- the header


def date_row(doc: Doc, pt: float) -> Row | None:
    d = doc.date
    if d is None or doc.extra.get("no_date_line"):
        return None
    face = "italic"
    if d.style in ("numeric", "numeric0"):
        fmt = f"{d.day:02d}/{d.month:02d}" if d.style == "numeric0" else f"{d.day}/{d.month}"
        return Row([Seg(f"{d.place}, {fmt}/{d.year}", face)], pt)
    day = f"{d.day:02d}" if d.padded and d.day < 10 else str(d.day)
    month = f"{d.month:02d}" if d.padded and d.month < 3 else str(d.month)
    if d.hand:
        return Row(
            [
                Seg(f"{d.place}, ngày", face),
                Seg("" if d.blank else day, "hand", 2.2),
                Seg(f"tháng {month} năm {d.year}", face),
            ],
            pt,
        )
    return Row([Seg(f"{d.place}, ngày {day} tháng {month} năm {d.year}", face)], pt)


def number_row(doc: Doc, pt: float) -> Row | None:
    n = doc.number
    if n is None:
        return None
    so = "Số" if n.party else "Số:"
    if n.hand:
        return Row([Seg(so), Seg("" if n.blank else n.value, "hand", 3.2), Seg(n.suffix)], pt)
    return Row([Seg(f"{so} {n.value}{n.suffix}")], pt)


NATIONAL = {
    "state": ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"),
    "old": ("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"),
    "party": ("ĐẢNG CỘNG SẢN VIỆT NAM", ""),
}


def draw_header(page: Page, doc: Doc) -> int:
    """The two header columns; returns the baseline of their last row."""
    s = doc.style
    hs = s.header
    nat, motto = NATIONAL[doc.national]
    right = [Row([Seg(nat, "bold")], hs, rule="full" if not motto else "")]
    if motto:
        right.append(Row([Seg(motto, "bold")], hs + (1 if hs < 13 else 0), rule="full"))
    while page.row_width(right[0]) > page.width * 0.62 and right[0].pt > 10:
        for r in right:
            r.pt -= 0.5
    rw = max(page.row_width(r) for r in right)
    right_cx = page.x1 - rw / 2 - page.px(2)
    # the left column may reach into the margin, as on real pages; 12 pt clear of the right one
    left_w = right_cx - rw / 2 - page.x0 + round(0.3 * page.dpi) - page.px(12)
    left_cx = page.x0 - round(0.3 * page.dpi) + left_w / 2

    left: list[Row] = []
    for text, bold in doc.issuer.units if doc.issuer else []:
        face = "bold" if bold else "regular"
        f = page.font(face, hs)
        for line in balanced_wrap(text, lambda t, f=f: f.getlength(t) <= left_w, f.getlength):
            left.append(Row([Seg(line, face)], hs))
    if left:
        left[-1].rule = "short" if doc.issuer.mark == "underline" else ""
        if s.typewriter and left[-1].rule:
            left[-1].rule = "full"
        if doc.issuer.mark == "star":
            left.append(Row([Seg("*")], hs))

    step = page.step(hs, 1.2)
    y0 = page.top + page.px(hs)
    y_right = y0 + (0 if s.level else step // 2)
    for i, r in enumerate(left):
        page.row(left_cx, y0 + i * step, r)
    for i, r in enumerate(right):
        page.row(right_cx, y_right + i * step, r)
    rows = max(len(left), len(right))
    y_num = y0 + (rows - 1) * step + round(step * 1.45)
    nrow, drow = number_row(doc, hs), date_row(doc, hs)
    last = y0 + (rows - 1) * step
    if nrow:
        page.row(left_cx, y_num, nrow)
        page.anchors["number"] = (round(left_cx), y_num)
        last = y_num
    if drow:
        page.row(right_cx, y_num + (0 if s.level else step // 2), drow)
        last = max(last, y_num)
    if doc.vv and doc.subject:
        f = page.font("regular", hs - 1)
        lines = balanced_wrap(doc.subject, lambda t: f.getlength(t) <= left_w * 0.9, f.getlength)
        for i, line in enumerate(lines):
            last = y_num + round(step * 0.95) * (i + 1)
            page.row(left_cx, last, Row([Seg(line)], hs - 1))
    page.anchors["left_cx"], page.anchors["right_cx"] = (round(left_cx), 0), (round(right_cx), 0)
    return last


# ------------------------------------------------------------------------------ flowing text


@dataclass
class Line:
    text: str
    face: str = "regular"
    pt: float = 13
    align: str = "left"  # left | justify | centre | right_col | indent
    indent: int = 0
    space_before: int = 0
    rule: bool = False  # short rule under a centred line


def title_lines(page: Page, doc: Doc) -> list[Line]:
    s = doc.style
    out = []
    if doc.title:
        out.append(Line(doc.title, "bold", s.size + 1, "centre", space_before=page.px(22)))
    if doc.subject and not doc.vv:
        f = page.font("bold", s.size)
        lines = balanced_wrap(
            doc.subject, lambda t: f.getlength(t) <= page.width * 0.85, f.getlength
        )
        for line in lines:
            out.append(Line(line, "bold", s.size, "centre"))
        out[-1].rule = page.rng.random() < 0.6
    if doc.doc_type == "QUYẾT ĐỊNH" and doc.issuer and doc.issuer.head:
        f = page.font("bold", s.size)
        for i, line in enumerate(
            balanced_wrap(
                doc.issuer.head, lambda t: f.getlength(t) <= page.width * 0.9, f.getlength
            )
        ):
            out.append(Line(line, "bold", s.size, "centre", space_before=page.px(14) * (i == 0)))
    for i, g in enumerate(doc.greeting):
        indent = (
            page.width // 4 if i == 0 or not g.startswith("-") else page.width // 4 + page.px(30)
        )
        out.append(Line(g, "regular", s.size, "indent", indent, page.px(14) * (i == 0)))
    if out:
        out[-1].space_before += 0
        out.append(Line("", pt=s.size, space_before=page.px(4)))
    return out


def body_lines(page: Page, doc: Doc, paras: list[str]) -> list[Line]:
    s = doc.style
    f = page.font("regular", s.size)
    indent = round(0.5 * page.dpi) if not s.typewriter else round(0.6 * page.dpi)
    out = []
    for p in paras:
        wrapped = pairs.wrap_paragraph(p, f, page.width - indent)
        if len(wrapped) > 1:
            rest = p[len(wrapped[0]) :].strip()
            wrapped = [wrapped[0], *pairs.wrap_paragraph(rest, f, page.width)]
        for i, line in enumerate(wrapped):
            last = i == len(wrapped) - 1
            align = "justify" if s.justify and not last else "left"
            out.append(
                Line(
                    line,
                    "regular",
                    s.size,
                    align,
                    indent if i == 0 else 0,
                    page.px(s.para_space) if i == 0 else 0,
                )
            )
        if doc.doc_type == "QUYẾT ĐỊNH" and p is paras[min(1, len(paras) - 1)] and len(paras) > 2:
            out.append(Line("QUYẾT ĐỊNH:", "bold", s.size, "centre", space_before=page.px(8)))
    return out


def line_height(page: Page, line: Line) -> int:
    return page.step(line.pt) + line.space_before


def draw_line(page: Page, y: int, line: Line) -> None:
    if line.align == "centre":
        page.row(
            page.x0 + page.width / 2,
            y,
            Row([Seg(line.text, line.face)], line.pt, "apart" if line.rule else ""),
        )
        return
    x = page.x0 + line.indent
    f = page.font(line.face, line.pt)
    words = line.text.split(" ")
    if line.align == "justify" and len(words) > 1 and not page.s.typewriter:
        gap = (page.x1 - x - sum(f.getlength(w) for w in words)) / (len(words) - 1)
        for w in words:
            page.text(x, y, w, line.face, line.pt)
            x += f.getlength(w) + gap
    else:
        page.text(x, y, line.text, line.face, line.pt)


def flow(page: Page, y: int, lines: list[Line], limit: int) -> tuple[int, int]:
    """Draw lines from baseline `y` while they fit above `limit`; returns (y, lines drawn)."""
    n = 0
    for line in lines:
        h = line_height(page, line)
        if y + h > limit:
            break
        y += h
        draw_line(page, y, line)
        n += 1
    return y, n


def fit_count(page: Page, lines: list[Line], avail: int) -> tuple[int, list[int]]:
    """How many of `lines` fit in `avail` pixels, and the counts among those that end a
    paragraph."""
    h, n, ends = 0, 0, []
    for i, line in enumerate(lines):
        h += line_height(page, line)
        if h > avail:
            break
        n = i + 1
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if nxt is None or nxt.indent or nxt.align == "centre":
            ends.append(n)
    return n, ends


def some_paragraphs(rng: random.Random, page: Page, lines: list[Line], avail: int, least: float):
    """A count of `lines` ending a paragraph that fills between `least` and all of `avail`
    (the whole space, cut mid-paragraph, when no paragraph ends there)."""
    n, ends = fit_count(page, lines, avail)
    good = [e for e in ends if e >= least * n]
    return rng.choice(good) if good else n


# ------------------------------------------------------------------------------ signer block


def signer_height(page: Page, doc: Doc) -> int:
    s = doc.style
    auth = doc.authority.count("\n") + 1 if doc.authority else 0
    right = auth * page.step(s.size, 1.15) + round(page.dpi * 1.0) + page.step(s.size)
    left = page.step(12, 1.3) + len(doc.recipients) * page.step(11, 1.15)
    return max(right, left) + page.px(16)


def draw_signer(page: Page, doc: Doc, y: int) -> None:
    """Recipients at the left, authority / signature space / name at the right."""
    s = doc.style
    rng = page.rng
    y += page.px(16)
    right_cx = page.x0 + page.width * 0.72
    if doc.recipients:
        yy = y + page.px(12)
        page.text(page.x0, yy, "Nơi nhận:", "bolditalic", 12)
        for r in doc.recipients:
            yy += page.step(11, 1.15)
            page.text(page.x0, yy, r, "regular", 11)
    blocks = [(right_cx, doc.authority, doc.signer)]
    if doc.secretary:
        blocks.append((page.x0 + page.width * 0.22, "THƯ KÝ", doc.secretary))
    for i, (cx, authority, name) in enumerate(blocks):
        bold = page.font("bold", s.size)
        widest = max(bold.getlength(t) for t in [*authority.split("\n"), name])
        cx = min(cx, page.x1 + page.px(6) - widest / 2)  # long blocks stay on the page
        yy = y + page.px(s.size)
        top = yy
        for line in authority.split("\n") if authority else []:
            page.row(cx, yy, Row([Seg(line, "bold")], s.size))
            yy += page.step(s.size, 1.15)
        sig_top = yy
        yy += round(page.dpi * 1.0)
        if name:
            page.row(cx, yy, Row([Seg(name, "bold")], s.size))
        if doc.signature:
            scribble(page, cx + rng.uniform(-0.4, 0.4) * page.dpi, (sig_top + yy) / 2 - page.px(6))
        if i == 0:
            page.anchors["seal"] = (
                round(cx - rng.uniform(0.6, 1.0) * page.dpi),
                round(top + (yy - top) * rng.uniform(0.35, 0.55)),
            )


def scribble(page: Page, cx: float, cy: float) -> None:
    """A signature: a few smooth loops and a flourish in pen ink."""
    rng = page.rng
    d = page.dpi
    ink = rng.choice(INK_BLUE) if rng.random() < 0.85 else INK_BLACK[0]
    pts = []
    x = cx - rng.uniform(0.5, 0.8) * d
    for _ in range(rng.randint(6, 11)):
        x += rng.uniform(0.05, 0.2) * d
        pts.append((x, cy + rng.uniform(-0.25, 0.25) * d))
    pts.append((x + rng.uniform(0.2, 0.5) * d, cy + rng.uniform(-0.35, 0.1) * d))
    curve = catmull_rom(pts, 12)
    width = max(1, round(d / 110 * rng.uniform(0.8, 1.4)))
    page.draw.line(curve, fill=ink, width=width, joint="curve")
    if rng.random() < 0.6:
        y = cy + rng.uniform(0.1, 0.3) * d
        page.draw.line(
            [(cx - 0.5 * d, y + 0.05 * d), (cx + 0.6 * d, y - 0.05 * d)], fill=ink, width=width
        )


def catmull_rom(pts: list[tuple[float, float]], n: int) -> list[tuple[float, float]]:
    pts = [pts[0], *pts, pts[-1]]
    out = []
    for i in range(1, len(pts) - 2):
        p0, p1, p2, p3 = (np.array(p) for p in pts[i - 1 : i + 3])
        for t in np.linspace(0, 1, n, endpoint=False):
            a = 2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t * t
            out.append(tuple(0.5 * (a + (3 * p1 - p0 - 3 * p2 + p3) * t**3)))
    return out


# ------------------------------------------------------------------------------ seal and stamp


def multiply(page: Page, mask: Image.Image, x: int, y: int, colour, opacity: float) -> None:
    """Lay `mask` (L, 255 = ink) on the page at (x, y) as semi-transparent ink: multiply."""
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(page.w, x + mask.width), min(page.h, y + mask.height)
    if x1 <= x0 or y1 <= y0:
        return
    m = np.asarray(mask, np.float32)[y0 - y : y1 - y, x0 - x : x1 - x, None] / 255 * opacity
    region = np.asarray(page.img.crop((x0, y0, x1, y1)), np.float32)
    tint = np.array(colour, np.float32) / 255
    out = region * (1 - m * (1 - tint))
    page.img.paste(Image.fromarray(out.clip(0, 255).astype(np.uint8)), (x0, y0))


def blotchy(mask: Image.Image, rng: random.Random, strength: float) -> Image.Image:
    """Uneven stamp ink: the mask times a blurred noise field."""
    nr = np.random.default_rng(rng.randrange(2**31))
    small = nr.uniform(1 - strength, 1.0, (max(2, mask.height // 12), max(2, mask.width // 12)))
    field_ = Image.fromarray((small * 255).astype(np.uint8)).resize(mask.size, Image.BICUBIC)
    a = np.asarray(mask, np.float32) * np.asarray(field_, np.float32) / 255
    return Image.fromarray(a.clip(0, 255).astype(np.uint8))


def draw_seal(page: Page, cx: int, cy: int, text: str) -> None:
    """A round red seal: double ring, the issuer's name around it, a star in the middle."""
    rng = page.rng
    r = round(page.dpi * rng.uniform(0.72, 0.82))
    size = 2 * r + 4
    mask = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(mask)
    c = size / 2
    lw = max(2, round(r / 28))
    d.ellipse((c - r, c - r, c + r, c + r), outline=255, width=lw)
    ri = r * 0.64
    d.ellipse((c - ri, c - ri, c + ri, c + ri), outline=255, width=max(1, lw // 2))
    star(d, c, c, ri * 0.55, 255)
    font = pairs.get_font(
        page.s.faces["bold"] if not page.s.typewriter else FAMILIES["Liberation Serif"][0]["bold"],
        round(r * 0.2),
    )
    text = f"{text.replace(chr(10), ' ')} *"
    span = min(330, 14 * len(text))
    rt = (r + ri) / 2
    for i, ch in enumerate(text):
        ang = -90 - span / 2 + span * (i + 0.5) / len(text)
        glyph = Image.new("L", (round(r * 0.4),) * 2, 0)
        ImageDraw.Draw(glyph).text(
            (glyph.width / 2, glyph.height / 2), ch, font=font, fill=255, anchor="mm"
        )
        glyph = glyph.rotate(-ang - 90, resample=Image.BICUBIC)
        gx = c + rt * math.cos(math.radians(ang)) - glyph.width / 2
        gy = c + rt * math.sin(math.radians(ang)) - glyph.height / 2
        mask.paste(255, (round(gx), round(gy)), glyph)
    mask = blotchy(mask.rotate(rng.uniform(-30, 30), resample=Image.BICUBIC), rng, 0.6)
    multiply(
        page, mask, cx - size // 2, cy - size // 2, rng.choice(SEAL_RED), rng.uniform(0.6, 0.85)
    )


def star(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fill: int) -> None:
    pts = []
    for k in range(10):
        rad = r if k % 2 == 0 else r * 0.4
        a = math.radians(-90 + 36 * k)
        pts.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    d.polygon(pts, fill=fill)


def draw_urgent(page: Page, text: str, x: int, y: int) -> None:
    """A red 'KHẨN' / 'HỎA TỐC' stamp, boxed and turned, in the left margin under the header."""
    rng = page.rng
    font = pairs.get_font(FAMILIES["Liberation Serif"][0]["bold"], page.px(20))
    w, h = round(font.getlength(text) + page.px(16)), page.px(32)
    mask = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(mask)
    d.rectangle((1, 1, w - 2, h - 2), outline=255, width=max(2, page.px(1.5)))
    d.text((w / 2, h / 2), text, font=font, fill=255, anchor="mm")
    mask = mask.rotate(rng.uniform(12, 30), expand=True, resample=Image.BICUBIC)
    multiply(page, blotchy(mask, rng, 0.5), x, y, rng.choice(SEAL_RED), rng.uniform(0.7, 0.9))


def draw_received_stamp(page: Page, x: int, y: int) -> None:
    """A rectangular 'received' stamp with the number and date written in by hand."""
    rng = page.rng
    d = page.dpi
    w, h = round(1.9 * d), round(0.85 * d)
    mask = Image.new("L", (w, h), 0)
    dr = ImageDraw.Draw(mask)
    dr.rectangle((1, 1, w - 2, h - 2), outline=255, width=max(2, round(d / 100)))
    font = pairs.get_font(FAMILIES["Liberation Serif"][0]["bold"], round(0.13 * d))
    small = pairs.get_font(FAMILIES["Liberation Serif"][0]["regular"], round(0.11 * d))
    dr.text(
        (w / 2, 0.2 * d),
        rng.choice(["CÔNG VĂN ĐẾN", "VĂN BẢN ĐẾN"]),
        font=font,
        fill=255,
        anchor="ms",
    )
    for i, label in enumerate(
        ["Số: ...............", "Ngày: ...............", "Chuyển: ..........."]
    ):
        dr.text((0.1 * d, (0.42 + 0.19 * i) * d), label, font=small, fill=255, anchor="ls")
    mask = blotchy(mask.rotate(rng.uniform(-4, 4), expand=True, resample=Image.BICUBIC), rng, 0.5)
    colour = rng.choice([(200, 35, 45), (90, 40, 150), (30, 50, 160)])
    multiply(page, mask, x, y, colour, rng.uniform(0.7, 0.9))
    hand_text(page, x + 0.95 * d, y + 0.42 * d, str(rng.randint(100, 2999)), 11, INK_BLUE[0])
    when = f"{rng.randint(1, 28)}/{rng.randint(1, 12)}"
    hand_text(page, x + 1.0 * d, y + 0.61 * d, when, 11, INK_BLUE[0])


# ------------------------------------------------------------------------------ whole documents


def render(doc: Doc) -> list[Image.Image]:
    rng = random.Random(doc.extra["rng_state"])
    if doc.layout == "informal":
        return [render_informal(doc, rng)]
    p1 = Page(doc.style, rng)
    y = draw_header(p1, doc)
    if "urgent" in doc.extra:
        draw_urgent(p1, doc.extra["urgent"], p1.x0 - round(0.45 * p1.dpi), y + p1.px(30))
    head = title_lines(p1, doc)
    body = body_lines(p1, doc, doc.body)
    y, _ = flow(p1, y + p1.px(10), head, p1.bottom)
    sig_h = signer_height(p1, doc)
    if doc.pages == 1:
        n = some_paragraphs(rng, p1, body, p1.bottom - y - sig_h, rng.uniform(0.25, 0.9))
        y, _ = flow(p1, y, body[:n], p1.bottom)
        finish(p1, doc, y, rng)
        return [p1.img]
    n1 = fit_count(p1, body, p1.bottom - y)[0]
    flow(p1, y, body[:n1], p1.bottom)
    if doc.stamp:
        draw_received_stamp(p1, p1.x0 - round(0.4 * p1.dpi), y + p1.px(10))
    p2 = Page(doc.style, rng)
    p2.text(p2.x0 + p2.width / 2 - p2.px(3), p2.top - p2.px(10), "2", "regular", doc.style.size)
    rest = body[n1:]
    avail = p2.bottom - p2.top - p2.px(20) - sig_h
    k = some_paragraphs(rng, p2, rest, avail, rng.uniform(0.0, 0.6))
    y2, _ = flow(p2, p2.top + p2.px(10), rest[:k], p2.bottom)
    finish(p2, doc, y2, rng, stamp=False)
    return [p1.img, p2.img]


def finish(page: Page, doc: Doc, y: int, rng: random.Random, stamp: bool = True) -> None:
    """Signer block, then seal and received stamp on top of the ink."""
    draw_signer(page, doc, y)
    if doc.seal and "seal" in page.anchors and doc.issuer:
        draw_seal(page, *page.anchors["seal"], doc.issuer.seal)
    if doc.stamp and stamp:
        draw_received_stamp(page, page.x0 - round(0.4 * page.dpi), page.top + round(2.6 * page.dpi))


def render_informal(doc: Doc, rng: random.Random) -> Image.Image:
    page = Page(doc.style, rng)
    s = doc.style
    y = page.top + page.px(s.size)
    if doc.variant == "plain":
        page.text(
            page.x0 + page.width / 2,
            page.top - page.px(10),
            str(doc.extra["page_no"]),
            "regular",
            s.size,
        )
        lines = body_lines(page, doc, doc.body)
        flow(page, y, lines[: some_paragraphs(rng, page, lines, page.bottom - y, 0.4)], page.bottom)
        return page.img
    if doc.variant in ("table", "notice") and doc.issuer:
        y = draw_header(page, doc) + page.px(10)
    elif doc.variant == "form":
        nat, motto = NATIONAL["state"]
        page.row(page.x0 + page.width / 2, y, Row([Seg(nat, "bold")], 13))
        y += page.step(13, 1.2)
        page.row(page.x0 + page.width / 2, y, Row([Seg(motto, "bold")], 13, "full"))
        y += page.px(20)
    y, _ = flow(
        page,
        y,
        [Line(doc.title, "bold", s.size + 2, "centre", space_before=page.px(24))],
        page.bottom,
    )
    if doc.variant == "form":
        draw_form(page, doc, y)
    elif doc.variant == "table":
        draw_table(page, doc, y)
    else:
        lines = body_lines(page, doc, doc.body)
        flow(page, y + page.px(10), lines[: rng.randint(12, 24)], page.bottom)
        return photograph(page.img, rng)
    return page.img


def draw_form(page: Page, doc: Doc, y: int) -> None:
    s, rng = doc.style, page.rng
    y += page.step(s.size) + page.px(10)
    page.text(page.x0 + page.width / 5, y, doc.extra["form_to"], "regular", s.size)
    y += page.px(16)
    fields_ = [
        ("Họ và tên: ", doc.signer),
        ("Ngày sinh: ", f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/{rng.randint(1960, 1999)}"),
        ("Đơn vị công tác: ", rng.choice(["Hội Tin học", "Văn phòng", "Trường THPT"])),
        ("Điện thoại: ", "09" + "".join(str(rng.randint(0, 9)) for _ in range(8))),
        ("Nội dung đề nghị: ", ""),
    ]
    f = page.font("regular", s.size)
    for label, value in fields_:
        y += page.step(s.size, 1.9)
        page.text(page.x0, y, label, "regular", s.size)
        x = page.x0 + f.getlength(label)
        dots = "." * int((page.x1 - x) / max(1, f.getlength(".")))
        page.text(x, y, dots, "regular", s.size)
        if value:
            hand_text(
                page,
                x + len(value) * page.px(s.size) * 0.3 + page.px(10),
                y - page.px(2),
                value,
                s.size * 0.85,
            )
    lines = body_lines(page, doc, doc.body[:1])[:5]
    y, _ = flow(page, y + page.px(6), lines, page.bottom)
    y += page.px(24)
    right_cx = page.x0 + page.width * 0.7
    drow = date_row(doc, s.size)
    page.row(right_cx, y, drow)
    y += page.step(s.size)
    page.row(right_cx, y, Row([Seg(doc.authority, "bold")], s.size))
    y += page.step(s.size)
    page.row(right_cx, y, Row([Seg("(Ký và ghi rõ họ tên)", "italic")], s.size - 1))
    if doc.signature:
        scribble(page, right_cx, y + 0.45 * page.dpi)
    page.row(right_cx, y + round(0.95 * page.dpi), Row([Seg(doc.signer, "bold")], s.size))


def draw_table(page: Page, doc: Doc, y: int) -> None:
    s, rng = doc.style, page.rng
    ref = (
        f"(Kèm theo Kế hoạch số {rng.randint(2, 300)}/KH-{doc.issuer.symbol} ngày "
        f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/{rng.randint(2010, 2025)})"
    )
    y, _ = flow(page, y, [Line(ref, "italic", s.size - 1, "centre")], page.bottom)
    pt = s.size - 1
    cols = [0.08, 0.4, 0.22, 0.3]
    heads = ["STT", "Họ và tên", "Chức vụ", "Đơn vị"]
    rows = [heads] + [[str(i + 1), *r] for i, r in enumerate(doc.extra["table_rows"])]
    rh = page.step(pt, 1.7)
    y += page.px(16)
    top = y
    for i, row in enumerate(rows):
        x = page.x0
        for w, cell in zip(cols, row, strict=True):
            cw = w * page.width
            page.row(
                x + cw / 2, y + rh * 0.7, Row([Seg(cell, "bold" if i == 0 else "regular")], pt)
            )
            x += cw
        y += rh
    lw = max(1, page.px(0.7))
    for i in range(len(rows) + 1):
        page.draw.line([(page.x0, top + i * rh), (page.x1, top + i * rh)], fill=page.ink, width=lw)
    x = page.x0
    for w in [0, *cols]:
        x += w * page.width
        page.draw.line([(x, top), (x, top + len(rows) * rh)], fill=page.ink, width=lw)
    if doc.signer:
        cx = page.x0 + page.width * 0.72
        y += page.px(30)
        page.row(cx, y, Row([Seg(doc.authority, "bold")], s.size))
        page.row(cx, y + round(0.9 * page.dpi), Row([Seg(doc.signer, "bold")], s.size))


def photograph(img: Image.Image, rng: random.Random) -> Image.Image:
    """A sheet pinned on a board, photographed: perspective, background, uneven light."""
    w, h = img.size
    bg = Image.new(
        "RGB", (w, h), (rng.randint(120, 170), rng.randint(95, 130), rng.randint(60, 90))
    )
    s = rng.uniform(0.8, 0.88)
    sheet = img.resize((round(w * s), round(h * s)), Image.BILINEAR)
    bg.paste(sheet, ((w - sheet.width) // 2, (h - sheet.height) // 2))
    j = [rng.uniform(-0.04, 0.04) * w for _ in range(8)]
    quad = (j[0], j[1], j[2], h + j[3], w + j[4], h + j[5], w + j[6], j[7])
    out = bg.transform((w, h), Image.QUAD, quad, resample=Image.BICUBIC)
    gx = np.linspace(rng.uniform(0.75, 0.9), rng.uniform(1.0, 1.08), w)[None, :, None]
    gy = np.linspace(rng.uniform(0.9, 1.05), rng.uniform(0.8, 0.95), h)[:, None, None]
    a = np.asarray(out, np.float32) * gx * gy
    return Image.fromarray(a.clip(0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.8))


# ------------------------------------------------------------------------------ scan and save


def coloured(img: Image.Image) -> bool:
    """Whether anything on the drawn page has colour: seal, pen ink, stamp, yellowed paper."""
    small = np.asarray(img.reduce(4), np.int16)
    chroma = small.max(axis=2) - small.min(axis=2)
    return bool((chroma > 20).mean() > 1e-4)


def scan(img: Image.Image, doc: Doc, rng: random.Random) -> tuple[Image.Image, dict, bool]:
    """The drawn page as scanned: degraded, softened, greyscale unless it has colour."""
    s = doc.style
    colour = coloured(img)
    ops = ("rotate", "fade", "blur", "downup", "noise") + (() if colour else ("binarize",))
    render = {"dpi": s.dpi, "paper_rgb": list(s.paper), "ink": s.ink}
    deg = pairs.choose_degradation(rng, render, clean_share=0.25, ops=ops, counts=(1, 1, 2, 2))
    if "noise" in deg["ops"]:  # scanner grain, kept light: noise is what makes JPEGs big
        deg["noise_sigma"] = round(rng.uniform(2, 4), 1)
        deg["speckles_per_mpx"] = rng.randint(5, 60)
    out = pairs.degrade(img, deg, list(s.paper))
    # scanner optics: every scan is a little soft (and sharp text edges are what make JPEGs big;
    # a binarised page is softened a little more, as JPEG would otherwise ring around each glyph)
    radius = rng.uniform(0.3, 0.5) + (0.25 if out.mode == "1" else 0)
    out = out.convert("RGB" if colour else "L")
    return out.filter(ImageFilter.GaussianBlur(radius * s.dpi / 150)), deg, colour


def save_jpeg(img: Image.Image, path: Path, dpi: int, quality: int) -> int:
    """Save at `quality`, lowered step by step until the page fits
    `MAX_PAGE_BYTES`. Text edges survive any quantisation, so quality buys little: a dense page
    at 150 dpi is about 190 KB at q 55 and 160 KB at q 35, so dense pages go over."""
    while True:
        buf = io.BytesIO()
        img.save(
            buf,
            "JPEG",
            quality=quality,
            dpi=(dpi, dpi),
            optimize=True,
            progressive=True,
            subsampling=2,
        )
        # not below q 25 at 150 dpi, q 15 at 300 dpi (where blocks are small beside the glyphs)
        if buf.tell() <= MAX_PAGE_BYTES or quality <= 5 + 3000 / dpi:
            path.write_bytes(buf.getvalue())
            return quality
        quality -= 3


def make_document(seed: int, index: int, pool: dict, out: Path) -> dict:
    doc = build_doc(seed, index, pool)
    images = render(doc)
    rng = random.Random(f"scan:{seed}:{index}")
    quality = rng.randint(55, 70)
    names, degs, qualities, colours = [], [], [], []
    for i, img in enumerate(images, 1):
        scanned, deg, colour = scan(img, doc, rng)
        colours.append(colour)
        name = f"{doc.id}-p{i}.jpg"
        qualities.append(save_jpeg(scanned, out / name, doc.style.dpi, quality))
        names.append(name)
        degs.append({k: v for k, v in deg.items() if k != "noise_seed"})
    return {
        "id": doc.id,
        "pages": names,
        "layout": doc.layout + (f"/{doc.variant}" if doc.variant else ""),
        "seed": seed,
        "index": index,
        "font": doc.style.family,
        "size_pt": doc.style.size,
        "dpi": doc.style.dpi,
        "source": doc.source,
        "fields": doc.fields(),
        "handwritten": doc.handwritten,
        "extras": {
            "seal": doc.seal,
            "stamp": doc.stamp,
            "signature": doc.signature,
            "colour": colours,
            "degradation": degs,
            "jpeg_quality": qualities,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    started = time.time()
    pool = load_pool()
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob(f"s{args.seed}_*-p*.jpg"):
        old.unlink()
    labels = []
    for index in range(1, args.count + 1):
        labels.append(make_document(args.seed, index, pool, args.out))
        print(f"{labels[-1]['id']} {labels[-1]['layout']}", flush=True)
    text = json.dumps(labels, ensure_ascii=False, indent=1)
    (args.out / "labels.json").write_text(unicodedata.normalize("NFC", text) + "\n", "utf-8")
    pages = sum(len(item["pages"]) for item in labels)
    print(f"{args.count} documents, {pages} pages in {time.time() - started:.0f}s")


if __name__ == "__main__":
    main()
