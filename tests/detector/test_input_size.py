"""Running a model at another input size than it was exported for."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detector.model import Detector
from tests.detector.factories import IMGSZ, make_onnx_detector, raw_tensor


def test_a_dynamic_model_runs_at_the_size_asked(reference_model: Path) -> None:
    default = Detector.load(reference_model)
    small = Detector.load(reference_model, imgsz=256)
    assert small.info.imgsz == (256, 256) and default.info.imgsz != (256, 256)
    frame = np.random.default_rng(0).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    assert isinstance(len(small.detect(frame)), int)


@pytest.mark.parametrize(("size", "message"), [(250, "multiple of the stride 32"), (16, ">= 32")])
def test_sizes_off_the_stride_are_refused(reference_model: Path, size: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Detector.load(reference_model, imgsz=size)


def test_a_fixed_input_model_refuses_another_size(tmp_path: Path) -> None:
    path = make_onnx_detector(tmp_path / "m.onnx", raw_tensor([]), batch=1)
    Detector.load(path, imgsz=IMGSZ[0], check_taxonomy=False)  # its own size is fine
    with pytest.raises(ValueError, match="fixed input"):
        Detector.load(path, imgsz=IMGSZ[0] + 32, check_taxonomy=False)
