"""One query's matches in a Whoosh index, answering what `search.results` asks (`Matches`).

Which documents match is found without scoring: for each required word the pages that hold it
(Whoosh walks the posting lists only), turned into documents through the index's columns and
intersected, so the words may be on different pages. Only ranking by relevance scores pages,
those that hold every word. Facets and dates are read from columns, one value per document.
"""

from __future__ import annotations

from bisect import bisect_right

from whoosh.query import And, Query, Term

from sohoa.search.engine import SNIPPET_PAGES
from sohoa.search.results import ShownDocument, ShownPage

FACET_COLUMNS = {"doc_type": "doc_type", "year": "year", "issuer": "issuer_name"}


class WhooshMatches:
    def __init__(
        self,
        searcher,
        columns: Columns,
        required: list[Query],
        scored: Query,
        pages: Query | None,
        keep: Query | None = None,
        excluded: Query | set[int] | None = None,
        hidden: Query | None = None,
    ):
        """`required`: one unscored query per word or phrase, each must be in the document;
        `scored`: pages holding every word, scored; `pages`: a page holding any of them,
        scored (None: every page); `keep`: the filters; `excluded`: documents left out,
        those with a page matching it or those ids; `hidden`: documents left out too, those
        with a page matching it (the restricted ones, for someone who may not read them)."""
        self.searcher = searcher
        self.scored, self.pages = scored, pages
        reader = searcher.reader()
        self.column = {
            name: columns.column(reader, name)
            for name in ("document_id", "page", "doc_type", "year", "date", "issuer_name")
        }
        self.column["procedures"] = columns.column(reader, "procedures")
        self.found = self._matching(required + ([keep] if keep is not None else []))
        for document_id in self._left_out(excluded) | self._left_out(hidden):
            self.found.pop(document_id, None)
        self.total = len(self.found)
        self._ranked: list[tuple[int, float]] | None = None

    def _matching(self, queries: list[Query]) -> dict[int, int]:
        """Documents that every query finds on one of their pages: id → one page's docnum."""
        document_id = self.column["document_id"]
        found: dict[int, int] | None = None
        for query in queries:
            these: dict[int, int] = {}
            for docnum in self.searcher.docs_for_query(query):
                these.setdefault(document_id[docnum], docnum)
            found = these if found is None else {d: n for d, n in found.items() if d in these}
            if not found:
                break
        return found or {}

    def _left_out(self, excluded: Query | set[int] | None) -> set[int]:
        if isinstance(excluded, set):
            return excluded
        if excluded is None:
            return set()
        document_id = self.column["document_id"]
        return {document_id[n] for n in self.searcher.docs_for_query(excluded)}

    def best_documents(self, count: int) -> list[tuple[int, float]]:
        """Every matching document with a page holding every word, scored in one pass."""
        if self._ranked is None:
            document_id = self.column["document_id"]
            best: dict[int, float] = {}
            for docnum, score in self.searcher.search(self.scored, limit=None).items():
                key = document_id[docnum]
                if key in self.found and key not in best:
                    best[key] = score
            self._ranked = list(best.items())
        return self._ranked

    def by_date(self, newest: bool, offset: int, limit: int, leave_out: set[int]) -> list[int]:
        date = self.column["date"]
        ids = sorted(d for d in self.found if d not in leave_out)
        dated = [d for d in ids if date[self.found[d]]]
        undated = [d for d in ids if not date[self.found[d]]]
        dated.sort(key=lambda d: date[self.found[d]], reverse=newest)  # stable: ids rise
        return (dated + undated)[offset : offset + limit]

    def facet_counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {name: {} for name in (*FACET_COLUMNS, "procedure")}
        columns = {name: self.column[column] for name, column in FACET_COLUMNS.items()}
        procedures = self.column["procedures"]
        for docnum in self.found.values():
            for name, column in columns.items():
                value = column[docnum]
                counts[name][value] = counts[name].get(value, 0) + 1
            for code in procedures[docnum].split(","):
                counts["procedure"][code] = counts["procedure"].get(code, 0) + 1
        return counts

    def documents(self, document_ids: list[int]) -> list[ShownDocument]:
        return [self._document(document_id) for document_id in document_ids]

    def _document(self, document_id: int) -> ShownDocument:
        own = Term("document_id", document_id)
        if self.pages is None:
            docnums = sorted(self.searcher.docs_for_query(own), key=self.column["page"].__getitem__)
            scored = [(n, 0.0) for n in docnums]
        else:
            found = self.searcher.search(And([own, self.pages]), limit=None)
            scored = list(found.items())
        if not scored:  # matched through its record only: its first page stands for it
            scored = [(min(self.searcher.docs_for_query(own)), 0.0)]
        page = self.column["page"]
        best = [(self.searcher.stored_fields(n), score) for n, score in scored[:SNIPPET_PAGES]]
        first = best[0][0]
        procedures = self.column["procedures"][scored[0][0]]
        return ShownDocument(
            document_id=document_id,
            name=first["name"],
            pages=[page[n] for n, _ in scored],
            best=[ShownPage(s["page"], score, s.get("exact", "")) for s, score in best],
            metadata=first.get("meta") or {},
            procedures=procedures.split(",") if procedures else [],
        )


class Columns:
    """Each segment's column values as Python lists, read once and kept: a segment never
    changes (only which of its pages are deleted), and a list is read many times faster than
    Whoosh's column (matching, sorting and counting read one value per matched page)."""

    def __init__(self):
        self._lists: dict[tuple[str, str], list] = {}

    def column(self, reader, name: str) -> _Column:
        leaves = [(leaf, base) for leaf, base in _segments(reader) if leaf.doc_count_all()]
        values = []
        for leaf, _ in leaves:
            key = (leaf.segment().segment_id(), name)
            if key not in self._lists:
                self._lists[key] = list(leaf.column_reader(name))
            values.append(self._lists[key])
        return _Column([base for _, base in leaves], values)

    def keep_only(self, reader) -> None:
        """Forget the segments the index no longer has (merged away)."""
        live = {leaf.segment().segment_id() for leaf, _ in _segments(reader)}
        self._lists = {key: v for key, v in self._lists.items() if key[0] in live}


def _segments(reader) -> list:
    """The reader's leaves that are segments: an index that never had a page has a leaf with
    no segment."""
    return [(leaf, base) for leaf, base in reader.leaf_readers() if leaf.segment() is not None]


class _Column:
    """One field's values over every segment, by document number. (Whoosh's own reader over
    several segments loses its place when a segment has no value in the column.)"""

    def __init__(self, offsets: list[int], values: list[list]):
        self.offsets, self.values = offsets, values

    def __getitem__(self, docnum: int):
        segment = bisect_right(self.offsets, docnum) - 1
        return self.values[segment][docnum - self.offsets[segment]]
