"""Cases and their evidence: create, update on new sightings, read and list."""

from __future__ import annotations

import builtins
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import selectinload

from detector.geometry import as_box
from serve.store.case_moves import CaseMoves, CaseNotFound
from serve.store.case_rows import (
    audit_row,
    case_record,
    check_unique_kinds,
    evidence_row,
    unreferenced,
    upsert_evidence,
)
from serve.store.database import Database
from serve.store.orm import CaseAuditRow, CaseRow
from serve.store.phones import PhoneRepo
from serve.store.readings import phone_rows
from serve.store.records import (
    AuditRecord,
    CaseRecord,
    EvidenceIn,
    NewCase,
    Signal,
    check_confidence,
    require_aware,
)
from serve.workflow import CaseStatus

__all__ = ["SORTS", "CaseNotFound", "CaseRepo", "CaseSort"]

CaseSort = Literal["newest", "oldest", "deadline", "updated"]
# the orders a list of cases comes in (ties: the newer case first)
SORTS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "newest": (CaseRow.first_seen.desc(), CaseRow.id.desc()),
    "oldest": (CaseRow.first_seen.asc(), CaseRow.id.asc()),
    "deadline": (CaseRow.deadline_at.asc().nulls_last(), CaseRow.id.desc()),
    "updated": (CaseRow.updated_at.desc(), CaseRow.id.desc()),
}

logger = logging.getLogger(__name__)


