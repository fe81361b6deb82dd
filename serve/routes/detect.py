"""``POST /v1/detect``: run the detector on one uploaded image."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from detector.errors import ImageDecodeError
from detector.image import decode_image
from serve.routes.deps import DetectorDep, SettingsDep

router = APIRouter(tags=["detect"])


class DetectionPublic(BaseModel):
    label: str
    class_id: int
    confidence: float
    box: list[float]


class ModelPublic(BaseModel):
    name: str
    version: str


class ImagePublic(BaseModel):
    width: int
    height: int


class DetectResponse(BaseModel):
    detections: list[DetectionPublic]
    model: ModelPublic
    image: ImagePublic


@router.post("/detect", response_model=DetectResponse)
async def detect(image: UploadFile, detector: DetectorDep, settings: SettingsDep) -> DetectResponse:
    data = await image.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise HTTPException(413, f"image larger than {settings.max_upload_bytes} bytes")
    try:
        frame = decode_image(data)
    except ImageDecodeError as exc:
        raise HTTPException(422, f"field 'image': {exc}") from exc
    detections = await run_in_threadpool(detector.detect, frame)
    return DetectResponse(
        detections=[DetectionPublic(**r) for r in detections.to_records(detector.names)],
        model=ModelPublic(name=detector.info.name, version=detector.info.version),
        image=ImagePublic(width=frame.shape[1], height=frame.shape[0]),
    )
