from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from serve.routes.deps import DetectorDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(detector: DetectorDep) -> dict[str, Any]:
    return {"status": "ok", "model": {"name": detector.info.name, "version": detector.info.version}}
