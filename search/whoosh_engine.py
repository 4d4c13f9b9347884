"""The embedded search engine: a Whoosh index of pages in the archive's data directory.

The index holds one entry per page and is only ever a copy: the database is the truth, and
`rebuild` makes the index again from it. Results are grouped per document (best page first, every
matched page listed), because staff look for records, not pages.

Each page also carries its document's metadata: the issuer, subject, signer and number as
searchable text on page 1 (found by ordinary words, ranked above page text), and on every page
the fields that filter and facet (`doc_type`, `year`, the issuing body's line, the number), so a
filter keeps a document's every page. An index made before a field existed gains it on the next
write (its older pages get metadata when `sohoa reindex` or an edit indexes them again).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from whoosh import highlight, index
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.qparser import AndGroup, MultifieldParser
from whoosh.query import And, Every, Or, Phrase, Query, Term, TermRange

from sohoa.archive import records
from sohoa.archive import text as vietnamese
from sohoa.search.analysis import exact_analyzer, folded_analyzer
from sohoa.search.engine import FACETS, HIT_METADATA, Hit, IndexedPage, QueryError, SearchResults
from sohoa.search.filters import Filters, split_filters

EXACT_BOOST = 2.0
RAW_BOOST = 0.3  # raw OCR text counts little: it is there to find words repair changed
META_BOOST = 1.5  # a word of the issuer, subject or signer says more than one in the body
BOOSTS = {
    "exact": EXACT_BOOST,
    "folded": 1.0,
    "raw": RAW_BOOST,
    "meta_exact": EXACT_BOOST * META_BOOST,
    "meta_folded": META_BOOST,
}
SEARCHED_METADATA = ("issuer", "subject", "signer", "number")
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
        **_metadata_fields(),
    )


def _metadata_fields() -> dict:
    """The document's metadata: searchable text (page 1), then filter and facet fields."""
    return {
        "meta_exact": TEXT(analyzer=exact_analyzer(), phrase=True),
        "meta_folded": TEXT(analyzer=folded_analyzer(), phrase=True),
        "doc_type": ID,  # the DOC_TYPES name
        "year": ID,  # YYYY
        "issuer": TEXT(analyzer=folded_analyzer(), phrase=True),  # the issuing body's line
        "number": ID,  # the whole number, folded and lowercase: 45/kh-lhh
        "number_parts": TEXT(analyzer=folded_analyzer(), phrase=True),  # 45, kh, lhh
        "meta": STORED,  # HIT_METADATA, for hits and facets
    }


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
        """Documents matching every word of `query`, with or without diacritics, best first,
        kept by its filters (`type:`, `year:`, `issuer:`, `number:`; see `search.filters`)."""
        text = vietnamese.nfc(query).strip()
        if not text:
            raise QueryError("the query is empty: type a few words to search for")
        words, filters = split_filters(text)
        keep = _filter_query(filters) if filters else None
        ix = self._open()
        if filters and not all(name in ix.schema for name in _metadata_fields()):
            # made before metadata existed and not written since: no page has a value to filter
            return SearchResults(query=text, total=0, facets=_facets([]))
        fields = [name for name in BOOSTS if name in ix.schema]  # an older index lacks some
        if words:
            parser = MultifieldParser(fields, ix.schema, fieldboosts=BOOSTS, group=AndGroup)
            parsed = parser.parse(words)
        else:
            parsed = Every()  # filters alone: every document they keep
        with ix.searcher() as searcher:
            results = searcher.search(parsed, limit=None, terms=True, filter=keep)
            results.formatter = MarkFormatter(between=" … ")
            results.fragmenter = highlight.ContextFragmenter(maxchars=240, surround=60)
            hits = _group_by_document(results)
        return SearchResults(
            query=text, total=len(hits), hits=hits[: max(limit, 0)], facets=_facets(hits)
        )

    def _open(self):
        if not index.exists_in(str(self.directory)):
            self.directory.mkdir(parents=True, exist_ok=True)
            return index.create_in(str(self.directory), _schema())
        return index.open_dir(str(self.directory))

    def _writer(self):
        """A writer on the index; an index made before a field existed (raw text, metadata)
        gains it, so an archive keeps working without a reindex (its older pages get the new
        fields when they are indexed again)."""
        writer = self._open().writer(timeout=WRITER_TIMEOUT_SECONDS)
        for name, field_type in _schema().items():
            if name not in writer.schema:
                writer.add_field(name, field_type)
        return writer


class MarkFormatter(highlight.HtmlFormatter):
    """Matched words as plain `<mark>…</mark>`; the rest of the snippet is HTML-escaped."""

    template = "<mark>%(t)s</mark>"


def _fields(page: IndexedPage) -> dict:
    text = vietnamese.normalize(page.text)
    metadata = records.metadata_of(page.metadata)
    fields = {
        "page_key": f"{page.document_id}:{page.page}",
        "document_id": str(page.document_id),
        "page": page.page,
        "name": page.name,
        "exact": text,
        "folded": text,
        "raw": page.raw_text,
        "issuer": records.issuing_body(metadata["issuer"]),
        "number_parts": metadata["number"],
        "meta": {name: metadata[name] for name in HIT_METADATA},
    }
    if page.page == 1:
        searched = "\n".join(metadata[name] for name in SEARCHED_METADATA if metadata[name])
        fields["meta_exact"] = fields["meta_folded"] = searched
    keys = {
        "doc_type": metadata["doc_type"],
        "year": _year(metadata["date"]),
        "number": _number_key(metadata["number"]),
    }
    fields.update((name, value) for name, value in keys.items() if value)  # no empty terms
    return fields


def _year(date: str) -> str:
    return date[:4] if date[:4].isdigit() else ""


def _number_key(number: str) -> str:
    return vietnamese.fold(vietnamese.normalize(number)).lower().replace(" ", "")


def _filter_query(filters: Filters) -> Query:
    """Every kind of filter must hold; within a kind, any of its values."""
    kinds = [
        [Term("doc_type", name) for name in filters.doc_types],
        [TermRange("year", first, last) for first, last in filters.years],
        [_words_query("issuer", issuer) for issuer in filters.issuers],
        [
            Or([Term("number", _number_key(n)), _words_query("number_parts", n)])
            for n in filters.numbers
        ],
    ]
    return And([Or(queries) for queries in kinds if queries])


def _words_query(field: str, value: str) -> Query:
    """The words of `value` in that order, with or without diacritics."""
    words = [token.text for token in folded_analyzer()(value)]
    if not words:
        raise QueryError(f'{field.split("_")[0]}: "{value}" has no words to look for')
    return Phrase(field, words) if len(words) > 1 else Term(field, words[0])


def _facets(hits: list[Hit]) -> dict[str, dict[str, int]]:
    """How many of the matched documents have each value, most frequent first."""
    counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for hit in hits:
        values = {
            "doc_type": hit.metadata.get("doc_type", ""),
            "year": _year(hit.metadata.get("date", "")),
            "issuer": records.issuing_body(hit.metadata.get("issuer", "")),
        }
        for name, value in values.items():
            if value:
                counts[name][value] = counts[name].get(value, 0) + 1
    return {
        name: dict(sorted(values.items(), key=lambda item: (-item[1], item[0])))
        for name, values in counts.items()
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
            metadata={name: (result.get("meta") or {}).get(name, "") for name in HIT_METADATA},
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
