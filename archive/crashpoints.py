"""Named crash points, for proving that a kill at the worst moment loses nothing.

`SOHOA_CRASH_AT=name` (or `name:N`, the N-th time it is reached) makes the process kill itself
with SIGKILL when it reaches that point: no `finally`, no `atexit`, no flush, as a power cut or
the OOM killer would stop it. The crash tests run the real command with it, check that the point
was reached (the line printed on stderr just before), run the same command again and check that
the archive holds everything exactly once. Unset, a point costs one dictionary lookup.

The points, in the order an ingest meets them:

- `mid-copy`: an original half copied into storage (its temporary file written, not renamed);
- `page-ocr`: a page's OCR finished, its document not yet saved;
- `after-commit`: a document's pages and events (or a person's edit of it) committed, the search
  index not yet written;
- `mid-index-commit`: the index writer's documents added, its commit not yet complete;
- `mid-preserve`: a document's preservation copy stored, its row and event not yet written;
- `mid-checkpoint`: a checkpoint row written, its transaction not yet committed.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

POINTS = (
    "mid-copy",
    "page-ocr",
    "after-commit",
    "mid-index-commit",
    "mid-preserve",
    "mid-checkpoint",
)

_lock = threading.Lock()
_reached: dict[str, int] = {}


def reached(name: str) -> None:
    """Die here if `SOHOA_CRASH_AT` names this point (and this is its N-th time)."""
    wanted = os.environ.get("SOHOA_CRASH_AT")
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    with _lock:
        _reached[name] = count = _reached.get(name, 0) + 1
        if count != int(nth or 1):
            return
        # Straight to file descriptor 2: `sys.stderr` may be borrowed by a library just now.
        message = f"sohoa: crash point {name} reached ({count}); killing the process\n"
        sys.stderr.flush()
        os.write(2, message.encode())
        os.kill(os.getpid(), signal.SIGKILL)
