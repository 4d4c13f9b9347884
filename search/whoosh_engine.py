"""The embedded search engine: a Whoosh index of pages in the archive's data directory.

The index holds one entry per page and is only ever a copy: the database is the truth, and
`rebuild` makes the index again from it. Results are grouped per document (best page first, every
matched page listed), because staff look for records, not pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from whoosh import highlight, index
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.qparser import AndGroup, MultifieldParser

from sohoa.archive import text as vietnamese
from sohoa.search.analysis import exact_analyzer, folded_analyzer
from sohoa.search.engine import Hit, IndexedPage, QueryError, SearchResults

EXACT_BOOST = 2.0
RAW_BOOST = 0.3  # raw OCR text counts little: it is there to find words repair changed
WRITER_TIMEOUT_SECONDS = 60


def _schema() -> Schema:
    return Schema(
        page_key=ID(unique=True),
        document_id=ID(stored=True),
        page=STORED,
        name=STORED,
        exact=TEXT(analyzer=exact_analyzer(), stored=True, phrase=True),
        folded=TEXT(analyzer=folded_analyzer(), phrase=True),
        raw=_raw_field(),
    )


def _raw_field() -> TEXT:
    """The raw OCR text, folded and not stored: a fallback for words repair got wrong, found
    with or without diacritics; snippets always come from the repaired text."""
    return TEXT(analyzer=folded_analyzer(), phrase=True)


class WhooshIndex:
    """Pages of the archive in a Whoosh index at `directory`."""

    def __init__(self, directory: Path):
        self.directory = directory

    def index_pages(self, pages: Iterable[IndexedPage]) -> int:
        """Add pages, replacing whatever the index held for their documents; return the count."""
        pages = list(pages)
        with self._writer() as writer:
            for document_id in {p.document_id for p in pages}:
                writer.delete_by_term("document_id", str(document_id))
            for page in pages:
                writer.add_document(**_fields(page))
        return len(pages)

    def delete(self, document_id: int) -> None:
        """Remove every page of a document."""
        with self._writer() as writer:
            writer.delete_by_term("document_id", str(document_id))

    def rebuild(self, pages: Iterable[IndexedPage]) -> int:
        """Throw the index away and build it again from `pages` (the database's)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        ix = index.create_in(str(self.directory), _schema())
        count = 0
        with ix.writer(timeout=WRITER_TIMEOUT_SECONDS) as writer:
            for page in pages:
                writer.add_document(**_fields(page))
                count += 1
        return count

    def page_count(self) -> int:
        with self._open().searcher() as searcher:
            return searcher.doc_count()

    def search(self, query: str, limit: int = 10) -> SearchResults:
        """Documents matching every word of `query`, with or without diacritics, best first."""
        text = vietnamese.nfc(query).strip()
        if not text:
            raise QueryError("the query is empty: type a few words to search for")
        ix = self._open()
        boosts = {"exact": EXACT_BOOST, "folded": 1.0, "raw": RAW_BOOST}
        fields = [name for name in boosts if name in ix.schema]  # an older index has no raw
        parsed = MultifieldParser(fields, ix.schema, fieldboosts=boosts, group=AndGroup).parse(text)
        with ix.searcher() as searcher:
            results = searcher.search(parsed, limit=None, terms=True)
            results.formatter = MarkFormatter(between=" … ")
            results.fragmenter = highlight.ContextFragmenter(maxchars=240, surround=60)
            hits = _group_by_document(results)
        return SearchResults(query=text, total=len(hits), hits=hits[: max(limit, 0)])

    def _open(self):
        if not index.exists_in(str(self.directory)):
            self.directory.mkdir(parents=True, exist_ok=True)
            return index.create_in(str(self.directory), _schema())
        return index.open_dir(str(self.directory))

    def _writer(self):
        """A writer on the index; an index made before the raw field existed gains it, so an
        archive keeps working without a reindex (its older pages get raw text when reindexed)."""
        writer = self._open().writer(timeout=WRITER_TIMEOUT_SECONDS)
        if "raw" not in writer.schema:
            writer.add_field("raw", _raw_field())
        return writer


class MarkFormatter(highlight.HtmlFormatter):
    """Matched words as plain `<mark>…</mark>`; the rest of the snippet is HTML-escaped."""

    template = "<mark>%(t)s</mark>"


def _fields(page: IndexedPage) -> dict:
    text = vietnamese.normalize(page.text)
    return {
        "page_key": f"{page.document_id}:{page.page}",
        "document_id": str(page.document_id),
        "page": page.page,
        "name": page.name,
        "exact": text,
        "folded": text,
        "raw": page.raw_text,
    }


def _group_by_document(results) -> list[Hit]:
    """One hit per document: the first (best-scored) page, and every matched page in order."""
    hits: dict[str, Hit] = {}
    for result in results:
        key = result["document_id"]
        if key in hits:
            hits[key].pages.append(result["page"])
            continue
        hits[key] = Hit(
            document_id=int(key),
            name=result["name"],
            page=result["page"],
            pages=[result["page"]],
            score=round(result.score, 4),
            snippet=_snippet(result),
        )
    for hit in hits.values():
        hit.pages.sort()
    return list(hits.values())


def _snippet(result) -> str:
    """Matched words marked with <mark>; folded matches are marked in the accented text."""
    snippet = result.highlights("exact", top=2)
    if not snippet:
        snippet = result.highlights("folded", text=result["exact"], top=2)
    return snippet or highlight.htmlescape(result["exact"][:200])
