"""Case statistics for the dashboard: counts per day, camera, class, violation and signal
(what found the case: the detector, the scene baseline or both), and rates.

A case belongs to the day on which it was first seen, in its camera's own time zone (the
clock a bureau reads). SQLite and PostgreSQL share no way to take a per-row time zone's
calendar date, so one query reads the few columns of the cases in a UTC window wide
enough for every offset, and the counting happens here, over those plain tuples.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select

from serve.store.database import Database
from serve.store.orm import CaseRow
from serve.store.records import SCENE_LABEL, SIGNALS, require_aware
from serve.workflow import ACCEPTED, DISPOSED, IN_PROGRESS, CaseStatus

MAX_DAYS = 366
# UTC offsets run from -12:00 to +14:00
_EARLIEST_OFFSET = dt.timedelta(hours=14)
_LATEST_OFFSET = dt.timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        """``numerator / denominator``; None when there is nothing to divide by."""
        return self.numerator / self.denominator if self.denominator else None


class _Row(NamedTuple):
    id: int
    camera_id: str
    violation: str
    label: str
    detected_label: str
    status: str
    first_seen: dt.datetime
    timezone: str
    deadline_at: dt.datetime | None
    cleared_at: dt.datetime | None
    closed_at: dt.datetime | None
    overdue: bool
    signal: str
    responsible: str | None


@dataclass(slots=True)
class SignalTally:
    """How many cases one signal produced in a group, and what reviewers made of them."""

    total: int = 0
    accepted: int = 0
    rejected: int = 0

    @property
    def confirm_rate(self) -> Rate:
        return Rate(self.accepted, self.accepted + self.rejected)


@dataclass(slots=True)
class Tally:
    """Counts for one group of cases; the rates are defined by the properties below."""

    total: int = 0
    draft: int = 0
    accepted: int = 0
    rejected: int = 0
    disposed: int = 0
    finished: int = 0
    on_time: int = 0
    overdue: int = 0
    # every signal, zeros included, so a table of them has no holes
    by_signal: dict[str, SignalTally] = field(
        default_factory=lambda: {s: SignalTally() for s in SIGNALS}
    )

    @property
    def confirm_rate(self) -> Rate:
        """Confirmed ÷ reviewed (confirmed + rejected); drafts are not counted."""
        return Rate(self.accepted, self.accepted + self.rejected)

    @property
    def disposal_rate(self) -> Rate:
        """处置率: confirmed cases that reached verified_cleared or closed ÷ confirmed cases."""
        return Rate(self.disposed, self.accepted)

    @property
    def on_time_rate(self) -> Rate:
        """按期办结率: cleared/closed cases finished by their deadline ÷ cleared/closed cases."""
        return Rate(self.on_time, self.finished)

    def add(self, row: _Row, now: dt.datetime) -> None:
        self.total += 1
        self.draft += row.status == CaseStatus.DRAFT
        self.rejected += row.status == CaseStatus.REJECTED
        signal = self.by_signal.setdefault(row.signal, SignalTally())
        signal.total += 1
        signal.rejected += row.status == CaseStatus.REJECTED
        if row.status not in ACCEPTED:
            return
        self.accepted += 1
        signal.accepted += 1
        self.overdue += is_overdue(row, now)
        if row.status not in DISPOSED:
            return
        self.disposed += 1
        # finished when the fix was verified; a case closed without that, when it closed
        done = row.cleared_at or row.closed_at
        if done is not None:
            self.finished += 1
            self.on_time += row.deadline_at is None or done <= row.deadline_at


def is_overdue(row: _Row, now: dt.datetime) -> bool:
    """Confirmed work still in progress past its deadline (or flagged overdue already)."""
    if row.status not in IN_PROGRESS:
        return False
    return row.overdue or (row.deadline_at is not None and row.deadline_at < now)


@dataclass(frozen=True, slots=True, kw_only=True)
class OverdueCase:
    id: int
    camera_id: str
    violation: str
    label: str
    status: str
    deadline_at: dt.datetime | None
    timezone: str


@dataclass(slots=True, kw_only=True)
class CaseStats:
    since: dt.date
    until: dt.date
    totals: Tally = field(default_factory=Tally)
    # every day from since to until, in order, with its count per violation
    per_day: dict[dt.date, Counter[str]] = field(default_factory=dict)
    per_camera: dict[str, Tally] = field(default_factory=dict)
    per_violation: dict[str, Tally] = field(default_factory=dict)
    # by the class the model detected, so the confirm rate reads as the model's precision
    per_class: dict[str, Tally] = field(default_factory=dict)
    per_signal: dict[str, Tally] = field(default_factory=lambda: {s: Tally() for s in SIGNALS})
    # by the responsible unit (门前三包) of the zone the case opened in ("" for none)
    per_unit: dict[str, Tally] = field(default_factory=dict)
    # objects only the scene baseline found (the detector never named them), by the class
    # reviewers gave them (SCENE_LABEL while nobody has): the labels the cold start yields
    scene_named: dict[str, Tally] = field(default_factory=dict)
    # most overdue first
    overdue: list[OverdueCase] = field(default_factory=list)


def check_range(since: dt.date, until: dt.date) -> None:
    if since > until:
        raise ValueError(f"expected since <= until, got since={since} until={until}")
    days = (until - since).days + 1
    if days > MAX_DAYS:
        raise ValueError(f"a date range spans at most {MAX_DAYS} days, got {days}")


class StatsRepo:
    """Read-only statistics over the cases in ``db``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def summary(
        self,
        *,
        since: dt.date,
        until: dt.date,
        now: dt.datetime,
        camera_id: str | None = None,
    ) -> CaseStats:
        """Cases first seen from ``since`` to ``until`` (inclusive, camera-local dates)."""
        check_range(since, until)
        require_aware("now", now)
        rows = self._rows(since, until, camera_id)
        return aggregate(rows, since=since, until=until, now=now)

    def _rows(self, since: dt.date, until: dt.date, camera_id: str | None) -> list[_Row]:
        start = dt.datetime.combine(since, dt.time(), dt.UTC) - _EARLIEST_OFFSET
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC)
        where: list[ColumnElement[bool]] = [
            CaseRow.first_seen >= start,
            CaseRow.first_seen < end + _LATEST_OFFSET,
        ]
        if camera_id is not None:
            where.append(CaseRow.camera_id == camera_id)
        query = select(
            CaseRow.id,
            CaseRow.camera_id,
            CaseRow.violation,
            CaseRow.label,
            CaseRow.detected_label,
            CaseRow.status,
            CaseRow.first_seen,
            CaseRow.timezone,
            CaseRow.deadline_at,
            CaseRow.cleared_at,
            CaseRow.closed_at,
            CaseRow.overdue,
            CaseRow.signal,
            CaseRow.responsible,
        ).where(*where)
        with self._db.session(write=False) as session:
            return [_Row._make(r) for r in session.execute(query)]


