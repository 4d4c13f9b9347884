"""Full-text search over the archive's pages, behind a small engine interface.

`open_index(settings)` returns the configured engine (Whoosh, embedded, for now) as a
`SearchIndex`: callers use only its methods (`index_pages`, `delete`, `search`, `more_like`,
`rebuild`, ...), so another engine can stand beside Whoosh for large archives without touching
them. `ready_index` checks it at start-up and rebuilds it from the database when it is missing
or broken; `reindex` rebuilds it on request, resumably.
"""

from sohoa.archive.settings import Settings
from sohoa.search.engine import (
    FACETS,
    SORTS,
    Hit,
    IndexedPage,
    QueryError,
    SearchIndex,
    SearchResults,
    Snippet,
)
from sohoa.search.reindex import ReindexReport, ready_index, reindex
from sohoa.search.source import archive_page_count, archive_pages, document_pages, indexed_page
from sohoa.search.whoosh_engine import WhooshIndex


def open_index(settings: Settings) -> SearchIndex:
    """The archive's search index (created empty on first use; see `ready_index`)."""
    return WhooshIndex(settings.index_dir / "whoosh")


__all__ = [
    "FACETS",
    "SORTS",
    "Hit",
    "IndexedPage",
    "QueryError",
    "ReindexReport",
    "SearchIndex",
    "SearchResults",
    "Snippet",
    "WhooshIndex",
    "archive_page_count",
    "archive_pages",
    "document_pages",
    "indexed_page",
    "open_index",
    "ready_index",
    "reindex",
]
