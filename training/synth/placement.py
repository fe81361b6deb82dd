"""Where props may stand: visible, free ground spots along the street."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from training.synth.camera import F64, Camera
from training.synth.rand import between
from training.synth.street import Street
from training.synth.things import Prop

Builder = Callable[[np.random.Generator, F64, float, Camera], Prop]


class Placer:
    """Finds free, visible ground spots and keeps the props placed so far."""

    def __init__(
        self,
        rng: np.random.Generator,
        cam: Camera,
        street: Street,
        *,
        props: list[Prop] | None = None,
    ) -> None:
        self.rng, self.cam, self.street = rng, cam, street
        self.props: list[Prop] = [] if props is None else props  # shared, not copied
        self.shops: list[tuple[float, float]] = []
        self._seen: dict[tuple[float, float], tuple[F64, npt.NDArray[np.bool_]]] = {}
        self.lamps: list[F64] = []
        self._zs = cam.center[2] + np.arange(-120.0, 120.0, 0.5)

    def visible_z(
        self,
        x: float,
        y: float,
        *,
        min_depth: float = 4.0,
        max_depth: float = 35.0,
        lift: float = 0.5,
    ) -> F64:
        """Positions along the street (0.5 m apart) where the point (x, y + lift, z) is in view."""
        # visibility barely changes over a few centimetres: look it up on a 0.25 m grid
        key = (round(x * 4) / 4, round(y + lift, 2))
        cached = self._seen.get(key)
        if cached is None:
            pts = np.column_stack(
                [np.full(len(self._zs), key[0]), np.full(len(self._zs), key[1]), self._zs]
            )
            cached = (self.cam.depth(pts), self.cam.visible(pts, margin=0.02))
            self._seen[key] = cached
        d, ok = cached
        return np.asarray(self._zs[ok & (d > min_depth) & (d < max_depth)], np.float64)

    def spot(
        self,
        x_lo: float,
        x_hi: float,
        y: float,
        extent: tuple[float, float],
        *,
        max_depth: float = 35.0,
        min_depth: float = 4.0,
        tries: int = 10,
        z_range: tuple[float, float] | None = None,
    ) -> F64 | None:
        """A visible ground point in the x band (and z range) where ``extent`` is free."""
        for _ in range(tries):
            x = between(self.rng, x_lo, x_hi)
            zs = self.visible_z(x, y, min_depth=min_depth, max_depth=max_depth)
            if z_range is not None:
                zs = zs[(zs >= z_range[0]) & (zs <= z_range[1])]
            if len(zs) == 0:
                continue
            z = float(zs[int(self.rng.integers(len(zs)))] + self.rng.uniform(-0.25, 0.25))
            base = np.array([x, y, z])
            if self.free(base, extent):
                return base
        return None

    def free(self, base: F64, extent: tuple[float, float], gap: float = 0.1) -> bool:
        for p in self.props:
            if (
                abs(base[0] - p.base[0]) < extent[0] + p.extent[0] + gap
                and abs(base[2] - p.base[2]) < extent[1] + p.extent[1] + gap
            ):
                return False
        return True

    def add(self, prop: Prop) -> Prop:
        self.props.append(prop)
        return prop

    def place(
        self,
        build: Builder,
        x_lo: float,
        x_hi: float,
        y: float,
        heading: float,
        extent: tuple[float, float],
        *,
        max_depth: float = 35.0,
        z_range: tuple[float, float] | None = None,
    ) -> Prop | None:
        """Build a prop at a free spot; the builder's own extent is checked again."""
        for _ in range(4):
            base = self.spot(x_lo, x_hi, y, extent, max_depth=max_depth, z_range=z_range)
            if base is None:
                return None
            prop = build(self.rng, base, heading, self.cam)
            if self.free(prop.base, prop.extent, gap=0.05):
                return self.add(prop)
        return None
