"""Building fronts: shop bays with signboards, windows, shutters, banners, flyers and graffiti.

A facade is the vertical plane X = ``x`` seen from the street side. It is painted
bay by bay as flat textures (metres x ppm) that are warped into the image, with a
parallel owner texture so the signs, flyers and graffiti on it become instances.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from training.synth import printed, sprites
from training.synth.camera import F64, Camera
from training.synth.canvas import U8, Canvas, Light, scale_colors
from training.synth.lighting import Color, Lighting, scaled
from training.synth.printed import jitter, pick
from training.synth.rand import between

_WALLS: tuple[Color, ...] = (
    (170, 190, 205), (200, 210, 215), (215, 215, 210), (150, 160, 170), (120, 130, 150),
    (90, 100, 140), (175, 200, 225), (185, 185, 180), (160, 175, 200), (140, 140, 135),
)  # fmt: skip
_MAX_TEXELS = 160_000
Register = Callable[[str, tuple[float, float, float, float]], int]


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


@dataclass(frozen=True)
class Building:
    s0: float
    s1: float
    height: float
    ground_floor: float
    floor: float
    wall: Color
    material: str
    window_w: float
    window_step: float
    frame: Color


@dataclass(frozen=True)
class Bay:
    s0: float
    s1: float
    kind: str  # glass, shutter, open or wall
    building: Building

    @property
    def width(self) -> float:
        return self.s1 - self.s0


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
    painter = _BayPainter(tex, owners, glow, ppm, y_top, rng, light.dark, near)

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


class _BayPainter:
    """Paints one bay in texture pixels; y: metres above ground, s: metres from the bay's left."""

    def __init__(
        self,
        tex: U8,
        owners: npt.NDArray[np.uint16],
        glow: U8,
        ppm: float,
        y_top: float,
        rng: np.random.Generator,
        night: bool,
        detail: float,
    ) -> None:
        self.tex, self.owners, self.glow = tex, owners, glow
        self.ppm, self.y_top, self.rng, self.night = ppm, y_top, rng, night
        self.detail = detail  # px per metre on screen: what is too small to see is not painted
        self.lit: list[tuple[float, float, float, float]] = []  # glowing rects, for the bloom

    def px(self, s0: float, y0: float, s1: float, y1: float) -> tuple[int, int, int, int]:
        """Pixel rect (x0, r0, x1, r1) of the metre rect with corners (s0, y0), (s1, y1)."""
        h, w = self.owners.shape
        x0, x1 = round(min(s0, s1) * self.ppm), round(max(s0, s1) * self.ppm)
        r0, r1 = (
            round((self.y_top - max(y0, y1)) * self.ppm),
            round((self.y_top - min(y0, y1)) * self.ppm),
        )
        return max(x0, 0), max(r0, 0), min(x1, w), min(r1, h)

    def rect(self, s0: float, y0: float, s1: float, y1: float, color: Color) -> None:
        x0, r0, x1, r1 = self.px(s0, y0, s1, y1)
        if x1 > x0 and r1 > r0:
            cv2.rectangle(self.tex, (x0, r0), (x1 - 1, r1 - 1), color, -1)
            cv2.rectangle(self.owners, (x0, r0), (x1 - 1, r1 - 1), 0, -1)

    def shine(self, s0: float, y0: float, s1: float, y1: float) -> None:
        """Mark a rect as lit: unshaded at night and blooming."""
        x0, r0, x1, r1 = self.px(s0, y0, s1, y1)
        self.glow[r0:r1, x0:x1] = 255
        self.lit.append((s0, y0, s1, y1))

    def put(
        self,
        img: U8,
        s0: float,
        y0: float,
        s1: float,
        y1: float,
        ident: int = 0,
        *,
        glow: bool = False,
    ) -> None:
        """Place an opaque BGR image, or blend a BGRA one, into the metre rect."""
        x0, r0, x1, r1 = self.px(s0, y0, s1, y1)
        if x1 - x0 < 1 or r1 - r0 < 1:
            return
        fx0, fr0 = round(min(s0, s1) * self.ppm), round((self.y_top - max(y0, y1)) * self.ppm)
        fw = max(1, round(abs(s1 - s0) * self.ppm))
        fh = max(1, round(abs(y1 - y0) * self.ppm))
        src = np.asarray(
            cv2.resize(
                img,
                (fw, fh),
                interpolation=cv2.INTER_AREA if img.shape[1] > fw else cv2.INTER_LINEAR,
            ),
            np.uint8,
        )
        src = src[r0 - fr0 : r0 - fr0 + (r1 - r0), x0 - fx0 : x0 - fx0 + (x1 - x0)]
        hh, ww = src.shape[:2]
        roi = self.tex[r0 : r0 + hh, x0 : x0 + ww]
        own = self.owners[r0 : r0 + hh, x0 : x0 + ww]
        if src.shape[2] == 4:
            a = src[..., 3:4].astype(np.float32) / 255.0
            roi[:] = (roi * (1 - a) + src[..., :3] * a + 0.5).astype(np.uint8)
            cover = src[..., 3] > 127
        else:
            roi[:] = src
            cover = np.ones((hh, ww), bool)
        own[cover] = ident
        if glow:
            self.glow[r0 : r0 + hh, x0 : x0 + ww][cover] = 255
            self.lit.append((min(s0, s1), min(y0, y1), max(s0, s1), max(y0, y1)))

    # -- the bay --------------------------------------------------------------------------

    def paint(self, bay: Bay, register: Register, flyer_rate: float, graffiti_rate: float) -> None:
        rng, b = self.rng, bay.building
        w = bay.width
        self._wall(b)
        self._upper_floors(bay)
        gf = b.ground_floor
        pillar = rng.uniform(0.25, 0.5)
        sign_h = rng.uniform(0.7, 1.3)
        sign_top = gf - rng.uniform(0.05, 0.3)
        front_top = sign_top - sign_h - 0.15
        plain = jitter(rng, b.wall, 8)
        if bay.kind != "wall":
            self.rect(pillar, 0.0, w - pillar, front_top, (40, 40, 40))
            {"glass": self._glass, "shutter": self._shutter, "open": self._open}[bay.kind](
                pillar, w - pillar, front_top, register
            )
        else:
            self.rect(0.0, 0.0, w, gf, plain)
            self._plain_wall(w, gf)
        self.rect(0.0, 0.0, w, 0.25, jitter(rng, (110, 110, 115), 15))  # plinth
        if bay.kind != "wall" and rng.random() < 0.88:
            inset = rng.uniform(0.1, 0.35)
            size = (max(8, round((w - 2 * inset) * self.ppm)), max(4, round(sign_h * self.ppm)))
            board = (
                printed.signboard(rng, *size)
                if self.detail >= 8
                else printed.plain_sign(rng, *size)
            )
            ident = register("outdoor_ad", (inset, sign_top - sign_h, w - inset, sign_top))
            self.put(
                board,
                inset,
                sign_top - sign_h,
                w - inset,
                sign_top,
                ident,
                glow=self.night and rng.random() < 0.8,
            )
        if rng.random() < 0.12 and b.height > gf + 2:  # banner across the first floor
            bw, bh = w * rng.uniform(0.5, 0.9), rng.uniform(0.6, 1.0)
            s = between(rng, 0.0, w - bw)
            y = gf + rng.uniform(0.3, 1.2)
            ident = register("outdoor_ad", (s, y, s + bw, y + bh))
            self.put(
                printed.banner(rng, max(8, round(bw * self.ppm)), max(4, round(bh * self.ppm))),
                s,
                y,
                s + bw,
                y + bh,
                ident,
            )
        if rng.random() < 0.05 and b.height > gf + 6:  # billboard on the upper floors
            bw, bh = w * rng.uniform(0.6, 0.9), rng.uniform(2.0, 4.0)
            s, y = between(rng, 0.0, w - bw), gf + rng.uniform(1.5, 3.0)
            ident = register("outdoor_ad", (s, y, s + bw, y + bh))
            self.put(
                printed.poster(rng, max(8, round(bw * self.ppm)), max(8, round(bh * self.ppm))),
                s,
                y,
                s + bw,
                y + bh,
                ident,
            )
        # flyers cluster on pillars, plain walls and shutters
        spots = [(0.0, pillar), (w - pillar, w)] if bay.kind != "wall" else [(0.2, w - 0.2)]
        if bay.kind == "shutter":
            spots.append((pillar + 0.2, w - pillar - 0.2))
        if rng.random() < flyer_rate and self.detail >= 25:
            lo, hi = spots[int(rng.integers(len(spots)))]
            self._flyers(lo, hi, register, int(rng.integers(1, 7)))
        if (
            rng.random() < graffiti_rate * (1.8 if bay.kind in ("wall", "shutter") else 0.6)
            and self.detail >= 4
        ):
            lo, hi = (0.2, w - 0.2) if bay.kind in ("wall", "shutter") else spots[0]
            self._graffiti(lo, hi, front_top, register)

    def _wall(self, b: Building) -> None:
        self.tex[:] = np.array(b.wall, np.uint8)  # owners start at 0
        h, w = self.owners.shape
        step = {"tiles": 0.3, "brick": 0.08, "plaster": 0.0}[b.material] * self.ppm
        if step >= 3:
            line = np.array(scaled(b.wall, 0.9), np.uint8)
            # float steps can land exactly on the edge: keep indices inside the texture
            rows = np.arange(step, h, step).astype(np.intp)
            self.tex[rows[rows < h]] = line
            if b.material == "tiles":
                cols = np.arange(step, w, step).astype(np.intp)
                self.tex[:, cols[cols < w]] = line
        top = (self.y_top - b.height) * self.ppm
        if top > -1:  # cornice
            r = max(0, round(top))
            self.tex[r : r + max(1, round(0.3 * self.ppm))] = np.array(
                scaled(b.wall, 0.75), np.uint8
            )

    def _upper_floors(self, bay: Bay) -> None:
        rng, b = self.rng, bay.building
        glass = jitter(rng, (120, 105, 90), 20)
        y = b.ground_floor + 0.9
        while y + 1.5 < min(b.height, self.y_top + 1.0):
            k0 = int(np.ceil((bay.s0 - b.s0 - 0.8) / b.window_step))
            s = b.s0 + 0.8 + k0 * b.window_step
            while s + b.window_w <= bay.s1:
                ls = s - bay.s0
                if ls >= 0:
                    self.rect(ls - 0.08, y - 0.08, ls + b.window_w + 0.08, y + 1.5 + 0.08, b.frame)
                    lit = self.night and rng.random() < 0.35
                    pane = jitter(rng, (120, 200, 240), 15) if lit else jitter(rng, glass, 12)
                    self.rect(ls, y, ls + b.window_w, y + 1.5, pane)
                    if lit:
                        self.shine(ls, y, ls + b.window_w, y + 1.5)
                    elif rng.random() < 0.3:
                        self.rect(
                            ls,
                            y + 0.3,
                            ls + b.window_w * 0.45,
                            y + 1.5,
                            jitter(rng, (190, 200, 210), 25),
                        )
                    self.rect(
                        ls + b.window_w / 2 - 0.03, y, ls + b.window_w / 2 + 0.03, y + 1.5, b.frame
                    )
                    if rng.random() < 0.25:  # air conditioner
                        self.rect(ls + 0.1, y - 0.65, ls + 0.9, y - 0.1, (215, 215, 215))
                s += b.window_step
            y += b.floor

    def _glass(self, s0: float, s1: float, top: float, register: Register) -> None:
        rng = self.rng
        inside = (120, 170, 215) if self.night else jitter(rng, (95, 85, 75), 15)
        frame = pick(rng, ((60, 60, 60), (190, 190, 190), (40, 40, 40)))
        self.rect(s0, 0.25, s1, top, frame)
        self.rect(s0 + 0.06, 0.3, s1 - 0.06, top - 0.06, inside)
        if self.night:
            self.shine(s0 + 0.06, 0.3, s1 - 0.06, top - 0.06)
        door = between(rng, s0 + 0.3, s1 - 1.3)
        self.rect(door - 0.04, 0.25, door + 1.0, top - 0.3, frame)
        self.rect(door + 0.04, 0.3, door + 0.92, top - 0.36, scaled(inside, 0.8))
        for x in np.arange(s0 + 1.4, s1 - 0.3, rng.uniform(1.2, 2.0)):
            if abs(x - door - 0.5) > 0.8:
                self.rect(x - 0.03, 0.3, x + 0.03, top, frame)
        if rng.random() < 0.3:  # shop window posters
            for _ in range(int(rng.integers(1, 3))):
                pw, ph = rng.uniform(0.4, 0.8), rng.uniform(0.6, 1.1)
                x = between(rng, s0 + 0.1, s1 - pw - 0.1)
                if x < door + 1.0 and x + pw > door:
                    continue
                y = between(rng, 0.6, top - ph - 0.2)
                ident = register("outdoor_ad", (x, y, x + pw, y + ph))
                self.put(
                    printed.poster(rng, max(6, round(pw * self.ppm)), max(8, round(ph * self.ppm))),
                    x,
                    y,
                    x + pw,
                    y + ph,
                    ident,
                )

    def _shutter(self, s0: float, s1: float, top: float, register: Register) -> None:
        rng = self.rng
        metal = jitter(rng, pick(rng, ((175, 175, 170), (150, 155, 160), (120, 140, 160))), 12)
        self.rect(s0, 0.25, s1, top, metal)
        self.rect(s0 - 0.05, top - 0.35, s1 + 0.05, top, scaled(metal, 0.8))
        x0, r0, x1, r1 = self.px(s0, 0.25, s1, top - 0.35)
        step = max(2, round(0.1 * self.ppm))
        self.tex[r0:r1:step, x0:x1] = scaled(metal, 0.82)
        del register

    def _open(self, s0: float, s1: float, top: float, register: Register) -> None:
        rng = self.rng
        if self.detail < 12:
            self.rect(s0, 0.25, s1, top, (50, 60, 70) if not self.night else (110, 160, 210))
            return
        # painted small and scaled up by put(): packs on a shelf need no more detail
        shelf = sprites.shelves(
            rng,
            max(8, min(160, round((s1 - s0) * self.ppm))),
            max(8, min(100, round((top - 0.25) * self.ppm))),
        )
        if not self.night:
            shelf = (shelf * 0.7).astype(np.uint8)
        self.put(shelf, s0, 0.25, s1, top, glow=self.night)
        del register

    def _plain_wall(self, w: float, gf: float) -> None:
        """A wall with no shop: a door, barred windows, a notice, pipes, a tiled dado."""
        rng = self.rng
        if rng.random() < 0.5:  # tiled dado
            self.rect(0.0, 0.0, w, rng.uniform(0.8, 1.2), jitter(rng, (120, 125, 130), 25))
        taken: list[tuple[float, float]] = []
        if rng.random() < 0.6:  # a side door
            x = between(rng, 0.3, w - 1.3)
            self.rect(x - 0.08, 0.25, x + 1.08, 2.38, jitter(rng, (160, 160, 160), 30))
            self.rect(x, 0.25, x + 1.0, 2.3, jitter(rng, (60, 75, 95), 20))
            taken.append((x - 0.3, x + 1.3))
        for _ in range(int(rng.integers(0, 3))):  # barred windows
            x = between(rng, 0.3, w - 1.3)
            if any(a < x + 1.0 and x < b for a, b in taken):
                continue
            taken.append((x - 0.2, x + 1.2))
            self.rect(x - 0.06, 1.04, x + 1.06, 2.26, jitter(rng, (180, 180, 180), 30))
            self.rect(x, 1.1, x + 1.0, 2.2, jitter(rng, (85, 75, 65), 15))
            for k in range(1, 5):
                self.rect(x + k * 0.2 - 0.015, 1.1, x + k * 0.2 + 0.015, 2.2, (60, 60, 60))
        if rng.random() < 0.5:  # drain pipe
            x = between(rng, 0.1, w - 0.2)
            self.rect(x, 0.0, x + 0.1, gf + 2, (150, 150, 150))
        if rng.random() < 0.3:  # stains
            x = between(rng, 0.0, w - 1.5)
            self.rect(
                x,
                0.25,
                x + rng.uniform(0.5, 1.5),
                rng.uniform(0.5, 1.2),
                scaled(self.tex[-1, 0].tolist(), 0.85),
            )

    def _flyers(self, lo: float, hi: float, register: Register, count: int) -> None:
        rng = self.rng
        centre_s = between(rng, lo, hi)
        centre_y = rng.uniform(0.9, 1.9)
        for _ in range(count):
            fw = rng.uniform(0.14, 0.32)
            fh = fw * rng.uniform(1.2, 1.5) if rng.random() < 0.7 else fw * rng.uniform(0.6, 0.8)
            s = float(np.clip(centre_s + rng.normal(0, 0.25), lo, max(lo, hi - fw)))
            y = float(np.clip(centre_y + rng.normal(0, 0.25), 0.5, 2.3))
            spr, tight = printed.flyer(
                rng, max(6, round(fw * self.ppm * 1.5)), max(8, round(fh * self.ppm * 1.5))
            )
            sh, sw = spr.shape[:2]
            grow_w, grow_h = fw * sw / (tight[2] - tight[0]), fh * sh / (tight[3] - tight[1])
            s_lo, y_lo = s - (grow_w - fw) / 2, y - (grow_h - fh) / 2
            ident = register("flyer", (s, y, s + fw, y + fh))
            self.put(spr, s_lo, y_lo, s_lo + grow_w, y_lo + grow_h, ident)

    def _graffiti(self, lo: float, hi: float, top: float, register: Register) -> None:
        rng = self.rng
        gw = min(rng.uniform(0.8, 3.0), hi - lo)
        if gw < 0.4:
            return
        gh = min(gw * rng.uniform(0.3, 0.7), max(0.3, top - 0.4))
        s = between(rng, lo, hi - gw)
        y = between(rng, 0.3, top - gh)
        spr, tight = sprites.graffiti(
            rng, max(16, round(gw * self.ppm)), max(8, round(gh * self.ppm))
        )
        if tight[2] <= tight[0]:
            return
        sh, sw = spr.shape[:2]
        t = tight / np.array([sw, sh, sw, sh])
        rect = (s + t[0] * gw, y + (1 - t[3]) * gh, s + t[2] * gw, y + (1 - t[1]) * gh)
        ident = register("graffiti", rect)
        self.put(spr, s, y, s + gw, y + gh, ident)
