"""Search at scale: build indexes of generated Vietnamese pages through sohoa's own code and time
the queries staff type, with facets and highlights on (issues 7 and 8).

    /tmp/venv/bin/python bench/search.py [--engine whoosh|tantivy] [--sizes 10000,30000,100000]
        [--against whoosh --against-sizes 10000,100000] [--queries 300] [--seed 1]
        [--out build/bench-search] [--keep] [--profile N] [--domains admin,legal,news]

For each size: pages/s of the engine's `rebuild` (page generation timed apart and left out), size
on disk, and p50/p95/p99/max of `search(query, limit=10)` over a deterministic mix of queries
(after 20 warm-up queries), overall and per kind: common words, rare words (page frequency 1-10
in that index), both without diacritics, quoted phrases, filters alone and with a word, document
numbers typed whole. p95 at each size is also given as a ratio to the smallest size's: on a
shared 2-core machine, ratios within one run are what compare. `--against ENGINE` runs a second
engine at `--against-sizes` on the same pages and queries and prints its figures over the first's
(Whoosh at a million pages would take hours to build). Targets: Whoosh p95 ≤ 80 ms at 10,000
pages and ≥ 150 pages/s (issue 7); Tantivy p95 ≤ 10 ms at 100,000 pages, ≤ 50 ms at 1,000,000,
≥ 3,000 pages/s (issue 8). `--profile N` runs the N slowest queries of the largest size again
under cProfile and prints where the time goes.

Pages are ~400 syllables of consecutive corpus paragraphs (`../shared/corpus` through
`scripts/corpus.py`; never shipped), grouped into documents of 1-5 pages with metadata as
`archive.records` stores it (36 issuers, every Decree 30 type, years 1995-2025), page 1 opening
with the header and page n closing with the signature, and a raw OCR text with ~3% of syllables
stripped of their diacritics. Same seed, same pages and queries, whichever engine.

Indexes (`<out>/<size>-seed<seed>/<engine>`) and `results.json` (every query's time) go to
`--out`; `--keep` reuses an index of the same size, seed and generator that this sohoa can still
read, instead of rebuilding it (to measure queries again). A million-page Tantivy index takes
~4 GB: delete `--out` after. Time: ~10 s to load the corpus, ~30 s per 100,000 pages to make
them, then the pages over the indexing rate (Whoosh: 61 pages/s on 2 cores, 100,000 pages ≈ 27
min), then (--queries + 20) × the mean latency at each size.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import json
import math
import pstats
import random
import re
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

from sohoa.archive.records import DOC_TYPES
from sohoa.archive.text import fold, normalize
from sohoa.search import ENGINES, IndexedPage, QueryError, engine_class

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import corpus  # noqa: E402

GENERATOR = 2  # bump when the pages change: --keep then rebuilds
DOMAIN_WEIGHTS = {"admin": 0.15, "legal": 0.45, "news": 0.40}
PAGES_PER_DOCUMENT = {1: 35, 2: 25, 3: 18, 4: 12, 5: 10}
WARM_UP = 20
SAMPLED_PAGES = 500  # pages kept from generation to draw phrases, rare words and numbers from
PROVINCES = ("BẮC GIANG", "NGHỆ AN", "THÁI BÌNH", "LÀO CAI", "ĐỒNG NAI", "CẦN THƠ")
BODIES = (
    ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", "SKHCN"),
    ("SỞ TÀI CHÍNH", "STC"),
    ("SỞ NỘI VỤ", "SNV"),
    ("SỞ GIÁO DỤC VÀ ĐÀO TẠO", "SGDĐT"),
    ("SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "STNMT"),
)
COMMON_TYPES = {"Công văn": 25, "Quyết định": 15, "Báo cáo": 10, "Kế hoạch": 10, "Thông báo": 8}
COMMON_TYPES |= {"Tờ trình": 6, "Giấy mời": 5, "Biên bản": 4, "Hướng dẫn": 3, "Khác": 3}
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Thanh", "Hữu", "Quang", "Ngọc")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hùng", "Lan", "Long", "Mai", "Nam", "Thảo")
COMMON_WORDS = ("kế hoạch", "báo cáo", "hoạt động", "quy định", "thực hiện", "cơ quan", "quản lý")
COMMON_WORDS += ("nhà nước", "phát triển", "tổ chức", "trách nhiệm", "ủy ban nhân dân", "công tác")
COMMON_WORDS += ("kinh tế", "xã hội", "đầu tư", "giáo dục", "môi trường", "tài chính", "năm")
KINDS = {  # share of the queries
    "common": 0.15,
    "common_folded": 0.10,
    "rare": 0.10,
    "rare_folded": 0.05,
    "phrase": 0.15,
    "phrase_folded": 0.05,
    "filter": 0.12,
    "filter_word": 0.18,
    "number": 0.10,
}
FOLD = {c: fold(chr(c)) for c in range(0xC0, 0x1EFA) if fold(chr(c)) != chr(c)}
_TOKEN = re.compile(r"\w+")
_CLAUSE = re.compile(r"[^\w\s]+|\n")


def load_sources(domains: list[str]) -> dict[str, tuple[list[str], list[int]]]:
    """Each domain's paragraphs in corpus order, and their syllable counts."""
    sources = {}
    for domain in domains:
        paragraphs = [p for _, paras in corpus.documents(domain) for p in paras]
        sources[domain] = (paragraphs, [p.count(" ") + 1 for p in paragraphs])
    return sources


