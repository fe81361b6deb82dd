"""Building fronts: shop bays with signboards, windows, shutters, banners, flyers and graffiti.

A facade is the vertical plane X = ``x`` seen from the street side. It is painted
bay by bay as flat textures (metres x ppm) that are warped into the image, with a
parallel owner texture so the signs, flyers and graffiti on it become instances.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from training.synth import printed
from training.synth.camera import F64, Camera
from training.synth.canvas import Canvas, Light
from training.synth.lighting import Color, Lighting, scaled
from training.synth.pixels import scale_colors
from training.synth.printed import jitter, pick
from training.synth.shopfront import Bay, BayPainter, Building

_WALLS: tuple[Color, ...] = (
    (170, 190, 205), (200, 210, 215), (215, 215, 210), (150, 160, 170), (120, 130, 150),
    (90, 100, 140), (175, 200, 225), (185, 185, 180), (160, 175, 200), (140, 140, 135),
)  # fmt: skip
_MAX_TEXELS = 160_000


@dataclass(frozen=True)
class Wall:
    """The facade plane: ``x`` and which side the street is on (+1: street at X > x)."""

    x: float
    side: int

    @property
    def normal(self) -> F64:
        return np.array([float(self.side), 0.0, 0.0])

    def point(self, s: F64 | float, y: F64 | float) -> F64:
        """World points at distance ``s`` along the wall (viewer's right) and height ``y``."""
        s_arr, y_arr = np.broadcast_arrays(np.asarray(s, np.float64), np.asarray(y, np.float64))
        out = np.empty((*s_arr.shape, 3))
        out[..., 0] = self.x
        out[..., 1] = y_arr
        out[..., 2] = self.side * s_arr
        return out


def plan(rng: np.random.Generator, s_start: float, s_end: float) -> list[Bay]:
    """Buildings and their ground-floor bays covering [s_start, s_end]."""
    bays: list[Bay] = []
    s = s_start
    while s < s_end:
        width = rng.uniform(8.0, 30.0)
        gf = rng.uniform(3.8, 4.8)
        b = Building(
            s,
            s + width,
            float(
                rng.choice([gf + 0.5, rng.uniform(8, 14), rng.uniform(14, 32)], p=[0.1, 0.5, 0.4])
            ),
            gf,
            rng.uniform(2.9, 3.3),
            jitter(rng, pick(rng, _WALLS), 12),
            str(rng.choice(["plaster", "tiles", "brick"], p=[0.5, 0.35, 0.15])),
            rng.uniform(1.0, 1.8),
            rng.uniform(2.4, 3.6),
            pick(rng, ((200, 200, 200), (60, 60, 60), (230, 230, 230), (110, 120, 130))),
        )
        x = s
        while x < s + width - 0.5:
            w = min(rng.uniform(3.5, 7.5), s + width - x)
            kind = str(rng.choice(["glass", "shutter", "open", "wall"], p=[0.38, 0.2, 0.22, 0.2]))
            bays.append(Bay(x, x + w, kind, b))
            x += w
        s += width
    return bays


def visible_range(cam: Camera, wall: Wall, lo: float, hi: float) -> tuple[float, float] | None:
    """The stretch of the wall (s0, s1) that can show in the image."""
    s = np.arange(lo, hi, 1.0)
    heights = np.arange(0.0, 40.0, 1.5)  # dense: a wall can span the view between samples
    pts = wall.point(np.tile(s, len(heights)), np.repeat(heights, len(s)))
    ok = cam.visible(pts, margin=0.1).reshape(len(heights), -1).any(axis=0)
    if not ok.any():
        return None
    return float(s[ok].min()) - 1.0, float(s[ok].max()) + 1.0


def draw_wall(
    canvas: Canvas,
    cam: Camera,
    light: Lighting,
    rng: np.random.Generator,
    wall: Wall,
    bays: list[Bay],
    *,
    flyer_rate: float,
    graffiti_rate: float,
) -> None:
    """Paint the bays that the camera sees; their signs, flyers and graffiti become instances."""
    if not bays:
        return
    s0, s1, y_top, ok = _visible_spans(cam, wall, bays)
    corners = wall.point(np.stack([s0, s1, s0, s1], axis=1), np.array([0.0, 0.0, 4.0, 4.0]))
    near = cam.focal / np.maximum(cam.depth(corners.reshape(-1, 3)).reshape(-1, 4).min(axis=1), 0.6)
    registered: list[int] = []
    far: list[tuple[Bay, float, float, float, float]] = []
    for i in np.flatnonzero(ok):
        span = (float(s0[i]), float(s1[i]), float(y_top[i]))
        if near[i] < 10.0:  # a ground floor under ~40 px: flat colour reads the same
            far.append((bays[i], *span, float(near[i])))
        else:
            _draw_bay(
                canvas,
                cam,
                light,
                rng,
                wall,
                bays[i],
                span,
                float(near[i]),
                registered,
                flyer_rate,
                graffiti_rate,
            )
    canvas.settle(registered)
    _draw_far_bays(canvas, cam, light, rng, wall, far)


def _visible_spans(
    cam: Camera, wall: Wall, bays: list[Bay]
) -> tuple[F64, F64, F64, npt.NDArray[np.bool_]]:
    """Per bay: the part in front of the camera (s0, s1), the top worth painting, and if seen.

    The bottom edge is cut where it passes behind the camera; the height is cut where the
    wall rises behind it (a camera tilted down close to a wall), so all four corners of
    the painted quad are in front and its homography is valid.
    """
    near = 0.6
    b0 = np.array([b.s0 for b in bays])
    b1 = np.array([b.s1 for b in bays])
    top = np.array([b.building.height for b in bays])
    d0, d1 = cam.depth(wall.point(b0, 0.0)), cam.depth(wall.point(b1, 0.0))
    ok = (d0 >= near) | (d1 >= near)
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = b0 + (near - d0) / (d1 - d0) * (b1 - b0)
    s0 = np.where(d0 < near, cut + 0.01, b0)
    s1 = np.where(d1 < near, cut - 0.01, b1)
    ok &= s1 - s0 >= 0.05
    rise = float(cam.rot[2][1])  # depth gained per metre of height
    if rise < 0:
        for s in (s0, s1):
            d = cam.depth(wall.point(s, 0.0))
            top = np.minimum(top, (near + 0.05 - d) / rise)
    fs = np.linspace(0.0, 1.0, 5)
    fy = np.linspace(0.0, 1.0, 12)
    ss = s0[:, None, None] + (s1 - s0)[:, None, None] * fs[None, :, None]
    ys = np.maximum(top, 0.0)[:, None, None] * fy[None, None, :]
    flat = wall.point(*np.broadcast_arrays(ss, ys)).reshape(-1, 3)
    uv, z = cam.project(flat)
    inside = ((z > near) & (uv[:, 1] > -0.25 * cam.height)).reshape(len(bays), -1)
    highest = np.where(inside, flat[:, 1].reshape(len(bays), -1), -np.inf).max(axis=1)
    y_top = np.where(np.isfinite(highest), np.minimum(top, highest + 1.5), top)
    ok &= y_top > 0.3
    seen = np.array(
        [
            bool(k) and _on_screen(cam, wall, a, b, t)
            for k, a, b, t in zip(ok, s0, s1, y_top, strict=True)
        ]
    )
    return s0, s1, y_top, ok & seen


def _on_screen(cam: Camera, wall: Wall, s0: float, s1: float, top: float) -> bool:
    """Whether the bay's quad, clipped to the near plane, reaches into the image."""
    uv = cam.project_polygon(wall.point(np.array([s0, s1, s1, s0]), np.array([0.0, 0.0, top, top])))
    if uv is None:
        return False
    lo, hi = uv.min(axis=0), uv.max(axis=0)
    return bool(hi[0] > 0 and hi[1] > 0 and lo[0] < cam.width and lo[1] < cam.height)


def _draw_far_bays(
    canvas: Canvas,
    cam: Camera,
    light: Lighting,
    rng: np.random.Generator,
    wall: Wall,
    far: list[tuple[Bay, float, float, float, float]],
) -> None:
    """Bays too small to read: wall, windows, shop front and sign as flat colour, in one batch."""
    level = light.level(wall.normal)
    gain = (level * light.tint[0], level * light.tint[1], level * light.tint[2])
    night = light.dark
    quads: list[tuple[float, float, float, float]] = []
    colors: list[Color] = []
    groups: list[str] = []  # quads of one labelled sign share a group name; "" is scenery

    def quad(
        span: tuple[float, float],
        a: float,
        c: float,
        y0: float,
        y1: float,
        color: Color,
        *,
        emissive: bool = False,
        group: str = "",
    ) -> None:
        a, c = max(a, span[0]), min(c, span[1])
        if c > a:
            quads.append((a, c, y0, y1))
            colors.append(
                color if emissive else (color[0] * gain[0], color[1] * gain[1], color[2] * gain[2])
            )
            groups.append(group)

    for bay, s0, s1, y_top, near in far:
        b, span = bay.building, (s0, s1)
        quad(span, s0, s1, 0.0, min(b.height, y_top), b.wall)
        shade = (b.wall[0] * 0.6, b.wall[1] * 0.6, b.wall[2] * 0.6)
        if near >= 4.0:  # window bands; below that they would be a pixel or two
            for y in np.arange(b.ground_floor + 0.9, min(b.height, y_top) - 1.5, b.floor):
                quad(span, bay.s0 + 0.5, bay.s1 - 0.5, float(y), float(y) + 1.4, shade)
        if bay.kind == "wall":
            continue
        quad(
            span,
            bay.s0 + 0.3,
            bay.s1 - 0.3,
            0.25,
            b.ground_floor - 1.3,
            (120, 170, 215) if night else (60, 60, 60),
            emissive=night,
        )
        if rng.random() < 0.85:
            sign_h = rng.uniform(0.7, 1.2)
            top = b.ground_floor - rng.uniform(0.05, 0.3)
            bg = printed.vivid(rng)
            fg = printed.contrast(bg, rng)
            band = ((bg[0] + 2 * fg[0]) / 3, (bg[1] + 2 * fg[1]) / 3, (bg[2] + 2 * fg[2]) / 3)
            lit = night and rng.random() < 0.8
            group = f"sign{len(quads)}" if near * sign_h >= 5.0 else ""
            quad(span, bay.s0 + 0.2, bay.s1 - 0.2, top - sign_h, top, bg, emissive=lit, group=group)
            quad(
                span,
                bay.s0 + 0.6,
                bay.s1 - 0.6,
                top - sign_h * 0.7,
                top - sign_h * 0.3,
                band,
                emissive=lit,
                group=group,
            )
    if not quads:
        return
    q = np.array(quads)
    world = wall.point(
        np.stack([q[:, 0], q[:, 1], q[:, 1], q[:, 0]], axis=1),
        np.stack([q[:, 3], q[:, 3], q[:, 2], q[:, 2]], axis=1),
    )
    uv, z = cam.project(world.reshape(-1, 3))
    uv, z = uv.reshape(-1, 4, 2), z.reshape(-1, 4)
    k = 0
    while k < len(quads):
        end = k + 1
        while groups[k] and end < len(quads) and groups[end] == groups[k]:
            end += 1
        with canvas.instance("outdoor_ad" if groups[k] else None):
            for j in range(k, end):
                pts = uv[j] if (z[j] >= 0.6).all() else cam.project_polygon(world[j])
                if pts is not None:
                    canvas.fill(pts, colors[j])
        k = end


def _draw_bay(
    canvas: Canvas,
    cam: Camera,
    light: Lighting,
    rng: np.random.Generator,
    wall: Wall,
    bay: Bay,
    span: tuple[float, float, float],
    near: float,
    registered: list[int],
    flyer_rate: float,
    graffiti_rate: float,
) -> None:
    """Paint one bay as a texture; ``near`` is its largest scale on screen (px per metre)."""
    s0, s1, y_top = span
    ppm = float(np.clip(near, 6.0, 64.0))
    ppm = min(ppm, float(np.sqrt(_MAX_TEXELS / max(bay.width * y_top, 1e-6))))
    w_px, h_px = max(2, round(bay.width * ppm)), max(2, round(y_top * ppm))
    tex = np.empty((h_px, w_px, 3), np.uint8)
    owners = np.zeros((h_px, w_px), np.uint16)
    glow = np.zeros((h_px, w_px), np.uint8)
    painter = BayPainter(tex, owners, glow, ppm, y_top, rng, light.dark, near)

    def register(class_name: str, rect: tuple[float, float, float, float]) -> int:
        a, b, c, d = rect  # s0, y0, s1, y1 in bay metres
        corners = wall.point(np.array([a, c, c, a]) + bay.s0, np.array([d, d, b, b]))
        uv = cam.project_polygon(corners)  # a part behind the camera does not count
        if uv is None:
            full = np.array([np.inf, np.inf, -np.inf, -np.inf])
        else:
            full = np.concatenate([uv.min(axis=0), uv.max(axis=0)])
        ident = canvas.register(class_name, full)
        registered.append(ident)
        return ident

    painter.paint(bay, register, flyer_rate, graffiti_rate)
    level = light.level(wall.normal)
    lit = scale_colors(tex, scaled(light.tint, level))
    if painter.lit:
        lit[glow > 0] = tex[glow > 0]
        _glows(canvas, cam, wall, bay, painter.lit)
    c0 = min(max(round((s0 - bay.s0) * ppm), 0), w_px - 1)
    c1 = min(max(round((s1 - bay.s0) * ppm), c0 + 1), w_px)
    origin = wall.point(bay.s0 + c0 / ppm, y_top)
    right = wall.point(1.0, 0.0) - wall.point(0.0, 0.0)
    hom = cam.plane_homography(origin, right / ppm, np.array([0.0, -1.0 / ppm, 0.0]))
    canvas.paste(
        np.ascontiguousarray(lit[:, c0:c1]), hom, owners=np.ascontiguousarray(owners[:, c0:c1])
    )


def _glows(
    canvas: Canvas,
    cam: Camera,
    wall: Wall,
    bay: Bay,
    rects: list[tuple[float, float, float, float]],
) -> None:
    """Night: lit signs and windows (metre rects on the bay) shine."""
    for s0, y0, s1, y1 in sorted(rects, key=lambda r: -(r[2] - r[0]) * (r[3] - r[1]))[:12]:
        p = wall.point(bay.s0 + (s0 + s1) / 2, (y0 + y1) / 2)
        uv, z = cam.project(p[None])
        if z[0] > 0.6:
            r = 0.5 * max(s1 - s0, y1 - y0) * cam.focal / float(z[0])
            color = (200.0, 230.0, 255.0)
            canvas.lights.append(Light(float(uv[0, 0]), float(uv[0, 1]), max(r, 2.0), color, 0.35))
