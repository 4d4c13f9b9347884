"""The embedded search engine: a Whoosh index of pages in the archive's data directory.

The index holds one entry per page and is only ever a copy: the database is the truth, and a
rebuild makes the index again from it. Results are grouped per document (best page first, every
matched page listed), because staff look for records, not pages.

Each page carries its document's metadata: the first page as searchable words (type, issuer,
subject, signer, number; ranked above words of the page), every page as filter and facet fields
(`doc_type`, `year`, `date`, the issuing body's line, the number, the procedures), kept in
columns so that grouping, sorting and counting read arrays instead of each page's stored text.

Speed: a query scores every matching page (Whoosh's cost), then documents are grouped and
counted from the columns; only the hits shown are highlighted. One searcher is kept open and
refreshed when the index changes; one writer at a time (Whoosh's lock, waited for).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from whoosh import highlight, index
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.query import (
    And,
    AndMaybe,
    ConstantScoreQuery,
    DefaultOr,
    NumericRange,
    Phrase,
    Query,
    Term,
    TermRange,
)

from sohoa.archive import records
from sohoa.archive import text as vietnamese
from sohoa.search.analysis import exact_analyzer, folded_analyzer, pairs, pairs_analyzer
from sohoa.search.engine import (
    FACETS,
    HIT_METADATA,
    MAX_LIMIT,
    SNIPPET_PAGES,
    SORTS,
    Hit,
    IndexedPage,
    QueryError,
    SearchResults,
    Snippet,
)
from sohoa.search.query import Clause, ParsedQuery, Words, parse

FORMAT = 4  # bump when the schema changes: an index of another format is rebuilt at start-up
FORMAT_FILE = "sohoa-index.json"
EXACT_BOOST = 2.0
RAW_BOOST = 0.3  # raw OCR text counts little: it is there to find words repair changed
META_BOOST = 1.5  # a word of the type, issuer or subject says more than one in the body
NUMBER_BOOST = 8.0  # a document number typed whole is the record with that number
PROXIMITY_BOOST = 5.0  # the words typed together, found together: syllables make words
BOOSTS = {
    "exact": EXACT_BOOST,
    "folded": 1.0,
    "raw": RAW_BOOST,
    "meta_exact": EXACT_BOOST * META_BOOST,
    "meta_folded": META_BOOST,
}
EXACT_FIELDS = {"exact", "meta_exact"}
SEARCHED_METADATA = ("doc_type", "issuer", "subject", "signer", "number")
WRITER_TIMEOUT_SECONDS = 60
SEGMENT_PAGES = 20_000  # a rebuild commits (and checkpoints) every this many pages
SUGGEST_BELOW = 3  # "did you mean" is offered when fewer documents than this match


def _schema() -> Schema:
    return Schema(
        page_key=ID(unique=True),
        document_id=NUMERIC(int, bits=64, stored=True, sortable=True),
        page=NUMERIC(int, stored=True, sortable=True),
        name=STORED,
        # the page's words and, on page 1, the record's: exact (no positions, phrases are
        # checked on the folded words; stored, with the record's words cut off, for snippets)
        exact=TEXT(analyzer=exact_analyzer(), stored=True),
        folded=TEXT(analyzer=folded_analyzer(), phrase=True),
        pairs=TEXT(analyzer=pairs_analyzer()),  # neighbouring syllables, for proximity
        # the words of the raw OCR text that repair changed (folded): found when repair erred
        raw=TEXT(analyzer=folded_analyzer()),
        meta_exact=TEXT(analyzer=exact_analyzer(), phrase=True),
        meta_folded=TEXT(analyzer=folded_analyzer(), phrase=True),
        doc_type=ID(sortable=True),  # the DOC_TYPES name
        year=ID(sortable=True),  # YYYY
        date=ID(sortable=True),  # YYYY, YYYY-MM or YYYY-MM-DD: sorts and ranges as text
        issuer=TEXT(analyzer=folded_analyzer(), phrase=True),  # the issuing body's line
        issuer_name=ID(sortable=True),  # the same line as printed, for the facet
        number=ID,  # the whole number, folded and lowercase: 45/kh-lhh
        number_parts=TEXT(analyzer=folded_analyzer(), phrase=True),  # 45, kh, lhh
        procedure=KEYWORD(commas=True),  # QT-07 (filter)
        procedures=ID(sortable=True),  # "QT-01,QT-07" (facet)
        meta=STORED,  # HIT_METADATA, for hits
    )


class WhooshIndex:
    """Pages of the archive in a Whoosh index at `directory`; a rebuild is made beside it (in
    `<directory>.building`) while this one keeps serving, then moved into its place."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.building = self.directory.with_name(self.directory.name + ".building")
        self._lock = threading.Lock()
        self._searcher = None
        self._opened_inode = None

    # -- writing -----------------------------------------------------------------------------

    def index_pages(self, pages: Iterable[IndexedPage]) -> int:
        """Add pages, replacing whatever the index held for their documents; return the count.
        While a rebuild is under way the pages go into the new index too, so it misses nothing."""
        pages = list(pages)
        documents = {p.document_id for p in pages}
        with _writer(self._ensured()) as writer:
            for document_id in documents:
                writer.delete_by_term("document_id", document_id)
            for page in pages:
                writer.add_document(**_fields(page))
        self._note_changed(documents)
        return len(pages)

    def delete(self, document_id: int) -> None:
        """Remove every page of a document."""
        with _writer(self._ensured()) as writer:
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

    def _ensured(self) -> Path:
        self._ensure()
        return self.directory

    # -- state -------------------------------------------------------------------------------

    def problem(self) -> str | None:
        """Why this index cannot serve as it is (missing, unreadable, of another format), or
        None when it can; the caller rebuilds it from the database."""
        if not index.exists_in(str(self.directory)):
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

    # -- searching ---------------------------------------------------------------------------

    def search(
        self, query: str, limit: int = 10, offset: int = 0, sort: str = "relevance"
    ) -> SearchResults:
        """Documents matching `query` (see `search.query` for the language), `limit` of them
        from `offset` in `sort` order, with facets over every match and "did you mean"."""
        parsed = parse(query)
        limit, offset = _checked_page(limit, offset)
        if sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        with self._lock:
            searcher = self._current_searcher()
            matches = _Matches(searcher, _query(parsed), _excluded(parsed))
            matches.terms = _highlight_terms(parsed)
            shown = matches.documents if sort == "relevance" else matches.by_date(sort == "newest")
            total = len(matches.documents)
            return SearchResults(
                query=parsed.text,
                total=total,
                hits=[matches.hit(document) for document in shown[offset : offset + limit]],
                facets=matches.facets(),
                offset=offset,
                sort=sort,
                suggestion=_suggestion(searcher, parsed) if total < SUGGEST_BELOW else "",
            )

    def more_like(self, document_id: int, limit: int = 10) -> SearchResults:
        """Documents about the same thing as document `document_id`: its most telling words
        (frequent in it, rare in the archive) searched for, the document itself left out."""
        limit, _ = _checked_page(limit, 0)
        with self._lock:
            searcher = self._current_searcher()
            own = list(searcher.document_numbers(document_id=document_id))
            if not own:
                return SearchResults(query=f"like:{document_id}", total=0, facets=_no_facets())
            text = "\n".join(searcher.stored_fields(n).get("exact", "") for n in own)
            terms = searcher.key_terms_from_text("folded", text, numterms=15)
            like = _any_of([Term("folded", word, boost=weight) for word, weight in terms])
            matches = _Matches(searcher, like, excluded={document_id})
            matches.terms = [word for word, _ in terms]
            shown = matches.documents
            return SearchResults(
                query=f"like:{document_id}",
                total=len(matches.documents),
                hits=[matches.hit(document) for document in shown[:limit]],
                facets=matches.facets(),
            )

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
            self._searcher = index.open_dir(str(self.directory)).searcher()
            self._opened_inode = inode
        return self._searcher

    def _ensure(self) -> None:
        """An empty index of the current format when there is none."""
        if not index.exists_in(str(self.directory)):
            _create(self.directory)

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None


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
            self._writer = _writer(self.directory)
            # what a crash left committed after the checkpoint is written again now
            self._writer.delete_by_query(NumericRange("document_id", self.after_document + 1, None))
        for page in pages:
            self._writer.add_document(**_fields(page))
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
                writer.add_document(**_fields(page))

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
        self.after_document, self._uncommitted = self._last, 0
        self._save({"after_document": self.after_document, "pages": self.pages})

    def _checkpoint(self) -> dict | None:
        try:
            saved = json.loads((self.directory / self.CHECKPOINT).read_text())
            if index.exists_in(str(self.directory)):
                return {key: int(saved[key]) for key in ("after_document", "pages")}
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def _save(self, checkpoint: dict) -> None:
        path = self.directory / self.CHECKPOINT
        path.with_suffix(".tmp").write_text(json.dumps(checkpoint))
        os.replace(path.with_suffix(".tmp"), path)


