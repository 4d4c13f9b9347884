"""Cut a line into the words repair may change and everything it must keep.

A line is split on whitespace into chunks; each chunk's leading and trailing punctuation is kept
aside, and what is left (the core) is a candidate for repair unless it is a number, a date, a
document code (`45/KH-LHH`), a URL or an e-mail. OCR damage can put digits and symbols inside a
Vietnamese word (`t6` for `tổ`, `K&` for `Kế`), so a core is not required to be all letters:
the channel model decides later whether such a core is damage or a genuine token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Punctuation trimmed from both ends of a chunk (kept as it is in the output).
EDGE_PUNCTUATION = "\"'“”‘’`´«»‹›()[]{}<>.,;:!?…–—-_/\\*•·°%#="
# Inside a core, any of these marks a code, date, URL or e-mail (which always has a dot after
# its @), which repair never touches. `@` and `#` alone are not among them: the English model
# reads `ơ` and `ư` as `@` or `#` (`nu@c` for `nước`).
_PROTECTED_INSIDE = re.compile(r"[/\\.:_=+%,;()\[\]–—-]")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_CHUNK = re.compile(r"\S+")


@dataclass(frozen=True)
class Token:
    """One chunk of a line: `core` spans [start, end) of the line; `kind` is `word` (may be
    repaired), `keep` (a number, code, URL, foreign symbol run) or `punct` (no core at all)."""

    start: int
    end: int
    core: str
    kind: str
    ends_clause: bool  # punctuation after the core ends a clause for the language model


def tokenize(line: str) -> list[Token]:
    """The tokens of one line, left to right."""
    return [_token(match.start(), match.group()) for match in _CHUNK.finditer(line)]


def _token(offset: int, chunk: str) -> Token:
    core = chunk.strip(EDGE_PUNCTUATION)
    if not core:
        return Token(offset, offset, "", "punct", _ends_clause(chunk))
    start = offset + chunk.index(core)
    trailing = chunk[chunk.index(core) + len(core) :]
    return Token(start, start + len(core), core, _kind(core), _ends_clause(trailing))


def _kind(core: str) -> str:
    if not _HAS_LETTER.search(core) or _PROTECTED_INSIDE.search(core) or len(core) > 12:
        return "keep"
    return "word"


def _ends_clause(punctuation: str) -> bool:
    return any(c in '.,;:!?…()[]"“”' for c in punctuation)
