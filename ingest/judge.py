"""Whether a page's text layer is worth keeping: how Vietnamese it reads, and how much of the
page it covers.

**The score.** A text's words (those repair would look at: no numbers, codes, dates or URLs) are
checked against the shape of a written Vietnamese syllable (`repair.syllable`). `valid` is the
share of them that are syllables as written, `marked` the share that are syllables carrying a
Vietnamese mark (a tone, ă â ê ô ơ ư, đ); the score is their mean. Vietnamese prose marks most
syllables; an English-model OCR of it drops the marks (`Ket qua thuc hien`: valid shapes, none
marked) and garbles others (`hién`, `t6`, `chirc`); TCVN3/VNI mojibake is neither. Measured
(valid / marked / score; `bench/text_layer.py` prints them for any PDF):

- the real born-digital PDF's layer (`born_digital_vht507.pdf`): page 1 0.97 / 0.84 / 0.91,
  page 2 (recipient lists, short) 0.86 / 0.74 / 0.80; the three hand transcriptions of real
  scans 0.87-0.94; Tesseract `vie` on the rendered PDF pages and on the real scans 0.80-0.93;
- Tesseract `eng` on the same five pages 0.39-0.43 (valid 0.69-0.78, marked 0.05-0.08), and
  the real English-model OCR of a Vietnamese report (`legacy-ocr.txt`) 0.34;
- those Vietnamese texts written as TCVN3 or VNI mojibake 0.14-0.21 (0.80-0.94 once converted);
  English prose (the README) 0.10.

So `GOOD` = 0.6 sits 0.2 from both sides. **Coverage**: a layer can be good Vietnamese and still
hold little of the page: a scan signed digitally carries only its signature box as text
(`TRUNG TÂM CÔNG BÁO … 06.11.2024`), over a page of scanned text. The share of the page's ink
(dark pixels of the red channel, so a red seal is not ink) inside the layer's word boxes tells:
0.99 and 0.96 on the born-digital pages (page 2 has a signature image), 0.0 for that signature box
over a real scan. `COVERED` = 0.6.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from sohoa.ingest.ocr import page_text
from sohoa.ingest.repair import legacy
from sohoa.ingest.repair.syllable import is_syllable
from sohoa.ingest.repair.tokens import tokenize

GOOD = 0.6  # a layer scoring this is Vietnamese as it stands (see above)
COVERED = 0.6  # ... and is the page's text if this share of the page's ink is inside its words
MIN_WORDS = 3  # a layer with fewer words is no layer (a page number, a stray mark)
MARGIN = 1.1  # OCR replaces a layer only when it reads this many times as much Vietnamese
INK = 128  # a pixel darker than this is ink
SHRINK = 4  # coverage is measured on the page shrunk this many times: 6 ms, not 30
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class Score:
    """A text's words, and the shares of them that are syllables, and marked syllables."""

    words: int
    valid: float
    marked: float

    @property
    def value(self) -> float:
        return round((self.valid + self.marked) / 2, 3)

    @property
    def amount(self) -> float:
        """How much Vietnamese the text holds: its words weighed by its score."""
        return self.words * self.value


@dataclass(frozen=True)
class Verdict:
    """What a page's layer is: `good` or `legacy` (converted from `encoding`) when it can be
    used as it is; `damaged` (it does not read as Vietnamese), `partial` (it misses most of the
    page's ink) or `none` (next to no text) when OCR must read the page. `words` are the layer's,
    converted."""

    kind: str
    words: list[dict]
    score: Score
    encoding: str | None = None

    @property
    def usable(self) -> bool:
        return self.kind in ("good", "legacy")

    @property
    def source(self) -> str:
        """Where a page's text came from when it is this layer's: `text-layer[-encoding]`."""
        return "text-layer" if self.encoding is None else f"text-layer-{self.encoding}"


def score(text: str) -> Score:
    """How Vietnamese `text` reads (see the module's docstring)."""
    lines = text.splitlines()
    words = [t.core.lower() for line in lines for t in tokenize(line) if t.kind == "word"]
    if not words:
        return Score(0, 0.0, 0.0)
    valid = [w for w in words if w.isalpha() and is_syllable(w)]
    marked = [w for w in valid if not _ASCII_LETTERS.issuperset(w)]
    return Score(len(words), round(len(valid) / len(words), 3), round(len(marked) / len(words), 3))


def judge(words: list[dict], image: Path) -> Verdict:
    """The verdict on a page's layer `words`, drawn over the page `image`."""
    words, encoding = _converted(words)
    found = score(page_text(words).text)
    if found.words < MIN_WORDS:
        return Verdict("none", words, found, encoding)
    if found.value < GOOD:
        return Verdict("damaged", words, found, encoding)
    if covered(image, words) < COVERED:
        return Verdict("partial", words, found, encoding)
    return Verdict("good" if encoding is None else "legacy", words, found, encoding)


def ocr_wins(ocr: Score, layer: Score) -> bool:
    """Whether an OCR reading should replace a layer OCR was run for: it must read clearly
    more Vietnamese (on a damaged layer, about twice as much: 0.9 against 0.4 a word)."""
    return ocr.amount > MARGIN * layer.amount


def covered(image: Path, words: list[dict]) -> float:
    """The share of the page's ink that lies inside the words' boxes (1.0 on a blank page)."""
    with Image.open(image) as page:
        gray = page.getchannel("R") if page.mode == "RGB" else page.convert("L")
        ink = np.asarray(gray.reduce(SHRINK)) < INK
    total = int(ink.sum())
    if total == 0:
        return 1.0
    inside = np.zeros_like(ink)
    for word in words:
        left, top, width, height = (round(v / SHRINK) for v in word["box"])
        inside[max(top - 1, 0) : top + height + 1, max(left - 1, 0) : left + width + 1] = True
    return round(float(ink[inside].sum()) / total, 3)


def _converted(words: list[dict]) -> tuple[list[dict], str | None]:
    """The words converted from TCVN3 or VNI if the layer is written in one (a Word file typed
    in `.VnTime` and saved as PDF keeps its 8-bit codes behind a Latin-1 font); boxes kept."""
    text = " ".join(word["text"] for word in words)
    encoding = None if text.isascii() else legacy.detect(text)
    if encoding is None:
        return words, None
    return [_with_text(word, legacy.convert(word["text"], encoding)) for word in words], encoding


def _with_text(word: dict, text: str) -> dict:
    return {**word, "text": text}
