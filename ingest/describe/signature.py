"""The last page's fields: the signing authority and the signer.

At the foot of a record, right of the recipients, Decree 30 prints the authority in uppercase
(`TM. BAN THƯỜNG VỤ`, `KT. CHỦ TỊCH` / `PHÓ CHỦ TỊCH`, `TL. GIÁM ĐỐC`, `TUQ.`, `Q.`, or just
`CHỦ TỊCH`), leaves room for the signature and the red seal, and prints the signer's name. The
seal and the signature leave specks and broken words behind; authority lines are matched to
the listed offices (`names.authority_line`), lines that are neither listed nor words are
dropped, and the name's surname is checked against the listed surnames.
"""

from __future__ import annotations

import re

from sohoa.ingest.describe import names
from sohoa.ingest.describe.header import lines_confidence, mostly_upper
from sohoa.ingest.layout import Layout, Line
from sohoa.ingest.repair.syllable import is_syllable

PREFIX = re.compile(r"^(TM|KT|TL|TUQ|Q|T/M)\s*[.,:;]?\s+", re.IGNORECASE)
WORDLIKE = 0.8  # an unlisted authority line is kept when this share of its words are words


def find_signature(layout: Layout) -> tuple[tuple[str, float] | None, tuple[str, float] | None]:
    """(authority, signer) from a last page, each with a confidence, or None where absent."""
    lines = layout.zone("signature") or _right_foot(layout)
    authority: list[tuple[str, Line]] = []
    damaged: list[Line] = []  # lines under the authority that the seal left unreadable
    signer = None
    for line in lines:
        text = " ".join(line.text.split())
        name = _name(text)
        if name is not None and (authority or line is lines[-1]):
            signer = (name, lines_confidence([line]))
            break
        read = _authority_line(text) if mostly_upper(text, share=0.6) else None
        if read:
            authority.append((read, line))
        elif authority and any(c.isalpha() for c in text):
            damaged.append(line)
    deputy = _deputy(authority, damaged)
    if deputy is not None:
        authority.append(deputy)
    authority = _signed_for(authority)
    found = None
    if authority:
        lines_read = [line for _, line in authority]
        found = ("\n".join(text for text, _ in authority), lines_confidence(lines_read))
    return found, signer


def _deputy(authority: list[tuple[str, Line]], damaged: list[Line]) -> tuple[str, Line] | None:
    """`KT. GIÁM ĐỐC` is signed by a deputy, whose office is printed under it: `PHÓ GIÁM ĐỐC`.
    When the authority ends at a `KT.` line and the line under it was left unreadable by the
    seal, that office is the deputy's, read at half confidence."""
    if not authority or not damaged or not authority[-1][0].startswith("KT. "):
        return None
    line = damaged[0]
    half = Line(line.text, line.box, line.zone, tuple((w, c / 2) for w, c in line.words))
    return "PHÓ " + authority[-1][0].removeprefix("KT. "), half


def _signed_for(authority: list[tuple[str, Line]]) -> list[tuple[str, Line]]:
    """`X` over `PHÓ X` is `KT. X`: a deputy signs for the head (Decree 30), so a `KT.` the
    seal hid is given back."""
    lines = [text for text, _ in authority]
    for index in range(len(lines) - 1):
        if lines[index + 1] == "PHÓ " + lines[index] or lines[index + 1].startswith(
            "PHÓ " + lines[index] + " "
        ):
            authority[index] = ("KT. " + lines[index], authority[index][1])
    return authority


def _right_foot(layout: Layout) -> list[Line]:
    """Without a foot found by the layout, the body's last lines that stand right of the page's
    middle (a signature block, not a centred title)."""
    width = layout.width
    return [
        line
        for line in layout.zone("body")[-10:]
        if line.box[0] >= width * 0.45 and (line.box[0] + line.box[2]) / 2 > width * 0.55
    ]


def _authority_line(text: str) -> str | None:
    """One authority line as listed, or as printed when it is made of words; None for what
    the seal and the signature left."""
    listed = names.authority_line(text)
    if listed is not None:
        return listed
    words = [w for w in re.sub(r"[^\w\s/.]", " ", text).split() if any(c.isalpha() for c in w)]
    known = [w for w in words if is_syllable(w.strip(".").lower()) or names.is_listed_word(w)]
    if len(words) < 3 or len(known) < WORDLIKE * len(words):
        return None
    if not all(w.isupper() for w in words):  # authority lines are printed in capitals
        return None
    match = PREFIX.match(text)
    prefix = match.group(1).upper() + ("" if match.group(1) == "T/M" else ".") if match else ""
    rest = text[match.end() :] if match else text
    return " ".join([prefix, names.issuer_line(rest.strip(" .,;:"))]).strip()


def _name(text: str) -> str | None:
    """A person's name (2-5 capitalised words of letters) at the end of the line, its surname
    as listed; None if the line ends in no name. Specks the signature left before the name
    (`X2; Nguyễn Mạnh Đạt`) are passed over when what follows starts with a listed surname."""
    words = re.sub(r"[^\w\s]|_", " ", text).split()
    first = True  # the first word that can start a name may be a damaged surname
    for start in range(len(words)):
        name = words[start:]
        if not 2 <= len(name) <= 5 or not all(w.isalpha() and len(w) > 1 for w in name):
            continue
        if not all(w[0].isupper() and (len(w) == 1 or not w[1:].isupper()) for w in name[1:]):
            continue
        if first:
            surname, first = names.surname(name[0]), False
        else:  # later, only a listed surname heading three words or more
            surname = names.listed_surname(name[0]) if len(name) >= 3 else None
        if surname is not None:
            return " ".join([surname, *name[1:]])
    return None
