"""Column types shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class NaiveDatetimeError(ValueError):
    """A datetime without a time zone reached the store; its instant would be a guess."""


class UTCDateTime(TypeDecorator[datetime]):
    """A point in time, stored in UTC and always read back as a tz-aware UTC datetime.

    PostgreSQL keeps it as ``timestamptz``; SQLite, which has no time zones, as naive
    UTC text. Naive datetimes are refused rather than silently taken as local time.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}: {value!r}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(
                f"expected a timezone-aware datetime, got naive {value.isoformat()} "
                "(use datetime.now(UTC) or attach the camera's time zone)"
            )
        utc = value.astimezone(UTC)
        # SQLite's DATETIME text has no offset: write the UTC wall time
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
