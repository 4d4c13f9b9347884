"""The query language: words, phrases, exclusions, OR and filters, parsed into plain data."""

import pytest

from sohoa.search import QueryError
from sohoa.search.query import Clause, Words, parse


def test_words_phrases_exclusions_and_or():
    parsed = parse('ke hoach "số hóa" -"dự thảo" -nháp bao cao OR to trinh')
    assert parsed.clauses == [
        Clause((Words("ke"),)),
        Clause((Words("hoach"),)),
        Clause((Words("số hóa", phrase=True),)),
        Clause((Words("dự thảo", phrase=True),), negated=True),
        Clause((Words("nháp"),), negated=True),
        Clause((Words("bao"),)),
        Clause((Words("cao"), Words("to"))),
        Clause((Words("trinh"),)),
    ]
    assert [w.text for w in parsed.plain_words()] == ["ke", "hoach", "bao", "trinh"]


def test_or_chains_and_a_one_word_phrase_is_a_word():
    assert parse('a OR b OR "c"').clauses == [Clause((Words("a"), Words("b"), Words("c")))]


def test_text_is_normalized_and_filters_are_taken_out():
    parsed = parse("Hoà  bình type:ke_hoach year:2024 procedure:qt-07")
    assert [c.alternatives[0].text for c in parsed.clauses] == ["Hòa", "bình"]
    assert parsed.filters.doc_types == ["Kế hoạch"]
    assert parsed.filters.years == [("2024", "2024")]
    assert parsed.filters.procedures == ["QT-07"]


def test_document_numbers_are_one_word():
    (clause,) = parse("45/KH-LHH").clauses
    (number,) = clause.alternatives
    assert number.is_number and number.syllables == ["45", "kh", "lhh"]
    assert not Words("kế hoạch").is_number and not Words("45").is_number
    assert parse("1208/qđ-ubnd").clauses[0].alternatives[0].is_number


def test_accented_is_what_was_typed():
    assert Words("số").accented and not Words("so").accented


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "the query is empty"),
        ('"so hoa', "a quote is not closed"),
        ("-ke -hoach", "the query only says what to leave out"),
        ("OR ke", "OR goes between two words"),
        ("ke OR", "OR needs a word or phrase after it"),
        ("ke OR OR hoach", "OR goes between two words"),
        ("ke OR -hoach", "a left-out word (-word) cannot be one side of OR"),
        ("... ; !", "the query has no words to search for"),
        ("x" * 1001, "the query is too long"),
        (" ".join(["a"] * 33), "the query has too many words"),
        ("date:2024-7", "date: expects a day, month or year"),
        ("date:2024-08..2024-03", "date: the range 2024-08..2024-03 ends before it starts"),
        ("procedure:", "procedure: needs a value, e.g. procedure:QT-07"),
    ],
)
def test_a_malformed_query_says_what_to_type(query, message):
    with pytest.raises(QueryError) as error:
        parse(query)
    assert str(error.value).startswith(message)


def test_dates_take_days_months_years_and_ranges():
    assert parse("date:2024-07").filters.dates == [("2024-07", "2024-07")]
    assert parse("date:2024-03..2024-07-15").filters.dates == [("2024-03", "2024-07-15")]
    assert parse("date:2023..2024").filters.dates == [("2023", "2024")]
