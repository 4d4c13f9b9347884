"""Describe: a record's metadata per Decree 30/2020/NĐ-CP, read from its first and last pages.

`describe(first, last)` takes the two pages' layouts (`ingest.layout`, carrying the repaired
text when repair ran) and returns the `record_metadata` a `Document` stores: one value per field
of `archive.records.FIELDS` and a confidence (0-1) for each value found. A field the pages do
not show stays "" — nothing is guessed. Where each field comes from:

- issuer, number, subject of a công văn (`V/v …`): the left header block (`header.py`);
- place and date: the right header block (`dates.py`);
- type and subject: the centred lines under the header; a numbered record without a type line
  is a công văn; one with neither type nor number is `Khác` (minutes, forms, boards); minutes
  (biên bản) without a date in the header are dated by their opening line;
- authority and signer: the right of the last page's foot (`signature.py`).
"""

from __future__ import annotations

from sohoa.archive.records import OTHER_TYPE, empty_metadata
from sohoa.ingest.describe import header
from sohoa.ingest.describe.signature import find_signature
from sohoa.ingest.layout import Layout

SIGNATURE_LINES = 8
LETTER_TYPE = "Công văn"
MINUTES_TYPE = "Biên bản"
OPENING_LINES = 15


def describe(first: Layout, last: Layout | None = None) -> dict:
    """The record metadata of a document whose first page is `first` and last page `last`
    (the same page for a one-page record)."""
    metadata = empty_metadata()
    confidence: dict[str, float] = {}

    def put(field: str, found: tuple | None) -> None:
        if found is not None and found[0]:
            metadata[field], confidence[field] = found[0], found[1]

    left, right, body = header.header_lines(first)
    put("issuer", header.find_issuer(left))
    put("number", header.find_number(left))
    issued = header.find_issue_date(right)
    if issued is not None:
        put("place", (issued.place, issued.confidence))
        put("date", (issued.iso, issued.confidence))
    _type_and_subject(metadata, confidence, left, body, first.width)
    if not metadata["date"] and metadata["doc_type"] == MINUTES_TYPE:
        # Minutes are dated in their opening line: `Vào hồi 9 giờ, ngày 23 tháng 8 năm 2024`.
        opened = header.find_issue_date(body[:OPENING_LINES])
        if opened is not None:
            put("date", (opened.iso, round(opened.confidence * 0.9, 3)))
    authority, signer = find_signature(last or first)
    put("authority", authority)
    put("signer", signer)
    if not metadata["date"]:
        # Forms and letters without a header are dated above their signature.
        _date_near_signature(last or first, put)
    metadata["confidence"] = confidence
    return metadata


def _date_near_signature(page: Layout, put) -> None:
    lines = page.zone("signature") + page.zone("body")[-SIGNATURE_LINES:]
    issued = header.find_issue_date(lines)
    if issued is not None:
        put("place", (issued.place, issued.confidence))
        put("date", (issued.iso, issued.confidence))


def _type_and_subject(metadata, confidence, left, body, width) -> None:
    """The type from its line (or what the record's form implies) and the subject under it."""
    found = header.find_type(body)
    if found is not None:
        name, score, index = found
        metadata["doc_type"], confidence["doc_type"] = name, score
        subject = header.find_subject(body[index + 1 :], width)
    else:
        subject = header.find_letter_subject(left)
        implied = header.type_from_symbol(metadata["number"]) if metadata["number"] else None
        if subject is not None or (metadata["number"] and implied is None):
            metadata["doc_type"], confidence["doc_type"] = LETTER_TYPE, 0.7
        elif implied is not None:
            metadata["doc_type"], confidence["doc_type"] = implied, 0.6
        else:
            metadata["doc_type"], confidence["doc_type"] = OTHER_TYPE, 0.5
    if subject is not None:
        metadata["subject"], confidence["subject"] = subject
