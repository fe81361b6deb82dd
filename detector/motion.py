"""Motion gating: run the detector when the scene changed, and on a slow schedule when not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt

from detector.image import shrink

GateReason = Literal["first", "motion", "recheck", "static"]


@dataclass(frozen=True)
class GateDecision:
    run: bool
    reason: GateReason
    changed: float  # fraction of pixels that differ from the last frame the detector saw


class MotionGate:
    """Compares each frame with the last one the detector ran on, at low resolution.

    Comparing with the last *inferred* frame (not the previous frame) means slow changes,
    such as a poster being stuck up over a few frames, add up until they trigger. Blur and
    a per-pixel threshold keep JPEG noise and small lighting drift from counting.
    Static scenes are still re-checked every ``recheck_s``: parked cars, stalls and
    posters do not move and must still be seen.

    >>> gate = MotionGate(min_changed=0.01, recheck_s=10)
    >>> frame = np.zeros((120, 160, 3), np.uint8)
    >>> gate.check(frame, 0.0).reason, gate.check(frame, 1.0).reason
    ('first', 'static')
    """

    def __init__(
        self,
        *,
        min_changed: float = 0.002,
        recheck_s: float = 10.0,
        pixel_threshold: int = 25,
        width: int = 160,
    ) -> None:
        if not 0.0 <= min_changed <= 1.0:
            raise ValueError(f"min_changed must be in [0, 1], got {min_changed}")
        if recheck_s <= 0:
            raise ValueError(f"recheck_s must be positive, got {recheck_s}")
        self.min_changed = min_changed
        self.recheck_s = recheck_s
        self.pixel_threshold = pixel_threshold
        self.width = width
        self._ref: npt.NDArray[np.uint8] | None = None
        self._ref_t = 0.0

    def _small(self, frame: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        # scaled down first, grey at the small size (a tenth of the pixels to convert)
        small = shrink(frame, self.width)
        if small.shape[1] < self.width:  # a frame narrower than the gate: scaled up
            size = (self.width, max(1, round(small.shape[0] * self.width / small.shape[1])))
            small = np.asarray(cv2.resize(small, size, interpolation=cv2.INTER_AREA), np.uint8)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
        return np.asarray(cv2.GaussianBlur(grey, (5, 5), 0), dtype=np.uint8)

    def check(self, frame: npt.NDArray[np.uint8], t: float) -> GateDecision:
        """Decide for the frame taken at ``t`` (seconds); a run makes it the new reference."""
        small = self._small(frame)
        if self._ref is None or self._ref.shape != small.shape:
            return self._ran(small, t, "first", 1.0)
        diff = cv2.absdiff(small, self._ref)
        changed = float(np.count_nonzero(diff > self.pixel_threshold)) / diff.size
        if changed >= self.min_changed:
            return self._ran(small, t, "motion", changed)
        if t - self._ref_t >= self.recheck_s or t < self._ref_t:
            return self._ran(small, t, "recheck", changed)
        return GateDecision(False, "static", changed)

    def _ran(
        self, small: npt.NDArray[np.uint8], t: float, reason: GateReason, changed: float
    ) -> GateDecision:
        self._ref, self._ref_t = small, t
        return GateDecision(True, reason, changed)
