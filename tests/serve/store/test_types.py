from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import StatementError

from serve.store import CaseRepo, Database
from serve.store.orm import CameraRow
from serve.store.types import NaiveDatetimeError, UTCDateTime
from tests.serve.store.factories import evidence_in, new_case

SHANGHAI = timezone(timedelta(hours=8))
LOCAL = datetime(2025, 3, 1, 16, 30, 15, 123456, tzinfo=SHANGHAI)
UTC_WALL = datetime(2025, 3, 1, 8, 30, 15, 123456)
DIALECTS = ["sqlite", "postgresql"]


def dialect_of(backend: str) -> Dialect:
    # an engine never used connects to nothing: this only builds its dialect
    return create_engine("sqlite://" if backend == "sqlite" else "postgresql+psycopg://").dialect


@pytest.mark.parametrize("backend", DIALECTS)
def test_bind_converts_to_utc(backend: str) -> None:
    dialect = dialect_of(backend)
    bound = UTCDateTime().process_bind_param(LOCAL, dialect)
    expected = UTC_WALL if dialect.name == "sqlite" else UTC_WALL.replace(tzinfo=UTC)
    assert bound == expected
    assert bound is not None and bound.tzinfo == expected.tzinfo


@pytest.mark.parametrize("backend", DIALECTS)
@pytest.mark.parametrize(
    ("value", "error"),
    [(UTC_WALL, NaiveDatetimeError), ("2025-03-01T08:00:00Z", TypeError)],
    ids=["naive", "string"],
)
def test_bind_refuses(backend: str, value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=r"naive|expected a datetime"):
        UTCDateTime().process_bind_param(value, dialect_of(backend))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "stored",
    [
        UTC_WALL,
        UTC_WALL.replace(tzinfo=UTC),
        LOCAL,
        LOCAL.astimezone(timezone(timedelta(hours=-5))),
    ],
    ids=["naive-utc", "utc", "plus-8", "minus-5"],
)
def test_results_are_utc_aware(stored: datetime) -> None:
    value = UTCDateTime().process_result_value(stored, dialect_of("sqlite"))
    assert value == LOCAL
    assert value is not None and value.tzinfo is UTC


def test_none_passes_through() -> None:
    assert UTCDateTime().process_bind_param(None, dialect_of("sqlite")) is None
    assert UTCDateTime().process_result_value(None, dialect_of("sqlite")) is None


def test_plus_eight_round_trips_through_the_database(cases: CaseRepo) -> None:
    created = cases.create(
        new_case(first_seen=LOCAL, last_seen=LOCAL + timedelta(seconds=1)),
        [evidence_in("annotated", taken_at=LOCAL)],
    )
    stored = cases.get(created.id)
    assert stored is not None
    for value in (stored.first_seen, stored.evidence[0].taken_at, stored.created_at):
        assert value.tzinfo is UTC
    assert stored.first_seen == LOCAL
    assert stored.evidence[0].taken_at == LOCAL
    assert stored.first_seen.hour == 8


def test_naive_datetime_is_refused_by_the_column(db: Database) -> None:
    naive = datetime(2025, 3, 1, 8, 0)
    with pytest.raises(StatementError) as info, db.session() as session:
        session.add(CameraRow(id="c", config={}, origin="api", created_at=naive, updated_at=naive))
        session.flush()
    assert isinstance(info.value.orig, NaiveDatetimeError)