def aggregate(rows: list[_Row], *, since: dt.date, until: dt.date, now: dt.datetime) -> CaseStats:
    stats = CaseStats(since=since, until=until)
    for n in range((until - since).days + 1):
        stats.per_day[since + dt.timedelta(days=n)] = Counter()
    zones: dict[str, ZoneInfo] = {}
    overdue: list[_Row] = []
    for row in rows:
        tz = zones.setdefault(row.timezone, ZoneInfo(row.timezone))
        day = row.first_seen.astimezone(tz).date()
        if not since <= day <= until:
            continue
        stats.per_day[day][row.violation] += 1
        for group, key in (
            (stats.per_camera, row.camera_id),
            (stats.per_violation, row.violation),
            (stats.per_class, row.detected_label),
            (stats.per_signal, row.signal),
            (stats.per_unit, row.responsible or ""),
        ):
            group.setdefault(key, Tally()).add(row, now)
        if row.detected_label == SCENE_LABEL:
            stats.scene_named.setdefault(row.label, Tally()).add(row, now)
        stats.totals.add(row, now)
        if is_overdue(row, now):
            overdue.append(row)
    far_future = dt.datetime.max.replace(tzinfo=dt.UTC)
    overdue.sort(key=lambda r: (r.deadline_at or far_future, r.id))
    stats.overdue = [
        OverdueCase(
            id=r.id,
            camera_id=r.camera_id,
            violation=r.violation,
            label=r.label,
            status=r.status,
            deadline_at=r.deadline_at,
            timezone=r.timezone,
        )
        for r in overdue
    ]
    return stats
