"""The running cameras: configuration in the store, a pipeline and a stream per camera."""

from __future__ import annotations

import builtins
import datetime as dt
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from detector.taxonomy import Taxonomy
from serve.config.cameras import Camera
from serve.evidence.files import EvidenceFiles
from serve.metrics import Metrics
from serve.models import ModelHolder
from serve.pipeline import CameraPipeline
from serve.pipeline.glimpse import LatestFrame
from serve.pipeline.text_worker import TextWorker
from serve.store.cameras import CameraRepo
from serve.store.cases import CaseRepo
from serve.store.checkpoints import CheckpointRepo
from serve.store.records import CameraOrigin
from serve.store.suppressions import SuppressionRepo
from serve.streams.health import StreamHealth
from serve.streams.manager import StreamManager

logger = logging.getLogger(__name__)


class CameraExistsError(ValueError):
    """A camera with that id is already configured (HTTP 409)."""


class UnknownCameraError(KeyError):
    """No camera with that id (HTTP 404)."""

    def __str__(self) -> str:
        return f"no camera with id {self.args[0]!r}"


class CameraService:
    """Adds, replaces and removes cameras while the service runs; one bad camera never
    stops the others (each has its own worker and its own pipeline lock)."""

    # true where the cameras run in other processes (serve/cluster/cameras.py)
    remote = False

    def __init__(
        self,
        *,
        models: ModelHolder,
        taxonomy: Taxonomy,
        cameras: CameraRepo,
        cases: CaseRepo,
        evidence: EvidenceFiles,
        metrics: Metrics,
        streams: StreamManager | None = None,
        suppressions: SuppressionRepo | None = None,
        reinspect_checks: int = 3,
        reinspect_interval_s: float = 60.0,
        max_clock_ahead_s: float = 300.0,
        push_limit: tuple[float, float] | None = None,
        scene_dir: Path | None = None,
        text_worker: TextWorker | None = None,
        checkpoints: CheckpointRepo | None = None,
        checkpoint_interval_s: float = 10.0,
    ) -> None:
        self.checkpoints = checkpoints
        self.checkpoint_interval_s = checkpoint_interval_s
        self.scene_dir = scene_dir
        self.text_worker = text_worker
        self.reinspect_checks = reinspect_checks
        self.reinspect_interval_s = reinspect_interval_s
        self.max_clock_ahead_s = max_clock_ahead_s
        self.push_limit = push_limit
        self.models = models
        self.taxonomy = taxonomy
        self.camera_repo = cameras
        self.cases = cases
        self.evidence = evidence
        self.metrics = metrics
        self.streams = streams if streams is not None else StreamManager()
        self.suppressions = suppressions
        self._pipelines: dict[str, CameraPipeline] = {}
        self._lock = threading.RLock()

    def start(self, configured: Sequence[Camera], origin: CameraOrigin = "file") -> None:
        """Store the cameras from the config file (they win over stored ones), seal any
        password stored in clear or with an old key, then run all."""
        self.camera_repo.reseal()
        for camera in configured:
            self.camera_repo.upsert(camera, origin)
        for record in self.camera_repo.list():
            self._run(record.camera)

    def stop(self) -> None:
        self.streams.stop_all()
        if self.text_worker is not None:
            self.text_worker.stop()
        with self._lock:
            for pipeline in self._pipelines.values():
                pipeline.close()
            self._pipelines.clear()

    # -- queries ---------------------------------------------------------------------------

    def list(self) -> list[Camera]:
        return [r.camera for r in self.camera_repo.list()]

    def get(self, camera_id: str) -> Camera:
        record = self.camera_repo.get(camera_id)
        if record is None:
            raise UnknownCameraError(camera_id)
        return record.camera

    def pipeline(self, camera_id: str) -> CameraPipeline:
        with self._lock:
            pipeline = self._pipelines.get(camera_id)
        if pipeline is None:
            raise UnknownCameraError(camera_id)
        return pipeline

    def health(self, camera_id: str) -> StreamHealth:
        health = self.streams.health(camera_id)
        if health is None:
            self.get(camera_id)  # 404 for an unknown camera
            raise UnknownCameraError(camera_id)
        return health

    def suppressions_changed(self, camera_id: str) -> None:
        with self._lock:
            pipeline = self._pipelines.get(camera_id)
        if pipeline is not None:
            pipeline.forget_suppressions()

    def accept_scene(self, camera_id: str, zone_id: str | None) -> None:
        """Take the camera's current scene as its empty street (one zone, or all)."""
        self.pipeline(camera_id).accept_scene(zone_id)

    async def push_remote(
        self, camera_id: str, data: bytes, timestamp: str | None, received: float
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Where ``remote``: have the camera's worker run a pushed frame (status, body,
        headers). Here the cameras run in this process: push to ``pipeline(id)``."""
        raise NotImplementedError("cameras run in this process; push to their pipelines")

    def running(self) -> builtins.list[str]:
        """The cameras with a pipeline in this process."""
        with self._lock:
            return sorted(self._pipelines)

    # -- changes ---------------------------------------------------------------------------

    def run_only(self, camera_ids: Sequence[str]) -> builtins.list[str]:
        """Run exactly these stored cameras in this process (a cluster worker's share):
        stop the others, start the missing; an id not stored is skipped. Returns the running."""
        wanted = set(camera_ids)
        with self._lock:
            for camera_id in sorted(set(self._pipelines) - wanted):
                self._stop(camera_id)
            missing = sorted(wanted - set(self._pipelines))
        for camera_id in missing:
            record = self.camera_repo.get(camera_id)
            if record is None:
                logger.warning("camera %s: not stored, not started", camera_id)
                continue
            with self._lock:
                if camera_id not in self._pipelines:
                    self._run(record.camera)
        return self.running()

    def restart(self, camera_id: str) -> None:
        """Start a running camera again with its stored settings (changed elsewhere)."""
        camera = self.get(camera_id)
        with self._lock:
            old = self._pipelines.get(camera_id)
            if old is None:
                return
            self._stop(camera_id)
            self._run(camera, old.latest)

    def create(self, camera: Camera) -> Camera:
        with self._lock:
            if self.camera_repo.get(camera.id) is not None:
                raise CameraExistsError(f"camera {camera.id!r} already exists; PUT it to change it")
            self.camera_repo.upsert(camera, "api")
            self._run(camera)
        return camera

    def replace(self, camera: Camera) -> Camera:
        with self._lock:
            self.get(camera.id)
            self.camera_repo.upsert(camera, "api")
            old = self._pipelines.get(camera.id)
            self._stop(camera.id)
            self._run(camera, old.latest if old is not None else None)
        return camera

    def delete(self, camera_id: str) -> None:
        with self._lock:
            self.get(camera_id)
            self._stop(camera_id)
            self.camera_repo.delete(camera_id)
            if self.checkpoints is not None:  # a camera made later under this id starts clean
                self.checkpoints.delete(camera_id)

    def _stop(self, camera_id: str) -> None:
        self.streams.remove(camera_id)
        pipeline = self._pipelines.pop(camera_id, None)
        if pipeline is not None:
            pipeline.close()

    def _run(self, camera: Camera, latest: LatestFrame | None = None) -> None:
        """Start the camera's pipeline (and stream); ``latest``: the frame it showed before
        a change of its settings, kept on the pages until the next one."""
        pipeline = CameraPipeline(
            camera,
            models=self.models,
            taxonomy=self.taxonomy,
            cases=self.cases,
            evidence=self.evidence,
            metrics=self.metrics,
            health=StreamHealth(camera.id, camera.source.kind),
            suppressions=self.suppressions,
            reinspect_checks=self.reinspect_checks,
            reinspect_interval_s=self.reinspect_interval_s,
            max_clock_ahead_s=self.max_clock_ahead_s,
            push_limit=self.push_limit,
            scene_dir=self.scene_dir,
            text_worker=self.text_worker,
            checkpoints=self.checkpoints,
            checkpoint_interval_s=self.checkpoint_interval_s,
        )
        if latest is not None:
            pipeline.latest = latest
        restored = pipeline.restore(dt.datetime.now(dt.UTC))
        with self._lock:
            self._pipelines[camera.id] = pipeline
            if camera.enabled:
                # the stream's frames go on to the pipeline (serve/pipeline/frame_loop.py)
                pipeline.health = self.streams.start(camera, pipeline.process_pulled)
        logger.info(
            "camera %s (%s): running, %d open cases restored",
            camera.id,
            camera.source.kind,
            restored,
        )
