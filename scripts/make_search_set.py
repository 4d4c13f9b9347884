#!/usr/bin/env python3
"""Generate the relevance test set for full-text search (issue 7).

    python scripts/make_search_set.py --seed 2026 --out tests/search_set

About 120 synthetic archive documents (about 300 pages) built of excerpts of *held-out* corpus
documents (`scripts/corpus.py`: admin and legal weighted up, some news; never a training
document), each with the metadata sohoa stores (`archive.records.FIELDS`, plus `procedures`, the
ISO procedure codes a record is evidence for), and queries of six kinds, each with the one
document that must come first:

- `exact`: 2-4 accented words in a row on one page, each also found in other documents. Every
  other one is the only document holding them all; the rest have *rivals*, documents with all
  the words on one page, but scattered: only the target has them in a row, so it is clearly
  the best (and ranking, not just matching, is measured);
- `unaccented`: the folded twin of an `exact` query (no diacritics, đ → d);
- `phrase`: a quoted run of 2-5 syllables found in the target only, preferably one whose words
  also sit on one page of other documents (so the quotes matter); every other one folded;
- `number`: the target's number whole, lowercase, folded, or in parts (`45/KH`, `KH-LHH 45`):
  no other record's number holds those parts and no other document cites the number;
- `filtered`: common words (in COMMON documents or more) and a filter (`type:`, `year:`, a year
  range, `issuer:`, `number:`, `procedure:`) that together keep the target alone;
- `metadata`: words of the target's subject or its signer's name (in a row in the target only),
  or its issuing body and place (all the words in the target only).

Every query is checked here by brute force over the whole set (text, raw OCR text and metadata
fields, folded and lowercase with `archive.text.fold`, so an accented query and its twin have
the same answer); a candidate for which another document is as good an answer is dropped. Each
query records `others`, how many other documents hold all its bare words (no quotes, no filter)
on one page: the ones the engine must rank below the target. The search engine is never
consulted: `bench/search_relevance.py` reports how it does.

Query words are drawn from page bodies (not headers or signatures), within one clause, never
starting or ending on a function word or on half of a two-syllable word the set often writes
together (`bảo | đảm`), so that they read like what a person remembers and types.

Page 1 opens with the header a real page carries (issuer, number, national motto, place and date,
type title, subject); the last page closes with the signing block. About a fifth of the pages
get a `raw_text` with OCR-like damage (a few words with diacritics dropped or a wrong tone), so
"repaired text first, raw OCR as a fallback" is exercised; the other pages' raw text equals their
text. Issuers, numbers, dates, names and procedures are generated and fictitious.

Same seed, same bytes (the gzip header carries no name or time). Takes about 15 s, most of it
loading the corpus.
"""

from __future__ import annotations

import argparse
import gzip
import io
import itertools
import json
import random
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sohoa.archive import records
from sohoa.archive.text import TONE_MARKS, fold, normalize

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

DOCUMENTS = {"admin": 27, "legal": 58, "news": 35}  # admin: at most one per held-out block
PAGES = {"admin": {1: 1, 2: 1}, "legal": {1: 1, 2: 2, 3: 4, 4: 4}, "news": {1: 2, 2: 3, 3: 2}}
PAGE_SYLLABLES = (120, 250)
ADMIN_SHARE = 0.6  # never more of a held-out admin block than this (they are short)
DAMAGED_SHARE = 0.2
QUERIES = {"exact": 14, "phrase": 14, "number": 12, "filtered": 14, "metadata": 10}
COMMON = 8  # a common word is in at least this many documents
COMPOUND = 2  # two words written together this often are one word to a reader (bảo đảm)
FILTERS = ("type", "year", "years", "issuer", "number", "procedure")
METADATA = ("subject", "issuer", "signer")
PROCEDURES = [f"QT-{n:02d}" for n in range(1, 13)]

