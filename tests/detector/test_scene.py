"""Scene baseline: fires on new static objects, stays quiet under nuisances (issue 5)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from detector.detections import Detections
from detector.geometry import Box, box_overlap
from detector.scene.baseline import SceneBaseline
from detector.scene.config import SceneConfig
from detector.scene.events import SceneEvent
from detector.scene.naming import explain
from detector.zones import Zone
from training.synth.real_scenarios import REAL, real_scenario
from training.synth.scenario import Scenario
from training.synth.synthetic_scenarios import PRESETS, synthetic_scenario

# a ground-truth object counts as found when a ``reached`` event overlaps its box this much
# (over the smaller box) no later than its zone's dwell time + TOLERANCE_S after it appears:
# static_s (6 s) to call its pixels static, plus slack for an arrival, rain or dusk
MIN_OVERLAP = 0.3
TOLERANCE_S = 15.0
OBJECT_PRESETS = [n for n, (objects, _) in PRESETS.items() if objects]
NUISANCE_PRESETS = [n for n, (objects, _) in PRESETS.items() if not objects]
# the object presets at three seeds; the nuisance-only ones (150 s clips, the slow part)
# at two, but for departures, the newest. Seeds 3-5 were run by hand: all pass but one
# pale stall of seed 4 whose umbrella is in the sky's ignore band (mixed_day)
OBJECT_SEEDS = [0, 1, 2]
NUISANCE_CASES = [(n, s) for s in (0, 1) for n in NUISANCE_PRESETS] + [("departure", 2)]


@functools.lru_cache(maxsize=64)
def _events(name: str, seed: int) -> tuple[Scenario, tuple[tuple[float, SceneEvent], ...]]:
    scenario = real_scenario(name, seed) if name in REAL else synthetic_scenario(name, seed)
    assert scenario is not None
    base = SceneBaseline(scenario.zones)
    out = [(t, e) for t, frame in scenario.frames() for e in base.update(frame, 1e9 + t)]
    return scenario, tuple(out)


def _check_found(scenario: Scenario, events: Sequence[tuple[float, SceneEvent]]) -> None:
    reached = [(t, e) for t, e in events if e.kind == "reached"]
    for obj in scenario.objects:
        dwell = scenario.zone(obj.zone_id).static_dwell
        hits = [t for t, e in reached if box_overlap(e.box, obj.box)[1] >= MIN_OVERLAP]
        assert len(hits) == 1, f"{obj.key} ({obj.class_name}): reached at {hits}, want once"
        delay = hits[0] - obj.appear_s
        assert dwell - 1.0 <= delay <= dwell + TOLERANCE_S, f"{obj.key}: reached after {delay} s"
    false = [
        e.box
        for _, e in reached
        if not any(box_overlap(e.box, o.box)[1] >= MIN_OVERLAP for o in scenario.objects)
    ]
    assert not false, f"false cases at {false}"


@pytest.mark.parametrize("name", OBJECT_PRESETS)
@pytest.mark.parametrize("seed", OBJECT_SEEDS)
def test_fires_once_on_each_new_object(name: str, seed: int) -> None:
    scenario, events = _events(name, seed)
    assert scenario.objects
    _check_found(scenario, events)


@pytest.mark.parametrize(("name", "seed"), NUISANCE_CASES)
def test_silent_on_nuisances(name: str, seed: int) -> None:
    scenario, events = _events(name, seed)
    reached = [e for _, e in events if e.kind == "reached"]
    assert not reached, f"{scenario.nuisances} opened cases at {[e.box for e in reached]}"


@pytest.mark.real_data
@pytest.mark.parametrize("name", sorted(REAL))
def test_real_photo_scenarios(name: str) -> None:
    if real_scenario(name, 0) is None:
        pytest.skip("real photos not found: ../shared/datasets is absent (STREETWATCH_SHARED)")
    scenario, events = _events(name, 0)
    _check_found(scenario, events)


def test_events_carry_times_zone_and_score() -> None:
    scenario, events = _events("stall", 0)
    obj = scenario.objects[0]
    kinds = [e.kind for _, e in events]
    assert kinds.index("started") < kinds.index("reached") < kinds.index("seen")
    started = next(e for _, e in events if e.kind == "started")
    assert started.zone_id == obj.zone_id
    assert abs((started.first_seen - 1e9) - obj.appear_s) <= 4.0
    assert 0.0 < started.score <= 1.0
    assert len({e.key for _, e in events}) == 1


# -- unit tests on a small hand-made scene -------------------------------------------------

W, H = 320, 240
WALK = Zone(
    id="walk", type="sidewalk", polygon=((0, 100), (W, 100), (W, H), (0, H)), static_dwell_s=10
)
WALL = Zone(id="wall", type="wall", polygon=((0, 0), (W, 0), (W, 95), (0, 95)), static_dwell_s=5)
SKIP = Zone(id="skip", type="ignore", polygon=((200, 100), (W, 100), (W, H), (200, H)))
FAST = SceneConfig(warmup_frames=3, absorb_after_s=40.0, background_tau_s=10.0)
BOX_WALK: Box = (60.0, 140.0, 120.0, 200.0)
BOX_WALL: Box = (40.0, 20.0, 100.0, 70.0)
BOX_SKIP: Box = (230.0, 140.0, 290.0, 200.0)


def _scene() -> npt.NDArray[np.uint8]:
    rng = np.random.default_rng(3)
    tiles = rng.integers(90, 170, (H // 8, W // 8, 3)).astype(np.uint8)
    return np.asarray(cv2.resize(tiles, (W, H), interpolation=cv2.INTER_NEAREST), np.uint8)


def _with(boxes: Sequence[Box], k: int) -> npt.NDArray[np.uint8]:
    frame = _scene()
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        color = (30 + 60 * i, 200, 240 - 50 * i)
        cv2.rectangle(frame, (int(x0), int(y0)), (int(x1), int(y1)), color, -1)
        cv2.line(frame, (int(x0), int(y0)), (int(x1), int(y1)), (0, 0, 0), 3)
    noise = np.random.default_rng(k).normal(0, 2, frame.shape)
    return np.clip(frame + noise, 0, 255).astype(np.uint8)


def _play(
    base: SceneBaseline,
    frames: int,
    boxes: Sequence[Box] = (),
    *,
    start: int = 0,
    protect: Sequence[Box] = (),
) -> list[SceneEvent]:
    out: list[SceneEvent] = []
    for k in range(start, start + frames):
        out += base.update(_with(boxes, k), float(k), protect=protect)
    return out


def _kinds(events: Sequence[SceneEvent], kind: str) -> list[SceneEvent]:
    return [e for e in events if e.kind == kind]


def test_one_reached_per_object_with_a_stable_key() -> None:
    base = SceneBaseline([WALK, WALL], FAST)
    _play(base, 5)
    assert base.ready
    events = _play(base, 30, [BOX_WALK], start=5)
    reached = _kinds(events, "reached")
    assert len(reached) == 1 and reached[0].zone_id == "walk"
    assert box_overlap(reached[0].box, BOX_WALK)[0] > 0.7
    assert {e.key for e in events} == {reached[0].key}
    assert _kinds(events, "seen")  # every update after it reached


def test_object_leaving_ends_its_candidate() -> None:
    base = SceneBaseline([WALK], FAST)
    _play(base, 5)
    _play(base, 25, [BOX_WALK], start=5)
    events = _play(base, 15, start=30)
    assert [e.kind for e in events if e.kind != "seen"] == ["ended"]


def test_object_there_from_the_start_that_leaves_is_no_case() -> None:
    # in the warm-up (so in the empty scene) and then gone: the ground that shows where
    # they stood differs from the learnt scene, but it is no new object
    base = SceneBaseline([WALK, WALL], FAST)
    _play(base, 10, [BOX_WALK, BOX_WALL])
    events = _play(base, 40, start=10)
    assert not events


def test_shake_neither_opens_cases_nor_hides_a_new_object() -> None:
    base = SceneBaseline([WALK, WALL], FAST)
    rng = np.random.default_rng(5)
    events: list[SceneEvent] = []
    for k in range(40):
        frame = _with([BOX_WALK] if k >= 8 else [], k)
        dx, dy = rng.integers(-3, 4, 2)
        shift = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
        shaken = cv2.warpAffine(frame, shift, (W, H), borderMode=cv2.BORDER_REFLECT)
        events += base.update(np.asarray(shaken, np.uint8), float(k))
    reached = _kinds(events, "reached")
    assert len(reached) == 1 and box_overlap(reached[0].box, BOX_WALK)[0] > 0.6
    assert {e.key for e in events} == {reached[0].key}


def test_ignore_zone_is_masked_out() -> None:
    base = SceneBaseline([WALK, SKIP], FAST)
    _play(base, 5)
    events = _play(base, 30, [BOX_SKIP], start=5)
    assert not events


@pytest.mark.parametrize(
    ("zone_id", "ended_zones", "still"),
    [(None, {"walk", "wall"}, set()), ("wall", {"wall"}, {"walk"})],
)
def test_accept_makes_the_scene_the_baseline(
    zone_id: str | None, ended_zones: set[str], still: set[str]
) -> None:
    base = SceneBaseline([WALK, WALL], FAST)
    _play(base, 5)
    both = [BOX_WALK, BOX_WALL]
    assert {e.zone_id for e in _kinds(_play(base, 25, both, start=5), "reached")} == {
        "walk",
        "wall",
    }
    base.accept(zone_id)
    events = _play(base, 20, both, start=30)
    assert {e.zone_id for e in _kinds(events, "ended")} == ended_zones
    assert not _kinds(events, "started") and not _kinds(events, "reached")
    assert {e.zone_id for e in _kinds(events, "seen")} == still


def test_accept_unknown_zone() -> None:
    with pytest.raises(ValueError, match="no zone 'nope'"):
        SceneBaseline([WALK]).accept("nope")


@pytest.mark.parametrize(("protect", "ended"), [((), True), ((BOX_WALK,), False)])
def test_protect_keeps_an_open_case_out_of_the_baseline(
    protect: tuple[Box, ...], ended: bool
) -> None:
    # absorb_after_s is 40 s: an unprotected object is learnt into the scene after that
    base = SceneBaseline([WALK], FAST)
    _play(base, 5)
    events = _play(base, 120, [BOX_WALK], start=5, protect=protect)
    assert len(_kinds(events, "reached")) == 1
    assert bool(_kinds(events, "ended")) is ended
    if not ended:
        assert events[-1].kind == "seen"


def test_background_round_trips_across_a_restart() -> None:
    base = SceneBaseline([WALK], FAST)
    _play(base, 10)
    saved = base.background()
    assert saved.shape == (H, W, 3) and saved.dtype == np.uint8
    again = SceneBaseline([WALK], FAST, background=saved)
    _play(again, 3)
    events = _play(again, 25, [BOX_WALK], start=3)
    assert len(_kinds(events, "reached")) == 1


def test_deterministic() -> None:
    runs = []
    for _ in range(2):
        base = SceneBaseline([WALK, WALL], FAST)
        _play(base, 5)
        runs.append(_play(base, 25, [BOX_WALK, BOX_WALL], start=5))
    assert runs[0] == runs[1] and runs[0]


@pytest.mark.parametrize(
    ("frames", "expectation"),
    [
        ([(240, 320, 3), (240, 320, 3)], nullcontext()),
        ([(240, 320, 3), (480, 640, 3)], pytest.raises(ValueError, match="size changed")),
        ([(240, 320)], pytest.raises(ValueError, match="BGR uint8")),
    ],
)
def test_frame_checks(
    frames: list[tuple[int, ...]], expectation: AbstractContextManager[object]
) -> None:
    base = SceneBaseline([WALK])
    with expectation:
        for k, shape in enumerate(frames):
            base.update(np.zeros(shape, np.uint8), float(k))


@pytest.mark.parametrize(
    ("kwargs", "expectation"),
    [
        ({}, nullcontext()),
        ({"width": 8}, pytest.raises(ValueError, match="width")),
        ({"window": 4}, pytest.raises(ValueError, match="window")),
        ({"static_s": 0}, pytest.raises(ValueError, match="static_s")),
        ({"min_area": 2.0}, pytest.raises(ValueError, match="min_area")),
    ],
)
def test_config_checks(
    kwargs: dict[str, float], expectation: AbstractContextManager[object]
) -> None:
    with expectation:
        SceneConfig(**kwargs)  # type: ignore[arg-type]


def test_time_must_not_go_back() -> None:
    base = SceneBaseline([WALK])
    base.update(_with([], 0), 5.0)
    with pytest.raises(ValueError, match="backwards"):
        base.update(_with([], 1), 4.0)


def _dets(rows: list[tuple[float, float, float, float, float, int]]) -> Detections:
    arr = np.array(rows, np.float32).reshape(-1, 6)
    return Detections(xyxy=arr[:, :4], confidence=arr[:, 4], class_id=arr[:, 5].astype(np.int64))


@pytest.mark.parametrize(
    ("box", "rows", "expected"),
    [
        ((0, 0, 10, 10), [], None),
        ((0, 0, 10, 10), [(0, 0, 10, 10, 0.5, 0)], 0),
        ((0, 0, 10, 10), [(50, 50, 60, 60, 0.9, 0)], None),
        # a small scene region inside a big detection is explained by it
        ((20, 20, 30, 30), [(0, 0, 100, 100, 0.4, 1)], 0),
        # two explain it: the more confident wins
        ((0, 0, 10, 10), [(0, 0, 10, 10, 0.3, 0), (2, 2, 12, 12, 0.8, 1)], 1),
        # just under the minimum overlap
        ((0, 0, 10, 10), [(8, 0, 20, 10, 0.9, 0)], None),
    ],
)
def test_explain(
    box: Box, rows: list[tuple[float, float, float, float, float, int]], expected: int | None
) -> None:
    assert explain(box, _dets(rows), ["car", "stall"]) == expected


def test_explain_checks_names() -> None:
    with pytest.raises(ValueError, match="outside the 1 names"):
        explain((0, 0, 1, 1), _dets([(0, 0, 1, 1, 0.5, 3)]), ["car"])


def test_an_adopted_candidate_keeps_its_first_sighting_in_a_new_process() -> None:
    """A camera moved to another worker (or restarted) mid-dwell: the new baseline, given
    the old one's pending candidates, reports the object at its first dwell, not a whole
    dwell after the move."""
    first = SceneBaseline([WALK], FAST)
    _play(first, 5)
    assert not _kinds(_play(first, 9, [BOX_WALK], start=5), "reached")
    [pending] = first.pending()
    assert box_overlap(pending["box"], BOX_WALK)[0] > 0.7 and 5 <= pending["first_seen"] < 12
    moved = SceneBaseline([WALK], FAST, background=first.background())
    assert moved.adopt([pending]) == 1
    fresh = SceneBaseline([WALK], FAST, background=first.background())
    [again] = _kinds(_play(moved, 20, [BOX_WALK], start=14), "reached")
    [late] = _kinds(_play(fresh, 20, [BOX_WALK], start=14), "reached")
    assert again.first_seen == pending["first_seen"]
    assert late.first_seen >= 14 and late.last_seen > again.last_seen
    # a hint too old for ``resume_s``, or somewhere else, is not taken
    stale = SceneBaseline([WALK], FAST, background=first.background())
    stale.adopt([{**pending, "last_seen": pending["last_seen"] - 1000}])
    [own] = _kinds(_play(stale, 20, [BOX_WALK], start=14), "reached")
    assert own.first_seen >= 14


def test_only_candidates_in_a_watched_zone_are_pending() -> None:
    base = SceneBaseline([WALK], FAST)  # the wall above the pavement is watched by no zone
    _play(base, 5)
    _play(base, 9, [BOX_WALL], start=5)
    assert base._s.tracks and base.pending() == []


def test_unreadable_candidates_are_refused() -> None:
    with pytest.raises(ValueError, match="scene candidates are not readable"):
        SceneBaseline([WALK], FAST).adopt([{"box": [1, 2], "first_seen": 0, "last_seen": 0}])
