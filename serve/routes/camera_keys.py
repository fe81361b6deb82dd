"""``/v1/cameras/{id}/keys``: API keys with which a push camera sends its frames."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Response

from serve.auth.access import require_engineer
from serve.auth.keys import NoSuchCameraError, UnknownKeyError
from serve.cameras.service import UnknownCameraError
from serve.routes.deps import AuthDep, CamerasDep, EngineerDep, RowId
from serve.schemas.auth import CameraKeyCreated, CameraKeyPublic, CameraKeysPublic

router = APIRouter(prefix="/cameras", tags=["cameras"], dependencies=[Depends(require_engineer)])


def _known(camera_id: str, cameras: CamerasDep) -> None:
    try:
        cameras.get(camera_id)
    except UnknownCameraError as e:
        raise HTTPException(404, f"no camera with id {camera_id!r}") from e


@router.get("/{camera_id}/keys", response_model=CameraKeysPublic)
def list_keys(camera_id: str, cameras: CamerasDep, auth: AuthDep) -> CameraKeysPublic:
    """The camera's keys, revoked ones included; only their first characters are shown."""
    _known(camera_id, cameras)
    keys = [CameraKeyPublic.from_record(k) for k in auth.keys.list(camera_id)]
    return CameraKeysPublic(data=keys, count=len(keys))


@router.post("/{camera_id}/keys", response_model=CameraKeyCreated, status_code=201)
def create_key(
    camera_id: str, cameras: CamerasDep, auth: AuthDep, principal: EngineerDep
) -> CameraKeyCreated:
    """A new key for the camera, shown this once: send it as ``X-API-Key`` with each
    ``POST /v1/cameras/{camera_id}/frames``. A camera may have several (for rotation)."""
    _known(camera_id, cameras)
    try:
        issued = auth.keys.issue(camera_id, created_by=principal.username)
    except NoSuchCameraError as e:
        raise HTTPException(404, str(e)) from e
    public = CameraKeyPublic.from_record(issued.record)
    return CameraKeyCreated(**public.model_dump(), key=issued.key)


@router.delete("/{camera_id}/keys/{key_id}", status_code=204)
def revoke_key(camera_id: str, key_id: RowId, auth: AuthDep) -> Response:
    """Revoke a key at once; frames sent with it get 401 from now on."""
    try:
        auth.keys.revoke(camera_id, key_id)
    except UnknownKeyError as e:
        raise HTTPException(404, str(e)) from e
    return Response(status_code=204)
