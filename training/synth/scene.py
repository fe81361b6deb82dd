"""A whole street scene: layout, backdrop (sky, facades, ground) and the props standing in it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from training.synth.camera import F64, Camera
from training.synth.canvas import Canvas, Light
from training.synth.facade import Wall, draw_wall, plan, visible_range
from training.synth.lighting import Lighting, random_lighting
from training.synth.placement import Placer
from training.synth.population import furniture_props, labelled_props, road_traffic
from training.synth.street import (
    Street,
    View,
    draw_ground,
    draw_sky,
    random_camera,
    random_street,
)
from training.synth.things import Prop, depth_sorted


@dataclass
class Scene:
    """Everything needed to draw a frame; ``backdrop`` already holds sky, facades and ground."""

    cam: Camera
    light: Lighting
    street: Street
    backdrop: Canvas
    props: list[Prop]

    def render(self, extra: Sequence[Prop] = ()) -> Canvas:
        canvas = self.backdrop.copy()
        items = depth_sorted([*self.props, *extra], self.cam)
        for p in items:
            p.shadow(canvas, self.cam, self.light)
        canvas.flush_shadows(soften=max(1.0, 0.004 * canvas.width))
        for p in items:
            p.draw(canvas, self.cam, self.light)
        return canvas


def build_scene(
    rng: np.random.Generator,
    size: tuple[int, int],
    *,
    traffic: bool = True,
    view: View | None = None,
    first: Callable[[Placer], None] | None = None,
) -> Scene:
    """A random street: without ``traffic`` the road holds only parked vehicles.

    ``view`` picks the camera placement (see ``random_camera``);
    ``first`` places props that must be in the scene before the random ones take the space.
    """
    light = random_lighting(rng)
    street = random_street(rng)
    cam = random_camera(rng, street, size, view=view)
    canvas = Canvas(*size)
    draw_sky(canvas, cam, light, rng)
    flyer_rate, graffiti_rate = rng.uniform(0.15, 0.6), rng.uniform(0.1, 0.45)
    shops: list[tuple[float, float]] = []  # z ranges of our shop fronts, for goods put out
    for wall, share in ((Wall(0.0, 1), 1.0), (Wall(street.opposite, -1), 0.5)):
        # wall.side * z is the distance along the wall as its viewer reads it
        lo, hi = sorted((wall.side * (cam.center[2] - 220.0), wall.side * (cam.center[2] + 220.0)))
        seen = visible_range(cam, wall, lo, hi)
        if seen is not None:
            bays = plan(rng, seen[0] - rng.uniform(0.0, 8.0), seen[1])
            draw_wall(
                canvas,
                cam,
                light,
                rng,
                wall,
                bays,
                flyer_rate=flyer_rate * share,
                graffiti_rate=graffiti_rate * share,
            )
            if wall.side > 0:
                shops = [(b.s0 + 0.3, b.s1 - 0.3) for b in bays if b.kind in ("glass", "open")]
    draw_ground(canvas, cam, light, rng, street)
    _building_shadow(canvas, cam, light, street, rng)
    placer = Placer(rng, cam, street)
    placer.shops = shops
    if first is not None:
        first(placer)
    furniture_props(placer, light)
    labelled_props(placer, light)
    road_traffic(placer, light, moving=traffic)
    _lamp_pools(canvas, cam, light, placer.lamps)
    _grime(canvas, rng)
    return Scene(cam, light, street, canvas, placer.props)


def _building_shadow(
    canvas: Canvas, cam: Camera, light: Lighting, street: Street, rng: np.random.Generator
) -> None:
    """The facade across the sun shades a band of pavement and road."""
    if light.shadow <= 0 or light.sun[1] <= 0.05:
        return
    reach = rng.uniform(8.0, 25.0) * abs(light.sun[0]) / light.sun[1]
    if light.sun[0] < 0:
        x0, x1 = -1.0, min(reach, street.opposite)
    else:
        x0, x1 = max(street.opposite - reach, -1.0), street.opposite + 1
    if x1 - x0 < 0.2:
        return
    z0, z1 = cam.center[2] - 300, cam.center[2] + 300
    quad = np.array([[x0, 0.2, z0], [x1, 0.2, z0], [x1, 0.2, z1], [x0, 0.2, z1]])
    uv = cam.project_polygon(quad)
    if uv is not None:
        canvas.tint(uv, 1.0 - 0.8 * light.shadow, soften=2.0)


def _lamp_pools(canvas: Canvas, cam: Camera, light: Lighting, lamps: list[F64]) -> None:
    if not light.dark:
        return
    for head in lamps:
        ang = np.linspace(0, 2 * np.pi, 16, endpoint=False)
        ring = np.c_[head[0] + 3.5 * np.cos(ang), np.full(16, 0.2), head[2] + 3.5 * np.sin(ang)]
        uv = cam.project_polygon(ring)
        if uv is not None:
            canvas.tint(uv, (1.25, 1.45, 1.6), soften=6.0)
        p, z = cam.project(head[None])
        if z[0] > 0.5:
            r = 0.5 * cam.focal / float(z[0])
            canvas.lights.append(
                Light(float(p[0, 0]), float(p[0, 1]), max(r, 2.0), (180, 225, 255), 1.0)
            )


def _grime(canvas: Canvas, rng: np.random.Generator) -> None:
    """Low-frequency brightness variation: stains, weathering, uneven light."""
    h, w = canvas.height, canvas.width
    small = rng.normal(0.5, 0.025, (max(2, h // 24), max(2, w // 24))).astype(np.float32)
    half = np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC), np.float32)
    canvas.image[:] = cv2.blendLinear(canvas.image, canvas.image, half, half)
