"""Real-time pacing of frame reads that a closing source can cut short."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """Waits out a fixed interval between frames; ``stop()`` ends any wait at once."""

    def __init__(self, interval_s: float, *, first_at: float | None = None) -> None:
        self.interval_s = interval_s
        self._next = time.monotonic() if first_at is None else first_at
        self._stopped = threading.Event()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def wait(self) -> bool:
        """Sleep until the next frame is due; False if stopped meanwhile."""
        delay = self._next - time.monotonic()
        if delay > 0 and self._stopped.wait(delay):
            return False
        # a late reader does not burst to catch up
        self._next = max(self._next + self.interval_s, time.monotonic())
        return not self._stopped.is_set()

    def stop(self) -> None:
        self._stopped.set()


class PushBudget:
    """A token bucket per push camera: ``rate`` frames a second sustained, ``burst``
    at once; ``take()`` returns 0 when a frame may go through, else the seconds until one
    may (for ``Retry-After``).

    >>> b = PushBudget(rate=1.0, burst=2, clock=lambda: 0.0)
    >>> b.take(), b.take(), b.take()
    (0.0, 0.0, 1.0)
    """

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"expected rate > 0 and burst >= 1, got {rate}, {burst}")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._at = clock()
        self._lock = threading.Lock()

    def take(self) -> float:
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return 0.0
            return (1.0 - self._tokens) / self.rate
