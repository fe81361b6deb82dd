"""Painting one shop bay as a flat texture: wall, windows, shop front, signs, flyers, graffiti."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from training.synth import printed, sprites
from training.synth.lighting import Color, scaled
from training.synth.pixels import U8, fill, scale_colors, solid
from training.synth.printed import jitter, pick
from training.synth.rand import between

Register = Callable[[str, tuple[float, float, float, float]], int]


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


class BayPainter:
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
        fill(self.tex, b.wall)  # owners start at 0
        h, w = self.owners.shape
        step = {"tiles": 0.3, "brick": 0.08, "plaster": 0.0}[b.material] * self.ppm
        if step >= 3:
            # joints: whole prepared rows/columns copy fast, unlike a broadcast pixel
            line = solid(1, max(w, h), scaled(b.wall, 0.9))[0]
            # float steps can land exactly on the edge: keep indices inside the texture
            rows = np.arange(step, h, step).astype(np.intp)
            self.tex[rows[rows < h]] = line[:w]
            if b.material == "tiles":
                cols = np.arange(step, w, step).astype(np.intp)
                cols = cols[cols < w]
                self.tex[:, cols] = line[: len(cols)]
        top = (self.y_top - b.height) * self.ppm
        if top > -1:  # cornice
            r = max(0, round(top))
            fill(self.tex, scaled(b.wall, 0.75), 0, r, w, r + max(1, round(0.3 * self.ppm)))

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
        if x1 > x0:
            self.tex[r0:r1:step, x0:x1] = solid(1, x1 - x0, scaled(metal, 0.82))
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
            shelf = scale_colors(shelf, 0.7)
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
        """A cluster of flyers, often copies of one or two designs."""
        rng = self.rng
        centre_s = between(rng, lo, hi)
        centre_y = rng.uniform(0.9, 1.9)
        designs = []
        for _ in range(1 if count <= 2 or rng.random() < 0.6 else 2):
            fw = rng.uniform(0.14, 0.32)
            aspect = rng.uniform(1.2, 1.5) if rng.random() < 0.7 else rng.uniform(0.6, 0.8)
            size = (max(6, round(fw * self.ppm * 1.5)), max(8, round(fw * aspect * self.ppm * 1.5)))
            designs.append((fw, aspect, printed.flyer_sheet(rng, *size)))
        for _ in range(count):
            fw, aspect, sheet = designs[int(rng.integers(len(designs)))]
            fh = fw * aspect
            s = float(np.clip(centre_s + rng.normal(0, 0.25), lo, max(lo, hi - fw)))
            y = float(np.clip(centre_y + rng.normal(0, 0.25), 0.5, 2.3))
            spr, tight = printed.rotate_sprite(sheet, rng.normal(0, 6.0))
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
