"""Suite-wide fixtures: the shared real datasets, and ultralytics kept offline."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STREETWATCH_SHARED", REPO.parent / "shared"))


def pytest_configure(config: pytest.Config) -> None:
    # ultralytics reads these at its first import; keep its settings out of $HOME and
    # never let it reach the network (there is none here: a download would hang)
    cache = Path(tempfile.mkdtemp(prefix="streetwatch-test-cache-"))
    os.environ.setdefault("STREETWATCH_CACHE", str(cache))
    os.environ.setdefault("YOLO_CONFIG_DIR", str(cache / "ultralytics"))
    os.environ["YOLO_OFFLINE"] = "1"
    # the suite's expectations were measured on onnxruntime; the service's measured choice
    # (OpenVINO bf16 where a model's card allows it) has its own tests, which name it
    os.environ.setdefault("STREETWATCH_BACKEND", "onnxruntime")


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    """``../shared/datasets`` (real labelled photos); tests using it skip where it is absent."""
    path = SHARED / "datasets"
    if not (path / "README.md").is_file():
        pytest.skip(f"real datasets not found at {path} (set STREETWATCH_SHARED to ../shared)")
    return path


@pytest.fixture(scope="session")
def reference_model() -> Path:
    """The committed reference model that ``models/current`` names."""
    current = REPO / "models" / "current"
    if not current.is_file():
        pytest.fail("models/current is missing: the reference model must be committed")
    return REPO / "models" / current.read_text().strip()
