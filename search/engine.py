"""What every search engine takes and returns: plain data, independent of the engine."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol


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
    procedures: tuple[str, ...] = ()  # codes of the ISO procedures the document is evidence for
    restricted: bool = False  # the document's access is `restricted` (`archive.access`)


@dataclass
class Snippet:
    """A passage of one page with the matched words in `<mark>…</mark>` (the rest HTML-escaped)."""

    page: int
    text: str


@dataclass
class Hit:
    """One document that matched: its best page first, every matched page listed, and a
    snippet from each of its best pages (at most `SNIPPET_PAGES`), best first."""

    document_id: int
    name: str
    page: int
    pages: list[int]
    score: float
    snippets: list[Snippet] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)  # the document's HIT_METADATA, "" if absent
    procedures: list[str] = field(default_factory=list)

    @property
    def snippet(self) -> str:
        """The best page's snippet."""
        return self.snippets[0].text if self.snippets else ""


@dataclass
class SearchResults:
    """`total` matched documents, `hits` the ones from `offset` (at most `limit`), in `sort`
    order; `facets` counts all matched documents by each of `FACETS` (the issuer facet counts
    the issuing body's own line), most frequent first, documents without a value left out.
    `suggestion` is the query with misspelled words replaced by words of the index ("did you
    mean"), or "" when every word was found."""

    query: str
    total: int
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    offset: int = 0
    sort: str = "relevance"
    suggestion: str = ""


HIT_METADATA = ("doc_type", "number", "date", "issuer", "subject")
FACETS = ("doc_type", "year", "issuer", "procedure")
SORTS = ("relevance", "newest", "oldest")
SNIPPET_PAGES = 3
MAX_LIMIT = 100


class IndexBuilder(Protocol):
    """A new index being built beside the live one (see `SearchIndex.start_rebuild`)."""

    after_document: int  # the checkpoint: every document up to this id is in, committed
    pages: int  # pages written so far
    resumed: bool

    def add(self, pages: list[IndexedPage]) -> None: ...

    def take_changed(self) -> set[int]: ...

    def replace(self, document_ids: set[int], pages: list[IndexedPage]) -> None: ...

    def finish(self) -> None: ...

    def close(self) -> None: ...


class SearchIndex(Protocol):
    """What callers may ask of a search engine; every engine answers the same plain data.

    `restricted=False` asks as someone who may not read restricted records: those documents
    are left out before anything is counted, so neither a hit, a snippet, a facet count, the
    total, a "did you mean" word nor a similar document gives away that they exist."""

    def index_pages(self, pages: Iterable[IndexedPage]) -> int: ...

    def delete(self, document_id: int) -> None: ...

    def search(
        self,
        query: str,
        limit: int = 10,
        offset: int = 0,
        sort: str = "relevance",
        restricted: bool = True,
    ) -> SearchResults: ...

    def more_like(
        self, document_id: int, limit: int = 10, restricted: bool = True
    ) -> SearchResults: ...

    def rebuild(self, pages: Iterable[IndexedPage]) -> int: ...

    def start_rebuild(self, resume: bool = True, segment_pages: int = ...) -> IndexBuilder: ...

    def problem(self) -> str | None: ...

    def page_count(self) -> int: ...

    def pages_by_document(self) -> dict[int, int]: ...  # document id → pages indexed

    def vocabulary(self): ...  # a `search.suggest.Vocabulary`


def checked_page(limit: int, offset: int, sort: str) -> tuple[int, int]:
    """`limit` and `offset` as given, when they are in range and `sort` is known."""
    if not 0 <= limit <= MAX_LIMIT:
        raise QueryError(f"limit must be between 0 and {MAX_LIMIT}, not {limit}")
    if offset < 0:
        raise QueryError(f"offset must be 0 or more, not {offset}")
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    return limit, offset
