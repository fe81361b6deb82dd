"""Out-of-store trading: street stalls and goods put out on the pavement.

Builders take the ground point (``base``, ground height in y), a heading and the
camera (sprites are sized for it, billboards face it) and return a labelled ``Prop``.
"""

from __future__ import annotations

import numpy as np

from training.synth import sprites
from training.synth.camera import F64, UP, Camera, cross, heading_axes
from training.synth.lighting import Color, scaled
from training.synth.mesh import (
    Face,
    Model,
    Part,
    Pose,
    Stroke,
    box,
    frustum,
)
from training.synth.printed import jitter, pick, poster, vivid
from training.synth.things import (
    FlatSprite,
    MeshPiece,
    Piece,
    Prop,
    billboard,
    ground_patch,
    plane_sprite,
    sprite_size,
)


def stall(rng: np.random.Generator, base: F64, heading: float, cam: Camera) -> Prop:
    """A street stall: table or cart with an umbrella or canopy and goods on show."""
    pose = Pose(base, heading)
    kind = rng.choice(["umbrella", "canopy", "cart", "mat"], p=[0.32, 0.32, 0.24, 0.12])
    pieces: list[Piece] = []
    if kind == "mat":
        w, d = rng.uniform(1.2, 2.0), rng.uniform(0.8, 1.3)
        mat = np.zeros((32, 48, 4), np.uint8)
        mat[..., :3] = vivid(rng)
        mat[..., 3] = 255
        pieces.append(ground_patch(mat, np.array([0, 0, 48.0, 32.0]), base, w, d, heading))
        spr, tight = sprites.produce(rng, *sprite_size(cam, base, w, 0.35))
        pieces.append(billboard(spr, tight, base + UP * 0.01, w * 0.9, 0.3, cam, lean=0.6))
        stool = box(d / 2 + 0.1, d / 2 + 0.45, 0.0, 0.4, -0.2, 0.2, jitter(rng, (40, 40, 160), 30))
        pieces.append(MeshPiece(Model([stool], 0.4, 0.4, 0.4), pose))
        return Prop("stall", base.copy(), (max(w, d) / 2, max(w, d) / 2), pieces, contact=0.15)
    width = rng.uniform(1.2, 2.2)
    depth = rng.uniform(0.6, 0.95)
    top = rng.uniform(0.75, 0.9)
    cloth = vivid(rng) if rng.random() < 0.6 else jitter(rng, (235, 235, 235), 10)
    parts: list[Part] = []
    if kind == "cart":
        body = jitter(
            rng, pick(rng, ((200, 200, 200), (40, 130, 220), (30, 30, 170), (160, 120, 40))), 15
        )
        parts.append(box(-depth / 2, depth / 2, 0.3, top, -width / 2, width / 2, body))
        parts[-1].named("front").decal(0.1, 0.9, 0.2, 0.6, vivid(rng))
        for c in (-width / 2 + 0.25, width / 2 - 0.25):
            parts.append(
                Part(strokes=[Stroke(_ring(0.0, 0.2, c, 0.2), (30, 30, 30), 0.06, closed=True)])
            )
        glass = box(
            -depth / 2 + 0.05,
            depth / 2 - 0.05,
            top,
            top + 0.4,
            -width / 2 + 0.05,
            width / 2 - 0.05,
            (210, 200, 180),
        )
        parts.append(glass)
    else:
        legs = (90, 90, 90)
        parts.append(
            box(
                -depth / 2,
                depth / 2,
                top - 0.05,
                top,
                -width / 2,
                width / 2,
                jitter(rng, (200, 200, 190), 30),
            )
        )
        skirt = box(
            -depth / 2 + 0.01,
            depth / 2 - 0.01,
            0.05,
            top - 0.05,
            -width / 2 + 0.01,
            width / 2 - 0.01,
            cloth,
        )
        if rng.random() < 0.5:
            parts.append(skirt)
        else:
            for a in (-depth / 2 + 0.04, depth / 2 - 0.04):
                for c in (-width / 2 + 0.04, width / 2 - 0.04):
                    parts.append(box(a - 0.02, a + 0.02, 0.0, top - 0.05, c - 0.02, c + 0.02, legs))
    spr, tight = (sprites.produce if rng.random() < 0.6 else _packs)(
        rng, *sprite_size(cam, base, width, 0.3)
    )
    tray_centre = _local(pose, 0.0, 0.0, top)
    n = heading_axes(heading)[0]
    if (cam.center - tray_centre) @ n < 0:
        n = -n
    pieces.append(
        billboard(
            spr, tight, tray_centre - n * depth * 0.25, width * 0.95, 0.3, cam, lean=0.5, facing=n
        )
    )
    roof = top + (0.45 if kind == "cart" else 0.0) + rng.uniform(1.0, 1.4)
    if kind == "umbrella":
        r = rng.uniform(0.9, 1.3)
        stripes = (cloth, jitter(rng, (240, 240, 240), 10) if rng.random() < 0.6 else vivid(rng))
        parts.append(
            Part(
                strokes=[
                    Stroke(np.array([[0.0, 0.0, 0.0], [0.0, roof, 0.0]]), (120, 120, 120), 0.04)
                ]
            )
        )
        parts.append(_umbrella(r, roof, stripes))
        reach = max(r, width / 2)
    else:
        a0, a1, c0, c1 = -depth / 2 - 0.3, depth / 2 + 0.25, -width / 2 - 0.1, width / 2 + 0.1
        for a in (a0 + 0.03, a1 - 0.03):
            for c in (c0 + 0.03, c1 - 0.03):
                parts.append(
                    Part(
                        strokes=[
                            Stroke(np.array([[a, 0.0, c], [a, roof, c]]), (110, 110, 110), 0.035)
                        ]
                    )
                )
        canopy = frustum(
            (a0, a1, c0, c1), (a0 + 0.2, a1 - 0.2, c0 + 0.1, c1 - 0.1), roof, roof + 0.25, cloth
        )
        if rng.random() < 0.6:
            stripe = jitter(rng, (240, 240, 240), 10)
            for name in ("front", "back", "left", "right"):
                f = canopy.named(name)
                for k in range(0, 8, 2):
                    f.decal(k / 8, (k + 1) / 8, 0.0, 1.0, stripe)
        parts.append(canopy)
        if rng.random() < 0.5:  # valance with the stall's name
            sign = poster(rng, *sprite_size(cam, base, width, 0.25))
            rgba = np.dstack([sign, np.full(sign.shape[:2], 255, np.uint8)])
            centre = _local(pose, a1, 0.0, roof - 0.12)
            pieces.append(
                plane_sprite(
                    rgba,
                    np.array([0, 0, rgba.shape[1], rgba.shape[0]], float),
                    centre,
                    heading_axes(heading)[0],
                    width,
                    0.25,
                )
            )
        reach = max(depth, width) / 2 + 0.3
    pieces.insert(0, MeshPiece(Model(parts, depth, width, roof), pose))
    ex, ez = _extent(heading, reach, reach)
    return Prop("stall", base.copy(), (ex, ez), pieces, contact=0.2)


