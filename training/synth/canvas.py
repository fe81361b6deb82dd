"""The drawing surface: pixels plus an owner map that says which labelled object each pixel shows.

Painters draw back to front. Every pixel remembers the instance that drew it last
(0 = unlabelled scenery), so occlusion, clipping at the image border and tight
boxes all fall out of the owner map instead of being estimated from geometry.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from detector.detections import Detections
from training.synth.camera import F64
from training.synth.instances import Instance, inside_fraction, label_boxes
from training.synth.lighting import Color
from training.synth.pixels import U8, scale_colors

OWNER_DTYPE = np.uint16
_SHIFT = 4  # sub-pixel bits for OpenCV drawing
_ONE = 1 << _SHIFT


@dataclass(frozen=True)
class Light:
    """A bright spot (lamp, headlight, lit sign) for the night glow effect."""

    u: float
    v: float
    radius: float
    color: Color
    strength: float


def _fixed(points: F64) -> npt.NDArray[np.int32]:
    return np.round(points * _ONE).astype(np.int32).reshape(-1, 1, 2)


class Canvas:
    """BGR image, owner map (instance id per pixel), optional coverage alpha, and instances."""

    def __init__(
        self, width: int, height: int, *, image: U8 | None = None, transparent: bool = False
    ) -> None:
        self.width, self.height = width, height
        self.image: U8 = np.zeros((height, width, 3), np.uint8) if image is None else image
        if self.image.shape != (height, width, 3):
            raise ValueError(f"canvas image must be {(height, width, 3)}, got {self.image.shape}")
        self.owner = np.zeros((height, width), OWNER_DTYPE)
        self.alpha: U8 | None = np.zeros((height, width), np.uint8) if transparent else None
        self.instances: list[Instance] = []
        self.lights: list[Light] = []
        self._active = 0
        self._extent = np.array([np.inf, np.inf, -np.inf, -np.inf])
        self._shadows: U8 | None = None
        self._shadow_box = [0, 0, 0, 0]

    def copy(self) -> Canvas:
        twin = Canvas(self.width, self.height, image=self.image.copy())
        twin.owner = self.owner.copy()
        twin.alpha = None if self.alpha is None else self.alpha.copy()
        twin.instances = [
            Instance(i.class_name, i.track_id, i.full.copy(), i.area, i.is_box)
            for i in self.instances
        ]
        twin.lights = list(self.lights)
        return twin

    # -- instances -------------------------------------------------------------------------

    @contextmanager
    def instance(self, class_name: str | None, track_id: int = -1) -> Iterator[int]:
        """Attribute everything drawn inside the block to a new instance (None: scenery)."""
        if class_name is None:
            yield 0
            return
        ident = self._new(class_name, track_id, np.array([np.inf, np.inf, -np.inf, -np.inf]))
        previous, self._active = self._active, ident
        self._extent = np.array([np.inf, np.inf, -np.inf, -np.inf])
        try:
            yield ident
        finally:
            self._active = previous
            inst = self.instances[ident - 1]
            inst.full = self._extent.copy()
            self._settle(ident)

    def register(self, class_name: str, full: F64, track_id: int = -1) -> int:
        """A new instance drawn through an owner map (see ``paste``); call ``settle`` after."""
        return self._new(class_name, track_id, np.asarray(full, np.float64))

    def add_box(self, class_name: str, box: F64, track_id: int = -1) -> None:
        """A labelled box that owns no pixels (a background photo's own label)."""
        box = np.asarray(box, np.float64)
        area = float((box[2] - box[0]) * (box[3] - box[1]))
        self.instances.append(Instance(class_name, track_id, box, area, is_box=True))

    def settle(self, idents: Sequence[int]) -> None:
        for ident in idents:
            self._settle(ident)

    def _new(self, class_name: str, track_id: int, full: F64) -> int:
        if len(self.instances) + 1 >= np.iinfo(OWNER_DTYPE).max:
            raise ValueError(f"too many instances on one canvas ({len(self.instances)})")
        self.instances.append(Instance(class_name, track_id, full))
        return len(self.instances)

    def _settle(self, ident: int) -> None:
        inst = self.instances[ident - 1]
        x0, y0, x1, y1 = inst.full
        if not np.isfinite(inst.full).all():
            inst.area = 0.0
            return
        c0, r0 = max(int(x0) - 1, 0), max(int(y0) - 1, 0)
        c1, r1 = min(int(np.ceil(x1)) + 1, self.width), min(int(np.ceil(y1)) + 1, self.height)
        drawn = (
            int(np.count_nonzero(self.owner[r0:r1, c0:c1] == ident)) if c1 > c0 and r1 > r0 else 0
        )
        inside = inside_fraction(inst.full, self.width, self.height)
        inst.area = drawn / inside if inside > 0 else 0.0

    def _grow(self, x0: float, y0: float, x1: float, y1: float) -> None:
        if self._active:
            e = self._extent
            e[0], e[1] = min(e[0], x0), min(e[1], y0)
            e[2], e[3] = max(e[2], x1), max(e[3], y1)

    # -- drawing -------------------------------------------------------------------------

    def fill(self, uv: F64, color: Color, *, convex: bool = True) -> None:
        """Fill a polygon given in pixel coordinates (N, 2)."""
        if len(uv) < 3:
            return
        pts = _fixed(uv)
        draw = cv2.fillConvexPoly if convex else _fill_poly
        draw(self.image, pts, color, cv2.LINE_AA, _SHIFT)
        draw(self.owner, pts, self._active, cv2.LINE_8, _SHIFT)
        if self.alpha is not None:
            draw(self.alpha, pts, 255, cv2.LINE_AA, _SHIFT)
        if self._active:
            lo, hi = uv.min(axis=0), uv.max(axis=0)
            self._grow(lo[0], lo[1], hi[0], hi[1])

    def line(self, a: F64, b: F64, color: Color, thickness: float) -> None:
        t = max(1, round(thickness))
        pa, pb = _fixed(a).ravel().tolist(), _fixed(b).ravel().tolist()
        cv2.line(self.image, pa, pb, color, t, cv2.LINE_AA, _SHIFT)
        cv2.line(self.owner, pa, pb, self._active, t, cv2.LINE_8, _SHIFT)
        if self.alpha is not None:
            cv2.line(self.alpha, pa, pb, 255, t, cv2.LINE_AA, _SHIFT)
        r = t / 2
        self._grow(
            min(a[0], b[0]) - r, min(a[1], b[1]) - r, max(a[0], b[0]) + r, max(a[1], b[1]) + r
        )

    def lines(self, segments: Sequence[F64], color: Color, thickness: float) -> None:
        """Many open polylines in one colour (scenery only: owners are not tracked per line)."""
        if not segments:
            return
        t = max(1, round(thickness))
        pts = [_fixed(s) for s in segments]
        cv2.polylines(self.image, pts, False, color, t, cv2.LINE_AA, _SHIFT)
        cv2.polylines(self.owner, pts, False, self._active, t, cv2.LINE_8, _SHIFT)

    def polyline(self, uv: F64, color: Color, thickness: float, *, closed: bool = False) -> None:
        if len(uv) < 2:
            return
        t = max(1, round(thickness))
        pts = [_fixed(uv)]
        cv2.polylines(self.image, pts, closed, color, t, cv2.LINE_AA, _SHIFT)
        cv2.polylines(self.owner, pts, closed, self._active, t, cv2.LINE_8, _SHIFT)
        if self.alpha is not None:
            cv2.polylines(self.alpha, pts, closed, 255, t, cv2.LINE_AA, _SHIFT)
        lo, hi = uv.min(axis=0) - t / 2, uv.max(axis=0) + t / 2
        self._grow(lo[0], lo[1], hi[0], hi[1])

    def disk(self, center: F64, radius: float, color: Color) -> None:
        c, r = _fixed(center).ravel().tolist(), max(1, round(radius * _ONE))
        cv2.circle(self.image, c, r, color, -1, cv2.LINE_AA, _SHIFT)
        cv2.circle(self.owner, c, r, self._active, -1, cv2.LINE_8, _SHIFT)
        if self.alpha is not None:
            cv2.circle(self.alpha, c, r, 255, -1, cv2.LINE_AA, _SHIFT)
        self._grow(center[0] - radius, center[1] - radius, center[0] + radius, center[1] + radius)

    def shadow(self, uv: F64, darkness: float) -> None:
        """Queue a shadow polygon (0..1 darkness); ``flush_shadows`` applies all of them at once."""
        if len(uv) < 3:
            return
        if self._shadows is None:
            self._shadows = np.zeros((self.height, self.width), np.uint8)
            self._shadow_box = [self.width, self.height, 0, 0]
        cv2.fillPoly(self._shadows, [_fixed(uv)], round(255 * darkness), cv2.LINE_8, _SHIFT)
        lo, hi = uv.min(axis=0), uv.max(axis=0)
        box = self._shadow_box
        box[0], box[1] = min(box[0], int(lo[0])), min(box[1], int(lo[1]))
        box[2], box[3] = max(box[2], int(np.ceil(hi[0]))), max(box[3], int(np.ceil(hi[1])))

    def flush_shadows(self, soften: float) -> None:
        """Darken the image under the queued shadows, blurred by ``soften`` pixels."""
        if self._shadows is None:
            return
        pad = int(3 * soften) + 1
        x0, y0 = max(self._shadow_box[0] - pad, 0), max(self._shadow_box[1] - pad, 0)
        x1 = min(self._shadow_box[2] + pad, self.width)
        y1 = min(self._shadow_box[3] + pad, self.height)
        if x1 > x0 and y1 > y0:
            dark = cv2.GaussianBlur(self._shadows[y0:y1, x0:x1], (0, 0), soften)
            half = np.asarray(0.5 - np.asarray(dark, np.float32) * (0.5 / 255.0), np.float32)
            roi = self.image[y0:y1, x0:x1]
            roi[:] = cv2.blendLinear(roi, roi, half, half)
        self._shadows = None

    def tint(self, uv: F64, gain: float | Color, *, soften: float = 0.0) -> None:
        """Multiply the pixels under a polygon (shadows < 1, light pools > 1); owners unchanged."""
        pad = int(np.ceil(2 * soften)) + 1
        x0, y0 = np.floor(uv.min(axis=0)).astype(int) - pad
        x1, y1 = np.ceil(uv.max(axis=0)).astype(int) + pad
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, self.width), min(y1, self.height)
        if x1 <= x0 or y1 <= y0:
            return
        mask = np.zeros((y1 - y0, x1 - x0), np.float32)
        cv2.fillPoly(mask, [_fixed(uv - (x0, y0))], 1.0, cv2.LINE_AA, _SHIFT)
        if soften > 0:
            mask = np.asarray(cv2.GaussianBlur(mask, (0, 0), soften), np.float32)
        roi = self.image[y0:y1, x0:x1]
        roi[:] = cv2.blendLinear(scale_colors(roi, gain), roi, mask, 1.0 - mask)

    def paste(
        self,
        sprite: U8,
        homography: F64,
        *,
        owners: npt.NDArray[np.uint16] | None = None,
        tight: F64 | None = None,
    ) -> None:
        """Warp a BGRA (or opaque BGR) sprite into the image; ``homography``: sprite px -> image px.

        Pixels with alpha > 50% take the active instance as owner, or, when ``owners``
        (an id per sprite pixel) is given, those ids. ``tight`` is the sprite rectangle
        (x0, y0, x1, y1) its object really covers, used for the instance extent.
        """
        hs, ws = sprite.shape[:2]
        corners = np.array([[0, 0], [ws, 0], [ws, hs], [0, hs]], np.float64)
        den = corners @ homography[2, :2] + homography[2, 2]
        if (den <= 1e-9).any():
            return
        quad = _apply(homography, corners)
        x0, y0 = np.floor(quad.min(axis=0)).astype(int)
        x1, y1 = np.ceil(quad.max(axis=0)).astype(int)
        if tight is not None:
            t = _apply(
                homography, np.array([tight[[0, 1]], tight[[2, 1]], tight[[2, 3]], tight[[0, 3]]])
            )
            self._grow(*t.min(axis=0), *t.max(axis=0))
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, self.width), min(y1, self.height)
        if x1 <= x0 or y1 <= y0:
            return
        # Shrink big sprites first: warping straight down aliases badly.
        scale = np.sqrt(abs(cv2.contourArea(quad.astype(np.float32))) / (ws * hs))
        if scale < 0.5 and min(ws, hs) * scale * 1.5 >= 2:
            nw, nh = max(round(ws * scale * 1.5), 1), max(round(hs * scale * 1.5), 1)
            sprite = np.asarray(
                cv2.resize(sprite, (nw, nh), interpolation=cv2.INTER_AREA), np.uint8
            )
            if owners is not None:
                owners = np.asarray(
                    cv2.resize(owners, (nw, nh), interpolation=cv2.INTER_NEAREST), np.uint16
                )
            homography = homography @ np.diag([ws / nw, hs / nh, 1.0])
        m = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64) @ homography
        size = (x1 - x0, y1 - y0)
        warped = np.asarray(
            cv2.warpPerspective(sprite, m, size, flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0)),
            np.uint8,
        )
        roi = self.image[y0:y1, x0:x1]
        if sprite.shape[2] == 3:  # opaque: its quad is the coverage, no blending needed
            a = np.zeros(size[::-1], np.uint8)
            cv2.fillConvexPoly(a, _fixed(quad - (x0, y0)), 255, cv2.LINE_8, _SHIFT)
            cover = a > 0
            cv2.copyTo(warped, a, roi)
        else:
            a = warped[..., 3]
            cover = a > 127
            if not a.any():
                return
            af = a.astype(np.float32) * (1.0 / 255.0)
            roi[:] = cv2.blendLinear(warped[..., :3], roi, af, 1.0 - af)
        if self.alpha is not None:
            ar = self.alpha[y0:y1, x0:x1]
            ar[:] = np.maximum(ar, a)
        own = self.owner[y0:y1, x0:x1]
        mask = cover.view(np.uint8)
        if owners is None:
            own[cover] = self._active
        else:
            warped_owners = cv2.warpPerspective(owners, m, size, flags=cv2.INTER_NEAREST)
            cv2.copyTo(warped_owners, mask, own)

    def warp(self, homography: F64, border: Color) -> None:
        """Apply a homography to the whole canvas; instances follow it."""
        size = (self.width, self.height)
        self.image = np.asarray(
            cv2.warpPerspective(
                self.image, homography, size, flags=cv2.INTER_LINEAR, borderValue=border
            ),
            np.uint8,
        )
        self.owner = np.asarray(
            cv2.warpPerspective(self.owner, homography, size, flags=cv2.INTER_NEAREST), OWNER_DTYPE
        )
        if self.alpha is not None:
            self.alpha = np.asarray(cv2.warpPerspective(self.alpha, homography, size), np.uint8)
        det = float(np.linalg.det(homography))
        for inst in self.instances:
            if not np.isfinite(inst.full).all():
                continue
            x0, y0, x1, y1 = inst.full
            quad = _apply(homography, np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]))
            inst.full = np.concatenate([quad.min(axis=0), quad.max(axis=0)])
            if inst.is_box:
                inst.area = float((inst.full[2] - inst.full[0]) * (inst.full[3] - inst.full[1]))
            else:
                w = homography[2] @ np.array([(x0 + x1) / 2, (y0 + y1) / 2, 1.0])
                inst.area *= abs(det / w**3)
        moved = _apply(homography, np.array([[lt.u, lt.v] for lt in self.lights]).reshape(-1, 2))
        self.lights = [
            Light(float(p[0]), float(p[1]), lt.radius, lt.color, lt.strength)
            for p, lt in zip(moved, self.lights, strict=True)
        ]

    # -- labels -----------------------------------------------------------------------------

    def labels(
        self,
        names: Sequence[str],
        *,
        min_visible: float = 0.4,
        min_inside: float = 0.25,
        min_size: float = 6.0,
    ) -> Detections:
        """Boxes of the instances worth labelling, in image pixels (rules: ``label_boxes``)."""
        return label_boxes(
            self.owner,
            self.instances,
            names,
            min_visible=min_visible,
            min_inside=min_inside,
            min_size=min_size,
        )


def _fill_poly(
    img: U8 | npt.NDArray[np.uint16],
    pts: npt.NDArray[np.int32],
    color: float | Color,
    line_type: int,
    shift: int,
) -> None:
    cv2.fillPoly(img, [pts], color, line_type, shift)


def _apply(homography: F64, points: F64) -> F64:
    p = points @ homography[:, :2].T + homography[:, 2]
    return np.asarray(p[:, :2] / p[:, 2:3], np.float64)
