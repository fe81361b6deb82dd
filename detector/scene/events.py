"""``SceneEvent``: what the scene baseline reports about one candidate, and its kinds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from detector.geometry import Box

EventKind = Literal["started", "reached", "seen", "ended"]


@dataclass(frozen=True)
class SceneEvent:
    """What happened to one candidate.

    ``started``: first seen as a stable difference in a watched zone; ``reached``: it has
    stayed its zone's dwell time (open a case now; exactly once per object); ``seen``:
    still there after that (every update); ``ended``: gone, or accepted into the baseline.
    """

    kind: EventKind
    key: int
    box: Box
    zone_id: str
    first_seen: float  # when the change first appeared
    last_seen: float
    score: float  # 0..1: how sure, from contrast and size
