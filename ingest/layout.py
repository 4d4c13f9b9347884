"""Layout: the OCR's words put back in the order a person reads a Vietnamese record.

Tesseract reads a page in horizontal bands, so the two header columns of an administrative
document (issuing body and number on the left; national motto, place and date on the right)
come out interleaved line by line: `ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM`. The
same happens at the foot, where the recipients list (`Nơi nhận:`) sits beside the signer.

This module rebuilds the page from the word boxes:
1. each OCR line is cut into segments wherever a gap is wider than a few letter heights;
2. segments are grouped into rows by their vertical middle;
3. the **header** is the run of rows from the top whose segments stay on one side of the
   right column's edge (found from the motto, or the page's middle); it ends at the first
   segment that spans both columns or is centred on the page (the title), or after a tall
   vertical gap;
4. the **foot** starts at `Nơi nhận` or at a signing authority (`TM.`, `KT.`, `TL.`, `TUQ.`,
   `Q.`) on the right; its left segments are the recipients, its right ones the signature;
5. everything else is the body, in row order.

The page text is then: left header block, right header block, body, recipients, signature,
with a blank line between blocks and between body paragraphs.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz

from sohoa.archive.text import fold

ZONES = ("header_left", "header_right", "body", "recipients", "signature")

ROW_TOLERANCE = 0.8  # segments whose middles are this many word heights apart share a row
SEGMENT_GAP = 2.5  # a gap this many word heights wide separates two segments of one OCR line
HEADER_GAP = 3.2  # a vertical step this many word heights tall ends the header
PARAGRAPH_GAP = 1.45  # a row step this many times the usual one starts a body paragraph
CENTRED = 0.07  # a segment whose centre is this close to the page's (share of width) is centred
SPECK = 0.25  # a "word" no wider or taller than this share of a word height is a speck
NOISE_CONFIDENCE = 0.3  # a segment none of whose words the OCR trusts this much is dropped
MOTTO = re.compile(r"cong\s*hoa\s*xa\s*hoi|doc\s*lap\s*.\s*tu\s*do|dang\s*cong\s*san\s*viet")
MOTTO_STARTS = ("cong hoa xa", "dang cong san")  # where the motto begins, read through damage
MOTTO_LINES = ("cong hoa xa hoi chu nghia viet nam", "doc lap - tu do - hanh phuc")
AUTHORITY = re.compile(r"^(tm|kt|tl|tuq|q)\s*[.,]\s*\w", re.IGNORECASE)
# `Nơi nhận`, also as OCR reads it (`Vơi nhậm`), but not `với nhà`
RECIPIENTS = re.compile(r"^\W{0,2}[nv]\w{0,2}i\s*nh\w{0,2}[nm]\b")
# Offices that sign without a prefix (`CHỦ TỊCH`, `GIÁM ĐỐC`), matched on folded uppercase text.
TITLE = re.compile(
    r"^(pho\s+)?(chu\s*tich|giam\s*doc|truong\s*ban|bi\s*thu|chanh\s*van\s*phong|"
    r"truong\s*phong|hieu\s*truong|vien\s*truong|chu\s*nhiem|truong\s*doan|thu\s*ky|"
    r"chu\s*toa|chu\s*tri|chanh\s*thanh\s*tra|tong\s*bien\s*tap|nguoi\s+(lam|de|dang|ke|lap))\b"
)


@dataclass(frozen=True)
class Line:
    """One line of the page as read: its text, box (left, top, right, bottom), the OCR's words
    (text and confidence, 0-1) and the block it belongs to; `gap_before` marks a new paragraph."""

    text: str
    box: tuple[int, int, int, int]
    zone: str
    words: tuple[tuple[str, float], ...] = ()
    gap_before: bool = False

    @property
    def confidence(self) -> float:
        if not self.words:
            return 0.0
        return sum(conf for _, conf in self.words) / len(self.words)


@dataclass
class Layout:
    """A page's lines in reading order."""

    width: int
    height: int
    lines: list[Line] = field(default_factory=list)

    def zone(self, name: str) -> list[Line]:
        return [line for line in self.lines if line.zone == name]

    def text(self) -> str:
        """The page as text: blocks in reading order, a blank line between blocks and
        paragraphs. `with_texts` relies on exactly this shape."""
        out: list[str] = []
        previous_zone = None
        for line in self.lines:
            if out and (line.zone != previous_zone or line.gap_before):
                out.append("")
            out.append(line.text)
            previous_zone = line.zone
        return "\n".join(out)

    def with_texts(self, text: str) -> Layout:
        """The same layout carrying another text of the same lines (the repaired one); if the
        line counts differ, the layout is returned unchanged."""
        texts = [t for t in text.split("\n") if t.strip()]
        if len(texts) != len(self.lines):
            return self
        lines = [replace(line, text=t) for line, t in zip(self.lines, texts, strict=True)]
        return Layout(self.width, self.height, lines)


