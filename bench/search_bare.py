"""A bare index beside sohoa's, on the same pages and queries: what the search library itself
costs, so that `bench/search.py`'s figures can be read against it (issues 7 and 8).

    .venv/bin/python bench/search_bare.py [--engine whoosh|tantivy] [--size 10000] [--seed 1]
        [--out build/bench-search]

Needs the index `bench/search.py --engine ENGINE --sizes SIZE` left in `--out` (its queries are
drawn from it, the same ones). The bare index is what the issues measured: the page text in an
exact and a folded field (positions, the exact one stored), document type and year as facet
columns; a query is the words in both fields (the library's own parser, every word required,
the exact field boosted 2), top 10 with facets over all matches and highlights on the 10 shown.
No grouping into documents, no metadata words, no raw OCR text, no proximity. Filters (`type:` …)
are taken out of the query and left out, so only the word kinds compare. Whoosh analyses with
sohoa's Vietnamese analysis; Tantivy with its own (lowercase, ASCII folding), on the text as it
comes. Prints indexing pages/s and p50/p95 per kind.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import tantivy
from whoosh import highlight, index
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.qparser import AndGroup, MultifieldParser

from sohoa.search.analysis import exact_analyzer, folded_analyzer
from sohoa.search.filters import split_filters
from sohoa.search.tantivy_schema import analyzers

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


def whoosh_build(pages, directory: Path) -> float:
    """Index the pages; pages/s, page generation left out."""
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


def whoosh_measure(directory: Path, queries: list[tuple[str, str]]) -> list[dict]:
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


def tantivy_index(directory: Path) -> tantivy.Index:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("page", stored=True)
    builder.add_text_field("exact", stored=True, tokenizer_name="exact", index_option="position")
    builder.add_text_field("folded", tokenizer_name="folded", index_option="position")
    builder.add_text_field("doc_type", tokenizer_name="raw", fast=True)
    builder.add_text_field("year", tokenizer_name="raw", fast=True)
    ix = tantivy.Index(builder.build(), path=str(directory))
    for name in ("exact", "folded"):
        ix.register_tokenizer(name, analyzers()[name])
    return ix


def tantivy_build(pages, directory: Path) -> float:
    """Index the pages (Tantivy's writer on every core); pages/s, page generation left out."""
    writer = tantivy_index(directory).writer(256_000_000)
    started = time.perf_counter()
    for page in pages:
        entry = tantivy.Document()
        entry.add_unsigned("page", page.page)
        entry.add_text("exact", page.text)
        entry.add_text("folded", page.text)
        entry.add_text("doc_type", page.metadata.get("doc_type", "") or "-")
        entry.add_text("year", page.metadata.get("date", "")[:4] or "-")
        writer.add_document(entry)
    writer.commit()
    writer.wait_merging_threads()
    return pages.pages / (time.perf_counter() - started - pages.seconds)


def tantivy_measure(directory: Path, queries: list[tuple[str, str]]) -> list[dict]:
    ix = tantivy_index(directory)
    searcher, schema = ix.searcher(), ix.schema
    facets = {name: {"terms": {"field": name, "size": 1000}} for name in ("doc_type", "year")}
    timings = []
    for kind, text in queries:
        words, _ = split_filters(text)
        if not words:
            continue
        started = time.perf_counter()
        query = ix.parse_query(
            words, ["exact", "folded"], field_boosts={"exact": 2.0}, conjunction_by_default=True
        )
        hits = searcher.search(query, 10).hits
        searcher.aggregate(query, facets)
        exact = tantivy.SnippetGenerator.create(searcher, query, schema, "exact")
        folded = tantivy.SnippetGenerator.create(searcher, query, schema, "folded")
        for _, address in hits:
            shown = searcher.doc(address)
            highlighted = exact.snippet_from_doc(shown)
            if not highlighted.highlighted():  # typed without diacritics
                as_folded = tantivy.Document()
                as_folded.add_text("folded", shown.get_first("exact"))
                highlighted = folded.snippet_from_doc(as_folded)
            highlighted.to_html()
        timings.append({"kind": kind, "ms": (time.perf_counter() - started) * 1000})
    return timings


ENGINES = {"whoosh": (whoosh_build, whoosh_measure), "tantivy": (tantivy_build, tantivy_measure)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", choices=ENGINES, default="whoosh")
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("build/bench-search"))
    parser.add_argument("--keep", action="store_true", help="reuse the bare index")
    args = parser.parse_args()
    home = args.out / f"{args.size}-seed{args.seed}"
    manifest = json.loads(scale.manifest_of(home, args.engine).read_text(encoding="utf-8"))
    built = {**manifest, "engine": args.engine, "directory": home / args.engine}
    queries = scale.make_queries(built, args.seed, args.queries, "measured")
    sources = scale.load_sources(manifest["domains"])
    build, measure = ENGINES[args.engine]
    bare = home / f"bare-{args.engine}"
    if args.keep and bare.is_dir():
        rate = float("nan")
    else:
        shutil.rmtree(bare, ignore_errors=True)
        bare.mkdir(parents=True)
        rate = build(scale.Generator(sources, args.seed, args.size), bare)
    timings = measure(bare, queries)
    print(f"bare {args.engine}, {args.size:,} pages: {rate:.0f} pages/s indexing")
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
