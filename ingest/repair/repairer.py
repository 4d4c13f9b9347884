"""The noisy-channel decoder: for every word the likeliest syllable given OCR damage and context.

For a page of text:
1. convert a legacy 8-bit encoding if there is one, then NFC and one tone placement;
2. decide which damage the page shows (`detect_damage`): accents typed away (`plain`), an
   English-model OCR (`eng`: accents lost or turned into é, 6, &), or Vietnamese-model OCR (`vie`:
   mostly right, tone marks sometimes confused). Each has its own channel, so a page that is
   already accented correctly is only changed where the language model is very sure;
3. give each word its candidates (syllables whose OCR damage could look like the word) with a
   channel score, and let a beam search under the trigram language model choose, clause by
   clause;
4. put the chosen syllables back with the word's own capitalisation and punctuation, and record
   every change as an `Edit` with the probability the model gives it against the alternatives.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache

from sohoa.archive.text import fold, nfc, normalize
from sohoa.ingest.repair import DICTIONARY, MODEL, Edit, Repaired, legacy
from sohoa.ingest.repair.model import SPECIALS, Model, load_model
from sohoa.ingest.repair.tokens import Token, tokenize

BOS, EOS, UNK, NUM = range(len(SPECIALS))
BEAM = 8  # histories kept per position, at most
BEAM_WIDTH = 3.0  # and only those within this log10 of the best
MAX_CANDIDATES = 14  # syllables considered per word
PRIOR_GAP = 6.0  # nor those whose channel × prior (model.py `_prior`) is this far below the best
PRUNE = 6.0  # drop candidates whose channel log10 is this far below the best
# Real scans damage letters in ways the rendered training pages never showed (`Pang` for `Đăng`
# in one font): this share of the channel comes from the character model, not whole-word counts.
NOVEL = 0.1
# How much the channel counts against the language model. Above 1 on `vie` pages: they are
# mostly right, and a change the language model merely prefers is more often wrong than right.
CHANNEL_WEIGHT = {"vie": 1.5, "eng": 1.0, "plain": 1.0}
PLAIN_SHARE = 0.3  # in `eng` pages, the share of accents simply dropped, as in typed text
_VIETNAMESE_ONLY = re.compile("[ăđơưĂĐƠƯ\u1ea0-\u1ef9]")
CONFIDENCE_RIVALS = 4  # the likeliest candidates a change is weighed against (the rest weigh ~0)
# Numbers are kept unless the evidence is strong: turning `6` into `ở` costs this much (log10).
NUMBER_KEPT_PRIOR = 1.0
RESTORED_CONFIDENCE = 0.9  # an acronym restored from its usual spelling, not from context
_LETTERS = "abcdeghiklmnopqrstuvxy"  # what a folded Vietnamese syllable is spelled with
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@dataclass
class Word:
    """One token of the page in the language model's sequence."""

    line: int
    token: Token
    candidates: list[tuple[int, float]]  # (syllable id, channel log10); id UNK/NUM = keep as is
    in_capitals: bool = False  # a word next to it is in capitals (a heading, an acronym)


def repair_text(text: str, dictionary: Mapping[str, str] | None = None) -> Repaired:
    converted, encoding = legacy.fix(text)
    prepared = normalize(nfc(converted))
    repairer = shared_repairer()
    lines = prepared.split("\n")
    tokens = [(n, token) for n, line in enumerate(lines, start=1) for token in tokenize(line)]
    damage = detect_damage([t.core for _, t in tokens if t.kind == "word"])
    chosen: dict[tuple[int, int], tuple[str, float]] = {}
    taught: set[tuple[int, int]] = set()  # where the user dictionary chose the word
    shouted = _beside_capitals(tokens)
    for clause in _clauses(tokens):
        words = [
            Word(n, t, repairer.candidates(t, damage, first=i == 0), (n, t.start) in shouted)
            for i, (n, t) in enumerate(clause)
        ]
        learnt = _learnt_words(words, dictionary or {}, repairer.model)
        decided = repairer.decode(words, damage)
        for word, form in learnt:
            where = (word.line, word.token.start)
            new = _with_case(word.token.core, form, word.in_capitals)
            decided.pop(where, None)
            if new != word.token.core:
                decided[where] = (new, 1.0)
                taught.add(where)
        chosen.update(decided)
    return _apply(lines, tokens, chosen, encoding, taught)


