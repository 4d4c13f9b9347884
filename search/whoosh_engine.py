"""The embedded search engine: a Whoosh index of pages in the archive's data directory.

The index holds one entry per page and is only ever a copy: the database is the truth, and a
rebuild makes the index again from it. Results are grouped per document (best page first, every
matched page listed), because staff look for records, not pages.

What a page holds is in `whoosh_schema`, how a query becomes Whoosh's in `whoosh_queries`, how
matches become results in `whoosh_results`. This module keeps the index: one searcher kept open
and reopened when the index changes, one writer at a time (Whoosh's lock, waited for), and the
rebuild beside the live index.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from whoosh import index
from whoosh.query import NumericRange, Query, Term

from sohoa.archive import crashpoints
from sohoa.search.engine import IndexedPage, SearchResults, checked_page
from sohoa.search.query import parse
from sohoa.search.results import assemble, highlight_terms, no_facets
from sohoa.search.suggest import SUGGEST_BELOW, suggestion
from sohoa.search.whoosh_queries import (
    any_of,
    excluded_query,
    filter_query,
    pages_query,
    required_queries,
    search_query,
)
from sohoa.search.whoosh_results import Columns, WhooshMatches
from sohoa.search.whoosh_schema import FORMAT, RESTRICTED, fields, schema

FORMAT_FILE = "sohoa-index.json"
WRITER_TIMEOUT_SECONDS = 60
SEGMENT_PAGES = 20_000  # a rebuild commits (and checkpoints) every this many pages
REBUILD_PROCESSES = max(1, min(os.cpu_count() or 1, 4))
OPEN_ATTEMPTS = 5
LIKE_TERMS = 15  # "more like this" looks for a document's this many most telling words
RESTRICTED_PAGES = Term("access", RESTRICTED)  # every page of a restricted document


class WhooshIndex:
    """Pages of the archive in a Whoosh index at `directory`; a rebuild is made beside it (in
    `<directory>.building`) while this one keeps serving, then moved into its place."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.building = self.directory.with_name(self.directory.name + ".building")
        self._lock = threading.Lock()
        self._searcher = None
        self._opened_inode = None
        self._columns = Columns()

    # -- writing -----------------------------------------------------------------------------

    def index_pages(self, pages: Iterable[IndexedPage]) -> int:
        """Add pages, replacing whatever the index held for their documents; return the count.
        A rebuild under way is told, so that it writes these documents again before it ends."""
        pages = list(pages)
        documents = {p.document_id for p in pages}
        with _writer(self._ensure()) as writer:
            for document_id in documents:
                writer.delete_by_term("document_id", document_id)
            for page in pages:
                writer.add_document(**fields(page))
        self._note_changed(documents)
        return len(pages)

    def delete(self, document_id: int) -> None:
        """Remove every page of a document."""
        with _writer(self._ensure()) as writer:
            writer.delete_by_term("document_id", document_id)
        self._note_changed({document_id})

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
        """A builder for a new index beside this one, picking up an unfinished rebuild (after
        its last checkpoint) when `resume`, else starting afresh."""
        return Builder(self, resume, segment_pages)

    def _note_changed(self, documents: set[int]) -> None:
        """Tell a rebuild under way that these documents changed (see `Builder.take_changed`)."""
        if self.building.exists():
            with open(self.building / Builder.CHANGED, "a") as listed:
                listed.write("".join(f"{document_id}\n" for document_id in documents))

    # -- state -------------------------------------------------------------------------------

    def problem(self) -> str | None:
        """Why this index cannot serve as it is (missing, unreadable, of another format), or
        None when it can; the caller rebuilds it from the database."""
        if not _exists(self.directory):
            return "the search index is missing"
        try:
            made = json.loads((self.directory / FORMAT_FILE).read_text()).get("format")
        except (OSError, ValueError, AttributeError):
            made = None
        if made != FORMAT:
            return f"the search index was made by another version of sohoa (format {made})"
        try:
            with index.open_dir(str(self.directory)).searcher() as searcher:
                searcher.doc_count()
                for name in ("exact", "folded"):
                    next(iter(searcher.lexicon(name)), None)
        except Exception as error:  # noqa: BLE001 - any failure to read is a broken index
            return f"the search index cannot be read ({type(error).__name__}: {error})"
        return None

    def page_count(self) -> int:
        with self._lock:
            return self._current_searcher().doc_count()

    def pages_by_document(self) -> dict[int, int]:
        """How many pages of each document the index holds: what `sohoa doctor` compares
        with the database. Reads every page's stored id, so it is for checks, not searches."""
        with self._lock:
            reader = self._current_searcher().reader()
            return dict(Counter(fields["document_id"] for _, fields in reader.iter_docs()))

    def vocabulary(self) -> WhooshVocabulary:
        """The index's words and on how many pages each is (see `search.suggest`)."""
        with self._lock:
            return WhooshVocabulary(self._current_searcher())

    # -- searching ---------------------------------------------------------------------------

    def search(
        self,
        query: str,
        limit: int = 10,
        offset: int = 0,
        sort: str = "relevance",
        restricted: bool = True,
    ) -> SearchResults:
        """Documents matching `query` (see `search.query` for the language), `limit` of them
        from `offset` in `sort` order, with facets over every match and "did you mean";
        restricted documents left out altogether unless `restricted`."""
        parsed = parse(query)
        limit, offset = checked_page(limit, offset, sort)
        with self._lock:
            searcher = self._current_searcher()
            hidden = None if restricted else RESTRICTED_PAGES
            matches = WhooshMatches(
                searcher,
                self._columns,
                required_queries(parsed),
                search_query(parsed),
                pages_query(parsed),
                keep=filter_query(parsed),
                excluded=excluded_query(parsed),
                hidden=hidden,
            )
            offered = ""
            if matches.total < SUGGEST_BELOW:
                offered = suggestion(WhooshVocabulary(searcher, hidden), parsed)
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
        with self._lock:
            searcher = self._current_searcher()
            own = list(searcher.document_numbers(document_id=document_id))
            if not own:
                return nothing
            hidden = None if restricted else RESTRICTED_PAGES
            if not restricted and any(
                searcher.document_numbers(document_id=document_id, access=RESTRICTED)
            ):
                return nothing
            text = "\n".join(searcher.stored_fields(n).get("exact", "") for n in own)
            terms = searcher.key_terms_from_text("folded", text, numterms=LIKE_TERMS)
            like = any_of([Term("folded", word, boost=weight) for word, weight in terms])
            matches = WhooshMatches(
                searcher, self._columns, [like], like, like, excluded={document_id}, hidden=hidden
            )
            words = [word for word, _ in terms]
            return assemble(matches, f"like:{document_id}", words, limit, 0, "relevance")

    def _current_searcher(self):
        """The open searcher, refreshed when the index changed or was replaced by a rebuild."""
        self._ensure()
        inode = self.directory.stat().st_ino
        stale = self._searcher is None or inode != self._opened_inode
        if stale or not self._searcher.up_to_date():
            # a new searcher, never `refresh()`: that one reuses the readers of segments whose
            # deletions changed since, and counts deleted pages
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = self._open_searcher()
            if inode != self._opened_inode:
                self._columns = Columns()  # a rebuilt index: other segments altogether
            self._columns.keep_only(self._searcher.reader())
            self._opened_inode = inode
        return self._searcher

    def _open_searcher(self):
        """A searcher on the latest commit (see `_opened`)."""
        return _opened(self.directory, lambda ix: ix.searcher())

    def _ensure(self) -> Path:
        """The index's directory, with an empty index of the current format when it had none."""
        if not _exists(self.directory):
            _create(self.directory)
        return self.directory

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None


