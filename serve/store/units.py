"""Responsible units (门前三包) in the database, and their cases counted by status.

A unit's cases are the cases whose ``responsible`` is its id (copied from the zone the
violation was in when the case opened). ``in_progress`` counts cases accepted and waiting
for the unit (confirmed, dispatched), ``overdue`` those of them past their deadline,
``disposed`` those cleared at re-inspection or closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select

from serve.config.units import Unit
from serve.store.database import Database
from serve.store.orm import CaseRow, UnitRow
from serve.workflow import DISPOSED, IN_PROGRESS, CaseStatus


@dataclass(frozen=True)
class UnitCases:
    total: int = 0
    drafts: int = 0
    in_progress: int = 0
    overdue: int = 0
    disposed: int = 0


@dataclass(frozen=True)
class UnitRecord:
    unit: Unit
    source: str  # "file" (the units file) or "api"
    updated_at: datetime


def _record(row: UnitRow) -> UnitRecord:
    unit = Unit(
        id=row.id,
        name=row.name,
        address=row.address,
        contact=row.contact,
        phone=row.phone,
        category=row.category,
    )
    return UnitRecord(unit, row.source, row.updated_at)


class UnitRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    def list(self, *, limit: int = 100, offset: int = 0) -> tuple[list[UnitRecord], int]:
        """A page of units by id, and how many there are."""
        with self._db.session(write=False) as session:
            total = session.scalar(select(func.count()).select_from(UnitRow)) or 0
            rows = session.scalars(select(UnitRow).order_by(UnitRow.id).limit(limit).offset(offset))
            return [_record(r) for r in rows], total

    def names(self, unit_ids: Sequence[str]) -> dict[str, str]:
        """The names of those of ``unit_ids`` that are units."""
        if not unit_ids:
            return {}
        query = select(UnitRow.id, UnitRow.name).where(UnitRow.id.in_(list(unit_ids)))
        with self._db.session(write=False) as session:
            return {str(i): str(n) for i, n in session.execute(query)}

    def ids(self) -> set[str]:
        with self._db.session(write=False) as session:
            return set(session.scalars(select(UnitRow.id)))

    def get(self, unit_id: str) -> UnitRecord | None:
        with self._db.session(write=False) as session:
            row = session.get(UnitRow, unit_id)
            return None if row is None else _record(row)

    def put(self, unit: Unit, *, source: str = "api") -> bool:
        """Create or replace ``unit``; True when it is new."""
        now = datetime.now(UTC)
        with self._db.session() as session:
            row = session.get(UnitRow, unit.id)
            created = row is None
            if row is None:
                row = UnitRow(id=unit.id)
                session.add(row)
            row.name, row.address, row.contact = unit.name, unit.address, unit.contact
            row.phone, row.category = unit.phone, unit.category
            row.source, row.updated_at = source, now
            return created

    def put_all(self, units: Sequence[Unit], *, source: str) -> None:
        for unit in units:
            self.put(unit, source=source)

    def delete(self, unit_id: str) -> bool:
        with self._db.session() as session:
            row = session.get(UnitRow, unit_id)
            if row is None:
                return False
            session.delete(row)
            return True

    def cases(self, unit_ids: Sequence[str]) -> dict[str, UnitCases]:
        """Each unit's cases counted by where they stand (units without cases: zeros)."""
        counts: dict[str, dict[str, int]] = {u: {} for u in unit_ids}
        if not unit_ids:
            return {}
        query = (
            select(CaseRow.responsible, CaseRow.status, CaseRow.overdue, func.count())
            .where(CaseRow.responsible.in_(list(unit_ids)))
            .group_by(CaseRow.responsible, CaseRow.status, CaseRow.overdue)
        )
        with self._db.session(write=False) as session:
            for unit_id, status, overdue, n in session.execute(query):
                c = counts[str(unit_id)]
                c["total"] = c.get("total", 0) + n
                if status == CaseStatus.DRAFT:
                    c["drafts"] = c.get("drafts", 0) + n
                if status in IN_PROGRESS:
                    c["in_progress"] = c.get("in_progress", 0) + n
                    if overdue:
                        c["overdue"] = c.get("overdue", 0) + n
                if status in DISPOSED:
                    c["disposed"] = c.get("disposed", 0) + n
        return {u: UnitCases(**c) for u, c in counts.items()}
