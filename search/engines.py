"""Which engine serves an archive's searches, and opening its index.

An archive starts on Whoosh. `sohoa reindex --engine tantivy` builds the Tantivy index beside
the Whoosh one (which keeps serving), then records the switch in `index/engine.json`: every
command, and a running web app at its next request, then searches with Tantivy, and the old
index is removed. `SOHOA_SEARCH_ENGINE`, when set, overrides the recorded choice.
"""

from __future__ import annotations

import json
import os
import shutil

from sohoa.archive.settings import Settings
from sohoa.search.engine import SearchIndex
from sohoa.search.whoosh_engine import WhooshIndex

ENGINES = ("whoosh", "tantivy")
DEFAULT_ENGINE = "whoosh"
CHOICE_FILE = "engine.json"
# Past this many pages one Whoosh search in twenty takes a quarter of a second or more, and it
# grows with the archive (bench/search.py on 2 cores: p95 242-423 ms at 10,000 pages, ~1 s at
# 30,000), where Tantivy answers in 5 ms; `sohoa doctor` then advises Tantivy.
WHOOSH_PAGES = 10_000


class EngineMissing(RuntimeError):
    """The engine asked for is not installed."""


def engine_class(name: str) -> type:
    """The index class of the engine `name` (one of `ENGINES`)."""
    if name == "tantivy":
        try:
            from sohoa.search.tantivy_engine import TantivyIndex
        except ImportError as error:
            raise EngineMissing(
                "the tantivy search engine is not installed: pip install 'sohoa[tantivy]'"
            ) from error
        return TantivyIndex
    if name == "whoosh":
        return WhooshIndex
    raise ValueError(f"search engine must be one of {', '.join(ENGINES)}, not {name!r}")


def chosen_engine(settings: Settings) -> str:
    """`SOHOA_SEARCH_ENGINE` if set, else the engine the archive was switched to, else Whoosh."""
    if settings.search_engine:
        return settings.search_engine
    try:
        recorded = json.loads((settings.index_dir / CHOICE_FILE).read_text()).get("engine")
    except (OSError, ValueError, AttributeError):
        return DEFAULT_ENGINE
    return recorded if recorded in ENGINES else DEFAULT_ENGINE


def choose_engine(settings: Settings, name: str) -> None:
    """Record that the archive's searches use `name` from now on, and remove the other
    engines' indexes (they would only grow stale)."""
    engine_class(name)  # installed
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    path = settings.index_dir / CHOICE_FILE
    path.with_suffix(".tmp").write_text(json.dumps({"engine": name}))
    os.replace(path.with_suffix(".tmp"), path)
    for other in ENGINES:
        if other != name:
            shutil.rmtree(settings.index_dir / other, ignore_errors=True)
            shutil.rmtree(settings.index_dir / f"{other}.building", ignore_errors=True)


def open_index(settings: Settings, engine: str | None = None) -> SearchIndex:
    """The archive's index of `engine` (default: the chosen one), in its own directory under
    the index directory; created empty on first use (see `ready_index`)."""
    name = engine or chosen_engine(settings)
    return engine_class(name)(settings.index_dir / name)
