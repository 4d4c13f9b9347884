"""Vietnamese diacritic repair of OCR text: `repair(text)` → the repaired text and its edits.

Scanned Vietnamese comes out of OCR with damaged diacritics (`t6 chirc` for `tổ chức`). Repair
treats that as a noisy channel: each token's candidates are valid Vietnamese syllables scored by
a channel model learned from rendered-and-OCR'd corpus text, and a syllable n-gram language model
picks the sequence. Numbers, dates, document codes, URLs, e-mails and foreign words are kept.
The model (`model.bin`) is built by `scripts/train_repair.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REVIEW_BELOW = 0.8  # edits less sure than this are flagged for a person to check


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

    @property
    def review(self) -> bool:
        return self.confidence < REVIEW_BELOW

    def as_dict(self) -> dict:
        """The edit as stored on its page and printed by `sohoa repair --json`; `review` is
        fixed when the edit is stored, so a later change of the threshold cannot silently
        re-flag what a person already checked."""
        return {
            "line": self.line,
            "start": self.start,
            "end": self.end,
            "before": self.before,
            "after": self.after,
            "confidence": round(self.confidence, 3),
            "review": self.review,
        }


@dataclass(frozen=True)
class Repaired:
    """The repaired text (NFC, one tone placement, lines kept), its edits, and the legacy 8-bit
    encoding it was converted from, if any (`tcvn3` or `vni`)."""

    text: str
    edits: list[Edit] = field(default_factory=list)
    encoding: str | None = None


def repair(text: str) -> Repaired:
    """Repair one text (a page): legacy encodings converted, damaged syllables restored."""
    from sohoa.ingest.repair.repairer import repair_text

    return repair_text(text)
