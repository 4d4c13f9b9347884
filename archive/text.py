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
_QUALITY_LEFT = re.compile("[\u0302\u0306]")
_TONE_FIRST = re.compile("([aeoAEO])([\u0300\u0301\u0303\u0309])([\u0302\u0306])")


def nfc(text: str) -> str:
    """Unicode NFC: OCR engines, Word and old web pages mix NFC and NFD. OCR also writes a tone
    before the vowel's circumflex or breve (e, U+0300, U+0302), which NFC cannot make one letter
    of (it gives `è` with a circumflex on top); Vietnamese has no such letter, so the two marks
    are swapped first (`ề`)."""
    text = unicodedata.normalize("NFC", text)
    if _QUALITY_LEFT.search(text) is None:  # nearly all text: no circumflex or breve left over
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _TONE_FIRST.sub(r"\1\3\2", decomposed))


def normalize(text: str) -> str:
    """NFC with one tone-placement form for every syllable; the form stored and indexed. (Each
    distinct word is looked at once, and the text rewritten only when one of them changes: most
    texts need no change, and a page is written many times over in a rebuild.)"""
    text = nfc(text)
    changed = {w: placed for w in set(_WORD.findall(text)) if (placed := place_tone(w)) != w}
    if not changed:
        return text
    return replace_words(text, changed)


def replace_words(text: str, changed: dict[str, str]) -> str:
    """`text` (NFC) with its words (runs of `\\w`) replaced as `changed` says, except a word a
    combining mark follows: the mark belongs to its last letter (a second tone OCR left on
    `hoạ̀`), and moving the word's tone would put the mark on another letter, out of NFC."""

    def replaced(match: re.Match[str]) -> str:
        word, end = match.group(), match.end()
        if end < len(text) and unicodedata.combining(text[end]):
            return word
        return changed.get(word, word)

    return _WORD.sub(replaced, text)


def fold(text: str) -> str:
    """Remove every diacritic and turn `đ` into `d`: `Kế hoạch` → `Ke hoach`. The rest is put
    back in NFC: NFD also splits letters that have no diacritic (a Hangul syllable into its
    jamo), and a folded word must be the same string as the word typed or indexed elsewhere."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return nfc(stripped.replace("đ", "d").replace("Đ", "D"))


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
