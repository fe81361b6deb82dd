"""Reviewers' suppressions: a class rejected at a place is not offered again for a while."""

from __future__ import annotations

import datetime as dt
import time

from detector.geometry import Box, box_iou
from serve.store.records import SuppressionRecord
from serve.store.suppressions import SuppressionRepo

# how stale the cached suppressions may get (they also refresh when one changes)
SUPPRESSION_REFRESH_S = 30.0


class SuppressionFilter:
    """Holds back the candidates a recent suppression covers, reading the store rarely."""

    def __init__(self, camera_id: str, repo: SuppressionRepo | None) -> None:
        self.camera_id = camera_id
        self.repo = repo
        self._held_back: set[int] = set()  # candidate keys a suppression holds back
        self._cache: tuple[float, list[SuppressionRecord]] = (-1e18, [])

    def holds_back(self, key: int, label: str, box: Box, at: dt.datetime) -> bool:
        """Whether candidate ``key`` is held back (once held, until it ends)."""
        if key in self._held_back or self.covers(label, box, at):
            self._held_back.add(key)
            return True
        return False

    def release(self, key: int) -> None:
        self._held_back.discard(key)

    def covers(self, label: str, box: Box, at: dt.datetime) -> bool:
        """A reviewer rejected this class at this place as a false positive, not long ago."""
        if self.repo is None:
            return False
        fetched, active = self._cache
        now = time.monotonic()
        if now - fetched > SUPPRESSION_REFRESH_S:
            active = self.repo.active(self.camera_id, dt.datetime.now(dt.UTC))
            self._cache = (now, active)
        return any(
            s.label == label and s.expires_at > at and box_iou(s.box, box) >= 0.5 for s in active
        )

    def forget(self) -> None:
        """Re-read suppressions at the next chance (one was added or lifted)."""
        self._cache = (-1e18, [])
        self._held_back.clear()
