"""One camera worker: the single-process service's pipelines, for the cameras it is given.

A worker opens the shared database and evidence store, loads the model (or takes one from
``detector_factory``) and runs, through the same ``CameraService`` the single-process
service uses, exactly the cameras the cluster assigns it (``own``): a pull camera's stream
is read here, a push camera's frames arrive from the ingress (``push``). A camera it is
given resumes from the store: its open cases, its pending clocks (``camera_checkpoints``),
its learnt scene (the shared data directory). Plain Python: ``serve/cluster/ray_cluster.py``
makes it a Ray actor, and tests can drive it directly.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
from collections.abc import Callable, Sequence
from typing import Any

from detector.model import Detector
from serve.cameras.build import camera_service_args
from serve.cameras.service import CameraService, UnknownCameraError
from serve.config.settings import Settings
from serve.heap import freeze_startup
from serve.metrics import Metrics
from serve.model_watch import start_model_watch
from serve.models import load_detector
from serve.pipeline.glimpse import Glimpse
from serve.pipeline.push import PushRefusedError, push_frame
from serve.store.database import open_database

logger = logging.getLogger(__name__)

# (status, JSON body, headers): how a worker answers a forwarded frame
PushAnswer = tuple[int, dict[str, Any], dict[str, str]]


class CameraWorker:
    def __init__(
        self,
        settings: Settings,
        name: str,
        detector_factory: Callable[[], Detector] | None = None,
        node_id: str | None = None,
    ) -> None:
        logging.basicConfig(
            level=logging.INFO,
            format=f"%(asctime)s %(levelname)s [{name}] %(name)s: %(message)s",
        )
        self.name = name
        self.node_id = node_id
        self.started = dt.datetime.now(dt.UTC)
        detector = detector_factory() if detector_factory is not None else load_detector(settings)
        self.db = open_database(settings.database)
        self.metrics = Metrics()
        self.service = CameraService(
            **camera_service_args(settings, self.db, detector, self.metrics)
        )
        # every worker follows the model pointer on the shared path: a promotion swaps the
        # model cluster-wide within model_poll_s, and each case records the model it saw
        self.watcher = (
            start_model_watch(settings, self.service.models) if detector_factory is None else None
        )
        if settings.gc_freeze:  # what lives as long as the worker: out of full collections
            freeze_startup()
        logger.info("worker %s up (pid %d, model %s)", name, os.getpid(), detector.info.version)

    def ping(self) -> dict[str, Any]:
        """Who and where this worker is, and what it runs."""
        info = self.service.models.current.info
        return {
            "name": self.name,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "node_id": self.node_id,
            "started": self.started.isoformat(),
            "model": f"{info.name} {info.version}",
            "cameras": self.service.running(),
        }

    def own(self, camera_ids: Sequence[str]) -> list[str]:
        """Run exactly these cameras: start those new to this worker (each resumes from the
        store), stop those it no longer owns (each saves its checkpoint as it stops)."""
        return self.service.run_only(camera_ids)

    def reload(self, camera_id: str) -> None:
        """Restart one camera with its stored settings (it was changed over the API)."""
        self.service.restart(camera_id)

    def push(
        self, camera_id: str, data: bytes, timestamp: str | None, received: float
    ) -> PushAnswer:
        """Process a frame the ingress forwarded; ``received``: when it arrived there (epoch
        s), the time of a frame sent without one. 503 when the camera is not (yet) ours."""
        try:
            camera = self.service.get(camera_id)
            pipeline = self.service.pipeline(camera_id)
        except UnknownCameraError:
            detail = f"camera {camera_id!r} is not running on worker {self.name} (moving)"
            return 503, {"detail": detail}, {"Retry-After": "1"}
        now = dt.datetime.fromtimestamp(received, dt.UTC)
        try:
            public = push_frame(camera, pipeline, data, timestamp, now, self.metrics)
        except PushRefusedError as e:
            return e.status, {"detail": e.detail}, e.headers
        return 200, public.model_dump(mode="json"), {}

    def status(self) -> dict[str, Any]:
        """Every camera's health snapshot and latest-frame glimpse (its age measured here,
        so another host's clock does not matter): what ``GET /v1/cluster`` and the pages
        show, fetched in one call."""
        cameras: dict[str, Any] = {}
        for camera_id in self.service.running():
            try:
                health = self.service.health(camera_id).snapshot()
                glimpse = self.service.pipeline(camera_id).latest.glimpse()
            except UnknownCameraError:
                continue
            age = None if glimpse is None else glimpse.age_s
            cameras[camera_id] = {"health": health, "glimpse": glimpse, "glimpse_age_s": age}
        return {**self.ping(), "status": cameras}

    def latest_jpeg(self, camera_id: str) -> tuple[Glimpse, bytes, float] | None:
        """The latest frame as JPEG with its glimpse and its age in seconds (measured here:
        ``Glimpse.received`` is this host's monotonic clock)."""
        try:
            found = self.service.pipeline(camera_id).latest.jpeg()
        except UnknownCameraError:
            return None
        if found is None:
            return None
        glimpse, jpeg = found
        return glimpse, jpeg, glimpse.age_s

    def accept_scene(self, camera_id: str, zone_id: str | None) -> None:
        self.service.accept_scene(camera_id, zone_id)

    def suppressions_changed(self, camera_id: str) -> None:
        self.service.suppressions_changed(camera_id)

    def forget_dispatched(self, camera_id: str) -> None:
        with contextlib.suppress(UnknownCameraError):
            self.service.pipeline(camera_id).forget_dispatched()

    def stop(self) -> None:
        """Stop every camera (each saves its checkpoint and scene) and let go of the store."""
        if self.watcher is not None:
            self.watcher.stop()
        self.service.stop()
        self.service.models.close()
        self.db.dispose()
        logger.info("worker %s stopped", self.name)
