"""Vietnamese diacritic repair of OCR text: `repair(text)` → the repaired text and its edits.

Scanned Vietnamese comes out of OCR with damaged diacritics (`t6 chirc` for `tổ chức`). Repair
treats that as a noisy channel: each token's candidates are valid Vietnamese syllables scored by
a channel model learned from rendered-and-OCR'd corpus text, and a syllable n-gram language model
picks the sequence. Numbers, dates, document codes, URLs, e-mails and foreign words are kept.
The model (`model.bin`) is built by `scripts/train_repair.py`.

People teach it too: each word an archivist corrects goes into the archive's user dictionary
(`archive.corrections`), a map from the folded form OCR read to the word the paper says. Given
that map, repair writes the taught word wherever a token folds to a taught form, whatever the
model would have chosen, and says so in the edit (`source`: `dictionary`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

REVIEW_BELOW = 0.8  # edits less sure than this are flagged for a person to check
MODEL = "model"
DICTIONARY = "dictionary"


@dataclass(frozen=True)
class Edit:
    """One changed word. `line` counts from 1; `start`/`end` are character offsets in that line
    of the input (after legacy-encoding conversion and NFC), `before` is the text found there."""

    line: int
    start: int
    end: int
    before: str
    after: str
    confidence: float
    source: str = MODEL  # MODEL, or DICTIONARY: a word a person taught (see `repair`)

    @property
    def review(self) -> bool:
        return self.confidence < REVIEW_BELOW

    def as_dict(self) -> dict:
        """The edit as stored on its page and printed by `sohoa repair --json`; `review` is
        fixed when the edit is stored, so a later change of the threshold cannot silently
        re-flag what a person already checked. `source` is there only when the edit is not the
        model's (pages stored before the user dictionary have none)."""
        shown = {
            "line": self.line,
            "start": self.start,
            "end": self.end,
            "before": self.before,
            "after": self.after,
            "confidence": round(self.confidence, 3),
            "review": self.review,
        }
        if self.source != MODEL:
            shown["source"] = self.source
        return shown


@dataclass(frozen=True)
class Repaired:
    """The repaired text (NFC, one tone placement, lines kept), its edits, and the legacy 8-bit
    encoding it was converted from, if any (`tcvn3` or `vni`)."""

    text: str
    edits: list[Edit] = field(default_factory=list)
    encoding: str | None = None


def repair(text: str, dictionary: Mapping[str, str] | None = None) -> Repaired:
    """Repair one text (a page): legacy encodings converted, damaged syllables restored.
    `dictionary` is the archive's user dictionary (`archive.corrections.learnt`): folded
    lowercase form → the word people taught for it; a token that folds to one of its forms
    becomes that word (with the token's capitals)."""
    from sohoa.ingest.repair.repairer import repair_text

    return repair_text(text, dictionary or {})
