"""Full-text search over the archive's pages, behind a small engine interface.

`open_index(settings)` returns the archive's engine as a `SearchIndex`: Whoosh, embedded, or
Tantivy for large archives (`pip install sohoa[tantivy]`, `sohoa reindex --engine tantivy`; see
`search.engines`).
Callers use only its methods (`index_pages`, `delete`, `search`, `more_like`, `rebuild`, ...),
and both answer the same: what matches and how results are put together is decided once
(`search.results`), each engine only answers its questions. `ready_index` checks it at
start-up and rebuilds it from the database when it is missing or broken; `reindex` rebuilds it
on request, resumably.
"""

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
from sohoa.search.engines import (
    ENGINES,
    WHOOSH_PAGES,
    EngineMissing,
    choose_engine,
    chosen_engine,
    engine_class,
    open_index,
)
from sohoa.search.reindex import ReindexReport, catch_up, owe, pay, ready_index, reindex
from sohoa.search.source import archive_page_count, archive_pages, document_pages, indexed_page
from sohoa.search.whoosh_engine import WhooshIndex

__all__ = [
    "ENGINES",
    "WHOOSH_PAGES",
    "EngineMissing",
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
    "choose_engine",
    "chosen_engine",
    "engine_class",
    "archive_pages",
    "document_pages",
    "indexed_page",
    "open_index",
    "ready_index",
    "catch_up",
    "owe",
    "pay",
    "reindex",
]