TYPES = {  # Decree 30 types (`records.DOC_TYPES`) with their weights in the set
    "Kế hoạch": 16, "Báo cáo": 16, "Quyết định": 14, "Thông báo": 12, "Công văn": 12,
    "Biên bản": 6, "Tờ trình": 6, "Nghị quyết": 4, "Hướng dẫn": 4, "Chương trình": 3,
    "Giấy mời": 3, "Khác": 4,
}  # fmt: skip
PROVINCES = ["Bắc Giang"] * 6 + [
    "Bắc Ninh", "Thái Nguyên", "Lạng Sơn", "Phú Thọ", "Hải Dương", "Nghệ An", "Thanh Hóa",
    "Quảng Ngãi", "Hà Nam",
]  # fmt: skip
DISTRICTS = ["Lục Nam", "Yên Thế", "Lạng Giang", "Hiệp Hòa", "Tân Yên", "Việt Yên"]
DEPARTMENTS = [
    ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", "SKHCN"), ("SỞ GIÁO DỤC VÀ ĐÀO TẠO", "SGDĐT"),
    ("SỞ Y TẾ", "SYT"), ("SỞ TÀI CHÍNH", "STC"), ("SỞ NỘI VỤ", "SNV"), ("SỞ TƯ PHÁP", "STP"),
    ("SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "STNMT"),
]  # fmt: skip
OFFICES = [("PHÒNG NỘI VỤ", "PNV"), ("PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "PGDĐT")]
ASSOCIATIONS = [("HỘI TIN HỌC", "HTH"), ("HỘI Y HỌC", "HYH"), ("HỘI ĐÔNG Y", "HĐY")]
OFFICE_UNITS = ["VP", "TH", "KHTC", "QLKH"]  # a công văn's number: 312/UBND-VP
SURNAMES = ["Nguyễn"] * 5 + ["Trần", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Văn", "Thị", "Đức", "Minh", "Quang", "Hữu", "Ngọc", "Thanh", "Xuân", "Thu"]
GIVEN = [
    "An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Huy", "Lan", "Linh", "Mai", "Nam", "Phương",
    "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vân", "Yến", "Đạt", "Hà",
]  # fmt: skip

_WORD = re.compile(r"\w+")
_FILTER_TEXT = re.compile(r'\w+:("[^"]*"|\S+)')
_SEGMENT_BREAK = re.compile(r"[^\w\s]+|\n")
DANGLING = set(  # function words a remembered phrase or a trích yếu neither starts nor ends with
    "như và của các là được với cho để trong tại theo về từ đến những có hoặc gồm thì mà do bị "
    "bao nên nhưng vì một này đó khi đã sẽ đang cũng không còn rằng ở".split()
)
_JUNK = re.compile(r"^(?:[-+•*–]\s*|\(?[0-9ivxIVX]{1,4}[.)]\s*|[a-zđ]\)\s*|Điều \d+\.?\s*)+")


@dataclass
class Document:
    id: int
    source: str  # the held-out corpus document the text comes from
    metadata: dict
    pages: list[str]
    raw: list[str]
    bodies: list[str]  # the pages without header and signing block: where text queries come from


def tokens(text: str) -> list[str]:
    """Folded lowercase words: how the brute-force checks compare text."""
    return _WORD.findall(fold(normalize(text)).lower())


def accented(text: str) -> list[str]:
    return _WORD.findall(normalize(text).lower())


# ------------------------------------------------------------------------------ the documents


def sources(rng: random.Random) -> list[tuple[str, list[str], int, int]]:
    """(source key, paragraphs, pages wanted, most words allowed) for every document: excerpts of
    held-out documents that never overlap (a law is cut into one slice per document)."""
    out = []
    admin = corpus.heldout_documents("admin")
    for key, paras in rng.sample(admin, DOCUMENTS["admin"]):
        start = rng.randrange(max(1, len(paras) // 3))
        budget = int(ADMIN_SHARE * sum(len(p.split()) for p in paras))
        out.append((f"admin:{key}", list(paras[start:]), pages(rng, "admin"), budget))
    laws = [(key, paras) for key, paras in corpus.heldout_documents("legal") if paras]
    sizes = list(itertools.accumulate(sum(len(p.split()) for p in paras) for _, paras in laws))
    ends = [round(DOCUMENTS["legal"] * size / sizes[-1]) for size in sizes]  # by length
    counts = [end - start for start, end in zip([0, *ends], ends, strict=False)]
    for (key, paras), count in zip(laws, counts, strict=True):
        for j in range(count):
            lo, hi = j * len(paras) // count, (j + 1) * len(paras) // count
            start = lo + rng.randrange(max(1, (hi - lo) // 3))
            out.append((f"legal:{key}", list(paras[start:hi]), pages(rng, "legal"), 10**6))
    articles = [
        (key, paras)
        for key, paras in corpus.heldout_documents("news")
        if sum(len(p.split()) for p in paras) >= 250
    ]
    for key, paras in rng.sample(articles, DOCUMENTS["news"]):
        out.append((f"news:{key}", list(paras), pages(rng, "news"), 10**6))
    rng.shuffle(out)  # ids say nothing about the domain
    return out


def pages(rng: random.Random, domain: str) -> int:
    return rng.choices(list(PAGES[domain]), weights=list(PAGES[domain].values()))[0]


def paginate(rng: random.Random, paras: list[str], count: int, budget: int) -> list[list[str]]:
    """Paragraphs laid on `count` pages of PAGE_SYLLABLES words (page 1 a little less: the
    header), a paragraph split where a page ends; a short last page is dropped."""
    queue = [p.split() for p in paras]
    out = []
    for number in range(count):
        room = rng.randint(*PAGE_SYLLABLES) - (40 if number == 0 else 0)
        lines: list[str] = []
        while queue and room > 0 and budget > 0:
            take = min(room, budget)
            words, queue[0] = queue[0][:take], queue[0][take:]
            if not queue[0]:
                queue.pop(0)
            lines.append(" ".join(words))
            room, budget = room - len(words), budget - len(words)
        if out and sum(len(line.split()) for line in lines) < 60:
            break
        out.append(lines)
    return out


def make_issuer(rng: random.Random) -> tuple[str, str, str, str]:
    """(issuer lines, number symbol, head who signs, place printed before the date)."""
    province = rng.choice(PROVINCES)
    unit = f"TỈNH {province.upper()}"
    kind = rng.choices(["lhh", "department", "ubnd", "association", "office"], [4, 4, 2, 2, 1])[0]
    if kind == "lhh":
        return f"LIÊN HIỆP CÁC HỘI KHOA HỌC VÀ KỸ THUẬT {unit}", "LHH", "CHỦ TỊCH", province
    if kind == "department":
        name, symbol = rng.choice(DEPARTMENTS)
        return f"UBND {unit}\n{name}", symbol, "GIÁM ĐỐC", province
    if kind == "ubnd":
        return f"ỦY BAN NHÂN DÂN {unit}", "UBND", "CHỦ TỊCH", province
    if kind == "association":
        name, symbol = rng.choice(ASSOCIATIONS)
        return f"LIÊN HIỆP CÁC HỘI KH&KT {unit}\n{name}", symbol, "CHỦ TỊCH", province
    district = rng.choice(DISTRICTS)
    name, symbol = rng.choice(OFFICES)
    return f"UBND HUYỆN {district.upper()}\n{name}", symbol, "TRƯỞNG PHÒNG", district


def make_subject(rng: random.Random, paras: list[str], doc_type: str) -> str:
    """A clause of 6-14 words of the document's own text, cleaned to read like a trích yếu."""
    clauses = [
        " ".join(words)
        for para in paras[:8]
        for sentence in corpus.sentences(para)
        for clause in re.split(r"[,;:]\s+", sentence)
        if 6 <= len(words := re.sub(r"[“”\"'()\[\]]", "", _JUNK.sub("", clause)).split()) <= 14
    ]
    clause = rng.choice(clauses) if clauses else " ".join(paras[0].split()[:10])
    words = clause.strip(" .,;:-–…").split()
    while len(words) > 4 and words[-1].lower() in DANGLING:
        words.pop()
    while len(words) > 4 and words[0].lower() in DANGLING:
        words.pop(0)
    clause = " ".join(words).strip(" .,;:-–…")
    if doc_type == "Công văn":
        return "V/v " + clause[:1].lower() + clause[1:]
    prefix = rng.choice(["Về việc ", "Về ", ""])
    return prefix + (clause[:1].lower() + clause[1:] if prefix else clause[:1].upper() + clause[1:])


def make_document(rng: random.Random, id: int, source: tuple, numbers: set[str]) -> Document | None:
    key, paras, count, budget = source
    laid = paginate(rng, paras, count, budget)
    if not laid or sum(len(line.split()) for line in laid[0]) < 60:
        return None
    doc_type = rng.choices(list(TYPES), weights=list(TYPES.values()))[0]
    issuer, symbol, head, place = make_issuer(rng)
    year = rng.randint(1995, 2025)
    month, day = rng.randint(1, 12 if year < 2025 else 6), rng.randint(1, 28)  # until July 2025
    number = ""
    while doc_type != records.OTHER_TYPE and (not number or number in numbers):
        abbreviation = records.DOC_TYPES[doc_type]
        suffix = abbreviation or symbol
        tail = symbol if abbreviation else rng.choice(OFFICE_UNITS)
        number = f"{rng.randint(1, 1500 if symbol == 'UBND' else 450)}/{suffix}-{tail}"
    numbers.add(number)
    authority = head if rng.random() < 0.5 else f"KT. {head}\nPHÓ {head}"
    signer = " ".join(dict.fromkeys([rng.choice(SURNAMES), rng.choice(MIDDLE), rng.choice(GIVEN)]))
    fields = {
        "issuer": issuer,
        "number": number,
        "place": place,
        "date": f"{year}-{month:02d}-{day:02d}",
        "doc_type": doc_type,
        "subject": make_subject(rng, [line for page in laid for line in page], doc_type),
        "signer": signer,
        "authority": authority,
    }
    metadata = {name: records.normalize_value(name, value) for name, value in fields.items()}
    metadata["procedures"] = sorted(rng.sample(PROCEDURES, rng.choices([0, 1, 2], [3, 5, 2])[0]))
    header = [
        issuer,
        f"Số: {number}" if number else "",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
        f"{place}, ngày {day:02d} tháng {month:02d} năm {year}",
        doc_type.upper() if doc_type not in ("Công văn", records.OTHER_TYPE) else "",
        metadata["subject"],
    ]
    bodies = [normalize("\n".join(lines)) for lines in laid]
    texts = list(bodies)
    texts[0] = normalize("\n".join(line for line in header if line)) + "\n" + texts[0]
    texts[-1] += normalize(f"\n{authority}\n{signer}")
    return Document(id, key, metadata, texts, list(texts), bodies)


def misread(rng: random.Random, word: str) -> str:
    """The word as a poor OCR reads it: diacritics dropped, its tone dropped, or a wrong tone."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in TONE_MARKS]
    roll = rng.random()
    if roll < 0.4 or not tones:
        return fold(word)
    other = rng.choice(sorted(TONE_MARKS - set(tones))) if roll < 0.7 else ""
    return unicodedata.normalize("NFC", decomposed.replace(tones[0], other))


def damage(rng: random.Random, text: str) -> str:
    words = [m for m in _WORD.finditer(text) if fold(m.group()) != m.group()]
    for match in sorted(
        rng.sample(words, min(len(words), rng.randint(3, 8))), key=lambda m: -m.start()
    ):
        text = text[: match.start()] + misread(rng, match.group()) + text[match.end() :]
    return text


# ---------------------------------------------------------------------------- the brute force


class Truth:
    """What the set answers, by brute force: which documents hold words, phrases, filters."""

    def __init__(self, documents: list[Document]):
        self.documents = documents
        self.lines: dict[int, list[str]] = {}  # folded token runs, padded: " a b c "
        self.bags: dict[int, set[str]] = {}  # folded words
        self.units: dict[int, list[set[str]]] = {}  # folded words of each page, and of the metadata
        for doc in documents:
            meta = [v for v in doc.metadata.values() if isinstance(v, str)]
            self.lines[doc.id] = [f" {' '.join(tokens(t))} " for t in doc.pages + doc.raw + meta]
            self.bags[doc.id] = {w for line in self.lines[doc.id] for w in line.split()}
            self.units[doc.id] = [
                set(tokens(text + "\n" + raw)) for text, raw in zip(doc.pages, doc.raw, strict=True)
            ] + [set(tokens("\n".join(meta)))]
        self.pairs = Counter(  # adjacent words within a clause of a page body
            pair
            for doc in documents
            for page in doc.bodies
            for segment in _SEGMENT_BREAK.split(page)
            for pair in itertools.pairwise(accented(segment))
        )
        self.df = Counter(word for bag in self.bags.values() for word in bag)

    def having(self, words: list[str]) -> list[int]:
        """Documents holding every word, compared folded: an accented query's answers are
        among its folded twin's, so one answer folded is one answer both ways."""
        folded = [fold(w) for w in words]
        return [doc.id for doc in self.documents if all(w in self.bags[doc.id] for w in folded)]

    def on_one_page(self, words: list[str]) -> list[int]:
        """Documents with every word on one page (or all in the metadata): the ones a search
        for the words, without quotes, has to rank."""
        folded = {fold(w) for w in words}
        return [doc.id for doc in self.documents if any(folded <= u for u in self.units[doc.id])]

    def with_phrase(self, words: list[str]) -> list[int]:
        run = f" {' '.join(fold(w) for w in words)} "
        return [doc.id for doc in self.documents if any(run in line for line in self.lines[doc.id])]

    def passing(self, kind: str, value: str) -> list[int]:
        return [doc.id for doc in self.documents if passes(doc.metadata, kind, value)]


def passes(metadata: dict, kind: str, value: str) -> bool:
    """Does a document's metadata meet a filter, read the way the issue words it?"""
    if kind == "type":
        return fold(metadata["doc_type"]).lower() == value
    if kind in ("year", "years"):
        first, _, last = value.partition("..")
        return first <= metadata["date"][:4] <= (last or first)
    if kind == "issuer":
        return f" {value} " in f" {' '.join(tokens(records.issuing_body(metadata['issuer'])))} "
    if kind == "number":
        return f" {' '.join(tokens(value))} " in f" {' '.join(tokens(metadata['number']))} "
    return value in metadata["procedures"]


# ------------------------------------------------------------------------------- the queries


def run_of(rng: random.Random, text: str, lo: int, hi: int, truth: Truth) -> list[str]:
    """`lo`-`hi` consecutive words of `text` (lowercase, accented) within one clause, all of them
    letters, neither first nor last a function word, a letter alone, or half of a word the set
    often writes (`bảo | đảm`): what a person remembers and types; [] when the draw fails."""
    segments = [words for s in _SEGMENT_BREAK.split(text) if len(words := accented(s)) >= lo]
    if not segments:
        return []
    segment = rng.choice(segments)
    size = min(len(segment), rng.randint(lo, hi))
    start = rng.randrange(len(segment) - size + 1)
    run = segment[start : start + size]
    before = segment[start - 1] if start else ""
    after = segment[start + size] if start + size < len(segment) else ""
    if (
        not all(w.isalpha() for w in run)
        or {run[0], run[-1]} & DANGLING
        or min(len(run[0]), len(run[-1])) < 2
        or truth.pairs.get((before, run[0]), 0) >= COMPOUND
        or truth.pairs.get((run[-1], after), 0) >= COMPOUND
    ):
        return []
    return run


def exact_query(rng: random.Random, doc: Document, truth: Truth, rivals: bool) -> str | None:
    """2-4 words in a row, with diacritics, at least one of them rare (in a quarter of the
    documents or fewer), each also found elsewhere. With `rivals`, other documents hold them all
    on one page too, but only the target in a row (it is clearly the best); without, all of
    them are together in the target only."""
    page = rng.choice(doc.bodies)
    for _ in range(80):
        run = run_of(rng, page, 2, 4, truth)
        if (
            run
            and any(fold(w) != w for w in run)
            and all(truth.df[fold(w)] >= 2 for w in run)
            and min(truth.df[fold(w)] for w in run) <= len(truth.documents) // 4
            and truth.with_phrase(run) == [doc.id]
            and (len(truth.on_one_page(run)) > 1 if rivals else truth.having(run) == [doc.id])
        ):
            return " ".join(run)
    return None


def phrase_query(rng: random.Random, doc: Document, truth: Truth, folded: bool) -> str | None:
    """A quoted run of 2-5 syllables found only here; the first tries want its words scattered
    in other documents too, so that the quotes matter."""
    page = rng.choice(doc.bodies)
    for attempt in range(80):
        run = run_of(rng, page, 2, 5, truth)
        if not run or truth.with_phrase(run) != [doc.id]:
            continue
        if attempt < 60 and len(truth.on_one_page(run)) < 2:
            continue
        return '"' + " ".join(fold(w) if folded else w for w in run) + '"'
    return None


def number_query(doc: Document, truth: Truth, form: int) -> str | None:
    """The number as staff type it: whole, lowercase, folded lowercase, `45/KH`, `KH-LHH 45`."""
    number = doc.metadata["number"]
    if not number:
        return None
    serial, symbol = number.split("/", 1)
    typed = [
        number,
        number.lower(),
        fold(number).lower(),
        f"{serial}/{symbol.split('-')[0]}",
        f"{symbol} {serial}",
    ][form % 5]
    numbered = [
        d.id for d in truth.documents if set(tokens(typed)) <= set(tokens(d.metadata["number"]))
    ]
    quoted = truth.with_phrase(tokens(number))  # a document citing the number would be an answer
    contiguous = form % 5 == 4 or truth.with_phrase(tokens(typed)) == [doc.id]
    return typed if numbered == quoted == [doc.id] and contiguous else None


def filter_of(rng: random.Random, meta: dict, kind: str) -> tuple[str, str] | None:
    """A filter the target passes: (the value `passes` reads, the filter as typed)."""
    year = meta["date"][:4]
    if kind == "type":
        value = fold(meta["doc_type"]).lower()
        return value, f'type:"{value}"'
    if kind == "year":
        return year, f"year:{year}"
    if kind == "years":
        first = int(year) - rng.randint(0, 2)
        value = f"{first}..{first + rng.randint(max(1, int(year) - first), 3)}"
        return value, f"year:{value}"
    if kind == "issuer":
        body = tokens(records.issuing_body(meta["issuer"]))
        size = min(len(body), rng.randint(2, 4))
        start = rng.randrange(len(body) - size + 1)
        value = " ".join(body[start : start + size])
        return value, f'issuer:"{value}"'
    if kind == "number":
        return (meta["number"], f"number:{meta['number']}") if meta["number"] else None
    code = rng.choice(meta["procedures"]) if meta["procedures"] else ""
    return (code, f"procedure:{code}") if code else None


def filtered_query(rng: random.Random, doc: Document, truth: Truth, kind: str) -> dict | None:
    """Common words of the target's text (in COMMON documents or more; two words only if they
    are common together), and a filter the target passes, that together keep the target alone."""
    if not (chosen := filter_of(rng, doc.metadata, kind)):
        return None
    value, typed = chosen
    kept = set(truth.passing(kind, value))
    if kind != "number" and len(kept) < 2:
        return None
    segments = [
        [""] + accented(s) + [""] for page in doc.bodies for s in _SEGMENT_BREAK.split(page)
    ]
    words = [w for segment in segments for w in segment if w.isalpha()]
    pairs = sorted(
        {
            f"{a} {b}"
            for segment in segments
            for before, a, b, after in zip(*(segment[i:] for i in range(4)), strict=False)
            if a.isalpha()
            and b.isalpha()
            and {a, b}.isdisjoint(DANGLING)
            and cohesive(truth, before, a, b, after)
        }
    )
    singles = sorted({w for w in words if len(w) >= 3 and w not in DANGLING})
    rng.shuffle(pairs)
    rng.shuffle(singles)
    for candidate in pairs[:300] + singles[:200]:
        if " " in candidate and len(truth.with_phrase(candidate.split())) < COMMON:
            continue  # two words that are common together: "thực hiện", "sinh viên"
        found = truth.having(candidate.split())
        if len(found) >= COMMON and [d for d in found if d in kept] == [doc.id]:
            typed_words = candidate if rng.random() < 0.5 else fold(candidate)
            return {"query": f"{typed_words} {typed}", "words": typed_words}
    return None


def cohesive(truth: Truth, before: str, a: str, b: str, after: str) -> bool:
    """Are `a b` more often together than either is with its neighbour here? (`thực hiện`
    yes; `hoạch xây`, the end of `kế hoạch` and the start of `xây dựng`, no.)"""
    count = truth.pairs.get((a, b), 0)
    return truth.pairs.get((before, a), 0) < count and truth.pairs.get((b, after), 0) < count


def metadata_query(rng: random.Random, doc: Document, truth: Truth, kind: str) -> str | None:
    """Words of the subject (3-5 in a row), the issuing body and place, or the signer's name."""
    meta = doc.metadata
    if kind == "subject":
        subject = re.sub(r"^(Về việc|Về|V/v)\s+", "", meta["subject"])
        options = [run for _ in range(20) if (run := run_of(rng, subject, 3, 5, truth))]
    elif kind == "issuer":
        body = accented(records.issuing_body(meta["issuer"]))
        place = accented(meta["place"])
        body += place if " ".join(place) not in " ".join(body) else []
        options = [body, accented(meta["doc_type"]) + body]
    else:
        options = [accented(meta["signer"])]
    for words in options:
        # the issuer's words are not in a row on the page (parent line, body, place): all of
        # them in the target only; a subject or a name, in a row in the target only
        if (truth.having(words) if kind == "issuer" else truth.with_phrase(words)) == [doc.id]:
            return " ".join(fold(w) for w in words) if rng.random() < 0.3 else " ".join(words)
    return None


def make_queries(rng: random.Random, documents: list[Document], truth: Truth) -> list[dict]:
    """QUERIES of each kind, each target a different document within its kind."""
    queries: list[dict] = []

    def each(kind: str, make) -> None:
        made = 0
        for doc in rng.sample(documents, len(documents)):
            if made == QUERIES[kind]:
                break
            found = make(doc, made)
            if found is None:
                continue
            made += 1
            found = found if isinstance(found, dict) else {"query": found}
            queries.append({"id": f"{kind}-{made:02d}", "kind": kind, **found, "expected": doc.id})
        if made < QUERIES[kind]:
            raise SystemExit(f"only {made} {kind} queries found; the set needs {QUERIES[kind]}")

    each("exact", lambda doc, n: exact_query(rng, doc, truth, rivals=n % 2 == 0))
    for query in [q for q in queries if q["kind"] == "exact"]:
        queries.append(
            {
                "id": query["id"].replace("exact", "unaccented"),
                "kind": "unaccented",
                "query": fold(query["query"]),
                "expected": query["expected"],
                "twin": query["id"],
            }
        )
    each("phrase", lambda doc, n: phrase_query(rng, doc, truth, folded=n % 2 == 1))
    each("number", lambda doc, n: number_query(doc, truth, n))
    each("filtered", lambda doc, n: filtered_query(rng, doc, truth, FILTERS[n % len(FILTERS)]))
    each("metadata", lambda doc, n: metadata_query(rng, doc, truth, METADATA[n % len(METADATA)]))
    for query in queries:  # how much ranking matters: other documents the bare words find
        found = truth.on_one_page(tokens(_FILTER_TEXT.sub(" ", query["query"])))
        query["others"] = len(found) - (query["expected"] in found)
    return queries


# ---------------------------------------------------------------------------------- output


def write(out: Path, seed: int, documents: list[Document], queries: list[dict]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as file:
        for doc in documents:
            for number, (text, raw) in enumerate(zip(doc.pages, doc.raw, strict=True), start=1):
                line = {
                    "document_id": doc.id,
                    "name": f"scan-{doc.id:03d}.pdf",
                    "page": number,
                    "text": text,
                    "raw_text": raw,
                    "metadata": doc.metadata,
                    "source": doc.source,
                }
                file.write((json.dumps(line, ensure_ascii=False) + "\n").encode())
    (out / "documents.jsonl.gz").write_bytes(buffer.getvalue())
    text = json.dumps(queries, ensure_ascii=False, indent=1)
    (out / "queries.json").write_text(text + "\n", encoding="utf-8")
    (out / "README.md").write_text(readme(seed, documents, queries), encoding="utf-8")


def readme(seed: int, documents: list[Document], queries: list[dict]) -> str:
    kinds = Counter(query["kind"] for query in queries)
    domains = Counter(doc.source.split(":")[0] for doc in documents)
    pages = sum(len(doc.pages) for doc in documents)
    damaged = sum(t != r for doc in documents for t, r in zip(doc.pages, doc.raw, strict=True))
    ranked = sum(query["others"] > 0 for query in queries)
    return f"""# Relevance test set for full-text search

{len(documents)} synthetic archive documents ({_counts(domains)}), {pages} pages, and
{len(queries)} queries, each with the one document that must come first. Made by

    python scripts/make_search_set.py --seed {seed} --out tests/search_set

Don't edit files here by hand: rerun the command (same code and seed, same bytes). The
generator's docstring is the full reference. `tests/test_search_set.py` asserts the issue's
targets on this set (mean reciprocal rank ≥ 0.95; an unaccented query finds what its accented
twin finds; facet counts equal a count over all matches); `bench/search_relevance.py` prints
the figures per kind and every miss.

- `documents.jsonl.gz`: one JSON line per page: `document_id`, `name`, `page`, `text` (the
  repaired text), `raw_text` (raw OCR: diacritics dropped or wrong on a few words of {damaged}
  pages, equal to `text` elsewhere), `metadata` (`archive.records.FIELDS` as sohoa stores them,
  plus `procedures`, ISO procedure codes like `QT-07`) and `source` (the held-out corpus
  document the text is an excerpt of). Page 1 opens with the header, the last page closes with
  the signing block.
- `queries.json`: a list of `{{id, kind, query, expected, others}}`: `expected` is a
  `document_id`, `others` how many other documents hold all the query's bare words (no quotes,
  no filter) on one page, so the engine must rank them below ({ranked} queries have some);
  `unaccented` queries add `twin` (the `exact` query they fold), `filtered` ones `words` (the
  query without its filter). Kinds: {_counts(kinds)}.
- Text: short excerpts of held-out documents of the development corpus (`scripts/corpus.py`),
  never of training documents. Issuers, numbers, dates, names and procedures are fictitious.
- Answers: checked by brute force over the whole set, folded and lowercase: the expected
  document is the only right answer, or clearly the best (the words in a row there, scattered
  elsewhere). The search engine took no part in choosing the queries.
"""


def _counts(counter: Counter) -> str:
    return ", ".join(f"{n} {name}" for name, n in counter.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=Path("tests/search_set"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    documents: list[Document] = []
    numbers: set[str] = set()
    for source in sources(rng):
        doc = make_document(rng, len(documents) + 1, source, numbers)
        if doc:
            documents.append(doc)
    all_pages = [(doc, i) for doc in documents for i in range(len(doc.pages))]
    for doc, i in rng.sample(all_pages, round(DAMAGED_SHARE * len(all_pages))):
        doc.raw[i] = damage(rng, doc.pages[i])
    truth = Truth(documents)
    queries = make_queries(rng, documents, truth)
    write(args.out, args.seed, documents, queries)
    sizes = {p.name: p.stat().st_size for p in sorted(args.out.iterdir())}
    print(
        f"{len(documents)} documents, {len(all_pages)} pages, {len(queries)} queries → {args.out}"
    )
    print(", ".join(f"{name} {size / 1000:.0f} KB" for name, size in sizes.items()))


if __name__ == "__main__":
    main()
