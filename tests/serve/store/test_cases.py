from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from serve.store import EVIDENCE_KINDS, CaseNotFound, CaseRecord, CaseRepo, Database
from tests.serve.store.factories import T0, evidence_in, new_case


@contextmanager
def count_statements(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_create_returns_the_stored_case(cases: CaseRepo) -> None:
    given = [evidence_in(k) for k in reversed(EVIDENCE_KINDS)]
    created = cases.create(
        new_case(zone_id="z1", responsible="某某商店", lat=31.2, lon=121.5), given
    )
    assert created.id > 0
    assert (created.status, created.signal, created.sightings) == ("draft", "detector", 1)
    assert created.box == (10.0, 20.0, 110.0, 90.0)
    assert (created.zone_id, created.responsible, created.lat) == ("z1", "某某商店", 31.2)
    assert created.address == "人民路 12 号"
    assert created.dwell_reached_at is None
    assert [e.kind for e in created.evidence] == list(EVIDENCE_KINDS)
    assert created.evidence_of("crop") == created.evidence[2]
    assert created.created_at == created.updated_at
    assert cases.get(created.id) == created


def test_create_takes_a_list_box_and_stores_a_tuple(cases: CaseRepo) -> None:
    created = cases.create(new_case(box=[1, 2, 3, 4]))
    assert created.box == (1.0, 2.0, 3.0, 4.0)


def test_create_refuses_two_files_of_one_kind(cases: CaseRepo) -> None:
    with pytest.raises(ValueError, match="one evidence file per kind"):
        cases.create(new_case(), [evidence_in("crop", "a.jpg"), evidence_in("crop", "b.jpg")])
    assert cases.list() == ([], 0)


def test_get_unknown_is_none(cases: CaseRepo) -> None:
    assert cases.get(12345) is None


def test_update_records_a_sighting(cases: CaseRepo) -> None:
    case = cases.create(new_case())
    later = case.last_seen + timedelta(seconds=30)
    updated, dropped = cases.update(case.id, last_seen=later, confidence=0.9, box=(1, 2, 3, 4))
    assert dropped == []
    assert updated.sightings == 2
    assert updated.last_seen == later
    assert (updated.confidence, updated.box) == (0.9, (1.0, 2.0, 3.0, 4.0))
    assert updated.updated_at >= case.updated_at
    assert updated.created_at == case.created_at
    assert cases.get(case.id) == updated


def test_update_keeps_what_it_is_not_given(cases: CaseRepo) -> None:
    case = cases.create(new_case())
    # an out-of-order sighting does not move last_seen back
    updated, _ = cases.update(case.id, last_seen=case.first_seen)
    assert updated.last_seen == case.last_seen
    assert (updated.confidence, updated.box) == (case.confidence, case.box)
    assert updated.sightings == 2


def test_dwell_reached_at_is_set_once(cases: CaseRepo) -> None:
    case = cases.create(new_case())
    first = T0 + timedelta(minutes=5)
    updated, _ = cases.update(case.id, last_seen=first, dwell_reached_at=first)
    assert updated.dwell_reached_at == first
    again, _ = cases.update(case.id, last_seen=first, dwell_reached_at=first + timedelta(1))
    assert again.dwell_reached_at == first


def test_update_upserts_evidence_and_returns_dropped_paths(cases: CaseRepo) -> None:
    case = cases.create(
        new_case(),
        [
            evidence_in("annotated", "a/annotated-1.jpg"),
            evidence_in("crop", "a/crop-1.jpg"),
            evidence_in("start", "a/start.jpg"),
        ],
    )
    updated, dropped = cases.update(
        case.id,
        last_seen=T0 + timedelta(minutes=1),
        evidence=[
            evidence_in("annotated", "a/annotated-2.jpg", width=1920),
            evidence_in("crop", "a/crop-1.jpg", size=99),  # rewritten in place
            evidence_in("dwell", "a/dwell.jpg"),
        ],
    )
    assert dropped == ["a/annotated-1.jpg"]
    by_kind = {e.kind: e for e in updated.evidence}
    assert [e.kind for e in updated.evidence] == ["annotated", "crop", "start", "dwell"]
    assert (by_kind["annotated"].path, by_kind["annotated"].width) == ("a/annotated-2.jpg", 1920)
    assert by_kind["annotated"].id == case.evidence[0].id
    assert by_kind["crop"].size == 99
    assert by_kind["start"] == case.evidence_of("start")
    assert cases.get(case.id) == updated


def test_a_replaced_path_still_in_use_is_not_dropped(cases: CaseRepo) -> None:
    case = cases.create(
        new_case(), [evidence_in("annotated", "a/frame.jpg"), evidence_in("dwell", "a/frame.jpg")]
    )
    _, dropped = cases.update(
        case.id, last_seen=case.last_seen, evidence=[evidence_in("dwell", "a/dwell-2.jpg")]
    )
    assert dropped == []


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"confidence": 1.5}, r"confidence must be in \[0, 1\]"),
        ({"box": (1, 2, 3)}, "box must be 4 finite numbers"),
        ({"evidence": [evidence_in("crop"), evidence_in("crop")]}, "one evidence file per kind"),
        ({"last_seen": T0.replace(tzinfo=None)}, "last_seen must be timezone-aware"),
    ],
    ids=["confidence", "box", "duplicate-kind", "naive"],
)
def test_update_refuses_bad_input(cases: CaseRepo, kwargs: dict[str, Any], match: str) -> None:
    case = cases.create(new_case())
    with pytest.raises(ValueError, match=match):
        cases.update(case.id, **{"last_seen": T0, **kwargs})
    assert cases.get(case.id) == case


