"""Phone numbers on cases and the phone ledger.

Flyers print phone numbers; bureaus hand the numbers to the carriers to have them
suspended (停机) and to the police. The ledger counts, for each number, the confirmed cases
(confirmed, dispatched, cleared or closed: a draft or a rejected case does not count)
that print it, on how many cameras, first and last seen, and where the number stands:
``open`` → ``handed_over`` (to the carrier) → ``suspended``, or ``dismissed``; every move
audited with who, when and why. A number that comes back after suspension is reopened.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args

from sqlalchemy import Row, Select, distinct, func, select
from sqlalchemy.orm import selectinload

from detector.text.phones import find_phones
from serve.store.case_rows import audit_row, case_record
from serve.store.database import Database
from serve.store.orm import CasePhoneRow, CaseRow, PhoneAuditRow, PhoneRow
from serve.store.readings import PhoneRead, Reading, phone_rows
from serve.store.records import CaseRecord
from serve.workflow import ACCEPTED

PhoneStatus = Literal["open", "handed_over", "suspended", "dismissed"]
PHONE_STATUSES: tuple[PhoneStatus, ...] = get_args(PhoneStatus)
PHONE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("handed_over", "dismissed"),
    "handed_over": ("suspended", "dismissed", "open"),
    "suspended": ("open",),
    "dismissed": ("open",),
}


class PhoneStateError(ValueError):
    """The number's status does not allow this move (HTTP 409)."""


@dataclass(frozen=True)
class LedgerEntry:
    number: str
    kind: str
    cases: int
    cameras: int
    first_seen: datetime
    last_seen: datetime
    status: str
    changed_by: str | None = None
    changed_at: datetime | None = None
    note: str | None = None


@dataclass(frozen=True)
class PhoneAudit:
    at: datetime
    actor: str
    from_status: str
    to_status: str
    note: str | None


