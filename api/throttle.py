"""Guessing passwords is slowed: after `LIMIT` failed sign-ins for one name from one address
within `WINDOW`, that name is refused from that address (429) until the window has passed since
the first of them. A success clears the count. Keyed by name *and* address, so someone guessing
cannot lock the real person out from their own desk. Kept in memory: a restart forgets it.
"""

from __future__ import annotations

import threading
import time
from collections import deque

LIMIT = 5
WINDOW = 15 * 60  # seconds


class SignInThrottle:
    def __init__(self, limit: int = LIMIT, window: float = WINDOW, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, name: str, address: str) -> float:
        """Seconds until this name may be tried again from this address (0: now)."""
        with self._lock:
            failures = self._recent(name, address)
            if len(failures) < self.limit:
                return 0.0
            return max(0.0, failures[0] + self.window - self.clock())

    def failed(self, name: str, address: str) -> None:
        with self._lock:
            self._recent(name, address).append(self.clock())

    def succeeded(self, name: str, address: str) -> None:
        with self._lock:
            self._failures.pop(_key(name, address), None)

    def _recent(self, name: str, address: str) -> deque[float]:
        """This key's failures still inside the window (older ones forgotten)."""
        failures = self._failures.setdefault(_key(name, address), deque())
        while failures and failures[0] + self.window <= self.clock():
            failures.popleft()
        return failures


def _key(name: str, address: str) -> tuple[str, str]:
    return name.strip().casefold(), address
