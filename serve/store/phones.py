"""Phone numbers on cases: what the text signal read on an object that already was a case,
and (the phone ledger) the numbers across cases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from serve.store.case_rows import audit_row
from serve.store.database import Database
from serve.store.orm import CasePhoneRow, CaseRow
from serve.store.readings import Reading, phone_rows


class PhoneRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    def attach(self, case_id: int, reading: Reading, actor: str = "system") -> bool:
        """Add what was read to a case another signal opened (a scene or detector case that
        the text signal finds to be a flyer): its numbers join the case's, audited. False
        when the case has all these numbers already."""
        with self._db.session() as session:
            row = session.get(CaseRow, case_id, with_for_update=True)
            if row is None:
                raise KeyError(case_id)
            have = Reading.from_json(row.reading) or Reading()
            known = {p.number for p in have.phones}
            new = tuple(p for p in reading.phones if p.number not in known)
            if not new:
                return False
            merged = Reading(have.phones + new, have.lines or reading.lines)
            row.reading = merged.to_json()
            existing = set(
                session.scalars(select(CasePhoneRow.number).where(CasePhoneRow.case_id == case_id))
            )
            session.add_all(
                r for r in phone_rows(case_id, Reading(new)) if r.number not in existing
            )
            now = datetime.now(UTC)
            row.updated_at = now
            detail: dict[str, object] = {"phones": [p.number for p in new]}
            session.add(
                audit_row(case_id, now, actor, "read", row.status, row.status, None, detail)
            )
        return True
