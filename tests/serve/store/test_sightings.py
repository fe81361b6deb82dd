"""Sightings written in batches: one transaction for many cases, counts added, last_seen
only moving forward (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from serve.store import CaseRepo
from tests.serve.store.factories import T0, new_case


def test_a_batch_adds_each_cases_sightings(cases: CaseRepo) -> None:
    a = cases.create(new_case(last_seen=T0 + timedelta(seconds=10)))
    b = cases.create(new_case(camera_id="cam-02", last_seen=T0 + timedelta(seconds=10)))
    cases.add_sightings(
        {
            a.id: (T0 + timedelta(seconds=15), 5),
            b.id: (T0 + timedelta(seconds=5), 2),  # older than stored: last_seen stays
            a.id + b.id + 100: (T0, 1),  # deleted meanwhile: skipped
        }
    )
    after_a, after_b = cases.get(a.id), cases.get(b.id)
    assert after_a is not None and after_b is not None
    assert (after_a.sightings, after_a.last_seen) == (6, T0 + timedelta(seconds=15))
    assert (after_b.sightings, after_b.last_seen) == (3, T0 + timedelta(seconds=10))
    cases.add_sightings({})


@pytest.mark.parametrize(
    ("seen", "count", "match"),
    [(datetime(2026, 11, 23, 10), 1, "timezone"), (T0, 0, "at least one sighting")],
)
def test_a_bad_batch_changes_nothing(
    cases: CaseRepo, seen: datetime, count: int, match: str
) -> None:
    case = cases.create(new_case())
    with pytest.raises(ValueError, match=match):
        cases.add_sightings({case.id: (T0 + timedelta(seconds=1), 1), 0: (seen, count)})
    again = cases.get(case.id)
    assert again is not None and again.sightings == 1
