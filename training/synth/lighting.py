"""Time of day: how surfaces are lit while the scene is drawn."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from training.synth.camera import F64

Color = tuple[float, float, float]  # BGR, 0..255


def scaled(color: Color, k: float) -> Color:
    """``color`` times ``k`` (darker below 1), capped at 255."""
    return (min(255.0, color[0] * k), min(255.0, color[1] * k), min(255.0, color[2] * k))


def lighter(color: Color, amount: float) -> Color:
    return (
        min(255.0, color[0] + amount),
        min(255.0, color[1] + amount),
        min(255.0, color[2] + amount),
    )


class Period(StrEnum):
    DAY = "day"
    OVERCAST = "overcast"
    DUSK = "dusk"
    NIGHT = "night"


@dataclass(frozen=True)
class Lighting:
    """Sun direction (towards the sun), light levels, sky colours and a colour cast."""

    period: Period
    sun: F64
    ambient: float
    diffuse: float
    shadow: float  # how much a cast shadow darkens the ground, 0..1
    sky_top: Color
    sky_horizon: Color
    tint: Color  # multiplies every lit colour

    @property
    def dark(self) -> bool:
        return self.period in (Period.DUSK, Period.NIGHT)

    def shade(self, color: Color, normal: F64) -> Color:
        """The colour a surface of base ``color`` shows with this light."""
        lit = self.ambient + self.diffuse * max(0.0, float(normal @ self.sun))
        lit += 0.08 * max(0.0, float(normal[1]))  # sky light on upward faces
        return (
            min(255.0, color[0] * lit * self.tint[0]),
            min(255.0, color[1] * lit * self.tint[1]),
            min(255.0, color[2] * lit * self.tint[2]),
        )

    def level(self, normal: F64) -> float:
        """Mean brightness factor for a surface facing ``normal`` (for textures)."""
        lit = self.ambient + self.diffuse * max(0.0, float(normal @ self.sun))
        return lit + 0.08 * max(0.0, float(normal[1]))


def random_lighting(rng: np.random.Generator) -> Lighting:
    period = Period(rng.choice(list(Period), p=[0.48, 0.24, 0.14, 0.14]))
    azimuth = rng.uniform(0, 2 * np.pi)
    if period is Period.DAY:
        elevation = rng.uniform(np.deg2rad(25), np.deg2rad(70))
        ambient, diffuse, shadow = rng.uniform(0.5, 0.65), rng.uniform(0.35, 0.55), 0.45
        top, horizon = (
            (rng.uniform(190, 235), rng.uniform(140, 175), rng.uniform(70, 110)),
            (
                rng.uniform(225, 245),
                rng.uniform(215, 235),
                rng.uniform(200, 225),
            ),
        )
        tint = (rng.uniform(0.92, 1.0), rng.uniform(0.97, 1.0), rng.uniform(0.97, 1.05))
    elif period is Period.OVERCAST:
        elevation = rng.uniform(np.deg2rad(30), np.deg2rad(80))
        ambient, diffuse, shadow = rng.uniform(0.7, 0.85), rng.uniform(0.05, 0.15), 0.12
        grey = rng.uniform(175, 215)
        top, horizon = (grey, grey - 2, grey - 6), (grey + 18, grey + 17, grey + 15)
        tint = (rng.uniform(0.97, 1.03), 1.0, rng.uniform(0.94, 1.0))
    elif period is Period.DUSK:
        elevation = rng.uniform(np.deg2rad(3), np.deg2rad(12))
        ambient, diffuse, shadow = rng.uniform(0.35, 0.5), rng.uniform(0.2, 0.35), 0.3
        top = (rng.uniform(120, 160), rng.uniform(80, 110), rng.uniform(70, 100))
        horizon = (rng.uniform(110, 150), rng.uniform(150, 185), rng.uniform(215, 245))
        tint = (rng.uniform(0.75, 0.85), rng.uniform(0.88, 0.95), 1.0)
    else:
        elevation = np.deg2rad(50)
        ambient, diffuse, shadow = rng.uniform(0.16, 0.28), 0.0, 0.0
        top = (rng.uniform(35, 60), rng.uniform(18, 30), rng.uniform(10, 22))
        horizon = (rng.uniform(60, 85), rng.uniform(50, 70), rng.uniform(50, 75))
        tint = (rng.uniform(0.95, 1.1), rng.uniform(0.9, 1.0), rng.uniform(0.85, 1.0))
    sun = np.array(
        [
            np.cos(elevation) * np.sin(azimuth),
            np.sin(elevation),
            np.cos(elevation) * np.cos(azimuth),
        ]
    )
    return Lighting(period, sun, ambient, diffuse, shadow, top, horizon, tint)


def paste_lighting() -> Lighting:
    """Neutral light for objects pasted onto photos; their colours are matched afterwards."""
    sun = np.array([0.4, 0.8, -0.45])
    sun /= np.linalg.norm(sun)
    grey = (200.0, 200.0, 200.0)
    return Lighting(Period.DAY, sun, 0.62, 0.4, 0.35, grey, grey, (1.0, 1.0, 1.0))
