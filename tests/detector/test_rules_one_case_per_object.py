"""One object, one case: an object the detector calls two classes, or whose track id a
passing car takes over, never opens a second case."""

from __future__ import annotations

from detector.rules.config import RuleOverride
from tests.detector.test_rules_engine import dets, engine, reached, run

PULLING_IN = (230.0, 305.0, 370.0, 445.0)  # first seen here, still turning in to the kerb
PARKED = (200.0, 300.0, 340.0, 440.0)  # where it stops: its anchor within the tolerance
CUT_SHORT = (200.0, 300.0, 340.0, 415.0)  # its wheels hidden by a car passing in front


def test_a_parked_car_whose_box_is_cut_short_and_track_renewed_keeps_its_one_case() -> None:
    """As on the demo clip: the case's anchor is where the car was first seen, pulling in;
    a car passing in front cuts the parked one's box short (its anchor now beyond the
    tolerance from that first place) and the tracker gives it a new id. Before, that box
    started a second candidate, which then won every later sighting by its track id and
    opened a second case for the same car."""
    eng = engine(illegal_parking=RuleOverride(dwell_s=20))
    frames = [(0.0, dets(("car", PULLING_IN, 0.8, 1)))]
    frames += [(float(t), dets(("car", PARKED, 0.85, 1))) for t in range(1, 41)]
    frames.append((41.0, dets(("car", CUT_SHORT, 0.8, 2))))
    frames += [(float(t), dets(("car", PARKED, 0.85, 2))) for t in range(42, 121)]
    events = run(eng, frames)
    assert reached(events) == [(20.0, "illegal_parking")]
    assert {ev.case_id for t, ev in events if t > 20} == {101}
    assert len(eng.candidates) == 1


def test_a_pending_object_must_still_stay_where_it_started() -> None:
    """The last-box match is for open cases only: a car creeping along in a queue, each
    box over the one before, never adds up to a dwell."""
    eng = engine(illegal_parking=RuleOverride(dwell_s=20))
    frames = []
    for t in range(60):  # 3 px a second, the same track: 180 px in a minute
        x = 110.0 + 3 * t
        frames.append((float(t), dets(("car", (x, 350.0, x + 100, 440.0), 0.8, 5))))
    assert reached(run(eng, frames)) == []


BANNER = (40.0, 40.0, 160.0, 100.0)  # on the wall where ads are prohibited


def test_one_banner_called_outdoor_ad_and_graffiti_is_one_case_of_the_stronger() -> None:
    eng = engine()
    both = dets(
        ("graffiti", BANNER, 0.78, 1),
        ("outdoor_ad", (41.0, 40.0, 160.0, 98.0), 0.52, 2),  # NMS is per class: a twin box
    )
    events = run(eng, [(float(t), both) for t in range(0, 31, 5)])
    assert reached(events) == [(10.0, "graffiti")]
    assert len(eng.candidates) == 1


def test_a_flyer_on_a_parked_car_and_graffiti_beside_an_ad_keep_their_own_cases() -> None:
    """Across violations only near-identical boxes are one object: a box inside another
    (a flyer on a car) or overlapping it in part (graffiti beside an ad) is its own."""
    eng = engine(illegal_parking=RuleOverride(dwell_s=20))
    scene = dets(
        ("car", PARKED, 0.9, 1),
        ("flyer", (250.0, 330.0, 280.0, 370.0), 0.6, 2),  # stuck on its door
        ("outdoor_ad", BANNER, 0.7, 3),
        ("graffiti", (100.0, 50.0, 190.0, 110.0), 0.6, 4),  # sprayed over the ad's edge
    )
    events = run(eng, [(float(t), scene) for t in range(0, 31, 5)])
    assert sorted(reached(events)) == [
        (10.0, "graffiti"),
        (10.0, "illegal_ad"),
        (10.0, "illegal_ad"),
        (20.0, "illegal_parking"),
    ]
