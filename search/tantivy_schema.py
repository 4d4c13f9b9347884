"""What the Tantivy index holds: one entry per page, and one per document.

A *page* entry is the Whoosh page (`whoosh_schema`): its words folded (positions, they decide a
match), exact (they rank), the raw OCR words repair changed, the record's words on page 1, and
the filter fields. A *record* entry holds all of a document's words (each page a separate value,
so that a phrase never runs from one page onto the next) and its record's filter and facet
fields: which documents match, how many of each kind, in what date order, is then one query
over these entries, counted in Tantivy itself.

The words are cut and folded by Tantivy (`\\w+`, lowercase, ASCII folding, which takes
Vietnamese diacritics and `đ` off as `search.analysis` does); the text is first put in NFC
with one tone placement in Python, which Tantivy cannot do. `tests/test_tantivy.py` checks that
both give the same words.
"""

from __future__ import annotations

import json
import re

import tantivy

from sohoa.archive import records
from sohoa.archive import text as vietnamese
from sohoa.search.analysis import folded_form
from sohoa.search.engine import HIT_METADATA, IndexedPage
from sohoa.search.record import SEARCHED_METADATA, number_key, year

FORMAT = 1  # bump when the schema changes: an index of another format is rebuilt at start-up
PAGE, RECORD = "page", "record"
UNDATED_LAST = 99_999_999  # the oldest-first key of an undated document
WORD = re.compile(r"\w+")


def analyzers() -> dict[str, tantivy.TextAnalyzer]:
    """The tokenizers the schema names, registered on every `tantivy.Index` opened."""

    def words():
        return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(WORD.pattern))

    return {
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
    builder.add_text_field("meta_folded", tokenizer_name="folded", index_option="position")
    builder.add_text_field("meta_exact", tokenizer_name="exact", index_option="freq")
    # record entries: the document's words, every page a value of its own
    builder.add_text_field("all_folded", tokenizer_name="folded", index_option="position")
    builder.add_text_field("all_raw", tokenizer_name="folded", index_option="basic")
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
    builder.add_text_field("procedure", tokenizer_name="raw", index_option="basic", fast=True)
    return builder.build()


def entries(pages: list[IndexedPage]) -> list[tantivy.Document]:
    """One document's entries: each of its pages, then its record (`pages`: all of them, which
    share the document's record)."""
    pages = sorted(pages, key=lambda page: page.page)
    record = Record(pages[0])
    texts = [vietnamese.normalize(page.text) for page in pages]
    changed = [changed_words(page.raw_text, text) for page, text in zip(pages, texts, strict=True)]
    made = [record.page_entry(*each) for each in zip(pages, texts, changed, strict=True)]
    return made + [record.record_entry(texts, changed)]


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

    def page_entry(self, page: IndexedPage, text: str, changed: str) -> tantivy.Document:
        entry = self._entry(PAGE)
        entry.add_unsigned("page", page.page)
        # the record's words belong to its first page, where they are printed
        searched = self.searched if page.page == 1 else []
        for field in ("folded", "exact"):
            entry.add_text(field, text)
            for words in searched:
                entry.add_text(field, words)
        for words in searched:
            entry.add_text("meta_folded", words)
            entry.add_text("meta_exact", words)
        if changed:
            entry.add_text("raw", changed)
        stored = {"name": page.name, "text": text, "meta": self.shown}
        stored["procedures"] = self.procedures
        entry.add_bytes("stored", json.dumps(stored, ensure_ascii=False).encode())
        return entry

    def record_entry(self, texts: list[str], changed: list[str]) -> tantivy.Document:
        entry = self._entry(RECORD)
        for text in texts + self.searched:
            entry.add_text("all_folded", text)
        for words in changed:
            if words:
                entry.add_text("all_raw", words)
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
        return entry


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


def changed_words(raw_text: str, text: str) -> str:
    """The words of the raw OCR text that are not in the repaired text (folded), as
    `whoosh_schema` finds them; only the words that differ are folded."""
    if not raw_text or raw_text == text:
        return ""
    kept = set(WORD.findall(text.lower()))
    others = set(WORD.findall(raw_text.lower())) - kept
    if not others:
        return ""
    kept_folded = {folded_form(word) for word in kept}
    return " ".join(sorted({folded_form(w) for w in others} - kept_folded))
