"""The engine for large archives: a Tantivy index (`pip install sohoa[tantivy]`).

The same index as Whoosh's to every caller (`search.engine.SearchIndex`): the same analysis,
query language, results and rebuild beside the live index. What differs is inside: besides one
entry per page, one entry per document (`tantivy_schema`), so that counting, faceting and
sorting the matching documents happen in Tantivy, whatever their number; and Tantivy searches
many threads at once, so searches do not wait for each other.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import tantivy

from sohoa.archive import crashpoints
from sohoa.search.analysis import folded_analyzer
from sohoa.search.engine import IndexedPage, SearchResults, checked_page
from sohoa.search.query import parse
from sohoa.search.results import assemble, highlight_terms, no_facets
from sohoa.search.suggest import SUGGEST_BELOW, suggestion
from sohoa.search.tantivy_queries import MUST, SHOULD, Queries
from sohoa.search.tantivy_results import TantivyMatches
from sohoa.search.tantivy_schema import FORMAT, PAGE, RESTRICTED, analyzers, entries, schema

FORMAT_FILE = "sohoa-index.json"
WRITER_TIMEOUT_SECONDS = 60
WRITER_HEAP = 256_000_000
SEGMENT_PAGES = 50_000  # a rebuild commits (and checkpoints) every this many pages
LIKE_TERMS = 15
Q = tantivy.Query
_SCHEMA = schema()


UNSIGNED = tantivy.FieldType.Unsigned


class TantivyIndex:
    """Pages of the archive in a Tantivy index at `directory`; a rebuild is made beside it (in
    `<directory>.building`) while this one keeps serving, then moved into its place."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.building = self.directory.with_name(self.directory.name + ".building")
        self._lock = threading.Lock()  # one writer in this process (Tantivy's lock: in all)
        self._index: tantivy.Index | None = None
        self._opened_inode = None

    # -- writing -----------------------------------------------------------------------------

    def index_pages(self, pages: Iterable[IndexedPage]) -> int:
        """Add pages (all of each document's), replacing what the index held for their
        documents; return the count. A rebuild under way is told of them."""
        pages = list(pages)
        documents = _by_document(pages)
        with self._lock:
            writer = _writer(self._open())
            for document_id, own in documents.items():
                _delete(writer, document_id)
                for entry in entries(own):
                    writer.add_document(entry)
            _commit(writer)
        _note_changed(self.building, set(documents))
        return len(pages)

    def delete(self, document_id: int) -> None:
        """Remove a document: its pages and its record."""
        with self._lock:
            writer = _writer(self._open())
            _delete(writer, document_id)
            _commit(writer)
        _note_changed(self.building, {document_id})

    def rebuild(self, pages: Iterable[IndexedPage]) -> int:
        """Build the index again from `pages` (the database's, in document order) and put it in
        place of the old one, which serves until then."""
        builder = self.start_rebuild(resume=False)
        batch: list[IndexedPage] = []
        try:
            for page in pages:
                if batch and page.document_id != batch[-1].document_id and len(batch) >= 1000:
                    builder.add(batch)
                    batch = []
                batch.append(page)
            builder.add(batch)
        except BaseException:
            builder.close()
            raise
        builder.finish()
        return builder.pages

    def start_rebuild(self, resume: bool = True, segment_pages: int = SEGMENT_PAGES) -> Builder:
        return Builder(self, resume, segment_pages)

    # -- state -------------------------------------------------------------------------------

    def problem(self) -> str | None:
        """Why this index cannot serve as it is, or None when it can."""
        if not _exists(self.directory):
            return "the search index is missing"
        try:
            made = json.loads((self.directory / FORMAT_FILE).read_text())
        except (OSError, ValueError):
            made = {}
        if not isinstance(made, dict) or made.get("format") != FORMAT:
            version = made.get("format") if isinstance(made, dict) else None
            return f"the search index was made by another version of sohoa (format {version})"
        try:
            _opened(self.directory).searcher().num_docs  # noqa: B018 - reads every segment
        except Exception as error:  # noqa: BLE001 - any failure to read is a broken index
            return f"the search index cannot be read ({type(error).__name__}: {error})"
        return None

    def page_count(self) -> int:
        searcher = self._searcher()
        return searcher.search(Q.term_query(self._open().schema, "entry", PAGE), 1).count

    def pages_by_document(self) -> dict[int, int]:
        """How many pages of each document the index holds (a terms count over the page
        entries' `document_id`, in Tantivy): what `sohoa doctor` compares with the database."""
        searcher, schema = self._searcher(), self._open().schema
        pages = Q.term_query(schema, "entry", PAGE)
        total, counts, low = searcher.search(pages, 1).count, {}, 0
        while sum(counts.values()) < total:  # by ranges of ids: Tantivy counts 65,000 at most
            ids = Q.range_query(schema, "document_id", UNSIGNED, low, low + 49_999)
            these = Q.boolean_query([(MUST, pages), (MUST, ids)])
            terms = {"d": {"terms": {"field": "document_id", "size": 50_000}}}
            for bucket in searcher.aggregate(these, terms)["d"]["buckets"]:
                counts[int(bucket["key"])] = int(bucket["doc_count"])
            low += 50_000
        return counts

    def vocabulary(self) -> TantivyVocabulary:
        """The index's words and on how many pages each is (see `search.suggest`)."""
        return TantivyVocabulary(self._searcher())

    # -- searching ---------------------------------------------------------------------------

    def search(
        self,
        query: str,
        limit: int = 10,
        offset: int = 0,
        sort: str = "relevance",
        restricted: bool = True,
    ) -> SearchResults:
        """Documents matching `query` (see `search.query`), as `WhooshIndex.search`."""
        parsed = parse(query)
        limit, offset = checked_page(limit, offset, sort)
        searcher = self._searcher()
        schema = self._open().schema
        queries = Queries(schema)
        hidden = None if restricted else _restricted(schema)
        matches = TantivyMatches(
            searcher,
            queries,
            _without(queries.record_query(parsed), hidden),
            _without(queries.page_query(parsed), hidden) if parsed.required else None,
            queries.words_query(parsed),
            checked=bool(parsed.excluded),
        )
        offered = ""
        if matches.total < SUGGEST_BELOW:
            offered = suggestion(TantivyVocabulary(searcher, schema, hidden), parsed)
        terms = highlight_terms(parsed)
        return assemble(matches, parsed.text, terms, limit, offset, sort, offered)

    def more_like(
        self, document_id: int, limit: int = 10, restricted: bool = True
    ) -> SearchResults:
        """Documents about the same thing as document `document_id`: its most telling words
        (frequent in it, rare in the archive) searched for, the document itself left out; and,
        unless `restricted`, restricted documents too (none at all when it is one)."""
        limit, _ = checked_page(limit, 0, "relevance")
        nothing = SearchResults(query=f"like:{document_id}", total=0, facets=no_facets())
        searcher = self._searcher()
        schema = self._open().schema
        queries = Queries(schema)
        own = searcher.search(queries.document(document_id, PAGE), 10_000, count=False).hits
        if not own:
            return nothing
        hidden = None if restricted else _restricted(schema)
        if hidden is not None:
            itself = Q.boolean_query([(MUST, queries.document(document_id, PAGE)), (MUST, hidden)])
            if searcher.search(itself, 1).count:
                return nothing
        texts = [json.loads(searcher.doc(a).get_first("stored"))["text"] for _, a in own]
        terms = _key_terms(searcher, "\n".join(texts))

        itself = Q.term_query(schema, "document_id", document_id)
        like_pages = _without(_like(schema, "folded", PAGE, terms, itself), hidden)
        matches = TantivyMatches(
            searcher,
            queries,
            _without(_like(schema, "all_folded", "record", terms, itself), hidden),
            like_pages,
            like_pages,
        )
        words = [word for word, _ in terms]
        return assemble(matches, f"like:{document_id}", words, limit, 0, "relevance")

    # -- the open index ----------------------------------------------------------------------

    def _searcher(self) -> tantivy.Searcher:
        index = self._open()
        index.reload()  # the latest commit, whoever made it
        return index.searcher()

    def _open(self) -> tantivy.Index:
        """The index, created empty on first use, opened again after a rebuild replaced it."""
        if not _exists(self.directory):
            _create(self.directory)
        inode = self.directory.stat().st_ino
        if self._index is None or inode != self._opened_inode:
            self._index = _opened(self.directory)
            self._opened_inode = inode
        return self._index

    def close(self) -> None:
        self._index = None


