"""The street cross-section and the camera over it; sky, pavements, kerbs and the road.

Across the street (X): our facade at 0, our pavement to ``kerb``, the road to
``far_kerb``, the opposite pavement to ``opposite`` where the other facade stands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from training.synth.camera import F64, NEAR, Camera
from training.synth.canvas import Canvas
from training.synth.lighting import Color, Lighting, scaled
from training.synth.printed import jitter, pick
from training.synth.rand import between

_PAVING: tuple[Color, ...] = (
    (150, 155, 160), (120, 125, 135), (110, 120, 150), (160, 170, 180), (95, 105, 140),
    (140, 140, 140),
)  # fmt: skip
_SPAN = 400.0  # metres of ground drawn along the street either way


@dataclass(frozen=True)
class Street:
    sidewalk: float
    lanes: int
    lane: float
    opposite_sidewalk: float
    kerb_height: float
    paving: Color
    asphalt: Color

    @property
    def kerb(self) -> float:
        return self.sidewalk

    @property
    def far_kerb(self) -> float:
        return self.sidewalk + self.lanes * self.lane

    @property
    def opposite(self) -> float:
        return self.far_kerb + self.opposite_sidewalk

    def lane_centre(self, k: int) -> float:
        return self.kerb + (k + 0.5) * self.lane

    def lane_heading(self, k: int) -> float:
        """Traffic keeps right: lanes by our kerb run towards -Z, the others towards +Z."""
        return float(np.pi) if k < self.lanes / 2 else 0.0


def random_street(rng: np.random.Generator) -> Street:
    return Street(
        sidewalk=rng.uniform(3.0, 6.5),
        lanes=int(rng.choice([2, 3, 4], p=[0.45, 0.2, 0.35])),
        lane=rng.uniform(3.0, 3.6),
        opposite_sidewalk=rng.uniform(2.5, 5.0),
        kerb_height=rng.uniform(0.1, 0.18),
        paving=jitter(rng, pick(rng, _PAVING), 10),
        asphalt=jitter(rng, (float(g := rng.uniform(60, 125)), g, g - 3), 4),
    )


View = Literal["across", "opposite", "along"]


def random_camera(
    rng: np.random.Generator, street: Street, size: tuple[int, int], *, view: View | None = None
) -> Camera:
    """A pole or wall camera looking at our pavement.

    ``across``: over the road or from the far pavement; ``opposite``: from the far
    pavement, seeing every lane; ``along``: up or down our pavement. Random when None.
    """
    side = 1.0 if rng.random() < 0.5 else -1.0
    if view is None:
        view = "across" if rng.random() < 0.6 else "along"
    if view == "along":
        x = rng.uniform(1.5, street.kerb + 0.5 * (street.far_kerb - street.kerb))
        height = rng.uniform(3.0, 7.5)
        alpha = np.deg2rad(rng.uniform(40.0, 72.0))
    else:
        lo = (
            street.far_kerb + 0.3
            if view == "opposite"
            else street.kerb + 0.4 * (street.far_kerb - street.kerb)
        )
        x = rng.uniform(lo, street.opposite - 0.4)
        height = rng.uniform(4.0, 10.0)
        alpha = np.deg2rad(rng.uniform(0.0, 55.0))
    yaw = float(np.arctan2(-np.cos(alpha), side * np.sin(alpha)))
    target_x = street.sidewalk * rng.uniform(0.2, 0.9)
    reach = float(np.clip((x - target_x) / max(np.cos(alpha), 0.05), 6.0, 30.0))
    pitch = np.arctan2(height - rng.uniform(0.0, 1.5), reach) + np.deg2rad(rng.normal(0, 3))
    pitch = float(np.clip(pitch, np.deg2rad(6), np.deg2rad(50)))
    return Camera.look(
        size,
        np.array([x, height, 0.0]),
        yaw=yaw,
        pitch=pitch,
        roll=float(np.deg2rad(rng.normal(0, 1.2))),
        hfov=float(np.deg2rad(rng.uniform(55, 95))),
    )


def draw_sky(canvas: Canvas, cam: Camera, light: Lighting, rng: np.random.Generator) -> None:
    """A vertical gradient from ``sky_top`` to ``sky_horizon`` at the horizon, plus haze."""
    forward = cam.rot[2]
    horizon = cam.height / 2 - cam.focal * forward[1] / max(np.hypot(forward[0], forward[2]), 1e-6)
    rows = np.arange(cam.height, dtype=np.float32)
    t = np.clip(rows / max(horizon, 1.0), 0.0, 1.0)[:, None]
    top, bottom = np.asarray(light.sky_top, np.float32), np.asarray(light.sky_horizon, np.float32)
    grad = (top * (1 - t) + bottom * t).astype(np.uint8)[:, None, :]
    canvas.image[:] = cv2.resize(grad, (cam.width, cam.height), interpolation=cv2.INTER_NEAREST)
    if light.period.value in ("day", "dusk") and rng.random() < 0.6:  # a few soft clouds
        for _ in range(int(rng.integers(1, 5))):
            cx, cy = rng.uniform(0, cam.width), rng.uniform(0, max(horizon * 0.8, 1))
            axes = (
                max(1, int(rng.uniform(0.05, 0.2) * cam.width)),
                max(1, int(rng.uniform(0.01, 0.04) * cam.height)),
            )
            x0, y0 = max(int(cx) - axes[0] - 1, 0), max(int(cy) - axes[1] - 1, 0)
            roi = canvas.image[y0 : int(cy) + axes[1] + 2, x0 : int(cx) + axes[0] + 2]
            if roi.size == 0:
                continue
            over = roi.copy()
            cv2.ellipse(
                over,
                (int(cx) - x0, int(cy) - y0),
                axes,
                0,
                0,
                360,
                (245, 245, 245),
                -1,
                cv2.LINE_AA,
            )
            cv2.addWeighted(over, 0.35, roi, 0.65, 0, roi)


def _quad(x0: float, x1: float, z0: float, z1: float, y: float) -> F64:
    return np.array([[x0, y, z0], [x1, y, z0], [x1, y, z1], [x0, y, z1]], np.float64)


def _shade(light: Lighting, color: Color) -> Color:
    return light.shade(color, np.array([0.0, 1.0, 0.0]))


def draw_ground(
    canvas: Canvas, cam: Camera, light: Lighting, rng: np.random.Generator, street: Street
) -> None:
    """Road with markings, kerbs and both pavements with paving joints and tactile strips."""
    z0, z1 = cam.center[2] - _SPAN, cam.center[2] + _SPAN
    kh = street.kerb_height
    fill = _fill(canvas, cam)
    fill(_quad(street.kerb, street.far_kerb, z0, z1, 0.0), _shade(light, street.asphalt))
    _road_marks(canvas, cam, light, rng, street)
    kerb_color = jitter(rng, (175, 175, 175), 15)
    side = np.array([[0, 0, z0], [0, kh, z0], [0, kh, z1], [0, 0, z1]], np.float64)
    for x, normal in ((street.kerb, 1.0), (street.far_kerb, -1.0)):
        if (cam.center[0] - x) * normal > 0:
            fill(
                side + np.array([x, 0.0, 0.0]),
                light.shade(kerb_color, np.array([normal, 0.0, 0.0])),
            )
    fill(_quad(0.0, street.kerb, z0, z1, kh), _shade(light, street.paving))
    fill(
        _quad(street.far_kerb, street.opposite, z0, z1, kh),
        _shade(light, jitter(rng, street.paving, 10)),
    )
    top = _shade(light, kerb_color)
    fill(_quad(street.kerb - 0.15, street.kerb, z0, z1, kh), top)
    fill(_quad(street.far_kerb, street.far_kerb + 0.15, z0, z1, kh), top)
    _paving(canvas, cam, light, rng, street, 0.0, street.kerb - 0.15)
    _paving(canvas, cam, light, rng, street, street.far_kerb + 0.15, street.opposite)
    if rng.random() < 0.6:  # tactile paving strip
        x = street.kerb - rng.uniform(0.6, 1.2)
        fill(_quad(x - 0.3, x, z0, z1, kh + 0.002), _shade(light, jitter(rng, (40, 190, 220), 15)))


def _fill(canvas: Canvas, cam: Camera) -> Callable[[F64, Color], None]:
    def fill(points: F64, color: Color) -> None:
        uv = cam.project_polygon(points)
        if uv is not None:
            canvas.fill(uv, color)

    return fill


def _visible_z(cam: Camera, x: float, y: float, max_depth: float) -> tuple[float, float] | None:
    zs = cam.center[2] + np.arange(-_SPAN / 2, _SPAN / 2, 1.0)
    pts = np.c_[np.full(len(zs), x), np.full(len(zs), y), zs]
    d = cam.depth(pts)
    ok = cam.visible(pts, margin=0.1) & (d < max_depth)
    if not ok.any():
        return None
    return float(zs[ok].min()) - 1.0, float(zs[ok].max()) + 1.0


def _road_marks(
    canvas: Canvas, cam: Camera, light: Lighting, rng: np.random.Generator, street: Street
) -> None:
    fill = _fill(canvas, cam)
    white = _shade(light, jitter(rng, (225, 225, 225), 12))
    yellow = _shade(light, jitter(rng, (40, 190, 230), 12))
    span = _visible_z(cam, (street.kerb + street.far_kerb) / 2, 0.0, 90.0)
    if span is None:
        return
    z0, z1 = span
    dash, gap = (rng.uniform(2.0, 6.0), rng.uniform(4.0, 9.0))
    phase = rng.uniform(0, dash + gap)
    middle = street.lanes // 2
    for k in range(1, street.lanes):
        x = street.kerb + k * street.lane
        if k == middle:
            for off in (-0.1, 0.1):
                fill(_quad(x + off - 0.06, x + off + 0.06, z0, z1, 0.004), yellow)
            continue
        z = np.floor((z0 - phase) / (dash + gap)) * (dash + gap) + phase
        while z < z1:
            fill(_quad(x - 0.07, x + 0.07, z, z + dash, 0.004), white)
            z += dash + gap
    for x in (street.kerb + 0.25, street.far_kerb - 0.25):
        color = yellow if rng.random() < 0.3 else white
        fill(_quad(x - 0.07, x + 0.07, z0, z1, 0.004), color)
    if rng.random() < 0.35:  # zebra crossing
        zc = between(rng, z0 + 5, z1 - 5)
        x = street.kerb + 0.5
        while x < street.far_kerb - 0.5:
            fill(_quad(x, x + 0.45, zc, zc + rng.uniform(3.0, 5.0), 0.005), white)
            x += 0.9
    for _ in range(int(rng.integers(0, 4))):  # manholes and patches
        zc = rng.uniform(z0, z1)
        xc = rng.uniform(street.kerb + 0.5, street.far_kerb - 0.5)
        ang = np.linspace(0, 2 * np.pi, 12, endpoint=False)
        ring = np.c_[xc + 0.35 * np.cos(ang), np.full(12, 0.004), zc + 0.35 * np.sin(ang)]
        uv = cam.project_polygon(ring)
        if uv is not None:
            canvas.fill(uv, _shade(light, (70, 70, 72)))


def _paving(
    canvas: Canvas,
    cam: Camera,
    light: Lighting,
    rng: np.random.Generator,
    street: Street,
    x0: float,
    x1: float,
) -> None:
    """Paving joints, only where they are large enough to see."""
    span = _visible_z(cam, (x0 + x1) / 2, street.kerb_height, 35.0)
    if span is None or x1 - x0 < 0.3:
        return
    z0, z1 = span
    size = float(rng.choice([0.3, 0.4, 0.5, 0.6]))
    joint = _shade(light, scaled(street.paving, 0.8))
    y = street.kerb_height + 0.002
    along = np.arange(x0 + size, x1, size)
    across = np.arange(np.ceil(z0 / size) * size, z1, size)
    a = np.concatenate(
        [
            np.column_stack([along, np.full(len(along), y), np.full(len(along), z0)]),
            np.column_stack([np.full(len(across), x0), np.full(len(across), y), across]),
        ]
    )
    b = np.concatenate(
        [
            np.column_stack([along, np.full(len(along), y), np.full(len(along), z1)]),
            np.column_stack([np.full(len(across), x1), np.full(len(across), y), across]),
        ]
    )
    da, db = cam.depth(a), cam.depth(b)
    keep = (da > NEAR) | (db > NEAR)
    a, b, da, db = a[keep], b[keep], da[keep], db[keep]
    # move endpoints behind the camera up to the near plane
    ta = np.where(da < NEAR, (NEAR - da) / np.where(db - da == 0, 1, db - da), 0.0)
    tb = np.where(db < NEAR, (NEAR - db) / np.where(da - db == 0, 1, da - db), 0.0)
    a, b = a + (b - a) * ta[:, None], b + (a - b) * tb[:, None]
    ua, _ = cam.project(a)
    ub, _ = cam.project(b)
    lo, hi = (-cam.width, -cam.height), (2.0 * cam.width, 2.0 * cam.height)
    inside = (
        (ua > lo).all(axis=1)
        & (ua < hi).all(axis=1)
        & (ub > lo).all(axis=1)
        & (ub < hi).all(axis=1)
    )
    segments = list(np.stack([ua[inside], ub[inside]], axis=1))
    for p, q in zip(a[~inside], b[~inside], strict=True):
        seg = clip_segment(cam, p, q)
        if seg is not None:
            segments.append(seg)
    canvas.lines(segments, joint, 1)


def clip_segment(cam: Camera, a: F64, b: F64) -> F64 | None:
    """Project the part of segment a-b in front of the camera; None if it is all behind."""
    da, db = cam.depth(np.stack([a, b]))
    if da < NEAR and db < NEAR:
        return None
    if da < NEAR:
        a = a + (b - a) * (NEAR - da) / (db - da)
    elif db < NEAR:
        b = b + (a - b) * (NEAR - db) / (da - db)
    uv, _ = cam.project(np.stack([a, b]))
    # Liang-Barsky against a guard band around the image
    lo = np.array([-cam.width, -cam.height], np.float64)
    hi = np.array([2.0 * cam.width, 2.0 * cam.height], np.float64)
    d = uv[1] - uv[0]
    t0, t1 = 0.0, 1.0
    for k in range(2):
        if abs(d[k]) < 1e-12:
            if not lo[k] <= uv[0, k] <= hi[k]:
                return None
            continue
        ta, tb = (lo[k] - uv[0, k]) / d[k], (hi[k] - uv[0, k]) / d[k]
        t0, t1 = max(t0, min(ta, tb)), min(t1, max(ta, tb))
    if t0 >= t1:
        return None
    return np.stack([uv[0] + t0 * d, uv[0] + t1 * d])
