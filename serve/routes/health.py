"""``GET /healthz``: liveness, with the model in use and the cameras' connection state."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from serve.routes.deps import CamerasDep, ModelsDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(models: ModelsDep, cameras: CamerasDep) -> dict[str, Any]:
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