def issuers() -> list[tuple[str, str, str]]:
    """(issuer as stored, its abbreviation for numbers, province): 36 of them."""
    found = []
    for province in PROVINCES:
        found.append((f"ỦY BAN NHÂN DÂN TỈNH {province}", "UBND", province))
        found += [(f"UBND TỈNH {province}\n{body}", abbr, province) for body, abbr in BODIES]
    return found


class Generator:
    """Pages of documents, streamed; `seconds` is the time spent making them."""

    def __init__(self, sources: dict, seed: int, pages: int):
        self.rng = random.Random(f"{seed}:pages")
        self.sources, self.pages = sources, pages
        self.domains = list(sources)
        self.domain_weights = [DOMAIN_WEIGHTS.get(d, 0.1) for d in self.domains]
        self.issuers = issuers()
        self.rng.shuffle(self.issuers)
        self.issuer_weights = [1 / (rank + 1) ** 0.7 for rank in range(len(self.issuers))]
        self.types = list(DOC_TYPES)
        self.type_weights = [COMMON_TYPES.get(name, 1) for name in self.types]
        names = {f.name for f in dataclasses.fields(IndexedPage)}
        self.procedures = "procedures" in names
        self.seconds = 0.0
        self.documents = 0
        self.samples: list[dict] = []
        self.every = max(1, pages // SAMPLED_PAGES)

    def __iter__(self):
        made, started, last_report = 0, time.perf_counter(), 0
        while made < self.pages:
            began = time.perf_counter()
            self.documents += 1
            count = self.rng.choices(list(PAGES_PER_DOCUMENT), PAGES_PER_DOCUMENT.values())[0]
            count = min(count, self.pages - made)
            document = self.document(self.documents, count)
            self.seconds += time.perf_counter() - began
            for page in document:
                if made % self.every == 0:
                    procedures = list(getattr(page, "procedures", ()))
                    sample = {"text": page.text, "metadata": page.metadata}
                    self.samples.append(sample | {"procedures": procedures})
                made += 1
                yield page
            if made - last_report >= max(1000, self.pages // 10):
                last_report = made
                elapsed = time.perf_counter() - started
                print(f"  {made:,} pages made, {elapsed:.0f} s", file=sys.stderr, flush=True)

    def document(self, document_id: int, count: int) -> list[IndexedPage]:
        rng = self.rng
        domain = rng.choices(self.domains, self.domain_weights)[0]
        paragraphs, counts = self.sources[domain]
        metadata = self.metadata(paragraphs)
        texts = self.texts(paragraphs, counts, count)
        texts[0] = header(metadata) + texts[0]
        texts[-1] += f"\n{metadata['authority']}\n(Đã ký)\n{metadata['signer']}"
        extra = {}
        if self.procedures:
            codes = rng.sample(range(1, 21), rng.choice((0, 0, 1, 1, 2)))
            extra["procedures"] = tuple(f"QT-{code:02d}" for code in sorted(codes))
        name = f"hs-{document_id:06d}.pdf"
        return [
            IndexedPage(document_id, name, number, text, self.damage(text), metadata, **extra)
            for number, text in enumerate(texts, 1)
        ]

    def texts(self, paragraphs: list[str], counts: list[int], pages: int) -> list[str]:
        """`pages` pages of ~400 syllables from consecutive paragraphs, cut between words."""
        rng, at, carry, texts = self.rng, self.rng.randrange(len(paragraphs)), None, []
        for _ in range(pages):
            target, parts, have = rng.randint(320, 480), [], 0
            while have < target:
                if carry:
                    paragraph, size, carry = *carry, None
                else:
                    paragraph, size = paragraphs[at], counts[at]
                    at = (at + 1) % len(paragraphs)
                if have + size > target + 40:
                    words = paragraph.split(" ")
                    take = target - have
                    paragraph, carry = " ".join(words[:take]), (" ".join(words[take:]), size - take)
                    size = take
                parts.append(paragraph)
                have += size
            texts.append("\n".join(parts))
        return texts

    def metadata(self, paragraphs: list[str]) -> dict:
        rng = self.rng
        issuer, abbr, province = rng.choices(self.issuers, self.issuer_weights)[0]
        doc_type = rng.choices(self.types, self.type_weights)[0]
        year = rng.randint(1995, 2025)
        symbol = DOC_TYPES[doc_type]
        serial = rng.randint(1, 300)
        if symbol is None:
            number = "" if doc_type == "Khác" and rng.random() < 0.5 else f"{serial}/{abbr}-VP"
        elif symbol in ("QĐ", "NQ", "CT") and rng.random() < 0.2:
            number = f"{serial}/{year}/{symbol}-{abbr}"
        else:
            number = f"{serial}/{symbol}-{abbr}"
        words = rng.choice(paragraphs).split(" ")  # a title: a paragraph's first words
        subject = " ".join(words[: rng.randint(6, 14)]).strip(" .,;:")
        subject = ("V/v " if doc_type == "Công văn" else "") + subject[:1].upper() + subject[1:]
        head = "ỦY BAN NHÂN DÂN" if abbr == "UBND" else "GIÁM ĐỐC"
        authority = rng.choice((f"TM. {head}\nCHỦ TỊCH", f"KT. {head}\nPHÓ GIÁM ĐỐC", "GIÁM ĐỐC"))
        fields = {
            "issuer": issuer,
            "number": number,
            "place": province.title(),
            "date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "doc_type": doc_type,
            "subject": normalize(subject),
            "signer": f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
            "authority": authority,
        }
        fields["confidence"] = {name: 0.9 for name, value in fields.items() if value}
        return fields

    def damage(self, text: str) -> str:
        """The raw OCR text: ~3% of the syllables lose their diacritics."""
        words = text.split(" ")
        for at in self.rng.sample(range(len(words)), max(1, round(len(words) * 0.03))):
            words[at] = words[at].translate(FOLD)
        return " ".join(words)


def header(metadata: dict) -> str:
    year, month, day = metadata["date"].split("-")
    lines = [
        metadata["issuer"],
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"Số: {metadata['number']}" if metadata["number"] else "",
        f"{metadata['place']}, ngày {int(day)} tháng {int(month)} năm {year}",
        "" if metadata["doc_type"] == "Công văn" else metadata["doc_type"].upper(),
        metadata["subject"],
    ]
    return "\n".join(line for line in lines if line) + "\n"


def build(args, sources: dict, size: int, engine: str) -> dict:
    """The `engine`'s index of `size` pages (made, or kept from an earlier run) and how it was
    made."""
    home = args.out / f"{size}-seed{args.seed}"
    directory = home / engine
    manifest_path = manifest_of(home, engine)
    wanted = {"pages": size, "seed": args.seed, "generator": GENERATOR, "domains": list(sources)}
    if args.keep and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if all(manifest.get(key) == value for key, value in wanted.items()):
            if readable(engine, directory):
                return {**manifest, "engine": engine, "directory": directory, "kept": True}
            print("  the kept index cannot be read by this sohoa: rebuilding", file=sys.stderr)
    shutil.rmtree(directory, ignore_errors=True)
    shutil.rmtree(directory.with_name(directory.name + ".building"), ignore_errors=True)
    home.mkdir(parents=True, exist_ok=True)
    generator = Generator(sources, args.seed, size)
    started = time.perf_counter()
    engine_class(engine)(directory).rebuild(generator)
    total = time.perf_counter() - started
    manifest = {
        **wanted,
        "documents": generator.documents,
        "seconds_total": round(total, 2),
        "seconds_generating": round(generator.seconds, 2),
        "pages_per_s": round(size / (total - generator.seconds), 1),
        "bytes": sum(f.stat().st_size for f in directory.iterdir() if f.is_file()),
        "samples": generator.samples,
    }
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return {**manifest, "engine": engine, "directory": directory, "kept": False}


def manifest_of(home: Path, engine: str) -> Path:
    """Where a size's index of `engine` is described (its pages' seed, shape and samples)."""
    return home / ("manifest.json" if engine == "whoosh" else f"manifest-{engine}.json")


def readable(engine: str, directory: Path) -> bool:
    """Whether this version of sohoa can search the index (a kept one may be of an older format:
    Whoosh pickles the schema, analyzers and all)."""
    try:
        return directory.is_dir() and engine_class(engine)(directory).problem() is None
    except Exception:  # an unreadable index, whatever the reason, is rebuilt
        return False


def make_queries(built: dict, seed: int, count: int, salt: str) -> list[tuple[str, str]]:
    """`count` (kind, query) pairs in KINDS' shares, shuffled; rare words as this index has them
    (every engine counts the same pages for a word: the same pages make the same queries)."""
    rng = random.Random(f"{seed}:{built['pages']}:{salt}")
    samples = built["samples"]
    vocabulary = engine_class(built["engine"])(built["directory"]).vocabulary()
    frequent = frequent_words(samples, 40)

    def rare_words(text: str) -> list[str]:
        """Words of `text` on at most 10 pages, as typed and without diacritics (a search
        finds both: `dối` is rare, but `doi` is not, so `dối` is not a rare word here)."""
        words = {w for w in _TOKEN.findall(normalize(text).lower()) if w.isalpha()}
        return sorted(
            w
            for w in words
            if len(w) > 1
            and vocabulary.frequency("exact", w) <= 10
            and vocabulary.frequency("folded", fold(w)) <= 10
        )

    def common() -> str:
        if rng.random() < 0.5:
            return rng.choice(COMMON_WORDS)
        return " ".join(rng.sample(frequent, rng.choice((1, 2))))

    def rare(text: str | None = None) -> str:
        for _ in range(1 if text else 50):
            words = rare_words(text or rng.choice(samples)["text"])
            if words:
                return " ".join(rng.sample(words, min(len(words), rng.choice((1, 2)))))
        return rng.choice(frequent)

    def phrase() -> str:
        """2-4 syllables in a row, within a clause (no punctuation between them)."""
        clauses = [_TOKEN.findall(c) for c in _CLAUSE.split(rng.choice(samples)["text"])]
        length = rng.randint(2, 4)
        clause = rng.choice([c for c in clauses if len(c) >= length] or [max(clauses, key=len)])
        start = rng.randrange(max(1, len(clause) - length + 1))
        return '"' + " ".join(clause[start : start + length]) + '"'

    def a_filter(sample: dict) -> str:
        metadata, procedures = sample["metadata"], sample["procedures"]
        kinds = ["type", "year", "range", "issuer", "number"] + ["procedure"] * bool(procedures)
        parts, year = [], int(metadata["date"][:4])
        for kind in rng.sample(kinds, rng.choice((1, 1, 2))):
            if kind == "type":
                parts.append(f'type:"{fold(metadata["doc_type"]).lower()}"')
            elif kind == "year":
                parts.append(f"year:{year}")
            elif kind == "range":
                parts.append(f"year:{year - rng.randint(0, 5)}..{year + rng.randint(0, 5)}")
            elif kind == "issuer":
                words = fold(metadata["issuer"].splitlines()[-1]).lower().split()
                words = words[-2:] if words[0] == "uy" else words[:3]  # the province, the body
                parts.append(f'issuer:"{" ".join(words)}"')
            elif kind == "procedure":
                parts.append(f"procedure:{rng.choice(procedures)}")
            elif metadata["number"]:
                parts.append(f"number:{metadata['number']}")
        return " ".join(parts) or f"year:{year}"

    def filter_word() -> str:
        """A common word, or a rare word of a page the filters keep, and filters."""
        sample = rng.choice(samples)
        word = common() if rng.random() < 2 / 3 else rare(sample["text"])
        return f"{word} {a_filter(sample)}"

    def number() -> str:
        numbers = [s["metadata"]["number"] for s in samples if s["metadata"]["number"]]
        typed = rng.choice(numbers)
        return fold(typed).lower() if rng.random() < 0.3 else typed

    makers = {
        "common": common,
        "common_folded": lambda: fold(common()),
        "rare": rare,
        "rare_folded": lambda: fold(rare()),
        "phrase": phrase,
        "phrase_folded": lambda: fold(phrase()),
        "filter": lambda: a_filter(rng.choice(samples)),
        "filter_word": filter_word,
        "number": number,
    }
    shares = [round(count * share) for share in KINDS.values()]
    shares[-1] += count - sum(shares)
    kinds = [kind for kind, n in zip(KINDS, shares, strict=True) for _ in range(n)]
    queries = [(kind, makers[kind]()) for kind in kinds]
    rng.shuffle(queries)
    return queries


def frequent_words(samples: list[dict], count: int) -> list[str]:
    """The words on most of the sampled pages (letters only, as typed)."""
    pages = Counter()
    for sample in samples:
        pages.update({w for w in _TOKEN.findall(normalize(sample["text"]).lower()) if w.isalpha()})
    return [word for word, _ in pages.most_common(count)]


def measure(
    engine: str, directory: Path, queries: list[tuple[str, str]], warm_up: list
) -> list[dict]:
    """Each query's time through the engine's `search`, one index object (as the app holds)."""
    index = engine_class(engine)(directory)
    for _, query in warm_up:
        try:
            index.search(query, limit=10)
        except QueryError:
            pass
    timings = []
    for kind, query in queries:
        started = time.perf_counter()
        try:
            total = index.search(query, limit=10).total
        except QueryError as error:
            total = f"error: {error}"
        ms = (time.perf_counter() - started) * 1000
        timings.append({"kind": kind, "query": query, "ms": round(ms, 2), "total": total})
    if hasattr(index, "close"):
        index.close()
    return timings


def percentile(values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(timings: list[dict]) -> dict:
    ms = [t["ms"] for t in timings]
    totals = sorted(t["total"] for t in timings if isinstance(t["total"], int))
    return {
        "n": len(ms),
        **{f"p{p}": round(percentile(ms, p), 1) for p in (50, 95, 99)},
        "max": round(max(ms), 1),
        "median_matches": totals[len(totals) // 2] if totals else None,
    }


def profile(engine: str, directory: Path, slowest: list[dict]) -> None:
    index, profiler = engine_class(engine)(directory), cProfile.Profile()
    print(f"\nprofile of the {len(slowest)} slowest queries at the largest size:")
    for timing in slowest:
        print(f"  {timing['ms']:8.1f} ms  {timing['kind']:<14} {timing['query']}")
    index.search("năm", limit=10)  # open the searcher outside the profile, as measure() did
    for timing in slowest:
        profiler.enable()
        index.search(timing["query"], limit=10)
        profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    by_module: dict[str, float] = {}
    for (filename, _, function), (_, _, own, _, _) in stats.stats.items():
        path = Path(filename)
        module = function if filename == "~" else ".".join(path.with_suffix("").parts[-2:])
        by_module[module] = by_module.get(module, 0.0) + own
    total = sum(by_module.values())
    print("own time by module (where the time goes):")
    for module, own in sorted(by_module.items(), key=lambda item: -item[1])[:15]:
        print(f"  {own:7.3f} s {own / total:6.1%}  {module}")
    stats.strip_dirs().sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(12)


def report(results: list[dict]) -> None:
    for engine in dict.fromkeys(r["engine"] for r in results):
        table(engine, [r for r in results if r["engine"] == engine])
    ratios(results)


def table(engine: str, results: list[dict]) -> None:
    base = results[0]["overall"]["p95"]
    print(
        f"\n{engine}\n{'pages':>9} {'docs':>8} {'pages/s':>8} {'gen s':>6} {'MB':>8}"
        f" {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'p95/first':>9}   (ms)"
    )
    for r in results:
        o = r["overall"]
        rate = f"{r['pages_per_s']:.0f}" + ("*" if r["kept"] else "")
        print(
            f"{r['pages']:>9,} {r['documents']:>8,} {rate:>8} {r['seconds_generating']:>6.1f}"
            f" {r['bytes'] / 1e6:>8.1f} {o['p50']:>7.1f} {o['p95']:>7.1f} {o['p99']:>7.1f}"
            f" {o['max']:>7.1f} {o['p95'] / base:>9.2f}"
        )
    if any(r["kept"] for r in results):
        print("* index kept from an earlier run (--keep): its pages/s is that run's")
    print("per kind, ms: p50 / p95 / p99 (median matched documents)")
    print(f"{'kind':<14} {'n':>4}" + "".join(f" {r['pages']:>26,}" for r in results))
    for kind in KINDS:
        cells = []
        for r in results:
            k = r["kinds"].get(kind)
            cell = f"{k['p50']:.0f} / {k['p95']:.0f} / {k['p99']:.0f} ({k['median_matches']})"
            cells.append(f" {cell:>26}" if k else f" {'-':>26}")
        n = results[0]["kinds"].get(kind, {}).get("n", 0)
        print(f"{kind:<14} {n:>4}" + "".join(cells))


def ratios(results: list[dict]) -> None:
    """Where two engines ran at one size: the second's figures over the first's."""
    engines = list(dict.fromkeys(r["engine"] for r in results))
    if len(engines) < 2:
        return
    first, other = engines[0], engines[1]
    by = {(r["engine"], r["pages"]): r for r in results}
    print(f"\n{other} / {first}, same pages and queries, measured in this run")
    print(f"{'pages':>9} {'p50':>8} {'p95':>8} {'p99':>8} {'pages/s':>8} {'MB':>8}")
    for pages in sorted({r["pages"] for r in results}):
        a, b = by.get((first, pages)), by.get((other, pages))
        if a and b:
            x, y = a["overall"], b["overall"]
            print(
                f"{pages:>9,} {y['p50'] / x['p50']:>7.1f}x {y['p95'] / x['p95']:>7.1f}x"
                f" {y['p99'] / x['p99']:>7.1f}x {a['pages_per_s'] / b['pages_per_s']:>7.1f}x"
                f" {b['bytes'] / a['bytes']:>7.1f}x"
            )
    print(f"(latency and size: {other} over {first}; pages/s: {first} over {other})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", choices=ENGINES, default="whoosh")
    parser.add_argument("--sizes", default="10000,30000,100000")
    parser.add_argument("--against", choices=ENGINES, help="also this engine, for ratios")
    parser.add_argument(
        "--against-sizes", default="10000,100000", help="the sizes --against runs at"
    )
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("build/bench-search"))
    parser.add_argument("--keep", action="store_true", help="reuse an index of the same shape")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--domains", default=",".join(DOMAIN_WEIGHTS))
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    against = {int(size) for size in args.against_sizes.split(",")} if args.against else set()
    started = time.perf_counter()
    sources = load_sources(args.domains.split(","))
    print(f"corpus loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    results = []
    for size in sorted(set(sizes) | against):
        engines = [args.engine] * (size in sizes) + [args.against] * (size in against)
        for engine in engines:
            print(f"[{engine}, {size:,} pages]", file=sys.stderr, flush=True)
            results.append(run(args, sources, size, engine))
            print(f"  done: {results[-1]['overall']}", file=sys.stderr, flush=True)
    report(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(
        json.dumps(
            {"args": vars(args) | {"out": str(args.out)}, "results": results},
            indent=1,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    print(f"\nresults: {args.out / 'results.json'}")
    if errors := sum(len(r["errors"]) for r in results):
        print(f"{errors} queries were refused (QueryError); see results.json")
    if args.profile:
        largest = [r for r in results if r["engine"] == args.engine][-1]
        slowest = sorted(largest["timings"], key=lambda t: -t["ms"])[: args.profile]
        profile(args.engine, Path(largest["directory"]), slowest)


def run(args, sources: dict, size: int, engine: str) -> dict:
    """Build (or keep) one engine's index of `size` pages and time the queries on it."""
    built = build(args, sources, size, engine)
    queries = make_queries(built, args.seed, args.queries, "measured")
    warm_up = make_queries(built, args.seed, WARM_UP, "w")
    timings = measure(engine, built["directory"], queries, warm_up)
    by_kind = {kind: [t for t in timings if t["kind"] == kind] for kind in KINDS}
    result = {key: value for key, value in built.items() if key not in ("samples",)}
    return result | {
        "directory": str(built["directory"]),
        "overall": summary(timings),
        "kinds": {kind: summary(ts) for kind, ts in by_kind.items() if ts},
        "errors": [t for t in timings if not isinstance(t["total"], int)],
        "timings": timings,
    }


if __name__ == "__main__":
    main()
