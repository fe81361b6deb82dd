"""Real-time pacing of frame reads that a closing source can cut short."""

from __future__ import annotations

import threading
import time


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