def _learnt_words(
    words: list[Word], dictionary: Mapping[str, str], model: Model
) -> list[tuple[Word, str]]:
    """The clause's words the user dictionary knows, each with its taught form. Each becomes
    its taught syllable, certain, before the clause is decoded, so its neighbours are chosen
    in its company (a taught name the model does not know stands as an unknown word)."""
    if not dictionary:
        return []
    learnt = []
    for word in words:
        form = dictionary.get(fold(word.token.core).lower()) if word.token.kind == "word" else None
        if form is not None:
            word.candidates = [(model.index.get(form, UNK), 0.0)]
            learnt.append((word, form))
    return learnt


@cache
def shared_repairer() -> Repairer:
    """One repairer per process, so its per-word candidate cache serves every page."""
    return Repairer(load_model())


def detect_damage(cores: list[str]) -> str:
    """`vie` when the page has Vietnamese-only letters, `eng` when it has other accents, or
    digits or symbols inside words, `plain` when it is bare ASCII (accents typed away)."""
    if not cores:
        return "vie"
    vietnamese = sum(1 for c in cores if _VIETNAMESE_ONLY.search(c))
    if vietnamese >= max(1, 0.1 * len(cores)):
        return "vie"
    odd = sum(1 for c in cores if _NON_ASCII.search(c) or not c.isalpha())
    return "eng" if odd else "plain"


