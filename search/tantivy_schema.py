"""What the Tantivy index holds: one entry per page, and one per document.

A *page* entry is the Whoosh page (`whoosh_schema`): its words folded (positions, they decide a
match), exact (they rank), neighbouring syllables as pairs (they rank), the raw OCR words repair
changed, the record's words on page 1, and the filter fields. A *record* entry holds all of a
document's words (each page a separate value, so that a phrase never runs from one page onto
the next) and its record's filter and facet fields: which documents match, how many of each
kind, in what date order, is then one query over these entries, counted in Tantivy itself.

The words are cut and folded by Tantivy (`\\w+`, lowercase, ASCII folding, which takes
Vietnamese diacritics and `đ` off as `search.analysis` does); the text is first put in NFC
with one tone placement in Python, which Tantivy cannot do. `tests/test_tantivy.py` checks that
both give the same words.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

import tantivy

from sohoa.archive import records
from sohoa.archive import text as vietnamese
from sohoa.search.analysis import folded_form, pair_terms
from sohoa.search.engine import HIT_METADATA, IndexedPage
from sohoa.search.record import SEARCHED_METADATA, number_key, year

FORMAT = 6  # bump when the schema changes: an index of another format is rebuilt at start-up
PAGE, RECORD = "page", "record"
RESTRICTED = "restricted"  # the `access` of every entry of a restricted document
PROCEDURES_JOINED = "\x1f"  # no code holds it (codes may hold spaces and commas)
UNDATED_LAST = 99_999_999  # the oldest-first key of an undated document
WORD = re.compile(r"\w+")


def analyzers() -> dict[str, tantivy.TextAnalyzer]:
    """The tokenizers the schema names, registered on every `tantivy.Index` opened."""

    def words():
        return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(WORD.pattern))

    return {
        "pairs": tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build(),
        "exact": words().filter(tantivy.Filter.lowercase()).build(),
        "folded": words()
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build(),
    }


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("entry", tokenizer_name="raw", index_option="basic")
    builder.add_unsigned_field("document_id", indexed=True, fast=True)
    builder.add_unsigned_field("page", fast=True)
    builder.add_bytes_field("stored", stored=True)  # name, text, record: JSON, for hits
    # page entries: the page's words, and the record's on page 1
    builder.add_text_field("folded", tokenizer_name="folded", index_option="position")
    builder.add_text_field("exact", tokenizer_name="exact", index_option="freq")
    builder.add_text_field("raw", tokenizer_name="folded", index_option="freq")
    builder.add_text_field("pairs", tokenizer_name="pairs", index_option="freq")
    builder.add_text_field("meta_folded", tokenizer_name="folded", index_option="position")
    builder.add_text_field("meta_exact", tokenizer_name="exact", index_option="freq")
    # record entries: the document's words, every page a value of its own
    builder.add_text_field("all_folded", tokenizer_name="folded", index_option="position")
    builder.add_text_field("all_raw", tokenizer_name="folded", index_option="basic")
    builder.add_text_field("all_pairs", tokenizer_name="pairs", index_option="basic")
    # both: the record's filter and facet fields
    builder.add_text_field("doc_type", tokenizer_name="raw", index_option="basic", fast=True)
    builder.add_text_field("year", tokenizer_name="raw", index_option="basic", fast=True)
    builder.add_unsigned_field("date", indexed=True, fast=True)  # YYYYMMDD, 00 when unknown
    builder.add_unsigned_field("newest", fast=True)  # sort keys, undated last either way
    builder.add_unsigned_field("oldest", fast=True)
    builder.add_text_field("issuer", tokenizer_name="folded", index_option="position")
    builder.add_text_field("issuer_name", tokenizer_name="raw", index_option="basic", fast=True)
    builder.add_text_field("number", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("number_parts", tokenizer_name="folded", index_option="position")
    builder.add_text_field("procedure", tokenizer_name="raw", index_option="basic")
    # the record's procedures as one value, for the facet: a column of one value
    # per entry is counted several times faster than a column of many
    builder.add_text_field("procedures", tokenizer_name="raw", index_option="basic", fast=True)
    builder.add_text_field("access", tokenizer_name="raw", index_option="basic")  # RESTRICTED
    return builder.build()


def entries(pages: list[IndexedPage]) -> list[tantivy.Document]:
    """One document's entries: each of its pages, then its record (`pages`: all of them, which
    share the document's record)."""
    pages = sorted(pages, key=lambda page: page.page)
    record = Record(pages[0])
    read = [PageWords.of(page, record.searched_on(page)) for page in pages]
    made = [record.page_entry(page, words) for page, words in zip(pages, read, strict=True)]
    return made + [record.record_entry(read)]


