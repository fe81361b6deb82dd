"""What ``POST /v1/cameras/{id}/frames`` answers."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from serve.schemas.detect import DetectionPublic, ImageSize


class ViolationProgress(BaseModel):
    """One violation the frame advanced (started, progressed, reached, seen or ended)."""

    state: str
    violation: str
    label: str
    zone_id: str | None
    first_seen: dt.datetime
    last_seen: dt.datetime
    duration_s: float
    frames: int
    confidence: float
    box: list[float]
    case_id: int | None


class FramePublic(BaseModel):
    camera_id: str
    timestamp: dt.datetime
    inferred: bool
    gate: str
    image: ImageSize
    detections: list[DetectionPublic]
    violations: list[ViolationProgress]
    cases_opened: list[int]
    cases_updated: list[int]
    # milliseconds per stage of this frame's path: decode, gate, scene, detect, track,
    # rules, cases (those it went through)
    timings_ms: dict[str, float]