@dataclass
class _Segment:
    words: list[dict]

    @property
    def left(self) -> int:
        return min(w["box"][0] for w in self.words)

    @property
    def right(self) -> int:
        return max(w["box"][0] + w["box"][2] for w in self.words)

    @property
    def top(self) -> int:
        return min(w["box"][1] for w in self.words)

    @property
    def bottom(self) -> int:
        return max(w["box"][1] + w["box"][3] for w in self.words)

    @property
    def centre(self) -> float:
        return (self.left + self.right) / 2

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def paragraph(self) -> tuple:
        """The OCR's own (block, paragraph) of the segment's first word."""
        return tuple(self.words[0].get("par", ()))

    @property
    def text(self) -> str:
        return " ".join(w["text"] for w in self.words)

    def line(self, zone: str, gap_before: bool = False) -> Line:
        return Line(
            text=self.text,
            box=(self.left, self.top, self.right, self.bottom),
            zone=zone,
            words=tuple((w["text"], w["conf"]) for w in self.words),
            gap_before=gap_before,
        )


def read_layout(words: list[dict], width: int, height: int) -> Layout:
    """The page's lines in reading order, from the OCR's words (see the module docstring)."""
    if not words:
        return Layout(width, height)
    letter = statistics.median(w["box"][3] for w in words)
    words = [w for w in words if max(w["box"][2], w["box"][3]) > SPECK * letter]
    segments = [s for s in _segments(words, SEGMENT_GAP * letter) if not _is_noise(s)]
    segments = [part for s in segments for part in _split_header_segment(s, height)]
    rows = _rows(segments, letter)
    columns = _columns(rows, width, height)
    header_end = _header_end(rows, columns, letter)
    foot_start = _foot_start(rows, header_end, width)
    lines: list[Line] = []
    lines += _header_lines(rows[:header_end], columns)
    lines += _body_lines(rows[header_end:foot_start])
    lines += _foot_lines(rows[foot_start:], width)
    return Layout(width, height, lines)


def _segments(words: list[dict], gap: float) -> list[_Segment]:
    """The OCR's lines, cut wherever two neighbouring words are more than `gap` apart."""
    segments: list[_Segment] = []
    previous = None
    for word in words:
        left = word["box"][0]
        if (
            previous is not None
            and word["line"] == previous["line"]
            and left - (previous["box"][0] + previous["box"][2]) <= gap
        ):
            segments[-1].words.append(word)
        else:
            segments.append(_Segment([word]))
        previous = word
    return segments


def _is_noise(segment: _Segment) -> bool:
    """Specks, seal rings and signature strokes read as text: a lone letter or mark, or words
    the OCR itself barely believes."""
    alnum = [c for c in segment.text if c.isalnum()]
    if len(alnum) <= 1 and not (alnum and alnum[0].isdigit()):
        return True
    return max(w["conf"] for w in segment.words) < NOISE_CONFIDENCE


