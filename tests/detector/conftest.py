"""Fixtures for the detector tests: tiny ONNX detectors and a sandboxed ultralytics."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.detector.factories import TINY_BOXES, make_onnx_detector, raw_tensor, tiny_gain


@pytest.fixture(scope="session")
def tiny_onnx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dynamic-batch raw-output detector for the 12 taxonomy classes at 64 x 64."""
    pytest.importorskip("onnx")
    path = tmp_path_factory.mktemp("tiny") / "tiny.onnx"
    return make_onnx_detector(path, raw_tensor(TINY_BOXES), brightness_gain=tiny_gain())


@pytest.fixture(scope="session")
def ultralytics_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """ultralytics, imported offline with its settings in a temporary directory."""
    config_dir = tmp_path_factory.mktemp("ultralytics_config")
    with pytest.MonkeyPatch.context() as mp:
        # set before the first import: ultralytics reads them at import and would go online
        mp.setenv("YOLO_OFFLINE", "1")
        mp.setenv("YOLO_CONFIG_DIR", str(config_dir))
        mp.setenv("YOLO_VERBOSE", "False")
        ultralytics = pytest.importorskip("ultralytics")
        yield ultralytics