class Repairer:
    """Candidates and decoding for one model; candidate lists are cached per word form."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.logp = model.scorer()
        self.candidates_for = lru_cache(maxsize=200_000)(self._candidates)

    def candidates(self, token: Token, damage: str, first: bool = False) -> list[tuple[int, float]]:
        """The word's candidates with their channel scores; in typed text, plus how likely each
        is to be written as the word is: with a capital inside a clause, it is probably a name."""
        core = token.core
        if token.kind != "word":
            return self._kept(core, damage)
        found = self.candidates_for(core.lower(), damage)
        if damage != "plain" or first or core.isupper() or len(found) == 1:
            return found  # OCR gets capitals wrong (`Lời`): only typed text's capitals count
        rates = self.model.capital if core[0].isupper() else self.model.lowercase
        return [(s, score + rates[s]) if s > NUM else (s, score) for s, score in found]

    def _kept(self, core: str, damage: str) -> list[tuple[int, float]]:
        """A number or symbol is kept, except a short one the English model is known to make
        from a syllable (`6` for `ở`, `16` for `lộ`, `&` for `ế`): then the context decides."""
        keep = NUM if not any(c.isalpha() for c in core) else UNK
        if damage != "eng" or len(core) > 2 or core not in self.model.channels["eng"].seen:
            return [(keep, 0.0)]
        model = self.model
        if keep == NUM:
            kept = model.numbers.get(core, model.numbers_unseen)
        else:
            kept = model.unknown.get(core, model.unknown_unseen)
        syllables = [
            (s, score - NUMBER_KEPT_PRIOR)
            for s, score in self.candidates_for(core, damage)
            if s > NUM
        ]
        return [*syllables, (keep, kept)]

    def _candidates(self, form: str, damage: str) -> list[tuple[int, float]]:
        model = self.model
        folded = fold(form)
        pool = set(model.by_fold.get(folded, ()))
        if damage != "plain":
            seen = model.channels[damage].seen.get(form)
            if seen:
                pool.update(seen)
            elif damage == "eng" or form not in model.index:
                pool.update(self._one_letter_off(folded))
        weight = CHANNEL_WEIGHT[damage]
        scored = [(s, weight * self.channel_score(form, folded, s, damage)) for s in pool]
        scored = [(s, score) for s, score in scored if score > -9]
        if scored:
            best = max(score for _, score in scored)
            scored = [(s, score) for s, score in scored if score >= best - PRUNE]
            prior = sorted(
                ((score + model.prior[s], s, score) for s, score in scored), reverse=True
            )
            floor = prior[0][0] - PRIOR_GAP
            scored = [(s, score) for p, s, score in prior[:MAX_CANDIDATES] if p >= floor]
        if form not in model.index:  # the word may be a genuine name, acronym or foreign word
            scored.append((UNK, model.unknown.get(form, model.unknown_unseen)))
        return scored

    def _one_letter_off(self, folded: str) -> set[int]:
        """Syllables whose folded form differs from the word's in one letter: for a word the
        training pages never showed as OCR output (`Pang` for `Đăng` comes from a font they did
        not use), the character model scores these instead."""
        found: set[int] = set()
        for i in range(len(folded)):
            for letter in _LETTERS:
                found.update(self.model.by_fold.get(folded[:i] + letter + folded[i + 1 :], ()))
        return found

    def channel_score(self, form: str, folded: str, syllable: int, damage: str) -> float:
        """log10 P(form | syllable) under the page's damage."""
        word = self.model.words[syllable]
        if damage == "plain":
            return 0.0 if self.model.folds[syllable] == folded else -99.0
        channel = self.model.channels[damage]
        counted = channel.seen.get(form, {}).get(syllable, 0)
        total = int(channel.totals[syllable])
        by_chars = 10 ** self._char_score(channel, word, form)
        by_count = counted / total if total else by_chars
        probability = (1 - NOVEL) * by_count + NOVEL * by_chars
        if damage == "eng" and self.model.folds[syllable] == form:
            probability = PLAIN_SHARE + (1 - PLAIN_SHARE) * probability
        return math.log10(probability) if probability > 0 else -99.0

    @staticmethod
    def _char_score(channel, word: str, form: str) -> float:
        if len(word) != len(form):
            return 2 * channel.char_floor
        score = 0.0
        for a, b in zip(word, form, strict=True):
            row = channel.chars.get(a)
            if row is None:
                score += 0.0 if a == b else channel.char_floor
            else:
                score += row.get(b, channel.char_floor)
        return score

    def decode(self, words: list[Word], damage: str) -> dict[tuple[int, int], tuple[str, float]]:
        """Beam search over the clause; returns the changed words: (line, start) → (new, conf).

        The trigram lookup is written out here rather than calling the model's scorer: this loop
        is where repair spends its time, and the back-off terms are shared across candidates."""
        model = self.model
        size, trigram, bigram = model.size, model.trigram, model.bigram
        backoff2, backoff1, unigram = model.backoff2, model.backoff1, model.unigram
        # A state is the last two words (u, v) with its best score and path; the path is
        # (v, (u, (…))) back to the start. States are grouped by v: every u before the same v
        # shares the bigram term, and only the best u per new state (v, w) is kept.
        beam: dict[int, list[tuple[float, int, float, tuple]]] = {BOS: [(0.0, -1, 0.0, ())]}
        for word in words:
            grown: list[tuple[float, int, int, tuple]] = []
            for v, histories in beam.items():
                base, back1 = v * size, backoff1[v]
                for w, channel in word.candidates:
                    bigram_p = bigram.get(base + w)
                    fallback = back1 + unigram[w] if bigram_p is None else bigram_p
                    best, best_path = -1e30, ()
                    for score, history, back2, path in histories:
                        p = trigram.get(history + w) if history >= 0 else None
                        total = score + (back2 + fallback if p is None else p)
                        if total > best:
                            best, best_path = total, path
                    grown.append((best + channel, v, w, (w, best_path)))
            grown.sort(reverse=True, key=_first)
            floor = grown[0][0] - BEAM_WIDTH
            beam = {}
            for score, u, v, path in grown[:BEAM]:
                if score < floor:
                    break
                history = u * size + v
                beam.setdefault(v, []).append(
                    (score, history * size, backoff2.get(history, 0.0), path)
                )
        states = [
            (score, path[1][0] if path and path[1] else BOS, v, path)
            for v, histories in beam.items()
            for score, _, _, path in histories
        ]
        logp = self.logp
        _, path = max(((score + logp(u, v, EOS), path) for score, u, v, path in states), key=_first)
        best = _unroll(path)
        return self._changes(words, best, damage)

    def _changes(self, words: list[Word], best: list[int], damage: str) -> dict:
        changes = {}
        context = [BOS, *best, EOS]
        for i, (word, chosen) in enumerate(zip(words, best, strict=True)):
            if chosen == NUM:
                continue
            if chosen == UNK and word.token.kind == "word":
                spelling = self._unknown_spelling(word.token.core, damage)
                if spelling is not None:
                    changes[(word.line, word.token.start)] = (spelling, RESTORED_CONFIDENCE)
                continue
            if chosen == UNK:
                continue
            core = word.token.core
            if self.model.words[chosen] == core.lower() and _consistent_case(core):
                continue  # the word stays as written, capitals and all
            new = _with_case(word.token.core, self.model.words[chosen], word.in_capitals)
            if new != word.token.core:
                confidence = self._confidence(word, context, i + 1)
                changes[(word.line, word.token.start)] = (new, confidence)
        return changes

    def _unknown_spelling(self, core: str, damage: str) -> str | None:
        """An acronym or name typed without accents (`CTDT`), spelled as the corpus spells it."""
        if damage == "vie":
            return None
        spelling = self.model.restore.get(fold(core.lower()))
        return None if spelling is None else _with_case(core, spelling)

    def _confidence(self, word: Word, context: list[int], at: int) -> float:
        """P(chosen | neighbours as chosen) against the word's likeliest other candidates: the
        three trigrams that contain the word are rescored for each of them."""
        logp = self.logp
        chosen = context[at]
        before2 = context[at - 2] if at >= 2 else -1
        before, after = context[at - 1], context[at + 1]
        after2 = context[at + 2] if at + 2 < len(context) else None
        if len(word.candidates) == 1:
            return 1.0
        rivals = word.candidates[:CONFIDENCE_RIVALS]
        if all(w != chosen for w, _ in rivals):
            rivals = rivals + [(w, c) for w, c in word.candidates if w == chosen]
        scores = {}
        for w, channel in rivals:
            score = channel + logp(before2, before, w) + logp(before, w, after)
            if after2 is not None:
                score += logp(w, after, after2)
            scores[w] = score
        top = max(scores.values())
        return 10 ** (scores[chosen] - top) / sum(10 ** (score - top) for score in scores.values())


