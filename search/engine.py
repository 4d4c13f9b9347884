"""What every search engine takes and returns: plain data, independent of the engine."""

from __future__ import annotations

from dataclasses import dataclass, field


class QueryError(ValueError):
    """The query cannot be understood; the message says why, for the person who typed it."""


@dataclass(frozen=True)
class IndexedPage:
    """One page as the index sees it: the best text, the raw OCR text as a fallback, and its
    document's metadata (`Document.record_metadata`, any shape `archive.records.metadata_of`
    reads; `{}` when there is none)."""

    document_id: int
    name: str
    page: int
    text: str
    raw_text: str = ""
    metadata: dict = field(default_factory=dict, hash=False)


@dataclass
class Hit:
    """One document that matched: its best page first, every matched page listed."""

    document_id: int
    name: str
    page: int
    pages: list[int]
    score: float
    snippet: str
    metadata: dict = field(default_factory=dict)  # the document's HIT_METADATA, "" if absent


@dataclass
class SearchResults:
    """`total` matched documents, the first `limit` of them as `hits`; `facets` counts all
    matched documents by each of `FACETS` (the issuer facet counts the issuing body's own line),
    most frequent first, documents without a value left out."""

    query: str
    total: int
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


HIT_METADATA = ("doc_type", "number", "date", "issuer", "subject")
FACETS = ("doc_type", "year", "issuer")
