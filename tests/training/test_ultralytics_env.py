from __future__ import annotations

import pytest

from training.ultralytics_env import on_accelerator


@pytest.mark.parametrize(
    ("device", "gpu"),
    [
        ("cpu", False),
        ("CPU", False),
        ("cuda:0", True),
        ("cuda", True),
        ("0", True),
        ("0,1", True),
        ("mps", False),
    ],
)
def test_on_accelerator(device: str, gpu: bool) -> None:
    assert on_accelerator(device) is gpu
