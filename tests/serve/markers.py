"""A marker world for service tests that need exact control of what is detected.

Objects are drawn as flat rectangles in a class's marker colour over a textured street,
and ``MarkerBackend`` finds them with OpenCV (colour mask + connected components). It is a
complete, deterministic detector backend for that world, so the service under test
(tracker, rules, cases, evidence, store, API) is entirely the real one; only what a
neural network would have seen is replaced by something a test can script. Tests of the
real model use the reference model (``tests/serve/test_demo_service.py``, RTSP test).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from detector.backends.base import Backend
from detector.detections import Detections
from detector.image import Image
from detector.metadata import ModelInfo
from detector.model import Detector
from detector.taxonomy import load_taxonomy

NAMES = load_taxonomy().names
# BGR marker colours, far from anything in the background texture
MARKERS: dict[str, tuple[int, int, int]] = {
    "car": (0, 0, 255),
    "truck": (0, 128, 255),
    "stall": (0, 255, 0),
    "goods": (0, 255, 255),
    "flyer": (255, 0, 0),
    "outdoor_ad": (255, 255, 0),
    "graffiti": (255, 0, 255),
    "garbage": (128, 0, 128),
    "two_wheeler": (255, 128, 0),
    "garbage_bin": (128, 128, 0),
    "materials": (0, 128, 0),
    "garbage_bag": (128, 255, 128),
}
Box = tuple[float, float, float, float]


class MarkerBackend(Backend):
    name = "markers"

    def __init__(self, path: str | Path = "markers.onnx", *, threads: int | None = None) -> None:
        self.info = ModelInfo(
            name="markers",
            version="1.0",
            names=NAMES,
            imgsz=(480, 640),
            format="onnx",
            path=Path(path),
        )

    def detect(
        self, images: Sequence[Image], conf: float, iou: float, max_det: int
    ) -> list[Detections]:
        return [self._one(image) for image in images]

    @staticmethod
    def _one(image: Image) -> Detections:
        boxes, classes = [], []
        for label, colour in MARKERS.items():
            lo = np.array([max(c - 39, 0) for c in colour], np.uint8)
            hi = np.array([min(c + 39, 255) for c in colour], np.uint8)
            mask = cv2.inRange(image, lo, hi)
            if cv2.countNonZero(mask) < 100:
                continue
            n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
            for i in range(1, n):
                x, y, w, h, area = stats[i]
                if area >= 100:
                    boxes.append((x, y, x + w, y + h))
                    classes.append(NAMES.index(label))
        if not boxes:
            return Detections.empty()
        return Detections(
            xyxy=np.array(boxes, np.float32),
            confidence=np.full(len(boxes), 0.8, np.float32),
            class_id=np.array(classes),
        )


def marker_detector() -> Detector:
    return Detector(MarkerBackend())


def street(
    objects: Sequence[tuple[str, Box]], size: tuple[int, int] = (640, 480), seed: int = 0
) -> npt.NDArray[np.uint8]:
    """A grey street with mild noise and the objects as marker rectangles."""
    w, h = size
    rng = np.random.default_rng(seed)
    frame = np.full((h, w, 3), 110, np.uint8)
    frame[h // 2 :] = 90  # roadway darker than the pavement
    frame = np.clip(frame + rng.normal(0, 2, frame.shape), 0, 255).astype(np.uint8)
    for label, (x1, y1, x2, y2) in objects:
        cv2.rectangle(frame, (int(x1), int(y1)), (int(x2), int(y2)), MARKERS[label], -1)
    return frame


def png(frame: npt.NDArray[np.uint8]) -> bytes:
    ok, buf = cv2.imencode(".png", frame)  # lossless, so marker colours survive
    assert ok
    return buf.tobytes()
