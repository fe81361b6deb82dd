"""Our onnxruntime path against ultralytics' own predict on a real (random-weight) YOLOv8n."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from detector import Detections, Detector
from detector.backends import load_backend
from tests.detector.factories import NAMES

pytestmark = [pytest.mark.slow, pytest.mark.train]

IMGSZ = 160
SETTINGS: dict[str, Any] = {"conf": 0.25, "iou": 0.45, "max_det": 300}


@pytest.fixture(scope="module")
def yolo_files(
    ultralytics_sandbox: ModuleType, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """A 12-class YOLOv8n built from yaml (no download), saved as .pt and exported to ONNX."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from ultralytics.nn.tasks import DetectionModel

    torch.manual_seed(0)
    model = DetectionModel(cfg="yolov8n.yaml", nc=len(NAMES), verbose=False)
    model.names = dict(enumerate(NAMES))
    # Fresh weights score every box ~1e-4 (the head's prior); random BatchNorm affines and a
    # stronger class head give scores spread over 0.02..0.6, so NMS has real work to do.
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5, generator=generator)
                module.bias.uniform_(-0.5, 0.5, generator=generator)
        for branch in model.model[-1].cv3:
            branch[-1].bias.fill_(-2.0)
            branch[-1].weight.mul_(8.0)
    yolo = ultralytics_sandbox.YOLO("yolov8n.yaml")
    yolo.model = model
    directory = tmp_path_factory.mktemp("yolo")
    pt = directory / "model.pt"
    yolo.save(pt)  # export next to the .pt, not into the working directory
    exported = ultralytics_sandbox.YOLO(str(pt)).export(
        format="onnx", imgsz=IMGSZ, simplify=False, dynamic=False, verbose=False
    )
    return pt, Path(exported)


def images() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    shapes = [(IMGSZ, IMGSZ), (200, 300), (300, 120), (37, 500)]
    return [rng.integers(0, 256, (*shape, 3), dtype=np.uint8) for shape in shapes]


def to_detections(result: object) -> Detections:
    boxes = result.boxes  # type: ignore[attr-defined]
    return Detections(
        xyxy=boxes.xyxy.numpy(), confidence=boxes.conf.numpy(), class_id=boxes.cls.numpy()
    )


def test_onnxruntime_matches_ultralytics_predict(
    yolo_files: tuple[Path, Path], ultralytics_sandbox: ModuleType
) -> None:
    _, onnx_path = yolo_files
    detector = Detector.load(onnx_path, threads=1, **SETTINGS)
    assert detector.info.imgsz == (IMGSZ, IMGSZ) and detector.names == NAMES
    reference = ultralytics_sandbox.YOLO(str(onnx_path), task="detect")
    for image in images():
        (result,) = reference.predict(image, imgsz=IMGSZ, verbose=False, **SETTINGS)
        expected, ours = to_detections(result), detector.detect(image)
        assert 10 < len(expected) < 300  # neither empty nor capped: NMS decided the count
        assert ours.class_id.tolist() == expected.class_id.tolist()
        np.testing.assert_allclose(ours.confidence, expected.confidence, atol=1e-6)
        np.testing.assert_allclose(ours.xyxy, expected.xyxy, atol=1e-3)


def test_ultralytics_backend_agrees_with_onnxruntime(yolo_files: tuple[Path, Path]) -> None:
    pt, onnx_path = yolo_files
    torch_backend = load_backend("auto", pt, imgsz=IMGSZ)
    assert torch_backend.name == "ultralytics" and torch_backend.info.names == NAMES
    onnx_backend = load_backend("onnxruntime", onnx_path, threads=1)
    # a square image at the input size gets no padding in either path (ultralytics pads .pt
    # inputs only to the stride), so the tensors match and only the float maths differs
    image = images()[0]
    (theirs,) = torch_backend.detect([image], **SETTINGS)
    (ours,) = onnx_backend.detect([image], **SETTINGS)
    top = 10
    assert len(theirs) > top and len(ours) > top
    assert ours.class_id[:top].tolist() == theirs.class_id[:top].tolist()
    np.testing.assert_allclose(ours.confidence[:top], theirs.confidence[:top], atol=1e-4)
    np.testing.assert_allclose(ours.xyxy[:top], theirs.xyxy[:top], atol=0.05)
