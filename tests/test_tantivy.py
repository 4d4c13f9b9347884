"""The Tantivy engine's own parts: its analysis gives the words Python's does."""

from __future__ import annotations

import sys

from conftest import REPO
from sohoa.archive import records
from sohoa.archive.text import normalize
from sohoa.search.analysis import exact_analyzer, folded_analyzer
from sohoa.search.record import SEARCHED_METADATA
from sohoa.search.tantivy_engine import TantivyIndex

sys.path.insert(0, str(REPO / "bench"))
import search_relevance as relevance  # noqa: E402

TRICKY = "Hoà HÒA hòa Thuỷ ĐĂNG ký Quyết định 45/QĐ-UBND ở_ý a1b2 Nghị định, ngày 1/2/2024"


def test_tantivy_cuts_and_folds_the_words_as_python_does(tmp_path):
    """Every word of the relevance set's pages (and the record words, and a line of tricky
    spellings) is the same term in Tantivy's index as `search.analysis` makes of it: queries
    are analysed in Python, so a word Tantivy indexed otherwise could never be found."""
    pages = relevance.load_pages()
    pages[0] = {**pages[0], "text": pages[0]["text"] + "\n" + TRICKY}
    index = relevance.build_index(pages, tmp_path / "index", "tantivy")
    assert isinstance(index, TantivyIndex)
    texts = [normalize(page["text"]) for page in pages]
    for page in pages:
        metadata = records.metadata_of(page["metadata"])
        texts += [metadata[name] for name in SEARCHED_METADATA if metadata[name]]
    searcher = index._searcher()
    indexed = {}
    for field, analyzer in (("folded", folded_analyzer()), ("exact", exact_analyzer())):
        expected = {token.text for text in texts for token in analyzer(text)}
        indexed[field] = {term for term, _ in searcher.terms_with_prefix(field, "")}
        assert indexed[field] == expected, field
    assert {"hoa", "thuy", "dang", "qd", "o_y", "a1b2"} <= indexed["folded"]
    assert {"hòa", "thủy", "đăng", "qđ"} <= indexed["exact"]
    assert "hoà" not in indexed["exact"]  # one tone placement