class TantivyVocabulary:
    """The index's words, for "did you mean" (`search.suggest`); with `hidden`, only the words
    of the pages it does not match count (a restricted record's words are never offered to
    someone who may not read it)."""

    def __init__(
        self,
        searcher: tantivy.Searcher,
        schema: tantivy.Schema | None = None,
        hidden: tantivy.Query | None = None,
    ):
        self.searcher, self.schema, self.hidden = searcher, schema, hidden

    def frequency(self, field: str, term: str) -> int:
        if self.hidden is None:
            return self.searcher.doc_freq(field, term)
        found = Q.term_query(self.schema, field, term)
        return self.searcher.search(_without(found, self.hidden), 1).count

    def terms(self, field: str, prefix: str) -> list[str]:
        return [term for term, _ in self.searcher.terms_with_prefix(field, prefix)]


def _restricted(schema: tantivy.Schema) -> tantivy.Query:
    """Every entry of a restricted document."""
    return Q.term_query(schema, "access", RESTRICTED)


def _without(query: tantivy.Query, hidden: tantivy.Query | None) -> tantivy.Query:
    """`query`, but the entries `hidden` matches (none left out when it is None)."""
    if hidden is None:
        return query
    return Q.boolean_query([(MUST, query), (tantivy.Occur.MustNot, hidden)])