def normalised(number: str) -> PhoneRead:
    """The one phone number ``number`` writes, as the ledger keys it; ValueError if it
    writes none or several."""
    found = find_phones(number)
    if len(found) != 1:
        raise ValueError(
            f"{number!r} is not one phone number (a mobile 1xx xxxx xxxx, a landline with "
            "its area code, or a 400/800 number)"
        )
    return PhoneRead(found[0].number, found[0].kind, number, 1.0)


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

    # -- the ledger -------------------------------------------------------------------------

    def _ledger_query(
        self, camera: str | None, since: datetime | None, until: datetime | None
    ) -> Select[str, str, int, int, datetime, datetime, str]:
        status = func.coalesce(PhoneRow.status, "open")
        query = (
            select(
                CasePhoneRow.number,
                func.min(CasePhoneRow.kind),
                func.count(distinct(CaseRow.id)).label("cases"),
                func.count(distinct(CaseRow.camera_id)),
                func.min(CaseRow.first_seen),
                func.max(CaseRow.last_seen).label("last"),
                status.label("status"),
            )
            .join(CaseRow, CaseRow.id == CasePhoneRow.case_id)
            .outerjoin(PhoneRow, PhoneRow.number == CasePhoneRow.number)
            .where(CaseRow.status.in_([s.value for s in ACCEPTED]))
            .group_by(CasePhoneRow.number, PhoneRow.status)
        )
        if camera is not None:
            query = query.where(CaseRow.camera_id == camera)
        if since is not None:
            query = query.where(CaseRow.last_seen >= since)
        if until is not None:
            query = query.where(CaseRow.first_seen < until)
        return query

    def ledger(
        self,
        *,
        status: str | None = None,
        camera: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[builtins.list[LedgerEntry], int]:
        """The numbers on confirmed cases, the most often seen first; and how many there are."""
        query = self._ledger_query(camera, since, until)
        if status is not None:
            query = query.having(func.coalesce(PhoneRow.status, "open") == status)
        ordered = query.order_by(
            func.count(distinct(CaseRow.id)).desc(), func.max(CaseRow.last_seen).desc()
        )
        with self._db.session(write=False) as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.execute(ordered.limit(limit).offset(offset)).all()
            numbers = [r[0] for r in rows]
            states = {
                p.number: p
                for p in session.scalars(select(PhoneRow).where(PhoneRow.number.in_(numbers)))
            }
        return [_entry(r, states.get(str(r[0]))) for r in rows], int(total)

    def entry(self, number: str) -> LedgerEntry | None:
        """The number's ledger line; None when no confirmed case prints it."""
        query = self._ledger_query(None, None, None).where(CasePhoneRow.number == number)
        with self._db.session(write=False) as session:
            row = session.execute(query).first()
            state = session.get(PhoneRow, number)
        return None if row is None else _entry(row, state)

    def cases_of(
        self,
        number: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 200,
    ) -> builtins.list[CaseRecord]:
        """The confirmed cases printing ``number`` (seen in [since, until) when given),
        newest first, with their evidence: one query."""
        query = (
            select(CaseRow)
            .join(CasePhoneRow, CasePhoneRow.case_id == CaseRow.id)
            .where(CasePhoneRow.number == number)
            .where(CaseRow.status.in_([s.value for s in ACCEPTED]))
            .options(selectinload(CaseRow.evidence))
            .order_by(CaseRow.last_seen.desc(), CaseRow.id.desc())
            .limit(limit)
        )
        if since is not None:
            query = query.where(CaseRow.last_seen >= since)
        if until is not None:
            query = query.where(CaseRow.first_seen < until)
        with self._db.session(write=False) as session:
            return [case_record(r) for r in session.scalars(query)]

    def history(self, number: str) -> builtins.list[PhoneAudit]:
        with self._db.session(write=False) as session:
            rows = session.scalars(
                select(PhoneAuditRow)
                .where(PhoneAuditRow.number == number)
                .order_by(PhoneAuditRow.id)
            )
            return [PhoneAudit(r.at, r.actor, r.from_status, r.to_status, r.note) for r in rows]

    def set_status(self, number: str, to: str, actor: str, note: str | None = None) -> LedgerEntry:
        """Move the number on (audited); KeyError when no confirmed case prints it,
        PhoneStateError when its status does not allow ``to``."""
        if to not in PHONE_STATUSES:
            raise ValueError(f"status must be one of {list(PHONE_STATUSES)}, got {to!r}")
        entry = self.entry(number)
        if entry is None:
            raise KeyError(number)
        if to not in PHONE_TRANSITIONS[entry.status]:
            raise PhoneStateError(
                f"{number} is {entry.status}: it can go to {list(PHONE_TRANSITIONS[entry.status])}"
            )
        now = datetime.now(UTC)
        with self._db.session() as session:
            row = session.get(PhoneRow, number, with_for_update=True)
            if row is None:
                row = PhoneRow(number=number, status="open")
                session.add(row)
            before = row.status
            if before != entry.status:
                raise PhoneStateError(f"{number} was moved meanwhile (now {before})")
            row.status, row.changed_by, row.changed_at, row.note = to, actor, now, note
            session.add(
                PhoneAuditRow(
                    number=number, at=now, actor=actor, from_status=before, to_status=to, note=note
                )
            )
        found = self.entry(number)
        assert found is not None
        return found

    def correct(self, case_id: int, wrong: str, right: str, actor: str) -> Reading:
        """A reviewer's correction of a misread number on a case (audited on the case);
        KeyError for no such case or number on it, ValueError for a ``right`` that is no
        phone number."""
        fixed = normalised(right)
        with self._db.session() as session:
            row = session.get(CaseRow, case_id, with_for_update=True)
            reading = Reading.from_json(row.reading) if row is not None else None
            if row is None or reading is None or wrong not in {p.number for p in reading.phones}:
                raise KeyError(wrong)
            phones = tuple(
                PhoneRead(fixed.number, fixed.kind, p.printed, p.confidence, p.read_as or p.number)
                if p.number == wrong
                else p
                for p in reading.phones
            )
            unique = tuple({p.number: p for p in phones}.values())
            new = Reading(unique, reading.lines)
            row.reading = new.to_json()
            for old in session.scalars(select(CasePhoneRow).where(CasePhoneRow.case_id == case_id)):
                session.delete(old)
            session.flush()
            session.add_all(phone_rows(case_id, new))
            now = datetime.now(UTC)
            row.updated_at = now
            detail: dict[str, object] = {"phone": {"from": wrong, "to": fixed.number}}
            session.add(
                audit_row(
                    case_id, now, actor, "phone_corrected", row.status, row.status, None, detail
                )
            )
        return new


def _entry(
    row: Row[str, str, int, int, datetime, datetime, str], state: PhoneRow | None
) -> LedgerEntry:
    number, kind, cases, cameras, first, last, status = row
    return LedgerEntry(
        number=number,
        kind=kind,
        cases=int(cases),
        cameras=int(cameras),
        first_seen=first,
        last_seen=last,
        status=status or "open",
        changed_by=state.changed_by if state else None,
        changed_at=state.changed_at if state else None,
        note=state.note if state else None,
    )
