"""The first page's fields: issuing body, number and symbol, place and date, type, subject.

Decree 30/2020/NĐ-CP fixes where each one is printed: the issuing body (under its parent body)
and `Số: 45/KH-LHH` in the left header block, the motto and `Bắc Giang, ngày 15 tháng 7 năm
2024` in the right one, then the type (`KẾ HOẠCH`) centred with the subject under it; a công văn
has no type line and carries its subject as `V/v …` under the number. `ingest.layout` has already
put the header's two blocks apart, so each field is looked for where it belongs, and matched on
folded text so damaged diacritics do not hide it.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from sohoa.archive.records import DOC_TYPES, OTHER_TYPE
from sohoa.archive.text import fold, nfc
from sohoa.ingest.describe import names
from sohoa.ingest.describe.dates import IssueDate, find_date
from sohoa.ingest.describe.names import folded
from sohoa.ingest.layout import Layout, Line

# `Số: 45/KH-LHH`, `Số 45-NQ/TW`, `Số: 12/QĐ-UB`, with OCR spacing inside.
# A symbol's parts are capitals and digits; `TTr`, `CTr`, `QyĐ` have one small letter.
SYMBOL_PART = r"[A-ZĐÐ0-9][A-ZĐÐ0-9&.]*(?:[ry][A-ZĐ]*)?"
NUMBER = re.compile(
    r"^\W{0,2}(?:[Ss]\S{0,2}\s*[:.;,]?\s*|(?=\d{0,5}\s*/))(?P<numeral>\S{0,6}?)\s*"
    rf"(?P<separator>[/⁄'-]|(?<=\d)\s)\s*(?P<symbol>{SYMBOL_PART}(?:\s?[-/]\s?{SYMBOL_PART})*)"
)
UNSURE_NUMERAL = 0.6  # a numeral read with less confidence than this is handwritten or blurred
BROKEN_OFF = re.compile(r"\b(cac|va|cua|&)$")
LETTER_SUBJECT = re.compile(r"^\W{0,2}vw?\s*[/⁄l|1i]?\s*[vw]?(?=\s)", re.IGNORECASE)
SUBJECT_START = re.compile(r"^\W{0,2}(v\s*[/l|1i]?\s*[vw]|ve\s+viec)\b")
BODY_OPENERS = re.compile(
    r"^\W{0,2}(can\s+cu|kinh\s+gui|hom\s+nay|vao\s+(hoi|luc)|[ivx]+\s*[.)]|\d+\s*[.)]|"
    r"dieu\s+\d)"
)
# An issuing body's name starts with one of these; an issuer line that does not carries on
# the name above it (`ỦY BAN NHÂN DÂN` / `TỈNH QUẢNG NGÃI`).
BODY_HEADS = re.compile(
    r"^(ubnd|uy\s+ban|so|ban|phong|hoi|lien\s+hiep|lien\s+doan|dang\s+(bo|uy)|"
    r"(tinh|huyen|thanh|thi|quan|xa|phuong)\s+uy|chi\s+bo|bo|trung\s+tam|van\s+phong|"
    r"chi\s+cuc|cuc|tong\s+cuc|vien|truong|cong\s+ty|mat\s+tran|doan|quy\s+(?!dinh|che)|benh\s+vien|dai|"
    r"bao|kho\s+bac|thanh\s+tra|cong\s+an|cong\s+doan|hdnd|hop\s+tac\s+xa|tap\s+chi)\b"
)

TITLE_LINES = 10  # the type line is among the first lines after the header
SUBJECT_LINES = 4


def find_number(lines: list[Line]) -> tuple[str, float] | None:
    """The number and symbol from the `Số` line, and a confidence. A numeral written apart from
    the symbol that the OCR was unsure of (a handwritten one, typically) is left out
    (`/UBND-TTHC`): a wrong number files a record under another one. A numeral printed onto the
    symbol (`34/TTr-LHH`) is kept: its word's confidence speaks for the symbol's letters."""
    for line in lines:
        match = NUMBER.match(line.text.strip())
        if match is None or not any(c.isupper() for c in match["symbol"]):
            continue
        numeral = match["numeral"]
        confidence, apart = _numeral_confidence(line, numeral)
        if not numeral.isdigit() or (apart and confidence < UNSURE_NUMERAL):
            numeral, confidence = "", 0.3
        symbol = _symbol(clean_text(re.sub(r"\s+", "", match["symbol"])).rstrip("."))
        # `⁄` and `'` are OCR's slashes, and a slash it lost leaves a space
        separator = "-" if match["separator"] == "-" else "/"
        return f"{numeral}{separator}{symbol}", round(confidence, 3)
    return None


def find_issuer(lines: list[Line]) -> tuple[str, float] | None:
    """The issuing body: the uppercase lines above the number in the left header block. A line
    that continues a wrapped name (`ỦY BAN NHÂN DÂN` / `TỈNH QUẢNG NGÃI`) is joined with a
    space, the issuer's parent body keeps a line of its own (`UBND TỈNH X` / `SỞ Y`)."""
    bodies: list[list[str]] = []
    used: list[Line] = []
    for line in lines:
        if NUMBER.match(line.text.strip()) or SUBJECT_START.match(folded(line.text)):
            break
        if not mostly_upper(line.text):
            continue
        text = _issuer_text(line.text)
        if not text or (not bodies and not BODY_HEADS.match(folded(text))):
            continue
        if bodies and _carries_on(bodies[-1][-1], text):
            bodies[-1].append(text)
        else:
            bodies.append([text])
        used.append(line)
    if not bodies:
        return None
    issuer = "\n".join(names.issuer_line(" ".join(parts)) for parts in bodies[-2:])
    return issuer, lines_confidence(used)


