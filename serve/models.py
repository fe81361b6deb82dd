"""The model the service runs, swappable while frames flow (a promoted model replaces it)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from detector.batching import InferenceBatcher
from detector.detections import Detections
from detector.image import Image
from detector.model import Detector, resolve_model_path
from detector.runtime_choice import RuntimeChoice, choose_runtime
from serve.config.settings import Settings

logger = logging.getLogger(__name__)


def runtime_for(settings: Settings, path: Path) -> RuntimeChoice:
    """The runtime the settings name, or with ``backend: auto`` and no ``precision`` the
    measured choice for the model (``detector/runtime_choice.py``)."""
    fixed = settings.input_shape == "fixed"
    if settings.backend != "auto" or settings.precision is not None or fixed:
        return RuntimeChoice(settings.backend, settings.precision, fixed, "set in the settings")
    return choose_runtime(resolve_model_path(path))


def load_detector(settings: Settings, path: Path | None = None) -> Detector:
    """The model at ``path`` (default: ``settings.model``) as the settings run it."""
    path = settings.model if path is None else path
    choice = runtime_for(settings, path)
    detector = Detector.load(
        path,
        backend=choice.backend,
        conf=settings.conf,
        iou=settings.iou,
        threads=settings.inference_threads,
        precision=choice.precision,
        fixed_shape=choice.fixed_shape,
    )
    logger.info(
        "model %s %s runs on %s (%s)",
        detector.info.name,
        detector.info.version,
        detector.backend.runtime,
        choice.reason,
    )
    return detector


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
