"""Vietnamese analysis for the index and for queries, built on `archive.text`.

Two token streams from the same text: *exact* (NFC, one tone-placement form, lowercase) and
*folded* (also without diacritics, `đ` → `d`), so `ke hoach so hoa` finds `Kế hoạch số hóa` and a
query typed with diacritics ranks exact matches first. No stop list and no minimum length:
Vietnamese one-letter and common syllables (`a`, `ở`, `ý`, `an`) are words people search for.
"""

from __future__ import annotations

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer

from sohoa.archive import text as vietnamese

TOKEN_PATTERN = r"\w+"


class NormalizeFilter(Filter):
    """NFC and one tone-placement form for every token."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = vietnamese.normalize(token.text)
            yield token


class FoldFilter(Filter):
    """Drop diacritics and turn đ into d."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = vietnamese.fold(token.text)
            yield token


def exact_analyzer():
    return RegexTokenizer(TOKEN_PATTERN) | NormalizeFilter() | LowercaseFilter()


def folded_analyzer():
    return RegexTokenizer(TOKEN_PATTERN) | NormalizeFilter() | LowercaseFilter() | FoldFilter()
