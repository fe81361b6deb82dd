"""A push camera's clock against the server's: which frame times are believed, and the
time a frame sent without one gets."""

from __future__ import annotations

import datetime as dt

from serve.metrics import Metrics
from serve.streams.health import StreamHealth

# the earliest frame time taken: before it, the camera's clock was never set (1970)
EARLIEST_FRAME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class FrameClockError(ValueError):
    """A frame stamped too far ahead of the server's clock, or before any clock was set."""


class CameraClock:
    """How far one camera's clock runs from the server's, as its stamped frames show."""

    def __init__(self, camera_id: str, max_ahead_s: float, metrics: Metrics) -> None:
        self.camera_id = camera_id
        self.max_ahead_s = max_ahead_s
        self.metrics = metrics
        # how far the camera's clock was from the server's at its last stamped frame
        self.offset = dt.timedelta(0)

    def admit(self, at: dt.datetime, now: dt.datetime, health: StreamHealth) -> None:
        """Check a pushed frame's time against the server's clock ``now`` before anything
        else: FrameClockError (the camera's clock does not move, nothing is lost) for a
        time more than ``max_ahead_s`` ahead or before 2000; either way ``health`` shows
        how far the camera's clock is off."""
        offset = (at - now).total_seconds()
        ahead = offset > self.max_ahead_s
        unset = at < EARLIEST_FRAME
        health.clock_offset(offset, refused=ahead or unset)
        if not (ahead or unset):
            self.offset = at - now
            return
        self.metrics.frame_errors.labels(self.camera_id, "clock").inc()
        what = (
            f"{offset:.0f} s ahead of the server's clock ({now.isoformat()}), more than "
            f"the {self.max_ahead_s:g} s allowed"
            if ahead
            else "before 2000-01-01: the camera's clock looks unset"
        )
        raise FrameClockError(
            f"frame time {at.isoformat()} is {what}; fix the camera's clock (NTP) or "
            "leave 'timestamp' out to stamp frames on arrival"
        )

    def arrival(self, now: dt.datetime, last: dt.datetime | None) -> dt.datetime:
        """The time for a pushed frame sent without one: ``now`` on the camera's own clock
        (its offset at its last stamped frame), never before its ``last`` frame, so one
        unstamped frame from a camera whose clock lags does not refuse all that follow."""
        at = now + self.offset
        return at if last is None or at >= last else last