def find_issue_date(lines: list[Line]) -> IssueDate | None:
    for line in lines:
        found = find_date(line.text, list(line.words))
        if found is not None:
            return found
    return None


def find_type(lines: list[Line]) -> tuple[str, float, int] | None:
    """The document type from its centred uppercase line: (canonical name, confidence, index
    of the line in `lines`)."""
    for index, line in enumerate(lines[:TITLE_LINES]):
        if not mostly_upper(line.text):
            continue
        text = re.sub(r"^[^a-z]+", "", folded(line.text)).strip(" .:")
        best, score = None, 0.0
        for name in DOC_TYPES:
            if name == OTHER_TYPE:
                continue
            target = folded(name)
            head = " ".join(text.split()[: len(target.split())])
            ratio = fuzz.ratio(head, target) / 100
            if ratio > score and len(text) <= len(target) + 3:
                best, score = name, ratio
        if best is not None and score >= 0.8:
            return best, round(score * line.confidence, 3), index
    return None


def find_subject(lines: list[Line], width: int) -> tuple[str, float] | None:
    """The subject (trích yếu): the centred lines right under the type line."""
    taken: list[Line] = []
    for line in lines[:SUBJECT_LINES]:
        if taken and (not _close_under(taken[-1], line) or _starts_sentence(line.text)):
            break
        if mostly_upper(line.text) or BODY_OPENERS.match(folded(line.text)):
            break
        centre = (line.box[0] + line.box[2]) / 2
        if abs(centre - width / 2) > 0.08 * width:
            break
        taken.append(line)
    if not taken:
        return None
    return _subject_text(taken), lines_confidence(taken)


def find_letter_subject(lines: list[Line]) -> tuple[str, float] | None:
    """A công văn's subject: `V/v …` and the lines under it in the left header block."""
    for index, line in enumerate(lines):
        if SUBJECT_START.match(folded(line.text)):
            taken = [line]
            for following in lines[index + 1 : index + SUBJECT_LINES]:
                if not _close_under(taken[-1], following) or NUMBER.match(following.text):
                    break
                taken.append(following)
            return _subject_text(taken), lines_confidence(taken)
    return None


def _starts_sentence(text: str) -> bool:
    """Whether a line opens a sentence (a capitalised word that is no acronym): a subject's
    next line carries on its phrase in small letters; the body's first line does not."""
    first = re.sub(r"^\W+", "", text).split(" ", 1)[0]
    return len(first) > 1 and first[0].isupper() and not first.isupper()


def _close_under(above: Line, line: Line) -> bool:
    """Whether `line` follows `above` as the next line of one block: the space between them
    is less than a line's height, or the boxes overlap a little (accents reach up into the line
    above). The OCR's paragraph breaks are not trusted here."""
    height = above.box[3] - above.box[1]
    return -height / 2 < line.box[1] - above.box[3] < 1.2 * height


