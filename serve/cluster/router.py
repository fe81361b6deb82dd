"""Sending what the API gets for a camera to the worker that runs it.

``Router`` is what the coordinator (``RayCluster``, which places the cameras) and an
ingress-only API process (``IngressCluster``, which reads the placement from the
coordinator's directory) share: the camera -> worker map, calls to a camera's worker, and
forwarding pushed frames. What happens when a worker is found dead under a call is each
one's own (``_lost``): the coordinator gives it up and moves its cameras; an ingress waits
for the coordinator's new placement.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import ray
from ray.exceptions import RayActorError

from serve.cluster.worker import PushAnswer

# how long a pushed frame waits for its camera to land on a worker (moves, deaths)
PUSH_PATIENCE_S = 20.0


@dataclass
class WorkerSlot:
    name: str
    handle: Any
    alive: bool = True
    cameras: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    last_ok: float = field(default_factory=time.monotonic)
    misses: int = 0
    died_at: float | None = None


class Router:
    def __init__(self) -> None:
        self.owners: dict[str, WorkerSlot] = {}

    def _lost(self, slot: WorkerSlot, why: str) -> None:
        raise NotImplementedError

    def owner(self, camera_id: str) -> WorkerSlot | None:
        return self.owners.get(camera_id)

    def call(self, camera_id: str, method: str, *args: Any, timeout: float = 30.0) -> Any:
        """Run ``method`` on the camera's worker; KeyError for a camera no worker runs."""
        slot = self.owner(camera_id)
        if slot is None:
            raise KeyError(camera_id)
        try:
            return ray.get(getattr(slot.handle, method).remote(*args), timeout=timeout)
        except RayActorError:
            self._lost(slot, "died")
            raise

    async def push(
        self, camera_id: str, data: bytes, timestamp: str | None, received: float
    ) -> PushAnswer:
        """Forward a pushed frame to its camera's worker. A worker that dies under it is
        reported (``_lost``) and the frame goes to the camera's next owner; a camera on its
        way to a worker (503 there, or no owner yet) is tried again for up to 20 s."""
        deadline = time.monotonic() + PUSH_PATIENCE_S
        while True:
            slot = self.owner(camera_id)
            if slot is None or not slot.alive:
                if time.monotonic() > deadline:
                    detail = f"no worker runs camera {camera_id!r}"
                    return 503, {"detail": detail}, {"Retry-After": "5"}
                await asyncio.sleep(0.2)
                continue
            try:
                answer: PushAnswer = await slot.handle.push.remote(
                    camera_id, data, timestamp, received
                )
            except RayActorError:
                await asyncio.to_thread(self._lost, slot, "died")
                continue
            if answer[0] != 503 or time.monotonic() > deadline:
                return answer
            await asyncio.sleep(0.2)
