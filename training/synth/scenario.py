"""A scenario: one camera clip with its zones and ground truth, rendered lazily frame by frame."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np

from detector.zones import Zone
from training.synth.pixels import U8
from training.synth.scenario_nuisances import lighting, noise, rain, shadows, shake
from training.synth.scenario_parts import F32, FPS, TAG, Mover, Static, TruthObject


@dataclass(frozen=True)
class Scenario:
    """One camera clip with its zones and ground truth; ``frames()`` renders it lazily."""

    name: str
    seed: int
    seconds: float
    zones: tuple[Zone, ...]
    objects: tuple[TruthObject, ...]
    nuisances: tuple[str, ...]
    real: bool
    background: F32 = field(repr=False)
    statics: tuple[Static, ...] = field(repr=False, default=())
    movers: tuple[Mover, ...] = field(repr=False, default=())
    fps: float = FPS

    @property
    def size(self) -> tuple[int, int]:
        return self.background.shape[1], self.background.shape[0]

    def zone(self, zone_id: str) -> Zone:
        for z in self.zones:
            if z.id == zone_id:
                return z
        raise KeyError(f"no zone {zone_id!r}; the scenario has {[z.id for z in self.zones]}")

    def frames(self) -> Iterator[tuple[float, U8]]:
        """(time in seconds, BGR frame) for every frame, rendered one at a time."""
        count = round(self.seconds * self.fps)
        for k in range(count):
            t = k / self.fps
            yield t, self.render(k, t)

    def render(self, k: int, t: float) -> U8:
        rng = np.random.default_rng([self.seed, TAG, k, 77])
        frame = self.background.copy()
        for obj in self.statics:
            if t < obj.appear_s or (obj.leave_s is not None and t >= obj.leave_s):
                continue
            late = max(0.0, 3.0 - (t - obj.appear_s))  # the last seconds of its arrival
            obj.layer.paste(frame, obj.arrive[0] * late, obj.arrive[1] * late)
        if "shadows" in self.nuisances:
            shadows(frame, self.seed, t)
        if "traffic" in self.nuisances:
            for m in self.movers:
                if t >= m.start_s:
                    dt = t - m.start_s
                    m.layer.paste(frame, m.velocity[0] * dt, m.velocity[1] * dt)
        if "lighting" in self.nuisances:
            frame = lighting(frame, t / self.seconds)
        if "rain" in self.nuisances:
            frame = rain(frame, rng)
        frame += noise(self.seed, rng, frame.shape[:2])
        out = np.clip(frame, 0, 255).astype(np.uint8)
        if "shake" in self.nuisances:
            out = shake(out, rng)
        if "jpeg" in self.nuisances:
            ok, buf = cv2.imencode(
                ".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(50, 71))]
            )
            assert ok
            out = np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR), np.uint8)
        return out
