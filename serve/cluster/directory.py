"""More than one API process on a cluster: the coordinator's directory, and ingress-only
processes that read it.

Pushed frames all enter through an API process, which spends ~5 ms of CPU on each (HTTP,
multipart, the header check, forwarding): one process serves a few hundred push cameras.
Past that, start more API processes with ``--cluster auto --ingress-only`` (behind a load
balancer). The process that started the workers (the coordinator) keeps a ``Directory``
actor up to date each second: which worker runs which camera, and the workers' handles.
An ingress-only process reads it, forwards frames and calls straight to the workers, polls
the workers' status itself (health, latest frames for the pages), and asks the coordinator
to place, move or reload cameras added or changed through it. It never starts, gives up
or moves a worker: a worker that dies under it is the coordinator's to replace; the
ingress waits for the new placement (up to 20 s a frame).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import ray
from ray.exceptions import GetTimeoutError, RayActorError

from serve.cluster.join import NAMESPACE, join
from serve.cluster.router import Router, WorkerSlot

logger = logging.getLogger(__name__)

DIRECTORY = "streetwatch-directory"


class Directory:
    """The placement as the coordinator last published it, and camera changes made
    through ingress-only processes, waiting for the coordinator."""

    def __init__(self) -> None:
        self.version = 0
        self.owners: dict[str, str] = {}
        self.handles: dict[str, Any] = {}
        self.requests: list[tuple[str, str]] = []

    def publish(self, owners: dict[str, str], handles: dict[str, Any]) -> int:
        if owners != self.owners or handles.keys() != self.handles.keys():
            self.version += 1
            self.owners, self.handles = owners, handles
        return self.version

    def read(self, since: int) -> tuple[int, dict[str, str] | None, dict[str, Any] | None]:
        """The placement if it changed after version ``since``."""
        if since == self.version:
            return self.version, None, None
        return self.version, self.owners, self.handles

    def request(self, kind: str, camera_id: str) -> None:
        self.requests.append((kind, camera_id))

    def take(self) -> list[tuple[str, str]]:
        taken, self.requests = self.requests, []
        return taken


DirectoryActor = ray.remote(Directory)


class IngressCluster(Router):
    """An ingress-only API process's view of the cluster (see the module's text)."""

    def __init__(self, address: str | None, interval_s: float = 1.0) -> None:
        super().__init__()
        self.address = address
        self.interval_s = interval_s
        self.slots: dict[str, WorkerSlot] = {}
        self.version = -1
        self.directory: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self, camera_ids: list[str]) -> None:
        if not ray.is_initialized():
            join(self.address or "auto")
        deadline = time.monotonic() + 120.0
        while self.directory is None:  # the coordinator may still be starting its workers
            try:
                self.directory = ray.get_actor(DIRECTORY, namespace=NAMESPACE)
            except ValueError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        "no streetwatch coordinator on this cluster: start one API process "
                        "with --cluster (without --ingress-only) first"
                    ) from None
                time.sleep(0.5)
        for camera_id in camera_ids:  # cameras from this process's file, if any
            self.add(camera_id)
        self.refresh()
        self._thread = threading.Thread(target=self._watch, name="ingress-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def refresh(self) -> None:
        """Read the placement (if it changed) and every worker's status."""
        try:
            version, owners, handles = ray.get(self.directory.read.remote(self.version), timeout=5)
        except (RayActorError, GetTimeoutError) as e:
            logger.warning("ingress: the coordinator's directory did not answer: %s", e)
            return
        with self._lock:
            if owners is not None and handles is not None:
                slots = {n: self.slots.get(n) or WorkerSlot(n, h) for n, h in handles.items()}
                for name, slot in slots.items():
                    slot.cameras = sorted(c for c, n in owners.items() if n == name)
                self.slots, self.version = slots, version
                self.owners = {c: slots[n] for c, n in owners.items() if n in slots}
            slots_now = list(self.slots.values())
        for slot in slots_now:
            try:
                slot.info = ray.get(slot.handle.status.remote(), timeout=2.0)
                slot.alive, slot.last_ok = True, time.monotonic()
            except (RayActorError, GetTimeoutError):
                slot.alive = False  # the coordinator decides; frames wait for its placement

    def _watch(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.refresh()

    def _lost(self, slot: WorkerSlot, why: str) -> None:
        slot.alive = False
        time.sleep(0.2)
        self.refresh()

    def add(self, camera_id: str) -> None:
        ray.get(self.directory.request.remote("add", camera_id), timeout=10)

    def remove(self, camera_id: str) -> None:
        ray.get(self.directory.request.remote("remove", camera_id), timeout=10)

    def snapshot(self) -> dict[str, Any]:
        return {
            "mode": "ingress",
            "address": self.address,
            "version": self.version,
            "workers": [
                {"name": s.name, "alive": s.alive, "cameras": s.cameras, "pid": s.info.get("pid")}
                for s in self.slots.values()
            ],
            "cameras": len(self.owners),
        }
