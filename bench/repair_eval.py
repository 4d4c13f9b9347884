"""The held-out sentences `bench/repair.py` measures diacritic repair on.

    python bench/repair_eval.py [--sentences 500] [--seed 0] [--domains legal admin news] [--show 5]

For each domain, every sentence (`corpus.sentences`) of every held-out document
(`corpus.heldout_documents`, so the repair model never trained on it) that is worth measuring on:

- 6 to 60 syllables: shorter ones are headings and list labels, longer ones are tables flattened
  into text;
- every character drawable on the benchmark's synthetic pages (`make_ocr_pairs.renderable`), so
  the OCR truth is exactly the sentence;
- mostly Vietnamese letters (≥ 80 % of the non-space characters are letters of the Latin
  alphabet, with or without diacritics), which drops number tables and lottery results;
- at least a third of the syllables carry a diacritic, which drops English passages and text
  that was typed without accents: their "truth" would teach nothing about restoring them.

Near-duplicates (same `corpus.dedup_key`) are kept once, in corpus order, then `--sentences` of
them are drawn with `random.Random(f"{seed}:{domain}")`, so a (seed, count, domain) always gives
the same sentences in the same order. Run alone, it prints how many qualify and a few samples.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import corpus  # noqa: E402
import make_ocr_pairs  # noqa: E402

from sohoa.archive.text import fold, syllables  # noqa: E402

MIN_SYLLABLES, MAX_SYLLABLES = 6, 60
MIN_LETTER_SHARE = 0.8
MIN_MARKED_SHARE = 1 / 3


def is_latin_letter(c: str) -> bool:
    """A letter of the Latin alphabet, with or without diacritics (`ệ`, `đ`, `q`)."""
    return c.isalpha() and fold(c).isascii()


def qualifies(sentence: str) -> bool:
    """Whether a held-out sentence is worth measuring on (see the module docstring)."""
    words = syllables(sentence)
    if not MIN_SYLLABLES <= len(words) <= MAX_SYLLABLES:
        return False
    if make_ocr_pairs.renderable(sentence) != sentence:
        return False
    chars = [c for c in sentence if not c.isspace()]
    if sum(map(is_latin_letter, chars)) < MIN_LETTER_SHARE * len(chars):
        return False
    marked = sum(1 for w in words if fold(w) != w)
    return marked >= MIN_MARKED_SHARE * len(words)


def candidates(domain: str) -> list[str]:
    """Every qualifying held-out sentence of the domain, near-duplicates once, corpus order."""
    seen: set[str] = set()
    kept = []
    for _key, paragraphs in corpus.heldout_documents(domain):
        for paragraph in paragraphs:
            for sentence in corpus.sentences(paragraph):
                sentence = sentence.strip()
                key = corpus.dedup_key(sentence)
                if key not in seen and qualifies(sentence):
                    seen.add(key)
                    kept.append(sentence)
    return kept


def eval_sentences(domain: str, count: int = 500, seed: int = 0) -> list[str]:
    """`count` qualifying sentences drawn with a fixed seed (all of them if fewer qualify)."""
    pool = candidates(domain)
    return random.Random(f"{seed}:{domain}").sample(pool, min(count, len(pool)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--domains", nargs="+", default=list(corpus.DOMAINS))
    parser.add_argument("--show", type=int, default=5, help="print this many sampled sentences")
    args = parser.parse_args()
    for domain in args.domains:
        pool = candidates(domain)
        drawn = eval_sentences(domain, args.sentences, args.seed)
        n_syllables = sum(len(syllables(s)) for s in drawn)
        print(f"{domain}: {len(pool)} qualifying, {len(drawn)} drawn, {n_syllables} syllables")
        for sentence in drawn[: args.show]:
            print(f"  {sentence}")


if __name__ == "__main__":
    main()
