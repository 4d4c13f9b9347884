"""One query's matches in a Tantivy index, answering what `search.results` asks (`Matches`).

Which documents match, how many of each kind and in what date order are questions about record
entries, answered inside Tantivy (a count, a terms aggregation, a sort on a fast field): none
depends on how many documents match. Ranking by relevance reads only the best pages: the top
pages, grouped into documents, until there are enough documents.
"""

from __future__ import annotations

import json

import tantivy

from sohoa.search.engine import SNIPPET_PAGES
from sohoa.search.results import ShownDocument, ShownPage
from sohoa.search.tantivy_queries import MUST, MUST_NOT, Queries
from sohoa.search.tantivy_schema import PAGE, PROCEDURES_JOINED

FACET_FIELDS = {"doc_type": "doc_type", "year": "year", "issuer": "issuer_name"}
FACET_FIELDS |= {"procedure": "procedures"}  # each record's codes joined: split when counted
FACET_VALUES = 65_000  # more values than a facet can have: every one is counted
TOTAL = "matching documents"  # the aggregation that counts them
PAGES_SHOWN = 1_000  # a shown document lists at most this many matched pages


class TantivyMatches:
    def __init__(
        self,
        searcher: tantivy.Searcher,
        queries: Queries,
        matching: tantivy.Query,
        ranked: tantivy.Query | None,
        words: tantivy.Query | None,
        checked: bool = False,
    ):
        """`matching`: the record entries of the matching documents; `ranked`: pages holding
        every word, scored (None when there are no words); `words`: a page holding any of them,
        scored (None: every page), for the pages a hit shows. `checked`: a ranked page's
        document must also be among the matching ones (when words left out may be on its
        other pages)."""
        self.searcher, self.queries = searcher, queries
        self.matching, self.ranked, self.words = matching, ranked, words
        self.checked = checked
        self._facets, self.total = self._counted()

    def best_documents(self, count: int) -> list[tuple[int, float]]:
        """The top pages grouped into documents, four times as many pages each round until
        there are `count` documents or no more pages."""
        if self.ranked is None:
            return []
        wanted = max(count * 3, 30)
        while True:
            hits = self.searcher.search(self.ranked, wanted, count=False).hits
            ids = self.searcher.fast_field_values("document_id", [a for _, a in hits])
            best: dict[int, float] = {}
            for (score, _), document_id in zip(hits, ids, strict=True):
                best.setdefault(document_id, score)
            if self.checked and best:
                kept = self._matching_among(set(best))
                best = {d: score for d, score in best.items() if d in kept}
            if len(best) >= count or len(hits) < wanted:
                return list(best.items())
            wanted *= 4

    def _matching_among(self, document_ids: set[int]) -> set[int]:
        among = self.queries.documents(document_ids, "record")
        query = tantivy.Query.boolean_query([(MUST, self.matching), (MUST, among)])
        hits = self.searcher.search(query, len(document_ids), count=False).hits
        return set(self.searcher.fast_field_values("document_id", [a for _, a in hits]))

    def by_date(self, newest: bool, offset: int, limit: int, leave_out: set[int]) -> list[int]:
        if limit == 0:
            return []
        query = self.matching
        if leave_out:
            others = self.queries.documents(leave_out, "record")
            query = tantivy.Query.boolean_query([(MUST, query), (MUST_NOT, others)])
        hits = self.searcher.search(
            query,
            limit,
            count=False,
            offset=offset,
            order_by_field="newest" if newest else "oldest",
            order=tantivy.Order.Desc if newest else tantivy.Order.Asc,
        ).hits
        return self.searcher.fast_field_values("document_id", [a for _, a in hits])

    def facet_counts(self) -> dict[str, dict[str, int]]:
        return self._facets

    def _counted(self) -> tuple[dict[str, dict[str, int]], int]:
        """The facet counts and how many documents match, in one pass over the matching
        records (a terms aggregation per facet, and a count of their ids)."""
        terms = {"size": FACET_VALUES, "segment_size": FACET_VALUES}
        request = {
            name: {"terms": {"field": field, **terms}} for name, field in FACET_FIELDS.items()
        }
        request[TOTAL] = {"value_count": {"field": "document_id"}}
        counted = self.searcher.aggregate(self.matching, request)
        facets = {
            name: {str(b["key"]): b["doc_count"] for b in counted[name]["buckets"]}
            for name in FACET_FIELDS
        }
        facets["procedure"] = _each_code(facets["procedure"])
        return facets, int(counted[TOTAL]["value"])

    def documents(self, document_ids: list[int]) -> list[ShownDocument]:
        """The shown documents' pages that hold the words, found in one search."""
        if not document_ids:
            return []
        scored = self._pages(set(document_ids), self.words)
        missing = {d for d in document_ids if d not in scored}
        if missing:  # found through its record only: its pages in order stand for it
            scored |= self._pages(missing, None)
        return [self._shown(document_id, scored[document_id]) for document_id in document_ids]

    def _pages(self, document_ids: set[int], words) -> dict[int, list[tuple[int, float, object]]]:
        """For each document, its pages matching `words` (None: all) as (page, score, address),
        best first."""
        query = self.queries.documents(document_ids, PAGE)
        if words is not None:
            query = tantivy.Query.boolean_query([(MUST, query), (MUST, words)])
        hits = self.searcher.search(query, PAGES_SHOWN * len(document_ids), count=False).hits
        addresses = [address for _, address in hits]
        owners = self.searcher.fast_field_values("document_id", addresses)
        numbers = self.searcher.fast_field_values("page", addresses)
        pages: dict[int, list[tuple[int, float, object]]] = {}
        for (score, address), owner, number in zip(hits, owners, numbers, strict=True):
            pages.setdefault(owner, []).append(
                (number, score if words is not None else 0.0, address)
            )
        if words is None:
            for found in pages.values():
                found.sort(key=lambda page: page[0])
        return pages

    def _shown(self, document_id: int, scored: list[tuple[int, float, object]]) -> ShownDocument:
        best = [(page, score, self._stored(a)) for page, score, a in scored[:SNIPPET_PAGES]]
        first = best[0][2]
        return ShownDocument(
            document_id=document_id,
            name=first["name"],
            pages=[page for page, _, _ in scored],
            best=[ShownPage(page, score, stored["text"]) for page, score, stored in best],
            metadata=first["meta"],
            procedures=first["procedures"],
        )

    def _stored(self, address) -> dict:
        return json.loads(self.searcher.doc(address).get_first("stored"))


def _each_code(joined: dict[str, int]) -> dict[str, int]:
    """Records counted by their procedures joined into one value → records counted by code."""
    counts: dict[str, int] = {}
    for codes, records in joined.items():
        for code in codes.split(PROCEDURES_JOINED):
            counts[code] = counts.get(code, 0) + records
    return counts
