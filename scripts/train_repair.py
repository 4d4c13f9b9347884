#!/usr/bin/env python3
"""Build the diacritic-repair model, `ingest/repair/model.bin`, from the development corpus.

    python scripts/train_repair.py --pairs build/ocr-pairs/pairs.jsonl

Three parts, each learned from data (nothing here is a hand-written confusion list):

1. **Syllable inventory**: lowercase words of the training corpus and the dictionaries' headwords
   that have the shape of a Vietnamese syllable (`sohoa.ingest.repair.syllable`), seen at least
   `--min-count` times in the corpus or listed in a dictionary.
2. **Language model**: a syllable trigram model with interpolated Kneser-Ney smoothing, trained on
   the training split of `../shared/corpus` (`scripts/corpus.py`: held-out documents and their
   near-duplicates never seen), legal and admin text weighted up because archive documents read
   like them, and pruned by count to keep the model small.
3. **Channel**: how OCR damages syllables, counted from `make_ocr_pairs.py` output (corpus text
   rendered, degraded and OCR'd with Tesseract `vie` and `eng`, aligned with the truth): per OCR
   model, a table of (truth syllable → OCR token) counts and a character confusion table for
   words of equal length, which scores damage never seen whole.

Takes about 10 minutes and 6 GB of memory on one core. Never run in CI: the model is committed.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

from sohoa.archive.text import fold, normalize  # noqa: E402
from sohoa.ingest.repair import model as repair_model  # noqa: E402
from sohoa.ingest.repair.syllable import is_syllable  # noqa: E402
from sohoa.ingest.repair.tokens import tokenize  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DOMAIN_WEIGHT = {"legal": 2, "admin": 3, "news": 1}
BOS, EOS, UNK, NUM = repair_model.SPECIALS
_LETTER = re.compile(r"[^\W\d_]")
UNSEEN_FORMS = 100_000  # rough number of unknown forms a new text could hold


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


# ----------------------------------------------------------------------------- corpus → clauses


def clauses(paragraph: str) -> list[list[str]]:
    """A paragraph as clauses of tokens, as written (case kept for the capitals statistics)."""
    result: list[list[str]] = []
    current: list[str] = []
    for line in normalize(paragraph).splitlines():
        for token in tokenize(line):
            if token.core:
                current.append(token.core)
            if token.ends_clause and current:
                result.append(current)
                current = []
    if current:
        result.append(current)
    return result


def lm_word(core: str) -> str:
    """What the language model sees: a token without letters is NUM, any other lowercased."""
    return core.lower() if _LETTER.search(core) else NUM


def read_training_clauses() -> dict[str, list[list[str]]]:
    by_domain = {}
    for domain in corpus.DOMAINS:
        by_domain[domain] = [c for para in corpus.train_paragraphs(domain) for c in clauses(para)]
        words = sum(len(c) for c in by_domain[domain])
        log(f"{domain}: {len(by_domain[domain]):,} clauses, {words:,} tokens")
    return by_domain


def token_statistics(by_domain: dict[str, list[list[str]]]) -> tuple[Counter, Counter, dict]:
    """Counts of lowercase words, of number forms, and, for each word not first in its clause,
    how often it is written with a capital (a name: `Trang`, `Minh`) or without."""
    counts: Counter = Counter()
    numbers: Counter = Counter()
    capitalised: Counter = Counter()
    inside: Counter = Counter()
    for domain_clauses in by_domain.values():
        for clause in domain_clauses:
            for position, core in enumerate(clause):
                word = lm_word(core)
                if word == NUM:
                    numbers[core] += 1
                    continue
                counts[word] += 1
                if position:
                    inside[word] += 1
                    if core[0].isupper() and not core.isupper():
                        capitalised[word] += 1
    return counts, numbers, {"capitalised": capitalised, "inside": inside}


def capital_rates(capitals: dict, index: dict[str, int]) -> np.ndarray:
    """log10 P(capitalised | syllable, not first in its clause), smoothed toward the average."""
    capitalised, inside = capitals["capitalised"], capitals["inside"]
    average = sum(capitalised.values()) / max(sum(inside.values()), 1)
    rates = np.full(len(index), np.log10(average), dtype=np.float32)
    for word, i in index.items():
        if word in inside:
            rates[i] = np.log10((capitalised[word] + 2 * average) / (inside[word] + 2))
    return rates.astype(np.float16)


def number_forms(numbers: Counter) -> dict:
    """log10 P(form | a number) for the common ones (`6`, `16`, `2024`), and for the rest."""
    total = sum(numbers.values())
    common = {f: round(math.log10(n / total), 3) for f, n in numbers.items() if n >= 20}
    rare = sum(n for f, n in numbers.items() if f not in common)
    unseen = round(math.log10(max(rare, 1) / total / UNSEEN_FORMS), 3)
    log(f"numbers: {total:,} tokens, {len(common):,} common forms")
    return {"common": common, "unseen": unseen}


# ----------------------------------------------------------------------------- inventory


def dictionary_syllables() -> set[str]:
    found = set()
    for path in sorted((corpus.CORPUS / "dictionaries").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for word in normalize(json.loads(line)["text"]).lower().replace("-", " ").split():
                if is_syllable(word):
                    found.add(word)
    return found


def build_inventory(counts: Counter, dictionary: set[str], min_count: int) -> list[str]:
    """Syllables seen often enough in the corpus or listed in a dictionary, most frequent first."""
    keep = {w for w, n in counts.items() if is_syllable(w) and (n >= min_count or w in dictionary)}
    keep |= {w for w in dictionary if fold(w) != w or w in counts}
    return sorted(keep, key=lambda w: (-counts.get(w, 0), w))


def unknown_forms(counts: Counter, index: dict[str, int]) -> dict:
    """How often each word outside the inventory (names, acronyms, foreign words) occurs: the
    channel P(form | <unk>) that lets a genuine unknown word win over a damaged syllable."""
    unknown = Counter({w: n for w, n in counts.items() if w not in index and w != NUM})
    total = sum(unknown.values())
    singletons = sum(1 for n in unknown.values() if n == 1)
    common = {w: round(math.log10(n / total), 3) for w, n in unknown.items() if n >= 3}
    log(f"unknown words: {len(unknown):,} forms, {total:,} tokens, {len(common):,} kept")
    unseen = round(math.log10(singletons / total / UNSEEN_FORMS), 3)
    return {"common": common, "unseen": unseen, "restore": accented_spellings(unknown)}


def accented_spellings(unknown: Counter) -> dict[str, str]:
    """For acronyms and names outside the inventory (`CTĐT`, `QĐ`), the accented spelling that
    dominates its folded form, so text typed without accents gets it back."""
    groups: dict[str, Counter] = defaultdict(Counter)
    for form, n in unknown.items():
        groups[fold(form)][form] += n
    restore = {}
    for key, forms in groups.items():
        (best, n), total = forms.most_common(1)[0], sum(forms.values())
        if best != key and n >= 3 and n >= 0.6 * total:
            restore[key] = best
    log(f"accented spellings of unknown words: {len(restore):,}")
    return restore


# ----------------------------------------------------------------------------- language model


def encode(
    by_domain: dict[str, list[list[str]]], index: dict[str, int], weight: dict[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """All clauses as one id stream `<s> w1 … wn </s> <s> …`, and a weight per position."""
    unk = index[UNK]
    ids: list[int] = []
    weights: list[int] = []
    for domain, domain_clauses in by_domain.items():
        start = len(ids)
        for clause in domain_clauses:
            ids.append(index[BOS])
            ids.extend(index.get(lm_word(w), unk) for w in clause)
            ids.append(index[EOS])
        weights.extend([weight[domain]] * (len(ids) - start))
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.int64)


def ngram_counts(ids: np.ndarray, weights: np.ndarray, order: int, vocab: int):
    """(sorted packed keys, weighted counts) of every n-gram that does not cross a clause end."""
    n = len(ids) - order + 1
    keys = np.zeros(n, dtype=np.int64)
    valid = np.ones(n, dtype=bool)
    bos, eos = repair_model.SPECIALS.index(BOS), repair_model.SPECIALS.index(EOS)
    for i in range(order):
        part = ids[i : i + n]
        keys = keys * vocab + part
        if i < order - 1:
            valid &= part != eos
        if i > 0:
            valid &= part != bos
    unique, inverse = np.unique(keys[valid], return_inverse=True)
    counts = np.bincount(inverse, weights=weights[: len(valid)][valid]).astype(np.int64)
    return unique, counts


def kneser_ney(ids: np.ndarray, weights: np.ndarray, vocab: int, prune: int) -> dict:
    """Interpolated Kneser-Ney trigram model written in backoff form (log10 p and back-off)."""
    k3, c3 = ngram_counts(ids, weights, 3, vocab)
    k2, c2 = ngram_counts(ids, weights, 2, vocab)
    log(f"distinct bigrams {len(k2):,}, trigrams {len(k3):,}")

    # continuation counts: how many distinct words precede each bigram / each word
    suffix3 = k3 % (vocab * vocab)
    cont2_keys, cont2 = np.unique(suffix3, return_counts=True)
    cc2 = c2.copy()  # bigrams starting at <s> have no left context: keep their raw counts
    at = np.searchsorted(k2, cont2_keys)
    cc2[at] = cont2
    bos = repair_model.SPECIALS.index(BOS)
    starts = (k2 // vocab) == bos
    cc2[starts] = c2[starts]
    cont1 = np.bincount(k2 % vocab, minlength=vocab).astype(np.float64)
    cont1[bos] = 0
    p1 = (cont1 + 0.5) / (cont1.sum() + 0.5 * vocab)  # add-half floor for syllables never seen

    p2, bow1 = _interpolate(k2, cc2, vocab, lambda w, _h: p1[w])
    p3, bow2 = _interpolate(
        k3, c3, vocab, lambda w, h: _lookup(k2, p2, h % vocab * vocab + w, bow1, h % vocab, p1, w)
    )

    keep3 = c3 >= prune * 2  # weighted counts: a trigram must be seen `prune` times in news
    keep2 = c2 >= 2
    bow2_keys, bow2_values = bow2
    bow1_full = np.ones(vocab)  # a word never seen as history backs off for free
    bow1_full[bow1[0]] = bow1[1]
    return {
        "uni": np.log10(p1).astype(np.float32),
        "bow1": np.log10(bow1_full).astype(np.float32),
        "bi_keys": k2[keep2],
        "bi": np.log10(p2[keep2]).astype(np.float16),
        "bow2_keys": bow2_keys,
        "bow2": np.log10(bow2_values).astype(np.float16),
        "tri_keys": k3[keep3],
        "tri": np.log10(p3[keep3]).astype(np.float16),
    }


def _interpolate(keys, counts, vocab, lower):
    """P(w | h) = max(c − D, 0) / c(h) + γ(h) · lower(w, h), with D from counts of counts."""
    n1, n2 = np.sum(counts == 1), np.sum(counts == 2)
    discount = n1 / (n1 + 2 * n2) if n1 else 0.5
    history = keys // vocab
    word = keys % vocab
    hist_keys, first, types = np.unique(history, return_index=True, return_counts=True)
    totals = np.add.reduceat(counts, first).astype(np.float64)
    gamma = discount * types / totals
    at = np.searchsorted(hist_keys, history)
    probability = np.maximum(counts - discount, 0) / totals[at] + gamma[at] * lower(word, history)
    return probability, (hist_keys, gamma)


def _lookup(k2, p2, key, bow1, v, p1, w):
    """Bigram probability where the bigram exists, else back off to the unigram."""
    at = np.minimum(np.searchsorted(k2, key), len(k2) - 1)
    found = k2[at] == key
    gamma = np.ones(len(key))
    hist_at = np.minimum(np.searchsorted(bow1[0], v), len(bow1[0]) - 1)
    has_hist = bow1[0][hist_at] == v
    gamma[has_hist] = bow1[1][hist_at[has_hist]]
    return np.where(found, p2[at], gamma * p1[w])


# ----------------------------------------------------------------------------- channel


def aligned_words(pairs_path: Path):
    """(model, truth word, OCR word) for every substituted or equal word of every aligned line."""
    from rapidfuzz.distance import Levenshtein

    with pairs_path.open(encoding="utf-8") as rows:
        for row in map(json.loads, rows):
            if corpus.split_of(row["domain"], row["doc"]) == "heldout":
                continue  # pages made before the split grew (admin) may hold held-out text
            if len(row["truth"]) != len(row["ocr"]):
                continue  # a lost line shifts every later one; the rest of the data is plenty
            for truth_line, ocr_line in zip(row["truth"], row["ocr"], strict=True):
                truth = [t.core for t in tokenize(normalize(truth_line)) if t.core]
                ocr = [t.core for t in tokenize(normalize(ocr_line)) if t.core]
                if not truth or not ocr:
                    continue
                for i, j in _aligned(Levenshtein.opcodes(truth, ocr)):
                    yield row["model"], truth[i], ocr[j]


def _aligned(opcodes):
    for op in opcodes:
        if op.tag == "equal" or (
            op.tag == "replace" and op.src_end - op.src_start == op.dest_end - op.dest_start
        ):
            for k in range(op.src_end - op.src_start):
                yield op.src_start + k, op.dest_start + k


def count_channel(pairs_path: Path, index: dict[str, int]):
    """Per OCR model: counts of (truth syllable, OCR form), of each truth syllable, and of
    character confusions inside words whose length survived OCR."""
    seen = defaultdict(lambda: defaultdict(Counter))
    totals = defaultdict(Counter)
    chars = defaultdict(lambda: defaultdict(Counter))
    for ocr_model, truth, ocr in aligned_words(pairs_path):
        truth, ocr = truth.lower(), ocr.lower()
        if truth not in index:
            continue
        s = index[truth]
        seen[ocr_model][ocr][s] += 1
        totals[ocr_model][s] += 1
        if len(truth) == len(ocr):
            for a, b in zip(truth, ocr, strict=True):
                chars[ocr_model][a][b] += 1
    return seen, totals, chars


def channel_tables(seen, totals, chars, size: int, min_pair: int) -> tuple[dict, dict]:
    """The channel as stored: OCR forms seen at least `min_pair` times with one truth syllable,
    truth totals per syllable, and P(OCR char | truth char) as log10."""
    meta, arrays = {}, {}
    for name in sorted(seen):
        table = {}
        for form, truths in seen[name].items():
            kept = {str(s): n for s, n in truths.items() if n >= min_pair}
            if kept:
                table[form] = kept
        total = np.zeros(size, dtype=np.int32)
        for s, n in totals[name].items():
            total[s] = n
        char_table = {}
        for a, row in chars[name].items():
            n = sum(row.values())
            char_table[a] = {b: round(math.log10(k / n), 3) for b, k in row.items() if k >= 2}
        meta[name] = {"seen": table, "chars": char_table, "char_floor": -6.0}
        arrays[f"totals_{name}"] = total
        log(f"channel {name}: {len(table):,} OCR forms, {int(total.sum()):,} aligned syllables")
    return meta, arrays


# ----------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=ROOT / "build/ocr-pairs/pairs.jsonl")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "ingest/repair" / repair_model.MODEL_FILE
    )
    parser.add_argument("--min-count", type=int, default=3, help="corpus count for a syllable")
    parser.add_argument("--prune", type=int, default=1, help="least trigram count kept")
    parser.add_argument("--weight", nargs="*", default=[], help="domain=N, e.g. news=1")
    parser.add_argument("--min-pair", type=int, default=2, help="least (truth, OCR) pair count")
    args = parser.parse_args()

    started = time.time()
    by_domain = read_training_clauses()
    counts, numbers, capitals = token_statistics(by_domain)
    inventory = build_inventory(counts, dictionary_syllables(), args.min_count)
    words = list(repair_model.SPECIALS) + inventory
    index = {w: i for i, w in enumerate(words)}
    log(f"inventory: {len(inventory):,} syllables")

    weight = {**DOMAIN_WEIGHT, **{d: int(n) for d, n in (w.split("=") for w in args.weight)}}
    ids, weights = encode(by_domain, index, weight)
    del by_domain
    log(f"language model: {len(ids):,} positions")
    arrays = kneser_ney(ids, weights, len(words), args.prune)
    log(f"kept bigrams {len(arrays['bi']):,}, trigrams {len(arrays['tri']):,}")

    seen, totals, chars = count_channel(args.pairs, index)
    channel_meta, channel_arrays = channel_tables(seen, totals, chars, len(words), args.min_pair)
    arrays.update(channel_arrays)
    arrays["capital"] = capital_rates(capitals, index)
    meta = {
        "words": words,
        "unknown": unknown_forms(counts, index),
        "numbers": number_forms(numbers),
        "channels": channel_meta,
        "trained": time.strftime("%Y-%m-%d"),
    }
    repair_model.save_model(args.out, arrays, meta)
    size = args.out.stat().st_size / 1e6
    log(f"wrote {args.out} ({size:.1f} MB) in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
