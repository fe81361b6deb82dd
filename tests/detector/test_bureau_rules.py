"""The violations the bureaus' lists add, as taxonomy data plus rules: 非机动车乱停放 (a bicycle
or e-bike left in a no-non-motor-parking zone) and 游商 (a stall that moves), through the
same engine; and rule overrides by violation key for rules that are data."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from detector.rules.config import DEFAULT_RULES, RuleOverride, RuleOverrides, resolve_rules
from detector.rules.engine import ViolationEngine
from detector.taxonomy import load_taxonomy
from detector.zones import Zone
from tests.detector.test_rules_engine import dets, reached, run

TAXONOMY = load_taxonomy()
RACKS = Zone(
    id="racks", type="no_nonmotor_parking", polygon=((0, 300), (300, 300), (300, 480), (0, 480))
)
WALK = Zone(id="walk", type="sidewalk", polygon=((0, 200), (640, 200), (640, 290), (0, 290)))
BIKE = (100.0, 380.0, 160.0, 460.0)  # bottom centre (130, 460) in "racks"


def engine(zones: tuple[Zone, ...], **overrides: object) -> ViolationEngine:
    rules = resolve_rules(RuleOverrides.model_validate(overrides))
    return ViolationEngine(TAXONOMY, zones, rules, tz=dt.timezone(dt.timedelta(hours=8)))


def test_the_new_violations_are_data_with_their_rules() -> None:
    keys = {v.key: v for v in TAXONOMY.violations}
    assert keys["nonmotor_parking"].classes == ("two_wheeler",)
    assert keys["nonmotor_parking"].zones.inside == ("no_nonmotor_parking",)
    assert DEFAULT_RULES["nonmotor_parking"].dwell_s == 600
    assert DEFAULT_RULES["mobile_vendor"].min_motion == 1.0
    assert not DEFAULT_RULES["mobile_vendor"].enabled  # a camera turns it on


def test_a_bike_left_in_a_no_nonmotor_zone_opens_one_case_at_the_dwell() -> None:
    eng = engine((RACKS, WALK), nonmotor_parking={"dwell_s": 300})
    bike = dets(("two_wheeler", BIKE, 0.7, 1))
    events = run(eng, [(float(t), bike) for t in range(0, 601, 10)])
    assert reached(events) == [(300.0, "nonmotor_parking")]
    assert {ev.case_id for t, ev in events if t > 300} == {101}


def test_a_bike_outside_the_zone_or_a_car_in_it_is_not_that_violation() -> None:
    eng = engine((RACKS, WALK), nonmotor_parking={"dwell_s": 60})
    outside = dets(("two_wheeler", (400.0, 380.0, 460.0, 460.0), 0.7, 1))
    car = dets(("car", BIKE, 0.8, 2))
    assert reached(run(eng, [(float(t), outside) for t in range(0, 200, 10)])) == []
    assert reached(run(eng, [(float(t), car) for t in range(200, 400, 10)])) == []


def _stall_at(x: float) -> tuple[float, float, float, float]:
    return (x, 220.0, x + 60.0, 285.0)  # bottom centre on the pavement ("walk")


def test_a_stall_that_moves_along_the_pavement_is_a_mobile_vendor() -> None:
    eng = engine((WALK,), mobile_vendor={"enabled": True})
    # a cart pushed 15 px a frame, 5 s apart: a box height (65 px) in about 20 s
    frames = [(float(t), dets(("stall", _stall_at(50 + 3 * t), 0.7, 1))) for t in range(0, 121, 5)]
    events = run(eng, frames)
    assert reached(events) == [(60.0, "mobile_vendor")]
    [case] = [ev for _, ev in events if ev.kind == "reached"]
    assert case.label == "stall" and case.zone_id == "walk"
    # one case that follows it, not a case per place it passes
    assert {ev.case_id for t, ev in events if t > 60 and ev.violation == "mobile_vendor"} == {
        case.key + 100
    }


def test_a_stall_that_stays_is_out_of_store_trading_not_a_mobile_vendor() -> None:
    eng = engine((WALK,), mobile_vendor={"enabled": True}, out_of_store_trading={"dwell_s": 120})
    still = dets(("stall", _stall_at(100), 0.7, 1))
    events = run(eng, [(float(t), still) for t in range(0, 301, 10)])
    assert reached(events) == [(120.0, "out_of_store_trading")]


def test_a_moving_stall_is_no_case_where_mobile_vendor_is_off() -> None:
    eng = engine((WALK,))
    frames = [(float(t), dets(("stall", _stall_at(50 + 3 * t), 0.7, 1))) for t in range(0, 121, 5)]
    assert [v for _, v in reached(run(eng, frames))] == []


def test_rule_overrides_take_the_new_keys_and_refuse_unknown_ones() -> None:
    rules = RuleOverrides.model_validate({"nonmotor_parking": {"dwell_s": 90}})
    assert resolve_rules(rules)["nonmotor_parking"].dwell_s == 90
    assert isinstance(rules.override("nonmotor_parking"), RuleOverride)
    assert rules.model_dump()["nonmotor_parking"]["dwell_s"] == 90
    with pytest.raises(ValidationError, match="no rule named 'bike_parking'"):
        RuleOverrides.model_validate({"bike_parking": {"dwell_s": 90}})
    with pytest.raises(ValidationError, match="dwell_s"):
        RuleOverrides.model_validate({"nonmotor_parking": {"dwell_s": -1}})
