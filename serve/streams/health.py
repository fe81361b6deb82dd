"""Per-camera stream health, shared by pulled (worker) and pushed (HTTP route) cameras."""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import UTC, datetime
from typing import Any

# fps_in / fps_processed are averaged over this many seconds
RATE_WINDOW_S = 10.0


def _require_aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got naive {at.isoformat()}")
    return at


class _Rate:
    """Events per second over a sliding window of monotonic time."""

    def __init__(self, window_s: float, started: float) -> None:
        self._window_s = window_s
        self._started = started
        self._times: deque[float] = deque()

    def add(self, now: float) -> None:
        self._times.append(now)
        self._prune(now)

    def per_second(self, now: float) -> float:
        self._prune(now)
        # a fresh counter divides by its age, so the first seconds are not under-reported
        span = min(self._window_s, now - self._started)
        return len(self._times) / span if span > 0 else 0.0

    def _prune(self, now: float) -> None:
        cutoff = now - self._window_s
        while self._times and self._times[0] < cutoff:
            self._times.popleft()


class StreamHealth:
    """Thread-safe counters and state of one camera's stream; ``snapshot()`` is JSON-ready.

    >>> from datetime import UTC, datetime
    >>> h = StreamHealth("cam-01", "push")
    >>> h.connected(True); h.frame_in(datetime(2024, 5, 1, tzinfo=UTC))
    >>> h.snapshot()["frames_in"], h.snapshot()["last_frame_at"]
    (1, '2024-05-01T00:00:00+00:00')
    """

    def __init__(self, camera_id: str, source: str, *, window_s: float = RATE_WINDOW_S) -> None:
        self.camera_id = camera_id
        self.source = source
        self._lock = threading.Lock()
        now = time.monotonic()
        self._rate_in = _Rate(window_s, now)
        self._rate_processed = _Rate(window_s, now)
        self._connected = False
        self._frames_in = 0
        self._frames_processed = 0
        self._frames_inferred = 0
        self._frames_dropped = 0
        self._last_frame_at: datetime | None = None
        self._last_error: str | None = None
        self._last_error_at: datetime | None = None
        self._reconnects = 0
        self._clock_offset_s: float | None = None
        self._clock_refused = 0
        self._clock_ok = True

    def frame_in(self, at: datetime) -> None:
        """A frame arrived from the camera (``at``: its wall-clock time, timezone-aware)."""
        _require_aware(at)
        with self._lock:
            self._frames_in += 1
            self._last_frame_at = at
            self._rate_in.add(time.monotonic())

    def clock_offset(self, offset_s: float, *, refused: bool) -> None:
        """How far a pushed frame's time was from the server's clock (positive: ahead),
        and whether the frame was refused for it."""
        with self._lock:
            self._clock_offset_s = offset_s
            self._clock_refused += int(refused)
            self._clock_ok = not refused

    def frame_processed(self, at: datetime, inferred: bool) -> None:
        """A frame went through the pipeline; ``inferred`` when the detector actually ran."""
        _require_aware(at)
        with self._lock:
            self._frames_processed += 1
            self._frames_inferred += int(inferred)
            self._rate_processed.add(time.monotonic())

    def frame_dropped(self) -> None:
        """A frame was replaced by a newer one before it could be processed."""
        with self._lock:
            self._frames_dropped += 1

    def connected(self, ok: bool) -> None:
        with self._lock:
            self._connected = ok

    def error(self, message: str) -> None:
        with self._lock:
            self._last_error = message
            self._last_error_at = datetime.now(UTC)

    def reconnect(self) -> None:
        """The source was opened again after it had been lost."""
        with self._lock:
            self._reconnects += 1

    @property
    def is_connected(self) -> bool:
        with self._lock:
            return self._connected

    def snapshot(self) -> dict[str, Any]:
        now = time.monotonic()
        with self._lock:
            return {
                "camera_id": self.camera_id,
                "source": self.source,
                "connected": self._connected,
                "fps_in": round(self._rate_in.per_second(now), 3),
                "fps_processed": round(self._rate_processed.per_second(now), 3),
                "frames_in": self._frames_in,
                "frames_processed": self._frames_processed,
                "frames_inferred": self._frames_inferred,
                "frames_dropped": self._frames_dropped,
                "last_frame_at": _iso(self._last_frame_at),
                "last_error": self._last_error,
                "last_error_at": _iso(self._last_error_at),
                "reconnects": self._reconnects,
                # frame time minus server time of the latest pushed frame; clock_ok is
                # false while the camera's frames are refused for their time
                "clock_offset_s": (
                    None if self._clock_offset_s is None else round(self._clock_offset_s, 3)
                ),
                "clock_ok": self._clock_ok,
                "frames_clock_refused": self._clock_refused,
            }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None
