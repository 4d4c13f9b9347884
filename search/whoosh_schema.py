"""What a page is in the Whoosh index: its fields, and how an `IndexedPage` fills them.

Each page holds its words three ways (`folded`, which decides a match and holds positions for
phrases; `exact`, with diacritics, which only ranks; `pairs`, neighbouring syllables, for
proximity), the words of its raw OCR text that repair changed (`raw`), and its document's
metadata: on the first page as searchable words (type, issuer, subject, signer, number), on
every page as filter and facet fields kept in columns (`doc_type`, `year`, `date`, the issuing
body's line, the number, the procedures), so that grouping, sorting and counting read arrays
instead of each page's stored text; and whether its document is restricted (`access`), so
that a search for someone who may not read it leaves it out.
"""

from __future__ import annotations

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from sohoa.archive import records
from sohoa.archive import text as vietnamese
from sohoa.search.analysis import exact_analyzer, folded_analyzer, pairs_analyzer
from sohoa.search.engine import HIT_METADATA, IndexedPage
from sohoa.search.record import SEARCHED_METADATA, number_key, year

RESTRICTED = "restricted"
FORMAT = 5  # bump when the schema changes: an index of another format is rebuilt at start-up


def schema() -> Schema:
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
        access=ID,  # RESTRICTED on every page of a restricted document, else nothing
    )


def fields(page: IndexedPage) -> dict:
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
        "year": year(metadata["date"]),
        "date": metadata["date"] if year(metadata["date"]) else "",
        "issuer_name": records.issuing_body(metadata["issuer"]),
        "number": number_key(metadata["number"]),
        "procedure": ",".join(procedures),
        "procedures": ",".join(procedures),
        "access": RESTRICTED if page.restricted else "",
    }
    fields.update((name, value) for name, value in keys.items() if value)  # no empty terms
    return fields


def _changed_words(raw_text: str, text: str) -> str:
    """The words of the raw OCR text that are not in the repaired text (folded): all the raw
    text adds to the index, since the rest is found in the repaired text already."""
    kept = {token.text for token in folded_analyzer()(text)}
    raw = (token.text for token in folded_analyzer()(raw_text))
    return " ".join(word for word in dict.fromkeys(raw) if word not in kept)
