"""Which frames the scene baseline looks at: changed ones (at most one per ``min_s``), and
on a still street one per ``still_s``; never one from before its last look."""

from __future__ import annotations

import pytest

from detector.scene.cadence import SceneCadence


@pytest.mark.parametrize(
    ("frames", "looks"),
    [
        # a still street at 1 fps: every 3 s
        ([(t, False) for t in range(8)], [0, 3, 6]),
        # a busy one: every frame, but never twice within a second
        ([(0, True), (0.5, True), (1, True), (2, True)], [0, 1, 2]),
        # a change after a still stretch is looked at at once
        ([(0, False), (1, False), (1.5, True), (2, False)], [0, 1.5]),
        # a frame from before the last look is skipped
        ([(5, True), (3, True), (6, True)], [5, 6]),
    ],
)
def test_looks(frames: list[tuple[float, bool]], looks: list[float]) -> None:
    cadence = SceneCadence(min_s=1.0, still_s=3.0)
    assert [t for t, changed in frames if cadence.due(t, changed=changed)] == looks


@pytest.mark.parametrize(("min_s", "still_s"), [(0.0, 3.0), (2.0, 1.0), (-1.0, 3.0)])
def test_bad_intervals(min_s: float, still_s: float) -> None:
    with pytest.raises(ValueError, match="need 0 < min_s <= still_s"):
        SceneCadence(min_s=min_s, still_s=still_s)
