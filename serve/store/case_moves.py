"""A case's moves along the review workflow, each audited: the review decision, dispatch,
re-inspection and closing, overdue flags, notes, and reopening a mistaken rejection."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from detector.geometry import as_box
from serve.store.case_rows import audit_row, case_record
from serve.store.database import Database
from serve.store.orm import CaseRow
from serve.store.records import REJECT_REASONS, CaseRecord, require_aware
from serve.workflow import IN_PROGRESS, CaseStateError, CaseStatus, check_transition


class CaseNotFound(KeyError):  # noqa: N818 (the name the service layer uses)
    """No case has this id."""

    def __init__(self, case_id: int) -> None:
        super().__init__(case_id)
        self.case_id = case_id

    def __str__(self) -> str:
        return f"no case with id {self.case_id}"


class CaseMoves:
    """The workflow half of :class:`serve.store.cases.CaseRepo`."""

    _db: Database

    def review(
        self,
        case_id: int,
        *,
        actor: str,
        decision: Literal["confirm", "reject"],
        reason: str | None = None,
        note: str | None = None,
        label: str | None = None,
        box: Sequence[float] | None = None,
        deadline_at: datetime | None = None,
        violation: str | None = None,
    ) -> CaseRecord:
        """Confirm (optionally correcting class, box and so violation) or reject a draft."""
        checked_box = as_box(box) if box is not None else None
        require_aware("deadline_at", deadline_at)
        if decision == "reject":
            if reason not in REJECT_REASONS:
                raise ValueError(f"a rejection needs a reason, one of {list(REJECT_REASONS)}")
            if reason == "other" and not (note and note.strip()):
                raise ValueError("reason 'other' needs a note saying why")
        to = CaseStatus.CONFIRMED if decision == "confirm" else CaseStatus.REJECTED
        now = datetime.now(UTC)
        with self._db.session() as session:
            row = self._locked(session, case_id)
            check_transition(row.id, row.status, to)
            detail: dict[str, object] = {}
            if label is not None and label != row.label:
                detail["label"] = {"from": row.label, "to": label}
                row.label = label
            if violation is not None and violation != row.violation:
                detail["violation"] = {"from": row.violation, "to": violation}
                row.violation = violation
            if checked_box is not None and list(checked_box) != row.box:
                detail["box"] = {"from": row.box, "to": list(checked_box)}
                row.box = list(checked_box)
            if note:
                detail["note"] = note
            session.add(audit_row(row.id, now, actor, decision, row.status, to, reason, detail))
            row.status = to
            row.reviewed_by, row.reviewed_at = actor, now
            row.reject_reason = reason if decision == "reject" else None
            row.review_note = note
            row.deadline_at = deadline_at if decision == "confirm" else None
            row.updated_at = now
            session.flush()
            return case_record(row)

    def transition(
        self,
        case_id: int,
        to: str,
        *,
        actor: str,
        reason: str | None = None,
        detail: dict[str, object] | None = None,
    ) -> CaseRecord:
        """Move a case along the workflow (dispatch, re-inspection, closing), audited."""
        now = datetime.now(UTC)
        with self._db.session() as session:
            row = self._locked(session, case_id)
            status = check_transition(row.id, row.status, to)
            session.add(audit_row(row.id, now, actor, to, row.status, to, reason, detail))
            row.status = status
            if status is CaseStatus.DISPATCHED:
                row.dispatched_at = now
            elif status is CaseStatus.VERIFIED_CLEARED:
                row.cleared_at = now
            elif status is CaseStatus.CLOSED:
                row.closed_at = now
            row.updated_at = now
            session.flush()
            return case_record(row)

    def reopen(
        self,
        case_id: int,
        *,
        actor: str,
        within: timedelta,
        reason: str | None = None,
        now: datetime | None = None,
    ) -> CaseRecord:
        """A mistaken rejection undone: the case back to draft, for review again, if it was
        rejected no longer than ``within`` ago. The rejection (who, why) stays in the audit
        log, in the reopen entry's detail too; CaseStateError otherwise."""
        now = now or datetime.now(UTC)
        require_aware("now", now)
        with self._db.session() as session:
            row = self._locked(session, case_id)
            if row.status != CaseStatus.REJECTED:
                raise CaseStateError(
                    f"case {row.id} is {row.status}; only a rejected case can be reopened"
                )
            hours = within.total_seconds() / 3600
            if row.reviewed_at is None or now - row.reviewed_at > within:
                raise CaseStateError(
                    f"case {row.id} was rejected at {row.reviewed_at}, more than {hours:g} h "
                    f"ago; a rejection can be reopened within {hours:g} h (reopen_window_h)"
                )
            detail: dict[str, object] = {
                "rejected_by": row.reviewed_by,
                "rejected_at": row.reviewed_at.isoformat(),
                "reject_reason": row.reject_reason,
            }
            if row.review_note:
                detail["reject_note"] = row.review_note
            draft = CaseStatus.DRAFT
            session.add(audit_row(row.id, now, actor, "reopen", row.status, draft, reason, detail))
            row.status = draft
            row.reviewed_by = row.reviewed_at = row.reject_reason = row.review_note = None
            row.updated_at = now
            session.flush()
            return case_record(row)

    def mark_overdue(self, now: datetime) -> builtins.list[int]:
        """Flag confirmed and dispatched cases past their deadline; returns their ids."""
        require_aware("now", now)
        with self._db.session() as session:
            rows = session.scalars(
                select(CaseRow)
                .where(
                    CaseRow.status.in_(sorted(IN_PROGRESS)),
                    CaseRow.deadline_at < now,
                    CaseRow.overdue.is_(False),
                )
                .with_for_update()
            ).all()
            for row in rows:
                row.overdue = True
                row.updated_at = now
                session.add(audit_row(row.id, now, "system", "overdue", row.status, row.status))
            return [r.id for r in rows]

    def note(
        self,
        case_id: int,
        *,
        actor: str,
        action: str,
        reason: str | None = None,
        detail: dict[str, object] | None = None,
    ) -> None:
        """Append an event that changes no state (e.g. a webhook delivery) to the audit log."""
        now = datetime.now(UTC)
        with self._db.session() as session:
            row = session.get(CaseRow, case_id)
            if row is None:
                raise CaseNotFound(case_id)
            session.add(
                audit_row(case_id, now, actor, action, row.status, row.status, reason, detail)
            )

    @staticmethod
    def _locked(session: Session, case_id: int) -> CaseRow:
        row = session.scalars(
            select(CaseRow)
            .where(CaseRow.id == case_id)
            .options(selectinload(CaseRow.evidence))
            .with_for_update()
        ).one_or_none()
        if row is None:
            raise CaseNotFound(case_id)
        return row
