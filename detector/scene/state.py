"""What the scene baseline keeps between updates: per-pixel state and candidate tracks."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from detector.scene.arrays import F32, U8, Mask
from detector.scene.events import SceneEvent
from detector.scene.grid import Grid
from detector.scene.reference import Frame, Strength
from detector.zones import Zone


@dataclass
class Track:
    key: int
    box: tuple[int, int, int, int]  # analysis pixels, xyxy (exclusive end)
    first_seen: float
    last_seen: float
    score: float
    zone: Zone | None = None
    started: bool = False
    reached: bool = False


@dataclass(frozen=True)
class Hint:
    """A candidate another process had: where (full-frame pixels) and when it was seen."""

    box: tuple[float, float, float, float]
    first_seen: float
    last_seen: float


@dataclass
class State:
    grid: Grid | None = None  # known from the first frame
    updates: int = 0
    last_at: float | None = None
    background: F32 | None = None
    age: F32 | None = None
    since: npt.NDArray[np.float64] | None = None  # epoch s: float32 is too coarse
    held_since: npt.NDArray[np.float64] | None = None  # since when held out of the scene
    busy: Mask | None = None  # moving or held out at the last update: not used to align
    removed: Mask | None = None  # regions an object has left: learnt at once
    last: Frame | None = None
    seen: U8 | None = None  # the last look's frame, blurred (``SceneBaseline._seen``)
    # at the last look: difference, difference also at the look before, moving, strength
    # and held-out regions
    looked: tuple[Mask, Mask, Mask, Strength, Mask] | None = None
    settling: bool = True  # the last look saw a difference still moving or new
    ageing: bool = False  # some pixel's ``age`` is above 0 (the last settle left it so)
    tracks: dict[int, Track] = field(default_factory=dict)
    next_key: int = 1
    pending: list[SceneEvent] = field(default_factory=list)
    hints: list[Hint] = field(default_factory=list)  # adopted candidates not yet found again
    warmup: list[U8] = field(default_factory=list)

    def waiting(self) -> bool:
        """Something a later update must carry on: a candidate, an event not yet handed
        out, a region an object left, or a pixel ageing towards static."""
        return bool(self.tracks or self.pending or self.removed is not None or self.ageing)
