"""A record's metadata: the fields of Decree 30/2020/NĐ-CP that archivists file by.

`ingest` reads them off the page (`ingest/describe/`), `search` indexes them, an archivist
corrects them; all of them share the names and the document types defined here. A document's
`record_metadata` holds one value per field ("" when the page does not carry it, never a guess),
and `confidence` (0-1) for each field that has a value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlmodel import Session

from sohoa.archive import trail
from sohoa.archive.models import Document
from sohoa.archive.text import fold, nfc, normalize

FIELDS = ("issuer", "number", "place", "date", "doc_type", "subject", "signer", "authority")

# Decree 30/2020/NĐ-CP, Article 7: the kinds of administrative document, with the abbreviation
# Appendix III gives each for the number's symbol (công văn has none). `Khác` is for records
# that are not formal documents: minutes in free form, forms, lists, photographs of boards.
DOC_TYPES: dict[str, str | None] = {
    "Nghị quyết": "NQ",
    "Quyết định": "QĐ",
    "Chỉ thị": "CT",
    "Quy chế": "QC",
    "Quy định": "QyĐ",
    "Thông cáo": "TC",
    "Thông báo": "TB",
    "Hướng dẫn": "HD",
    "Chương trình": "CTr",
    "Kế hoạch": "KH",
    "Phương án": "PA",
    "Đề án": "ĐA",
    "Dự án": "DA",
    "Báo cáo": "BC",
    "Biên bản": "BB",
    "Tờ trình": "TTr",
    "Hợp đồng": "HĐ",
    "Công văn": None,
    "Công điện": "CĐ",
    "Bản ghi nhớ": "BGN",
    "Bản thỏa thuận": "BTT",
    "Giấy ủy quyền": "GUQ",
    "Giấy mời": "GM",
    "Giấy giới thiệu": "GGT",
    "Giấy nghỉ phép": "GNP",
    "Phiếu gửi": "PG",
    "Phiếu chuyển": "PC",
    "Phiếu báo": "PB",
    "Thư công": None,
    "Khác": None,
}
OTHER_TYPE = "Khác"


def empty_metadata() -> dict:
    """Every field present and empty, no confidences: what a document has before it is read."""
    return {**{name: "" for name in FIELDS}, "confidence": {}, "procedures": []}


# Fields a person reads as several lines (the issuer's parent body above the issuer, "KT. CHỦ
# TỊCH" above "PHÓ CHỦ TỊCH"); every other field is one line.
MULTILINE = ("issuer", "authority")

_FOLDED_TYPES = {fold(name).lower(): name for name in DOC_TYPES}
assert len(_FOLDED_TYPES) == len(DOC_TYPES), "two document types fold to the same words"

_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_VIETNAMESE_DATE = re.compile(r"(?:(\d{1,2})[/.-])?(\d{1,2})[/.-](\d{4})")
_NUMBER_PREFIX = re.compile(r"^số\s*:?\s*", re.IGNORECASE)


def normalize_value(field: str, value: str) -> str:
    """`value` as `field` stores it, or ValueError saying why it cannot be stored.

    Text is NFC in one tone-placement form (`archive.text.normalize`), spaces collapsed, lines
    kept only for the issuer and the authority. `date` is ISO 8601 (`2024`, `2024-07`,
    `2024-07-15`), also accepted as `15/7/2024` or `7/2024`; `doc_type` is one of `DOC_TYPES`,
    matched ignoring case and diacritics (`ke hoach` → `Kế hoạch`). "" clears the field.
    """
    if field not in FIELDS:
        raise ValueError(f'unknown field "{field}"; the fields are: {", ".join(FIELDS)}')
    lines = [" ".join(line.split()) for line in normalize(value).splitlines()]
    lines = [line for line in lines if line]
    text = ("\n" if field in MULTILINE else " ").join(lines)
    if not text:
        return ""
    if field == "date":
        return _normalize_date(text)
    if field == "doc_type":
        return doc_type_of(text)
    if field == "number":
        return _NUMBER_PREFIX.sub("", text)  # "Số: 45/KH-LHH" as printed → "45/KH-LHH"
    return text


def doc_type_of(text: str) -> str:
    """The `DOC_TYPES` name `text` means, ignoring case, diacritics and `_` for spaces; or
    ValueError listing the types."""
    key = " ".join(fold(nfc(text)).replace("_", " ").lower().split())
    if key in _FOLDED_TYPES:
        return _FOLDED_TYPES[key]
    raise ValueError(f'unknown document type "{text}"; the types are: {", ".join(DOC_TYPES)}')


def issuing_body(issuer: str) -> str:
    """The issuer's own name: the last line of `issuer` (the lines above name its parent)."""
    lines = [line.strip() for line in issuer.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def metadata_of(document: Document | Mapping[str, Any]) -> dict:
    """A document's metadata (or a stored `record_metadata`) in its full shape: every field a
    string ("" when absent), `confidence` for the fields that have one, `corrected` the fields a
    person set, in `FIELDS` order, `procedures` the codes of the ISO procedures it is evidence
    for (a copy of its links, kept for search: `iso_procedures.links`). Documents ingested
    before metadata existed have `{}`."""
    stored = document.record_metadata if isinstance(document, Document) else document
    stored = stored or {}
    metadata = empty_metadata()
    for name in FIELDS:
        value = stored.get(name)
        metadata[name] = value if isinstance(value, str) else ""
    confidence = stored.get("confidence") or {}
    metadata["confidence"] = {
        name: float(confidence[name])
        for name in FIELDS
        if isinstance(confidence.get(name), int | float)
    }
    corrected = set(stored.get("corrected") or ())
    metadata["corrected"] = [name for name in FIELDS if name in corrected]
    metadata["procedures"] = sorted(str(code) for code in stored.get("procedures") or ())
    return metadata


def correct(session: Session, document: Document, field: str, value: str, actor: str) -> dict:
    """Set one field of `document` as a person read it, and append a `metadata.corrected` event
    in the caller's transaction (the caller commits). The field's confidence becomes 1.0 (none
    when cleared: only fields with a value have one) and it joins `corrected`. Returns the new
    metadata. Setting a corrected field to the value it has changes nothing and records nothing.
    ValueError for an unknown field or a value `normalize_value` refuses."""
    new = normalize_value(field, value)
    metadata = metadata_of(document)
    old = metadata[field]
    if new == old and field in metadata["corrected"]:
        return metadata
    old_confidence = metadata["confidence"].pop(field, None)
    metadata[field] = new
    if new:
        metadata["confidence"][field] = 1.0
    corrected = {*metadata["corrected"], field}
    metadata["corrected"] = [name for name in FIELDS if name in corrected]
    document.record_metadata = metadata  # a new dict: the JSON column does not see mutation
    session.add(document)
    trail.record(
        session,
        "metadata.corrected",
        actor=actor,
        object_type="document",
        object_id=document.id,
        details={"field": field, "old": old, "new": new, "old_confidence": old_confidence},
    )
    return metadata_of(metadata)


def _normalize_date(text: str) -> str:
    """ISO `YYYY`, `YYYY-MM` or `YYYY-MM-DD` of a real date, from ISO or `D/M/YYYY`, `M/YYYY`."""
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    elif match := _VIETNAMESE_DATE.fullmatch(text):
        day, month, year = match.groups()
    else:
        raise ValueError(
            f'"{text}" is not a date: write it as 2024-07-15, 2024-07 or 2024 (or 15/7/2024)'
        )
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise ValueError(f'"{text}" is not a real date') from None
    parts = [year] + [f"{int(part):02d}" for part in (month, day) if part]
    return "-".join(parts)
