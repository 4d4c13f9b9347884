"""Field filters in a query: `type:`, `year:`, `date:`, `issuer:`, `number:`, `procedure:`,
taken out of the query text before the rest is parsed, so every engine filters the same way.

    ke hoach type:"ke hoach" year:2019..2024 issuer:"so khoa hoc" number:45/KH-LHH

A value with spaces is quoted (or written with `_` for the spaces: `type:kế_hoạch`). `type:`
(also `doc_type:`) is a document type of Decree 30, matched ignoring case and diacritics; `year:`
a year or an inclusive range `2019..2024`; `date:` a day, month or year (`2024-07-15`, `2024-07`,
`2024`) or an inclusive range of them (`2024-03..2024-07`), so `date:2024-07` keeps every record
of July 2024; `issuer:` words of the issuing body's own line (the last line of the issuer);
`number:` the whole number (`45/KH-LHH`) or some of its parts in order (`KH-LHH`, `45`);
`procedure:` the code of an ISO procedure the record proves (`QT-07`). Filters of one kind are
alternatives (either type), of different kinds all apply. A malformed filter is a `QueryError`
saying what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sohoa.archive import records
from sohoa.archive import text as vietnamese
from sohoa.search.engine import QueryError

_FILTER = re.compile(
    r'(?<!\S)(type|doc_type|year|date|issuer|number|procedure):("[^"]*"?|\S*)', re.IGNORECASE
)
_YEAR = re.compile(r"(\d{4})(?:\.\.(\d{4}))?")
_DAY = r"\d{4}(?:-\d{2}(?:-\d{2})?)?"
_DATES = re.compile(rf"({_DAY})(?:\.\.({_DAY}))?")


@dataclass
class Filters:
    """What the filters of one query ask for; empty lists ask for nothing."""

    doc_types: list[str] = field(default_factory=list)  # `records.DOC_TYPES` names
    years: list[tuple[str, str]] = field(default_factory=list)  # inclusive (first, last)
    dates: list[tuple[str, str]] = field(default_factory=list)  # inclusive, as typed
    issuers: list[str] = field(default_factory=list)  # normalized text, as typed
    numbers: list[str] = field(default_factory=list)  # normalized text, as typed
    procedures: list[str] = field(default_factory=list)  # procedure codes, upper case

    def __bool__(self) -> bool:
        return any(
            (self.doc_types, self.years, self.dates, self.issuers, self.numbers, self.procedures)
        )


def split_filters(query: str) -> tuple[str, Filters]:
    """The query's words without its filters, and the filters; QueryError for a bad filter."""
    filters = Filters()

    def take(match: re.Match) -> str:
        kind, value = match.group(1).lower(), match.group(2)
        _add(filters, kind, _unquote(kind, value))
        return " "

    words = _FILTER.sub(take, vietnamese.nfc(query))
    return " ".join(words.split()), filters


def _unquote(kind: str, value: str) -> str:
    if value.startswith('"'):
        if len(value) < 2 or not value.endswith('"'):
            raise QueryError(f'{kind}: the quote after "{kind}:" is not closed')
        value = value[1:-1]
    value = " ".join(vietnamese.normalize(value.replace("_", " ")).split())
    if not value:
        raise QueryError(f"{kind}: needs a value, e.g. {kind}:{_EXAMPLES[kind]}")
    return value


def _add(filters: Filters, kind: str, value: str) -> None:
    if kind in ("type", "doc_type"):
        try:
            filters.doc_types.append(records.doc_type_of(value))
        except ValueError as error:
            raise QueryError(f"{kind}: {error}") from None
    elif kind == "year":
        match = _YEAR.fullmatch(value)
        if not match:
            raise QueryError(
                f'year: expects a year (year:2024) or a range (year:2019..2024), not "{value}"'
            )
        first, last = match.group(1), match.group(2) or match.group(1)
        if first > last:
            raise QueryError(f"year: the range {value} ends before it starts")
        filters.years.append((first, last))
    elif kind == "date":
        match = _DATES.fullmatch(value)
        if not match:
            raise QueryError(
                "date: expects a day, month or year (date:2024-07-15, date:2024-07) or a range "
                f'(date:2024-03..2024-07), not "{value}"'
            )
        first, last = match.group(1), match.group(2) or match.group(1)
        if first > last[: len(first)]:
            raise QueryError(f"date: the range {value} ends before it starts")
        filters.dates.append((first, last))
    elif kind == "procedure":
        filters.procedures.append(value.upper())
    elif kind == "issuer":
        filters.issuers.append(value)
    else:
        filters.numbers.append(value)


_EXAMPLES = {
    "type": '"ke hoach"',
    "doc_type": '"ke hoach"',
    "year": "2024",
    "date": "2024-07",
    "procedure": "QT-07",
    "issuer": '"so khoa hoc"',
    "number": "45/KH-LHH",
}
