"""Scoring metadata against labels, and reading a labelled document the way ingest does.

Shared by `bench/metadata.py` (prints per-field accuracy) and `tests/test_metadata_set.py`
(holds the targets). A field is scored one of:

- `right`: equal to the label after NFC, one tone placement and whitespace folded (a parent
  line break counts as a space); the type compared without case (`KẾ HOẠCH` = `Kế hoạch`); the
  subject right when its syllable similarity to the label is at least 0.95; a date whose day is
  handwritten on the page is right when it is the label's year and month (the day left empty
  rather than guessed, as the issue asks) or the whole date; likewise a number whose numeral
  is handwritten is right without its numeral (`/KH-LHH`), the printed symbol read;
- `missed`: the label has a value, the extraction none;
- `wrong`: both have values and they differ;
- `invented`: the page does not carry the field and the extraction gave one.

A label of None means the field is not scored for that document.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from rapidfuzz.distance import Levenshtein

from sohoa.archive.records import FIELDS
from sohoa.archive.text import normalize, syllables
from sohoa.ingest.describe import describe
from sohoa.ingest.layout import Layout, read_layout
from sohoa.ingest.read import read_page
from sohoa.ingest.repair import repair

SUBJECT_SIMILARITY = 0.95


@dataclass(frozen=True)
class Score:
    field: str
    outcome: str  # right | missed | wrong | invented
    expected: str
    got: str


def score(expected: dict, got: dict, handwritten: list[str] = ()) -> list[Score]:
    """Each field of `got` against the label `expected` (see the module docstring)."""
    scores = []
    for field in FIELDS:
        if expected.get(field, "") is None:  # not scored for this document
            continue
        want, have = _clean(expected.get(field, "")), _clean(got.get(field, ""))
        if not want:
            outcome = "right" if not have else "invented"
        elif not have:
            outcome = "missed"
        else:
            outcome = "right" if _same(field, want, have, handwritten) else "wrong"
        scores.append(Score(field, outcome, want, have))
    return scores


def _clean(value: str) -> str:
    return " ".join(normalize(value or "").split())


def _same(field: str, want: str, have: str, handwritten) -> bool:
    if field == "doc_type":
        return want.upper() == have.upper()
    if field == "subject":
        a, b = syllables(want.lower()), syllables(have.lower())
        return Levenshtein.normalized_similarity(a, b) >= SUBJECT_SIMILARITY
    if field == "date" and "day" in handwritten and have == want[:7]:
        return True
    if field == "number" and "number" in handwritten and have == re.sub(r"^\d+", "", want):
        return True
    return want == have


def ocr_words(image_path: Path, lang: str = "vie") -> dict:
    """One page image through prepare and OCR, as ingest reads it: its words and size."""
    with Image.open(image_path) as image:
        dpi = round(float((image.info.get("dpi") or (300, 300))[0]) or 300)
        page = image.convert("L" if image.mode in ("1", "L") else "RGB")
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "page.pnm"
            page.save(path, format="PPM")
            text = read_page(path, lang, dpi, page.width, page.height).text
    return {"words": text.words, "width": page.width, "height": page.height}


def page_layout(image_path: Path, lang: str = "vie") -> Layout:
    """One page image through prepare → OCR → layout, as ingest reads it (no repair yet)."""
    page = ocr_words(image_path, lang)
    return read_layout(page["words"], page["width"], page["height"])


def describe_pages(layouts: list[Layout], repaired: bool = True) -> dict:
    """The metadata of a document from its pages' layouts, on repaired text unless told not."""
    if repaired:
        layouts = [layout.with_texts(repair(layout.text()).text) for layout in layouts]
    return describe(layouts[0], layouts[-1])
