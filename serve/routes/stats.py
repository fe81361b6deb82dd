"""``/v1/stats``: case counts and workflow rates for the statistics page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from detector.taxonomy import Taxonomy
from serve.auth.access import require_reviewer
from serve.routes.deps import CamerasDep, TaxonomyDep
from serve.routes.units import UnitsDep
from serve.schemas.stats import DayPublic, GroupPublic, OverduePublic, StatsPublic
from serve.store.records import SCENE_LABEL
from serve.store.stats import CaseStats, OverdueCase, StatsRepo, Tally, check_range

router = APIRouter(tags=["stats"], dependencies=[Depends(require_reviewer)])

DEFAULT_DAYS = 30
MAX_OVERDUE = 100
SIGNAL_NAMES: dict[str, tuple[str, str]] = {
    "detector": ("目标检测", "Object detector"),
    "scene": ("场景变化", "Scene change"),
    "both": ("检测与场景一致", "Detector and scene agree"),
    "ocr": ("文字识别", "Text (OCR)"),
}
UNNAMED = ("待识别", "Not named yet")


def get_stats(request: Request) -> StatsRepo:
    stats: StatsRepo = request.app.state.stats
    return stats


StatsDep = Annotated[StatsRepo, Depends(get_stats)]


@router.get("/stats", response_model=StatsPublic)
def case_stats(
    stats: StatsDep,
    taxonomy: TaxonomyDep,
    cameras: CamerasDep,
    units: UnitsDep,
    since: Annotated[
        dt.date | None, Query(description=f"first day (default: {DEFAULT_DAYS} days to until)")
    ] = None,
    until: Annotated[dt.date | None, Query(description="last day (default: today, UTC)")] = None,
    camera_id: str | None = None,
) -> StatsPublic:
    """Cases first seen from ``since`` to ``until`` (inclusive; each case by its camera's
    local date): per day by violation type, per camera, violation, detected class and signal
    (each group also split by signal), with confirm rate, disposal rate (处置率) and on-time
    rate (按期办结率); the scene baseline's finds by the class reviewers named them; and the
    overdue cases."""
    now = dt.datetime.now(dt.UTC)
    until = until or now.date()
    since = since or until - dt.timedelta(days=DEFAULT_DAYS - 1)
    try:
        check_range(since, until)
    except ValueError as e:
        raise HTTPException(422, str(e)) from e
    summary = stats.summary(since=since, until=until, camera_id=camera_id, now=now)
    names = {c.id: c.name or c.id for c in cameras.list()}
    summary_public = _public(summary, taxonomy, names, camera_id, now)
    unit_names = units.names([k for k in summary.per_unit if k])
    summary_public.per_unit = [
        GroupPublic.of(k, unit_names.get(k, k or "未指定"), unit_names.get(k, k or "No unit"), t)
        for k, t in sorted(summary.per_unit.items())
    ]
    return summary_public


def _public(
    summary: CaseStats,
    taxonomy: Taxonomy,
    camera_names: dict[str, str],
    camera_id: str | None,
    now: dt.datetime,
) -> StatsPublic:
    violations = {v.key: (v.zh, v.en) for v in taxonomy.violations}
    classes = {c.name: (c.zh, c.name.replace("_", " ")) for c in taxonomy.classes}
    classes.setdefault(SCENE_LABEL, UNNAMED)

    return StatsPublic(
        since=summary.since,
        until=summary.until,
        camera_id=camera_id,
        generated_at=now,
        totals=GroupPublic.of("all", "全部", "All", summary.totals),
        per_day=[
            DayPublic(
                date=day,
                total=sum(counts.values()),
                by_violation={k: counts.get(k, 0) for k in [*violations, *sorted(counts)]},
            )
            for day, counts in summary.per_day.items()
        ],
        per_camera=[
            GroupPublic.of(k, camera_names.get(k, k), camera_names.get(k, k), t)
            for k, t in sorted(summary.per_camera.items())
        ],
        per_violation=_groups(summary.per_violation, violations),
        per_class=_groups(summary.per_class, classes),
        per_signal=_groups(summary.per_signal, SIGNAL_NAMES),
        scene_named=_groups(summary.scene_named, classes),
        overdue=[_overdue(c, violations, now) for c in summary.overdue[:MAX_OVERDUE]],
        overdue_count=len(summary.overdue),
    )


def _groups(tallies: dict[str, Tally], known: dict[str, tuple[str, str]]) -> list[GroupPublic]:
    """``tallies`` in the order of ``known``, each with its (Chinese, English) name."""
    return [
        GroupPublic.of(k, *known.get(k, (k, k)), t)
        for k, t in sorted(tallies.items(), key=lambda kv: _order(kv[0], known))
    ]


def _order(key: str, known: dict[str, tuple[str, str]]) -> tuple[int, str]:
    """Taxonomy order first, unknown keys (from an older taxonomy) after, by name."""
    keys = list(known)
    return (keys.index(key), "") if key in known else (len(keys), key)


def _overdue(
    case: OverdueCase, violations: dict[str, tuple[str, str]], now: dt.datetime
) -> OverduePublic:
    deadline = case.deadline_at
    return OverduePublic(
        id=case.id,
        camera_id=case.camera_id,
        violation=case.violation,
        violation_name=violations.get(case.violation, (case.violation, ""))[0],
        label=case.label,
        status=case.status,
        deadline_at=None if deadline is None else deadline.astimezone(ZoneInfo(case.timezone)),
        overdue_h=None if deadline is None else round((now - deadline).total_seconds() / 3600, 2),
    )
