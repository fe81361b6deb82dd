"""``GET /healthz``: liveness for anyone; the model in use and the cameras' connection
state only for a signed-in user (or the admin token): an anonymous caller learns nothing
about the deployment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from serve.auth.access import OptionalPrincipal
from serve.routes.deps import CamerasDep, ModelsDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(models: ModelsDep, cameras: CamerasDep, principal: OptionalPrincipal) -> dict[str, Any]:
    if principal is None or principal.role is None:
        return {"status": "ok"}
    info = models.current.info
    snapshots = [cameras.health(c.id).snapshot() for c in cameras.list() if c.enabled]
    return {
        "status": "ok",
        "model": {"name": info.name, "version": info.version},
        "cameras": {
            "total": len(snapshots),
            "connected": sum(1 for s in snapshots if s["connected"]),
        },
    }