class WhooshVocabulary:
    """The index's words, for "did you mean" (`search.suggest`); with `hidden`, only the words
    of the pages it does not match count (a restricted record's words are never offered to
    someone who may not read it)."""

    def __init__(self, searcher, hidden: Query | None = None):
        self.searcher, self.reader = searcher, searcher.reader()
        self.hidden = None if hidden is None else set(searcher.docs_for_query(hidden))

    def frequency(self, field: str, term: str) -> int:
        if not self.hidden:
            return self.reader.doc_frequency(field, term)
        found = self.searcher.docs_for_query(Term(field, term))
        return sum(1 for docnum in found if docnum not in self.hidden)

    def terms(self, field: str, prefix: str):
        for term in self.reader.expand_prefix(field, prefix):
            yield term.decode("utf-8") if isinstance(term, bytes) else term


class Builder:
    """A new index made beside the live one, whole documents in id order. Every
    `segment_pages` pages it is committed as one segment and a checkpoint names the last
    document written, so an interrupted rebuild resumes after it. (Whoosh merges segments slowly
    and searches each apart, so they are few and large, never merged afterwards.) Documents the
    live index is given meanwhile are listed (`take_changed`) to be written again at the end;
    `finish` puts the new index in place of the old one."""

    CHECKPOINT = "sohoa-rebuild.json"
    CHANGED = "sohoa-changed.txt"

    def __init__(self, live: WhooshIndex, resume: bool, segment_pages: int):
        self.live = live
        self.directory = live.building
        self.segment_pages = segment_pages
        checkpoint = self._checkpoint() if resume else None
        if checkpoint is None:
            shutil.rmtree(self.directory, ignore_errors=True)
            _create(self.directory)
            checkpoint = {"after_document": 0, "pages": 0}
            self._save(checkpoint)
        self.after_document: int = checkpoint["after_document"]  # committed up to here
        self.pages: int = checkpoint["pages"]  # pages added (committed or not)
        self.resumed = self.after_document > 0
        self._writer = None
        self._last = self.after_document
        self._uncommitted = 0

    def add(self, pages: list[IndexedPage]) -> None:
        """Write whole documents with ids above the last ones added, in order."""
        if not pages:
            return
        if self._writer is None:
            self._writer = _writer(self.directory, REBUILD_PROCESSES)
            # what a crash left committed after the checkpoint is written again now
            self._writer.delete_by_query(NumericRange("document_id", self.after_document + 1, None))
        for page in pages:
            self._writer.add_document(**fields(page))
        self.pages += len(pages)
        self._last = pages[-1].document_id
        self._uncommitted += len(pages)
        if self._uncommitted >= self.segment_pages:
            self._commit()

    def take_changed(self) -> set[int]:
        """Documents written to the live index since the rebuild began (or since the last
        call): their pages in the new index may be older than the database's."""
        path = self.directory / self.CHANGED
        try:
            listed = path.read_text()
        except FileNotFoundError:
            return set()
        path.unlink()
        return {int(line) for line in listed.split() if line.isdigit()}

    def replace(self, document_ids: set[int], pages: list[IndexedPage]) -> None:
        """Write these documents again: `pages` is all they have now (none for one deleted)."""
        self._commit()
        with _writer(self.directory) as writer:
            for document_id in document_ids:
                writer.delete_by_term("document_id", document_id)
            for page in pages:
                writer.add_document(**fields(page))

    def finish(self) -> None:
        """Swap the new index in; searches already running finish on the old files."""
        self._commit()
        (self.directory / self.CHECKPOINT).unlink(missing_ok=True)
        (self.directory / self.CHANGED).unlink(missing_ok=True)
        old = self.live.directory.with_name(self.live.directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.live.directory.exists():
            os.replace(self.live.directory, old)
        os.replace(self.directory, self.live.directory)
        shutil.rmtree(old, ignore_errors=True)

    def close(self) -> None:
        """Give up the uncommitted pages (after an interruption); the checkpoint stays."""
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None

    def _commit(self) -> None:
        if self._writer is not None:
            self._writer.commit(merge=False)
            self._writer = None
            self._check_count()
        self.after_document, self._uncommitted = self._last, 0
        self._save({"after_document": self.after_document, "pages": self.pages})

    def _check_count(self) -> None:
        """Every page added is in the index: Whoosh's parallel writer drops a process's segment
        without a word if its result is late, and an index missing pages must not go live."""
        with index.open_dir(str(self.directory)).searcher() as searcher:
            found = searcher.doc_count()
        if found != self.pages:
            raise RuntimeError(
                f"the rebuilt index holds {found} pages, not the {self.pages} written: "
                "run `sohoa reindex --fresh`"
            )

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


def _exists(directory: Path) -> bool:
    """Whether an index was committed there: a table of contents is listed (Whoosh's own test
    opens it, and fails when a writer has just replaced it)."""
    return directory.is_dir() and any(directory.glob("_MAIN_*.toc"))


def _create(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    index.create_in(str(directory), schema())
    (directory / FORMAT_FILE).write_text(json.dumps({"format": FORMAT}))


def _writer(directory: Path, processes: int = 1):
    """The index's one writer, waited for while another process or thread holds it. With
    several `processes`, pages are analysed and their postings written in parallel, each
    process making its own segment (what a rebuild uses: twice the pages a second on 2 cores)."""
    ix = _opened(directory, lambda ix: ix)
    if processes > 1:
        return ix.writer(timeout=WRITER_TIMEOUT_SECONDS, procs=processes, multisegment=True)
    return _with_crash_point(ix.writer(timeout=WRITER_TIMEOUT_SECONDS))


def _opened(directory: Path, use):
    """`use` applied to the index opened at its latest commit. Opening reads the table of
    contents (`_MAIN_<n>.toc`) a writer in another thread or process may replace, and a
    writer that merges segments deletes their files just after its commit: whoever read the
    old list may find a file gone, and reads the list again."""
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return use(index.open_dir(str(directory)))
        except FileNotFoundError:
            if attempt == OPEN_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _with_crash_point(writer):
    """The writer, with the `mid-index-commit` crash point (archive.crashpoints) where a
    commit has written its segment's files but not yet the table of contents that makes them
    part of the index: the moment a kill is most likely to leave debris."""
    commit_toc = writer._commit_toc

    def _commit_toc(*args, **kwargs):
        crashpoints.reached("mid-index-commit")
        return commit_toc(*args, **kwargs)

    writer._commit_toc = _commit_toc
    return writer
