"""``/v1/ledger``: the weekly problem ledger (问题台账) per unit or street, as JSON and as
XLSX and PDF files with evidence thumbnails, and its summary per unit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo, available_timezones

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from serve.ledger_export import Names, ledger_pdf, ledger_xlsx, thumbnail
from serve.routes.deps import CasesDep, EvidenceDep, TaxonomyDep
from serve.routes.units import UnitsDep
from serve.store.ledger import Ledger, LedgerRepo, week_of

router = APIRouter(prefix="/ledger", tags=["ledger"])
MAX_THUMBS = 500  # evidence thumbnails in one file; the rows beyond have none
Week = Annotated[str | None, Query(max_length=10, description="ISO week, e.g. 2026-W49")]
Unit = Annotated[str | None, Query(max_length=128, description="a responsible unit's id")]
Camera = Annotated[str | None, Query(max_length=64)]
Tz = Annotated[str, Query(max_length=64, description="the ledger's time zone")]


@dataclass(frozen=True)
class LedgerQuery:
    week: str | None
    unit: str | None
    camera_id: str | None
    tz: str


def ledger_query(
    week: Week = None, unit: Unit = None, camera_id: Camera = None, tz: Tz = "Asia/Shanghai"
) -> LedgerQuery:
    return LedgerQuery(week, unit, camera_id, tz)


QueryDep = Annotated[LedgerQuery, Depends(ledger_query)]


def _ledger(request: Request, q: LedgerQuery) -> Ledger:
    if q.tz not in available_timezones():
        raise HTTPException(422, f"query 'tz': unknown time zone {q.tz!r}")
    now = dt.datetime.now(dt.UTC)
    repo: LedgerRepo = request.app.state.ledger
    try:
        default = week_of(now.astimezone(ZoneInfo(q.tz)).date())  # this week, where it is kept
        return repo.week(q.week or default, tz=q.tz, unit=q.unit, camera_id=q.camera_id, now=now)
    except ValueError as e:
        raise HTTPException(422, f"query 'week': {e}") from e


@router.get("")
def get_ledger(
    request: Request, taxonomy: TaxonomyDep, units: UnitsDep, q: QueryDep
) -> dict[str, Any]:
    """The week's accepted cases (new and carried over), each with its deadline, status
    and 销账 (cleared or closed: when, by whom), and the summary per unit."""
    ledger = _ledger(request, q)
    names = _names(ledger, taxonomy, units)
    return {
        "week": ledger.week,
        "start": ledger.start.isoformat(),
        "end": ledger.end.isoformat(),
        "tz": ledger.tz,
        "rows": [
            {
                **{k: v for k, v in vars(r).items() if not isinstance(v, dt.datetime)},
                **{k: v.isoformat() for k, v in vars(r).items() if isinstance(v, dt.datetime)},
                "unit_name": names.units.get(r.unit or ""),
                "violation_name": names.violations.get(r.violation, r.violation),
                "on_time": r.on_time,
            }
            for r in ledger.rows
        ],
        "summary": [
            {**vars(s), "by_violation": dict(s.by_violation), "unit_name": names.units.get(s.unit)}
            for s in ledger.summary()
        ],
    }


@router.get("/export")
def export_ledger(
    request: Request,
    taxonomy: TaxonomyDep,
    units: UnitsDep,
    cases: CasesDep,
    evidence: EvidenceDep,
    q: QueryDep,
    format: Annotated[Literal["xlsx", "pdf"], Query()] = "xlsx",
) -> Response:
    """The ledger as a file, a thumbnail of each case's evidence beside it."""
    ledger = _ledger(request, q)
    names = _names(ledger, taxonomy, units)
    wanted = {r.case_id for r in ledger.rows[:MAX_THUMBS]}

    def thumb(case_id: int) -> bytes | None:
        record = cases.get(case_id) if case_id in wanted else None
        if record is None or not record.evidence:
            return None
        item = next((e for e in record.evidence if e.kind == "crop"), record.evidence[0])
        data = evidence.read_verified(item.path, item.sha256)
        return None if data is None else thumbnail(data)  # a corrupt file is not shown

    scope = quote(q.unit or q.camera_id or "all", safe="")  # any id, safe in a header
    name = f"ledger-{ledger.week}-{scope}.{format}"
    if format == "pdf":
        body, media = ledger_pdf(ledger, names, thumb), "application/pdf"
    else:
        body = ledger_xlsx(ledger, names, thumb)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = f"attachment; filename*=UTF-8''{name}"
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


def _names(ledger: Ledger, taxonomy: TaxonomyDep, units: UnitsDep) -> Names:
    ids = sorted({r.unit for r in ledger.rows if r.unit})
    return Names(units.names(ids), {v.key: v.zh for v in taxonomy.violations})
