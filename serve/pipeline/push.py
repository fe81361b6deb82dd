"""One pushed frame, from the request's fields to the answer: admitted (the camera takes
pushes, is enabled, within its rate, a time its clock can have), decoded, processed.

The HTTP route (``serve/routes/frames.py``) runs these steps with its decode pool and
thread pool; a cluster worker (``serve/cluster/worker.py``) runs them in one call on the
frame the ingress forwarded. A refusal is a ``PushRefusedError`` carrying the HTTP status,
detail and headers either way, so both answer a camera the same.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from zoneinfo import ZoneInfo

from detector.errors import ImageDecodeError
from detector.frame import ScaledFrame
from serve.config.cameras import Camera
from serve.metrics import Metrics
from serve.pipeline.frame_loop import CameraPipeline
from serve.pipeline.result import FrameOutOfOrderError, FrameResult
from serve.schemas.detect import DetectionPublic, ImageSize
from serve.schemas.frames import FramePublic, ViolationProgress


class PushRefusedError(Exception):
    """A pushed frame the service does not take: ``status`` and ``detail`` for the camera."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def parse_timestamp(value: str, tz: ZoneInfo) -> dt.datetime:
    """ISO-8601 (a time without offset is the camera's local time) or epoch seconds."""
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        try:
            return dt.datetime.fromtimestamp(seconds, dt.UTC)
        except (OverflowError, OSError, ValueError) as e:
            raise ValueError(f"epoch seconds {text!r} out of range") from e
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError as e:
        raise ValueError(
            f"{text!r} is neither ISO-8601 (2026-11-23T08:15:00+08:00) nor epoch seconds"
        ) from e
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def check_pushable(camera: Camera) -> None:
    """PushRefusedError (409) unless the camera takes pushed frames now."""
    if camera.source.kind != "push":
        raise PushRefusedError(
            409,
            f"camera {camera.id!r} is pulled from its {camera.source.kind} source; "
            "frames can only be pushed to cameras with source kind 'push'",
        )
    if not camera.enabled:
        raise PushRefusedError(409, f"camera {camera.id!r} is disabled")


def admit_push(
    camera: Camera,
    pipeline: CameraPipeline,
    timestamp: str | None,
    now: dt.datetime,
    metrics: Metrics,
) -> dt.datetime:
    """The frame's time, once the camera may push it (PushRefusedError: 409, 429, 422)."""
    check_pushable(camera)
    budget = pipeline.push_budget
    wait = budget.take() if budget is not None else 0.0
    if budget is not None and wait > 0:
        metrics.frame_errors.labels(camera.id, "rate_limited").inc()
        raise PushRefusedError(
            429,
            f"camera {camera.id!r} sends frames faster than it may: at most {budget.rate:g} "
            f"a second (its sample_fps {camera.sample_fps:g} x push_rate), "
            f"{budget.burst:g} at once",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    try:
        if timestamp is None or not timestamp.strip():
            return pipeline.arrival_time(now)
        at = parse_timestamp(timestamp, camera.tz)
        pipeline.admit_time(at, now)
        return at
    except ValueError as e:  # FrameClockError too: the camera's clock does not move
        raise PushRefusedError(422, f"field 'timestamp': {e}") from e


def run_pushed(pipeline: CameraPipeline, frame: ScaledFrame, at: dt.datetime) -> FrameResult:
    """Process a decoded pushed frame (PushRefusedError 409 for one older than the last)."""
    pipeline.health.frame_in(at)
    try:
        return pipeline.process(frame, at)
    except FrameOutOfOrderError as e:
        raise PushRefusedError(409, str(e)) from e


def push_frame(
    camera: Camera,
    pipeline: CameraPipeline,
    data: bytes,
    timestamp: str | None,
    now: dt.datetime,
    metrics: Metrics,
) -> FramePublic:
    """All of it in one call, as a cluster worker runs a forwarded frame (the ingress
    checked the image's header against the limits already)."""
    at = admit_push(camera, pipeline, timestamp, now, metrics)
    started = time.perf_counter()
    try:
        frame = pipeline.decode(data)
    except ImageDecodeError as e:
        raise PushRefusedError(422, f"field 'image': {e}") from e
    return answer_pushed(camera, pipeline, frame, at, time.perf_counter() - started, metrics)


def answer_pushed(
    camera: Camera,
    pipeline: CameraPipeline,
    frame: ScaledFrame,
    at: dt.datetime,
    decode_s: float,
    metrics: Metrics,
) -> FramePublic:
    """Process a decoded pushed frame and answer it, its decode time among the stages."""
    metrics.stage_seconds.labels("decode").observe(decode_s)
    result = run_pushed(pipeline, frame, at)
    result.timings_ms = {"decode": round(decode_s * 1000.0, 3), **result.timings_ms}
    return frame_public(result, frame.size[0], frame.size[1], camera.tz)


def frame_public(result: FrameResult, width: int, height: int, tz: ZoneInfo) -> FramePublic:
    """The answer to a pushed frame: detections, the violations it advanced, its cases."""

    def local(t: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(t, tz)

    return FramePublic(
        camera_id=result.camera_id,
        timestamp=result.at.astimezone(tz),
        inferred=result.inferred,
        gate=result.gate,
        image=ImageSize(width=width, height=height),
        detections=[DetectionPublic(**r) for r in result.detections.to_records(result.names)],
        violations=[
            ViolationProgress(
                state=e.kind,
                violation=e.violation,
                label=e.label,
                zone_id=e.zone_id,
                first_seen=local(e.first_seen),
                last_seen=local(e.last_seen),
                duration_s=round(e.duration_s, 3),
                frames=e.frames,
                confidence=round(e.confidence, 4),
                box=[round(v, 1) for v in e.box],
                case_id=e.case_id
                if e.kind != "reached"
                else (e.case_id or result.case_ids.get(e.key)),
            )
            for e in result.events
        ],
        cases_opened=result.opened,
        cases_updated=result.updated,
        timings_ms=result.timings_ms,
    )
