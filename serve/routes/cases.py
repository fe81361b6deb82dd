"""``/v1/cases``: the draft cases and their evidence files."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import FileResponse

from serve.routes.deps import MAX_OFFSET, CasesDep, EvidenceDep, RowId, TaxonomyDep
from serve.schemas.cases import CasePublic, CasesPublic
from serve.store.cases import CaseSort
from serve.workflow import CaseStatus

router = APIRouter(prefix="/cases", tags=["cases"])

_MEDIA = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


@router.get("", response_model=CasesPublic)
def list_cases(
    cases: CasesDep,
    taxonomy: TaxonomyDep,
    status: CaseStatus | None = None,
    violation: str | None = None,
    camera_id: str | None = None,
    since: Annotated[
        dt.datetime | None, Query(description="first seen at or after (ISO-8601 with offset)")
    ] = None,
    until: Annotated[
        dt.datetime | None, Query(description="first seen before (ISO-8601 with offset)")
    ] = None,
    responsible: Annotated[
        str | None, Query(max_length=128, description="the responsible unit, as on the case")
    ] = None,
    overdue: Annotated[bool | None, Query(description="past its deadline (or not)")] = None,
    sort: Annotated[
        CaseSort,
        Query(description="newest / oldest (first seen), deadline (soonest first), updated"),
    ] = "newest",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> CasesPublic:
    """Cases, newest first unless ``sort`` says otherwise; ``count`` is the number matching
    the filters."""
    if violation is not None and violation not in {v.key for v in taxonomy.violations}:
        known = ", ".join(v.key for v in taxonomy.violations)
        raise HTTPException(422, f"unknown violation {violation!r}; known: {known}")
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise HTTPException(
                422, f"query '{name}' needs a UTC offset, e.g. 2026-11-23T08:00:00+08:00"
            )
    records, count = cases.list(
        status=status,
        violation=violation,
        camera_id=camera_id,
        since=since,
        until=until,
        responsible=responsible,
        overdue=overdue,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return CasesPublic(data=[CasePublic.from_record(r, taxonomy) for r in records], count=count)


@router.get("/{case_id}", response_model=CasePublic)
def get_case(case_id: RowId, cases: CasesDep, taxonomy: TaxonomyDep) -> CasePublic:
    record = cases.get(case_id)
    if record is None:
        raise HTTPException(404, f"no case with id {case_id}")
    return CasePublic.from_record(record, taxonomy)


@router.get(
    "/{case_id}/evidence/{n}",
    response_class=FileResponse,
    responses={200: {"content": {"image/jpeg": {}}}},
)
def get_evidence(
    case_id: RowId, n: Annotated[int, Path(ge=0, le=1000)], cases: CasesDep, evidence: EvidenceDep
) -> FileResponse:
    """Evidence file ``n`` (0-based, in the order of the case's ``evidence`` list)."""
    record = cases.get(case_id)
    if record is None:
        raise HTTPException(404, f"no case with id {case_id}")
    if not 0 <= n < len(record.evidence):
        count = len(record.evidence)
        raise HTTPException(
            404, f"case {case_id} has {count} evidence files (0..{count - 1}); no {n}"
        )
    item = record.evidence[n]
    path = evidence.path(item.path)
    if not path.is_file():
        raise HTTPException(410, f"evidence file {item.path} of case {case_id} is missing")
    return FileResponse(
        path,
        media_type=_MEDIA.get(path.suffix.lower(), "application/octet-stream"),
        headers={"X-Content-SHA256": item.sha256, "Cache-Control": "private, max-age=86400"},
    )
