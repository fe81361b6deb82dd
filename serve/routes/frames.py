"""``POST /v1/cameras/{id}/frames``: a push camera (or gateway) sends one frame."""

from __future__ import annotations

import datetime as dt
import math
import time
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool

from detector.errors import ImageDecodeError
from serve.cameras.service import UnknownCameraError
from serve.pipeline import FrameOutOfOrderError, FrameResult
from serve.routes.deps import CamerasDep, DecoderDep, MetricsDep, SettingsDep
from serve.routes.uploads import read_bytes
from serve.schemas.detect import DetectionPublic, ImageSize
from serve.schemas.frames import FramePublic, ViolationProgress

router = APIRouter(prefix="/cameras", tags=["frames"])


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


def _public(result: FrameResult, width: int, height: int, tz: ZoneInfo) -> FramePublic:
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
                case_id=e.case_id if e.kind != "reached" else (e.case_id or _opened(result, e.key)),
            )
            for e in result.events
        ],
        cases_opened=result.opened,
        cases_updated=result.updated,
        timings_ms=result.timings_ms,
    )


def _opened(result: FrameResult, key: int) -> int | None:
    return result.case_ids.get(key)


@router.post("/{camera_id}/frames", response_model=FramePublic)
async def push_frame(
    request: Request,
    camera_id: str,
    image: UploadFile,
    cameras: CamerasDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    decoder: DecoderDep,
    timestamp: Annotated[
        str | None,
        Form(
            description="ISO-8601 or epoch seconds; default: when received, on the "
            "camera's clock as its last stamped frame showed it"
        ),
    ] = None,
) -> FramePublic:
    """Process one frame synchronously: detections, the violations it advanced, and the
    cases it opened or updated. Frames must arrive in time order (older ones get 409)."""
    try:
        camera = cameras.get(camera_id)
        pipeline = cameras.pipeline(camera_id)
    except UnknownCameraError as e:
        raise HTTPException(404, f"no camera with id {camera_id!r}") from e
    if camera.source.kind != "push":
        raise HTTPException(
            409,
            f"camera {camera_id!r} is pulled from its {camera.source.kind} source; "
            "frames can only be pushed to cameras with source kind 'push'",
        )
    if not camera.enabled:
        raise HTTPException(409, f"camera {camera_id!r} is disabled")
    budget = pipeline.push_budget
    wait = budget.take() if budget is not None else 0.0
    if budget is not None and wait > 0:
        metrics.frame_errors.labels(camera_id, "rate_limited").inc()
        raise HTTPException(
            429,
            f"camera {camera_id!r} sends frames faster than it may: at most {budget.rate:g} "
            f"a second (its sample_fps {camera.sample_fps:g} x push_rate), "
            f"{budget.burst:g} at once",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    now = dt.datetime.now(dt.UTC)
    try:
        if timestamp is None or not timestamp.strip():
            at = pipeline.arrival_time(now)
        else:
            at = parse_timestamp(timestamp, camera.tz)
            pipeline.admit_time(at, now)
    except ValueError as e:  # FrameClockError too: the camera's clock does not move
        raise HTTPException(422, f"field 'timestamp': {e}") from e
    data = await read_bytes(request, image, settings.max_upload_bytes)
    started = time.perf_counter()
    try:
        # at the size the model and the scene baseline need; full size only for evidence
        frame = await decoder.decode(pipeline.decode, data)
    except ImageDecodeError as e:
        raise HTTPException(422, f"field 'image': {e}") from e
    decode_s = time.perf_counter() - started
    metrics.stage_seconds.labels("decode").observe(decode_s)
    pipeline.health.frame_in(at)
    try:
        result = await run_in_threadpool(pipeline.process, frame, at)
    except FrameOutOfOrderError as e:
        raise HTTPException(409, str(e)) from e
    result.timings_ms = {"decode": round(decode_s * 1000.0, 3), **result.timings_ms}
    return _public(result, frame.size[0], frame.size[1], camera.tz)
