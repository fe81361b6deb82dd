"""Where a frame's time goes: wall time per stage of the per-frame path.

>>> clock = StageClock()
>>> with clock("detect"):
...     pass
>>> list(clock.ms)
['detect']
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from prometheus_client.metrics import Counter, Histogram

    from serve.metrics import Metrics

# in the order a frame meets them: decode: the frames route's JPEG decode; gate: the
# motion gate; scene: the scene baseline; detect: the model; track: the tracker; rules:
# the rules engine; cases: case and evidence writes (detector, scene and re-inspection)
Stage = Literal["decode", "gate", "scene", "detect", "track", "rules", "cases"]
STAGES: tuple[Stage, ...] = ("decode", "gate", "scene", "detect", "track", "rules", "cases")


class StageClock:
    """Adds up the wall time spent in each stage (a stage may be entered more than once)."""

    def __init__(self) -> None:
        self.seconds: dict[Stage, float] = {}

    def __call__(self, stage: Stage) -> _Timed:
        return _Timed(self, stage)

    def add(self, stage: Stage, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    @property
    def ms(self) -> dict[str, float]:
        """Milliseconds per stage, in the route's order, rounded to microseconds."""
        return {s: round(self.seconds[s] * 1000.0, 3) for s in STAGES if s in self.seconds}


class _Timed:
    """``with clock(stage):`` (a plain context manager: a generator-based one costs several
    times as much, and a frame enters six)."""

    __slots__ = ("_clock", "_stage", "_started")

    def __init__(self, clock: StageClock, stage: Stage) -> None:
        self._clock, self._stage = clock, stage

    def __enter__(self) -> None:
        self._started = time.perf_counter()

    def __exit__(
        self, kind: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._clock.add(self._stage, time.perf_counter() - self._started)


class FrameMetrics:
    """One camera's per-frame series in ``/metrics``, looked up once rather than per frame
    and stage."""

    def __init__(self, metrics: Metrics, camera_id: str) -> None:
        self.frames_in: Counter = metrics.frames_in.labels(camera_id)
        self.processed: dict[bool, Counter] = {
            inferred: metrics.frames_processed.labels(camera_id, str(inferred).lower())
            for inferred in (True, False)
        }
        self.inference: Histogram = metrics.inference_seconds
        self._stages: dict[str, Histogram] = {s: metrics.stage_seconds.labels(s) for s in STAGES}

    def record(self, clock: StageClock) -> None:
        """A processed frame's stage times."""
        for stage, seconds in clock.seconds.items():
            self._stages[stage].observe(seconds)
