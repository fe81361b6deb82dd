"""The model the service runs, swappable while frames flow (a promoted model replaces it)."""

from __future__ import annotations

import threading

from detector.model import Detector


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
