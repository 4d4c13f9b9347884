"""Place and date of issue: `Bắc Giang, ngày 15 tháng 7 năm 2024` or `Bắc Giang, 15/7/2024`.

Read on folded, lowercased text (`ngay … thang … nam`), so lost or wrong diacritics do not
matter; digits the OCR confuses with letters (`Ø3`, `l5`, `O7`) are read as digits. A day or
month the OCR is unsure of (a handwritten day, typically) is left out rather than guessed: the
date becomes `2024-07` or `2024`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sohoa.archive.text import fold, nfc
from sohoa.ingest.describe import names

EARLIEST_YEAR = 1945  # the Democratic Republic's first documents
UNSURE_DIGITS = 0.6  # a day or month read with less confidence than this is left out

_DIGIT_LOOKALIKES = str.maketrans("OoØøDQlI|iSsZzBg", "0000001111552289")
_WRITTEN = re.compile(
    r"(?P<place>[^,\d]{0,40}?)\s*[,.]?\s*"
    r"ng(?:\w{1,2}y|a)[\s:.-]*(?P<day>\S{0,4}?)[\s-]*th\w{1,3}g[\s:.-]*(?P<month>\S{1,4}?)[\s-]*"
    r"n\w{1,2}m[\s:.-]*(?P<year>\d{4})"
)
_NUMERIC = re.compile(
    r"(?P<place>[^,\d]{2,40}?)\s*,\s*"
    r"(?P<day>\d{1,2})\s*[/.-]\s*(?P<month>\d{1,2})\s*[/.-]\s*(?P<year>\d{4})"
)


@dataclass(frozen=True)
class IssueDate:
    """Where and when a document was issued, as read from one line."""

    place: str
    iso: str  # YYYY-MM-DD, or YYYY-MM / YYYY when the day or month could not be read
    confidence: float


def find_date(text: str, word_confidences: list[tuple[str, float]]) -> IssueDate | None:
    """The place and date of issue in one line of text, or None if it carries none.

    `word_confidences` are the OCR's words of the line with their confidence: a day or month
    word the OCR was unsure of is left out of the date."""
    text = nfc(text)
    folded = fold(text).lower()
    if len(folded) != len(text):  # fold keeps offsets for NFC text; be safe if not
        text = folded
    match = _WRITTEN.search(folded) or _NUMERIC.search(folded)
    if match is None:
        return None
    year = int(match["year"])
    if not EARLIEST_YEAR <= year <= date.today().year + 1:
        return None
    month = _number(match["month"], 1, 12)
    day = _number(match["day"], 1, 31)
    unsure = {key: _unsure(match[key], word_confidences) for key in ("day", "month")}
    if month is None or unsure["month"]:
        iso, day = f"{year:04d}", None
    elif day is None or unsure["day"] or not _valid(year, month, day):
        iso = f"{year:04d}-{month:02d}"
    else:
        iso = f"{year:04d}-{month:02d}-{day:02d}"
    place = _place(text[match.start("place") : match.end("place")])
    confidence = _confidence(match, word_confidences, complete=len(iso) == 10)
    return IssueDate(place=place, iso=iso, confidence=confidence)


def _number(token: str, low: int, high: int) -> int | None:
    digits = token.translate(_DIGIT_LOOKALIKES)
    if not digits.isdigit():
        return None
    value = int(digits)
    return value if low <= value <= high else None


def _unsure(token: str, word_confidences: list[tuple[str, float]]) -> bool:
    """Whether the OCR word holding `token` (a day or month) was read with low confidence."""
    if not token:
        return False
    for word, confidence in word_confidences:
        if token in fold(word).lower():
            return confidence < UNSURE_DIGITS
    return False


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _place(text: str) -> str:
    """The place name before the date (capitalised words, a few at most), a province in its
    listed spelling; "" when what stands there is not a name."""
    words = re.sub(r"[^\w\s-]", " ", text).replace("-", " - ").split()
    names_only = [w for w in words if w != "-"]
    if not 1 <= len(names_only) <= 6 or not all(w.isalpha() and w[0].isupper() for w in names_only):
        return ""
    place = " ".join(words).strip(" -")
    if words[0] == "TP":  # `TP. Hồ Chí Minh`: the abbreviation keeps its full stop
        return "TP. " + " ".join(words[1:])
    return names.province_near(place)


def _confidence(match: re.Match, word_confidences: list[tuple[str, float]], complete: bool):
    """The mean OCR confidence of the line's words, lower when part of the date was left out."""
    values = [c for _, c in word_confidences] or [0.5]
    base = sum(values) / len(values)
    return round(base * (1.0 if complete else 0.8), 3)
