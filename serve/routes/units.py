"""``/v1/units``: responsible units (门前三包), the zones that name them and their cases.

Reviewers read; engineers add, change and remove units. A unit some zone still names
cannot be removed (409, naming the zones): its cases would lose their owner.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response

from serve.auth.access import require_engineer, require_reviewer
from serve.config.units import UNIT_ID, Unit
from serve.routes.deps import MAX_OFFSET, CamerasDep
from serve.store.units import UnitCases, UnitRecord, UnitRepo

router = APIRouter(prefix="/units", tags=["units"])
REVIEWERS = [Depends(require_reviewer)]
ENGINEERS = [Depends(require_engineer)]
UnitId = Annotated[str, Path(pattern=UNIT_ID)]


def get_units(request: Request) -> UnitRepo:
    units: UnitRepo = request.app.state.units
    return units


UnitsDep = Annotated[UnitRepo, Depends(get_units)]


def _zones(cameras: CamerasDep) -> dict[str, list[dict[str, str]]]:
    """unit id -> the zones that name it (camera, zone id, zone name, zone type)."""
    out: dict[str, list[dict[str, str]]] = {}
    for camera in cameras.list():
        for zone in camera.zones:
            if zone.responsible:
                out.setdefault(zone.responsible, []).append(
                    {
                        "camera_id": camera.id,
                        "camera_name": camera.name,
                        "zone_id": zone.id,
                        "zone_type": zone.type,
                    }
                )
    return out


def _public(
    record: UnitRecord, zones: list[dict[str, str]], cases: UnitCases | None
) -> dict[str, Any]:
    return {
        **record.unit.model_dump(),
        "source": record.source,
        "updated_at": record.updated_at.isoformat(),
        "zones": zones,
        "cases": vars(cases or UnitCases()),
    }


@router.get("", dependencies=REVIEWERS)
def list_units(
    units: UnitsDep,
    cameras: CamerasDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    """Units by id with their zones and case counts; ``unassigned`` lists the values zones
    put in ``responsible`` that name no unit (free text from before units existed)."""
    records, count = units.list(limit=limit, offset=offset)
    zones = _zones(cameras)
    counts = units.cases([r.unit.id for r in records])
    known = units.ids()
    return {
        "data": [_public(r, zones.get(r.unit.id, []), counts.get(r.unit.id)) for r in records],
        "count": count,
        "unassigned": sorted(z for z in zones if z not in known),
    }


@router.get("/{unit_id}", dependencies=REVIEWERS)
def get_unit(unit_id: UnitId, units: UnitsDep, cameras: CamerasDep) -> dict[str, Any]:
    record = units.get(unit_id)
    if record is None:
        raise HTTPException(404, f"no unit {unit_id!r}")
    return _public(record, _zones(cameras).get(unit_id, []), units.cases([unit_id])[unit_id])


@router.put("/{unit_id}", dependencies=ENGINEERS)
def put_unit(
    unit_id: UnitId, unit: Unit, units: UnitsDep, cameras: CamerasDep, response: Response
) -> dict[str, Any]:
    """Create or replace a unit (the body's ``id`` must be the path's)."""
    if unit.id != unit_id:
        raise HTTPException(422, f"field 'id': {unit.id!r} differs from the path's {unit_id!r}")
    if units.put(unit):
        response.status_code = 201
    return get_unit(unit_id, units, cameras)


@router.delete("/{unit_id}", status_code=204, dependencies=ENGINEERS)
def delete_unit(unit_id: UnitId, units: UnitsDep, cameras: CamerasDep) -> Response:
    named = _zones(cameras).get(unit_id, [])
    if named:
        where = ", ".join(f"{z['camera_id']}/{z['zone_id']}" for z in named)
        raise HTTPException(409, f"unit {unit_id!r} is named by zones {where}: change them first")
    if not units.delete(unit_id):
        raise HTTPException(404, f"no unit {unit_id!r}")
    return Response(status_code=204)
