"""From one query's matches to the results staff see, the same for every engine.

What matches is decided per document: a document matches when each required word or phrase is
found in it (on any of its pages, or in its record), no left-out word is, and the filters hold.
How they are ordered:
- by relevance, documents with one page holding every word come first, by that page's score
  (the words together on a page are what the person had in mind; equal scores in id order, as
  an engine's own order for them depends on how its segments were written); then the documents
  that hold the words only across pages, newest first;
- by date, newest or oldest first, undated documents last, ties in id order.

An engine answers the questions in `Matches` (in its own way, fast for its own kind of index);
`results` puts the answers together, so both engines show the same thing for the same archive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sohoa.search.analysis import folded_analyzer
from sohoa.search.engine import FACETS, HIT_METADATA, Hit, SearchResults, Snippet
from sohoa.search.query import ParsedQuery
from sohoa.search.snippets import snippet


@dataclass
class ShownPage:
    page: int
    score: float
    text: str  # the page's text as stored, for its snippet


@dataclass
class ShownDocument:
    """What a hit shows of a document: its pages that hold the words (best first; every page
    when the query has only filters), the best of them with their text, and its record."""

    document_id: int
    name: str
    pages: list[int]
    best: list[ShownPage]
    metadata: dict = field(default_factory=dict)
    procedures: list[str] = field(default_factory=list)


class Matches(Protocol):
    """One query's matching documents, as an engine sees them."""

    total: int  # matching documents

    def best_documents(self, count: int) -> list[tuple[int, float]]:
        """Documents with a page that holds every word, by that page's score, best first:
        at least `count` of them when there are that many (all of them when fewer)."""
        ...

    def by_date(self, newest: bool, offset: int, limit: int, leave_out: set[int]) -> list[int]:
        """Matching documents (but those in `leave_out`) by date from `offset`, undated last,
        ties by id."""
        ...

    def facet_counts(self) -> dict[str, dict[str, int]]:
        """For each of `FACETS`, how many matching documents have each value."""
        ...

    def documents(self, document_ids: list[int]) -> list[ShownDocument]:
        """What the results show of these documents, in this order."""
        ...


def assemble(
    matches: Matches,
    query: str,
    terms: list[str],
    limit: int,
    offset: int,
    sort: str,
    suggestion: str = "",
) -> SearchResults:
    """The page of results from `offset`; `terms` are the folded words to mark in snippets."""
    shown = _shown(matches, bool(terms), limit, offset, sort)
    return SearchResults(
        query=query,
        total=matches.total,
        hits=[
            _hit(document, score, terms)
            for document, (_, score) in zip(
                matches.documents([d for d, _ in shown]), shown, strict=True
            )
        ],
        facets=sorted_facets(matches.facet_counts()),
        offset=offset,
        sort=sort,
        suggestion=suggestion,
    )


def _shown(
    matches: Matches, has_words: bool, limit: int, offset: int, sort: str
) -> list[tuple[int, float | None]]:
    """The documents of this page of results, with their score when ranked by it."""
    if sort != "relevance":
        return [(d, None) for d in matches.by_date(sort == "newest", offset, limit, set())]
    end = offset + limit
    ranked = matches.best_documents(end) if has_words and limit else []
    together = sorted(ranked, key=lambda each: (-each[1], each[0]))  # equal scores: id order
    shown: list[tuple[int, float | None]] = list(together[offset:end])
    if len(together) < end and matches.total > len(together):  # every one of them is known
        start = max(0, offset - len(together))
        apart = matches.by_date(True, start, limit - len(shown), {d for d, _ in together})
        shown += [(d, None) for d in apart]
    return shown


def _hit(document: ShownDocument, score: float | None, terms: list[str]) -> Hit:
    best = document.best
    if score is None:
        score = best[0].score if best else 0.0
    return Hit(
        document_id=document.document_id,
        name=document.name,
        page=best[0].page if best else 1,
        pages=sorted(document.pages),
        score=round(score, 4),
        snippets=[Snippet(page.page, snippet(page.text, terms)) for page in best],
        metadata={name: document.metadata.get(name, "") for name in HIT_METADATA},
        procedures=document.procedures,
    )


def highlight_terms(parsed: ParsedQuery) -> list[str]:
    """The folded words of every required word and phrase: what snippets mark."""
    return [
        token.text
        for clause in parsed.required
        for words in clause.alternatives
        for token in folded_analyzer()(words.text)
    ]


def sorted_facets(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Every facet, its values most frequent first (then alphabetically), empty values out."""
    return {
        name: dict(
            sorted(
                ((value, n) for value, n in counts.get(name, {}).items() if value and n),
                key=lambda item: (-item[1], item[0]),
            )
        )
        for name in FACETS
    }


def no_facets() -> dict[str, dict[str, int]]:
    return {name: {} for name in FACETS}
