"""A person's review of the diacritic repair: accepting or rejecting one edit of a page.

Repair flags the edits it is unsure of (`review`); a person looks at the scan and decides. An
accepted edit stays and is no longer flagged; a rejected one is undone in the page's text (the
OCR's word comes back, in the archive's one tone-placement form). Either way the edit keeps its
`before` and `after` and gains `reviewed` (accepted | rejected), and the decision is a
`repair.reviewed` event in the caller's transaction (the caller commits and indexes the page
again).

An edit's `start`/`end` are offsets in the OCR's line; in the repaired line it stands after the
earlier edits of that line, shifted by how much each changed the length (repair's other change,
moving a tone mark within a syllable, keeps lengths).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from sohoa.archive import trail
from sohoa.archive.models import Page
from sohoa.archive.text import normalize

DECISIONS = ("accept", "reject")


class ReviewError(ValueError):
    """A review decision that cannot be applied (says why)."""


@dataclass(frozen=True)
class Place:
    """Where a word stands in the page's text now: line from 1, offsets in that line."""

    line: int
    start: int
    end: int


def place_of(edits: list[dict], index: int) -> Place:
    """Where edit `index` stands in the page's text now: its offsets in the OCR's line moved by
    the edits before it on that line (a rejected one gave the OCR's word back: no move), as long
    as the word it left there (the OCR's, in the archive's form, if it was rejected)."""
    edit = edits[index]
    shift = sum(
        len(e["after"]) - len(e["before"])
        for e in edits
        if e["line"] == edit["line"] and e["start"] < edit["start"] and not _rejected(e)
    )
    start = edit["start"] + shift
    return Place(edit["line"], start, start + len(shown_word(edit)))


def shown_word(edit: dict) -> str:
    """The word an edit left in the page's text."""
    return normalize(edit["before"]) if _rejected(edit) else edit["after"]


def _rejected(edit: dict) -> bool:
    return edit.get("reviewed") == "rejected"


def decide(session: Session, page: Page, number: int, decision: str, actor: str) -> dict:
    """Apply a person's decision on edit `number` (from 1, in the page's order); the edit as
    stored afterwards."""
    if decision not in DECISIONS:
        raise ReviewError(f"a decision is accept or reject, not {decision!r}")
    if not 1 <= number <= len(page.edits):
        raise ReviewError(f"page {page.number} has {len(page.edits)} edit(s), no edit {number}")
    edits = [dict(edit) for edit in page.edits]
    edit = edits[number - 1]
    if edit.get("reviewed"):
        raise ReviewError(f"edit {number} of page {page.number} was {edit['reviewed']} already")
    if decision == "reject":
        page.text = _undo(page.text, edits, number - 1)
    edit["reviewed"] = "accepted" if decision == "accept" else "rejected"
    edit["review"] = False
    page.edits = edits  # a new list: the JSON column does not see mutation
    page.review_count = sum(1 for e in edits if e["review"])
    session.add(page)
    trail.record(
        session,
        "repair.reviewed",
        actor=actor,
        object_type="document",
        object_id=page.document_id,
        details={
            "page": page.number,
            "edit": number,
            "decision": edit["reviewed"],
            "line": edit["line"],
            "before": edit["before"],
            "after": edit["after"],
        },
    )
    return edit


def _undo(text: str, edits: list[dict], index: int) -> str:
    """The text with edit `index` undone: its `after` replaced by the OCR's `before`."""
    edit = edits[index]
    lines = text.split("\n")
    line = lines[edit["line"] - 1]
    place = place_of(edits, index)  # not rejected yet: the repair's word stands there
    start = place.start
    found = line[start : place.end]
    if normalize(found) != normalize(edit["after"]):
        raise ReviewError(
            f"the page's text no longer holds {edit['after']!r} where edit {index + 1} put it"
        )
    lines[edit["line"] - 1] = line[:start] + normalize(edit["before"]) + line[start + len(found) :]
    return "\n".join(lines)


def check_page(session: Session, page: Page, actor: str) -> list[str]:
    """A person looked at a flagged page (low resolution, low confidence, blank, unread) and
    saw to it: a `page.checked` event, and the page leaves the review queue unless some of its
    edits still wait. The flags stay, as the page's description. Returns them."""
    if not page.flags:
        raise ReviewError(f"page {page.number} has no flags to check")
    if page.flags_checked:
        raise ReviewError(f"page {page.number}'s flags were checked already")
    page.flags_checked = True
    session.add(page)
    trail.record(
        session,
        "page.checked",
        actor=actor,
        object_type="document",
        object_id=page.document_id,
        details={"page": page.number, "flags": list(page.flags)},
    )
    return list(page.flags)
