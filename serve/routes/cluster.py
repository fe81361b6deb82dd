"""``GET /v1/cluster``: where the cameras run — the nodes, the camera workers, each one's
cameras and health; in a single process, that process."""

from __future__ import annotations

import os
import socket
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from serve.routes.deps import CamerasDep

router = APIRouter(prefix="/cluster", tags=["cluster"])


@router.get("")
async def cluster(cameras: CamerasDep) -> dict[str, Any]:
    remote = getattr(cameras, "cluster", None)
    if remote is not None:
        snapshot: dict[str, Any] = await run_in_threadpool(remote.snapshot)
        return snapshot
    running = cameras.running()
    return {
        "mode": "single",
        "address": None,
        "detectors": [],
        "nodes": [{"node_id": None, "address": socket.gethostname(), "alive": True}],
        "workers": [
            {
                "name": "main",
                "alive": True,
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "cameras": running,
            }
        ],
        "cameras": len(running),
        "starting": [],
        "unplaced": [],
        "moves": 0,
    }
