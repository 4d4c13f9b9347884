"""Legacy Vietnamese 8-bit encodings, TCVN3 and VNI, turned into Unicode.

Before Unicode, Vietnamese agencies typed in 8-bit font encodings: TCVN3 (the "ABC" fonts,
`.VnTime`, mostly in the north) and VNI-Windows (`VNI-Times`, mostly in the south). Archives hand
us that text in two forms: as the raw bytes of an old file, or as mojibake, those bytes already
read as Latin-1 or as cp1252 ("Céng hoµ x· héi" for TCVN3, "Coäng hoøa xaõ hoäi" for VNI). Both
are turned back into bytes and read with the right table; what the bytes spell is returned, in
NFC, with no tone moved (TCVN3 `hoµ` is `hoà`; `sohoa.archive.text.normalize` places tones later).

TCVN3 (TCVN 5712:1993 VN3) puts one byte on each of the 67 lowercase letters and only on the
seven uppercase letters without a tone: Ă Â Ê Ô Ơ Ư Đ. A capital with a tone has no code: text
that shows one was typed with the lowercase code in an all-capitals font (`.VnTimeH`), so it
decodes lowercase (`CéNG` → `CộNG`). Only bytes that exist are mapped; the font, and so the case,
is not in the text and is not guessed.

VNI writes a base letter followed by a mark byte (`a` + `ù` = á, `a` + `á` = ấ, `a` + `é` = ắ);
ơ ư đ ỉ ĩ ị ỵ and the other tones of i are single bytes (`ô` ơ, `ö` ư, `ñ` đ, `ó` ĩ, `î` ỵ). Its
capitals are its small letters with every byte capitalised as Latin-1 (`AÙ` Á, `Ñ` Đ).

Bytes 0x80-0x9F hold no letters in either encoding; both are Windows fonts that keep cp1252's
punctuation there (“ ” – …), so those bytes come back as cp1252 (or as themselves where cp1252
leaves a byte undefined), whichever of the two readings the mojibake came through.

Sources, cross-checked byte by byte: GNU libiconv `lib/tcvn.h` (TCVN 5712 VN1, whose lowercase
block 0xA1-0xFE VN3 shares; glibc's TCVN5712-1 iconv agrees) and Unikey's charset tables
(`ukengine` `tcvn3.cpp`, `vni_win.cpp`, as kept in hoangduytran/ibus-unikey) for TCVN3; Unikey's
`vni_win.cpp`, xvnkb's `vni.h` (Dao Hai Lam) and duydev/vietnamese-conversion `src/charsets.ts`
for VNI. Wikipedia "VSCII" gives the VN3 repertoire (67 lowercase, 7 capitals, no-break space).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sohoa.archive.text import TONE_MARKS, VOWELS, nfc
from sohoa.ingest.repair.syllable import is_syllable

ENCODINGS = ("tcvn3", "vni")

# The tables list each vowel with no tone, then sắc, huyền, hỏi, ngã, nặng (Unikey's order).
_TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")

_TCVN3_VOWELS = {
    "a": "61 b8 b5 b6 b7 b9",
    "ă": "a8 be bb bc bd c6",
    "â": "a9 ca c7 c8 c9 cb",
    "e": "65 d0 cc ce cf d1",
    "ê": "aa d5 d2 d3 d4 d6",
    "i": "69 dd d7 d8 dc de",
    "o": "6f e3 df e1 e2 e4",
    "ô": "ab e8 e5 e6 e7 e9",
    "ơ": "ac ed ea eb ec ee",
    "u": "75 f3 ef f1 f2 f4",
    "ư": "ad f8 f5 f6 f7 f9",
    "y": "79 fd fa fb fc fe",
}
_TCVN3_OTHERS = dict(zip("đĂÂÊÔƠƯĐ", "ae a1 a2 a3 a4 a5 a6 a7".split(), strict=True))

# Lowercase only: the capitals are derived (see `_with_vni_capitals`).
_VNI_VOWELS = {
    "a": "61 61f9 61f8 61fb 61f5 61ef",
    "ă": "61ea 61e9 61e8 61fa 61fc 61eb",
    "â": "61e2 61e1 61e0 61e5 61e3 61e4",
    "e": "65 65f9 65f8 65fb 65f5 65ef",
    "ê": "65e2 65e1 65e0 65e5 65e3 65e4",
    "i": "69 ed ec e6 f3 f2",
    "o": "6f 6ff9 6ff8 6ffb 6ff5 6fef",
    "ô": "6fe2 6fe1 6fe0 6fe5 6fe3 6fe4",
    "ơ": "f4 f4f9 f4f8 f4fb f4f5 f4ef",
    "u": "75 75f9 75f8 75fb 75f5 75ef",
    "ư": "f6 f6f9 f6f8 f6fb f6f5 f6ef",
    "y": "79 79f9 79f8 79fb 79f5 ee",
}
_VNI_OTHERS = {"đ": "f1"}


def _letters(vowels: dict[str, str], others: dict[str, str]) -> dict[str, bytes]:
    """Unicode letter → its legacy bytes, from the rows above (a vowel and its six codes)."""
    table = {}
    for vowel, codes in vowels.items():
        for tone, code in zip(_TONES, codes.split(), strict=True):
            table[nfc(vowel + tone)] = bytes.fromhex(code)
    for letter, code in others.items():
        table[letter] = bytes.fromhex(code)
    return table


def _with_vni_capitals(table: dict[str, bytes]) -> dict[str, bytes]:
    """VNI's capitals are its small letters with every byte capitalised as Latin-1: aù → AÙ."""
    capitals = {
        letter.upper(): code.decode("latin-1").upper().encode("latin-1")
        for letter, code in table.items()
    }
    return table | capitals


