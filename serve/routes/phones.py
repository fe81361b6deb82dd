"""``/v1/phones``: the phone ledger (numbers flyers print, from confirmed cases), their
hand-over to the carriers, its export, and reviewers' corrections of misread numbers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import Response

from serve.routes.deps import MAX_OFFSET, ActorDep, CasesDep, RowId, SettingsDep, TaxonomyDep
from serve.routes.phone_export import export_rows, to_csv, to_xlsx
from serve.schemas.cases import CasePublic
from serve.schemas.phones import (
    LedgerEntryPublic,
    LedgerPublic,
    PhoneAuditPublic,
    PhoneCorrection,
    PhonePublicDetail,
    PhoneStatusChange,
)
from serve.store.phones import PHONE_STATUSES, PhoneStateError

router = APIRouter(tags=["phones"])

Number = Annotated[str, Path(pattern=r"^[0-9]{7,15}$", description="digits, as the ledger keys it")]
MAX_EXPORT_DAYS = 366
MAX_EXPORT_ROWS = 10_000


def _aware(name: str, value: dt.datetime | None) -> None:
    if value is not None and value.tzinfo is None:
        raise HTTPException(
            422, f"query {name!r} needs a UTC offset, e.g. 2026-11-23T08:00:00+08:00"
        )


@router.get("/phones", response_model=LedgerPublic)
def ledger(
    cases: CasesDep,
    status: str | None = None,
    camera_id: Annotated[str | None, Query(max_length=64)] = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> LedgerPublic:
    """Numbers printed on confirmed cases, the most often seen first (``since``/``until``:
    cases seen in that range)."""
    if status is not None and status not in PHONE_STATUSES:
        raise HTTPException(422, f"status must be one of {list(PHONE_STATUSES)}, got {status!r}")
    _aware("since", since)
    _aware("until", until)
    entries, count = cases.phones.ledger(
        status=status, camera=camera_id, since=since, until=until, limit=limit, offset=offset
    )
    return LedgerPublic(data=[LedgerEntryPublic.of(e) for e in entries], count=count)


@router.get("/phones/export")
def export(
    cases: CasesDep,
    settings: SettingsDep,
    since: dt.datetime,
    until: dt.datetime,
    format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "xlsx",
    status: str | None = None,
) -> Response:
    """The ledger for the carriers (numbers seen between ``since`` and ``until``): number,
    times seen, places, first and last seen, status, evidence links and their SHA-256."""
    _aware("since", since)
    _aware("until", until)
    if not dt.timedelta(0) < until - since <= dt.timedelta(days=MAX_EXPORT_DAYS):
        raise HTTPException(422, f"'until' must be after 'since', at most {MAX_EXPORT_DAYS} days")
    if status is not None and status not in PHONE_STATUSES:
        raise HTTPException(422, f"status must be one of {list(PHONE_STATUSES)}, got {status!r}")
    entries, count = cases.phones.ledger(
        status=status, since=since, until=until, limit=MAX_EXPORT_ROWS
    )
    rows = export_rows(cases, entries, since, until, settings.public_url)
    stem = f"phones-{since.date().isoformat()}-{until.date().isoformat()}"
    headers = {"X-Total-Count": str(count)}
    if format == "csv":
        headers["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
        return Response(to_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(to_xlsx(rows), media_type=media, headers=headers)


@router.get("/phones/{number}", response_model=PhonePublicDetail)
def phone(number: Number, cases: CasesDep, taxonomy: TaxonomyDep) -> PhonePublicDetail:
    """The number's ledger line, its confirmed cases (newest first, at most 200) and history."""
    entry = cases.phones.entry(number)
    if entry is None:
        raise HTTPException(404, f"no confirmed case prints {number}")
    records = cases.phones.cases_of(number)
    base = LedgerEntryPublic.of(entry)
    return PhonePublicDetail(
        **base.model_dump(),
        case_list=[CasePublic.from_record(r, taxonomy) for r in records],
        history=[PhoneAuditPublic.of(a) for a in cases.phones.history(number)],
    )


@router.post("/phones/{number}/status", response_model=LedgerEntryPublic)
def set_status(
    number: Number, body: PhoneStatusChange, cases: CasesDep, actor: ActorDep
) -> LedgerEntryPublic:
    """Move the number on: open → handed_over → suspended, or dismissed (audited)."""
    try:
        entry = cases.phones.set_status(number, body.status, actor, body.note)
    except KeyError:
        raise HTTPException(404, f"no confirmed case prints {number}") from None
    except PhoneStateError as e:
        raise HTTPException(409, str(e)) from e
    return LedgerEntryPublic.of(entry)


@router.put("/cases/{case_id}/phones/{number}", response_model=CasePublic)
def correct_phone(
    case_id: RowId,
    number: Number,
    body: PhoneCorrection,
    cases: CasesDep,
    taxonomy: TaxonomyDep,
    actor: ActorDep,
) -> CasePublic:
    """Correct a misread number on a case (the number as read is kept, audited)."""
    try:
        cases.phones.correct(case_id, number, body.number, actor)
    except KeyError:
        raise HTTPException(404, f"case {case_id} has no phone number {number}") from None
    except ValueError as e:
        raise HTTPException(422, f"field 'number': {e}") from e
    record = cases.get(case_id)
    assert record is not None
    return CasePublic.from_record(record, taxonomy)
