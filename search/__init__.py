"""Full-text search over the archive's pages, behind a small engine interface.

`open_index(settings)` returns the configured engine (Whoosh, embedded, for now). Callers use
only `index_pages`, `delete`, `search` and `rebuild`, so another engine can stand beside Whoosh
for large archives without touching them.
"""

from sohoa.archive.settings import Settings
from sohoa.search.engine import Hit, IndexedPage, QueryError, SearchResults
from sohoa.search.source import archive_pages, document_pages, indexed_page
from sohoa.search.whoosh_engine import WhooshIndex


def open_index(settings: Settings) -> WhooshIndex:
    """The archive's search index, created on first use."""
    return WhooshIndex(settings.index_dir / "whoosh")


__all__ = [
    "Hit",
    "IndexedPage",
    "QueryError",
    "SearchResults",
    "WhooshIndex",
    "archive_pages",
    "document_pages",
    "indexed_page",
    "open_index",
]
