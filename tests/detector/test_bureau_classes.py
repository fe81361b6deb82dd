"""The two bureau violations that need classes of their own: 乱堆物料 (materials piled on the
pavement and left) and 打包垃圾 (bags of garbage put down beside a bin). Their classes come
after the ones every model so far predicts, so such a model still serves; a bag is bagged
garbage beside a bin and exposed garbage away from one, never both."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from detector.errors import TaxonomyMismatchError
from detector.rules.config import DEFAULT_RULES, RuleOverrides, resolve_rules
from detector.rules.context import ContextMemory, box_gap
from detector.rules.engine import ViolationEngine
from detector.taxonomy import NearCondition, Taxonomy, load_taxonomy
from detector.zones import Zone
from tests.detector.test_rules_engine import dets, reached, run

TAXONOMY = load_taxonomy()
WALK = Zone(id="walk", type="sidewalk", polygon=((0, 200), (640, 200), (640, 480), (0, 480)))
BIN = (300.0, 300.0, 360.0, 400.0)
BAG_BY_BIN = (365.0, 350.0, 405.0, 400.0)  # 5 px from the bin
BAG_ALONE = (40.0, 350.0, 80.0, 400.0)  # 220 px (4.4 bag heights) from it
PILE = (100.0, 380.0, 220.0, 460.0)  # bottom centre on the pavement


def engine(**overrides: object) -> ViolationEngine:
    rules = resolve_rules(RuleOverrides.model_validate(overrides))
    return ViolationEngine(TAXONOMY, (WALK,), rules, tz=dt.timezone(dt.timedelta(hours=8)))


def test_the_classes_come_last_and_their_violations_are_data() -> None:
    assert TAXONOMY.names[-2:] == ["materials", "garbage_bag"]
    assert TAXONOMY.violation("piled_materials").classes == ("materials",)
    assert TAXONOMY.violation("bagged_garbage").near["garbage_bag"].classes == ("garbage_bin",)
    assert TAXONOMY.violation("exposed_garbage").near["garbage_bag"].away
    assert DEFAULT_RULES["piled_materials"].min_span_s == 600
    assert DEFAULT_RULES["bagged_garbage"].min_span_s == 300
    assert TAXONOMY.context_classes() == {"garbage_bin"}


def test_a_model_of_the_first_classes_serves_and_others_are_refused() -> None:
    first = TAXONOMY.names[:12]
    TAXONOMY.check_model_names(first)
    assert TAXONOMY.unseen_classes(first) == ["materials", "garbage_bag"]
    assert TAXONOMY.unseen_classes(TAXONOMY.names) == []
    with pytest.raises(TaxonomyMismatchError, match="or its first classes"):
        TAXONOMY.check_model_names([*first[:-1], "materials"])
    with pytest.raises(TaxonomyMismatchError):
        TAXONOMY.check_model_names([])


def test_a_near_condition_must_name_known_classes() -> None:
    raw = TAXONOMY.model_dump()
    raw["violations"][0]["near"] = {"car": {"classes": ["hydrant"], "within": 1.0}}
    with pytest.raises(ValidationError, match=r"unknown classes \['hydrant'\]"):
        Taxonomy.model_validate(raw)


def test_a_pile_left_ten_minutes_is_one_case_and_an_unloading_is_none() -> None:
    eng = engine()
    pile = dets(("materials", PILE, 0.6, 1))
    events = run(eng, [(float(t), pile) for t in range(0, 1201, 30)])
    assert reached(events) == [(600.0, "piled_materials")]
    # a delivery put down for five minutes and taken in
    eng = engine()
    frames = [(float(t), pile) for t in range(0, 301, 30)]
    frames += [(float(t), dets()) for t in range(330, 1500, 30)]
    assert reached(run(eng, frames)) == []


def test_a_bag_beside_a_bin_is_bagged_garbage_only() -> None:
    eng = engine()
    scene = dets(("garbage_bin", BIN, 0.8, 1), ("garbage_bag", BAG_BY_BIN, 0.6, 2))
    events = run(eng, [(float(t), scene) for t in range(0, 601, 30)])
    assert reached(events) == [(300.0, "bagged_garbage")]
    assert {ev.violation for _, ev in events} == {"bagged_garbage"}


def test_a_bag_away_from_any_bin_is_exposed_garbage() -> None:
    eng = engine()
    scene = dets(("garbage_bin", BIN, 0.8, 1), ("garbage_bag", BAG_ALONE, 0.6, 2))
    events = run(eng, [(float(t), scene) for t in range(0, 121, 10)])
    assert reached(events) == [(30.0, "exposed_garbage")]
    assert {ev.violation for _, ev in events} == {"exposed_garbage"}


def test_a_bin_the_bags_hide_is_remembered_so_the_bag_keeps_one_violation() -> None:
    eng = engine()
    both = dets(("garbage_bin", BIN, 0.8, 1), ("garbage_bag", BAG_BY_BIN, 0.6, 2))
    bag = dets(("garbage_bag", BAG_BY_BIN, 0.6, 2))
    # the bin is seen in one frame of three (hidden or missed in the others)
    frames = [(float(t), both if t % 90 == 0 else bag) for t in range(0, 601, 30)]
    events = run(eng, frames)
    assert reached(events) == [(300.0, "bagged_garbage")]
    assert {ev.violation for _, ev in events} == {"bagged_garbage"}
    # once the bin has gone (taken away) for over a minute, a new bag there is on its own
    later = [(float(t), dets(("garbage_bag", BAG_BY_BIN, 0.6, 5))) for t in range(2500, 2700, 10)]
    assert "exposed_garbage" in {v for _, v in reached(run(eng, later))}


def test_the_engine_names_the_violation_a_scene_find_makes() -> None:
    eng = engine()
    run(eng, [(0.0, dets(("garbage_bin", BIN, 0.8, 1)))])
    assert eng.violation_for("garbage_bag", BAG_BY_BIN) == "bagged_garbage"
    assert eng.violation_for("garbage_bag", BAG_ALONE) == "exposed_garbage"
    assert eng.violation_for("materials", PILE) == "piled_materials"
    assert eng.violation_for("garbage_bin", BIN) is None


def test_context_memory_gaps_and_forgetting() -> None:
    assert box_gap((0, 0, 10, 10), (5, 5, 20, 20)) == 0.0
    assert box_gap((0, 0, 10, 10), (13, 14, 20, 20)) == 5.0
    memory = ContextMemory({"garbage_bin"}, memory_s=60)
    near = NearCondition(classes=("garbage_bin",), within=1.0)
    memory.update([("garbage_bin", BIN, 0.9), ("car", BAG_BY_BIN, 0.9)], 0.0)
    memory.update([("garbage_bin", (301.0, 300.0, 361.0, 400.0), 0.9)], 30.0)  # same bin
    assert len(memory._boxes["garbage_bin"]) == 1
    assert memory.is_near(BAG_BY_BIN, near) and not memory.is_near(BAG_ALONE, near)
    memory.update([("garbage_bin", (0.0, 0.0, 5.0, 5.0), 0.1)], 91.0)  # too faint to count
    assert not memory.is_near(BAG_BY_BIN, near)  # the bin was last seen 61 s ago