class CaseRepo(CaseMoves):
    """Cases in ``db``; every call is its own short transaction, safe from many threads."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.phones = PhoneRepo(db)

    def create(self, new: NewCase, evidence: Sequence[EvidenceIn] = ()) -> CaseRecord:
        check_unique_kinds(evidence)
        now = datetime.now(UTC)
        with self._db.session() as session:
            row = CaseRow(
                camera_id=new.camera_id,
                violation=new.violation,
                label=new.label,
                status=new.status,
                signal=new.signal,
                first_seen=new.first_seen,
                last_seen=new.last_seen,
                dwell_reached_at=new.dwell_reached_at,
                confidence=new.confidence,
                box=list(as_box(new.box)),
                zone_id=new.zone_id,
                responsible=new.responsible,
                address=new.address,
                lat=new.lat,
                lon=new.lon,
                timezone=new.timezone,
                model_name=new.model_name,
                model_version=new.model_version,
                sightings=1,
                created_at=now,
                updated_at=now,
                detected_label=new.label,
                detected_box=list(as_box(new.box)),
                evidence=[evidence_row(e, now) for e in evidence],
                reading=new.reading.to_json() if new.reading else None,
            )
            session.add(row)
            session.flush()
            if new.reading:
                session.add_all(phone_rows(row.id, new.reading))
            session.add(audit_row(row.id, now, "system", "opened", None, new.status))
            record = case_record(row)
        logger.debug("created case %d (%s on %s)", record.id, new.violation, new.camera_id)
        return record

    def update(
        self,
        case_id: int,
        *,
        last_seen: datetime,
        confidence: float | None = None,
        box: Sequence[float] | None = None,
        dwell_reached_at: datetime | None = None,
        evidence: Sequence[EvidenceIn] = (),
        signal: Signal | None = None,
        identified: tuple[str, str] | None = None,
    ) -> tuple[CaseRecord, builtins.list[str]]:
        """Record one more sighting; returns the case and the evidence paths it dropped.

        ``last_seen`` only moves forward; ``confidence`` and ``box`` replace the stored
        ones when given (the caller decides what "best" is); ``dwell_reached_at`` is set
        once; evidence replaces the case's file of the same kind. ``signal`` records that
        another signal now agrees; ``identified`` = (violation, label) names an unreviewed
        new static object once the detector recognises it (audited). Delete the returned
        paths after this returns: they are committed as unreferenced.
        """
        check_unique_kinds(evidence)
        require_aware("last_seen", last_seen)
        require_aware("dwell_reached_at", dwell_reached_at)
        if confidence is not None:
            check_confidence(confidence)
        checked_box = as_box(box) if box is not None else None
        now = datetime.now(UTC)
        with self._db.session() as session:
            row = self._locked(session, case_id)
            row.sightings += 1
            row.last_seen = max(row.last_seen, last_seen)
            if confidence is not None:
                row.confidence = confidence
            if checked_box is not None:
                row.detected_box = list(checked_box)
                if row.reviewed_at is None:  # a reviewer's box is never overwritten
                    row.box = list(checked_box)
            if dwell_reached_at is not None and row.dwell_reached_at is None:
                row.dwell_reached_at = dwell_reached_at
            # a case the text signal read (a flyer's number) stays the text signal's
            if signal is not None and signal != row.signal and row.signal != "ocr":
                row.signal = "both" if {signal, row.signal} == {"detector", "scene"} else signal
            if identified is not None and row.reviewed_at is None:
                violation, label = identified
                if (violation, label) != (row.violation, row.label):
                    detail: dict[str, object] = {
                        "violation": {"from": row.violation, "to": violation},
                        "label": {"from": row.label, "to": label},
                    }
                    session.add(
                        audit_row(
                            row.id,
                            now,
                            "system",
                            "identified",
                            row.status,
                            row.status,
                            None,
                            detail,
                        )
                    )
                    row.violation, row.label, row.detected_label = violation, label, label
            row.updated_at = now
            replaced = upsert_evidence(row, evidence, now)
            session.flush()
            dropped = unreferenced(session, replaced)
            record = case_record(row)
        return record, dropped

    def add_sightings(self, sightings: Mapping[int, tuple[datetime, int]]) -> None:
        """Record batched sightings, {case id: (latest time seen, how many)}, in one
        transaction; ``last_seen`` only moves forward. A case deleted meanwhile is skipped."""
        if not sightings:
            return
        for seen, count in sightings.values():
            require_aware("last_seen", seen)
            if count < 1:
                raise ValueError(f"a batch counts at least one sighting per case, got {count}")
        now = datetime.now(UTC)
        with self._db.session() as session:
            rows = session.scalars(
                select(CaseRow)
                .where(CaseRow.id.in_(sorted(sightings)))
                .order_by(CaseRow.id)  # one lock order for every writer
                .with_for_update()
            ).all()
            for row in rows:
                seen, count = sightings[row.id]
                row.sightings += count
                row.last_seen = max(row.last_seen, seen)
                row.updated_at = now

    def with_status(self, statuses: Sequence[str]) -> builtins.list[int]:
        """Ids of the cases in ``statuses``, oldest first."""
        with self._db.session(write=False) as session:
            return list(
                session.scalars(
                    select(CaseRow.id)
                    .where(CaseRow.status.in_(list(statuses)))
                    .order_by(CaseRow.id)
                )
            )

    def audit(self, case_id: int) -> builtins.list[AuditRecord]:
        """Every change to the case in the order it was written: an entry stamped by a
        caller's clock (``mark_overdue(now)``) keeps its place even when that clock is off."""
        with self._db.session(write=False) as session:
            if session.get(CaseRow, case_id) is None:
                raise CaseNotFound(case_id)
            rows = session.scalars(
                select(CaseAuditRow)
                .where(CaseAuditRow.case_id == case_id)
                .order_by(CaseAuditRow.id)
            )
            return [
                AuditRecord(
                    at=r.at,
                    actor=r.actor,
                    action=r.action,
                    from_status=r.from_status,
                    to_status=r.to_status,
                    reason=r.reason,
                    detail=r.detail,
                )
                for r in rows
            ]

    def get(self, case_id: int) -> CaseRecord | None:
        with self._db.session(write=False) as session:
            row = session.scalars(
                select(CaseRow).where(CaseRow.id == case_id).options(selectinload(CaseRow.evidence))
            ).one_or_none()
            return None if row is None else case_record(row)

    def open_for_camera(
        self,
        camera_id: str,
        *,
        statuses: Sequence[str] = (CaseStatus.DRAFT,),
        within: timedelta,
        until: datetime,
    ) -> builtins.list[CaseRecord]:
        """The camera's cases in ``statuses`` seen within ``within`` of the latest such
        sighting at or before ``until``, oldest first: judged by the camera's own time, so
        a lagging or backfilled feed restores like a live one.

        Restores the violations still in progress when a camera worker restarts.
        """
        require_aware("until", until)
        mine = (CaseRow.camera_id == camera_id, CaseRow.status.in_(list(statuses)))
        with self._db.session(write=False) as session:
            latest = session.scalar(
                select(func.max(CaseRow.last_seen)).where(*mine, CaseRow.last_seen <= until)
            )
            if latest is None:
                return []
            rows = session.scalars(
                select(CaseRow)
                .where(
                    *mine,
                    CaseRow.last_seen >= latest - within,
                    CaseRow.last_seen <= until,
                )
                .order_by(CaseRow.first_seen, CaseRow.id)
                .options(selectinload(CaseRow.evidence))
            )
            return [case_record(r) for r in rows]

    def open_counts(self) -> dict[str, dict[str, int]]:
        """Per camera, how many of its cases are open (draft, confirmed, dispatched) by
        status, and how many of those are ``overdue``: the camera wall's badges."""
        open_ = [CaseStatus.DRAFT, CaseStatus.CONFIRMED, CaseStatus.DISPATCHED]
        counts: dict[str, dict[str, int]] = {}
        with self._db.session(write=False) as session:
            rows = session.execute(
                select(CaseRow.camera_id, CaseRow.status, CaseRow.overdue, func.count())
                .where(CaseRow.status.in_(open_))
                .group_by(CaseRow.camera_id, CaseRow.status, CaseRow.overdue)
            )
            for camera_id, status, overdue, n in rows:
                mine = counts.setdefault(camera_id, {})
                mine[status] = mine.get(status, 0) + n
                if overdue:
                    mine["overdue"] = mine.get("overdue", 0) + n
        return counts

    def list(
        self,
        *,
        status: CaseStatus | None = None,
        violation: str | None = None,
        camera_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        responsible: str | None = None,
        overdue: bool | None = None,
        sort: CaseSort = "newest",
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[builtins.list[CaseRecord], int]:
        """A page of matching cases (first seen in [since, until)), in ``sort`` order
        (newest first by default), and how many match in all."""
        if limit < 1 or offset < 0:
            raise ValueError(f"expected limit >= 1 and offset >= 0, got {limit=} {offset=}")
        if sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r}; one of {list(SORTS)}")
        require_aware("since", since)
        require_aware("until", until)
        where: builtins.list[ColumnElement[bool]] = []
        if status is not None:
            where.append(CaseRow.status == status)
        if violation is not None:
            where.append(CaseRow.violation == violation)
        if camera_id is not None:
            where.append(CaseRow.camera_id == camera_id)
        if since is not None:
            where.append(CaseRow.first_seen >= since)
        if until is not None:
            where.append(CaseRow.first_seen < until)
        if responsible is not None:
            where.append(CaseRow.responsible == responsible)
        if overdue is not None:
            where.append(CaseRow.overdue.is_(overdue))
        with self._db.session(write=False) as session:
            total = session.scalar(select(func.count()).select_from(CaseRow).where(*where)) or 0
            rows = session.scalars(
                select(CaseRow)
                .where(*where)
                .order_by(*SORTS[sort])
                .limit(limit)
                .offset(offset)
                .options(selectinload(CaseRow.evidence))
            )
            return [case_record(r) for r in rows], total
