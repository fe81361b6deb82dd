"""``POST /v1/cameras/{id}/frames``: a push camera (or gateway) sends one frame."""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool

from detector.errors import ImageDecodeError
from serve.cameras.service import UnknownCameraError
from serve.pipeline.push import (
    PushRefusedError,
    admit_push,
    answer_pushed,
    check_pushable,
)
from serve.routes.deps import CamerasDep, DecoderDep, MetricsDep, SettingsDep
from serve.routes.uploads import read_bytes
from serve.schemas.frames import FramePublic

router = APIRouter(prefix="/cameras", tags=["frames"])


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
    if cameras.remote:
        return await _forward(request, camera_id, image, cameras, settings, decoder, timestamp)
    try:
        camera = cameras.get(camera_id)
        pipeline = cameras.pipeline(camera_id)
    except UnknownCameraError as e:
        raise HTTPException(404, f"no camera with id {camera_id!r}") from e
    try:
        at = admit_push(camera, pipeline, timestamp, dt.datetime.now(dt.UTC), metrics)
        data = await read_bytes(request, image, settings.max_upload_bytes)
        started = time.perf_counter()
        try:
            # at the size the model and the scene baseline need; full size only for evidence
            frame = await decoder.decode(pipeline.decode, data)
        except ImageDecodeError as e:
            raise PushRefusedError(422, f"field 'image': {e}") from e
        decode_s = time.perf_counter() - started
        return await run_in_threadpool(
            answer_pushed, camera, pipeline, frame, at, decode_s, metrics
        )
    except PushRefusedError as e:
        raise HTTPException(e.status, e.detail, headers=e.headers or None) from e


async def _forward(
    request: Request,
    camera_id: str,
    image: UploadFile,
    cameras: CamerasDep,
    settings: SettingsDep,
    decoder: DecoderDep,
    timestamp: str | None,
) -> FramePublic:
    """On a cluster: checked here as far as the camera's settings and the image's header
    go, then run by the worker that owns the camera (``serve/cluster``)."""
    received = time.time()
    try:
        camera = cameras.get(camera_id)
        check_pushable(camera)
    except UnknownCameraError as e:
        raise HTTPException(404, f"no camera with id {camera_id!r}") from e
    except PushRefusedError as e:
        raise HTTPException(e.status, e.detail) from e
    data = await read_bytes(request, image, settings.max_upload_bytes)
    try:
        if data:
            decoder.limits.check(data)
    except ImageDecodeError as e:
        raise HTTPException(422, f"field 'image': {e}") from e
    status, body, headers = await cameras.push_remote(camera_id, data, timestamp, received)
    if status != 200:
        raise HTTPException(status, body.get("detail"), headers=headers or None)
    return FramePublic.model_validate(body)
