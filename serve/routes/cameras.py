"""``/v1/cameras``: configure cameras while the service runs, and read their health."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response

from serve.cameras.config import Camera
from serve.cameras.service import CameraExistsError, UnknownCameraError
from serve.routes.deps import CamerasDep
from serve.schemas.cameras import CamerasPublic

router = APIRouter(prefix="/cameras", tags=["cameras"])


def _not_found(camera_id: str) -> HTTPException:
    return HTTPException(404, f"no camera with id {camera_id!r}")


@router.get("", response_model=CamerasPublic)
def list_cameras(cameras: CamerasDep) -> CamerasPublic:
    data = cameras.list()
    return CamerasPublic(data=data, count=len(data))


@router.post("", response_model=Camera, status_code=201)
def create_camera(camera: Camera, cameras: CamerasDep) -> Camera:
    """Add a camera; its stream starts at once (push cameras wait for frames)."""
    try:
        return cameras.create(camera)
    except CameraExistsError as e:
        raise HTTPException(409, str(e)) from e


@router.get("/{camera_id}", response_model=Camera)
def get_camera(camera_id: str, cameras: CamerasDep) -> Camera:
    try:
        return cameras.get(camera_id)
    except UnknownCameraError as e:
        raise _not_found(camera_id) from e


@router.put("/{camera_id}", response_model=Camera)
def replace_camera(camera_id: str, camera: Camera, cameras: CamerasDep) -> Camera:
    """Replace a camera's whole configuration; its stream and rules restart with it."""
    if camera.id != camera_id:
        raise HTTPException(
            422, f"body id {camera.id!r} does not match the camera in the path {camera_id!r}"
        )
    try:
        return cameras.replace(camera)
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
