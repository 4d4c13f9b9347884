"""A person's correction of one word of a page's text, and the user dictionary it teaches.

Review (`archive.review`) lets a person accept or reject what repair did; a correction says what
the paper says instead, for a word repair changed or one it left alone. The page's text takes the
word, and its edits stay an exact account of how `text` comes from `raw_text`:

- at the place of an edit, that edit now puts the corrected word there: its `after` is the
  word, what repair had made is kept as `repaired`, and it is `reviewed: corrected` (no longer
  awaiting review, and no longer open to accept or reject);
- elsewhere, a new edit is added at the end of the page's list (so the numbers of the others do
  not change), from the word as read to the word as corrected, `source: person`.

The correction is a `text.corrected` event in the caller's transaction (the caller commits,
indexes the page again and marks its preservation copy outdated, as for a review decision).

Each correction also teaches the repair: the user dictionary (`LearntWord`) maps the word as OCR
read it, folded and lowercase, to the corrected word, and repair given it (`learnt`) writes that
word wherever a token folds to that form, on the pages it repairs later.

Where a word is: the number of an edit, or its line (from 1) and character offsets in that line
of the page's text as it is now (`start`, and `end`, by default the end of the word there).
"""

from __future__ import annotations

import re

from sqlmodel import Session, select

from sohoa.archive import trail
from sohoa.archive.models import LearntWord, Page, utcnow
from sohoa.archive.review import Place, ReviewError, place_of
from sohoa.archive.text import fold, normalize

CORRECTED = "corrected"
PERSON = "person"  # the source of an edit a correction added where repair changed nothing
_CHUNK = re.compile(r"\S+")
_TRAILING = ".,;:!?…\"'”’)]}»"  # punctuation after a word, not part of it


class CorrectionError(ReviewError):
    """A correction that cannot be applied (says why)."""


def correct(
    session: Session,
    page: Page,
    word: str,
    actor: str,
    *,
    edit: int | None = None,
    line: int | None = None,
    start: int | None = None,
    end: int | None = None,
    found: str | None = None,
) -> dict:
    """Put `word` where edit `edit` (from 1) stands, or at `line`/`start`[/`end`] of the page's
    text, or where the page says `found` (on `line`, if given); return the edit that records
    it, with its number (`edit`)."""
    word = _one_word(word)
    edits = [dict(e) for e in page.edits]
    lines = page.text.split("\n")
    if edit is not None:
        if not 1 <= edit <= len(edits):
            raise CorrectionError(f"page {page.number} has {len(edits)} edit(s), no edit {edit}")
        index, place = edit - 1, place_of(edits, edit - 1)
    else:
        if found is not None:
            place = find_word(page.text, found, line)
        else:
            place = _place_at(lines, page.number, line, start, end)
        index = _edit_at(edits, place)
    found = lines[place.line - 1][place.start : place.end]
    if normalize(found) == word:
        what = "accept the edit instead" if index is not None else "nothing to correct"
        raise CorrectionError(f"the text already says {word!r} there ({what})")
    if index is None:
        edits.append(_new_edit(edits, place, found, word))
        index = len(edits) - 1
        read = found
    else:
        changed = edits[index]
        read = changed["before"]
        changed.setdefault("repaired", changed["after"])
        changed.update(after=word, review=False, reviewed=CORRECTED)
    text = lines[place.line - 1]
    lines[place.line - 1] = text[: place.start] + word + text[place.end :]
    page.text = "\n".join(lines)
    page.edits = edits  # a new list: the JSON column does not see mutation
    page.review_count = sum(1 for e in edits if e["review"])
    session.add(page)
    form = teach(session, read, word, actor)
    trail.record(
        session,
        "text.corrected",
        actor=actor,
        object_type="document",
        object_id=page.document_id,
        details={
            "page": page.number,
            "edit": index + 1,
            "line": place.line,
            "start": place.start,
            "before": found,
            "after": word,
            "read": read,
            "learnt": form,
        },
    )
    return {"edit": index + 1, **edits[index]}


def learnt(session: Session) -> dict[str, str]:
    """The user dictionary, as repair takes it: folded lowercase form → the taught word."""
    return dict(session.exec(select(LearntWord.form, LearntWord.word)).all())


