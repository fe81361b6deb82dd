"""A camera's pending violation clocks outlive its process: a car 200 s into a 300 s dwell
is a case at 300 s after a restart, not at 500 s (or never, if it leaves by then)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from detector.rules.config import RuleOverrides, resolve_rules
from detector.rules.engine import OpenViolation, ViolationEngine
from detector.rules.state import adopt_pending, pending_state
from detector.taxonomy import load_taxonomy
from tests.detector.test_rules_engine import CAR_IN_ZONE, ZONES, dets, reached, run
from tests.serve.service import CAR, PUSH_CAMERA, T0, cases, push, service, write_config

TAXONOMY = load_taxonomy()


def _engine() -> ViolationEngine:
    return ViolationEngine(TAXONOMY, ZONES, resolve_rules(RuleOverrides()))


def test_pending_clocks_round_trip_through_plain_data() -> None:
    first = _engine()
    car = dets(("car", CAR_IN_ZONE, 0.8, 7))
    run(first, [(float(t), car) for t in range(0, 201, 10)])
    state = pending_state(first)
    assert [p["violation"] for p in state["pending"]] == ["illegal_parking"]
    assert state["frames"] == 21
    second = _engine()
    assert adopt_pending(second, state) == 1
    # the clock goes on: reached at 300 s as in one engine, under a new tracker id
    events = run(
        second, [(float(t), dets(("car", CAR_IN_ZONE, 0.8, 1))) for t in range(210, 331, 10)]
    )
    assert reached(events) == [(300.0, "illegal_parking")]


def test_an_open_case_at_the_place_wins_over_a_saved_pending_clock() -> None:
    first = _engine()
    run(first, [(float(t), dets(("car", CAR_IN_ZONE, 0.8, 7))) for t in range(0, 101, 10)])
    state = pending_state(first)
    second = _engine()
    second.restore(
        [
            OpenViolation(
                case_id=5,
                violation="illegal_parking",
                label="car",
                box=CAR_IN_ZONE,
                confidence=0.8,
                zone_id="np",
                responsible=None,
                first_seen=T0,
                last_seen=T0 + dt.timedelta(seconds=300),
                reached_at=T0 + dt.timedelta(seconds=300),
            )
        ]
    )
    assert adopt_pending(second, state) == 0


def test_unreadable_state_is_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="version"):
        adopt_pending(_engine(), {"version": 99, "frames": 0, "pending": []})
    with pytest.raises(ValueError, match="not readable"):
        adopt_pending(_engine(), {"version": 1, "frames": 3, "pending": [{"violation": "x"}]})


def test_a_restart_mid_dwell_keeps_the_clock(tmp_path: Path) -> None:
    config = write_config(tmp_path / "cameras.yaml")
    with service(tmp_path, config) as client:
        for t in range(0, 201, 10):
            push(client, t, [("car", CAR)])
        assert cases(client) == []
    with service(tmp_path, config) as client:
        for t in range(210, 331, 10):
            push(client, t, [("car", CAR)])
        [case] = cases(client)
    assert case["violation"] == "illegal_parking"
    first_seen = dt.datetime.fromisoformat(case["first_seen"])
    assert first_seen == T0, "the clock started before the restart"
    assert case["duration_s"] >= 300


def test_a_deleted_camera_leaves_no_checkpoint(tmp_path: Path) -> None:
    config = write_config(tmp_path / "cameras.yaml", [])
    camera = {**PUSH_CAMERA, "id": "cam-09"}
    with service(tmp_path, config) as client:
        assert client.post("/v1/cameras", json=camera).status_code == 201
        for t in range(0, 31, 10):
            push(client, t, [("car", CAR)], camera="cam-09")
        repo = client.app.state.cameras.checkpoints  # type: ignore[attr-defined]
        assert repo.load("cam-09") is not None, "pending clocks were saved"
        assert client.delete("/v1/cameras/cam-09").status_code == 204
        assert repo.load("cam-09") is None