def test_update_of_an_unknown_case(cases: CaseRepo) -> None:
    with pytest.raises(CaseNotFound, match="no case with id 999") as info:
        cases.update(999, last_seen=T0)
    assert isinstance(info.value, KeyError)
    assert info.value.case_id == 999


def _seed(cases: CaseRepo) -> list[CaseRecord]:
    """Six cases on two cameras and two violations, a minute apart; one is closed."""
    made = []
    for i in range(6):
        made.append(
            cases.create(
                new_case(
                    camera_id=f"cam-{i % 2}",
                    violation="illegal_parking" if i < 4 else "graffiti",
                    status="closed" if i == 1 else "draft",
                    first_seen=T0 + timedelta(minutes=i),
                    last_seen=T0 + timedelta(minutes=i, seconds=30),
                ),
                [evidence_in("annotated", f"c{i}/a.jpg"), evidence_in("crop", f"c{i}/c.jpg")],
            )
        )
    return made


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [5, 4, 3, 2, 1, 0]),
        ({"status": "draft"}, [5, 4, 3, 2, 0]),
        ({"status": "closed"}, [1]),
        ({"violation": "graffiti"}, [5, 4]),
        ({"camera_id": "cam-1"}, [5, 3, 1]),
        ({"since": T0 + timedelta(minutes=2)}, [5, 4, 3, 2]),
        ({"camera_id": "cam-0", "violation": "illegal_parking"}, [2, 0]),
        ({"camera_id": "cam-9"}, []),
    ],
)
def test_list_filters(cases: CaseRepo, filters: dict[str, Any], expected: list[int]) -> None:
    made = _seed(cases)
    found, total = cases.list(**filters)
    assert [c.id for c in found] == [made[i].id for i in expected]
    assert total == len(expected)


def test_list_pages_cover_everything_once(cases: CaseRepo) -> None:
    made = _seed(cases)
    pages = [cases.list(limit=4, offset=offset) for offset in (0, 4, 8)]
    assert [len(p) for p, _ in pages] == [4, 2, 0]
    assert {total for _, total in pages} == {6}
    assert [c.id for p, _ in pages for c in p] == [c.id for c in reversed(made)]


def test_list_breaks_ties_by_newest_id(cases: CaseRepo) -> None:
    a, b = cases.create(new_case()), cases.create(new_case())
    assert [c.id for c in cases.list()[0]] == [b.id, a.id]


def test_list_loads_evidence_without_a_query_per_case(db: Database, cases: CaseRepo) -> None:
    _seed(cases)
    with count_statements(db) as statements:
        found, _ = cases.list()
    assert all(len(c.evidence) == 2 for c in found)
    # count, cases, evidence (one IN query) — plus BEGIN where SQLite emits it
    assert len([s for s in statements if not s.startswith("BEGIN")]) == 3


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"limit": 0}, "limit >= 1"),
        ({"offset": -1}, "offset >= 0"),
        ({"since": T0.replace(tzinfo=None)}, "since must be timezone-aware"),
    ],
)
def test_list_refuses_bad_arguments(cases: CaseRepo, kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        cases.list(**kwargs)


def test_open_for_camera_is_judged_by_the_cameras_own_latest_sighting(cases: CaseRepo) -> None:
    made = _seed(cases)  # cam-1: #1 closed seen 01:30, #3 and #5 drafts seen 03:30, 05:30
    later = T0 + timedelta(days=400)  # the wall clock long after: still restored

    def ids(**kw: object) -> list[int]:
        return [c.id for c in cases.open_for_camera("cam-1", **kw)]  # type: ignore[arg-type]

    assert ids(within=timedelta(minutes=3), until=later) == [made[3].id, made[5].id]
    assert ids(within=timedelta(minutes=1), until=later) == [made[5].id]
    both = cases.open_for_camera(
        "cam-1", statuses=("draft", "closed"), within=timedelta(minutes=5), until=later
    )
    assert [c.id for c in both] == [made[1].id, made[3].id, made[5].id]
    assert [e.kind for e in both[0].evidence] == ["annotated", "crop"]
    # sightings after ``until`` (a camera clock that ran ahead) are not taken back
    assert ids(within=timedelta(minutes=3), until=T0 + timedelta(minutes=4)) == [made[3].id]
    assert ids(within=timedelta(minutes=3), until=T0) == []
