"""``InferenceBatcher``: frames from many cameras' threads run through the model together.

Each camera's frame loop asks for detections in one frame and waits for them. When the
model is free, the batcher runs whatever frames wait at that moment as one call
(``Detector.detect_batch``, up to ``max_batch`` frames, one call per model and frame shape),
so cameras that wait anyway share a batch, and a lone camera pays no extra latency
(``max_wait_s`` = 0: a batch never waits for frames that have not arrived yet).

A frame's detections never depend on the others in its batch (``detect_batch`` runs each
input shape as its own batch, and the rows of a batch are independent). When a batch
fails, each of its frames runs again alone, so a frame the model cannot take fails only
its own caller. Waiting frames are bounded (``max_pending``): beyond that a caller blocks
until there is room, which slows the cameras instead of growing memory.

>>> batcher = InferenceBatcher(max_batch=4)  # doctest: +SKIP
>>> batcher.detect(detector, frame)  # from any thread  # doctest: +SKIP
Detections(...)
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from detector.detections import Detections
from detector.image import Image
from detector.model import Detector

logger = logging.getLogger(__name__)

# a frame not served in this long means the worker is stuck: the caller runs it alone
_STUCK_S = 60.0


@dataclass
class _Request:
    detector: Detector
    image: Image
    future: Future[Detections] = field(default_factory=Future)


@dataclass
class BatchStats:
    """What the batcher has run: calls to the model and frames served."""

    batches: int = 0
    frames: int = 0
    largest: int = 0
    retried: int = 0  # frames run alone after their batch failed


class InferenceBatcher:
    """Runs ``detect`` calls from any number of threads as batches on one worker thread."""

    def __init__(
        self,
        *,
        max_batch: int = 8,
        max_wait_s: float = 0.0,
        max_pending: int = 256,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        if not 0.0 <= max_wait_s <= 1.0:
            raise ValueError(f"max_wait_s must be in [0, 1] seconds, got {max_wait_s}")
        if max_pending < max_batch:
            raise ValueError(
                f"max_pending ({max_pending}) must be at least max_batch ({max_batch})"
            )
        self.max_batch = max_batch
        self.max_wait_s = max_wait_s
        self.max_pending = max_pending
        self.stats = BatchStats()
        self._on_batch = on_batch
        self._pending: list[_Request] = []
        self._cond = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None

    def detect(self, detector: Detector, image: Image) -> Detections:
        """Detections in ``image`` (a decoded BGR frame) by ``detector``; blocks until done."""
        request = _Request(detector, image)
        with self._cond:
            while not self._closed and len(self._pending) >= self.max_pending:
                self._cond.wait()
            if self._closed:
                return detector.detect(image)  # shutting down: no worker to wait for
            self._pending.append(request)
            self._start_worker()
            self._cond.notify_all()
        try:
            return request.future.result(timeout=_STUCK_S)
        except TimeoutError:
            if request.future.cancel():
                return detector.detect(image)
            return request.future.result()

    def close(self, timeout: float = 5.0) -> None:
        """Finish the frames already waiting, then stop the worker; later calls run alone."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _start_worker(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._work, name="inference-batcher", daemon=True
            )
            self._thread.start()

    def _work(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            self._run(batch)

    def _next_batch(self) -> list[_Request] | None:
        """The frames waiting now for one model (at most ``max_batch``); None: closed, idle."""
        with self._cond:
            while not self._pending:
                if self._closed:
                    return None
                self._cond.wait()
            if self.max_wait_s > 0 and len(self._pending) < self.max_batch and not self._closed:
                deadline = time.monotonic() + self.max_wait_s
                while len(self._pending) < self.max_batch and not self._closed:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
            model = self._pending[0].detector
            batch = [r for r in self._pending if r.detector is model][: self.max_batch]
            taken = {id(r) for r in batch}
            self._pending = [r for r in self._pending if id(r) not in taken]
            self._cond.notify_all()  # room for blocked callers
        return [r for r in batch if r.future.set_running_or_notify_cancel()]

    def _run(self, batch: list[_Request]) -> None:
        if not batch:
            return
        detector = batch[0].detector
        try:
            found = detector.detect_batch([r.image for r in batch])
        except Exception:  # each frame again alone: only its own caller fails
            found = None
        if found is not None and len(found) == len(batch):
            for request, detections in zip(batch, found, strict=True):
                request.future.set_result(detections)
        else:
            for request in batch:
                self.stats.retried += 1
                try:
                    request.future.set_result(detector.detect(request.image))
                except Exception as exc:  # handed to the frame's own caller
                    request.future.set_exception(exc)
        self.stats.batches += 1
        self.stats.frames += len(batch)
        self.stats.largest = max(self.stats.largest, len(batch))
        if self._on_batch is not None:
            try:
                self._on_batch(len(batch))
            except Exception:  # a metrics hook never stops inference
                logger.exception("batch callback failed")