def goods(rng: np.random.Generator, base: F64, heading: float, cam: Camera) -> Prop:
    """Goods put out on the pavement: boxes, crates, sacks, a clothes rack or a shelf."""
    pose = Pose(base, heading)
    kind = rng.choice(
        ["boxes", "crates", "sacks", "rack", "shelf"], p=[0.26, 0.24, 0.16, 0.2, 0.14]
    )
    pieces: list[Piece] = []
    if kind in ("boxes", "crates"):
        parts: list[Part] = []
        cols, rows = int(rng.integers(1, 4)), int(rng.integers(1, 3))
        size = rng.uniform(0.35, 0.55) if kind == "boxes" else rng.uniform(0.4, 0.55)
        crate = pick(
            rng, ((40, 40, 190), (170, 100, 30), (40, 150, 60), (30, 180, 230), (120, 120, 120))
        )
        for r in range(rows):
            for k in range(cols):
                levels = int(rng.integers(1, 4))
                for lv in range(levels):
                    a = (r - (rows - 1) / 2) * size * 1.02
                    c = (k - (cols - 1) / 2) * size * 1.05 + rng.normal(0, 0.03)
                    h = size * (0.75 if kind == "crates" else rng.uniform(0.6, 1.0))
                    color = (
                        jitter(rng, (90, 140, 185) if rng.random() < 0.8 else (230, 230, 230), 15)
                        if kind == "boxes"
                        else jitter(rng, crate, 10)
                    )
                    b = box(
                        a - size / 2,
                        a + size / 2,
                        lv * h,
                        (lv + 1) * h - 0.01,
                        c - size / 2,
                        c + size / 2,
                        color,
                    )
                    _box_marks(b, kind, rng)
                    parts.append(b)
        model = Model(parts, rows * size, cols * size, 3 * size)
        ex, ez = _extent(heading, rows * size / 2, cols * size / 2)
        return Prop("goods", base.copy(), (ex, ez), [MeshPiece(model, pose)], contact=0.3)
    if kind == "sacks":
        w, h = rng.uniform(0.8, 1.6), rng.uniform(0.5, 1.0)
        spr, tight = sprites.sacks(rng, *sprite_size(cam, base, w, h))
        pieces.append(billboard(spr, tight, base, w, h, cam, lean=0.15))
        return Prop("goods", base.copy(), (w / 2, w / 3), pieces, contact=0.3)
    if kind == "rack":
        w, h = rng.uniform(1.0, 1.6), rng.uniform(1.3, 1.7)
        frame = (150, 150, 150)
        hw = w / 2
        rails = [
            [[0.0, 0.0, -hw], [0.0, h, -hw], [0.0, h, hw], [0.0, 0.0, hw]],
            [[-0.25, 0.02, -hw], [0.25, 0.02, -hw]],
            [[-0.25, 0.02, hw], [0.25, 0.02, hw]],
        ]
        parts = [Part(strokes=[Stroke(np.array(r), frame, 0.03) for r in rails])]
        pieces.append(MeshPiece(Model(parts, 0.5, w, h), pose))
        spr, tight = sprites.clothes(rng, *sprite_size(cam, base, w, h))
        _, right = heading_axes(heading)
        top = base + UP * (h - 0.02) - right * (w / 2)
        sh, sw = spr.shape[:2]
        pieces.append(FlatSprite(spr, tight, top, right * (w / sw), -UP * ((h - 0.1) / sh)))
        ex, ez = _extent(heading, 0.3, w / 2)
        return Prop("goods", base.copy(), (ex, ez), pieces, contact=0.15)
    w, h, d = rng.uniform(0.8, 1.4), rng.uniform(1.0, 1.6), rng.uniform(0.35, 0.5)
    unit = box(-d / 2, d / 2, 0.0, h, -w / 2, w / 2, jitter(rng, (150, 150, 150), 40))
    shelf = sprites.shelves(rng, *sprite_size(cam, base, w, h))
    rgba = np.dstack([shelf, np.full(shelf.shape[:2], 255, np.uint8)])
    centre = _local(pose, d / 2 + 0.01, 0.0, h / 2)
    pieces.append(MeshPiece(Model([unit], d, w, h), pose))
    pieces.append(
        plane_sprite(
            rgba,
            np.array([0, 0, rgba.shape[1], rgba.shape[0]], float),
            centre,
            heading_axes(heading)[0],
            w * 0.92,
            h * 0.92,
        )
    )
    ex, ez = _extent(heading, d / 2, w / 2)
    return Prop("goods", base.copy(), (ex, ez), pieces, contact=0.3)


