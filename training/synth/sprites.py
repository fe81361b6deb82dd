"""Irregular things drawn as BGRA sprites: graffiti, garbage, sacks, clothes, produce, foliage.

Each generator returns the sprite and its tight rectangle (x0, y0, x1, y1) in
sprite pixels; the caller maps the sprite onto a plane in the scene.
"""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np
import numpy.typing as npt

from training.synth.lighting import Color, lighter, scaled
from training.synth.pixels import U8, solid
from training.synth.printed import jitter, pick, tight_rect, vivid

Sprite = tuple[U8, npt.NDArray[np.float64]]

_SPRAY: tuple[Color, ...] = (
    (30, 30, 30), (40, 40, 220), (230, 120, 20), (40, 200, 40), (220, 60, 200), (20, 220, 240),
    (250, 250, 250), (0, 140, 255), (200, 200, 30), (120, 30, 160), (60, 60, 160),
)  # fmt: skip
_BAGS: tuple[Color, ...] = (
    (28, 28, 28), (35, 35, 35), (40, 42, 45), (225, 225, 225), (200, 205, 210), (160, 90, 40),
    (60, 140, 60), (40, 40, 170), (40, 190, 220), (190, 190, 170), (120, 120, 120),
)  # fmt: skip
_FRUIT: tuple[Color, ...] = (
    (0, 140, 250), (30, 30, 200), (40, 180, 90), (30, 210, 230), (60, 60, 150), (40, 120, 40),
)  # fmt: skip


def _p(x: float, y: float) -> tuple[int, int]:
    return round(x * 8), round(y * 8)


