"""Reviewing draft cases: the decision, the audit log, and false-positive suppressions."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Response

from detector.geometry import Box
from detector.taxonomy import Taxonomy
from serve.routes.deps import (
    ActorDep,
    CamerasDep,
    CasesDep,
    RowId,
    SettingsDep,
    SuppressionsDep,
    TaxonomyDep,
)
from serve.schemas.cases import CasePublic
from serve.schemas.review import (
    AuditEntry,
    AuditPublic,
    ReviewRequest,
    SuppressionPublic,
    SuppressionsPublic,
)
from serve.store.cases import CaseNotFound
from serve.store.records import SCENE_VIOLATION
from serve.store.suppressions import SuppressionNotFound
from serve.workflow import CaseStateError

router = APIRouter(tags=["review"])


@router.post("/cases/{case_id}/review", response_model=CasePublic)
def review_case(
    case_id: RowId,
    body: ReviewRequest,
    cases: CasesDep,
    taxonomy: TaxonomyDep,
    settings: SettingsDep,
    suppressions: SuppressionsDep,
    cameras: CamerasDep,
    actor: ActorDep,
) -> CasePublic:
    """Confirm a draft (optionally correcting its class and box) or reject it with a reason.

    A ``false_positive`` rejection also holds back new drafts of that class at that place
    on that camera for ``suppress_days`` (see ``/v1/suppressions`` to lift it)."""
    case = cases.get(case_id)
    if case is None:
        raise HTTPException(404, f"no case with id {case_id}")
    if body.decision == "confirm" and body.reason is not None:
        raise HTTPException(422, "field 'reason': only a rejection has a reason")
    if body.label is not None and body.label not in taxonomy.names:
        raise HTTPException(
            422, f"field 'label': {body.label!r} is not a class; known: {', '.join(taxonomy.names)}"
        )
    if body.box is not None:
        _check_box(body.box, case.evidence_of("original"))
    violation = _named_violation(case.violation, body, taxonomy)
    now = dt.datetime.now(dt.UTC)
    key = violation or case.violation
    hours = settings.deadline_h_by_violation.get(key, settings.deadline_h)
    try:
        done = cases.review(
            case_id,
            actor=actor,
            decision=body.decision,
            reason=body.reason,
            note=body.note,
            label=body.label,
            box=body.box,
            deadline_at=now + dt.timedelta(hours=hours) if body.decision == "confirm" else None,
            violation=violation,
        )
    except CaseStateError as e:
        raise HTTPException(409, str(e)) from e
    except ValueError as e:
        raise HTTPException(422, str(e)) from e
    if body.decision == "reject" and body.reason == "false_positive":
        suppressions.add(
            camera_id=case.camera_id,
            label=case.detected_label,
            box=case.detected_box,
            case_id=case.id,
            created_by=actor,
            expires_at=now + dt.timedelta(days=settings.suppress_days),
        )
        cameras.suppressions_changed(case.camera_id)
    return CasePublic.from_record(done, taxonomy)


def _named_violation(current: str, body: ReviewRequest, taxonomy: Taxonomy) -> str | None:
    """The violation a confirmed case becomes when its class is corrected to one of another
    violation's classes, such as naming a new static object (None: it stays)."""
    if body.violation is not None and (body.decision != "confirm" or body.label is None):
        raise HTTPException(
            422, "field 'violation': it names the violation of a confirmed case's 'label'"
        )
    if body.decision != "confirm":
        return None
    if body.label is None:
        if current == SCENE_VIOLATION:
            raise HTTPException(
                422,
                "field 'label': a new static object is confirmed by naming it with a class "
                f"({', '.join(taxonomy.names)}); reject it with reason 'no_violation' if it "
                "breaks no rule",
            )
        return None
    violations = [v.key for v in taxonomy.violations_for_class(body.label)]
    if body.violation is not None:
        if body.violation not in violations:
            raise HTTPException(
                422,
                f"field 'violation': {body.violation!r} is not a violation of class "
                f"{body.label!r}; its violations are {violations}",
            )
        return None if body.violation == current else body.violation
    if current in violations:
        return None
    if not violations:
        raise HTTPException(
            422,
            f"field 'label': {body.label!r} is not part of any violation; reject with reason "
            f"'no_violation' and label {body.label!r} to record what it is",
        )
    return violations[0]


def _check_box(box: Box, original: object) -> None:
    x1, y1, x2, y2 = box
    if not (x1 < x2 and y1 < y2):
        raise HTTPException(422, f"field 'box': expected x1 < x2 and y1 < y2, got {list(box)}")
    width = getattr(original, "width", None)
    height = getattr(original, "height", None)
    if width and height and (x1 < 0 or y1 < 0 or x2 > width or y2 > height):
        raise HTTPException(
            422, f"field 'box': {list(box)} is outside the {width}x{height} evidence frame"
        )


@router.post("/cases/{case_id}/reopen", response_model=CasePublic)
def reopen_case(
    case_id: RowId,
    cases: CasesDep,
    taxonomy: TaxonomyDep,
    settings: SettingsDep,
    suppressions: SuppressionsDep,
    cameras: CamerasDep,
    actor: ActorDep,
    reason: Annotated[str | None, Body(embed=True, max_length=500)] = None,
) -> CasePublic:
    """Undo a mistaken rejection: the case goes back to the review queue as a draft, if it
    was rejected within ``reopen_window_h`` (72 h); 409 otherwise, saying why. The
    suppression a ``false_positive`` rejection made is lifted with it; the rejection
    stays in the audit log."""
    try:
        done = cases.reopen(
            case_id,
            actor=actor,
            within=dt.timedelta(hours=settings.reopen_window_h),
            reason=reason,
        )
    except CaseNotFound as e:
        raise HTTPException(404, str(e)) from e
    except CaseStateError as e:
        raise HTTPException(409, str(e)) from e
    if suppressions.lift_for_case(case_id, actor=actor):
        cameras.suppressions_changed(done.camera_id)
    return CasePublic.from_record(done, taxonomy)


@router.get("/cases/{case_id}/audit", response_model=AuditPublic)
def case_audit(case_id: RowId, cases: CasesDep) -> AuditPublic:
    """Every change to the case: who, when, from what to what, and why (oldest first)."""
    try:
        entries = cases.audit(case_id)
    except CaseNotFound as e:
        raise HTTPException(404, str(e)) from e
    data = [
        AuditEntry(
            at=a.at,
            actor=a.actor,
            action=a.action,
            from_=a.from_status,
            to=a.to_status,
            reason=a.reason,
            detail=a.detail,
        )
        for a in entries
    ]
    return AuditPublic(data=data, count=len(data))


@router.get("/suppressions", response_model=SuppressionsPublic)
def list_suppressions(
    suppressions: SuppressionsDep, camera_id: str | None = None
) -> SuppressionsPublic:
    """Suppressions in force (not expired, not lifted)."""
    active = suppressions.active(camera_id, dt.datetime.now(dt.UTC))
    data = [SuppressionPublic(**dataclasses.asdict(s) | {"box": list(s.box)}) for s in active]
    return SuppressionsPublic(data=data, count=len(data))


@router.delete("/suppressions/{suppression_id}", status_code=204)
def lift_suppression(
    suppression_id: RowId, suppressions: SuppressionsDep, cameras: CamerasDep, actor: ActorDep
) -> Response:
    """Lift a suppression now: that class at that place can open drafts again."""
    try:
        lifted = suppressions.lift(suppression_id, actor=actor)
    except SuppressionNotFound as e:
        raise HTTPException(404, str(e)) from e
    cameras.suppressions_changed(lifted.camera_id)
    return Response(status_code=204)
