"""What the cameras see now, for the camera wall and the camera page: each camera's latest
frame, the detections on it, its zones, stream health and open cases. Reviewers and up
(the frames are what their evidence is cut from); stream sources and keys stay with the
engineers' ``/v1/cameras``."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Response

from serve.cameras.service import CameraService, UnknownCameraError
from serve.config.cameras import Camera
from serve.routes.deps import CamerasDep, CasesDep

router = APIRouter(prefix="/live", tags=["live"])

CameraState = Literal["live", "stale", "offline", "waiting", "stopped"]
# a camera whose latest frame is older than this many frame intervals (and STALE_MIN_S) is
# shown as stale: frames have stopped coming
STALE_FRAMES = 10
STALE_MIN_S = 30.0


def _state(camera: Camera, health: dict[str, Any] | None, age_s: float | None) -> CameraState:
    """live (frames arriving), stale (they stopped), offline (its stream cannot be read),
    waiting (a pushed camera that has sent nothing yet), stopped (disabled)."""
    if not camera.enabled or health is None:
        return "stopped"
    pulled = camera.source.kind != "push"
    if pulled and not health["connected"]:
        return "offline"
    if age_s is None:
        return "waiting"
    if age_s > max(STALE_MIN_S, STALE_FRAMES / camera.sample_fps):
        return "stale"
    return "live"


def _live(service: CameraService, camera: Camera, open_cases: dict[str, int]) -> dict[str, Any]:
    health: dict[str, Any] | None
    try:
        health = service.health(camera.id).snapshot()
        glimpse = service.pipeline(camera.id).latest.glimpse()
    except UnknownCameraError:
        health, glimpse = None, None
    frame = None
    if glimpse is not None:
        frame = {
            "at": glimpse.at.isoformat(),
            "width": glimpse.size[0],
            "height": glimpse.size[1],
            "age_s": round(glimpse.age_s, 1),
            "url": f"/v1/live/{camera.id}/frame.jpg?at={glimpse.at.timestamp():.3f}",
            "detections": [
                {
                    "label": s.label,
                    "confidence": s.confidence,
                    "box": list(s.box),
                    "track_id": s.track_id,
                }
                for s in glimpse.seen
            ],
        }
    return {
        "id": camera.id,
        "name": camera.name,
        "address": camera.address,
        "lat": camera.lat,
        "lon": camera.lon,
        "source": camera.source.kind,
        "sample_fps": camera.sample_fps,
        "state": _state(camera, health, None if glimpse is None else glimpse.age_s),
        "frame": frame,
        "health": health,
        "open_cases": open_cases,
        "zones": [z.model_dump(mode="json") for z in camera.zones],
    }


@router.get("")
def live_cameras(cameras: CamerasDep, cases: CasesDep) -> dict[str, Any]:
    """Every camera now: state, latest frame (its URL, time, size, detections), health,
    open cases by status, zones."""
    counts = cases.open_counts()
    data = [_live(cameras, c, counts.get(c.id, {})) for c in cameras.list()]
    return {"data": data, "count": len(data)}


@router.get("/{camera_id}")
def live_camera(camera_id: str, cameras: CamerasDep, cases: CasesDep) -> dict[str, Any]:
    """One camera now, as in ``GET /live``."""
    try:
        camera = cameras.get(camera_id)
    except UnknownCameraError as e:
        raise HTTPException(404, f"no camera {camera_id!r}") from e
    return _live(cameras, camera, cases.open_counts().get(camera_id, {}))


@router.get(
    "/{camera_id}/frame.jpg",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
def live_frame(camera_id: str, cameras: CamerasDep) -> Response:
    """The camera's latest frame as JPEG (at most 1280 px on its longer side); its time in
    ``X-Frame-At``. 404 before its first frame."""
    try:
        cameras.get(camera_id)
        latest = cameras.pipeline(camera_id).latest.jpeg()
    except UnknownCameraError as e:
        raise HTTPException(404, f"no camera {camera_id!r}, or it is not running") from e
    if latest is None:
        raise HTTPException(404, f"camera {camera_id!r} has sent no frame yet")
    glimpse, data = latest
    headers = {"Cache-Control": "no-store", "X-Frame-At": glimpse.at.isoformat()}
    return Response(data, media_type="image/jpeg", headers=headers)