def type_from_symbol(number: str) -> str | None:
    """The type a number's symbol names (`45/KH-LHH` → Kế hoạch), per Decree 30 Appendix III."""
    parts = re.split(r"[/-]", number)
    for part in parts[1:]:
        for name, abbreviation in DOC_TYPES.items():
            if abbreviation and folded(part) == folded(abbreviation):
                return name
    return None


def header_lines(layout: Layout) -> tuple[list[Line], list[Line], list[Line]]:
    """(left header block, right header block, body) of a first page. A page whose header was
    not found in two columns is searched from its top lines instead."""
    left, right, body = layout.zone("header_left"), layout.zone("header_right"), layout.zone("body")
    if not left and not right:
        top = body[:12]
        return top, top, body
    return left, right, body


def _symbol(symbol: str) -> str:
    """The symbol with its type part as Decree 30 writes it when the OCR got one letter wrong
    (`TIr-LHH` → `TTr-LHH`)."""
    parts = re.split(r"([/-])", symbol)
    first = parts[0]
    abbreviations = [a for a in DOC_TYPES.values() if a]
    if first not in abbreviations and len(first) >= 2:
        close = [
            a for a in abbreviations if len(a) == len(first) and Levenshtein.distance(a, first) == 1
        ]
        if len(close) == 1:
            parts[0] = close[0]
    return "".join(parts)


def _subject_text(lines: list[Line]) -> str:
    """A subject's lines as one line, specks before it dropped and `V/v` as printed."""
    text = re.sub(r"^(?:[^\w“\"(]|_)+", "", _joined(lines))
    return LETTER_SUBJECT.sub("V/v", text, count=1)


def _carries_on(previous: str, line: str) -> bool:
    """Whether an issuer line carries on the name above it: it does not start a body's name,
    or the line above breaks off mid-name (`LIÊN HIỆP CÁC` / `HỘI KH&KT …`)."""
    return not BODY_HEADS.match(folded(line)) or bool(BROKEN_OFF.search(folded(previous)))


def _issuer_text(text: str) -> str:
    """An issuer line without the specks OCR adds (`'`, `ˆ`, `._`): words with a letter or a
    digit, and the hyphens between them."""
    words = [w.strip("'\"`“”_") for w in clean_text(text).split()]
    words = [w for w in words if _has_letter_or_digit(w) or w in ("-", "–")]
    return " ".join(words).strip(" -–.,;:_")


def _has_letter_or_digit(word: str) -> bool:
    """Whether `word` has a Latin letter or digit (`ˆ` and `⁄` are letters to Unicode)."""
    return any(c.isalnum() and fold(c).isascii() for c in word)


def clean_text(text: str) -> str:
    """OCR look-alikes put right before a field is stored: `Ð` (Icelandic eth) → `Đ`, a grave
    accent typed after its vowel (`Vê`việc`) joined to it, quotes and spaces tidied."""
    text = text.replace("Ð", "Đ").replace("ð", "đ")
    text = re.sub(r"([aăâeêioôơuưyAĂÂEÊIOÔƠUƯY])`", "\\1\u0300 ", nfc(text))
    text = re.sub(r"(?<=\w)`(?=\w)", " ", nfc(text)).replace("`", "")
    return " ".join(nfc(text).split()).strip(" \"'")


def mostly_upper(text: str, share: float = 0.7) -> bool:
    """Whether at least `share` of the line's letters are capitals (titles, bodies, offices)."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= share * len(letters)


def _joined(lines: list[Line]) -> str:
    return clean_text(" ".join(line.text for line in lines))


def lines_confidence(lines: list[Line]) -> float:
    """The mean OCR confidence of the lines' words: a field's confidence."""
    values = [conf for line in lines for _, conf in line.words]
    return round(sum(values) / len(values), 3) if values else 0.0


def _numeral_confidence(line: Line, numeral: str) -> tuple[float, bool]:
    """The OCR's confidence in the number's numeral, and whether it is a word of its own."""
    for word, conf in line.words:
        if numeral and word.strip(":.") == numeral:
            return conf, True
    for word, conf in line.words:
        if numeral and numeral in word:
            return conf, False
    return line.confidence, True