def teach(session: Session, read: str, word: str, actor: str) -> dict:
    """Learn that OCR's `read` is `word`: one more count when the form already meant that word,
    else the form means `word` from now on (the latest person is right). Returns the entry."""
    form, taught = fold(read).lower(), word.lower()
    row = session.exec(select(LearntWord).where(LearntWord.form == form)).first()
    if row is None:
        row = LearntWord(form=form, word=taught, actor=actor)
    elif row.word == taught:
        row.count += 1
    else:
        row.word, row.count = taught, 1
    row.actor, row.updated = actor, utcnow()
    session.add(row)
    return {"form": form, "word": taught, "count": row.count}


def find_word(text: str, found: str, line: int | None = None) -> Place:
    """Where the word `found` stands in a page's `text` (a whole word, on `line` if given),
    for a person who names the wrong word rather than its offsets. CorrectionError when it is
    not there, or is there more than once and no line says which."""
    found = _one_word(found)
    pattern = re.compile(rf"(?<!\w){re.escape(found)}(?!\w)")
    places = [
        Place(number, match.start(), match.end())
        for number, content in enumerate(text.split("\n"), start=1)
        if line is None or number == line
        for match in pattern.finditer(content)
    ]
    if not places:
        where = f" on line {line}" if line is not None else ""
        raise CorrectionError(f"the page does not say {found!r}{where}")
    if len(places) > 1:
        lines = ", ".join(str(p.line) for p in places[:10])
        raise CorrectionError(
            f"{found!r} is on the page {len(places)} times (lines {lines}): say the line"
        )
    return places[0]


def _one_word(word: str) -> str:
    word = normalize(word.strip())
    if not word or any(c.isspace() for c in word):
        raise CorrectionError("a correction is one word, without spaces")
    return word


def _place_at(
    lines: list[str], page: int, line: int | None, start: int | None, end: int | None
) -> Place:
    """The place asked for, checked against the text: the word at `start` when no `end`."""
    if line is None or start is None:
        raise CorrectionError("say where the word is: an edit number, or a line and a start")
    if not 1 <= line <= len(lines):
        raise CorrectionError(f"page {page} has {len(lines)} line(s), no line {line}")
    text = lines[line - 1]
    if end is None:
        chunk = _CHUNK.match(text, start) if 0 <= start < len(text) else None
        end = start + len(chunk.group().rstrip(_TRAILING)) if chunk else start
    if not 0 <= start < end <= len(text):
        raise CorrectionError(f"there is no word at line {line}, offsets {start}..{end}")
    return Place(line, start, end)


def _edit_at(edits: list[dict], place: Place) -> int | None:
    """The edit that stands exactly at `place`, if any; one it only overlaps is refused."""
    for index in range(len(edits)):
        there = place_of(edits, index)
        if there.line != place.line or there.end <= place.start or place.end <= there.start:
            continue
        if (there.start, there.end) == (place.start, place.end):
            return index
        raise CorrectionError(
            f"line {place.line}, {place.start}..{place.end} overlaps edit {index + 1} "
            f"({there.start}..{there.end}): correct the whole word"
        )
    return None


def _new_edit(edits: list[dict], place: Place, found: str, word: str) -> dict:
    """An edit from the OCR's word at `place` (which no edit changed) to `word`; its offsets are
    in the OCR's line, like repair's, so the edits before it on the line are taken back."""
    shift = sum(
        len(e["after"]) - len(e["before"])
        for i, e in enumerate(edits)
        if e["line"] == place.line
        and e.get("reviewed") != "rejected"
        and place_of(edits, i).start < place.start
    )
    start = place.start - shift
    return {
        "line": place.line,
        "start": start,
        "end": start + len(found),
        "before": found,
        "after": word,
        "confidence": 1.0,
        "review": False,
        "reviewed": CORRECTED,
        "source": PERSON,
    }


def searchable_raw(page: Page) -> str:
    """The OCR's text as search should fall back on it: the words a person corrected replaced
    by their correction. The raw text is indexed so that a word repair got wrong is still found
    as OCR read it; once a person said what the paper says, that reading is known wrong and
    must not find the page. (An edit whose place in the raw line does not hold its `before`,
    after a legacy-encoding conversion, is left as it is.)"""
    corrected = [e for e in page.edits if e.get("reviewed") == CORRECTED]
    if not corrected:
        return page.raw_text
    lines = page.raw_text.split("\n")
    for edit in sorted(corrected, key=lambda e: (e["line"], -e["start"])):
        if edit["line"] > len(lines):
            continue
        line = lines[edit["line"] - 1]
        if normalize(line[edit["start"] : edit["end"]]) == normalize(edit["before"]):
            lines[edit["line"] - 1] = line[: edit["start"]] + edit["after"] + line[edit["end"] :]
    return "\n".join(lines)
