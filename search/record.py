"""What every engine indexes of a document's record besides its pages' words."""

from __future__ import annotations

from sohoa.archive import text as vietnamese

SEARCHED_METADATA = ("doc_type", "issuer", "subject", "signer", "number")  # searched as words


def year(date: str) -> str:
    return date[:4] if date[:4].isdigit() else ""


def number_key(number: str) -> str:
    """A document number as one term: folded, lowercase, without spaces (`45/kh-lhh`)."""
    return vietnamese.fold(vietnamese.normalize(number)).lower().replace(" ", "")
