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


def test_cpu_training_uses_every_core(monkeypatch: pytest.MonkeyPatch) -> None:
    """ultralytics alone trains on cores - 1 threads: one of two cores here."""
    pytest.importorskip("ultralytics")
    import os

    import torch

    from training.ultralytics_env import cpu_threads, offline_ultralytics

    monkeypatch.delenv("STREETWATCH_TRAIN_THREADS", raising=False)
    assert cpu_threads() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("STREETWATCH_TRAIN_THREADS", "3")
    before = torch.get_num_threads()
    try:
        offline_ultralytics()
        from ultralytics.utils.torch_utils import select_device

        select_device("cpu", verbose=False)
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("STREETWATCH_TRAIN_THREADS", bad)
        with pytest.raises(ValueError, match="STREETWATCH_TRAIN_THREADS"):
            cpu_threads()
