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

from sohoa.archive.records import DOC_TYPES, OTHER_TYPE
from sohoa.archive.text import fold
from sohoa.ingest.describe.dates import IssueDate, find_date
from sohoa.ingest.layout import Layout, Line

# `Số: 45/KH-LHH`, `Số 45-NQ/TW`, `Số: 12/QĐ-UB`, with OCR spacing inside.
NUMBER = re.compile(
    r"^\W{0,2}S\S{0,2}\s*[:.;,]?\s*(?P<numeral>\S{0,6}?)\s*(?P<separator>[/-])\s*"
    r"(?P<symbol>[A-ZĐ][\wĐ&.]*(?:\s?[-/]\s?[\wĐ&.]+)*)"
)
UNSURE_NUMERAL = 0.45  # a numeral read with less confidence than this is handwritten or blurred
SUBJECT_START = re.compile(r"^\W{0,2}(v\s*[/l|]\s*v|ve\s+viec)\b")
BODY_OPENERS = re.compile(
    r"^\W{0,2}(can\s+cu|kinh\s+gui|thuc\s+hien|theo\s|de\s|nham\s|hom\s+nay|vao\s+hoi|"
    r"[ivx]+\s*[.)]|\d+\s*[.)]|dieu\s+\d)"
)
# A continuation line of a wrapped name starts with an administrative unit or a conjunction.
CONTINUATION_START = re.compile(
    r"^(tinh|thanh\s+pho|huyen|quan|thi\s+xa|xa|phuong|thi\s+tran|va|&)\b"
)
UNIT = re.compile(r"\b(tinh|thanh pho|huyen|quan|thi xa|xa|phuong)\b")
CONTINUATION_END = re.compile(r"\b(va|cac|cua|tinh|huyen|thanh\s+pho|nhan\s+dan|hoi)$")
TITLE_LINES = 10  # the type line is among the first lines after the header
SUBJECT_LINES = 4


def folded(text: str) -> str:
    """Folded, lowercased, single-spaced: the form every match here is made on."""
    return " ".join(fold(text).lower().split())


def find_number(lines: list[Line]) -> tuple[str, float] | None:
    """The number and symbol from the `Số` line, and a confidence. A numeral the OCR was unsure
    of is left out (`/UBND-TTHC`): a wrong number files a record under another one."""
    for line in lines:
        match = NUMBER.match(line.text.strip())
        if match is None or not any(c.isupper() for c in match["symbol"]):
            continue
        numeral = match["numeral"]
        confidence = _words_confidence(line, numeral) if numeral else 0.0
        if not numeral.isdigit() or confidence < UNSURE_NUMERAL:
            numeral, confidence = "", 0.3
        symbol = re.sub(r"\s+", "", match["symbol"]).rstrip(".")
        return f"{numeral}{match['separator']}{symbol}", round(confidence, 3)
    return None


def find_issuer(lines: list[Line]) -> tuple[str, float] | None:
    """The issuing body: the uppercase lines above the number in the left header block. A line
    that continues a wrapped name (`ỦY BAN NHÂN DÂN` / `TỈNH QUẢNG NGÃI`) is joined with a
    space, the issuer's parent body keeps a line of its own (`UBND TỈNH X` / `SỞ Y`)."""
    names: list[list[str]] = []
    used: list[Line] = []
    for line in lines:
        if NUMBER.match(line.text.strip()) or SUBJECT_START.match(folded(line.text)):
            break
        if not _mostly_upper(line.text):
            continue
        text = " ".join(line.text.split()).strip(" .,:;")
        if names and _continues(names[-1][-1], text):
            names[-1].append(text)
        else:
            names.append([text])
        used.append(line)
    if not names:
        return None
    issuer = "\n".join(" ".join(parts) for parts in names[-2:])
    return issuer, _lines_confidence(used)


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
        if not _mostly_upper(line.text):
            continue
        text = folded(line.text).strip(" .:")
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
        if taken and line.gap_before:
            break
        if _mostly_upper(line.text) or BODY_OPENERS.match(folded(line.text)):
            break
        centre = (line.box[0] + line.box[2]) / 2
        if abs(centre - width / 2) > 0.08 * width:
            break
        taken.append(line)
    if not taken:
        return None
    return _joined(taken), _lines_confidence(taken)


def find_letter_subject(lines: list[Line]) -> tuple[str, float] | None:
    """A công văn's subject: `V/v …` and the lines under it in the left header block."""
    for index, line in enumerate(lines):
        if SUBJECT_START.match(folded(line.text)):
            taken = [line]
            for following in lines[index + 1 : index + SUBJECT_LINES]:
                if following.gap_before or NUMBER.match(following.text.strip()):
                    break
                taken.append(following)
            return _joined(taken), _lines_confidence(taken)
    return None


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


def _continues(previous: str, line: str) -> bool:
    """Whether `line` carries on the name on `previous` rather than starting a new one."""
    before, after = folded(previous), folded(line)
    if CONTINUATION_END.search(before):
        return True
    return bool(CONTINUATION_START.match(after)) and UNIT.search(before) is None


def _mostly_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.7 * len(letters)


def _joined(lines: list[Line]) -> str:
    return " ".join(" ".join(line.text.split()) for line in lines).strip()


def _lines_confidence(lines: list[Line]) -> float:
    values = [conf for line in lines for _, conf in line.words]
    return round(sum(values) / len(values), 3) if values else 0.0


def _words_confidence(line: Line, token: str) -> float:
    for word, conf in line.words:
        if token and token in word:
            return conf
    return line.confidence
