"""Case and evidence rows to and from the store's records, and the audit rows."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from detector.geometry import as_box
from serve.store.orm import CaseAuditRow, CaseRow, EvidenceRow
from serve.store.readings import Reading
from serve.store.records import (
    EVIDENCE_KINDS,
    CaseRecord,
    EvidenceIn,
    EvidenceRecord,
    check_evidence_kind,
)
from serve.workflow import case_status


def audit_row(
    case_id: int,
    at: datetime,
    actor: str,
    action: str,
    from_status: str | None,
    to_status: str | None,
    reason: str | None = None,
    detail: dict[str, object] | None = None,
) -> CaseAuditRow:
    return CaseAuditRow(
        case_id=case_id,
        at=at,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        detail=detail or None,
    )


def check_unique_kinds(evidence: Sequence[EvidenceIn]) -> None:
    kinds = [e.kind for e in evidence]
    dupes = sorted({k for k in kinds if kinds.count(k) > 1})
    if dupes:
        raise ValueError(f"one evidence file per kind, got several of {dupes}")


def evidence_row(evidence: EvidenceIn, now: datetime) -> EvidenceRow:
    return EvidenceRow(
        kind=evidence.kind,
        path=evidence.path,
        sha256=evidence.sha256,
        size=evidence.size,
        width=evidence.width,
        height=evidence.height,
        taken_at=evidence.taken_at,
        created_at=now,
    )


def upsert_evidence(row: CaseRow, evidence: Sequence[EvidenceIn], now: datetime) -> set[str]:
    """Write ``evidence`` into ``row`` by kind; returns the paths it replaced."""
    by_kind = {e.kind: e for e in row.evidence}
    replaced: set[str] = set()
    for new in evidence:
        old = by_kind.get(new.kind)
        if old is None:
            row.evidence.append(evidence_row(new, now))
            continue
        if old.path != new.path:
            replaced.add(old.path)
        # updated in place: a delete + insert could trip UNIQUE(case_id, kind) mid-flush
        old.path = new.path
        old.sha256 = new.sha256
        old.size = new.size
        old.width = new.width
        old.height = new.height
        old.taken_at = new.taken_at
        old.created_at = now
    return replaced


def unreferenced(session: Session, paths: set[str]) -> builtins.list[str]:
    if not paths:
        return []
    still = set(session.scalars(select(EvidenceRow.path).where(EvidenceRow.path.in_(paths))))
    return sorted(paths - still)


def evidence_record(row: EvidenceRow) -> EvidenceRecord:
    return EvidenceRecord(
        id=row.id,
        kind=check_evidence_kind(row.kind),
        path=row.path,
        sha256=row.sha256,
        size=row.size,
        width=row.width,
        height=row.height,
        taken_at=row.taken_at,
        created_at=row.created_at,
    )


def case_record(row: CaseRow) -> CaseRecord:
    evidence = sorted(
        (evidence_record(e) for e in row.evidence), key=lambda e: EVIDENCE_KINDS.index(e.kind)
    )
    return CaseRecord(
        id=row.id,
        camera_id=row.camera_id,
        violation=row.violation,
        label=row.label,
        status=case_status(row.status),
        signal=row.signal,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        dwell_reached_at=row.dwell_reached_at,
        confidence=row.confidence,
        box=as_box(row.box),
        zone_id=row.zone_id,
        responsible=row.responsible,
        address=row.address,
        lat=row.lat,
        lon=row.lon,
        timezone=row.timezone,
        model_name=row.model_name,
        model_version=row.model_version,
        sightings=row.sightings,
        created_at=row.created_at,
        updated_at=row.updated_at,
        evidence=tuple(evidence),
        detected_label=row.detected_label,
        detected_box=as_box(row.detected_box),
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
        reject_reason=row.reject_reason,
        review_note=row.review_note,
        deadline_at=row.deadline_at,
        dispatched_at=row.dispatched_at,
        cleared_at=row.cleared_at,
        closed_at=row.closed_at,
        overdue=row.overdue,
        reading=Reading.from_json(row.reading),
    )
