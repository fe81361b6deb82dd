"""The violation rules with a controlled clock: dwell, sightings, zones, occlusion, restarts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from detector.detections import Detections
from detector.rules.config import RuleOverride, RuleOverrides, TimeWindow, resolve_rules
from detector.rules.engine import OpenViolation, ViolationEngine, ViolationEvent
from detector.taxonomy import load_taxonomy
from detector.zones import Zone

TAXONOMY = load_taxonomy()
T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # 10:00 in Qingdao, a Monday
ZONES = (
    Zone(id="np", type="no_parking", polygon=((100, 300), (400, 300), (400, 460), (100, 460))),
    Zone(id="walk", type="sidewalk", polygon=((0, 200), (640, 200), (640, 290), (0, 290))),
    Zone(id="board", type="ad_permitted", polygon=((500, 0), (640, 0), (640, 150), (500, 150))),
    Zone(id="noads", type="ad_prohibited", polygon=((0, 0), (200, 0), (200, 150), (0, 150))),
    Zone(id="tree", type="ignore", polygon=((560, 300), (640, 300), (640, 480), (560, 480))),
)
CAR_IN_ZONE = (200.0, 350.0, 300.0, 440.0)  # bottom centre (250, 440) is in "np"


def dets(*items: tuple[str, tuple[float, float, float, float], float, int]) -> Detections:
    if not items:
        return Detections.empty()
    return Detections(
        xyxy=np.array([i[1] for i in items], np.float32),
        confidence=np.array([i[2] for i in items], np.float32),
        class_id=np.array([TAXONOMY.class_id(i[0]) for i in items]),
        tracker_id=np.array([i[3] for i in items]),
    )


def engine(**overrides: RuleOverride) -> ViolationEngine:
    rules = resolve_rules(RuleOverrides(**overrides))
    return ViolationEngine(TAXONOMY, ZONES, rules, tz=dt.timezone(dt.timedelta(hours=8)))


def run(
    eng: ViolationEngine, frames: list[tuple[float, Detections]], case_ids: bool = True
) -> list[tuple[float, ViolationEvent]]:
    """Feed frames at offsets (s) from T0; attach a case id on each ``reached``."""
    out = []
    for offset, d in frames:
        for ev in eng.update(d, T0 + dt.timedelta(seconds=offset)):
            out.append((offset, ev))
            if ev.kind == "reached" and case_ids:
                eng.attach_case(ev.key, 100 + ev.key)
    return out


def reached(events: list[tuple[float, ViolationEvent]]) -> list[tuple[float, str]]:
    return [(t, ev.violation) for t, ev in events if ev.kind == "reached"]


def test_parked_car_opens_one_violation_exactly_at_the_dwell_time() -> None:
    eng = engine()
    frames = [(float(t), dets(("car", CAR_IN_ZONE, 0.8, 1))) for t in range(0, 601, 10)]
    events = run(eng, frames)
    assert reached(events) == [(300.0, "illegal_parking")]
    later = [ev for t, ev in events if t > 300]
    assert {ev.kind for ev in later} == {"seen"}
    assert {ev.case_id for ev in later} == {101}
    assert later[-1].duration_s == 600


def test_car_driving_through_the_zone_never_becomes_a_violation() -> None:
    eng = engine(illegal_parking=RuleOverride(dwell_s=5))
    frames = []
    for t in range(20):  # 30 px a second across the zone, the same track throughout
        x = 50 + 30 * t
        frames.append((float(t), dets(("car", (x, 350, x + 100, 440), 0.8, 7))))
    events = run(eng, frames)
    assert reached(events) == []
    assert len(eng.candidates) <= 1


def test_occlusion_keeps_the_clock_and_the_case_across_a_new_track_id() -> None:
    eng = engine()
    frames = [(float(t), dets(("car", CAR_IN_ZONE, 0.8, 1))) for t in range(0, 200, 10)]
    frames += [(float(t), dets()) for t in range(200, 240, 10)]  # a bus passes in front
    jitter = (203.0, 352.0, 302.0, 441.0)
    frames += [(float(t), dets(("car", jitter, 0.7, 9))) for t in range(240, 700, 10)]
    events = run(eng, frames)
    assert reached(events) == [(300.0, "illegal_parking")]
    assert len({ev.key for _, ev in events}) == 1


def test_a_gap_longer_than_max_gap_restarts_the_dwell_clock() -> None:
    eng = engine(illegal_parking=RuleOverride(max_gap_s=30))
    frames = [(float(t), dets(("car", CAR_IN_ZONE, 0.8, 1))) for t in range(0, 200, 10)]
    frames += [(float(t), dets()) for t in range(200, 260, 10)]
    frames += [(float(t), dets(("car", CAR_IN_ZONE, 0.8, 2))) for t in range(260, 600, 10)]
    assert reached(run(eng, frames)) == [(560.0, "illegal_parking")]


def test_an_open_violation_ends_after_clear_after_and_a_new_one_is_a_new_key() -> None:
    eng = engine(illegal_parking=RuleOverride(dwell_s=20, clear_after_s=60))
    car = dets(("car", CAR_IN_ZONE, 0.8, 1))
    frames = [(float(t), car) for t in range(0, 40, 10)]
    frames += [(float(t), dets()) for t in range(40, 120, 10)]
    frames += [(float(t), car) for t in range(120, 160, 10)]
    events = run(eng, frames)
    assert reached(events) == [(20.0, "illegal_parking"), (140.0, "illegal_parking")]
    ended = [(t, ev.case_id) for t, ev in events if ev.kind == "ended"]
    assert ended == [(100.0, 101)]


@pytest.mark.parametrize(
    ("label", "box", "expected"),
    [
        ("car", CAR_IN_ZONE, ["illegal_parking"]),
        ("car", (200, 100, 300, 190), []),  # parked outside the no-parking zone
        ("truck", CAR_IN_ZONE, ["illegal_parking"]),
        ("two_wheeler", CAR_IN_ZONE, []),  # not a parking-rule class
        ("stall", (300, 200, 380, 280), ["out_of_store_trading"]),  # foot on the pavement
        ("goods", (300, 150, 380, 195), []),  # foot above the pavement zone
        ("flyer", (250, 50, 270, 80), ["illegal_ad"]),  # anywhere outside ad_permitted
        ("flyer", (550, 50, 570, 80), []),  # on the permitted board
        ("outdoor_ad", (50, 50, 150, 100), ["illegal_ad"]),  # inside ad_prohibited
        ("outdoor_ad", (250, 50, 350, 100), []),  # ads are fine elsewhere
        ("graffiti", (250, 50, 350, 100), ["graffiti"]),
        ("garbage_overflow", (300, 350, 340, 400), ["exposed_garbage"]),
        ("garbage_bin", (300, 350, 340, 400), []),  # context class, never a violation
        ("car", (580, 350, 620, 400), []),  # in the ignore zone
    ],
)
def test_which_objects_in_which_zones_become_violations(
    label: str, box: tuple[float, float, float, float], expected: list[str]
) -> None:
    short = RuleOverride(dwell_s=20)
    eng = engine(illegal_parking=short, out_of_store_trading=short)
    frames = [(float(t), dets((label, box, 0.8, 1))) for t in range(0, 61, 5)]
    assert [v for _, v in reached(run(eng, frames))] == expected


def test_sighting_rules_need_enough_frames_over_a_minimum_span() -> None:
    eng = engine(illegal_ad=RuleOverride(min_frames=3, min_span_s=10))
    flyer = dets(("flyer", (250, 50, 270, 80), 0.6, -1))
    assert reached(run(eng, [(0.0, flyer), (1.0, flyer), (2.0, flyer), (9.0, flyer)])) == []
    assert reached(run(eng, [(10.0, flyer)])) == [(10.0, "illegal_ad")]


def test_low_confidence_detections_are_not_sightings() -> None:
    eng = engine(graffiti=RuleOverride(min_confidence=0.5, min_frames=1, min_span_s=0))
    weak = dets(("graffiti", (250, 50, 350, 100), 0.4, 1))
    assert run(eng, [(float(t), weak) for t in range(5)]) == []


def test_schedules_switch_a_rule_off_outside_its_hours() -> None:
    window = TimeWindow(start=dt.time(7), end=dt.time(9))  # local; T0 is 10:00 +08:00
    eng = engine(illegal_parking=RuleOverride(dwell_s=10, schedule=(window,)))
    frames = [(float(t), dets(("car", CAR_IN_ZONE, 0.8, 1))) for t in range(0, 60, 5)]
    assert run(eng, frames) == []


def test_overnight_window_spans_midnight() -> None:
    window = TimeWindow(start=dt.time(22), end=dt.time(6), days=("mon",))
    local = dt.timezone(dt.timedelta(hours=8))
    assert window.contains(dt.datetime(2026, 11, 23, 23, 0, tzinfo=local))  # Monday night
    assert window.contains(dt.datetime(2026, 11, 24, 5, 0, tzinfo=local))  # Tuesday early
    assert not window.contains(dt.datetime(2026, 11, 24, 23, 0, tzinfo=local))
    assert not window.contains(dt.datetime(2026, 11, 23, 12, 0, tzinfo=local))


def test_restored_open_case_is_updated_not_reopened() -> None:
    eng = engine()
    eng.restore(
        [
            OpenViolation(
                case_id=42,
                violation="illegal_parking",
                label="car",
                box=CAR_IN_ZONE,
                confidence=0.9,
                zone_id="np",
                responsible=None,
                first_seen=T0 - dt.timedelta(minutes=10),
                last_seen=T0 - dt.timedelta(seconds=30),
                reached_at=T0 - dt.timedelta(minutes=5),
            )
        ]
    )
    events = run(eng, [(0.0, dets(("car", (205, 352, 305, 442), 0.7, 3)))])
    assert [(ev.kind, ev.case_id, ev.duration_s) for _, ev in events] == [("seen", 42, 600.0)]


def test_a_reached_violation_without_a_case_is_offered_again() -> None:
    eng = engine(illegal_parking=RuleOverride(dwell_s=10))
    car = dets(("car", CAR_IN_ZONE, 0.8, 1))
    events = run(eng, [(float(t), car) for t in range(0, 40, 10)], case_ids=False)
    assert [ev.kind for _, ev in events] == ["started", "reached", "reached", "reached"]


def test_best_flags_only_sightings_that_beat_the_best_confidence() -> None:
    eng = engine(graffiti=RuleOverride(min_frames=1, min_span_s=0))
    box = (250.0, 50.0, 350.0, 100.0)
    confs = [0.5, 0.4, 0.7, 0.6]
    events = run(eng, [(float(t), dets(("graffiti", box, c, 1))) for t, c in enumerate(confs)])
    assert [ev.best for _, ev in events] == [True, False, True, False]


def test_frames_must_arrive_in_time_order_and_be_timezone_aware() -> None:
    eng = engine()
    eng.update(dets(), T0)
    with pytest.raises(ValueError, match="older than the previous frame"):
        eng.update(dets(), T0 - dt.timedelta(seconds=1))
    with pytest.raises(ValueError, match="timezone-aware"):
        eng.update(dets(), dt.datetime(2026, 1, 1))


def test_cars_passing_the_same_spot_now_and_then_never_add_up_to_a_dwell() -> None:
    eng = engine(illegal_parking=RuleOverride(dwell_s=30, max_gap_s=60))
    frames = []
    for t in range(0, 200):  # 1 fps; a car at the same place every 40 s, for one frame
        frames.append((float(t), dets(("car", CAR_IN_ZONE, 0.8, t)) if t % 40 == 0 else dets()))
    assert reached(run(eng, frames)) == []


def test_one_object_called_stall_and_goods_is_one_candidate() -> None:
    eng = engine(out_of_store_trading=RuleOverride(dwell_s=20))
    both = dets(
        ("stall", (300, 200, 380, 280), 0.6, 1),
        ("goods", (305, 205, 378, 281), 0.5, 2),  # the same fruit mat, the other class
        ("goods", (100, 230, 140, 270), 0.5, 3),  # a separate crate: its own case
    )
    events = run(eng, [(float(t), both) for t in range(0, 31, 5)])
    assert sorted(ev.label for _, ev in events if ev.kind == "reached") == ["goods", "stall"]
    assert len(eng.candidates) == 2


def test_a_look_alike_after_clear_after_is_a_new_violation_not_the_old_one() -> None:
    eng = engine(graffiti=RuleOverride(min_frames=1, min_span_s=0, clear_after_s=100))
    tag = dets(("graffiti", (250, 50, 350, 100), 0.8, -1))
    events = run(eng, [(0.0, tag), (1.0, tag), (150.0, tag), (151.0, tag)])
    assert [(t, ev.kind, ev.case_id) for t, ev in events] == [
        (0.0, "started", None),
        (1.0, "reached", None),
        (150.0, "ended", 101),
        (150.0, "started", None),
        (151.0, "reached", None),
    ]
