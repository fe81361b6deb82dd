"""Detection bodies, shared by ``/v1/detect`` and the frames route."""

from __future__ import annotations

from pydantic import BaseModel


class DetectionPublic(BaseModel):
    label: str
    class_id: int
    confidence: float
    box: list[float]


class ModelPublic(BaseModel):
    name: str
    version: str


class ImageSize(BaseModel):
    width: int
    height: int


class DetectResponse(BaseModel):
    detections: list[DetectionPublic]
    model: ModelPublic
    image: ImageSize
