"""``Grid``: a camera's full-resolution frame against the analysis pixels, and zone masks."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from detector.geometry import Box
from detector.scene.arrays import Mask
from detector.zones import Zone


@dataclass(frozen=True)
class Grid:
    """Full-resolution frame size and the analysis width it is scaled down to."""

    size: tuple[int, int]  # full-resolution (width, height)
    width: int  # ``SceneConfig.width``

    def analysis_size(self) -> tuple[int, int]:
        w, h = self.size
        aw = min(self.width, w)
        return aw, max(1, round(h * aw / w))

    def scale(self) -> float:
        """Full-resolution pixels per analysis pixel."""
        return self.size[0] / self.analysis_size()[0]

    def to_full(self, box: tuple[int, int, int, int]) -> Box:
        k = self.scale()
        w, h = self.size
        return (
            float(min(box[0] * k, w)),
            float(min(box[1] * k, h)),
            float(min(box[2] * k, w)),
            float(min(box[3] * k, h)),
        )

    def to_analysis(self, box: Box) -> tuple[int, int, int, int]:
        k = self.scale()
        aw, ah = self.analysis_size()
        x0, y0 = max(0, math.floor(box[0] / k)), max(0, math.floor(box[1] / k))
        return x0, y0, min(aw, math.ceil(box[2] / k)), min(ah, math.ceil(box[3] / k))

    def zone_masks(self, zones: Sequence[Zone]) -> tuple[dict[str, Mask], Mask]:
        """Each zone's mask at analysis resolution, and the union of the ``ignore`` zones."""
        aw, ah = self.analysis_size()
        scale = 1.0 / self.scale()
        masks: dict[str, Mask] = {}
        ignore = np.zeros((ah, aw), np.uint8)
        for zone in zones:
            mask = np.zeros((ah, aw), np.uint8)
            pts = np.round(np.asarray(zone.polygon) * scale).astype(np.int32)
            cv2.fillPoly(mask, [pts], 1)
            masks[zone.id] = mask > 0
            if zone.type == "ignore":
                ignore |= mask
        return masks, ignore > 0
