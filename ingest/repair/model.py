"""The repair model on disk and in memory: syllable inventory, language model, OCR channel.

`model.bin` is a NumPy `.npz` archive (zip of arrays) written by `scripts/train_repair.py`. Loading
turns the n-gram arrays into Python dicts keyed by packed ids, because the decoder makes many
single lookups and a dict lookup is far cheaper than a NumPy search per n-gram.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from sohoa.archive.text import fold

SPECIALS = ("<s>", "</s>", "<unk>", "<num>")
MODEL_FILE = "model.bin"
# Every float16 value, by its 16-bit pattern: tables stored as float16 map through this.
_FLOAT16 = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16).astype(np.float64)


class ModelMissing(RuntimeError):
    """The package was installed without its model (a broken build)."""


@dataclass
class Channel:
    """How one OCR engine damages syllables: for each OCR form, the truth syllables seen behind
    it (counts), how often each syllable was seen at all, and per-character confusions."""

    seen: dict[str, dict[int, int]]
    totals: np.ndarray
    chars: dict[str, dict[str, float]]
    char_floor: float


@dataclass
class Model:
    words: list[str]
    unigram: list[float]
    prior: list[float]
    capital: list[float]
    lowercase: list[float]
    numbers: dict[str, float]
    numbers_unseen: float
    backoff1: list[float]
    bigram: dict[int, float]
    backoff2: dict[int, float]
    trigram: dict[int, float]
    channels: dict[str, Channel]
    unknown: dict[str, float]
    unknown_unseen: float
    restore: dict[str, str]

    def __post_init__(self) -> None:
        """What follows from the word list: ids, folded forms, and syllables grouped by folded
        form (the candidates for text typed without accents)."""
        self.size = len(self.words)
        self.index = {word: i for i, word in enumerate(self.words)}
        self.folds = [fold(word) for word in self.words]
        self.by_fold: dict[str, list[int]] = {}
        for i in range(len(SPECIALS), self.size):
            self.by_fold.setdefault(self.folds[i], []).append(i)

    def scorer(self):
        """logp(u, v, w) = log10 P(w | u v) in the backed-off trigram model (u = -1 when there
        is no u), as a closure over the tables: the decoder calls it in its inner loops, where
        looking up six attributes per call would cost as much as the lookup itself."""
        size, trigram, bigram = self.size, self.trigram, self.bigram
        backoff2, backoff1, unigram = self.backoff2, self.backoff1, self.unigram

        def logp(u: int, v: int, w: int) -> float:
            backoff = 0.0
            if u >= 0:
                history = u * size + v
                found = trigram.get(history * size + w)
                if found is not None:
                    return found
                backoff = backoff2.get(history, 0.0)
            found = bigram.get(v * size + w)
            if found is not None:
                return backoff + found
            return backoff + backoff1[v] + unigram[w]

        return logp


@cache
def load_model(path: Path | None = None) -> Model:
    """The bundled model (or the one at `path`), loaded once per process."""
    if path is None:
        source = resources.files("sohoa.ingest.repair") / MODEL_FILE
        if not source.is_file():
            raise ModelMissing(
                f"the repair model {MODEL_FILE} is missing from the installed package"
            )
        with resources.as_file(source) as file:
            return _read(Path(file))
    return _read(path)


def _read(path: Path) -> Model:
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(bytes(data["meta"]).decode("utf-8"))
        words = meta["words"]
        return Model(
            words=words,
            unigram=data["uni"].astype(np.float64).tolist(),
            prior=_prior(data["uni"], data["bi_keys"], data["bi"]),
            capital=data["capital"].astype(np.float64).tolist(),
            lowercase=np.log10(1 - 10 ** data["capital"].astype(np.float64)).tolist(),
            numbers=meta["numbers"]["common"],
            numbers_unseen=meta["numbers"]["unseen"],
            backoff1=data["bow1"].astype(np.float64).tolist(),
            bigram=_table(data["bi_keys"], data["bi"]),
            backoff2=_table(data["bow2_keys"], data["bow2"]),
            trigram=_table(data["tri_keys"], data["tri"]),
            channels={
                name: Channel(
                    seen={o: {int(s): n for s, n in row.items()} for o, row in ch["seen"].items()},
                    totals=data[f"totals_{name}"],
                    chars=ch["chars"],
                    char_floor=ch["char_floor"],
                )
                for name, ch in meta["channels"].items()
            },
            unknown=meta["unknown"]["common"],
            unknown_unseen=meta["unknown"]["unseen"],
            restore=meta["unknown"].get("restore", {}),
        )


def _prior(unigram: np.ndarray, keys: np.ndarray, values: np.ndarray) -> list[float]:
    """How likely each syllable is before its context is known, for choosing which candidates
    a word keeps: the mean of its unigram and of its best bigram after any word (log10). The
    unigram alone drops `dàng`, rare by itself but nearly certain after `dễ`."""
    best = unigram.astype(np.float64).copy()
    np.maximum.at(best, keys % len(unigram), values.astype(np.float64))
    return ((best + unigram) / 2).tolist()


def _table(keys: np.ndarray, values: np.ndarray) -> dict[int, float]:
    """A dict from packed n-gram to log10 value. The values are float16 on disk, so few are
    distinct: every entry shares one float object per distinct value, saving memory."""
    shared = _FLOAT16.tolist()
    codes = values.astype(np.float16).view(np.uint16).tolist()
    return dict(zip(keys.tolist(), map(shared.__getitem__, codes), strict=True))


def save_model(path: Path, arrays: dict[str, np.ndarray], meta: dict) -> None:
    blob = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    with path.open("wb") as out:
        np.savez_compressed(out, meta=blob, **arrays)
