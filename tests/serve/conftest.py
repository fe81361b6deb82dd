from __future__ import annotations

from pathlib import Path

import pytest

# the accounts' tables join the store's Base.metadata when their module is imported (as the
# migrations' env.py does); the store's tests compare that metadata with the migrated schema
import serve.auth.orm  # noqa: F401
from tests.detector.factories import make_onnx_detector, raw_tensor
from tests.serve.store.postgres import postgres_server, postgres_url

__all__ = ["postgres_server", "postgres_url"]  # fixtures, re-exported for pytest

# (cx, cy, w, h, class id, score) in model-input pixels (64 x 64)
BOXES = [(20, 20, 16, 16, 0, 0.9), (48, 40, 10, 20, 4, 0.6)]


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """A registry with one tiny 12-class ONNX detector that ``current`` points at."""
    pytest.importorskip("onnx")
    entry = tmp_path / "models" / "tiny-1.0"
    entry.mkdir(parents=True)
    make_onnx_detector(entry / "model.onnx", raw_tensor(BOXES))
    (tmp_path / "models" / "current").write_text("tiny-1.0\n")
    return tmp_path / "models"
