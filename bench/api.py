"""The HTTP API under load: requests/s and p50/p95/p99 of search and of a document's view, with
20 concurrent clients against `sohoa serve` on a generated archive of 10,000 pages (issue 12:
target p95 < 200 ms).

    .venv/bin/python bench/api.py [--pages 10000] [--clients 20] [--seconds 20]
        [--engine whoosh|tantivy] [--keep DIR] [--seed 1]

The archive is written without OCR: documents and pages go straight into the database through
the models, with the pages `bench/search.py` makes (its `Generator`: consecutive paragraphs of
`../shared/corpus` when it is there, else of the bundled samples' texts, with Decree 30
metadata and ~3% of the OCR text's syllables stripped of diacritics), then indexed by
`ready_index` as the app would. A staff user gets an API token; `sohoa serve` is started as a
subprocess on a free port, and each target is loaded in turn for `--seconds` by `--clients`
threads, each with its own keep-alive `httpx2.Client`:

- `search`: `GET /api/search?q=…`, cycling through `bench/search.py`'s mix of queries (common
  and rare words, phrases, filters, document numbers; a fifth typed without diacritics);
- `document`: `GET /api/documents/{id}` of a random document (1-5 pages with their text);
- `page`: `GET /documents/{id}`, the HTML document page, when the app has one (skipped on 404).

Printed per target: requests, requests/s, p50/p95/p99/max in ms, errors (any status but 200,
or no answer), whether p95 < 200 ms, and the CPU seconds the server and the clients used. The
clients run on the same machine as the server, so on 2 cores they take some of its CPU.

`--keep DIR` keeps the archive in DIR and reuses it when its pages, seed and generator match
(an index of another engine is built beside it). Without it the archive is in a temporary
directory, removed after. Time at 10,000 pages on 2 cores: ~1 min to write the pages, the
index at the engine's rate (Whoosh ~60 pages/s: ~3 min; Tantivy: seconds), then
3 × `--seconds`.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlencode

import httpx2
from sqlmodel import Session, select

from sohoa.archive import users
from sohoa.archive.database import open_database
from sohoa.archive.models import Document, Page
from sohoa.archive.records import empty_metadata
from sohoa.archive.settings import Settings
from sohoa.search import ENGINES, IndexedPage, open_index, ready_index

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SOHOA = str(Path(sys.executable).parent / "sohoa")
GENERATOR = 1  # bump when the archive's pages change: --keep then makes them again
TARGET_P95_MS = 200.0
QUERIES = 400
USER = "bench-api"


def bench_search():
    """`bench/search.py` (its page generator and query mix), loaded by path: a plain `import
    search` could find the repository's `search/` package instead."""
    spec = importlib.util.spec_from_file_location("bench_search", HERE / "search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def page_sources(generator) -> tuple[str, dict]:
    """The paragraphs pages are cut from: the development corpus when this machine has it
    (never shipped), else the texts of the bundled samples."""
    if generator.corpus.CORPUS.is_dir():
        return "corpus", generator.load_sources(list(generator.DOMAIN_WEIGHTS))
    paragraphs = [
        line.strip()
        for path in sorted((REPO / "scripts" / "sample_texts").glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if len(line.split()) >= 4
    ]
    return "samples", {"samples": (paragraphs, [p.count(" ") + 1 for p in paragraphs])}


def by_document(pages: Iterable[IndexedPage]) -> Iterable[list[IndexedPage]]:
    """The generator's pages, one document's at a time (they come in document order)."""
    current: list[IndexedPage] = []
    for page in pages:
        if current and page.document_id != current[0].document_id:
            yield current
            current = []
        current.append(page)
    if current:
        yield current


def write_archive(settings: Settings, pages: Iterable[IndexedPage], seed: int) -> int:
    """Documents and pages written straight to the database, as an ingest would leave them (an
    A4 page at 300 dpi; no original is stored, so `sohoa doctor` would say so). Returns how
    many documents."""
    engine = open_database(settings)
    documents = 0
    with Session(engine) as session:
        for group in by_document(pages):
            first = group[0]
            metadata = empty_metadata() | first.metadata
            digest = hashlib.sha256(f"bench-api:{seed}:{first.document_id}".encode()).hexdigest()
            document = Document(
                sha256=digest,
                name=first.name,
                size=150_000 * len(group),
                mime="application/pdf",
                status="ingested",
                page_count=len(group),
                record_metadata=metadata,
            )
            session.add(document)
            session.flush()
            for page in group:
                session.add(
                    Page(
                        document_id=document.id,
                        number=page.page,
                        width=2480,
                        height=3508,
                        dpi=300,
                        raw_text=page.raw_text,
                        text=page.text,
                        confidence=0.9,
                        text_source="ocr",
                    )
                )
            documents += 1
            if documents % 500 == 0:
                session.commit()
        session.commit()
    engine.dispose()
    return documents


def prepare(args, generator) -> tuple[Settings, dict]:
    """The archive (made, or kept from an earlier run) and its manifest, indexed by the
    engine asked for."""
    home = args.keep or Path(tempfile.mkdtemp(prefix="sohoa-bench-api-"))
    settings = Settings(home=home, search_engine=args.engine)
    manifest_path = home / "bench-api.json"
    source, sources = page_sources(generator)
    wanted = {"pages": args.pages, "seed": args.seed, "generator": GENERATOR, "source": source}
    manifest = None
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if any(manifest.get(key) != value for key, value in wanted.items()):
            print(f"{home} holds another archive: making it again", file=sys.stderr)
            manifest = None
    if manifest is None:
        if home.exists():
            shutil.rmtree(home)
        home.mkdir(parents=True)
        started = time.perf_counter()
        pages = generator.Generator(sources, args.seed, args.pages)
        documents = write_archive(settings, pages, args.seed)
        seconds = time.perf_counter() - started
        print(f"{args.pages:,} pages of {documents:,} documents written in {seconds:.0f} s")
        # No procedure links are written: queries filter on none.
        samples = [sample | {"procedures": []} for sample in pages.samples]
        manifest = wanted | {"documents": documents, "samples": samples}
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    else:
        print(f"kept: {args.pages:,} pages of {manifest['documents']:,} documents in {home}")
    index_archive(settings)
    return settings, manifest


def index_archive(settings: Settings) -> None:
    """The archive's index of the engine, built from the database if missing (what `sohoa
    serve` would do at start, done here so the server starts at once)."""
    engine = open_database(settings)
    started = time.perf_counter()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 30:
            last[0] = time.perf_counter()
            print(f"  indexed {done:,} of {total:,} pages", file=sys.stderr, flush=True)

    index = ready_index(open_index(settings), engine, progress=progress)
    seconds = time.perf_counter() - started
    print(f"{settings.search_engine} index: {index.page_count():,} pages, ready in {seconds:.0f} s")
    engine.dispose()


def bench_token(settings: Settings) -> str:
    """An API token of a staff user (made on first use)."""
    engine = open_database(settings)
    with Session(engine) as session:
        user = users.find(session, USER) or users.add_user(
            session, USER, "staff", "mật khẩu của phép đo", "bench"
        )
        token = users.issue_token(session, user, "bench/api.py", "bench")
        session.commit()
    engine.dispose()
    return token


def document_ids(settings: Settings) -> list[int]:
    engine = open_database(settings)
    with Session(engine) as session:
        ids = list(session.exec(select(Document.id)))
    engine.dispose()
    return ids


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(settings: Settings, log: Path) -> tuple[subprocess.Popen, str]:
    """`sohoa serve` on a free port, once `/health` answers: (process, base URL)."""
    port = free_port()
    environment = os.environ | {
        "SOHOA_HOME": str(settings.home),
        "SOHOA_SEARCH_ENGINE": settings.search_engine,
    }
    process = subprocess.Popen(
        [SOHOA, "serve", "--port", str(port)],
        env=environment,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"sohoa serve exited {process.returncode}:\n{log.read_text()}")
        try:
            if httpx2.get(base + "/health", timeout=2).status_code == 200:
                return process, base
        except httpx2.HTTPError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise SystemExit("sohoa serve did not answer /health in 300 s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux: /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(
    base: str,
    token: str,
    next_path: Callable[[random.Random], str],
    clients: int,
    seconds: float,
    server_pid: int,
) -> dict:
    """`clients` threads asking for `next_path(rng)` over and over for `seconds`; each
    answer's time, and what failed."""
    timings: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(number: int) -> None:
        rng = random.Random(number)
        mine, failed = [], []
        with httpx2.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as http:
            http.get(next_path(rng))  # connect and warm up, unmeasured
            start.wait()
            while time.perf_counter() < deadline[0]:
                path = next_path(rng)
                began = time.perf_counter()
                try:
                    status = http.get(path).status_code
                except httpx2.HTTPError as error:
                    failed.append(f"{path}: {type(error).__name__}")
                    continue
                if status == 200:
                    mine.append((time.perf_counter() - began) * 1000)
                else:
                    failed.append(f"{path}: {status}")
        with lock:
            timings.extend(mine)
            errors.extend(failed)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    server_cpu, own_cpu = cpu_seconds(server_pid), time.process_time()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return {
        "timings": timings,
        "errors": errors,
        "seconds": elapsed,
        "server_cpu": cpu_seconds(server_pid) - server_cpu,
        "client_cpu": time.process_time() - own_cpu,
    }


def percentile(values: list[float], p: float) -> float:
    """Nearest rank (as `bench/search.py`)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else float("nan")


def report(name: str, result: dict) -> bool:
    timings, elapsed = result["timings"], result["seconds"]
    p95 = percentile(timings, 95)
    met = p95 < TARGET_P95_MS and not result["errors"]
    print(
        f"{name:<9} {len(timings):>7,} {len(timings) / elapsed:>8.1f} "
        f"{percentile(timings, 50):>7.1f} {p95:>7.1f} {percentile(timings, 99):>7.1f} "
        f"{max(timings, default=float('nan')):>7.1f} {len(result['errors']):>6} "
        f"{'yes' if met else 'NO':>9} {result['server_cpu']:>7.1f} {result['client_cpu']:>7.1f}"
    )
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0, help="per target")
    parser.add_argument("--engine", choices=ENGINES, default="whoosh")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the archive here, reuse it")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    generator = bench_search()
    settings, manifest = prepare(args, generator)
    built = {
        "samples": manifest["samples"],
        "engine": args.engine,
        "directory": settings.index_dir / args.engine,
        "pages": args.pages,
    }
    queries = [query for _, query in generator.make_queries(built, args.seed, QUERIES, "api")]
    ids = document_ids(settings)
    token = bench_token(settings)
    log = settings.home / "bench-api-serve.log"
    server, base = start_server(settings, log)
    try:
        targets = {
            "search": lambda rng: "/api/search?" + urlencode({"q": rng.choice(queries)}),
            "document": lambda rng: f"/api/documents/{rng.choice(ids)}",
        }
        probe = httpx2.get(
            f"{base}/documents/{ids[0]}", headers={"Authorization": f"Bearer {token}"}
        )
        if probe.status_code != 404:
            targets["page"] = lambda rng: f"/documents/{rng.choice(ids)}"
        print(
            f"\n{args.engine}, {args.pages:,} pages, {len(ids):,} documents; {args.clients} "
            f"clients, {args.seconds:.0f} s per target; {os.cpu_count()} cores shared by the "
            f"server and the clients"
        )
        print(
            f"{'target':<9} {'requests':>7} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
            f"{'p99 ms':>7} {'max ms':>7} {'errors':>6} {'p95<200':>9} {'srv cpu':>7} "
            f"{'cli cpu':>7}"
        )
        results, met = {}, True
        for name, next_path in targets.items():
            results[name] = load(base, token, next_path, args.clients, args.seconds, server.pid)
            met = report(name, results[name]) and met
        if "page" not in targets:
            print("page      (no HTML document page in this app: /documents/{id} is 404)")
        for name, result in results.items():
            for error in sorted(set(result["errors"]))[:3]:
                print(f"  {name} error: {error}")
        print(f"\np95 under {TARGET_P95_MS:.0f} ms for every target: {'yes' if met else 'NO'}")
    finally:
        server.terminate()
        server.wait(30)
        if not args.keep:
            shutil.rmtree(settings.home, ignore_errors=True)


if __name__ == "__main__":
    main()
