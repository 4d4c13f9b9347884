"""Vietnamese analysis for the index and for queries, built on `archive.text`.

Two token streams from the same text: *exact* (NFC, one tone-placement form, lowercase) and
*folded* (also without diacritics, `đ` → `d`), so `ke hoach so hoa` finds `Kế hoạch số hóa` and a
query typed with diacritics ranks exact matches first. No stop list and no minimum length:
Vietnamese one-letter and common syllables (`a`, `ở`, `ý`, `an`) are words people search for.

A token's forms are cached: Vietnamese has a few thousand syllables, so nearly every token of a
page was seen before, and normalizing it again (decompose, move the tone, recompose) would be
most of the cost of indexing.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

from whoosh.analysis import BiWordFilter, Filter, RegexTokenizer

from sohoa.archive import text as vietnamese

TOKEN_PATTERN = r"\w+"


@lru_cache(maxsize=200_000)
def exact_form(token: str) -> str:
    """NFC, one tone-placement form, lowercase."""
    return vietnamese.normalize(token).lower()


@lru_cache(maxsize=200_000)
def folded_form(token: str) -> str:
    """The exact form without diacritics."""
    return vietnamese.fold(exact_form(token))


class NfcTokenizer(RegexTokenizer):
    """Words of the text once in NFC: a word typed or read in NFD (`ế` as `e` and two marks)
    would otherwise be cut at each mark, as a combining mark is no word character, into pieces
    nobody searches for. Callers mostly pass NFC already, which `nfc` returns as it is."""

    def __call__(self, value, **kwargs):
        return super().__call__(vietnamese.nfc(value), **kwargs)


class ExactFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            token.text = exact_form(token.text)
            yield token


class FoldFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            token.text = folded_form(token.text)
            yield token


def exact_analyzer():
    return NfcTokenizer(TOKEN_PATTERN) | ExactFilter()


def folded_analyzer():
    return NfcTokenizer(TOKEN_PATTERN) | FoldFilter()


def pairs_analyzer():
    """Folded syllables two by two (`ke_hoach`, `hoach_so`): a Vietnamese word is mostly one or
    two syllables, so a query's neighbouring syllables found side by side on a page are the
    same words, a signal a term lookup gives without the cost of checking positions."""
    return folded_analyzer() | _BiWords(sep="_")


class _BiWords(BiWordFilter):
    """Whoosh's BiWordFilter, which fails on a text without a word (a blank page: its last
    line reads a variable only a word sets); here nothing in gives nothing out."""

    def __call__(self, tokens):
        tokens = iter(tokens)
        first = next(tokens, None)
        if first is not None:
            yield from super().__call__(itertools.chain([first], tokens))


def pairs(text: str) -> list[str]:
    """The neighbouring syllable pairs of `text`, as the pairs field holds them."""
    return pair_terms([token.text for token in folded_analyzer()(text)])


def pair_terms(folded: list[str]) -> list[str]:
    """Folded syllables in order → their neighbouring pairs as terms (`ke_hoach`, `hoach_so`),
    as `pairs_analyzer` makes them."""
    return list(map("_".join, zip(folded, folded[1:], strict=False)))
