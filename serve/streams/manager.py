"""The running cameras: one worker per pulled camera, one health record per camera."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from serve.config.cameras import Camera, PushSource
from serve.streams.health import StreamHealth
from serve.streams.worker import OnFrame, StreamWorker

logger = logging.getLogger(__name__)


class StreamManager:
    """Starts, replaces and stops stream workers by camera id; safe to use from any thread.

    The back-off and timeout options are given to every ``StreamWorker``. Push cameras and
    disabled cameras get a health record but no worker.
    """

    def __init__(
        self,
        *,
        backoff_initial_s: float = 0.5,
        backoff_max_s: float = 30.0,
        open_timeout_s: float = 10.0,
        read_timeout_s: float = 5.0,
        stop_timeout_s: float = 5.0,
    ) -> None:
        self._backoff = (backoff_initial_s, backoff_max_s)
        self._timeouts = (open_timeout_s, read_timeout_s)
        self._stop_timeout_s = stop_timeout_s
        # _changes serialises start/replace/remove (which may wait for a worker to stop);
        # _lock guards the maps only briefly, so health look-ups never wait on a camera
        self._changes = threading.Lock()
        self._lock = threading.Lock()
        self._health: dict[str, StreamHealth] = {}
        self._workers: dict[str, StreamWorker] = {}

    def start(self, camera: Camera, on_frame: OnFrame) -> StreamHealth:
        """Start pulling ``camera`` (if it has a pull source); raise if it is already running."""
        with self._changes:
            return self._start(camera, on_frame)

    def replace(self, camera: Camera, on_frame: OnFrame) -> StreamHealth:
        """Stop the camera's current worker (if any), then start it with the new config."""
        with self._changes:
            self._stop_one(camera.id)
            return self._start(camera, on_frame)

    def remove(self, camera_id: str) -> None:
        """Stop and forget a camera; ``KeyError`` if it is not running."""
        with self._changes:
            if camera_id not in self._health:
                raise KeyError(f"no running camera {camera_id!r}")
            self._stop_one(camera_id)

    def health(self, camera_id: str) -> StreamHealth | None:
        with self._lock:
            return self._health.get(camera_id)

    def snapshot(self) -> list[dict[str, Any]]:
        """Every camera's ``StreamHealth.snapshot()``, ordered by camera id."""
        with self._lock:
            healths = sorted(self._health.items())
        return [h.snapshot() for _, h in healths]

    def stop_all(self) -> None:
        """Stop every worker (all asked at once, then awaited together) and forget them."""
        with self._changes:
            with self._lock:
                workers = list(self._workers.values())
                self._workers.clear()
                self._health.clear()
            for worker in workers:
                worker.request_stop()
            deadline = time.monotonic() + self._stop_timeout_s
            for worker in workers:
                worker.join(max(0.0, deadline - time.monotonic()))

    def _start(self, camera: Camera, on_frame: OnFrame) -> StreamHealth:
        with self._lock:
            if camera.id in self._health:
                raise ValueError(f"camera {camera.id!r} is already running; use replace()")
        health = StreamHealth(camera.id, camera.source.kind)
        worker: StreamWorker | None = None
        if camera.enabled and not isinstance(camera.source, PushSource):
            worker = StreamWorker(
                camera,
                on_frame,
                health,
                backoff_initial_s=self._backoff[0],
                backoff_max_s=self._backoff[1],
                open_timeout_s=self._timeouts[0],
                read_timeout_s=self._timeouts[1],
            )
        with self._lock:
            self._health[camera.id] = health
            if worker is not None:
                self._workers[camera.id] = worker
        if worker is not None:
            worker.start()
        logger.info(
            "camera %s: %s source %s",
            camera.id,
            camera.source.kind,
            "started" if worker else "registered (no worker)",
        )
        return health

    def _stop_one(self, camera_id: str) -> None:
        with self._lock:
            worker = self._workers.pop(camera_id, None)
            self._health.pop(camera_id, None)
        if worker is not None:
            worker.stop(self._stop_timeout_s)
