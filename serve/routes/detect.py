"""``POST /v1/detect``: run the detector on one uploaded image."""

from __future__ import annotations

from fastapi import APIRouter, Request, UploadFile
from fastapi.concurrency import run_in_threadpool

from serve.routes.deps import DecoderDep, ModelsDep, SettingsDep
from serve.routes.uploads import read_image
from serve.schemas.detect import DetectionPublic, DetectResponse, ImageSize, ModelPublic

router = APIRouter(tags=["detect"])


@router.post("/detect", response_model=DetectResponse)
async def detect(
    request: Request,
    image: UploadFile,
    models: ModelsDep,
    settings: SettingsDep,
    decoder: DecoderDep,
) -> DetectResponse:
    """Detect objects in one image (multipart field ``image``: JPEG, PNG, WebP or BMP)."""
    frame = await read_image(request, image, settings.max_upload_bytes, decoder)
    detector = models.current
    detections = await run_in_threadpool(detector.detect, frame)
    return DetectResponse(
        detections=[DetectionPublic(**r) for r in detections.to_records(detector.names)],
        model=ModelPublic(name=detector.info.name, version=detector.info.version),
        image=ImageSize(width=frame.shape[1], height=frame.shape[0]),
    )