def _rows(segments: list[_Segment], letter: float) -> list[list[_Segment]]:
    """Segments grouped into rows by their vertical middle, rows top to bottom, each left to
    right."""
    rows: list[list[_Segment]] = []
    for segment in sorted(segments, key=lambda s: s.middle):
        if rows and abs(segment.middle - rows[-1][0].middle) < ROW_TOLERANCE * letter:
            rows[-1].append(segment)
        else:
            rows.append([segment])
    return [sorted(row, key=lambda s: s.left) for row in rows]


@dataclass(frozen=True)
class _Columns:
    """The two header columns: `edge` is where the right one starts (the motto's left edge),
    `split` the horizontal centre beyond which a segment belongs to it (the date line is
    centred under the motto but may start left of it)."""

    edge: float
    split: float
    width: int

    def is_right(self, segment: _Segment) -> bool:
        return segment.left >= self.edge or segment.centre >= self.split

    def spans(self, segment: _Segment) -> bool:
        slack = self.width * 0.03
        return segment.left < self.edge - slack and segment.right > self.edge + slack


def _columns(rows: list[list[_Segment]], width: int, height: int) -> _Columns:
    """The header columns, from the national motto (`CỘNG HÒA XÃ HỘI…`, `Độc lập - Tự do…`,
    `ĐẢNG CỘNG SẢN VIỆT NAM`) in the top third, else the page's middle."""
    motto = [
        s
        for row in rows
        for s in row
        if s.top < height / 3 and s.left > width * 0.25 and _is_motto(s.text)
    ]
    if not motto:
        return _Columns(width * 0.5, width * 0.5, width)
    left, right = min(s.left for s in motto), max(s.right for s in motto)
    return _Columns(left - width * 0.02, (left + right) / 2 - width * 0.2, width)


def _is_motto(text: str) -> bool:
    """The motto lines, read through OCR damage (`CỘNG H0À`, `Độc Lập -Tự do`)."""
    folded = " ".join(fold(text).lower().split())
    return bool(MOTTO.search(folded)) or any(
        fuzz.partial_ratio(line, folded) >= 85 for line in MOTTO_LINES
    )


def _split_header_segment(segment: _Segment, height: int) -> list[_Segment]:
    """A header segment that Tesseract ran across both columns (`… KHOA HỌC CỘNG HÒA XÃ HỘI…`,
    `Số: 21/TB-LHH Bắc Giang, ngày…`), cut where the right column's text begins."""
    words = segment.words
    if segment.top > height / 3 or len(words) < 3:
        return [segment]
    folded = [fold(w["text"]).lower() for w in words]
    for index in range(1, len(words)):
        head = " ".join(folded[index : index + 3])
        upper = words[index]["text"].isupper()
        if upper and any(fuzz.ratio(head, start) >= 80 for start in MOTTO_STARTS):
            return [_Segment(words[:index]), _Segment(words[index:])]
        if head.startswith("doc lap"):
            return [_Segment(words[:index]), _Segment(words[index:])]
        if folded[index].startswith("ngay") and index + 2 < len(words):
            start = index
            while start > 0 and _title_case(words[start - 1]["text"]):
                start -= 1
            if 0 < start < index:
                return [_Segment(words[:start]), _Segment(words[start:])]
    return [segment]


def _title_case(word: str) -> bool:
    letters = word.strip(",.;:")
    return letters[:1].isupper() and letters[1:].islower() and letters.isalpha()


def _header_end(rows: list[list[_Segment]], columns: _Columns, letter: float) -> int:
    """How many rows from the top form the two-column header (0 when the page has none). A tall
    gap ends it unless the row after it still has both columns (a party document's number and
    date sit well below its header); `Nơi nhận` ends it too (a foot is never a header)."""
    width = columns.width
    end, sides, previous_top = 0, set(), None
    for index, row in enumerate(rows):
        top = min(s.top for s in row)
        two_columns = len(sides) == 2
        centred = two_columns and len(row) == 1 and abs(row[0].centre - width / 2) < CENTRED * width
        row_sides = {columns.is_right(s) for s in row}
        far_below = previous_top is not None and top - previous_top > HEADER_GAP * letter
        foot = any(RECIPIENTS.match(fold(s.text).lower().strip()) for s in row)
        if (
            any(columns.spans(s) for s in row)
            or centred
            or foot
            or (far_below and len(row_sides) < 2)
        ):
            break
        sides |= row_sides
        end, previous_top = index + 1, top
    return end if len(sides) == 2 else 0


