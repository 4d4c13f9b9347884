"""Which repaired word goes on which box: the invisible text of a page's PDF.

A searchable PDF puts each word of the text, invisibly, over the place on the image where it is
printed, so a viewer can find and select it. Every other tool writes the OCR's own words there,
and a faded Vietnamese scan is then searchable only by its OCR mistakes (`K& hoach`). sohoa
writes the repaired words (`Kế hoạch`) on the OCR's boxes.

A page keeps the OCR's words with their boxes (in the OCR's order), its raw text (those words in
reading order, one line per line, as `layout` arranged them) and the repaired text (the same
lines, repaired). Repair edits inside lines and keeps the line structure, so line *n* of the
repaired text is line *n* of the raw text; each raw token is one OCR word. The boxes are found
by matching every raw token to an unused OCR word with the same text, searching onward from the
previous match (so among repeated words the one next in reading order is taken). Where repair
kept a line's word count (nearly always), word *k* of the repaired line goes on the box of raw
token *k*; where it did not, the whole repaired line goes over the line's box, so the text is
still all there and still findable, on the right line.
"""

from __future__ import annotations

from dataclasses import dataclass

from sohoa.search.highlight import WordFinder

Box = tuple[int, int, int, int]  # left, top, right, bottom


@dataclass(frozen=True)
class PlacedWord:
    """A word of the text layer and where it goes on the page image (pixels)."""

    text: str
    box: Box


def placed_lines(words: list[dict], raw_text: str, text: str) -> list[list[PlacedWord]]:
    """The page's text as lines of placed words: the repaired `text` where its lines match the
    raw text's, else the raw text itself (a page whose text no longer lines up with what OCR
    read is better given its true words than a guess)."""
    raw_lines = _lines(raw_text)
    new_lines = _lines(text)
    if len(new_lines) != len(raw_lines):
        new_lines = raw_lines
    finder = WordFinder(words)
    placed = []
    for raw, new in zip(raw_lines, new_lines, strict=True):
        found = [index for token in raw.split() if (index := finder.find(token)) is not None]
        boxes = [_corners(words[index]["box"]) for index in found]
        line = _place(new.split(), boxes)
        if line:
            placed.append(line)
    return placed


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def _place(parts: list[str], boxes: list[Box]) -> list[PlacedWord]:
    if not boxes or not parts:
        return []
    if len(parts) == len(boxes):
        return [PlacedWord(part, box) for part, box in zip(parts, boxes, strict=True)]
    return [PlacedWord(" ".join(parts), _union(boxes))]


def _corners(box: list[int]) -> Box:
    """An OCR box [left, top, width, height] as its corners."""
    left, top, width, height = box
    return (left, top, left + width, top + height)


def _union(boxes: list[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
