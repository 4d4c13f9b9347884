"""The development corpus (`../shared/corpus`), split once and for all into train and held-out.

Every script that learns from the corpus or measures on it goes through this module, so training
never sees a held-out document and the benchmark figures stay comparable from run to run.

- **Documents.** Each `legal/*.txt` file (key: file name without `.txt`); each block of 20
  consecutive lines of `admin/admin-docs.txt` (key `L0001-0020`, …, 1-based line numbers); each
  news article of `news/news.txt.gz` (key `a00000`, …: 0-based article index, articles separated
  by blank lines).
- **Split.** A document is held out iff `int(sha256(domain + ":" + key), 16) % N == 0`, with
  N = 10, except N = 5 for admin: its held-out tenth had only 351 sentences, too few for the
  benchmark's 500. (Every document held out at N = 10 is still held out at N = 5.) No seed is
  involved, so the split never moves.
- **Near-duplicates.** Laws repeat one another and news is syndicated, so a held-out sentence
  often also sits in a training document. `train_paragraphs` drops every training paragraph that
  shares a sentence with a held-out document (compared folded, lowercase, letters and digits
  only), so a held-out figure measures generalisation, not recall.

The corpus is for building the product, never for shipping: nothing here is copied into the
package, only what `train_repair.py` derives from it.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from sohoa.archive.text import fold

CORPUS = Path(os.environ.get("SOHOA_CORPUS", Path(__file__).resolve().parents[2] / "shared/corpus"))
DOMAINS = ("legal", "admin", "news")
ADMIN_BLOCK = 20
HELDOUT_EVERY = {"admin": 5}  # one document in N is held out; 10 for the other domains

_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")
_NOT_ALNUM = re.compile(r"[\W_]+")


def split_of(domain: str, key: str) -> str:
    """`heldout` for one document in ten (one in five for admin), chosen by hash; else `train`."""
    digest = hashlib.sha256(f"{domain}:{key}".encode()).hexdigest()
    return "heldout" if int(digest, 16) % HELDOUT_EVERY.get(domain, 10) == 0 else "train"


def clean_paragraph(line: str) -> str:
    """NFC, tabs and runs of spaces collapsed; '' for a line with no letter or digit."""
    line = unicodedata.normalize("NFC", line).replace("\t", " ")
    line = re.sub(r" +", " ", line).strip()
    return line if any(c.isalnum() for c in line) else ""


def sentences(paragraph: str) -> list[str]:
    """Split a paragraph after `. ! ? ; :` followed by a space."""
    return [s for s in _SENTENCE_END.split(paragraph) if s.strip()]


def dedup_key(sentence: str) -> str:
    """Folded lowercase letters and digits: equal keys are near-duplicate sentences."""
    return _NOT_ALNUM.sub("", fold(sentence.lower()))


@cache
def documents(domain: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """All documents of a domain, both splits: (key, paragraphs)."""
    if domain == "admin":
        lines = (CORPUS / "admin" / "admin-docs.txt").read_text(encoding="utf-8").splitlines()
        return tuple(
            (f"L{start + 1:04d}-{start + len(block):04d}", _clean(block))
            for start in range(0, len(lines), ADMIN_BLOCK)
            for block in [lines[start : start + ADMIN_BLOCK]]
        )
    if domain == "legal":
        return tuple(
            (path.stem, _clean(path.read_text(encoding="utf-8").splitlines()))
            for path in sorted((CORPUS / "legal").glob("*.txt"))
        )
    if domain == "news":
        return tuple((f"a{index:05d}", _clean(lines)) for index, lines in enumerate(_articles()))
    raise ValueError(f"unknown domain {domain!r}")


def heldout_documents(domain: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(key, paras) for key, paras in documents(domain) if split_of(domain, key) == "heldout"]


def train_documents(domain: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(key, paras) for key, paras in documents(domain) if split_of(domain, key) == "train"]


@cache
def heldout_keys() -> frozenset[str]:
    """Dedup keys of every held-out sentence of every domain (long enough to be distinctive)."""
    return frozenset(
        key
        for domain in DOMAINS
        for _, paras in heldout_documents(domain)
        for para in paras
        for sentence in sentences(para)
        if len(key := dedup_key(sentence)) >= 20
    )


def train_paragraphs(domain: str) -> Iterator[str]:
    """Training paragraphs, without any that share a sentence with a held-out document."""
    banned = heldout_keys()
    for _, paras in train_documents(domain):
        for para in paras:
            if not any(dedup_key(s) in banned for s in sentences(para)):
                yield para


def _clean(lines: list[str]) -> tuple[str, ...]:
    return tuple(p for p in map(clean_paragraph, lines) if p)


def _articles() -> Iterator[list[str]]:
    with gzip.open(CORPUS / "news" / "news.txt.gz", "rt", encoding="utf-8") as lines:
        article: list[str] = []
        for line in lines:
            if line.strip():
                article.append(line.rstrip("\n"))
            elif article:
                yield article
                article = []
        if article:
            yield article
