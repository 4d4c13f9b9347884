"""Metadata read from the labelled set of synthetic scans, against the issue's targets.

`tests/metadata_set/` is made by `scripts/make_metadata_set.py --seed 2026` from held-out corpus
text; its labels come from the generator, and development used other seeds. Every document is
read the way ingest reads it (prepare → OCR → layout → repair → describe, first and last page),
then scored field by field as `bench/metadata.py` scores it (`bench/metadata_eval.py`).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
from metadata_eval import FIELDS, describe_pages, page_layout, score  # noqa: E402

SET = REPO / "tests" / "metadata_set"
LABELS = json.loads((SET / "labels.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def scores() -> dict[str, Counter]:
    """Outcome counts per field over the whole set (two pages OCR'd at a time)."""
    pages = sorted({SET / doc["pages"][i] for doc in LABELS for i in (0, -1)})
    with ThreadPoolExecutor(max_workers=2) as pool:
        layouts = dict(zip(pages, pool.map(page_layout, pages), strict=True))
    counts = {field: Counter() for field in FIELDS}
    for doc in LABELS:
        first, last = layouts[SET / doc["pages"][0]], layouts[SET / doc["pages"][-1]]
        got = describe_pages([first, last])
        for result in score(doc["fields"], got, doc.get("handwritten", [])):
            counts[result.field][result.outcome] += 1
    print({field: dict(counts[field]) for field in FIELDS})
    return counts


def accuracy(counter: Counter) -> float:
    return counter["right"] / sum(counter.values())


def test_the_set_is_what_the_issue_asks_for():
    assert len(LABELS) >= 30
    assert len({doc["layout"] for doc in LABELS}) >= 8
    years = [int(doc["fields"]["date"][:4]) for doc in LABELS if doc["fields"]["date"]]
    assert min(years) < 2000 and max(years) >= 2020 and all(1990 <= y <= 2025 for y in years)
    assert any(doc.get("extras", {}).get("seal") for doc in LABELS)
    assert any(doc["fields"]["doc_type"] == "KHÁC" for doc in LABELS)
    assert all((SET / page).is_file() for doc in LABELS for page in doc["pages"])


# The issue's targets are 95 % of all fields and 98 % for date, number and type. Measured on
# this set (README, "Measured"): 92.0 % of all fields, date 94.4 %, number 94.4 %, type 100 %.
# The floors below hold what is reached, so a change that loses ground fails; the targets that
# are missed are reported as missed, not written into the tests.
FLOORS = {"all": 0.90, "date": 0.90, "number": 0.90, "doc_type": 0.98}


def test_nine_fields_in_ten_are_right_overall(scores):
    total = sum((counter for counter in scores.values()), Counter())
    assert accuracy(total) >= FLOORS["all"]


@pytest.mark.parametrize("field", ["date", "number", "doc_type"])
def test_date_number_and_type_hold_their_floor(scores, field):
    assert accuracy(scores[field]) >= FLOORS[field]


def test_no_field_is_invented_where_the_page_has_none(scores):
    assert sum(counter["invented"] for counter in scores.values()) == 0
