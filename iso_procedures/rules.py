"""Rule-based linking: which procedures a newly read document is evidence for.

A document links to a procedure when its type is one of the record types the procedure requires
and its subject or its first page's opening names one of the procedure's keywords, e.g. a
`Báo cáo` about `đánh giá nội bộ` → QT-HT-02. Matching ignores diacritics and case, whole words
only, because OCR damages marks and the subject line is often in capitals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sohoa.archive.models import Procedure
from sohoa.archive.text import fold

OPENING = 1500  # characters of page 1 read besides the subject: the header and the title block


def rule_links(
    procedures: Iterable[Procedure], metadata: Mapping[str, Any], first_page: str
) -> list[tuple[str, str]]:
    """(code, reason) for every procedure the document matches, by code."""
    doc_type = metadata.get("doc_type") or ""
    if not doc_type:
        return []
    haystack = _folded(f"{metadata.get('subject') or ''}\n{first_page[:OPENING]}")
    links = []
    for procedure in procedures:
        if doc_type not in procedure.record_types:
            continue
        for keyword in procedure.keywords:
            if re.search(rf"(?<!\w){re.escape(_folded(keyword))}(?!\w)", haystack):
                links.append((procedure.code, f"{doc_type} về “{keyword}”"))
                break
    return sorted(links)


def _folded(text: str) -> str:
    return " ".join(fold(text).lower().split())
