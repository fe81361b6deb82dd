"""Failed sign-ins, counted per key (a user name, a client address), in memory.

After ``limit`` failures within ``window_s`` the key is locked out until the oldest of
them ages out. Per process: behind several workers each counts on its own, which still
caps guessing at a few attempts a minute per worker.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class LoginThrottle:
    def __init__(
        self,
        limit: int = 5,
        window_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError(f"expected limit >= 1 and window_s > 0, got {limit}, {window_s}")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may try again; 0 when it is not locked out."""
        now = self._clock()
        with self._lock:
            times = self._recent(key, now)
            if len(times) < self.limit:
                return 0.0
            return times[0] + self.window_s - now

    def failed(self, key: str) -> None:
        now = self._clock()
        with self._lock:
            self._recent(key, now).append(now)

    def clear(self, prefix: str) -> int:
        """Forget the failures of every key that starts with ``prefix``; how many keys."""
        with self._lock:
            gone = [k for k in self._failures if k.startswith(prefix)]
            for k in gone:
                del self._failures[k]
            return len(gone)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times and len(self._failures) > 10_000:  # many one-off keys: drop stale ones
            self._failures = {k: v for k, v in self._failures.items() if v}
            self._failures[key] = times
        return times
