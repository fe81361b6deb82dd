"""``/v1/cameras``: configure cameras while the service runs, and read their health."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response

from serve.cameras.policy import SourcePolicyError, check_source, keep_secret, masked
from serve.cameras.service import CameraExistsError, UnknownCameraError
from serve.config.cameras import Camera
from serve.routes.deps import MAX_OFFSET, ActorDep, CameraAuditDep, CamerasDep, SettingsDep
from serve.schemas.cameras import (
    CameraAuditEntry,
    CameraAuditPublic,
    CamerasPublic,
    SceneAccept,
)

router = APIRouter(prefix="/cameras", tags=["cameras"])


def _not_found(camera_id: str) -> HTTPException:
    return HTTPException(404, f"no camera with id {camera_id!r}")


@router.get("", response_model=CamerasPublic)
def list_cameras(
    cameras: CamerasDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> CamerasPublic:
    """A page of the cameras, in id order (passwords in source URLs shown as ***);
    ``count`` is how many there are in all."""
    data = sorted(cameras.list(), key=lambda c: c.id)
    return CamerasPublic(data=[masked(c) for c in data[offset : offset + limit]], count=len(data))


@router.post("", response_model=Camera, status_code=201)
def create_camera(camera: Camera, cameras: CamerasDep, settings: SettingsDep) -> Camera:
    """Add a camera; its stream starts at once (push cameras wait for frames). Local
    files and URLs to this machine only where ``allow_local_sources`` is set."""
    try:
        check_source(camera, allow_local=settings.allow_local_sources)
        return masked(cameras.create(camera))
    except SourcePolicyError as e:
        raise HTTPException(422, f"field 'source': {e}") from e
    except CameraExistsError as e:
        raise HTTPException(409, str(e)) from e


@router.get("/{camera_id}", response_model=Camera)
def get_camera(camera_id: str, cameras: CamerasDep) -> Camera:
    try:
        return masked(cameras.get(camera_id))
    except UnknownCameraError as e:
        raise _not_found(camera_id) from e


@router.put("/{camera_id}", response_model=Camera)
def replace_camera(
    camera_id: str, camera: Camera, cameras: CamerasDep, settings: SettingsDep
) -> Camera:
    """Replace a camera's whole configuration; its stream and rules restart with it. A
    source password sent back as the *** it was shown keeps the stored one; a changed
    source is held to the source policy."""
    if camera.id != camera_id:
        raise HTTPException(
            422, f"body id {camera.id!r} does not match the camera in the path {camera_id!r}"
        )
    try:
        old = cameras.get(camera_id)
        camera = keep_secret(camera, old)
        # a source already in use (from the operator's cameras file, say) is not checked
        # again when only zones or rules change: the zone editor saves through here
        if camera.source != old.source:
            check_source(camera, allow_local=settings.allow_local_sources)
        return masked(cameras.replace(camera))
    except SourcePolicyError as e:
        raise HTTPException(422, f"field 'source': {e}") from e
    except UnknownCameraError as e:
        raise _not_found(camera_id) from e


@router.delete("/{camera_id}", status_code=204)
def delete_camera(camera_id: str, cameras: CamerasDep) -> Response:
    """Stop and remove a camera; its cases and evidence are kept."""
    try:
        cameras.delete(camera_id)
    except UnknownCameraError as e:
        raise _not_found(camera_id) from e
    return Response(status_code=204)


@router.get("/{camera_id}/health")
def camera_health(camera_id: str, cameras: CamerasDep) -> dict[str, Any]:
    """Connected, frames per second in and processed, last frame time, last error."""
    try:
        return cameras.health(camera_id).snapshot()
    except UnknownCameraError as e:
        raise _not_found(camera_id) from e


@router.post("/{camera_id}/scene/accept", response_model=CameraAuditEntry)
def accept_scene(
    camera_id: str,
    body: SceneAccept,
    cameras: CamerasDep,
    audit: CameraAuditDep,
    actor: ActorDep,
) -> CameraAuditEntry:
    """Take what the camera sees now as its empty street (one zone, or all): objects that
    are there now stop being new static objects. Recorded in the camera's audit log."""
    try:
        camera = cameras.get(camera_id)
        if body.zone_id is not None and body.zone_id not in {z.id for z in camera.zones}:
            known = ", ".join(z.id for z in camera.zones) or "none"
            raise HTTPException(
                422,
                f"field 'zone_id': camera {camera_id!r} has no zone {body.zone_id!r} "
                f"(its zones: {known})",
            )
        cameras.accept_scene(camera_id, body.zone_id)
    except UnknownCameraError as e:
        raise _not_found(camera_id) from e
    except ValueError as e:
        raise HTTPException(409, str(e)) from e
    entry = audit.log(
        camera_id, actor=actor, action="scene_accepted", zone_id=body.zone_id, reason=body.reason
    )
    return CameraAuditEntry(**dataclasses.asdict(entry))


@router.get("/{camera_id}/audit", response_model=CameraAuditPublic)
def camera_audit(camera_id: str, cameras: CamerasDep, audit: CameraAuditDep) -> CameraAuditPublic:
    """Operator actions on the camera (oldest first), such as accepting its scene."""
    try:
        cameras.get(camera_id)
    except UnknownCameraError as e:
        raise _not_found(camera_id) from e
    data = [CameraAuditEntry(**dataclasses.asdict(e)) for e in audit.list(camera_id)]
    return CameraAuditPublic(data=data, count=len(data))
