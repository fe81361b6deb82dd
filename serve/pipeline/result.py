"""What one frame produced, and the error for a frame that comes too late."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from detector.detections import Detections
from detector.motion import GateReason
from detector.rules.engine import ViolationEvent
from detector.scene.events import SceneEvent


class FrameOutOfOrderError(ValueError):
    """A frame older than the camera's last one (HTTP 409)."""


@dataclass
class FrameResult:
    camera_id: str
    at: dt.datetime
    inferred: bool
    gate: GateReason
    detections: Detections
    names: list[str]
    events: list[ViolationEvent] = field(default_factory=list)
    opened: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    case_ids: dict[int, int] = field(default_factory=dict)  # candidate key -> case opened
    scene: list[SceneEvent] = field(default_factory=list)
    # milliseconds spent per stage of this frame (serve/pipeline/timing.py)
    timings_ms: dict[str, float] = field(default_factory=dict)
