"""The ingress's cameras on a cluster: configuration here, pipelines on the workers.

``ClusterCameras`` is the single-process ``CameraService`` for the API's routes (cameras
are stored, listed, changed and removed the same way), except that no camera runs in this
process: adding one places it on a worker, changing one restarts it where it runs, and
what the routes ask of a running camera (its health, latest frame, a pushed frame, an
accepted scene) goes to its worker. Health and latest-frame glimpses come from the
monitor's last status of each worker (one call a worker a second, not one a camera a
request).
"""

from __future__ import annotations

import builtins
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from serve.cameras.service import CameraService, UnknownCameraError
from serve.cluster.directory import IngressCluster
from serve.cluster.ray_cluster import RayCluster
from serve.cluster.worker import PushAnswer
from serve.config.cameras import Camera
from serve.pipeline.glimpse import Glimpse
from serve.pipeline.glimpse import LatestFrame as _LocalLatest
from serve.store.records import CameraOrigin
from serve.streams.health import StreamHealth

logger = logging.getLogger(__name__)


class RemoteHealth:
    def __init__(self, snapshot: dict[str, Any]) -> None:
        self._snapshot = snapshot

    def snapshot(self) -> dict[str, Any]:
        return self._snapshot


class RemoteLatest:
    """A running camera's latest frame, on its worker."""

    def __init__(self, cluster: RayCluster | IngressCluster, camera_id: str) -> None:
        self.cluster = cluster
        self.camera_id = camera_id

    def glimpse(self) -> Glimpse | None:
        status = _status(self.cluster, self.camera_id)
        if status is None or status["glimpse"] is None:
            return None
        return _here(status["glimpse"], status["glimpse_age_s"])

    def jpeg(self) -> tuple[Glimpse, bytes] | None:
        try:
            found = self.cluster.call(self.camera_id, "latest_jpeg", self.camera_id)
        except KeyError:
            return None
        if found is None:
            return None
        glimpse, data, age = found
        return _here(glimpse, age), data


def _status(cluster: RayCluster | IngressCluster, camera_id: str) -> dict[str, Any] | None:
    """A running camera's health and glimpse from its worker's last status (None: not
    placed, or not reported yet)."""
    slot = cluster.owner(camera_id)
    if slot is None:
        return None
    found: dict[str, Any] | None = slot.info.get("status", {}).get(camera_id)
    return found


def _here(glimpse: Glimpse, age_s: float) -> Glimpse:
    """A worker's glimpse on this process's monotonic clock."""
    return replace(glimpse, received=time.monotonic() - age_s)


class RemotePipeline:
    """What the routes use of a running camera's pipeline, when it runs on a worker."""

    def __init__(self, cluster: RayCluster | IngressCluster, camera_id: str) -> None:
        self.cluster = cluster
        self.camera_id = camera_id
        self.latest = RemoteLatest(cluster, camera_id)

    def forget_dispatched(self) -> None:
        with contextlib.suppress(KeyError):
            self.cluster.call(self.camera_id, "forget_dispatched", self.camera_id)


class ClusterCameras(CameraService):
    remote = True

    def __init__(self, cluster: RayCluster | IngressCluster, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cluster = cluster

    def start(self, configured: Sequence[Camera], origin: CameraOrigin = "file") -> None:
        self.camera_repo.reseal()
        for camera in configured:
            self.camera_repo.upsert(camera, origin)
        self.cluster.start([r.camera.id for r in self.camera_repo.list()])

    def stop(self) -> None:
        self.cluster.stop()

    def running(self) -> builtins.list[str]:
        return sorted(self.cluster.owners)

    def pipeline(self, camera_id: str) -> RemotePipeline:  # type: ignore[override]
        if self.cluster.owner(camera_id) is None:
            raise UnknownCameraError(camera_id)
        return RemotePipeline(self.cluster, camera_id)

    def health(self, camera_id: str) -> RemoteHealth:  # type: ignore[override]
        status = _status(self.cluster, camera_id)
        if status is None:
            camera = self.get(camera_id)  # 404 for an unknown camera
            # placed but not reported yet (or moving): the shape of a camera not yet seen
            return RemoteHealth(StreamHealth(camera.id, camera.source.kind).snapshot())
        return RemoteHealth(status["health"])

    def suppressions_changed(self, camera_id: str) -> None:
        with contextlib.suppress(KeyError):
            self.cluster.call(camera_id, "suppressions_changed", camera_id)

    def accept_scene(self, camera_id: str, zone_id: str | None) -> None:
        try:
            self.cluster.call(camera_id, "accept_scene", camera_id, zone_id)
        except KeyError as e:
            raise UnknownCameraError(camera_id) from e

    async def push_remote(
        self, camera_id: str, data: bytes, timestamp: str | None, received: float
    ) -> PushAnswer:
        return await self.cluster.push(camera_id, data, timestamp, received)

    def replace(self, camera: Camera) -> Camera:
        with self._lock:
            self.get(camera.id)
            self.camera_repo.upsert(camera, "api")
        try:
            self.cluster.call(camera.id, "reload", camera.id)
        except KeyError:
            self.cluster.add(camera.id)
        return camera

    def _run(self, camera: Camera, latest: _LocalLatest | None = None) -> None:
        self.cluster.add(camera.id)

    def _stop(self, camera_id: str) -> None:
        self.cluster.remove(camera_id)
