"""Search relevance on the committed test set: mean reciprocal rank per kind, recall@1, misses.

    python bench/search_relevance.py [--set tests/search_set] [--engine whoosh|tantivy]

The set (`tests/search_set`, made by `scripts/make_search_set.py`) holds ~300 pages of held-out
corpus text with metadata, and queries each with the one document that must come first. Every
page is indexed in a throw-away index (`--engine`), every query asked with `limit=10`: a query's
reciprocal rank is 1/rank of its expected document, 0 when it is not in the first ten (or the
query is refused). Prints figures only; `tests/test_search_set.py` asserts the issue's targets
(MRR ≥ 0.95) with these same functions.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import tempfile
from collections import defaultdict
from pathlib import Path

from sohoa.search import ENGINES, IndexedPage, QueryError, SearchIndex, engine_class

SET = Path(__file__).resolve().parents[1] / "tests" / "search_set"
LIMIT = 10


def load_pages(directory: Path = SET) -> list[dict]:
    with gzip.open(directory / "documents.jsonl.gz", "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def load_queries(directory: Path = SET) -> list[dict]:
    return json.loads((directory / "queries.json").read_text(encoding="utf-8"))


def indexed_page(page: dict) -> IndexedPage:
    """The page as the index takes it; the ISO procedures travel in the metadata, and in their
    own field too when `IndexedPage` has one (it arrives with the ISO procedures issue)."""
    fields = {field.name for field in dataclasses.fields(IndexedPage)}
    extra = {"procedures": tuple(page["metadata"]["procedures"])} if "procedures" in fields else {}
    return IndexedPage(
        document_id=page["document_id"],
        name=page["name"],
        page=page["page"],
        text=page["text"],
        raw_text=page["raw_text"],
        metadata=page["metadata"],
        **extra,
    )


def build_index(pages: list[dict], directory: Path, engine: str = "whoosh") -> SearchIndex:
    index = engine_class(engine)(directory)
    index.rebuild(indexed_page(page) for page in pages)
    return index


def ranked(index: SearchIndex, query: str, limit: int = LIMIT) -> tuple[list[int], str]:
    """The document ids the engine returns, best first, and the error it gave ("" if none)."""
    try:
        return [hit.document_id for hit in index.search(query, limit=limit).hits], ""
    except QueryError as error:
        return [], str(error)


def reciprocal_rank(ids: list[int], expected: int) -> float:
    return 1 / (ids.index(expected) + 1) if expected in ids else 0.0


def evaluate(index: SearchIndex, queries: list[dict]) -> list[dict]:
    """Each query with `got` (ids returned), `error` and `rr` (its reciprocal rank)."""
    out = []
    for query in queries:
        ids, error = ranked(index, query["query"])
        out.append(
            {**query, "got": ids, "error": error, "rr": reciprocal_rank(ids, query["expected"])}
        )
    return out


def mrr_by_kind(results: list[dict]) -> dict[str, float]:
    """Mean reciprocal rank per kind of query, and `all`."""
    kinds: dict[str, list[float]] = defaultdict(list)
    for result in results:
        kinds[result["kind"]].append(result["rr"])
    kinds["all"] = [result["rr"] for result in results]
    return {kind: sum(rrs) / len(rrs) for kind, rrs in kinds.items()}


def misses(results: list[dict]) -> list[str]:
    """One line per query whose expected document is not first: rank, query, expected, got."""
    lines = []
    for r in results:
        if r["rr"] < 1:
            rank = round(1 / r["rr"]) if r["rr"] else "-"
            got = r["error"] or r["got"][:5]
            lines.append(
                f"{rank!s:>2} {r['id']:<14} {r['query']!r} expected {r['expected']}, got {got}"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", type=Path, default=SET)
    parser.add_argument("--engine", choices=ENGINES, default="whoosh")
    args = parser.parse_args()
    pages, queries = load_pages(args.set), load_queries(args.set)
    with tempfile.TemporaryDirectory() as directory:
        results = evaluate(build_index(pages, Path(directory), args.engine), queries)
    documents = len({page["document_id"] for page in pages})
    print(f"{args.engine}: {documents} documents, {len(pages)} pages, {len(queries)} queries")
    counts = defaultdict(int)
    for result in results:
        counts[result["kind"]] += 1
    for kind, mrr in mrr_by_kind(results).items():
        print(
            f"MRR {kind:<11} {mrr:.3f}  ({counts[kind] if kind != 'all' else len(results)} queries)"
        )
    first = sum(r["rr"] == 1 for r in results)
    print(f"recall@1     {first / len(results):.3f}  ({first}/{len(results)})")
    for line in misses(results):
        print(line)


if __name__ == "__main__":
    main()
