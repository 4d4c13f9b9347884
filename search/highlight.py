"""Which of a page's OCR words a query matches: the boxes to highlight on the page's image.

A word matches as search matches it: the query is parsed as search parses it (`search.query`),
and an OCR word is marked when one of its folded words (`search.analysis`: lowercase, without
diacritics, cut at punctuation, so `hoạch,` and `(Hoach` are `hoach`) is one of the query's
required words or a word of its phrases, the words snippets mark (`results.highlight_terms`).
Filters (`type:`, `year:`, ...) and left-out words (`-word`) mark nothing.

A page's `words` hold the OCR's raw text, while search finds the repaired text (`Pang ky` read,
`Đăng ký` repaired). Folding makes most of them compare (`Ke hoach` and `Kế hoạch`), and where
repair changed a word's letters the repaired word is matched too: the raw text's lines are the
OCR's words in reading order and the repaired text keeps its lines, so where a line kept its
word count, word *k* of the repaired line is OCR word *k* of the raw line (the same matching as
`ingest.text_placement`, which puts the repaired words on the boxes of the PDF/A copy).
"""

from __future__ import annotations

import re

from sohoa.search.analysis import folded_analyzer
from sohoa.search.query import parse
from sohoa.search.results import highlight_terms


def matched_words(words: list[dict], query: str, raw_text: str = "", text: str = "") -> list[int]:
    """The indices of the `words` (a page's OCR words: `text`, `box`, ...) that `query`
    matches, in order; with the page's `raw_text` and repaired `text`, a word whose repaired
    form matches counts too. QueryError for a query search would refuse."""
    terms = set(highlight_terms(parse(query)))
    if not terms:
        return []
    repaired = repaired_words(words, raw_text, text) if text else {}
    return [
        index
        for index, word in enumerate(words)
        if _folded(word.get("text", "")) & terms
        or (index in repaired and _folded(repaired[index]) & terms)
    ]


def repaired_words(words: list[dict], raw_text: str, text: str) -> dict[int, str]:
    """OCR word index → the repaired word printed there, for the lines repair kept word for
    word (none when the texts no longer line up)."""
    raw_lines, new_lines = _lines(raw_text), _lines(text)
    if len(raw_lines) != len(new_lines):
        return {}
    finder = WordFinder(words)
    repaired: dict[int, str] = {}
    for raw, new in zip(raw_lines, new_lines, strict=True):
        found = [index for token in raw.split() if (index := finder.find(token)) is not None]
        parts = new.split()
        if len(found) == len(parts):
            repaired.update(zip(found, parts, strict=True))
    return repaired


def raw_token_words(words: list[dict], raw_text: str) -> dict[tuple[int, int], int]:
    """(line from 1, offset of the token in that line of `raw_text`) → the index of the OCR
    word it is, for every whitespace-separated token found among the `words`: where a repair
    edit (whose place is in the raw text's line) stands on the page image."""
    finder = WordFinder(words)
    found: dict[tuple[int, int], int] = {}
    for number, line in enumerate(raw_text.split("\n"), start=1):
        for match in re.finditer(r"\S+", line):
            index = finder.find(match.group())
            if index is not None:
                found[(number, match.start())] = index
    return found


def _folded(text: str) -> set[str]:
    return {token.text for token in folded_analyzer()(text)}


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


class WordFinder:
    """Finds each OCR word once, by its text, searching on from the last word found (among
    repeated words, the one next in reading order). Also how `ingest.text_placement` puts the
    repaired words on the PDF/A copy's boxes."""

    def __init__(self, words: list[dict]):
        self.texts = [word.get("text", "") for word in words]
        self.used = [False] * len(words)
        self.cursor = 0

    def find(self, token: str) -> int | None:
        count = len(self.texts)
        for step in range(count):
            index = (self.cursor + step) % count
            if not self.used[index] and self.texts[index] == token:
                self.used[index], self.cursor = True, index + 1
                return index
        return None
