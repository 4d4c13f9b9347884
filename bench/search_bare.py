"""A bare whoosh-reloaded index beside sohoa's, on the same pages and queries: what Whoosh itself
costs, so that `bench/search.py`'s figures can be read against it (issue 7).

    .venv/bin/python bench/search_bare.py [--size 10000] [--seed 1] [--out build/bench-search]

Needs the index `bench/search.py --sizes SIZE` left in `--out` (its queries are drawn from it,
the same ones). The bare index is what the issue measured: the page text in an exact and a folded
field (Vietnamese analysis, positions, the exact one stored), document type and year as facet
columns; a query is the words in both fields (Whoosh's parser), top 10 with `groupedby` facets
over all matches and highlights on the 10 shown. No grouping into documents, no metadata words,
no raw OCR text, no proximity. Filters (`type:` …) are taken out of the query and left out, so
only the word kinds compare. Prints indexing pages/s and p50/p95 per kind.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from whoosh import highlight, index
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.qparser import AndGroup, MultifieldParser

from sohoa.search.analysis import exact_analyzer, folded_analyzer
from sohoa.search.filters import split_filters

sys.path.insert(0, str(Path(__file__).resolve().parent))
import search as scale  # noqa: E402  (bench/search.py: the same pages and queries)


def bare_schema() -> Schema:
    return Schema(
        page=STORED,
        exact=TEXT(analyzer=exact_analyzer(), stored=True, phrase=True),
        folded=TEXT(analyzer=folded_analyzer(), phrase=True),
        doc_type=ID(sortable=True),
        year=ID(sortable=True),
    )


def build(pages, directory: Path) -> float:
    """Index the pages; pages/s, page generation left out."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    ix = index.create_in(str(directory), bare_schema())
    started = time.perf_counter()
    with ix.writer(limitmb=256) as writer:
        for page in pages:
            writer.add_document(
                page=page.page,
                exact=page.text,
                folded=page.text,
                doc_type=page.metadata.get("doc_type", ""),
                year=page.metadata.get("date", "")[:4],
            )
    return pages.pages / (time.perf_counter() - started - pages.seconds)


def measure(directory: Path, queries: list[tuple[str, str]]) -> list[dict]:
    ix = index.open_dir(str(directory))
    parser = MultifieldParser(["exact", "folded"], ix.schema, {"exact": 2.0}, group=AndGroup)
    timings = []
    with ix.searcher() as searcher:
        for kind, text in queries:
            words, _ = split_filters(text)
            if not words:
                continue
            started = time.perf_counter()
            results = searcher.search(parser.parse(words), limit=10, groupedby=["doc_type", "year"])
            results.formatter = highlight.HtmlFormatter()
            for hit in results[:10]:  # with groupedby, `results` holds every match
                hit.highlights("exact") or hit.highlights("folded", text=hit["exact"])
            results.groups("doc_type")
            ms = (time.perf_counter() - started) * 1000
            timings.append({"kind": kind, "ms": ms})
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("build/bench-search"))
    parser.add_argument("--keep", action="store_true", help="reuse the bare index")
    args = parser.parse_args()
    home = args.out / f"{args.size}-seed{args.seed}"
    manifest = json.loads((home / "manifest.json").read_text(encoding="utf-8"))
    built = {**manifest, "directory": home / "whoosh"}
    queries = scale.make_queries(built, args.seed, args.queries, "measured")
    sources = scale.load_sources(manifest["domains"])
    if args.keep and index.exists_in(str(home / "bare")):
        rate = float("nan")
    else:
        rate = build(scale.Generator(sources, args.seed, args.size), home / "bare")
    timings = measure(home / "bare", queries)
    print(f"bare whoosh, {args.size:,} pages: {rate:.0f} pages/s indexing")
    kinds = sorted({t["kind"] for t in timings}, key=list(scale.KINDS).index)
    every = sorted(t["ms"] for t in timings)
    print(
        f"  all word queries ({len(every)}): p50 {scale.percentile(every, 50):.0f} ms, "
        f"p95 {scale.percentile(every, 95):.0f} ms"
    )
    for kind in kinds:
        values = sorted(t["ms"] for t in timings if t["kind"] == kind)
        print(
            f"  {kind:14} {len(values):4}  p50 {scale.percentile(values, 50):6.0f}  "
            f"p95 {scale.percentile(values, 95):6.0f} ms"
        )


if __name__ == "__main__":
    main()
