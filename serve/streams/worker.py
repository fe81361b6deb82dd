"""One pulled camera: a reader thread drains its source, a sampler thread feeds the pipeline."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import cv2

from detector.image import Image
from serve.config.cameras import Camera, FileSource, PushSource
from serve.streams.capture import redact
from serve.streams.errors import SourceError
from serve.streams.health import StreamHealth
from serve.streams.sources import FrameSource, PullSource, open_source

logger = logging.getLogger(__name__)

# Where a sampled frame goes next, with the UTC time it was read; its return value is
# ignored. In the service it is the camera's CameraPipeline.process_pulled
# (serve/pipeline/frame_loop.py), which records frame_processed (and whether it inferred)
# in the camera's StreamHealth itself, as it does for pushed frames. The worker records the
# source side: frames in, frames dropped, connection state, errors and reconnects.
OnFrame = Callable[[Image, datetime], object]

# what a source raises when the camera, network or file misbehaves: reconnect and retry
_SOURCE_FAILURES = (SourceError, cv2.error, OSError, ValueError)


def describe(source: PullSource) -> str:
    """``rtsp rtsp://cam/live`` or ``file clips/a.mp4``: how messages name a source."""
    where = str(source.path) if isinstance(source, FileSource) else redact(source.url)
    return f"{source.kind} {where}"


class StreamWorker:
    """Pulls one camera's frames and calls ``on_frame`` at the camera's ``sample_fps``.

    The reader keeps only the newest frame (older unprocessed ones are counted as dropped), so
    a slow pipeline never backs up a live stream. A failed or ended source is reopened with
    exponential back-off and jitter. ``stop()`` ends both threads; a thread blocked in a
    network read finishes within that read's timeout.
    """

    def __init__(
        self,
        camera: Camera,
        on_frame: OnFrame,
        health: StreamHealth,
        *,
        backoff_initial_s: float = 0.5,
        backoff_max_s: float = 30.0,
        open_timeout_s: float = 10.0,
        read_timeout_s: float = 5.0,
    ) -> None:
        if isinstance(camera.source, PushSource):
            raise ValueError(f"camera {camera.id!r} is a push camera: it has no source to pull")
        if not 0 < backoff_initial_s <= backoff_max_s:
            raise ValueError(
                "expected 0 < backoff_initial_s <= backoff_max_s, "
                f"got {backoff_initial_s} and {backoff_max_s}"
            )
        self.camera = camera
        self._source_config: PullSource = camera.source
        self._on_frame = on_frame
        self._health = health
        self._backoff = (backoff_initial_s, backoff_max_s)
        self._timeouts = (open_timeout_s, read_timeout_s)
        self._stop = threading.Event()
        self._latest_cond = threading.Condition()
        self._latest: tuple[Image, datetime] | None = None
        self._source_lock = threading.Lock()
        self._source: FrameSource | None = None
        self._failures = 0
        self._threads: list[threading.Thread] = []

    @property
    def health(self) -> StreamHealth:
        return self._health

    @property
    def running(self) -> bool:
        return not self._stop.is_set() and any(t.is_alive() for t in self._threads)

    def start(self) -> None:
        if self._threads:
            raise RuntimeError(f"worker for camera {self.camera.id!r} was already started")
        for role, target in (("reader", self._read_loop), ("sampler", self._sample_loop)):
            # daemon: a read stuck in native code must not keep the process alive at exit
            thread = threading.Thread(
                target=target, name=f"stream-{self.camera.id}-{role}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def request_stop(self) -> None:
        """Ask both threads to end, without waiting for them (see ``join``)."""
        self._stop.set()
        with self._source_lock:
            if self._source is not None:
                self._source.close()
        with self._latest_cond:
            self._latest_cond.notify_all()

    def join(self, timeout: float = 5.0) -> bool:
        """Wait up to ``timeout`` seconds in all for the threads; True when none is left."""
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        alive = [t.name for t in self._threads if t.is_alive()]
        if alive:
            logger.warning(
                "camera %s: %s still running %.1fs after stop (blocked in a read that ends "
                "within %gs)",
                self.camera.id,
                alive,
                timeout,
                max(self._timeouts),
            )
        return not alive

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop the worker; True when both threads ended within ``timeout`` seconds."""
        self.request_stop()
        self._health.connected(False)
        return self.join(timeout)

    # reader thread

    def _read_loop(self) -> None:
        try:
            self._reconnect_loop()
        except BaseException as e:
            # a bug, not a camera fault: make it visible in health, then let it surface
            self._health.error(f"reader stopped by an internal error: {e!r}")
            raise
        finally:
            self._health.connected(False)

    def _reconnect_loop(self) -> None:
        was_connected = False
        while not self._stop.is_set():
            try:
                source = self._open()
            except _SOURCE_FAILURES as e:
                self._lost(str(e))
                continue
            if source is None:
                return
            if was_connected:
                self._health.reconnect()
            was_connected = True
            self._health.connected(True)
            logger.info("camera %s: %s open", self.camera.id, describe(self._source_config))
            try:
                ended = self._drain(source)
            except _SOURCE_FAILURES as e:
                ended = str(e)
            finally:
                with self._source_lock:
                    self._source = None
                source.close()
            if ended is not None and not self._stop.is_set():
                self._lost(ended)

    def _open(self) -> FrameSource | None:
        """Open the source; None when a stop arrived meanwhile (the source is then closed)."""
        open_timeout_s, read_timeout_s = self._timeouts
        source = open_source(
            self._source_config,
            sample_fps=self.camera.sample_fps,
            open_timeout_s=open_timeout_s,
            read_timeout_s=read_timeout_s,
        )
        with self._source_lock:
            if self._stop.is_set():
                source.close()
                return None
            self._source = source
        return source

    def _drain(self, source: FrameSource) -> str | None:
        """Read frames until the source ends or fails (returns why) or a stop (None)."""
        while not self._stop.is_set():
            frame = source.read()
            if frame is None:
                return None if self._stop.is_set() else f"{describe(self._source_config)}: ended"
            at = datetime.now(UTC)
            self._failures = 0
            self._health.frame_in(at)
            with self._latest_cond:
                if self._latest is not None:
                    self._health.frame_dropped()
                self._latest = (frame, at)
                self._latest_cond.notify()
        return None

    def _lost(self, message: str) -> None:
        """Record a failure and wait out the back-off before the next open."""
        self._health.connected(False)
        self._health.error(message)
        self._failures += 1
        initial, most = self._backoff
        delay = min(most, initial * 2 ** (self._failures - 1)) * random.uniform(0.5, 1.0)
        logger.warning("camera %s: %s; retrying in %.1fs", self.camera.id, message, delay)
        self._stop.wait(delay)

    # sampler thread

    def _sample_loop(self) -> None:
        interval = 1.0 / self.camera.sample_fps
        due = time.monotonic()
        while not self._stop.is_set():
            delay = due - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                return
            with self._latest_cond:
                self._latest_cond.wait_for(lambda: self._latest is not None or self._stop.is_set())
                if self._latest is None:
                    return
                frame, at = self._latest
                self._latest = None
            taken = time.monotonic()
            # on time: keep the grid (no drift); late (waiting for a frame): restart it
            due = due + interval if taken - due < interval else taken + interval
            self._process(frame, at)

    def _process(self, frame: Image, at: datetime) -> None:
        try:
            self._on_frame(frame, at)
        except Exception as e:  # the pipeline failing on one frame must not end the stream
            logger.exception("camera %s: processing a frame failed", self.camera.id)
            self._health.error(f"processing failed: {e!r}")