@dataclass
class PageWords:
    """A page's text as indexed, read once: in a rebuild, putting every page through Python's
    regular expressions was most of the cost, far more than Tantivy's own indexing."""

    text: str  # NFC, one tone placement (`archive.text.normalize`)
    # neighbouring syllables (`pairs_of`) of the text and, on page 1, of each of its record's
    # words: within a value, as Tantivy never runs a phrase from one value onto the next, so a
    # pair is a two-word phrase
    pairs: str
    changed: str  # the raw OCR words repair changed, folded (`whoosh_schema._changed_words`)

    @classmethod
    def of(cls, page: IndexedPage, searched: list[str]) -> PageWords:
        text = vietnamese.nfc(page.text)
        words = WORD.findall(text)
        forms = {word: _forms(word) for word in set(words)}
        moved = {word: placed for word, (placed, _) in forms.items() if placed != word}
        if moved:  # as `archive.text.normalize` does, with the words already found
            text = vietnamese.replace_words(text, moved)
        folded = [forms[word][1] for word in words]
        changed = ""
        if page.raw_text and page.raw_text != page.text:
            raw = WORD.findall(vietnamese.nfc(page.raw_text))  # as `search.analysis` cuts it
            others = set(raw).difference(forms)  # most are the same
            kept = {form for _, form in forms.values()}
            changed = " ".join(sorted({folded_form(word) for word in others} - kept))
        values = [folded] + [[folded_form(w) for w in WORD.findall(value)] for value in searched]
        return cls(text, " ".join(filter(None, map(pairs_of, values))), changed)


@lru_cache(maxsize=200_000)
def _forms(word: str) -> tuple[str, str]:
    """A word with its tone placed, and folded (one cache look-up for both)."""
    return vietnamese.place_tone(word), folded_form(word)


class Record:
    """What every entry of one document says of its record, worked out once."""

    def __init__(self, first: IndexedPage):
        metadata = records.metadata_of(first.metadata)
        self.document_id = first.document_id
        self.searched = [metadata[name] for name in SEARCHED_METADATA if metadata[name]]
        self.date = date_number(metadata["date"])
        issuer = records.issuing_body(metadata["issuer"])
        values = {
            "doc_type": metadata["doc_type"],
            "year": year(metadata["date"]),
            "issuer": issuer,
            "issuer_name": issuer,
            "number": number_key(metadata["number"]),
            "number_parts": metadata["number"],
        }
        self.values = {field: value for field, value in values.items() if value}  # no empty terms
        self.procedures = procedures_of(first)
        self.shown = {name: metadata[name] for name in HIT_METADATA}
        self.restricted = first.restricted

    def searched_on(self, page: IndexedPage) -> list[str]:
        """The record's words a page holds: all of them on its first page, where they are
        printed; none on the others."""
        return self.searched if page.page == 1 else []

    def page_entry(self, page: IndexedPage, read: PageWords) -> tantivy.Document:
        entry = self._entry(PAGE)
        text = read.text
        entry.add_unsigned("page", page.page)
        searched = self.searched_on(page)
        for field in ("folded", "exact"):
            entry.add_text(field, text)
            for words in searched:
                entry.add_text(field, words)
        for words in searched:
            entry.add_text("meta_folded", words)
            entry.add_text("meta_exact", words)
        if read.changed:
            entry.add_text("raw", read.changed)
        entry.add_text("pairs", read.pairs)
        stored = {"name": page.name, "text": text, "meta": self.shown}
        stored["procedures"] = self.procedures
        entry.add_bytes("stored", json.dumps(stored, ensure_ascii=False).encode())
        return entry

    def record_entry(self, pages: list[PageWords]) -> tantivy.Document:
        entry = self._entry(RECORD)
        for text in [page.text for page in pages] + self.searched:
            entry.add_text("all_folded", text)
        for page in pages:
            entry.add_text("all_pairs", page.pairs)
            if page.changed:
                entry.add_text("all_raw", page.changed)
        return entry

    def _entry(self, kind: str) -> tantivy.Document:
        entry = tantivy.Document()
        entry.add_text("entry", kind)
        entry.add_unsigned("document_id", self.document_id)
        entry.add_unsigned("date", self.date)
        # sort keys: the date, then the id rising, whichever way the dates go
        entry.add_unsigned("newest", (self.date << 32) + (0xFFFFFFFF - self.document_id))
        entry.add_unsigned("oldest", ((self.date or UNDATED_LAST) << 32) + self.document_id)
        for field, value in self.values.items():
            entry.add_text(field, value)
        for code in self.procedures:
            entry.add_text("procedure", code)
        if self.procedures:
            entry.add_text("procedures", PROCEDURES_JOINED.join(self.procedures))
        if self.restricted:
            entry.add_text("access", RESTRICTED)
        return entry


def pairs_of(folded: list[str]) -> str:
    """Neighbouring folded syllables as one term each (`ke_hoach hoach_so`), as Whoosh's
    `pairs` field holds them: a query's syllables found side by side is then a term lookup, not
    a phrase checked on every page holding both (most of a common query's time)."""
    return " ".join(pair_terms(folded))


def procedures_of(page: IndexedPage) -> list[str]:
    return sorted({code.strip().upper() for code in page.procedures if code.strip()})


def date_number(date: str) -> int:
    """`2019-05-03` → 20190503, `2019-05` → 20190500, `2019` → 20190000, else 0."""
    if not year(date):
        return 0
    parts = (date.split("-") + ["0", "0"])[:3]
    try:
        return int(parts[0]) * 10_000 + int(parts[1] or 0) * 100 + int(parts[2] or 0)
    except ValueError:
        return int(parts[0]) * 10_000
