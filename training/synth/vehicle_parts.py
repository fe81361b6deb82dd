"""Parts every vehicle model shares: paint and glass colours, wheel sets, lamps and circles.

Local axes: a forward, b up, c to the vehicle's right; the origin is on the ground
under the middle of the vehicle.
"""

from __future__ import annotations

import numpy as np

from training.synth.camera import F64
from training.synth.lighting import Color
from training.synth.mesh import Lamp, Part, wheel

CAR_COLORS: tuple[Color, ...] = (
    (235, 235, 235), (240, 240, 238), (225, 228, 230), (30, 30, 32), (25, 25, 28), (175, 175, 170),
    (140, 140, 138), (100, 100, 100), (40, 40, 170), (140, 70, 20), (90, 40, 20), (60, 90, 120),
    (20, 170, 230), (60, 120, 60),
)  # fmt: skip
GLASS: tuple[Color, ...] = ((60, 50, 45), (80, 70, 60), (45, 40, 40), (95, 85, 75))
TYRE: Color = (30, 30, 32)
_RIM: Color = (150, 150, 150)
_HEAD_DAY: Color = (215, 215, 210)
_HEAD_NIGHT: Color = (235, 250, 255)
_TAIL_DAY: Color = (40, 40, 150)
_TAIL_NIGHT: Color = (60, 60, 255)


def wheels(
    axles: list[float], radius: float, track: float, width: float, rim: Color = _RIM
) -> list[Part]:
    parts = []
    for a in axles:
        for side in (-1.0, 1.0):
            c = side * track / 2
            parts.append(wheel(a, radius, c - width / 2, c + width / 2, radius, TYRE, rim))
    return parts


def lights(
    night: bool, front: list[tuple[float, float, float]], rear: list[tuple[float, float, float]]
) -> tuple[Color, Color, list[Lamp]]:
    lamps = [Lamp(np.array(p), np.array([1.0, 0, 0]), (220, 245, 255), 0.35) for p in front]
    lamps += [Lamp(np.array(p), np.array([-1.0, 0, 0]), (60, 60, 255), 0.22) for p in rear]
    if night:
        return _HEAD_NIGHT, _TAIL_NIGHT, lamps
    return _HEAD_DAY, _TAIL_DAY, []


def circle(a: float, b: float, c: float, radius: float, n: int = 14) -> F64:
    ang = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.column_stack([a + radius * np.cos(ang), b + radius * np.sin(ang), np.full(n, c)])
