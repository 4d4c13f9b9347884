"""A parsed query (`search.query`) as Whoosh queries: what a document must hold, how its pages
score, what the filters keep.

A match is decided by one posting list per word: the page's folded words (which hold the
record's words on its first page) or, for a single syllable, the raw OCR words repair changed.
What only ranks is looked up for the pages found: the exact spelling when the word was typed
with diacritics, the record's words, the query's neighbouring syllables found side by side.
"""

from __future__ import annotations

from whoosh.query import (
    And,
    AndMaybe,
    ConstantScoreQuery,
    DefaultOr,
    Phrase,
    Query,
    Term,
    TermRange,
)

from sohoa.search.analysis import exact_analyzer, folded_analyzer, pairs
from sohoa.search.engine import QueryError
from sohoa.search.query import Clause, ParsedQuery, Words
from sohoa.search.ranking import EXACT_BOOST, META_BOOST, NUMBER_BOOST, PROXIMITY_BOOST, RAW_BOOST
from sohoa.search.record import number_key

EXACT_FIELDS = {"exact", "meta_exact"}


def any_of(subqueries: list[Query], boost: float = 1.0) -> Query:
    """Whoosh's `Or` as a tree of union matchers, always. Left to choose, Whoosh pre-reads every
    posting of a segment under 5,000 pages into an array in pure Python, clearing 2,048 slots
    at each step: most of the time of a common word on a freshly built or small index. The
    boost goes on each subquery: Whoosh's union matcher leaves its own boost unapplied."""
    if boost != 1.0:
        subqueries = [query.with_boost(query.boost * boost) for query in subqueries]
    return DefaultOr(subqueries)


def required_queries(parsed: ParsedQuery) -> list[Query]:
    """One query per required word, phrase or OR-group, unscored: a document must hold each."""
    return [_clause_query(clause, scored=False) for clause in parsed.required]


def pages_query(parsed: ParsedQuery) -> Query | None:
    """A page holding any of the words, scored: which pages of a document a hit shows. None
    when the query has only filters (then every page)."""
    if not parsed.required:
        return None
    return any_of([_clause_query(clause) for clause in parsed.required])


def search_query(parsed: ParsedQuery) -> Query:
    """Pages holding every word, scored, narrowed by the filters. A filter is part of the
    query (scoring nothing) rather than Whoosh's `filter=`, which is applied after every page
    was matched: inside, the narrower side leads, the other skips."""
    keep = filter_query(parsed)
    if not parsed.required:
        return ConstantScoreQuery(keep, 1.0)
    words = _text_query(parsed)
    return words if keep is None else And([words, ConstantScoreQuery(keep, 0.0)])


def _text_query(parsed: ParsedQuery) -> Query:
    """Every required clause; pages where the words typed side by side are side by side
    score higher (each neighbouring pair found counts)."""
    required = [_clause_query(clause) for clause in parsed.required]
    query = And(required) if len(required) > 1 else required[0]
    words = parsed.plain_words()
    if len(words) > 1 and len(words) == len(parsed.required):
        near = pairs(" ".join(w.text for w in words))
        together = any_of([Term("pairs", pair) for pair in near], boost=PROXIMITY_BOOST)
        query = AndMaybe(query, together)
    return query


def _clause_query(clause: Clause, scored: bool = True) -> Query:
    alternatives = [_words_query(words, scored) for words in clause.alternatives]
    return alternatives[0] if len(alternatives) == 1 else any_of(alternatives)


def _words_query(words: Words, scored: bool = True) -> Query:
    """Where a word or phrase is found: the folded words of the page (which hold the record's
    words on its first page) or, for one syllable, the words repair changed; a document number
    also in the record's number, where it counts most. Scored, the exact spelling (when typed
    with diacritics) and the record's words add to the score: looked up only for the pages
    found, one posting list decides the match."""
    folded, exact = _tokens(words, "folded"), _tokens(words, "exact")
    if len(folded) == 1 and not words.is_number:
        found = any_of([Term("folded", folded[0]), Term("raw", folded[0], boost=RAW_BOOST)])
        ranks = [Term("meta_folded", folded[0], boost=META_BOOST)]
        if words.accented:
            ranks += [
                Term("exact", exact[0], boost=EXACT_BOOST),
                Term("meta_exact", exact[0], boost=EXACT_BOOST * META_BOOST),
            ]
    else:
        # the neighbouring pairs first: rarer than the syllables, they leave the phrase's
        # positions to be checked on a few pages only
        found = And(
            [Term("pairs", pair) for pair in pairs(words.text)] + [Phrase("folded", folded)]
        )
        if words.is_number:
            found = any_of([found, Term("number", number_key(words.text), boost=NUMBER_BOOST)])
        ranks = [Phrase("meta_folded", folded, boost=META_BOOST)]
        if words.accented:
            ranks += [And([Term("exact", t, boost=EXACT_BOOST) for t in exact])]
    return AndMaybe(found, any_of(ranks)) if scored else found


def _tokens(words: Words, field: str) -> list[str]:
    analyzer = exact_analyzer() if field in EXACT_FIELDS else folded_analyzer()
    return [token.text for token in analyzer(words.text)]


def excluded_query(parsed: ParsedQuery) -> Query | None:
    """What a left-out word matches: the page's words, its changed OCR words, the record's."""
    if not parsed.excluded:
        return None
    return any_of([_clause_query(clause, scored=False) for clause in parsed.excluded])


def filter_query(parsed: ParsedQuery) -> Query | None:
    """Every kind of filter must hold; within a kind, any of its values."""
    filters = parsed.filters
    if not filters:
        return None
    kinds = [
        [Term("doc_type", name) for name in filters.doc_types],
        [TermRange("year", first, last) for first, last in filters.years],
        [TermRange("date", first, last + "~") for first, last in filters.dates],
        [_words_filter("issuer", issuer) for issuer in filters.issuers],
        [
            any_of([Term("number", number_key(n)), _words_filter("number_parts", n)])
            for n in filters.numbers
        ],
        [Term("procedure", code) for code in filters.procedures],
    ]
    return And([any_of(queries) for queries in kinds if queries])


def _words_filter(field: str, value: str) -> Query:
    """The words of `value` in that order, with or without diacritics."""
    words = [token.text for token in folded_analyzer()(value)]
    if not words:
        raise QueryError(f'{field.split("_")[0]}: "{value}" has no words to look for')
    return Phrase(field, words) if len(words) > 1 else Term(field, words[0])
