"""The query language staff type, parsed once into plain data that every engine translates.

    ke hoach "số hóa" -"dự thảo" bao cao OR to trinh type:"ke hoach" year:2019..2024

- words: every word must be found (on one page, or in the document's metadata);
- `"a phrase"`: those words in that order, with or without diacritics;
- `-word`, `-"a phrase"`: leave out the documents that contain it anywhere;
- `a OR b`: either (`OR` in capitals, between two words or phrases; it chains: `a OR b OR c`);
- field filters (`type:`, `year:`, `date:`, `issuer:`, `number:`, `procedure:`; see
  `search.filters`).

A document number typed as a word (`45/KH-LHH`, `1208/qd-ubnd`, `KH-LHH`) is found whole, in
the text and in the record's number. Whatever cannot be understood is a `QueryError` whose message
tells the person what to type instead; nothing here raises anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sohoa.archive import text as vietnamese
from sohoa.search.engine import QueryError
from sohoa.search.filters import Filters, split_filters

MAX_QUERY_CHARS = 1000
MAX_CLAUSES = 32

_TOKEN = re.compile(r'(-?)("[^"]*("|$)|[^\s"]+)')
_NUMBER = re.compile(r"\w+(?:[/-]\w+)+")  # 45/KH-LHH, KH-LHH, 45-NQ/TU


@dataclass(frozen=True)
class Words:
    """A word or a quoted phrase as typed (normalized): `syllables` are its word tokens,
    `is_number` when it is written like a document number."""

    text: str
    phrase: bool = False

    @property
    def syllables(self) -> list[str]:
        return [s.lower() for s in vietnamese.syllables(self.text)]

    @property
    def is_number(self) -> bool:
        return not self.phrase and bool(_NUMBER.fullmatch(self.text))

    @property
    def accented(self) -> bool:
        """Typed with diacritics: then exact matches of it should rank first."""
        return vietnamese.fold(self.text) != self.text


@dataclass(frozen=True)
class Clause:
    """One or more alternatives joined by OR; a negated clause leaves documents out."""

    alternatives: tuple[Words, ...]
    negated: bool = False


@dataclass
class ParsedQuery:
    text: str  # the query as typed, NFC
    clauses: list[Clause] = field(default_factory=list)
    filters: Filters = field(default_factory=Filters)

    @property
    def required(self) -> list[Clause]:
        return [c for c in self.clauses if not c.negated]

    @property
    def excluded(self) -> list[Clause]:
        return [c for c in self.clauses if c.negated]

    def plain_words(self) -> list[Words]:
        """The required single words (not phrases, not alternatives), in order: the words a
        proximity boost and "did you mean" look at."""
        return [
            c.alternatives[0]
            for c in self.required
            if len(c.alternatives) == 1 and not c.alternatives[0].phrase
        ]


def parse(query: str) -> ParsedQuery:
    """The query's clauses and filters, or a QueryError that says what is wrong."""
    text = vietnamese.nfc(query or "").strip()
    if not text:
        raise QueryError("the query is empty: type a few words to search for")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is too long ({len(text)} characters; at most {MAX_QUERY_CHARS})"
        )
    rest, filters = split_filters(text)
    clauses = _clauses(rest)
    if len(clauses) > MAX_CLAUSES:
        raise QueryError(f"the query has too many words ({len(clauses)}; at most {MAX_CLAUSES})")
    parsed = ParsedQuery(text=text, clauses=clauses, filters=filters)
    if not parsed.required and not filters:
        if parsed.excluded:
            raise QueryError(
                "the query only says what to leave out: add a word or a filter to look for"
            )
        raise QueryError("the query has no words to search for: type letters or numbers")
    return parsed


def _clauses(text: str) -> list[Clause]:
    """Read the tokens left to right; `OR` joins the clause before it to the one after it."""
    clauses: list[Clause] = []
    join_next = False
    for match in _TOKEN.finditer(text):
        minus, body = match.group(1), match.group(2)
        if body == "OR" and not minus:
            if not clauses or clauses[-1].negated or join_next:
                raise QueryError("OR goes between two words or phrases: a OR b")
            join_next = True
            continue
        words = _words(body)
        if words is None:  # punctuation alone: nothing to look for
            continue
        if join_next:
            if minus:
                raise QueryError("a left-out word (-word) cannot be one side of OR")
            previous = clauses.pop()
            clauses.append(Clause(previous.alternatives + (words,)))
            join_next = False
        else:
            clauses.append(Clause((words,), negated=bool(minus)))
    if join_next:
        raise QueryError("OR needs a word or phrase after it: a OR b")
    return clauses


def _words(body: str) -> Words | None:
    """A token as Words; None when it has no letter or digit. An unclosed quote is an error."""
    phrase = body.startswith('"')
    if phrase:
        if len(body) < 2 or not body.endswith('"'):
            raise QueryError('a quote is not closed: write "a phrase" between two quotes')
        body = body[1:-1]
    body = vietnamese.normalize(" ".join(body.split()))
    if not vietnamese.syllables(body):
        return None
    return Words(body, phrase=phrase and len(vietnamese.syllables(body)) > 1)
