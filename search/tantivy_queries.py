"""A parsed query (`search.query`) as Tantivy queries: the same questions as `whoosh_queries`.

- `record_query`: which documents match: record entries holding each required word (their
  pages between them), none of the left-out ones, and passing the filters;
- `page_query`: pages holding every word, scored as Whoosh scores them (a match on the folded
  words, the raw OCR words repair changed counting little; the exact spelling and the record's
  words adding to the score; neighbouring syllables found side by side, as pairs, counting most);
- `words_query`: a page holding any of the words, scored (the pages a hit shows).
"""

from __future__ import annotations

import tantivy

from sohoa.search.analysis import exact_analyzer, folded_analyzer, pair_terms, pairs
from sohoa.search.engine import QueryError
from sohoa.search.query import Clause, ParsedQuery, Words
from sohoa.search.ranking import EXACT_BOOST, META_BOOST, NUMBER_BOOST, PROXIMITY_BOOST, RAW_BOOST
from sohoa.search.record import number_key
from sohoa.search.tantivy_schema import PAGE, RECORD, date_number

Q = tantivy.Query
MUST, SHOULD, MUST_NOT = tantivy.Occur.Must, tantivy.Occur.Should, tantivy.Occur.MustNot


class Queries:
    """Builds the queries for one index's schema."""

    def __init__(self, schema: tantivy.Schema):
        self.schema = schema

    # -- the three questions ------------------------------------------------------------------

    def record_query(self, parsed: ParsedQuery) -> tantivy.Query:
        parts = [(MUST, self._entry(RECORD))]
        parts += [(MUST, self._clause(clause, "all")) for clause in parsed.required]
        parts += [(MUST_NOT, self._clause(clause, "all")) for clause in parsed.excluded]
        keep = self._filters(parsed)
        if keep is not None:
            parts.append((MUST, keep))
        return Q.boolean_query(parts)

    def page_query(self, parsed: ParsedQuery) -> tantivy.Query:
        parts = [(MUST, self._entry(PAGE))]
        parts += [(MUST, self._clause(clause, "page")) for clause in parsed.required]
        words = parsed.plain_words()
        if len(words) > 1 and len(words) == len(parsed.required):
            near = [self._term("pairs", pair) for pair in pairs(" ".join(w.text for w in words))]
            if near:
                parts.append((SHOULD, Q.boost_query(_any_of(near), PROXIMITY_BOOST)))
        keep = self._filters(parsed)
        if keep is not None:
            parts.append((MUST, Q.const_score_query(keep, 0.0)))
        return Q.boolean_query(parts)

    def words_query(self, parsed: ParsedQuery) -> tantivy.Query | None:
        """A page holding any of the words, scored: which pages of a document a hit shows.
        None when the query has only filters (then every page)."""
        if not parsed.required:
            return None
        return _any_of([self._clause(clause, "page") for clause in parsed.required])

    def document(self, document_id: int, kind: str) -> tantivy.Query:
        """The entries of one document of that kind, scoring nothing."""
        own = Q.term_query(self.schema, "document_id", document_id)
        return Q.const_score_query(Q.boolean_query([(MUST, own), (MUST, self._entry(kind))]), 0)

    def documents(self, document_ids: set[int], kind: str) -> tantivy.Query:
        ids = Q.term_set_query(self.schema, "document_id", sorted(document_ids))
        return Q.boolean_query([(MUST, ids), (MUST, self._entry(kind))])

    # -- words --------------------------------------------------------------------------------

    def _clause(self, clause: Clause, level: str) -> tantivy.Query:
        alternatives = [self._words(words, level) for words in clause.alternatives]
        return _any_of(alternatives)

    def _words(self, words: Words, level: str) -> tantivy.Query:
        """Where a word or phrase is found (`level` "all": anywhere in a record; "page": on a
        page, with what ranks it)."""
        folded_field, raw_field = ("all_folded", "all_raw") if level == "all" else ("folded", "raw")
        folded = _tokens(words.text, "folded")
        if len(folded) == 1 and not words.is_number:
            found = _any_of(
                [self._term(folded_field, folded[0]), self._term(raw_field, folded[0], RAW_BOOST)]
            )
            if level == "all":
                return found
            ranks = [self._term("meta_folded", folded[0], META_BOOST)]
            if words.accented:
                exact = _tokens(words.text, "exact")[0]
                ranks += [
                    self._term("exact", exact, EXACT_BOOST),
                    self._term("meta_exact", exact, EXACT_BOOST * META_BOOST),
                ]
        else:
            found = self._together(level, folded)
            if words.is_number:
                number = self._term("number", number_key(words.text), NUMBER_BOOST)
                found = _any_of([found, number])
            if level == "all":
                return found
            ranks = [self._phrase("meta_folded", folded, META_BOOST)]
            if words.accented:
                exact = _tokens(words.text, "exact")
                ranks.append(_all_of([self._term("exact", t, EXACT_BOOST) for t in exact]))
        return Q.boolean_query([(MUST, found)] + [(SHOULD, rank) for rank in ranks])

    def _together(self, level: str, folded: list[str]) -> tantivy.Query:
        """Words in this order: a phrase, looked for only where each of its neighbouring pairs is
        (a term lookup), so that positions are read on few entries, not on every one holding
        the words (a phrase of common words took most of a search's time). The pairs score
        nothing: the phrase scores as it would alone. Two words on a record (which only says
        whether a document matches) are their pair alone: no positions are read at all."""
        field, pairs_field = ("all_folded", "all_pairs") if level == "all" else ("folded", "pairs")
        phrase = self._phrase(field, folded)
        near = [self._term(pairs_field, pair) for pair in pair_terms(folded)]
        if not near:
            return phrase
        if level == "all" and len(near) == 1:  # which records match, unscored: the pair says it
            return near[0]
        return Q.boolean_query([(MUST, phrase), (MUST, Q.const_score_query(_all_of(near), 0.0))])

    def _term(self, field: str, value: str, boost: float = 1.0) -> tantivy.Query:
        term = Q.term_query(self.schema, field, value, index_option="freq")
        return term if boost == 1.0 else Q.boost_query(term, boost)

    def _phrase(self, field: str, words: list[str], boost: float = 1.0) -> tantivy.Query:
        if len(words) == 1:
            return self._term(field, words[0], boost)
        phrase = Q.phrase_query(self.schema, field, words)
        return phrase if boost == 1.0 else Q.boost_query(phrase, boost)

    def _entry(self, kind: str) -> tantivy.Query:
        return Q.term_query(self.schema, "entry", kind)

    # -- filters ------------------------------------------------------------------------------

    def _filters(self, parsed: ParsedQuery) -> tantivy.Query | None:
        """Every kind of filter must hold; within a kind, any of its values."""
        filters = parsed.filters
        if not filters:
            return None
        kinds = [
            [Q.term_query(self.schema, "doc_type", name) for name in filters.doc_types],
            [self._dates(f"{first}", f"{last}") for first, last in filters.years],
            [self._dates(first, last) for first, last in filters.dates],
            [self._words_filter("issuer", issuer) for issuer in filters.issuers],
            [
                _any_of(
                    [
                        Q.term_query(self.schema, "number", number_key(n)),
                        self._words_filter("number_parts", n),
                    ]
                )
                for n in filters.numbers
            ],
            [Q.term_query(self.schema, "procedure", code) for code in filters.procedures],
        ]
        return _all_of([_any_of(queries) for queries in kinds if queries])

    def _dates(self, first: str, last: str) -> tantivy.Query:
        """Records dated from `first` to `last` (each YYYY, YYYY-MM or YYYY-MM-DD), whole
        months and years included at the end."""
        lower = date_number(first)
        upper = date_number(last) + (9999 if len(last) == 4 else 99 if len(last) == 7 else 0)
        return Q.range_query(self.schema, "date", tantivy.FieldType.Unsigned, lower, upper)

    def _words_filter(self, field: str, value: str) -> tantivy.Query:
        """The words of `value` in that order, with or without diacritics."""
        words = _tokens(value, "folded")
        if not words:
            raise QueryError(f'{field.split("_")[0]}: "{value}" has no words to look for')
        return self._phrase(field, words)


def _tokens(text: str, field: str) -> list[str]:
    analyzer = exact_analyzer() if field == "exact" else folded_analyzer()
    return [token.text for token in analyzer(text)]


def _any_of(queries: list[tantivy.Query]) -> tantivy.Query:
    return queries[0] if len(queries) == 1 else Q.boolean_query([(SHOULD, q) for q in queries])


def _all_of(queries: list[tantivy.Query]) -> tantivy.Query:
    return queries[0] if len(queries) == 1 else Q.boolean_query([(MUST, q) for q in queries])
