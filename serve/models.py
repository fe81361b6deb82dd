"""The model the service runs, swappable while frames flow (a promoted model replaces it)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from detector.batching import InferenceBatcher
from detector.detections import Detections
from detector.image import Image
from detector.model import Detector
from serve.config.settings import Settings


def load_detector(settings: Settings, path: Path | None = None) -> Detector:
    """The model at ``path`` (default: ``settings.model``) as the settings run it."""
    return Detector.load(
        settings.model if path is None else path,
        backend=settings.backend,
        conf=settings.conf,
        iou=settings.iou,
        threads=settings.inference_threads,
        precision=settings.precision,
        fixed_shape=settings.input_shape == "fixed",
    )


def make_batcher(
    settings: Settings, on_batch: Callable[[int], None] | None = None
) -> InferenceBatcher | None:
    """The cross-camera batcher the settings ask for (None: ``batch_frames`` is 1)."""
    if settings.batch_frames <= 1:
        return None
    return InferenceBatcher(
        max_batch=settings.batch_frames,
        max_wait_s=settings.batch_wait_ms / 1000.0,
        on_batch=on_batch,
    )


class ModelHolder:
    """Holds the current detector; readers take a reference per frame, so a swap never
    interrupts a frame in flight and needs no restart. With a ``batcher``, frames that
    several cameras' threads want detected at once run through the model as one batch."""

    def __init__(self, detector: Detector, batcher: InferenceBatcher | None = None) -> None:
        self._detector = detector
        self._lock = threading.Lock()
        self.batcher = batcher

    def detect(self, detector: Detector, image: Image) -> Detections:
        """``detector``'s detections in ``image``, batched with other cameras' frames."""
        if self.batcher is None:
            return detector.detect(image)
        return self.batcher.detect(detector, image)

    def close(self) -> None:
        """Stop the batcher (frames already waiting are served first)."""
        if self.batcher is not None:
            self.batcher.close()

    @property
    def current(self) -> Detector:
        return self._detector

    def swap(self, detector: Detector) -> Detector:
        """Install ``detector``; return the one it replaced."""
        with self._lock:
            old, self._detector = self._detector, detector
        return old
