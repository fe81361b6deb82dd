"""The plan view's data: the uploaded plan image, the cameras pinned on it, and the
in-house tile server if one is configured. Reviewers read it; engineers upload the plan
and pin the cameras."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, HTTPException, Request, Response, UploadFile
from fastapi.responses import FileResponse

from serve.auth.access import require_engineer, require_reviewer
from serve.cameras.service import UnknownCameraError
from serve.plan import Plan, PlanError, PlanStore
from serve.routes.deps import ActorDep, CamerasDep, SettingsDep

router = APIRouter(prefix="/plan", tags=["plan"])
REVIEWERS = [Depends(require_reviewer)]
ENGINEERS = [Depends(require_engineer)]
Coordinate = Annotated[float, Body(ge=0, le=1_000_000, allow_inf_nan=False)]


def get_plan(request: Request) -> PlanStore:
    store: PlanStore = request.app.state.plan
    return store


PlanDep = Annotated[PlanStore, Depends(get_plan)]


def _public(plan: Plan, settings: Any) -> dict[str, Any]:
    image = plan.image
    return {
        "image": None
        if image is None
        else {
            "url": f"/v1/plan/image?v={image.sha256[:16]}",
            "width": image.width,
            "height": image.height,
            "uploaded_at": image.uploaded_at,
            "uploaded_by": image.uploaded_by,
        },
        "pins": {k: list(v) for k, v in plan.pins.items()},
        "tiles": None
        if settings.map_tile_url is None
        else {"url": settings.map_tile_url, "attribution": settings.map_attribution},
    }


@router.get("", dependencies=REVIEWERS)
def get_plan_view(store: PlanDep, settings: SettingsDep) -> dict[str, Any]:
    """The plan image (its URL and size), the pins ({camera id: [x, y]} in its pixels,
    from the top left) and the tile server (``map_tile_url``), if any."""
    return _public(store.load(), settings)


@router.get(
    "/image",
    dependencies=REVIEWERS,
    response_class=FileResponse,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}},
)
def plan_image(store: PlanDep) -> FileResponse:
    """The plan image as uploaded."""
    found = store.image_path()
    if found is None:
        raise HTTPException(404, "no plan image has been uploaded")
    path, image = found
    return FileResponse(path, media_type=image.media_type, headers={"Cache-Control": "no-cache"})


@router.put("/image", dependencies=ENGINEERS)
def upload_plan_image(
    image: Annotated[UploadFile, File(description="the plan, JPEG or PNG")],
    store: PlanDep,
    settings: SettingsDep,
    actor: ActorDep,
) -> dict[str, Any]:
    """Take a new plan image (at most 64 megapixels); pins move with a resized plan."""
    data = image.file.read()
    try:
        return _public(store.set_image(data, actor), settings)
    except PlanError as e:
        raise HTTPException(422, f"field 'image': {e}") from e


@router.put("/pins/{camera_id}", dependencies=ENGINEERS)
def pin_camera(
    camera_id: str,
    x: Coordinate,
    y: Coordinate,
    store: PlanDep,
    cameras: CamerasDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Put the camera at (x, y) on the plan (its pixels, from the top left)."""
    try:
        cameras.get(camera_id)
    except UnknownCameraError as e:
        raise HTTPException(404, f"no camera {camera_id!r}") from e
    try:
        return _public(store.pin(camera_id, x, y), settings)
    except PlanError as e:
        raise HTTPException(422, str(e)) from e


@router.delete("/pins/{camera_id}", status_code=204, dependencies=ENGINEERS)
def unpin_camera(camera_id: str, store: PlanDep) -> Response:
    """Take the camera off the plan (no error if it was not on it)."""
    store.unpin(camera_id)
    return Response(status_code=204)
