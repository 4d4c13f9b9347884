"""Snippets: the passages of a page that hold the most matched words, the words in `<mark>`.

A query word matches a word of the page whether typed with diacritics or not: each letter of
the folded word stands for itself and every accented form of it (`e` for `e é è ẻ ẽ ẹ ê ế …`),
so one regular expression finds every matched word of a page at once, in the text as shown.
Looking at each word in Python (as Whoosh's highlighter does) cost most of a search's time once
the index itself was fast.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from sohoa.archive.text import fold
from sohoa.search.analysis import folded_form

FRAGMENT_CHARS = 240  # a passage is at most about this long
AROUND = 60  # characters of context before the first and after the last matched word
FRAGMENTS = 2  # passages per snippet, in page order
OPENING_CHARS = 200  # the page's opening, when no word matches
BETWEEN = " … "


def _fold_table() -> dict[int, str]:
    """Every accented Latin letter to its bare letter, one for one (`ế` → `e`, `Đ` → `D`)."""
    table = {}
    for code in range(0xC0, 0x2000):
        folded = fold(chr(code))
        if folded != chr(code) and len(folded) == 1:
            table[code] = folded
    return table


def _letter_classes() -> dict[str, str]:
    """Each bare letter as a regular-expression class of itself and its accented forms."""
    forms: dict[str, set[str]] = {}
    for code, bare in _fold_table().items():
        forms.setdefault(bare.lower(), {bare.lower()}).add(chr(code).lower())
    return {bare: "[" + "".join(sorted(chars)) + "]" for bare, chars in forms.items()}


_LETTERS = _letter_classes()


def snippet(text: str, terms: list[str]) -> str:
    """The best passages of `text` for the folded words `terms`, HTML-escaped, the words marked;
    the page's opening when none is found."""
    spans = _spans(text, frozenset(terms)) if terms else []
    if not spans:
        return html.escape(text[:OPENING_CHARS], quote=False)
    passages = _passages(spans)
    best = sorted(passages, key=lambda p: _score(p, text), reverse=True)[:FRAGMENTS]
    return BETWEEN.join(_marked(text, passage) for passage in sorted(best))


def word_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Where the folded words `terms` are in `text`, as (start, end) offsets, with or without
    diacritics: what a page shown whole marks, the same words its snippets mark."""
    return _spans(text, frozenset(terms)) if terms else []


def _spans(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    """Where the words are in `text`. Matched in the lowercased text when lowercasing keeps
    every offset (it does for Vietnamese): a case-sensitive expression runs several times faster
    than a case-insensitive one over these letter classes."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return [match.span() for match in _pattern(terms, False).finditer(lowered)]
    return [match.span() for match in _pattern(terms, True).finditer(text)]


@lru_cache(maxsize=1024)
def _pattern(terms: frozenset[str], any_case: bool) -> re.Pattern:
    """The words as whole words, longest first, with or without diacritics (lowercase, or any
    case)."""
    ordered = sorted(terms, key=lambda t: (-len(t), t))
    alternatives = "|".join("".join(_LETTERS.get(c, re.escape(c)) for c in t) for t in ordered)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE if any_case else 0)


def _passages(spans: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """The matched words grouped into passages: a passage takes the next word while it still
    fits in `FRAGMENT_CHARS` with its context."""
    passages = [[spans[0]]]
    for span in spans[1:]:
        first = passages[-1][0]
        if span[1] - first[0] + 2 * AROUND <= FRAGMENT_CHARS:
            passages[-1].append(span)
        else:
            passages.append([span])
    return passages


def _score(passage: list[tuple[int, int]], text: str) -> tuple[int, int]:
    """Distinct words matched first, then matches; earlier passages win ties (stable sort)."""
    return len({folded_form(text[a:b]) for a, b in passage}), len(passage)


def _marked(text: str, passage: list[tuple[int, int]]) -> str:
    """The passage with its context, cut at spaces, escaped, its words marked."""
    start = max(0, passage[0][0] - AROUND)
    end = min(len(text), passage[-1][1] + AROUND)
    if start > 0:
        space = text.find(" ", start, passage[0][0])
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", passage[-1][1], end)
        end = space if space != -1 else end
    parts, at = [], start
    for a, b in passage:
        parts.append(html.escape(text[at:a], quote=False))
        parts.append(f"<mark>{html.escape(text[a:b], quote=False)}</mark>")
        at = b
    parts.append(html.escape(text[at:end], quote=False))
    return "".join(parts).strip()
