"""What a written Vietnamese syllable can look like: onset + vowel nucleus + final.

Used to build the syllable inventory from the corpus (a word that cannot be one Vietnamese
syllable, like `Internet` or `ATHH`, is not a repair candidate), and by `legacy` to tell
whether a conversion turned mojibake into Vietnamese.
"""

from __future__ import annotations

import re
import unicodedata

from sohoa.archive.text import TONE_MARKS

_ONSET = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
# The vowel groups the language writes (longest first); `[aăâeêioôơuưy]{1,3}` would also let in
# `team`, `young`, `queen`, which are foreign words, not syllables.
_NUCLEUS = (
    "(?:iêu|yêu|oai|oao|oay|oeo|uây|uôi|uya|uyê|uyu|ươi|ươu|"
    "ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|oo|ôi|ơi|ua|uâ|uê|ui|uô|uơ|uy|ưa|ưi|ươ|ưu|ya|yê|"
    "[aăâeêioôơuưy])"
)
_FINAL = r"(?:ch|ng|nh|[cmnpt])?"
_SHAPE = re.compile(f"{_ONSET}{_NUCLEUS}{_FINAL}")
_STOP_FINAL = re.compile(r"(?:c|ch|p|t)$")
_STOP_TONES = {"\u0301", "\u0323"}  # a syllable ending in c/ch/p/t takes sắc or nặng only


def is_syllable(word: str) -> bool:
    """True when the lowercase `word` has the shape of one written Vietnamese syllable."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in TONE_MARKS]
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
    if len(tones) > 1 or not _SHAPE.fullmatch(bare):
        return False
    return not (_STOP_FINAL.search(bare) and tones and tones[0] not in _STOP_TONES)