def _packs(rng: np.random.Generator, w: int, h: int) -> sprites.Sprite:
    img = np.zeros((h, w, 4), np.uint8)
    x = 0.0
    while x < w:
        pw, ph = rng.uniform(0.08, 0.2) * w, rng.uniform(0.4, 1.0) * h
        img[int(h - ph) :, int(x) : int(x + pw)] = (*vivid(rng), 255)
        x += pw + 1
    return img, np.array([0.0, 0.0, w, h])


def _box_marks(part: Part, kind: str, rng: np.random.Generator) -> None:
    if kind == "boxes":
        tape = (110, 170, 210) if rng.random() < 0.7 else (60, 60, 60)
        part.named("top").decal(0.45, 0.55, 0.0, 1.0, tape)
        if rng.random() < 0.5:
            part.named("front").decal(0.25, 0.75, 0.3, 0.6, vivid(rng))
    else:
        for name in ("front", "back", "left", "right"):
            f = part.named(name)
            for k in range(3):
                f.decal(0.12 + k * 0.27, 0.3 + k * 0.27, 0.2, 0.45, scaled(f.color, 0.5))
        part.named("top").decal(
            0.08,
            0.92,
            0.08,
            0.92,
            pick(rng, ((0, 140, 250), (40, 160, 60), (30, 30, 190), (30, 30, 30))),
        )


def _umbrella(r: float, height: float, colors: tuple[Color, Color]) -> Part:
    n = 8
    apex = np.array([0.0, height + 0.35, 0.0])
    ang = np.linspace(0, 2 * np.pi, n + 1)
    faces = []
    for k in range(n):
        p0 = np.array([r * np.cos(ang[k]), height, r * np.sin(ang[k])])
        p1 = np.array([r * np.cos(ang[k + 1]), height, r * np.sin(ang[k + 1])])
        tri = np.stack([apex, p0, p1])
        normal = cross(p0 - apex, p1 - apex)
        normal /= np.linalg.norm(normal)
        if normal[1] < 0:
            normal = -normal
        faces.append(Face(tri, normal, colors[k % 2]))
    return Part(faces, two_sided=True)


def _ring(a: float, b: float, c: float, radius: float) -> F64:
    ang = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    return np.column_stack([a + radius * np.cos(ang), b + radius * np.sin(ang), np.full(12, c)])


def _local(pose: Pose, a: float, c: float, b: float = 0.0) -> F64:
    return np.asarray(pose.apply(np.array([[a, b, c]]))[0], np.float64)


def _extent(heading: float, half_a: float, half_c: float) -> tuple[float, float]:
    c, s = abs(np.cos(heading)), abs(np.sin(heading))
    return (half_a * s + half_c * c, half_a * c + half_c * s)
