"""A page's repaired text as HTML for the reading page: each repair edit marked with what the
OCR read, edits waiting for a person's review marked apart, and the words a query matched in
`<mark>`. Everything else is escaped (markupsafe), so a page's own `<script>` stays text.

An edit's `start`/`end` are offsets in the OCR's line (`ingest.repair.Edit`); where it stands in
the repaired line is `archive.review.place_of`, the arithmetic review and correction use. An
edit whose word is no longer where it should be is left unmarked rather than marked on the wrong
word.
"""

from __future__ import annotations

from itertools import groupby

from markupsafe import Markup, escape

from sohoa.archive.review import place_of, shown_word
from sohoa.archive.text import normalize
from sohoa.search.snippets import word_spans


def page_html(text: str, edits: list[dict], terms: list[str]) -> Markup:
    """The page's text, lines kept, edits and matched words marked (`terms`: folded words)."""
    lines = text.split("\n")
    placed = _placed_edits(lines, edits)
    return Markup("\n").join(
        _line_html(line, placed.get(number, []), word_spans(line, terms) if terms else [])
        for number, line in enumerate(lines, start=1)
    )


def _placed_edits(lines: list[str], edits: list[dict]) -> dict[int, list[tuple[int, int, dict]]]:
    """Line number → (start, end, edit) of each edit found where it should be in that line."""
    placed: dict[int, list[tuple[int, int, dict]]] = {}
    for index, edit in enumerate(edits):
        if not 1 <= edit["line"] <= len(lines):
            continue
        place = place_of(edits, index)
        there = lines[place.line - 1][place.start : place.end]
        if place.start >= 0 and normalize(there) == normalize(shown_word(edit)):
            placed.setdefault(place.line, []).append((place.start, place.end, edit))
    return placed


def _rejected(edit: dict) -> bool:
    return edit.get("reviewed") == "rejected"


def _line_html(line: str, edits: list[tuple[int, int, dict]], matches: list[tuple[int, int]]):
    """One line: runs of characters of the same edit (or none) and, inside, matched or not."""
    if not edits and not matches:
        return escape(line)  # most lines: nothing to mark
    owner: list[int | None] = [None] * len(line)
    for k, (start, end, _edit) in enumerate(edits):
        owner[start:end] = [k] * (end - start)
    marked = [False] * len(line)
    for start, end in matches:
        marked[start:end] = [True] * (end - start)
    parts = []
    for k, run in groupby(range(len(line)), key=owner.__getitem__):
        positions = list(run)
        inner = Markup("").join(
            _marked(line[group[0] : group[-1] + 1], is_marked)
            for is_marked, group in (
                (m, list(g)) for m, g in groupby(positions, marked.__getitem__)
            )
        )
        parts.append(inner if k is None else _edit_tag(edits[k][2], inner))
    return Markup("").join(parts)


def _marked(text: str, is_marked: bool) -> Markup:
    return Markup("<mark>{}</mark>").format(text) if is_marked else escape(text)


def _edit_tag(edit: dict, inner: Markup) -> Markup:
    """`<ins>` for a word repair changed (the title says what the OCR read), `review` when it
    waits for a person, a `<span>` for an edit a person rejected (the OCR's word is back)."""
    if _rejected(edit):
        title = f"Đã bỏ sửa dấu «{edit['after']}» (giữ chữ OCR đọc)"
        return Markup('<span class="repair rejected" title="{}">{}</span>').format(title, inner)
    title = f"OCR đọc: «{edit['before']}»"
    classes = "repair"
    if edit.get("review"):
        classes += " review"
        title += f" · cần rà soát (độ tin cậy {round(edit.get('confidence', 0) * 100)}%)"
    elif edit.get("reviewed") == "accepted":
        title += " · đã duyệt"
    return Markup('<ins class="{}" title="{}">{}</ins>').format(classes, title, inner)
