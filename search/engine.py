"""What every search engine takes and returns: plain data, independent of the engine."""

from __future__ import annotations

from dataclasses import dataclass, field


class QueryError(ValueError):
    """The query cannot be understood; the message says why, for the person who typed it."""


@dataclass(frozen=True)
class IndexedPage:
    """One page as the index sees it: the best text, and the raw OCR text as a fallback."""

    document_id: int
    name: str
    page: int
    text: str
    raw_text: str = ""


@dataclass
class Hit:
    """One document that matched: its best page first, every matched page listed."""

    document_id: int
    name: str
    page: int
    pages: list[int]
    score: float
    snippet: str


@dataclass
class SearchResults:
    query: str
    total: int
    hits: list[Hit] = field(default_factory=list)
