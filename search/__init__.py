"""Full-text search over the archive's pages, behind a small engine interface.

`open_index(settings)` returns the configured engine as a `SearchIndex`: Whoosh, embedded, or
Tantivy for large archives (`SOHOA_SEARCH_ENGINE=tantivy`, `pip install sohoa[tantivy]`).
Callers use only its methods (`index_pages`, `delete`, `search`, `more_like`, `rebuild`, ...),
and both answer the same: what matches and how results are put together is decided once
(`search.results`), each engine only answers its questions. `ready_index` checks it at
start-up and rebuilds it from the database when it is missing or broken; `reindex` rebuilds it
on request, resumably.
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

ENGINES = ("whoosh", "tantivy")


class EngineMissing(RuntimeError):
    """The engine asked for is not installed."""


def engine_class(name: str) -> type:
    """The index class of the engine `name` (one of `ENGINES`)."""
    if name == "tantivy":
        try:
            from sohoa.search.tantivy_engine import TantivyIndex
        except ImportError as error:
            raise EngineMissing(
                "the tantivy search engine is not installed: pip install 'sohoa[tantivy]'"
            ) from error
        return TantivyIndex
    if name == "whoosh":
        return WhooshIndex
    raise ValueError(f"search engine must be one of {', '.join(ENGINES)}, not {name!r}")


def open_index(settings: Settings, engine: str | None = None) -> SearchIndex:
    """The archive's search index of `engine` (default: the configured one), in its own
    directory under the index directory; created empty on first use (see `ready_index`)."""
    name = engine or settings.search_engine
    return engine_class(name)(settings.index_dir / name)


__all__ = [
    "ENGINES",
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
    "engine_class",
    "archive_pages",
    "document_pages",
    "indexed_page",
    "open_index",
    "ready_index",
    "reindex",
]