_ENCODE = {
    "tcvn3": _letters(_TCVN3_VOWELS, _TCVN3_OTHERS),
    "vni": _with_vni_capitals(_letters(_VNI_VOWELS, _VNI_OTHERS)),
}


def _decoder(table: dict[str, bytes]) -> tuple[dict[str, str], re.Pattern[str]]:
    """The inverse table, keyed by the Latin-1 reading of the bytes, and a pattern that finds
    its keys, longest first (VNI `ôù` is ớ before `ô` alone is ơ)."""
    inverse = {
        code.decode("latin-1"): letter for letter, code in table.items() if not code.isascii()
    }
    keys = sorted(inverse, key=len, reverse=True)
    return inverse, re.compile("|".join(map(re.escape, keys)))


_DECODE = {encoding: _decoder(table) for encoding, table in _ENCODE.items()}


def _cp1252_pairs() -> dict[str, str]:
    """cp1252's character for each byte 0x80-0x9F → that byte's Latin-1 reading (a C1 control).
    cp1252 leaves 0x81 0x8D 0x8F 0x90 0x9D undefined; those bytes only have the Latin-1 reading."""
    pairs = {}
    for byte in range(0x80, 0xA0):
        try:
            pairs[bytes([byte]).decode("cp1252")] = chr(byte)
        except UnicodeDecodeError:
            continue
    return pairs


_CP1252 = _cp1252_pairs()
_CP1252_TO_LATIN1 = str.maketrans(_CP1252)
_LATIN1_TO_CP1252 = str.maketrans({byte: char for char, byte in _CP1252.items()})


def encode(text: str, encoding: str) -> bytes:
    """Unicode → legacy bytes, the inverse of `convert` (for tests and fixtures). A TCVN3 capital
    with a tone takes its lowercase byte, as `.VnTimeH` users typed it; other characters are
    written as cp1252, and anything cp1252 lacks raises `UnicodeEncodeError`."""
    table = _ENCODE[_checked(encoding)]
    return b"".join(_encode_char(char, table) for char in nfc(text))


def _encode_char(char: str, table: dict[str, bytes]) -> bytes:
    if char in table:
        return table[char]
    lowercase = table.get(char.lower())
    if lowercase is not None and not lowercase.isascii():
        return lowercase  # a TCVN3 capital with a tone: it has no code of its own
    return char.encode("cp1252")


def convert(text: str, encoding: str) -> str:
    """Mojibake str (Latin-1 or cp1252 reading of TCVN3/VNI bytes) → Unicode NFC."""
    inverse, pattern = _DECODE[_checked(encoding)]
    as_bytes = text.translate(_CP1252_TO_LATIN1)  # one character per byte, the Latin-1 reading
    letters = pattern.sub(lambda match: inverse[match.group()], as_bytes)
    return nfc(letters.translate(_LATIN1_TO_CP1252))


def _checked(encoding: str) -> str:
    if encoding not in _ENCODE:
        raise ValueError(f"unknown legacy encoding {encoding!r}; expected one of {ENCODINGS}")
    return encoding