@cache
def _ring(n: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    idx = np.arange(n)
    return np.linspace(0, 2 * np.pi, n, endpoint=False), (idx - 1) % n, (idx + 1) % n


def _blob(
    cx: float, cy: float, rx: float, ry: float, rng: np.random.Generator, n: int = 14
) -> npt.NDArray[np.int32]:
    """An irregular closed outline (fixed point, 3 bits) around (cx, cy)."""
    ang, prev, nxt = _ring(n)
    noise = rng.normal(0, 0.12, n)
    r = 1.0 + (noise + noise[prev] + noise[nxt]) / 3
    ang = ang + rng.uniform(0, 1)
    pts = np.empty((n, 2))
    pts[:, 0] = cx + rx * r * np.cos(ang)
    pts[:, 1] = cy + ry * r * np.sin(ang)
    return np.round(pts * 8).astype(np.int32)


def _new(w: int, h: int) -> U8:
    return np.zeros((h, w, 4), np.uint8)


def _finish(img: U8) -> Sprite:
    return img, tight_rect(img[..., 3])


def graffiti(rng: np.random.Generator, w: int, h: int) -> Sprite:
    """A tag, bubble letters or spray scribbles (BGRA)."""
    img = _new(w, h)
    style = rng.random()
    main = pick(rng, _SPRAY)
    if style < 0.4:
        _tag(img, rng, main)
    elif style < 0.75:
        _bubbles(img, rng, main)
    else:
        _scribble(img, rng, main)
    a = img[..., 3].astype(np.float32)
    a = np.asarray(cv2.GaussianBlur(a, (0, 0), max(0.4, 0.006 * w)), np.float32)
    speck = rng.random(a.shape, dtype=np.float32)
    faded = np.where((a > 10) & (a < 200) & (speck < 0.3), a * 0.5, a) * rng.uniform(0.8, 1.0)
    img[..., 3] = np.clip(faded, 0, 255).astype(np.uint8)
    return _finish(img)


def _stroke(img: U8, pts: npt.NDArray[np.float64], color: Color, thick: int) -> None:
    p = np.round(pts * 8).astype(np.int32)
    cv2.polylines(img, [p], False, (*color, 255), thick, cv2.LINE_AA, 3)


def _tag(img: U8, rng: np.random.Generator, color: Color) -> None:
    h, w = img.shape[:2]
    letters = int(rng.integers(3, 8))
    cell = w * 0.9 / letters
    thick = max(1, round(min(h, cell) * rng.uniform(0.06, 0.14)))
    x = w * 0.05
    base = h * rng.uniform(0.55, 0.75)
    slant = rng.uniform(-0.3, 0.1)
    for _ in range(letters):
        k = int(rng.integers(3, 6))
        xs = x + np.sort(rng.uniform(0, cell * 1.1, k))
        ys = base - rng.uniform(0.15, 0.6, k) * h
        ys[0] = base
        xs = xs + (base - ys) * slant
        _stroke(img, np.c_[xs, ys], color, thick)
        x += cell
    swoosh = np.c_[np.linspace(w * 0.05, w * 0.95, 8), base + h * 0.12 + rng.normal(0, h * 0.03, 8)]
    if rng.random() < 0.7:
        _stroke(img, swoosh, color, thick)
    for _ in range(int(rng.integers(0, 4))):  # drips
        dx = rng.uniform(0.1, 0.9) * w
        _stroke(
            img,
            np.array([[dx, base], [dx, base + rng.uniform(0.1, 0.3) * h]]),
            color,
            max(1, thick // 2),
        )


def _bubbles(img: U8, rng: np.random.Generator, fill: Color) -> None:
    h, w = img.shape[:2]
    letters = int(rng.integers(2, 6))
    cell = w * 0.92 / letters
    outline = (20, 20, 20) if rng.random() < 0.7 else pick(rng, _SPRAY)
    shadow = jitter(rng, (40, 40, 60), 20)
    edge = max(2, round(min(cell, h) * 0.07))
    shapes: list[tuple[npt.NDArray[np.int32], int]] = []
    for k in range(letters):
        cx = w * 0.04 + (k + 0.5) * cell
        cy = h * 0.5 + rng.normal(0, 0.05 * h)
        rx, ry = cell * rng.uniform(0.45, 0.62), h * rng.uniform(0.3, 0.42)
        shapes.append((_blob(cx, cy, rx, ry, rng, 16), 0))
        if rng.random() < 0.6:  # a counter (hole) like in O, A, P
            shapes.append((_blob(cx, cy - 0.1 * ry, rx * 0.25, ry * 0.25, rng, 8), 1))
    off = np.array([edge * 8, edge * 8], np.int32)
    for pts, hole in shapes:
        if not hole:
            cv2.fillPoly(img, [pts + off], (*shadow, 255), cv2.LINE_AA, 3)
    for pts, hole in shapes:
        if not hole:
            cv2.polylines(img, [pts], True, (*outline, 255), 2 * edge, cv2.LINE_AA, 3)
    for pts, hole in shapes:
        if not hole:
            cv2.fillPoly(img, [pts], (*fill, 255), cv2.LINE_AA, 3)
    for pts, hole in shapes:
        if hole:
            cv2.fillPoly(img, [pts], (*outline, 255), cv2.LINE_AA, 3)
    light = lighter(fill, 90)
    for pts, hole in shapes[:: max(1, len(shapes) // 3)]:
        if not hole:
            c = pts.mean(axis=0) / 8
            cv2.ellipse(
                img,
                _p(c[0] - cell * 0.15, c[1] - h * 0.15),
                (max(1, round(cell * 0.12 * 8)), max(1, round(h * 0.05 * 8))),
                -30,
                0,
                360,
                (*light, 255),
                -1,
                cv2.LINE_AA,
                3,
            )


def _scribble(img: U8, rng: np.random.Generator, color: Color) -> None:
    h, w = img.shape[:2]
    for k in range(int(rng.integers(2, 6))):
        c = color if k == 0 or rng.random() < 0.5 else pick(rng, _SPRAY)
        t = np.linspace(0, 1, 16)
        p0, p1, p2 = rng.uniform(0.1, 0.9, (3, 2)) * (w, h)
        curve = (
            ((1 - t) ** 2)[:, None] * p0 + (2 * (1 - t) * t)[:, None] * p1 + (t**2)[:, None] * p2
        )
        _stroke(img, curve, c, max(2, round(min(w, h) * rng.uniform(0.04, 0.1))))


def garbage_heap(rng: np.random.Generator, w: int, h: int, *, bags: float = 0.7) -> Sprite:
    """A mound of bags and litter sitting on the bottom edge of the sprite (BGRA)."""
    img = _new(w, h)
    n = int(rng.integers(5, 14))
    base = h * 0.97
    items: list[tuple[float, float, float, float, bool]] = []
    for _ in range(n):
        x = float(np.clip(rng.normal(0.5, 0.2), 0.12, 0.88))
        top = 1.0 - 1.6 * abs(x - 0.5)  # mound profile
        y = base - rng.uniform(0.0, max(top, 0.2)) * h * 0.7
        size = rng.uniform(0.1, 0.22) * w
        items.append((x * w, y, size, size * rng.uniform(0.7, 1.0), rng.random() < bags))
    for x, y, sx, sy, is_bag in sorted(items, key=lambda it: it[1]):
        y = min(y, base - sy)
        if is_bag:
            _bag(img, rng, x, y, sx / 2, sy / 2)
        else:
            _litter_item(img, rng, x, y, sx * 0.8)
    return _finish(img)


def _bag(img: U8, rng: np.random.Generator, cx: float, cy: float, rx: float, ry: float) -> None:
    color = pick(rng, _BAGS)
    dark = scaled(color, 0.55)
    cv2.fillPoly(img, [_blob(cx, cy + ry * 0.08, rx, ry, rng)], (*dark, 255), cv2.LINE_AA, 3)
    cv2.fillPoly(
        img,
        [_blob(cx - rx * 0.05, cy - ry * 0.05, rx * 0.88, ry * 0.85, rng)],
        (*color, 255),
        cv2.LINE_AA,
        3,
    )
    shine = lighter(color, 70)
    cv2.ellipse(
        img,
        _p(cx - rx * 0.35, cy - ry * 0.35),
        (max(1, round(rx * 0.25 * 8)), max(1, round(ry * 0.12 * 8))),
        -35,
        0,
        360,
        (*shine, 255),
        -1,
        cv2.LINE_AA,
        3,
    )
    knot = np.array(
        [[cx - rx * 0.15, cy - ry * 0.85], [cx + rx * 0.15, cy - ry * 0.85], [cx, cy - ry * 1.25]]
    )
    cv2.fillConvexPoly(img, np.round(knot * 8).astype(np.int32), (*dark, 255), cv2.LINE_AA, 3)


def _litter_item(img: U8, rng: np.random.Generator, cx: float, cy: float, size: float) -> None:
    kind = rng.random()
    angle = rng.uniform(0, 180)
    if kind < 0.4:  # cardboard / food box
        color = jitter(rng, (90, 140, 190) if rng.random() < 0.6 else (235, 235, 235), 20)
        dims = (size, size * rng.uniform(0.4, 0.8))
    elif kind < 0.7:  # bottle
        color = pick(rng, ((200, 210, 200), (60, 120, 40), (40, 70, 110), (230, 200, 150)))
        dims = (size * 0.8, size * 0.25)
    else:  # paper / cup / wrapper
        color = jitter(
            rng, pick(rng, ((240, 240, 240), (200, 200, 220), (60, 60, 200), (40, 180, 230))), 15
        )
        dims = (size * 0.5, size * 0.4)
    box = cv2.boxPoints(((cx, cy), dims, angle))
    cv2.fillConvexPoly(img, np.round(box * 8).astype(np.int32), (*color, 255), cv2.LINE_AA, 3)
    edge = scaled(color, 0.6)
    cv2.polylines(img, [np.round(box * 8).astype(np.int32)], True, (*edge, 255), 1, cv2.LINE_AA, 3)


def litter(rng: np.random.Generator, w: int, h: int) -> Sprite:
    """Scattered pieces of litter for a patch of ground (seen from above)."""
    img = _new(w, h)
    for _ in range(int(rng.integers(4, 12))):
        x, y = rng.normal(0.5, 0.2) * w, rng.normal(0.5, 0.2) * h
        if 0.05 * w < x < 0.95 * w and 0.05 * h < y < 0.95 * h:
            _litter_item(img, rng, x, y, rng.uniform(0.06, 0.14) * min(w, h) * 2)
    return _finish(img)


def sacks(rng: np.random.Generator, w: int, h: int) -> Sprite:
    """Stacked woven or burlap sacks (BGRA)."""
    img = _new(w, h)
    base = jitter(rng, pick(rng, ((220, 225, 225), (110, 150, 185), (200, 200, 180))), 15)
    stripe = vivid(rng)
    rows = int(rng.integers(1, 4))
    row_h = h / rows
    for r in range(rows):
        per = int(rng.integers(max(1, rows - r), rows - r + 2))
        sw = w / per
        for k in range(per):
            off = (w - per * sw) / 2 + r * sw * 0.1
            cx, cy = off + (k + 0.5) * sw, h - (r + 0.5) * row_h
            c = jitter(rng, base, 12)
            cv2.fillPoly(
                img, [_blob(cx, cy, sw * 0.5, row_h * 0.52, rng, 12)], (*c, 255), cv2.LINE_AA, 3
            )
            if rng.random() < 0.6:
                y = cy + rng.uniform(-0.2, 0.2) * row_h
                cv2.line(
                    img,
                    _p(cx - sw * 0.4, y),
                    _p(cx + sw * 0.4, y),
                    (*stripe, 255),
                    max(1, round(row_h * 0.06)),
                    cv2.LINE_AA,
                    3,
                )
            dark = scaled(c, 0.7)
            cv2.line(
                img,
                _p(cx - sw * 0.45, cy + row_h * 0.45),
                _p(cx + sw * 0.45, cy + row_h * 0.45),
                (*dark, 255),
                max(1, round(row_h * 0.05)),
                cv2.LINE_AA,
                3,
            )
    return _finish(img)


def clothes(rng: np.random.Generator, w: int, h: int) -> Sprite:
    """Garments hanging from a rail along the top edge (BGRA)."""
    img = _new(w, h)
    n = int(rng.integers(4, 10))
    step = w / n
    for k in range(n):
        cx = (k + 0.5) * step + rng.normal(0, step * 0.1)
        c = vivid(rng) if rng.random() < 0.6 else jitter(rng, (60, 60, 60), 40)
        dark = scaled(c, 0.65)
        top = h * 0.06
        sw = step * rng.uniform(0.9, 1.4)
        length = h * rng.uniform(0.55, 0.92)
        cv2.line(img, _p(cx, 0), _p(cx, top), (*(90.0, 90.0, 90.0), 255), 1, cv2.LINE_AA, 3)
        kind = rng.random()
        if kind < 0.55:  # shirt with sleeves
            body = np.array(
                [
                    [cx - sw * 0.35, top],
                    [cx + sw * 0.35, top],
                    [cx + sw * 0.32, top + length],
                    [cx - sw * 0.32, top + length],
                ]
            )
            sleeves = np.array(
                [
                    [cx - sw * 0.35, top],
                    [cx - sw * 0.55, top + length * 0.35],
                    [cx - sw * 0.4, top + length * 0.4],
                    [cx - sw * 0.3, top + length * 0.15],
                ]
            )
            for poly in (body, sleeves, sleeves * (-1, 1) + (2 * cx, 0)):
                cv2.fillPoly(img, [np.round(poly * 8).astype(np.int32)], (*c, 255), cv2.LINE_AA, 3)
        elif kind < 0.8:  # dress
            body = np.array(
                [
                    [cx - sw * 0.2, top],
                    [cx + sw * 0.2, top],
                    [cx + sw * 0.5, top + length],
                    [cx - sw * 0.5, top + length],
                ]
            )
            cv2.fillPoly(img, [np.round(body * 8).astype(np.int32)], (*c, 255), cv2.LINE_AA, 3)
        else:  # trousers
            for side in (-1, 1):
                leg = np.array(
                    [
                        [cx, top],
                        [cx + side * sw * 0.35, top],
                        [cx + side * sw * 0.3, top + length],
                        [cx + side * sw * 0.05, top + length],
                    ]
                )
                cv2.fillPoly(img, [np.round(leg * 8).astype(np.int32)], (*c, 255), cv2.LINE_AA, 3)
        for _ in range(2):  # folds
            fx = cx + rng.uniform(-0.2, 0.2) * sw
            cv2.line(
                img,
                _p(fx, top + length * 0.3),
                _p(fx + rng.normal(0, 2), top + length * 0.95),
                (*dark, 255),
                1,
                cv2.LINE_AA,
                3,
            )
    return _finish(img)


def produce(rng: np.random.Generator, w: int, h: int) -> Sprite:
    """Fruit or vegetables heaped in a few bunches, as seen on a stall tray (BGRA)."""
    img = _new(w, h)
    bunches = int(rng.integers(2, 5))
    bw = w / bunches
    for b in range(bunches):
        color = pick(rng, _FRUIT)
        r = max(1.5, rng.uniform(0.06, 0.12) * min(w, 2 * h))
        for _ in range(int(rng.integers(6, 16))):
            cx = (b + rng.uniform(0.1, 0.9)) * bw
            cy = h - r - rng.uniform(0, 1) ** 2 * (h - 2 * r)
            c = jitter(rng, color, 25)
            cv2.circle(img, _p(cx, cy), round(r * 8), (*c, 255), -1, cv2.LINE_AA, 3)
            hi = lighter(c, 60)
            cv2.circle(
                img,
                _p(cx - r * 0.3, cy - r * 0.3),
                max(1, round(r * 0.3 * 8)),
                (*hi, 255),
                -1,
                cv2.LINE_AA,
                3,
            )
    return _finish(img)


def shelves(rng: np.random.Generator, w: int, h: int) -> U8:
    """Shelves of colourful packs, for open shop fronts and goods racks (BGR)."""
    img = solid(h, w, jitter(rng, (60, 60, 65), 15))
    rows = int(rng.integers(3, 6))
    rh = h / rows
    for r in range(rows):
        y1 = (r + 1) * rh
        cv2.rectangle(
            img, (0, round(y1 - rh * 0.08)), (w, round(y1)), jitter(rng, (170, 170, 170), 20), -1
        )
        x = 0.0
        while x < w:
            pw = rh * rng.uniform(0.2, 0.5)
            ph = rh * rng.uniform(0.45, 0.85)
            cv2.rectangle(
                img,
                (round(x), round(y1 - rh * 0.08 - ph)),
                (round(x + pw), round(y1 - rh * 0.08)),
                vivid(rng),
                -1,
            )
            x += pw + rh * 0.05
    return img


def foliage(rng: np.random.Generator, w: int, h: int) -> Sprite:
    """A tree crown: overlapping leafy clumps, darker below (BGRA)."""
    img = _new(w, h)
    green = jitter(rng, pick(rng, ((50, 120, 60), (40, 100, 50), (60, 140, 90), (45, 110, 80))), 15)
    for _ in range(int(rng.integers(12, 20))):
        cx, cy = rng.normal(0.5, 0.2) * w, rng.normal(0.45, 0.18) * h
        r = rng.uniform(0.1, 0.2) * w
        shade = 0.7 + 0.5 * (1 - cy / h)
        c = scaled(jitter(rng, green, 12), shade)
        cv2.fillPoly(img, [_blob(cx, cy, r, r * 0.85, rng, 10)], (*c, 255), cv2.LINE_AA, 3)
    return _finish(img)
