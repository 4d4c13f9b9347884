"""The Vietnamese text rules every layer shares.

Everything that stores, indexes or compares Vietnamese text goes through these functions, so that
the same word is always the same string: Unicode NFC, one tone-placement form, and a folded form
(no diacritics, `đ` → `d`) for people who type without accents.

Tone placement: Vietnamese writes the same syllable two ways, `hoà`/`hòa`, `khoẻ`/`khỏe`,
`thuỷ`/`thủy`. sohoa keeps the traditional form (`hòa`, `khỏe`, `thủy`), the one printed in the
national motto (`CỘNG HÒA`) and in most administrative documents. Rule: a vowel with a quality
mark (ă â ê ô ơ ư) takes the tone; otherwise a single vowel takes it; otherwise, when a final
consonant follows, the last vowel of the nucleus; otherwise the second-to-last (`hòa`, `mùa`,
`ngoài`, `khuỷu`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Combining marks: the five tones, and the three vowel-quality marks (circumflex, breve, horn).
TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
QUALITY_MARKS = {"\u0302", "\u0306", "\u031b"}
VOWELS = set("aăâeêioôơuưy")
MARKED_VOWELS = set("ăâêôơư")

_WORD = re.compile(r"\w+")


def nfc(text: str) -> str:
    """Unicode NFC: OCR engines, Word and old web pages mix NFC and NFD."""
    return unicodedata.normalize("NFC", text)


def normalize(text: str) -> str:
    """NFC with one tone-placement form for every syllable; the form stored and indexed. (Each
    distinct word is looked at once, and the text rewritten only when one of them changes: most
    texts need no change, and a page is written many times over in a rebuild.)"""
    text = nfc(text)
    changed = {w: placed for w in set(_WORD.findall(text)) if (placed := place_tone(w)) != w}
    if not changed:
        return text
    return _WORD.sub(lambda m: changed.get(m.group(), m.group()), text)


def fold(text: str) -> str:
    """Remove every diacritic and turn `đ` into `d`: `Kế hoạch` → `Ke hoach`."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("đ", "d").replace("Đ", "D")


def syllables(text: str) -> list[str]:
    """Split text into syllables (runs of letters and digits), NFC."""
    return _WORD.findall(nfc(text))


@lru_cache(maxsize=100_000)  # a few thousand syllables make up nearly every text
def place_tone(syllable: str) -> str:
    """Move the tone mark of one syllable to its traditional position; leave non-syllables alone."""
    decomposed = unicodedata.normalize("NFD", syllable)
    tones = [c for c in decomposed if c in TONE_MARKS]
    if len(tones) != 1:
        return syllable
    bare = nfc("".join(c for c in decomposed if c not in TONE_MARKS))
    position = _tone_position(bare.lower())
    if position is None:
        return syllable
    toned = bare[: position + 1] + tones[0] + bare[position + 1 :]
    return nfc(toned)


def _tone_position(bare: str) -> int | None:
    """Index of the letter that carries the tone in a lowercase syllable without tone mark."""
    start = _nucleus_start(bare)
    if start is None:
        return None
    end = start
    while end < len(bare) and bare[end] in VOWELS:
        end += 1
    if any(c in VOWELS or not c.isalpha() for c in bare[end:]):
        return None  # not one Vietnamese syllable (a code, a foreign word)
    nucleus = range(start, end)
    marked = [i for i in nucleus if bare[i] in MARKED_VOWELS]
    if marked:
        return marked[-1]
    if len(nucleus) == 1:
        return start
    if end < len(bare):  # a final consonant follows: hoàng, toán, chuyến
        return end - 1
    return end - 2  # open syllable: hòa, mùa, ngoài, khuỷu


def _nucleus_start(bare: str) -> int | None:
    """Where the vowel nucleus starts; the `u` of `qu` and the `i` of `gi` are consonants."""
    first = next((i for i, c in enumerate(bare) if c in VOWELS), None)
    if first is None:
        return None
    followed_by_vowel = first + 1 < len(bare) and bare[first + 1] in VOWELS
    if followed_by_vowel and bare[: first + 1] in {"qu", "gi"}:
        return first + 1
    return first