def _first(item: tuple) -> float:
    return item[0]


def _unroll(path: tuple) -> list[int]:
    out = []
    while path:
        w, path = path
        out.append(w)
    return out[::-1]


def _clauses(tokens: list[tuple[int, Token]]):
    """Runs of tokens between clause-ending punctuation."""
    clause = []
    for line, token in tokens:
        if token.core:
            clause.append((line, token))
        if token.ends_clause and clause:
            yield clause
            clause = []
    if clause:
        yield clause


def _with_case(original: str, word: str, in_capitals: bool = False) -> str:
    """The capitalisation of `original` on `word`. A word mostly in capitals is a heading word
    (TCVN3 headings come out as `CộNG HOà`: that encoding has no capital toned vowels), except
    that a word of one or two letters is only when a neighbour is in capitals too: the English
    model reads `ộ` and `ỹ` as capitals (`BO` for `Bộ`, `MY` for `Mỹ`)."""
    letters = [c for c in original if c.isalpha()]
    upper = sum(1 for c in letters if c.isupper())
    if upper > 1 and upper >= len(letters) - upper and (len(letters) > 2 or in_capitals):
        return word.upper()
    if original[:1].isupper() or (letters and letters[0].isupper() and not original[0].isalpha()):
        return word[:1].upper() + word[1:]
    return word


def _beside_capitals(tokens: list[tuple[int, Token]]) -> set[tuple[int, int]]:
    """(line, start) of the words next to a word in capitals on the same line."""
    capitals = [
        (line, token.start, _all_capitals(token.core)) for line, token in tokens if token.core
    ]
    beside = set()
    for i, (line, start, _) in enumerate(capitals):
        neighbours = capitals[max(i - 1, 0) : i] + capitals[i + 1 : i + 2]
        if any(other_line == line and caps for other_line, _, caps in neighbours):
            beside.add((line, start))
    return beside


def _consistent_case(core: str) -> bool:
    """lower, UPPER or Capitalised; not `CộNG` (a TCVN3 heading) or `nGười`."""
    return core.islower() or core.isupper() or core[:1] + core[1:].lower() == core


def _all_capitals(core: str) -> bool:
    letters = [c for c in core if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _apply(
    lines: list[str], tokens: list, chosen: dict, encoding: str | None, taught: set
) -> Repaired:
    """The lines with the chosen words put in, and an `Edit` for each (its source the user
    dictionary where `taught`)."""
    edits = []
    pieces: dict[int, list[str]] = {}
    cursors = dict.fromkeys(range(1, len(lines) + 1), 0)
    for n, token in tokens:
        change = chosen.get((n, token.start))
        if change is None:
            continue
        new, confidence = change
        pieces.setdefault(n, []).append(lines[n - 1][cursors[n] : token.start] + new)
        cursors[n] = token.end
        source = DICTIONARY if (n, token.start) in taught else MODEL
        edits.append(Edit(n, token.start, token.end, token.core, new, confidence, source))
    text = "\n".join(
        "".join(pieces.get(n, ())) + line[cursors[n] :] for n, line in enumerate(lines, start=1)
    )
    return Repaired(text=text, edits=edits, encoding=encoding)
