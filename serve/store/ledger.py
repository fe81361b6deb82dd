"""The weekly problem ledger (问题台账): every accepted case of a week, ticked off (销账).

A bureau keeps, per responsible unit and per street (camera), a ledger of the week's
problems: each case a reviewer accepted (立案) that week, with when it was first seen, its
deadline, where it stands, and when and by whom it was ticked off (销账: cleared at
re-inspection or closed). Items accepted earlier and still open when the week began are
carried over. A past week's ledger reads as it stood at that week's end. Weeks are ISO weeks
(Monday to Sunday) in the ledger's time zone. Drafts and rejected cases are not problems
yet (or not problems): they are left out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from serve.store.database import Database
from serve.store.orm import CaseAuditRow, CaseRow
from serve.workflow import ACCEPTED, CaseStatus

MAX_ROWS = 5000  # one ledger: a week of a city's accepted cases is far fewer


@dataclass(frozen=True)
class LedgerRow:
    case_id: int
    camera_id: str
    zone_id: str | None
    unit: str | None
    violation: str
    label: str
    first_seen: dt.datetime
    deadline_at: dt.datetime | None
    status: str  # now
    ticked_at: dt.datetime | None  # 销账: cleared at re-inspection or closed, if by week end
    ticked_by: str | None
    carried_over: bool  # accepted before the week, still open when it began
    overdue: bool  # past its deadline at week end (or now, if sooner) and not ticked off

    @property
    def on_time(self) -> bool:
        deadline = self.deadline_at
        return self.ticked_at is not None and (deadline is None or self.ticked_at <= deadline)


@dataclass
class UnitSummary:
    unit: str  # "" for cases whose zone names no unit
    new: int = 0
    carried_over: int = 0
    ticked: int = 0
    ticked_on_time: int = 0
    overdue: int = 0
    open: int = 0
    by_violation: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Ledger:
    week: str  # ISO week, e.g. 2026-W49
    start: dt.datetime  # Monday 00:00 in the ledger's time zone
    end: dt.datetime  # the next Monday 00:00
    tz: str
    rows: list[LedgerRow]

    def summary(self) -> list[UnitSummary]:
        units: dict[str, UnitSummary] = {}
        for r in self.rows:
            s = units.setdefault(r.unit or "", UnitSummary(r.unit or ""))
            s.carried_over += r.carried_over
            s.new += not r.carried_over
            s.by_violation[r.violation] += 1
            if r.ticked_at is not None:
                s.ticked += 1
                s.ticked_on_time += r.on_time
            else:
                s.open += 1
                s.overdue += r.overdue
        return [units[k] for k in sorted(units)]


def parse_week(week: str) -> tuple[int, int]:
    """(year, week) of ``2026-W49``; ValueError saying the form otherwise."""
    try:
        year, w = week.split("-W")
        monday = dt.date.fromisocalendar(int(year), int(w), 1)
    except ValueError:
        raise ValueError(
            f"week must look like 2026-W49 (ISO year and week), got {week!r}"
        ) from None
    return monday.isocalendar().year, monday.isocalendar().week


def week_of(day: dt.date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


class LedgerRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    def week(
        self,
        week: str,
        *,
        tz: str = "Asia/Shanghai",
        unit: str | None = None,
        camera_id: str | None = None,
        now: dt.datetime,
    ) -> Ledger:
        year, w = parse_week(week)
        zone = ZoneInfo(tz)
        start = dt.datetime.combine(dt.date.fromisocalendar(year, w, 1), dt.time(), zone)
        end = start + dt.timedelta(days=7)
        cut = min(end, now)  # what had happened by week end (or by now, for this week)
        accepted = [s.value for s in ACCEPTED]
        where: list[ColumnElement[bool]] = [
            CaseRow.status.in_(accepted),
            CaseRow.reviewed_at < end,  # accepted (立案) by the week's end
            # not ticked off before the week began
            or_(CaseRow.cleared_at.is_(None), CaseRow.cleared_at >= start),
            or_(CaseRow.closed_at.is_(None), CaseRow.closed_at >= start),
        ]
        if unit is not None:
            where.append(CaseRow.responsible == unit)
        if camera_id is not None:
            where.append(CaseRow.camera_id == camera_id)
        query = select(CaseRow).where(*where).order_by(CaseRow.first_seen, CaseRow.id)
        with self._db.session(write=False) as session:
            rows = list(session.scalars(query.limit(MAX_ROWS + 1)))
            if len(rows) > MAX_ROWS:
                raise ValueError(
                    f"more than {MAX_ROWS} cases in one ledger: narrow it by unit or camera"
                )
            ticks = self._ticks(session, [r.id for r in rows])
        out = []
        for r in rows:
            ticked_at = min((t for t in (r.cleared_at, r.closed_at) if t is not None), default=None)
            if ticked_at is not None and ticked_at >= end:
                ticked_at = None  # ticked off after this week: open in this week's ledger
            # accepted before the week began and still open then
            carried = r.reviewed_at is not None and r.reviewed_at < start
            deadline = r.deadline_at
            overdue = ticked_at is None and deadline is not None and deadline < cut
            out.append(
                LedgerRow(
                    case_id=r.id,
                    camera_id=r.camera_id,
                    zone_id=r.zone_id,
                    unit=r.responsible,
                    violation=r.violation,
                    label=r.label,
                    first_seen=r.first_seen,
                    deadline_at=deadline,
                    status=r.status,
                    ticked_at=ticked_at,
                    ticked_by=ticks.get(r.id) if ticked_at is not None else None,
                    carried_over=carried,
                    overdue=overdue,
                )
            )
        return Ledger(week_of(start.date()), start, end, tz, out)

    @staticmethod
    def _ticks(session: Session, case_ids: list[int]) -> dict[int, str]:
        """Who ticked each case off: the first move to verified_cleared or closed."""
        if not case_ids:
            return {}
        query = (
            select(CaseAuditRow.case_id, CaseAuditRow.actor)
            .where(
                CaseAuditRow.case_id.in_(case_ids),
                CaseAuditRow.to_status.in_(
                    [CaseStatus.VERIFIED_CLEARED.value, CaseStatus.CLOSED.value]
                ),
            )
            .order_by(CaseAuditRow.at, CaseAuditRow.id)
        )
        out: dict[int, str] = {}
        for case_id, actor in session.execute(query):
            out.setdefault(case_id, actor)
        return out
