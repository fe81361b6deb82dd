"""The demo camera's scripted street clip: deterministic, and its ground truth agrees with
its zones (the culprits stand in their zones, the drive-throughs never stop in one)."""

from __future__ import annotations

import hashlib
import itertools

import numpy as np
import pytest

from detector.rules.config import DEFAULT_RULES
from detector.zones import Zone
from training.synth.demo import DemoClip, ScriptedObject, render_demo_clip

Box = tuple[float, float, float, float]


def digest(clip: DemoClip) -> str:
    h = hashlib.sha256()
    for frame in clip.frames:
        h.update(frame.tobytes())
    return h.hexdigest()


def ground_point(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, box[3]


def centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def inside(zone: Zone, point: tuple[float, float]) -> bool:
    return bool(zone.contains(np.array([point], np.float64))[0])


def iou(a: Box, b: Box) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


@pytest.fixture(scope="module")
def clip() -> DemoClip:
    return render_demo_clip()


def settled_box(obj: ScriptedObject) -> Box:
    assert obj.box is not None, f"{obj.key} has no settled box"
    return obj.box


def test_same_seed_same_frames_and_another_seed_differs() -> None:
    a, b = render_demo_clip(seconds=3.0), render_demo_clip(seconds=3.0)
    assert digest(a) == digest(b)
    assert a.objects == b.objects and a.zones == b.zones
    assert digest(render_demo_clip(seed=1, seconds=3.0)) != digest(a)


def test_frames_are_bgr_at_the_requested_size_and_rate() -> None:
    short = render_demo_clip(size=(320, 240), seconds=4.0, fps=1.0)
    assert len(short.frames) == 4 and short.fps == 1.0 and short.size == (320, 240)
    assert all(f.shape == (240, 320, 3) and f.dtype == np.uint8 for f in short.frames)


@pytest.mark.parametrize(("seconds", "fps"), [(0.0, 2.0), (10.0, 0.0), (0.5, 2.0)])
def test_rejects_a_clip_without_two_frames(seconds: float, fps: float) -> None:
    with pytest.raises(ValueError, match=r"seconds|frames"):
        render_demo_clip(seconds=seconds, fps=fps)


def test_full_clip_is_a_minute_at_two_frames_a_second(clip: DemoClip) -> None:
    assert len(clip.frames) == 120 and clip.fps == 2.0 and clip.size == (640, 480)


def test_the_script_runs_in_order_within_twenty_seconds(clip: DemoClip) -> None:
    car, stall, banner = (clip.object(k) for k in ("parked_car", "stall", "banner"))
    assert car.settled_s is not None and stall.settled_s is not None
    assert banner.settled_s is not None
    assert 5.0 <= car.settled_s <= 10.0 and car.appear_s is not None and car.appear_s >= 3.0
    assert 9.0 <= stall.settled_s <= 12.0 and stall.appear_s == stall.settled_s
    assert 14.0 <= banner.settled_s <= 17.0 and banner.appear_s == banner.settled_s
    # the street is empty of culprits for the first seconds
    assert all(o.appear_s is None or o.appear_s > 4.0 for o in (car, stall, banner))


def test_each_culprit_stands_in_its_zone(clip: DemoClip) -> None:
    types = {z.id: z.type for z in clip.zones}
    assert sorted(types.values()) == ["ad_prohibited", "no_parking", "sidewalk"]
    expected = {
        "parked_car": ("car", "illegal_parking", "no_parking", ground_point),
        "stall": ("stall", "out_of_store_trading", "sidewalk", ground_point),
        "banner": ("outdoor_ad", "illegal_ad", "ad_prohibited", centre),
    }
    for key, (label, violation, zone_type, anchor) in expected.items():
        obj = clip.object(key)
        assert (obj.class_name, obj.violation) == (label, violation)
        assert obj.zone_id is not None and types[obj.zone_id] == zone_type
        point = anchor(settled_box(obj))
        assert inside(clip.zone(obj.zone_id), point), f"{key} at {point} is outside its zone"
        others = [z for z in clip.zones if z.id != obj.zone_id]
        assert not any(inside(z, point) for z in others), f"{key} is in another zone too"


def test_settled_objects_keep_their_box(clip: DemoClip) -> None:
    for key in ("parked_car", "stall", "banner"):
        obj = clip.object(key)
        assert obj.settled_s is not None
        after = [box for t, box in obj.track if t >= obj.settled_s]
        assert len(after) >= 0.9 * (60.0 - obj.settled_s) * clip.fps
        same = [iou(box, settled_box(obj)) >= 0.9 for box in after]
        assert np.mean(same) >= 0.9, f"{key} moves or is hidden after it settled"


def test_drive_throughs_never_stop_in_the_no_parking_zone(clip: DemoClip) -> None:
    bay = clip.zone(clip.object("parked_car").zone_id or "")
    rule = DEFAULT_RULES["illegal_parking"]
    movers = [o for o in clip.objects if o.key.startswith("through_")]
    assert len(movers) >= 2
    crossed = 0
    for obj in movers:
        assert obj.violation is None and obj.box is None and obj.settled_s is None
        assert len(obj.track) >= 4, f"{obj.key} is hardly in view"
        in_zone = [(t, box) for t, box in obj.track if inside(bay, ground_point(box))]
        crossed += bool(in_zone)
        assert len(in_zone) <= 3 * clip.fps, f"{obj.key} spends {len(in_zone)} frames in the bay"
        for (t0, a), (t1, b) in itertools.pairwise(in_zone):
            step = float(np.hypot(*np.subtract(ground_point(b), ground_point(a))))
            # from one frame to the next it moves further than the stationary tolerance
            assert t1 - t0 > 1.0 / clip.fps + 1e-9 or step > rule.max_motion * (a[3] - a[1])
    assert crossed >= 1, "no drive-through crosses the no-parking bay"


def test_light_and_sensor_noise_change_from_frame_to_frame(clip: DemoClip) -> None:
    # 16 s to 20 s: nothing scripted moves
    still = [f.astype(np.int16) for f in clip.frames[32:40]]
    diffs = [float(np.abs(b - a).mean()) for a, b in itertools.pairwise(still)]
    assert all(0.5 < d < 6.0 for d in diffs), diffs
    first, half = clip.frames[0].mean(), clip.frames[30].mean()
    assert abs(float(half) - float(first)) > 1.0  # the slow light drift
