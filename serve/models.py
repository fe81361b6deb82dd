"""The model the service runs, swappable while frames flow (a promoted model replaces it)."""

from __future__ import annotations

import threading
from pathlib import Path

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
    )


class ModelHolder:
    """Holds the current detector; readers take a reference per frame, so a swap never
    interrupts a frame in flight and needs no restart."""

    def __init__(self, detector: Detector) -> None:
        self._detector = detector
        self._lock = threading.Lock()

    @property
    def current(self) -> Detector:
        return self._detector

    def swap(self, detector: Detector) -> Detector:
        """Install ``detector``; return the one it replaced."""
        with self._lock:
            old, self._detector = self._detector, detector
        return old
