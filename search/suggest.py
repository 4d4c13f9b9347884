""" "Did you mean": each word the index does not hold replaced by the closest word it does hold.

The same for every engine, over the index's own vocabulary (`Vocabulary`): the nearest term
within one edit (two for words over four letters), sharing the first letter, the one on most
pages; a word typed with diacritics is corrected from the accented words (`exact`), one typed
without from the folded ones (`folded`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from rapidfuzz.distance import Levenshtein

from sohoa.search.analysis import exact_analyzer, folded_analyzer
from sohoa.search.query import ParsedQuery

SUGGEST_BELOW = 3  # "did you mean" is offered when fewer documents than this match


class Vocabulary(Protocol):
    def frequency(self, field: str, term: str) -> int:
        """On how many pages `term` is found in `field` (`exact` or `folded`)."""
        ...

    def terms(self, field: str, prefix: str) -> Iterable[str]:
        """Every term of `field` that begins with `prefix`."""
        ...


def suggestion(vocabulary: Vocabulary, parsed: ParsedQuery) -> str:
    """The query with its unknown words replaced, or "" when none needs replacing or nothing is
    close."""
    text = parsed.text
    changed = False
    for words in parsed.plain_words():
        if words.is_number or len(words.syllables) != 1:
            continue
        field = "exact" if words.accented else "folded"
        analyzer = exact_analyzer() if words.accented else folded_analyzer()
        tokens = [token.text for token in analyzer(words.text)]
        word = tokens[0] if len(tokens) == 1 else ""
        if len(word) < 3 or vocabulary.frequency(field, word):
            continue
        best = closest(vocabulary, field, word)
        if best:
            text = text.replace(words.text, best, 1)
            changed = True
    return text if changed else ""


def closest(vocabulary: Vocabulary, field: str, word: str) -> str:
    terms = [t for t in vocabulary.terms(field, word[0]) if t != word]
    for distance in (1, 2) if len(word) > 4 else (1,):
        near = [(vocabulary.frequency(field, t), t) for t in terms if _within(word, t, distance)]
        near = [(frequency, t) for frequency, t in near if frequency]  # found on no page seen
        if near:
            return max(near)[1]
    return ""


def _within(word: str, term: str, distance: int) -> bool:
    return Levenshtein.distance(word, term, score_cutoff=distance) <= distance
