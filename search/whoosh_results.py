"""What a Whoosh search returns, as sohoa's results: pages grouped into documents, sorted,
counted into facets, and the documents shown highlighted."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from whoosh import highlight
from whoosh.query import Query

from sohoa.search.analysis import folded_analyzer
from sohoa.search.engine import FACETS, HIT_METADATA, SNIPPET_PAGES, Hit, Snippet


@dataclass
class Document:
    """One matched document: its matched pages' docnums, best first, and its best score."""

    document_id: int
    docnums: list[int]
    score: float = 0.0


class Matches:
    """Every page a query matches, scored in one pass and grouped into documents through the
    index's columns (the best page of each first); only the documents shown are highlighted."""

    def __init__(
        self,
        searcher,
        columns: Columns,
        query: Query,
        terms: list[str],
        excluded: Query | set[int] | None = None,
    ):
        """`terms` are the folded words to mark in snippets; `excluded` leaves documents out:
        those that match it, or those ids."""
        self.searcher = searcher
        self.terms = terms
        reader = searcher.reader()
        self.columns = {
            name: columns.column(reader, name)
            for name in ("document_id", "page", "doc_type", "year", "date", "issuer_name")
        }
        self.columns["procedure"] = columns.column(reader, "procedures")
        document_id = self.columns["document_id"]
        if isinstance(excluded, set):
            left_out = excluded
        elif excluded is not None:  # a left-out word on any page leaves the document out
            left_out = {document_id[n] for n in searcher.docs_for_query(excluded)}
        else:
            left_out = set()
        grouped: dict[int, Document] = {}
        for docnum, score in searcher.search(query, limit=None).items():
            key = document_id[docnum]
            if key in left_out:
                continue
            if key in grouped:
                grouped[key].docnums.append(docnum)
            else:
                grouped[key] = Document(key, [docnum], score)
        self.documents = list(grouped.values())  # best first

    def by_date(self, newest: bool) -> list[Document]:
        """Every matched document by its record's date; undated ones last, in id order."""
        date = self.columns["date"]
        documents = sorted(self.documents, key=lambda d: d.document_id)
        dated = [d for d in documents if date[d.docnums[0]]]
        undated = [d for d in documents if not date[d.docnums[0]]]
        dated.sort(key=lambda d: date[d.docnums[0]], reverse=newest)
        return dated + undated

    def facets(self) -> dict[str, dict[str, int]]:
        """How many of the matched documents have each value, most frequent first."""
        counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        columns = {
            "doc_type": self.columns["doc_type"],
            "year": self.columns["year"],
            "issuer": self.columns["issuer_name"],
            "procedure": self.columns["procedure"],
        }
        for document in self.documents:
            docnum = document.docnums[0]
            for name, column in columns.items():
                value = column[docnum]
                for part in value.split(",") if name == "procedure" else [value]:
                    if part:
                        counts[name][part] = counts[name].get(part, 0) + 1
        return {
            name: dict(sorted(values.items(), key=lambda item: (-item[1], item[0])))
            for name, values in counts.items()
        }

    def hit(self, document: Document) -> Hit:
        """The document as shown: snippets from its best pages, its metadata."""
        best = [self.searcher.stored_fields(n) for n in document.docnums[:SNIPPET_PAGES]]
        first = best[0]
        pages = sorted(self.columns["page"][n] for n in document.docnums)
        procedures = self.columns["procedure"][document.docnums[0]]
        return Hit(
            document_id=first["document_id"],
            name=first["name"],
            page=first["page"],
            pages=pages,
            score=round(document.score, 4),
            snippets=[Snippet(stored["page"], self._snippet(stored)) for stored in best],
            metadata={name: (first.get("meta") or {}).get(name, "") for name in HIT_METADATA},
            procedures=procedures.split(",") if procedures else [],
        )

    def _snippet(self, stored: dict) -> str:
        """Matched words marked in the accented text, with or without their diacritics."""
        text = stored.get("exact", "")
        if self.terms:
            fragmenter = highlight.ContextFragmenter(maxchars=240, surround=60)
            found = highlight.highlight(
                text,
                frozenset(self.terms),
                folded_analyzer(),
                fragmenter,
                MarkFormatter(between=" … "),
                top=2,
            )
            if found:
                return found
        return highlight.htmlescape(text[:200])


class Columns:
    """Each segment's column values as Python lists, read once and kept: a segment never
    changes (only which of its pages are deleted), and a list is read many times faster than
    Whoosh's column (grouping and facets read one value per matched page)."""

    def __init__(self):
        self._lists: dict[tuple[str, str], list] = {}

    def column(self, reader, name: str) -> _Column:
        leaves = [(leaf, base) for leaf, base in reader.leaf_readers() if leaf.doc_count_all()]
        values = []
        for leaf, _ in leaves:
            key = (leaf.segment().segment_id(), name)
            if key not in self._lists:
                self._lists[key] = list(leaf.column_reader(name))
            values.append(self._lists[key])
        return _Column([base for _, base in leaves], values)

    def keep_only(self, reader) -> None:
        """Forget the segments the index no longer has (merged away)."""
        live = {leaf.segment().segment_id() for leaf, _ in reader.leaf_readers()}
        self._lists = {key: v for key, v in self._lists.items() if key[0] in live}


class _Column:
    """One field's values over every segment, by document number. (Whoosh's own reader over
    several segments loses its place when a segment has no value in the column.)"""

    def __init__(self, offsets: list[int], values: list[list]):
        self.offsets, self.values = offsets, values

    def __getitem__(self, docnum: int):
        segment = bisect_right(self.offsets, docnum) - 1
        return self.values[segment][docnum - self.offsets[segment]]


class MarkFormatter(highlight.HtmlFormatter):
    """Matched words as plain `<mark>…</mark>`; the rest of the snippet is HTML-escaped."""

    template = "<mark>%(t)s</mark>"


def no_facets() -> dict[str, dict[str, int]]:
    return {name: {} for name in FACETS}
