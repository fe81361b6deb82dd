"""Motion gate, tracker wrapper and zone geometry."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from detector.detections import Detections
from detector.motion import MotionGate
from detector.taxonomy import load_taxonomy
from detector.tracking import Tracker
from detector.zones import Zone, ZoneSet, anchor_points

NAMES = load_taxonomy().names


def scene(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = np.full((480, 640, 3), 120, np.uint8)
    base[200:300, 100:400] = 60
    return np.clip(base + rng.normal(0, 3, base.shape), 0, 255).astype(np.uint8)


def test_motion_gate_skips_noise_and_drift_but_rechecks_static_scenes() -> None:
    gate = MotionGate(min_changed=0.002, recheck_s=10)
    assert gate.check(scene(0), 0.0).reason == "first"
    # sensor noise and a 4% lighting drift are not motion
    assert gate.check(scene(1), 1.0).reason == "static"
    brighter = np.clip(scene(2).astype(np.float32) * 1.04, 0, 255).astype(np.uint8)
    assert gate.check(brighter, 2.0).reason == "static"
    assert gate.check(scene(3), 10.5).reason == "recheck"
    moved = scene(4)
    moved[300:400, 450:550] = 250  # something appears
    decision = gate.check(moved, 11.0)
    assert decision.run and decision.reason == "motion" and decision.changed > 0.01


def test_motion_gate_accumulates_slow_changes_against_the_last_inferred_frame() -> None:
    gate = MotionGate(min_changed=0.01, recheck_s=1000)
    frame = scene(0)
    gate.check(frame, 0.0)
    reasons = []
    for step in range(1, 8):  # a poster is stuck up a strip at a time
        frame = frame.copy()
        frame[100:160, 500 + 12 * (step - 1) : 500 + 12 * step] = 255
        reasons.append(gate.check(frame, float(step)).reason)
    assert "motion" in reasons


@pytest.mark.parametrize("bad", [{"min_changed": 2.0}, {"recheck_s": 0}])
def test_motion_gate_rejects_bad_settings(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        MotionGate(**bad)  # type: ignore[arg-type]


def test_tracker_keeps_ids_and_row_order() -> None:
    tracker = Tracker(lost_frames=5)
    ids = []
    for step in range(4):
        d = Detections(
            xyxy=np.array(
                [[300, 300, 350, 350], [10 + 3 * step, 10, 60 + 3 * step, 60]], np.float32
            ),
            confidence=np.array([0.5, 0.9], np.float32),
            class_id=np.array([4, 0]),
        )
        out = tracker.update(d)
        np.testing.assert_array_equal(out.xyxy, d.xyxy)  # same rows, same order
        assert out.tracker_id is not None
        ids.append(out.tracker_id.tolist())
    assert ids[-1] == ids[-2] and len(set(ids[-1])) == 2 and min(ids[-1]) >= 0


def test_tracker_handles_empty_frames() -> None:
    out = Tracker().update(Detections.empty())
    assert len(out) == 0 and out.tracker_id is not None


@pytest.mark.parametrize(
    ("polygon", "message"),
    [
        (((0, 0), (10, 10)), "at least 3 points"),
        (((0, 0), (10, 10), (20, 20)), "no area"),
        (((0, 0), (10, -1), (20, 0)), "non-negative"),
        (((0, 0), (10, float("nan")), (20, 0)), "finite"),
        (((0, 0), (10, float("inf")), (20, 0)), "finite"),
        (((0, 0), (10, 1e12), (20, 0)), "at most 65535"),
        (tuple((float(i % 7), float(i)) for i in range(1001)), "at most 1000 items"),
    ],
)
def test_bad_polygons_are_rejected_with_a_reason(polygon: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Zone(id="z", type="sidewalk", polygon=polygon)  # type: ignore[arg-type]


def test_anchor_is_ground_point_for_vehicles_and_centre_for_posters() -> None:
    d = Detections(
        xyxy=np.array([[0, 0, 10, 20], [0, 0, 10, 20]], np.float32),
        confidence=np.array([0.9, 0.9], np.float32),
        class_id=np.array([NAMES.index("car"), NAMES.index("flyer")]),
    )
    np.testing.assert_allclose(anchor_points(d, NAMES), [[5, 20], [5, 10]])


def test_zone_membership_and_ignore_masking() -> None:
    zones = ZoneSet(
        [
            Zone(id="a", type="no_parking", polygon=((0, 0), (100, 0), (100, 100), (0, 100))),
            Zone(id="b", type="ignore", polygon=((50, 0), (100, 0), (100, 100), (50, 100))),
        ]
    )
    d = Detections(
        xyxy=np.array([[10, 10, 20, 40], [60, 10, 70, 40], [200, 200, 210, 210]], np.float32),
        confidence=np.array([0.9, 0.9, 0.9], np.float32),
        class_id=np.array([0, 0, 0]),
    )
    assert [[z.id for z in zs] for zs in zones.membership(d, NAMES)] == [["a"], ["a", "b"], []]
    assert len(zones.drop_ignored(d, NAMES)) == 2
    with pytest.raises(ValueError, match="duplicate zone ids"):
        ZoneSet([zones.zones[0], zones.zones[0]])