def _create(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    index.create_in(str(directory), _schema())
    (directory / FORMAT_FILE).write_text(json.dumps({"format": FORMAT}))


def _writer(directory: Path):
    """The index's one writer, waited for while another process or thread holds it."""
    return index.open_dir(str(directory)).writer(timeout=WRITER_TIMEOUT_SECONDS)


def _checked_page(limit: int, offset: int) -> tuple[int, int]:
    if not 0 <= limit <= MAX_LIMIT:
        raise QueryError(f"limit must be between 0 and {MAX_LIMIT}, not {limit}")
    if offset < 0:
        raise QueryError(f"offset must be 0 or more, not {offset}")
    return limit, offset


# -- indexing ---------------------------------------------------------------------------------


def _fields(page: IndexedPage) -> dict:
    text = vietnamese.normalize(page.text)
    metadata = records.metadata_of(page.metadata)
    searched = "\n".join(metadata[name] for name in SEARCHED_METADATA if metadata[name])
    if page.page != 1:
        searched = ""  # the record's words belong to its first page, where they are printed
    procedures = sorted({code.strip().upper() for code in page.procedures if code.strip()})
    fields = {
        "page_key": f"{page.document_id}:{page.page}",
        "document_id": page.document_id,
        "page": page.page,
        "name": page.name,
        "exact": f"{text}\n{searched}",
        "folded": f"{text}\n{searched}",
        "pairs": f"{text}\n{searched}",
        "raw": _changed_words(page.raw_text, text),
        "_stored_exact": text,
        "meta_exact": searched,
        "meta_folded": searched,
        "issuer": records.issuing_body(metadata["issuer"]),
        "number_parts": metadata["number"],
        "meta": {name: metadata[name] for name in HIT_METADATA},
    }
    keys = {
        "doc_type": metadata["doc_type"],
        "year": _year(metadata["date"]),
        "date": metadata["date"] if _year(metadata["date"]) else "",
        "issuer_name": records.issuing_body(metadata["issuer"]),
        "number": _number_key(metadata["number"]),
        "procedure": ",".join(procedures),
        "procedures": ",".join(procedures),
    }
    fields.update((name, value) for name, value in keys.items() if value)  # no empty terms
    return fields


def _changed_words(raw_text: str, text: str) -> str:
    """The words of the raw OCR text that are not in the repaired text (folded): all the raw
    text adds to the index, since the rest is found in the repaired text already."""
    kept = {token.text for token in folded_analyzer()(text)}
    raw = (token.text for token in folded_analyzer()(raw_text))
    return " ".join(word for word in dict.fromkeys(raw) if word not in kept)


def _year(date: str) -> str:
    return date[:4] if date[:4].isdigit() else ""


def _number_key(number: str) -> str:
    return vietnamese.fold(vietnamese.normalize(number)).lower().replace(" ", "")


# -- queries ----------------------------------------------------------------------------------


def _any_of(subqueries: list[Query], boost: float = 1.0) -> Query:
    """Whoosh's `Or` as a tree of union matchers, always. Left to choose, Whoosh pre-reads every
    posting of a segment under 5,000 pages into an array in pure Python, clearing 2,048 slots
    at each step: most of the time of a common word on a freshly built or small index."""
    return DefaultOr(subqueries, boost=boost)


def _query(parsed: ParsedQuery) -> Query:
    """The words' query, narrowed by the filters. A filter is part of the query (scoring
    nothing) rather than Whoosh's `filter=`, which is applied after every page was matched:
    inside, the narrower side leads, the other skips."""
    keep = _filter_query(parsed)
    if not parsed.required:
        return ConstantScoreQuery(keep, 1.0)
    words = _text_query(parsed)
    return words if keep is None else And([words, ConstantScoreQuery(keep, 0.0)])


def _text_query(parsed: ParsedQuery) -> Query:
    """Every required clause; pages where the words typed side by side are side by side
    score higher (each neighbouring pair found counts)."""
    required = [_clause_query(clause) for clause in parsed.required]
    query = And(required) if len(required) > 1 else required[0]
    words = parsed.plain_words()
    if len(words) > 1 and len(words) == len(parsed.required):
        near = pairs(" ".join(w.text for w in words))
        together = _any_of([Term("pairs", pair) for pair in near], boost=PROXIMITY_BOOST)
        query = AndMaybe(query, together)
    return query


def _clause_query(clause: Clause, scored: bool = True) -> Query:
    alternatives = [_words_query(words, scored) for words in clause.alternatives]
    return alternatives[0] if len(alternatives) == 1 else _any_of(alternatives)


def _words_query(words: Words, scored: bool = True) -> Query:
    """Where a word or phrase is found: the folded words of the page (which hold the record's
    words on its first page) or, for one syllable, the words repair changed; a document number
    also in the record's number, where it counts most. Scored, the exact spelling (when typed
    with diacritics) and the record's words add to the score: looked up only for the pages
    found, one posting list decides the match."""
    folded, exact = _tokens(words, "folded"), _tokens(words, "exact")
    if len(folded) == 1 and not words.is_number:
        found = _any_of([Term("folded", folded[0]), Term("raw", folded[0], boost=RAW_BOOST)])
        ranks = [Term("meta_folded", folded[0], boost=BOOSTS["meta_folded"])]
        if words.accented:
            ranks += [
                Term("exact", exact[0], boost=EXACT_BOOST),
                Term("meta_exact", exact[0], boost=BOOSTS["meta_exact"]),
            ]
    else:
        # the neighbouring pairs first: rarer than the syllables, they leave the phrase's
        # positions to be checked on a few pages only
        found = And(
            [Term("pairs", pair) for pair in pairs(words.text)] + [Phrase("folded", folded)]
        )
        if words.is_number:
            found = _any_of([found, Term("number", _number_key(words.text), boost=NUMBER_BOOST)])
        ranks = [Phrase("meta_folded", folded, boost=BOOSTS["meta_folded"])]
        if words.accented:
            ranks += [And([Term("exact", t, boost=EXACT_BOOST) for t in exact])]
    return AndMaybe(found, _any_of(ranks)) if scored else found


def _tokens(words: Words, field: str) -> list[str]:
    analyzer = exact_analyzer() if field in EXACT_FIELDS else folded_analyzer()
    return [token.text for token in analyzer(words.text)]


def _excluded(parsed: ParsedQuery) -> Query | None:
    """What a left-out word matches: the page's words, its changed OCR words, the record's."""
    if not parsed.excluded:
        return None
    return _any_of([_clause_query(clause, scored=False) for clause in parsed.excluded])


def _filter_query(parsed: ParsedQuery) -> Query | None:
    """Every kind of filter must hold; within a kind, any of its values."""
    filters = parsed.filters
    if not filters:
        return None
    kinds = [
        [Term("doc_type", name) for name in filters.doc_types],
        [TermRange("year", first, last) for first, last in filters.years],
        [TermRange("date", first, last + "~") for first, last in filters.dates],
        [_words_filter("issuer", issuer) for issuer in filters.issuers],
        [
            _any_of([Term("number", _number_key(n)), _words_filter("number_parts", n)])
            for n in filters.numbers
        ],
        [Term("procedure", code) for code in filters.procedures],
    ]
    return And([_any_of(queries) for queries in kinds if queries])


def _words_filter(field: str, value: str) -> Query:
    """The words of `value` in that order, with or without diacritics."""
    words = [token.text for token in folded_analyzer()(value)]
    if not words:
        raise QueryError(f'{field.split("_")[0]}: "{value}" has no words to look for')
    return Phrase(field, words) if len(words) > 1 else Term(field, words[0])


# -- results ----------------------------------------------------------------------------------


@dataclass
class _Document:
    """One matched document: its matched pages' docnums, best first, and its best score."""

    document_id: int
    docnums: list[int]
    score: float = 0.0


class _Matches:
    """Every page a query matches, scored in one pass and grouped into documents through the
    index's columns (the best page of each first); only the documents shown are highlighted."""

    def __init__(self, searcher, query: Query, excluded: Query | set[int] | None = None):
        self.searcher = searcher
        reader = searcher.reader()
        self.columns = {
            name: _Column(reader, name)
            for name in ("document_id", "page", "doc_type", "year", "date", "issuer_name")
        }
        self.columns["procedure"] = _Column(reader, "procedures")
        document_id = self.columns["document_id"]
        if isinstance(excluded, set):
            left_out = excluded
        elif excluded is not None:  # a left-out word on any page leaves the document out
            left_out = {document_id[n] for n in searcher.docs_for_query(excluded)}
        else:
            left_out = set()
        grouped: dict[int, _Document] = {}
        for docnum, score in searcher.search(query, limit=None).items():
            key = document_id[docnum]
            if key in left_out:
                continue
            if key in grouped:
                grouped[key].docnums.append(docnum)
            else:
                grouped[key] = _Document(key, [docnum], score)
        self.documents = list(grouped.values())  # best first
        self.terms: list[str] = []

    def by_date(self, newest: bool) -> list[_Document]:
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

    def hit(self, document: _Document) -> Hit:
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


class _Column:
    """One field's column over every segment, read by document number. (Whoosh's own reader
    over several segments loses its place when a segment has no value in the column.)"""

    def __init__(self, reader, name: str):
        leaves = [(leaf, base) for leaf, base in reader.leaf_readers() if leaf.doc_count_all()]
        self.offsets = [base for _, base in leaves]
        self.readers = [leaf.column_reader(name) for leaf, _ in leaves]

    def __getitem__(self, docnum: int):
        segment = bisect_right(self.offsets, docnum) - 1
        return self.readers[segment][docnum - self.offsets[segment]]


class MarkFormatter(highlight.HtmlFormatter):
    """Matched words as plain `<mark>…</mark>`; the rest of the snippet is HTML-escaped."""

    template = "<mark>%(t)s</mark>"


def _highlight_terms(parsed: ParsedQuery) -> list[str]:
    return [
        token
        for clause in parsed.required
        for words in clause.alternatives
        for token in _tokens(words, "folded")
    ]


def _no_facets() -> dict[str, dict[str, int]]:
    return {name: {} for name in FACETS}


# -- did you mean -----------------------------------------------------------------------------


def _suggestion(searcher, parsed: ParsedQuery) -> str:
    """The query with each word the index does not hold replaced by the closest word it does
    hold (fewest edits, then the most pages): typed with diacritics, from the accented words;
    without, from the folded ones. "" when nothing needs replacing or nothing is close."""
    reader = searcher.reader()
    text = parsed.text
    changed = False
    for words in parsed.plain_words():
        if words.is_number or len(words.syllables) != 1:
            continue
        field = "exact" if words.accented else "folded"
        word = _tokens(words, field)[0]
        if reader.doc_frequency(field, word) or len(word) < 3:
            continue
        best = _closest(reader, field, word)
        if best:
            text = text.replace(words.text, best, 1)
            changed = True
    return text if changed else ""


def _closest(reader, field: str, word: str) -> str:
    candidates = []
    for distance in (1, 2) if len(word) > 4 else (1,):
        candidates = [c for c in reader.terms_within(field, word, distance, prefix=1) if c != word]
        if candidates:
            break
    if not candidates:
        return ""
    return max(candidates, key=lambda c: (reader.doc_frequency(field, c), c))
