"""Metadata extraction accuracy, per field, on labelled scans.

    python bench/metadata.py [--set tests/metadata_set] [--real ../shared/samples/real]
                             [--raw] [--show] [--workers 2]

Each labelled document (`labels.json` of a set made by `scripts/make_metadata_set.py`, and the
real scanned pages in `../shared/samples/real/` when present) is read the way ingest reads it:
prepare (red seal lifted), Tesseract `vie`, layout, repair, describe. The first and last page
are described together. Prints, per field, how many were right, missed, wrong and invented (see
`metadata_eval.py`), the accuracy, and the overall accuracy; `--raw` adds the same on raw OCR
text (no repair), `--show` lists every field that was not right. OCR results are cached under
`build/bench-metadata/` by image hash, so a second run measures only layout, repair and
describe. For the real scans it also prints the word error rate of the page text against the
hand transcription in Tesseract's reading order, in the layout's, and repaired. Prints figures
only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from metadata_eval import FIELDS, describe_pages, ocr_words, score  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402

from sohoa.archive.text import normalize, syllables  # noqa: E402
from sohoa.ingest.layout import Layout, read_layout  # noqa: E402
from sohoa.ingest.repair import repair  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "samples" / "real"
CACHE = REPO / "build" / "bench-metadata"
# Written by hand on the real pages (seen on the images; their README: 299 → 899, 15 → 5).
REAL_HANDWRITTEN = {"qn_299_p1": ["day", "number"], "qn_2770_p1": ["day", "number"]}


def labelled_set(directory: Path) -> list[dict]:
    """Documents of a generated set: pages as paths, fields, handwritten parts."""
    labels = json.loads((directory / "labels.json").read_text(encoding="utf-8"))
    return [
        {
            "id": item["id"],
            "pages": [directory / page for page in item["pages"]],
            "fields": item["fields"],
            "handwritten": item.get("handwritten", []),
            "layout": item.get("layout", ""),
        }
        for item in labels
    ]


def real_pages(directory: Path) -> list[dict]:
    """The real scans: each page alone, scored on the fields printed on it (the others must
    stay empty, except the type, which every record gets)."""
    documents = []
    for meta_file in sorted(directory.glob("*.metadata.json")):
        name = meta_file.name.removesuffix(".metadata.json")
        images = [p for p in directory.glob(f"{name}.*") if p.suffix in {".png", ".jpg"}]
        if not images:
            continue  # the born-digital PDF is read from its text layer, not OCR'd (#11)
        label = json.loads(meta_file.read_text(encoding="utf-8"))
        on_page = set(label.get("_fields_on_this_page", FIELDS))
        # A field not printed on the page must stay empty; the type is not scored on a last
        # page alone (every record gets one, from its first page).
        fields = {f: (label[f] if f in on_page else "") for f in FIELDS}
        if "doc_type" not in on_page:
            fields["doc_type"] = label["doc_type"] if "subject" in on_page else None
        handwritten = REAL_HANDWRITTEN.get(name, [])
        documents.append(
            {"id": name, "pages": images, "fields": fields, "handwritten": handwritten,
             "layout": "real"}
        )  # fmt: skip
    return documents


def cached_words(image: Path) -> dict:
    """The page's OCR words and size, cached by the image's hash."""
    digest = hashlib.sha256(image.read_bytes()).hexdigest()[:16]
    path = CACHE / f"{digest}.json"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(ocr_words(image), ensure_ascii=False), encoding="utf-8")
    return json.loads(path.read_text(encoding="utf-8"))


def cached_layout(image: Path) -> Layout:
    """The page's layout from its cached OCR words (the layout itself is made afresh, so
    changes to it are measured)."""
    page = cached_words(image)
    return read_layout(page["words"], page["width"], page["height"])


def evaluate(documents: list[dict], workers: int, repaired: bool) -> tuple[list, float]:
    """Scores of every document, and the seconds spent describing (repair included)."""
    pages = sorted({page for doc in documents for page in (doc["pages"][0], doc["pages"][-1])})
    with ThreadPoolExecutor(max_workers=workers) as pool:
        layouts = dict(zip(pages, pool.map(cached_layout, pages), strict=True))
    started = time.perf_counter()
    results = []
    for doc in documents:
        got = describe_pages([layouts[doc["pages"][0]], layouts[doc["pages"][-1]]], repaired)
        results.append((doc, score(doc["fields"], got, doc["handwritten"])))
    return results, time.perf_counter() - started


def print_table(title: str, results: list, seconds: float, show: bool) -> None:
    counts = {field: Counter() for field in FIELDS}
    for _, scores in results:
        for s in scores:
            counts[s.field][s.outcome] += 1
    print(f"\n{title}: {len(results)} documents, described in {seconds:.1f} s")
    print(f"{'field':<10} {'right':>6} {'missed':>7} {'wrong':>6} {'invented':>9} {'accuracy':>9}")
    total = Counter()
    for field in FIELDS:
        c = counts[field]
        total.update(c)
        n = sum(c.values())
        print(
            f"{field:<10} {c['right']:>6} {c['missed']:>7} {c['wrong']:>6} {c['invented']:>9} "
            f"{c['right'] / n:>9.1%}"
        )
    n = sum(total.values())
    print(f"{'all':<10} {total['right']:>6} {total['missed']:>7} {total['wrong']:>6} "
          f"{total['invented']:>9} {total['right'] / n:>9.1%}")  # fmt: skip
    if show:
        for doc, scores in results:
            for s in scores:
                if s.outcome != "right":
                    print(f"  {doc['id']} [{doc['layout']}] {s.field} {s.outcome}: "
                          f"want {s.expected!r} got {s.got!r}")  # fmt: skip


def reading_order(directory: Path) -> None:
    """Word error rate of the real pages' text against their transcriptions (which are in
    reading order): words in Tesseract's order, in the layout's order, and repaired."""
    print(f"\nreading order on real scans (WER vs transcription, {directory})")
    print(f"{'page':<12} {'tesseract':>10} {'layout':>8} {'repaired':>9}")
    for truth_file in sorted(directory.glob("*.truth.txt")):
        name = truth_file.name.removesuffix(".truth.txt")
        image = next(p for p in directory.glob(f"{name}.*") if p.suffix in {".png", ".jpg"})
        truth = syllables(normalize(truth_file.read_text(encoding="utf-8")))
        page = cached_words(image)
        lines: dict[int, list[str]] = {}
        for word in page["words"]:
            lines.setdefault(word["line"], []).append(word["text"])
        tesseract = "\n".join(" ".join(words) for words in lines.values())
        layout = read_layout(page["words"], page["width"], page["height"]).text()
        texts = (tesseract, layout, repair(layout).text)
        rates = [Levenshtein.distance(truth, syllables(normalize(t))) / len(truth) for t in texts]
        print(f"{name:<12} {rates[0]:>10.1%} {rates[1]:>8.1%} {rates[2]:>9.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=REPO / "tests" / "metadata_set")
    parser.add_argument("--real", type=Path, default=REAL)
    parser.add_argument("--raw", action="store_true", help="also score on raw OCR text")
    parser.add_argument("--show", action="store_true", help="list every field not right")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    sets = [("synthetic set " + str(args.set), labelled_set(args.set))] if args.set.is_dir() else []
    if args.real.is_dir():
        sets.append(("real scans " + str(args.real), real_pages(args.real)))
    if args.real.is_dir():
        reading_order(args.real)
    for title, documents in sets:
        if not documents:
            continue
        for repaired in (True, False) if args.raw else (True,):
            results, seconds = evaluate(documents, args.workers, repaired)
            label = title + (", repaired text" if repaired else ", raw OCR text")
            print_table(label, results, seconds, args.show)


if __name__ == "__main__":
    main()
