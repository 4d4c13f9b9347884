"""What the archivist should look at on a page: flags, never refusals.

- `low-dpi`: the scan is below 200 dpi, the minimum the Vietnamese rules for digitizing archive
  records ask of page images (Circular 02/2019/TT-BNV). The page is kept and read; the flag
  says it should be scanned again for the archive copy. The resolution is the scan's own (a PDF
  page's image, a TIFF's recorded value), or estimated from an A4 width when nothing recorded it.
- `low-confidence`: OCR trusted its own reading of the page little (mean word confidence below
  `LOW_CONFIDENCE`): its text, and the search that depends on it, need a person's eye.
- `blank`: the page has (almost) no ink; it is kept in the document and not indexed.
- `unread`: OCR gave up on the page (it timed out or crashed); see the page's error.
"""

from __future__ import annotations

MIN_DPI = 200
LOW_CONFIDENCE = 0.6  # mean word confidence; clean 300-dpi pages read above 0.85 here


def page_flags(
    scan_dpi: int | None, confidence: float | None, blank: bool, error: str | None
) -> list[str]:
    """The flags of one page, in a fixed order."""
    flags = []
    if scan_dpi is not None and scan_dpi < MIN_DPI:
        flags.append("low-dpi")
    if confidence is not None and confidence < LOW_CONFIDENCE and not blank:
        flags.append("low-confidence")
    if blank:
        flags.append("blank")
    if error is not None:
        flags.append("unread")
    return flags
