"""What scenarios are made of: frame size and rate, dwell times, ground truth and pasted layers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from detector.geometry import Box
from detector.zones import Zone

F32 = npt.NDArray[np.float32]
SIZE = (640, 480)
FPS = 1.0
TAG = 0x5CE5  # keeps the scenarios' generators apart from the dataset, clip and demo ones
# dwell times used by the scenarios: shorter than the defaults so a clip stays short
DWELL_S = {"sidewalk": 45.0, "roadway": 45.0, "no_parking": 60.0, "wall": 30.0}


@dataclass(frozen=True)
class TruthObject:
    """A static object that appears (``appear_s``) and stays until ``leave_s`` (None: the
    end). ``box`` is where it stands, in image pixels of the unshaken camera."""

    key: str
    class_name: str
    box: Box
    zone_id: str
    appear_s: float
    leave_s: float | None = None


@dataclass(frozen=True)
class Layer:
    """A pasted image: colours and coverage over the box ``x0, y0`` + its size."""

    image: F32  # (h, w, 3) BGR
    alpha: F32  # (h, w, 1) in 0..1
    x0: int
    y0: int

    @staticmethod
    def cut(image: F32, alpha: F32) -> Layer:
        ys, xs = np.nonzero(alpha[..., 0] > 0.01)
        if len(xs) == 0:
            raise ValueError("layer has no visible pixels")
        x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
        return Layer(image[y0:y1, x0:x1].copy(), alpha[y0:y1, x0:x1].copy(), int(x0), int(y0))

    def paste(self, frame: F32, dx: float = 0.0, dy: float = 0.0) -> None:
        h, w = self.alpha.shape[:2]
        x0, y0 = round(self.x0 + dx), round(self.y0 + dy)
        fx0, fy0 = max(0, x0), max(0, y0)
        fx1, fy1 = min(frame.shape[1], x0 + w), min(frame.shape[0], y0 + h)
        if fx1 <= fx0 or fy1 <= fy0:
            return
        a = self.alpha[fy0 - y0 : fy1 - y0, fx0 - x0 : fx1 - x0]
        img = self.image[fy0 - y0 : fy1 - y0, fx0 - x0 : fx1 - x0]
        region = frame[fy0:fy1, fx0:fx1]
        region += a * (img - region)


@dataclass(frozen=True)
class Static:
    """A layer shown from ``appear_s`` until ``leave_s``, sliding in over its first seconds."""

    layer: Layer
    appear_s: float
    leave_s: float | None
    arrive: tuple[float, float] = (0.0, 0.0)  # image px per second it slides in from


@dataclass(frozen=True)
class Mover:
    """A layer crossing the frame at ``velocity`` from ``start_s`` on."""

    layer: Layer
    start_s: float
    velocity: tuple[float, float]  # image px per second
    shadow: bool = False


def clash(a: Box, b: Box) -> bool:
    """Whether two boxes overlap at all."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return w * h > 0


def inside(zones: Sequence[Zone], zone_id: str, box: Box) -> bool:
    """Whether ``box`` is in zone ``zone_id``: its centre on a wall, its foot elsewhere."""
    zone = next(z for z in zones if z.id == zone_id)
    cx = (box[0] + box[2]) / 2
    point = (cx, (box[1] + box[3]) / 2) if zone.type == "wall" else (cx, box[3] - 2.0)
    return bool(zone.contains(np.array([point]))[0])