# Detection. A legacy text read as Latin-1 is words that are not Vietnamese ("hoµ", "Coäng");
# the right table turns them into Vietnamese syllables. Counting the words that only become
# syllables under a table (and the words it spoils) decides, and only with enough evidence:
# French "café" → TCVN3 "cafộ" is not a syllable, and Unicode Vietnamese words that already
# hold a letter beyond Latin-1 ("Việt") are counted against, since mojibake never holds one.

MIN_EVIDENCE = 3  # words that become Vietnamese only after conversion
MAJORITY = 2  # ... and at least this many times the words that speak against it
_SAMPLE_WORDS = 5000  # a page is decided by its first words; enough, and keeps detection cheap

_VIETNAMESE_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz").union(
    letter for table in _ENCODE.values() for letter in table
)
_BEYOND_LATIN1 = frozenset(letter for letter in _VIETNAMESE_LETTERS if ord(letter) > 0xFF)

_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class _Score:
    good: int  # words that are Vietnamese after conversion and were not before
    bad: int  # words conversion spoils, and words already Unicode Vietnamese

    @property
    def convincing(self) -> bool:
        return self.good >= MIN_EVIDENCE and self.good >= MAJORITY * self.bad


def detect(text: str) -> str | None:
    """'tcvn3' or 'vni' when `text` is legacy-encoded Vietnamese read as Latin-1/cp1252; else
    None."""
    tokens = text.split()[:_SAMPLE_WORDS]
    scores = {encoding: _score(tokens, encoding) for encoding in ENCODINGS}
    tcvn3, vni = scores["tcvn3"], scores["vni"]
    if tcvn3.good == vni.good:
        return None  # nothing to go on, or no way to choose
    best = "tcvn3" if tcvn3.good > vni.good else "vni"
    return best if scores[best].convincing else None


def _score(tokens: list[str], encoding: str) -> _Score:
    good = bad = 0
    for token in tokens:
        if _BEYOND_LATIN1.intersection(token):
            bad += 1  # Unicode Vietnamese already: no Latin-1 reading of bytes holds these
            continue
        converted = convert(token, encoding)
        if converted == nfc(token):
            continue
        after = _is_vietnamese(converted)
        if after is False:
            bad += 1
        elif after and not _is_vietnamese(token):
            good += 1
    return _Score(good, bad)


def _is_vietnamese(token: str) -> bool | None:
    """Whether the token's non-ASCII words are all Vietnamese syllables; None when it has none
    with a vowel (numbers, ASCII words and codes like `QĐ` say nothing either way)."""
    words = [w for w in _WORD.findall(token.lower()) if not w.isascii() and _has_vowel(w)]
    if not words:
        return None
    return all(_is_syllable(word) for word in words)


def _has_vowel(word: str) -> bool:
    return any(_bare(char) in VOWELS for char in word)


def _is_syllable(word: str) -> bool:
    """A lowercase word of Vietnamese letters shaped like one Vietnamese syllable."""
    return _VIETNAMESE_LETTERS.issuperset(word) and is_syllable(word)


def _bare(text: str) -> str:
    """The text without tone marks; the vowel-quality marks (ă â ê ô ơ ư) stay."""
    decomposed = unicodedata.normalize("NFD", text)
    return nfc("".join(char for char in decomposed if char not in TONE_MARKS))


def fix(text: str) -> tuple[str, str | None]:
    """detect + convert; returns (text, encoding or None). Text that is already proper Unicode
    Vietnamese, plain ASCII, or anything not confidently legacy comes back unchanged (NFC) with
    None."""
    encoding = None if text.isascii() else detect(text)  # legacy text is never plain ASCII
    if encoding is None:
        return nfc(text), None
    return convert(text, encoding), encoding


def decode_bytes(data: bytes) -> tuple[str, str | None]:
    """Bytes from a file: UTF-8 (with or without BOM) when valid; otherwise TCVN3 or VNI when
    detected (return the encoding name); otherwise cp1252 with None.

    Valid UTF-8 still goes through `fix`: legacy text pasted through a cp1252 program and saved
    as UTF-8 is mojibake inside a UTF-8 file, and `fix` leaves real Unicode alone."""
    try:
        return fix(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        pass
    as_latin1 = data.decode("latin-1")  # every byte one character; `convert` reads it back
    encoding = detect(as_latin1)
    if encoding is None:
        return nfc(as_latin1.translate(_LATIN1_TO_CP1252)), None
    return convert(as_latin1, encoding), encoding
