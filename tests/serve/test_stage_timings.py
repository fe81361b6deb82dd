"""Operators see where a frame's time goes: per stage in the frames route's answer and in
``/metrics``."""

from __future__ import annotations

import re
from pathlib import Path

from tests.serve.service import CAR, push, service


def stage_counts(metrics: str) -> dict[str, float]:
    found = re.findall(r'streetwatch_stage_seconds_count\{stage="(\w+)"\} ([0-9.e+]+)', metrics)
    return {stage: float(n) for stage, n in found}


def test_each_frame_reports_its_stages(tmp_path: Path) -> None:
    with service(tmp_path) as client:
        moving = push(client, 0, [("car", CAR)])
        still = push(client, 0.5, [("car", CAR)])  # the same picture: the gate skips the model
        metrics = client.get("/metrics").text
    assert moving["inferred"] and not still["inferred"]
    assert list(moving["timings_ms"]) == [
        "decode",
        "gate",
        "scene",
        "detect",
        "track",
        "rules",
        "cases",
    ]
    assert list(still["timings_ms"]) == ["decode", "gate", "scene", "cases"]
    assert all(ms >= 0.0 for ms in moving["timings_ms"].values())
    assert moving["timings_ms"]["decode"] > 0.0 and moving["timings_ms"]["detect"] > 0.0
    counts = stage_counts(metrics)
    assert counts["decode"] == counts["gate"] == 2.0
    assert counts["detect"] == counts["track"] == counts["rules"] == 1.0
    # the one inferred frame went through the cross-camera batcher: one call of one frame
    batched = re.search(r"streetwatch_inference_batch_frames_count ([0-9.e+]+)", metrics)
    assert batched is not None and float(batched.group(1)) == 1.0


def test_batching_can_be_turned_off(tmp_path: Path) -> None:
    with service(tmp_path, batch_frames=1) as client:
        assert push(client, 0, [("car", CAR)])["inferred"]
        metrics = client.get("/metrics").text
    assert stage_counts(metrics)["detect"] == 1.0
    assert "streetwatch_inference_batch_frames_count 0.0" in metrics
