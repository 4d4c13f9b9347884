"""A person's review of the diacritic repair: accept or reject one edit, each an event."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from conftest import run_json, run_sohoa
from sohoa.archive import records, review
from sohoa.archive.models import Document, Event, Page
from sohoa.archive.text import normalize
from sohoa.ingest.repair import repair

OCR = (
    "KE HOACH\n"
    "To chuc hoi thao khoa hoc ve chuyen doi so nam 2024\n"
    "Lien hiep cac hoi khoa hoc va ky thuat tinh"
)


@pytest.fixture
def page(settings, engine):
    """A document whose one page was read as `OCR` (every mark lost) and repaired."""
    repaired = repair(OCR)
    with Session(engine) as session:
        session.add(
            Document(
                sha256="b" * 64,
                name="ke-hoach.pdf",
                size=1,
                mime="application/pdf",
                status="ingested",
                page_count=1,
                record_metadata=records.empty_metadata(),
            )
        )
        session.flush()
        edits = [edit.as_dict() for edit in repaired.edits]
        for number, edit in enumerate(edits, start=1):  # as if repair were unsure of 2 and 3
            edit["review"] = number in (2, 3)
        session.add(
            Page(
                document_id=1,
                number=1,
                width=1,
                height=1,
                dpi=300,
                raw_text=OCR,
                text=repaired.text,
                edits=edits,
                review_count=2,
            )
        )
        session.commit()
    return settings


def _apply(raw: str, edits: list[dict]) -> str:
    """The OCR text with these edits made, in the archive's one tone-placement form."""
    lines = raw.split("\n")
    for edit in sorted(edits, key=lambda e: (e["line"], -e["start"])):
        line = lines[edit["line"] - 1]
        lines[edit["line"] - 1] = line[: edit["start"]] + edit["after"] + line[edit["end"] :]
    return normalize("\n".join(lines))


def test_the_stored_text_is_the_ocr_with_every_edit_made(page, engine):
    with Session(engine) as session:
        stored = session.get(Page, 1)
        assert len([e for e in stored.edits if e["line"] == 2]) >= 3
        assert _apply(OCR, stored.edits) == stored.text


@pytest.mark.parametrize("rejected", [1, 2, 3, 5])
def test_a_rejected_edit_gives_the_ocr_word_back_and_leaves_the_others(page, engine, rejected):
    with Session(engine) as session:
        stored = session.get(Page, 1)
        kept = [e for i, e in enumerate(stored.edits, start=1) if i != rejected]
        decided = review.decide(session, stored, rejected, "reject", "lan")
        session.commit()
        assert decided["reviewed"] == "rejected"
        assert stored.text == _apply(OCR, kept)
        [event] = session.exec(select(Event).where(Event.action == "repair.reviewed")).all()
        details = json.loads(event.details)
        assert (event.actor, details["decision"], details["edit"]) == ("lan", "rejected", rejected)


def test_rejecting_two_edits_of_one_line_in_any_order_undoes_both(page, engine):
    with Session(engine) as session:
        stored = session.get(Page, 1)
        review.decide(session, stored, 3, "reject", "lan")
        review.decide(session, stored, 2, "reject", "lan")
        kept = [e for i, e in enumerate(stored.edits, start=1) if i not in (2, 3)]
        assert stored.text == _apply(OCR, kept)


def test_an_accepted_edit_stays_and_is_no_longer_flagged(page, engine):
    with Session(engine) as session:
        stored = session.get(Page, 1)
        before = stored.text
        review.decide(session, stored, 2, "accept", "lan")
        session.commit()
        assert stored.text == before
        assert (stored.edits[1]["review"], stored.edits[1]["reviewed"]) == (False, "accepted")
        assert stored.review_count == 1


@pytest.mark.parametrize(
    ("number", "decision", "message"),
    [(99, "accept", "no edit 99"), (1, "maybe", "accept or reject")],
)
def test_a_decision_that_cannot_be_applied_is_refused(page, engine, number, decision, message):
    with Session(engine) as session:
        stored = session.get(Page, 1)
        with pytest.raises(review.ReviewError, match=message):
            review.decide(session, stored, number, decision, "lan")


def test_the_command_lists_what_to_review_decides_and_refuses_a_second_decision(page):
    home = page.home
    flagged = run_json(home, "review", "1")
    assert [(f["page"], f["edit"]) for f in flagged] == [(1, 2), (1, 3)]
    decided = run_json(home, "review", "1", "1", "2", "reject")
    assert decided["reviewed"] == "rejected"
    assert [(f["page"], f["edit"]) for f in run_json(home, "review", "1")] == [(1, 3)]
    again = run_sohoa(home, "review", "1", "1", "2", "accept", check=False)
    assert again.returncode == 1 and "rejected already" in again.stderr
    missing = run_sohoa(home, "review", "1", "7", "1", "accept", check=False)
    assert missing.returncode == 1 and "has no page 7" in missing.stderr
    found = run_json(home, "search", decided["before"])
    assert [h["document_id"] for h in found["hits"]] == [1]
    assert run_json(home, "trail", "verify", "--no-originals")["ok"] is True  # none stored