def _header_lines(rows: list[list[_Segment]], columns: _Columns) -> list[Line]:
    """The header's lines: the left block down to the right block's last row, the right block,
    then what the left block carries below it (a công văn's `V/v …` subject), which is read
    after the header, as a person reads it."""
    left, right = _sides(rows, columns.is_right)
    bottom = max((s.bottom for s in right), default=0)
    above = [s for s in left if s.top < bottom]
    below = [s for s in left if s.top >= bottom]
    return (
        [s.line("header_left") for s in above]
        + [s.line("header_right") for s in right]
        + [s.line("header_left", gap_before=index == 0) for index, s in enumerate(below)]
    )


def _foot_lines(rows: list[list[_Segment]], width: int) -> list[Line]:
    """The foot's lines: the recipients (left), then the signature (right)."""
    recipients, signature = _sides(rows, lambda segment: segment.left >= width * 0.45)
    return [s.line("recipients") for s in recipients] + [s.line("signature") for s in signature]


def _sides(rows: list[list[_Segment]], on_right) -> tuple[list[_Segment], list[_Segment]]:
    """The rows' segments left and right (`on_right` says which), one segment per row and side,
    though the OCR cut the line at a gap or the seal broke it into pieces."""
    left: list[_Segment] = []
    right: list[_Segment] = []
    for row in rows:
        for side, is_right in ((left, False), (right, True)):
            parts = [segment for segment in row if on_right(segment) == is_right]
            if parts:
                side.append(_merged(parts))
    return left, right


def _merged(parts: list[_Segment]) -> _Segment:
    """Segments of one row and column as one segment, left to right."""
    return _Segment([word for part in parts for word in part.words])


def _foot_start(rows: list[list[_Segment]], start: int, width: int) -> int:
    """The first row of the foot (recipients and signature), or len(rows) if there is none."""
    for index in range(start, len(rows)):
        for segment in rows[index]:
            folded = fold(segment.text).lower().strip()
            if segment.left < width * 0.45 and RECIPIENTS.match(folded):
                return index
            if segment.left >= width * 0.45 and (
                AUTHORITY.match(folded) or (segment.text.isupper() and TITLE.match(folded))
            ):
                return index
    return len(rows)


def _body_lines(rows: list[list[_Segment]]) -> list[Line]:
    """Body rows in order, one line per segment; a row step well above the usual one starts a
    new paragraph."""
    if not rows:
        return []
    tops = [min(s.top for s in row) for row in rows]
    steps = [b - a for a, b in zip(tops, tops[1:], strict=False) if b > a]
    usual = statistics.median(steps) if steps else 0
    lines: list[Line] = []
    for index, row in enumerate(rows):
        tall_step = usual > 0 and tops[index] - tops[index - 1] > PARAGRAPH_GAP * usual
        new_paragraph = index > 0 and (
            tall_step or row[0].paragraph != rows[index - 1][0].paragraph
        )
        for position, segment in enumerate(row):
            lines.append(segment.line("body", gap_before=new_paragraph and position == 0))
    return lines


def foot_region(layout: Layout) -> tuple[int, int, int, int] | None:
    """The box (left, top, right, bottom) of the signature block: right of the recipients, from
    the foot's first line to the page's bottom; None on a page without a foot."""
    foot = layout.zone("recipients") + layout.zone("signature")
    if not foot:
        return None
    top = min(line.box[1] for line in foot)
    letter = min(line.box[3] - line.box[1] for line in foot)
    return (int(layout.width * 0.45), max(0, top - letter), layout.width, layout.height)
