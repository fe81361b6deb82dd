"""Where a frame's time goes: wall time per stage of the per-frame path.

>>> clock = StageClock()
>>> with clock("detect"):
...     pass
>>> list(clock.ms)
['detect']
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

# in the order a frame meets them: decode: the frames route's JPEG decode; gate: the
# motion gate; scene: the scene baseline; detect: the model; track: the tracker; rules:
# the rules engine; cases: case and evidence writes (detector, scene and re-inspection)
Stage = Literal["decode", "gate", "scene", "detect", "track", "rules", "cases"]
STAGES: tuple[Stage, ...] = ("decode", "gate", "scene", "detect", "track", "rules", "cases")


class StageClock:
    """Adds up the wall time spent in each stage (a stage may be entered more than once)."""

    def __init__(self) -> None:
        self.seconds: dict[Stage, float] = {}

    @contextmanager
    def __call__(self, stage: Stage) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - started
            self.seconds[stage] = self.seconds.get(stage, 0.0) + spent

    def add(self, stage: Stage, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    @property
    def ms(self) -> dict[str, float]:
        """Milliseconds per stage, in the route's order, rounded to microseconds."""
        return {s: round(self.seconds[s] * 1000.0, 3) for s in STAGES if s in self.seconds}