def _like(schema, field: str, kind: str, terms, itself) -> tantivy.Query:
    """Entries of `kind` holding any of the weighted `terms`, but the document's own."""
    words = [(SHOULD, Q.boost_query(Q.term_query(schema, field, w), b)) for w, b in terms]
    return Q.boolean_query(
        [
            (MUST, Q.const_score_query(Q.term_query(schema, "entry", kind), 0.0)),
            (MUST, Q.boolean_query(words)),
            (tantivy.Occur.MustNot, itself),
        ]
    )


def _key_terms(searcher: tantivy.Searcher, text: str) -> list[tuple[str, float]]:
    """The words of `text` that say most about it: frequent in it, rare among the pages (tf ×
    idf), as weights for a query."""
    counts = Counter(token.text for token in folded_analyzer()(text))
    pages = max(1, searcher.num_docs)
    weighted = []
    for word, count in counts.items():
        frequency = searcher.doc_freq("folded", word)
        if frequency:
            weighted.append((word, count * math.log(1 + pages / frequency)))
    weighted.sort(key=lambda item: (-item[1], item[0]))
    top = weighted[:LIKE_TERMS]
    highest = top[0][1] if top else 1.0
    return [(word, weight / highest) for word, weight in top]


class Builder:
    """A new index made beside the live one, whole documents in id order, committed every
    `segment_pages` pages with a checkpoint naming the last document written, so that an
    interrupted rebuild resumes after it. Documents the live index is given meanwhile are
    listed (`take_changed`) to be written again at the end; `finish` swaps the new index in."""

    CHECKPOINT = "sohoa-rebuild.json"
    CHANGED = "sohoa-changed.txt"

    def __init__(self, live: TantivyIndex, resume: bool, segment_pages: int):
        self.live = live
        self.directory = live.building
        self.segment_pages = segment_pages
        checkpoint = self._checkpoint() if resume else None
        if checkpoint is None:
            shutil.rmtree(self.directory, ignore_errors=True)
            _create(self.directory)
            checkpoint = {"after_document": 0, "pages": 0}
            self._save(checkpoint)
        self.after_document: int = checkpoint["after_document"]
        self.pages: int = checkpoint["pages"]
        self.resumed = self.after_document > 0
        self._index = _opened(self.directory)
        self._writer = None
        self._last = self.after_document
        self._uncommitted = 0

    def add(self, pages: list[IndexedPage]) -> None:
        """Write whole documents with ids above the last ones added, in order."""
        if not pages:
            return
        if self._writer is None:
            self._writer = _writer(self._index, threads=0)
            # what a crash left committed after the checkpoint is written again now
            after = Q.range_query(
                self._index.schema,
                "document_id",
                tantivy.FieldType.Unsigned,
                self.after_document + 1,
                None,
            )
            self._writer.delete_documents_by_query(after)
        for own in _by_document(pages).values():
            for entry in entries(own):
                self._writer.add_document(entry)
        self.pages += len(pages)
        self._last = pages[-1].document_id
        self._uncommitted += len(pages)
        if self._uncommitted >= self.segment_pages:
            self._commit()

    def take_changed(self) -> set[int]:
        path = self.directory / self.CHANGED
        try:
            listed = path.read_text()
        except FileNotFoundError:
            return set()
        path.unlink()
        return {int(line) for line in listed.split() if line.isdigit()}

    def replace(self, document_ids: set[int], pages: list[IndexedPage]) -> None:
        """Write these documents again: `pages` is all they have now (none for one deleted)."""
        if self._writer is None:
            self._writer = _writer(self._index, threads=0)
        for document_id in document_ids:
            _delete(self._writer, document_id)
        for own in _by_document(pages).values():
            for entry in entries(own):
                self._writer.add_document(entry)
        self._commit()

    def finish(self) -> None:
        """Swap the new index in; searches already running finish on the old files."""
        self._commit()
        if self._writer is not None:
            self._writer.wait_merging_threads()
            self._writer = None
        (self.directory / self.CHECKPOINT).unlink(missing_ok=True)
        (self.directory / self.CHANGED).unlink(missing_ok=True)
        live = self.live.directory
        old = live.with_name(live.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if live.exists():
            os.replace(live, old)
        os.replace(self.directory, live)
        shutil.rmtree(old, ignore_errors=True)

    def close(self) -> None:
        """Give up the uncommitted pages (after an interruption); the checkpoint stays."""
        if self._writer is not None:
            self._writer.rollback()
            self._writer = None

    def _commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()
        self.after_document, self._uncommitted = self._last, 0
        self._save({"after_document": self.after_document, "pages": self.pages})

    def _checkpoint(self) -> dict | None:
        try:
            saved = json.loads((self.directory / self.CHECKPOINT).read_text())
            if _exists(self.directory):
                return {key: int(saved[key]) for key in ("after_document", "pages")}
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def _save(self, checkpoint: dict) -> None:
        path = self.directory / self.CHECKPOINT
        path.with_suffix(".tmp").write_text(json.dumps(checkpoint))
        os.replace(path.with_suffix(".tmp"), path)


def _by_document(pages: list[IndexedPage]) -> dict[int, list[IndexedPage]]:
    documents: dict[int, list[IndexedPage]] = {}
    for page in pages:
        documents.setdefault(page.document_id, []).append(page)
    return documents


def _note_changed(building: Path, documents: set[int]) -> None:
    """Tell a rebuild under way that these documents changed (see `Builder.take_changed`)."""
    if building.exists():
        with open(building / Builder.CHANGED, "a") as listed:
            listed.write("".join(f"{document_id}\n" for document_id in documents))


def _exists(directory: Path) -> bool:
    return directory.is_dir() and tantivy.Index.exists(str(directory))


def _create(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    _opened(directory)
    (directory / FORMAT_FILE).write_text(json.dumps({"format": FORMAT, "engine": "tantivy"}))


def _opened(directory: Path) -> tantivy.Index:
    index = tantivy.Index(schema(), path=str(directory), reuse=True)
    for name, analyzer in analyzers().items():
        index.register_tokenizer(name, analyzer)
    return index


def _writer(index: tantivy.Index, threads: int = 1):
    """The index's one writer, waited for while another process holds it."""
    deadline = time.monotonic() + WRITER_TIMEOUT_SECONDS
    while True:
        try:
            return index.writer(WRITER_HEAP, threads)
        except ValueError as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _delete(writer, document_id: int) -> None:
    """Every entry of a document. (By query: deleting by term takes the id for a signed
    integer, which the unsigned field never holds.)"""
    writer.delete_documents_by_query(Q.term_query(_SCHEMA, "document_id", document_id))


def _commit(writer) -> None:
    crashpoints.reached("mid-index-commit")
    writer.commit()
    writer.wait_merging_threads()
