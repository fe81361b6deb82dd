"""Suppressions: a rejected false positive keeps its look-alikes out of the review queue."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select

from detector.geometry import as_box
from serve.store.database import Database
from serve.store.orm import SuppressionRow
from serve.store.records import SuppressionRecord, require_aware


class SuppressionNotFound(KeyError):  # noqa: N818 (paired with CaseNotFound)
    def __str__(self) -> str:
        return f"no suppression with id {self.args[0]}"


class SuppressionRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(
        self,
        *,
        camera_id: str,
        label: str,
        box: Sequence[float],
        case_id: int | None,
        created_by: str,
        expires_at: datetime,
    ) -> SuppressionRecord:
        require_aware("expires_at", expires_at)
        now = datetime.now(UTC)
        with self._db.session() as session:
            row = SuppressionRow(
                camera_id=camera_id,
                label=label,
                box=list(as_box(box)),
                case_id=case_id,
                created_by=created_by,
                created_at=now,
                expires_at=expires_at,
            )
            session.add(row)
            session.flush()
            return _record(row)

    def active(self, camera_id: str | None, now: datetime) -> builtins.list[SuppressionRecord]:
        """Unexpired, unlifted suppressions (of one camera, or all)."""
        require_aware("now", now)
        query = select(SuppressionRow).where(
            SuppressionRow.expires_at > now, SuppressionRow.lifted_at.is_(None)
        )
        if camera_id is not None:
            query = query.where(SuppressionRow.camera_id == camera_id)
        with self._db.session(write=False) as session:
            return [_record(r) for r in session.scalars(query.order_by(SuppressionRow.id))]

    def lift_for_case(self, case_id: int, *, actor: str) -> builtins.list[SuppressionRecord]:
        """Lift the suppressions the rejection of ``case_id`` made (that rejection was
        undone); returns those lifted."""
        now = datetime.now(UTC)
        with self._db.session() as session:
            rows = session.scalars(
                select(SuppressionRow).where(
                    SuppressionRow.case_id == case_id, SuppressionRow.lifted_at.is_(None)
                )
            ).all()
            for row in rows:
                row.lifted_at, row.lifted_by = now, actor
            return [_record(r) for r in rows]

    def lift(self, suppression_id: int, *, actor: str) -> SuppressionRecord:
        now = datetime.now(UTC)
        with self._db.session() as session:
            row = session.get(SuppressionRow, suppression_id)
            if row is None:
                raise SuppressionNotFound(suppression_id)
            if row.lifted_at is None:
                row.lifted_at, row.lifted_by = now, actor
            return _record(row)


def _record(row: SuppressionRow) -> SuppressionRecord:
    return SuppressionRecord(
        id=row.id,
        camera_id=row.camera_id,
        label=row.label,
        box=as_box(row.box),
        case_id=row.case_id,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        lifted_at=row.lifted_at,
        lifted_by=row.lifted_by,
    )
