"""``SceneBaseline.advance``: an unchanged picture lets time pass without a look, and an
object still reaches its dwell when it is looked at only every few seconds."""

from __future__ import annotations

import pytest

from detector.scene.baseline import SceneBaseline
from detector.scene.cadence import SceneCadence
from detector.scene.events import SceneEvent
from tests.detector.test_scene import BOX_WALK, FAST, WALK, _kinds, _play, _with


def _look_every(base: SceneBaseline, every: int, start: int, end: int) -> list[SceneEvent]:
    """The object in place from ``start``; a look every ``every`` s, advances in between."""
    out: list[SceneEvent] = []
    for k in range(start, end):
        if (k - start) % every == 0:
            out += base.update(_with([BOX_WALK], k), float(k))
        else:
            out += base.advance(float(k))
    return out


def test_an_object_looked_at_every_5_s_reaches_its_dwell_when_looked_at_every_second() -> None:
    every_frame = SceneBaseline([WALK], FAST)
    _play(every_frame, 5)
    reference = _kinds(_play(every_frame, 30, [BOX_WALK], start=5), "reached")
    sparse = SceneBaseline([WALK], FAST)
    _play(sparse, 5)
    events = _look_every(sparse, 5, 5, 35)
    reached = _kinds(events, "reached")
    assert len(reference) == 1 and len(reached) == 1
    # the same object, reported at most one look later than looking at every frame
    assert reached[0].box == pytest.approx(reference[0].box, abs=4)
    assert reached[0].last_seen - reference[0].last_seen <= 5
    assert _kinds(events, "seen")  # advances keep reporting it while it stays


def test_advances_report_the_object_every_second_between_sparse_looks() -> None:
    # a case opened by the baseline stays fresh (its last_seen) though looks are 10 s apart
    base = SceneBaseline([WALK], FAST)
    _play(base, 5)
    events = _look_every(base, 10, 5, 45)
    reached = _kinds(events, "reached")
    assert len(reached) == 1
    seen = [e.last_seen for e in _kinds(events, "seen")]
    assert seen == [float(k) for k in range(int(reached[0].last_seen) + 1, 45)]


def test_advance_does_nothing_before_warm_up_and_refuses_time_going_back() -> None:
    base = SceneBaseline([WALK], FAST)
    assert base.advance(0.0) == []  # nothing looked at yet
    base.update(_with([], 0), 0.0)
    assert base.advance(1.0) == [] and not base.ready
    _play(base, 4, start=1)
    assert base.ready and base.advance(5.0) == []
    with pytest.raises(ValueError, match="time went backwards"):
        base.advance(2.0)


def test_cadence_steps_look_advance_and_skip() -> None:
    cadence = SceneCadence(min_s=1.0, still_s=10.0)
    steps = [cadence.step(t, changed=c) for t, c in [(0, False), (1, False), (5, True)]]
    steps += [cadence.step(t, changed=c) for t, c in [(5.5, True), (5.7, False), (3, False)]]
    assert steps == ["look", "advance", "look", "skip", "advance", "skip"]
    assert cadence.step(15, changed=False) == "look"  # still_s after the last look


def test_a_difference_one_look_saw_alone_is_not_aged_by_advances() -> None:
    # one look's difference may be that look's noise (a glint, a gain estimate off): held
    # for a whole still interval it would become a static object nobody saw stay
    once = SceneBaseline([WALK], FAST)
    _play(once, 5)
    events = once.update(_with([BOX_WALK], 5), 5.0)
    for k in range(6, 40):
        events += once.advance(float(k))
    assert not events
    twice = SceneBaseline([WALK], FAST)
    _play(twice, 5)
    events = twice.update(_with([BOX_WALK], 5), 5.0) + twice.update(_with([BOX_WALK], 6), 6.0)
    for k in range(7, 40):
        events += twice.advance(float(k))
    assert len(_kinds(events, "reached")) == 1


def test_an_arriving_object_is_settling_until_two_looks_agree() -> None:
    base = SceneBaseline([WALK], FAST)
    _play(base, 5)
    assert not base.settling  # an empty street: nothing to look at again soon
    base.update(_with([BOX_WALK], 5), 5.0)
    assert base.settling  # new: the look before did not see it
    _play(base, 3, [BOX_WALK], start=6)
    assert not base.settling  # seen the same way twice, holding still: advances may age it


def test_a_busy_street_is_looked_at_every_busy_s_and_objects_still_reach_their_dwell() -> None:
    """Every frame changed (a busy street): one look per second in warm-up, then one per
    busy_s (an arriving object only counts the frame as changed, it is not looked at
    sooner); the object is reported at most one busy_s later than looking at every frame."""
    every = SceneBaseline([WALK], FAST)
    _play(every, 5)
    reference = _kinds(_play(every, 25, [BOX_WALK], start=5), "reached")
    base = SceneBaseline([WALK], FAST)
    cadence = SceneCadence(min_s=1.0, busy_s=3.0, still_s=10.0)
    looked: list[int] = []
    events: list[SceneEvent] = []
    for k in range(30):
        frame = _with([BOX_WALK] if k >= 5 else [], k)
        step = cadence.step_for(base, float(k), changed=True)
        assert step in ("look", "skip")  # a changed frame is never only advanced over
        if step == "look":
            looked.append(k)
            events += base.update(frame, float(k))
    warm = FAST.warmup_frames
    assert looked[:warm] == list(range(warm))  # warm-up: every second
    assert all(b - a == 3 for a, b in zip(looked[warm - 1 :], looked[warm:], strict=False))
    reached = _kinds(events, "reached")
    assert len(reference) == 1 and len(reached) == 1
    assert reached[0].box == pytest.approx(reference[0].box, abs=4)
    assert 0 <= reached[0].last_seen - reference[0].last_seen <= 3
