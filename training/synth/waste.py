"""Garbage: bins (with or without lids), heaps of bags and litter, and overflowing bins.

An overflowing bin is one ``garbage_overflow`` object: the bin and the garbage on and
around it share one label, never a separate ``garbage_bin``.
"""

from __future__ import annotations

import numpy as np

from training.synth import sprites
from training.synth.camera import F64, UP, Camera
from training.synth.lighting import Color, scaled
from training.synth.mesh import (
    Ball,
    Decal,
    Model,
    Part,
    Pose,
    box,
    frustum,
    prism,
    vertical_prism,
)
from training.synth.printed import jitter, pick
from training.synth.things import (
    MeshPiece,
    Piece,
    Prop,
    billboard,
    ground_patch,
    mesh_prop,
    sprite_size,
)

_BIN_COLORS: tuple[Color, ...] = (
    (60, 130, 50), (40, 110, 40), (150, 90, 30), (120, 120, 120), (60, 60, 60), (40, 40, 170),
    (20, 150, 230), (30, 100, 200),
)  # fmt: skip


def bin_model(rng: np.random.Generator, *, lid: bool) -> tuple[Model, float]:
    """A wheelie bin, a two-compartment street bin or a round bin; returns it and its rim height."""
    kind = rng.choice(["wheelie", "double", "round"], p=[0.45, 0.3, 0.25])
    color = jitter(rng, pick(rng, _BIN_COLORS), 12)
    dark: Color = (25, 25, 25)
    if kind == "wheelie":
        w, d, h = rng.uniform(0.55, 0.7), rng.uniform(0.65, 0.8), rng.uniform(0.95, 1.1)
        body = frustum(
            (-d / 2 + 0.04, d / 2 - 0.04, -w / 2 + 0.04, w / 2 - 0.04),
            (-d / 2, d / 2, -w / 2, w / 2),
            0.05,
            h,
            color,
        )
        parts = [body]
        if rng.random() < 0.5:
            body.named("front").decal(0.35, 0.65, 0.3, 0.6, (235, 235, 235))
        if lid:
            parts.append(
                box(
                    -d / 2 - 0.03,
                    d / 2 + 0.03,
                    h,
                    h + 0.05,
                    -w / 2 - 0.02,
                    w / 2 + 0.02,
                    scaled(color, 0.85),
                )
            )
        else:
            body.named("top").decal(0.05, 0.95, 0.05, 0.95, dark)
        for c in (-w / 2 + 0.05, w / 2 - 0.05):
            parts.append(Part(balls=[Ball(np.array([-d / 2 + 0.05, 0.09, c]), 0.09, (30, 30, 30))]))
        return Model(parts, d, w, h + 0.05), h
    if kind == "double":
        w, d, h = rng.uniform(0.9, 1.2), rng.uniform(0.4, 0.5), rng.uniform(0.85, 1.0)
        body = box(-d / 2, d / 2, 0.0, h, -w / 2, w / 2, jitter(rng, (150, 150, 150), 30))
        second = jitter(rng, pick(rng, _BIN_COLORS), 12)
        for name in ("front", "back"):
            f = body.named(name)
            f.decal(0.03, 0.49, 0.12, 0.97, color)
            f.decal(0.51, 0.97, 0.12, 0.97, second)
            f.decal(0.1, 0.42, 0.15, 0.3, dark)
            f.decal(0.58, 0.9, 0.15, 0.3, dark)
        parts = [body]
        if lid:
            parts.append(
                prism(
                    [(-d / 2 - 0.03, h), (d / 2 + 0.03, h), (0.0, h + 0.12)],
                    -w / 2 - 0.03,
                    w / 2 + 0.03,
                    jitter(rng, (90, 90, 90), 20),
                )
            )
        else:
            body.named("top").decal(0.05, 0.95, 0.1, 0.9, dark)
        return Model(parts, d, w, h + 0.12), h
    r, h = rng.uniform(0.22, 0.32), rng.uniform(0.75, 0.95)
    ang = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    ring = [(float(r * np.cos(t)), float(r * np.sin(t))) for t in ang]
    # a vertical cylinder: extrude the circle along b by building it in (a, c) and swapping axes
    body = vertical_prism(ring, 0.0, h, color)
    parts = [body]
    top = body.faces[0]
    if lid:
        parts.append(
            vertical_prism([(x * 1.08, z * 1.08) for x, z in ring], h, h + 0.06, scaled(color, 0.8))
        )
    else:
        top.decals.append(_inset(top.points, 0.85, dark))
    return Model(parts, 2 * r, 2 * r, h + 0.06), h


def garbage_bin(rng: np.random.Generator, base: F64, heading: float, cam: Camera) -> Prop:
    model, _ = bin_model(rng, lid=rng.random() < 0.6)
    prop = mesh_prop("garbage_bin", model, Pose(base, heading))
    prop.contact = 0.3
    return prop


def garbage(rng: np.random.Generator, base: F64, heading: float, cam: Camera) -> Prop:
    """A heap of bags and litter on the ground, with loose litter around it."""
    w = rng.uniform(0.7, 2.0)
    h = w * rng.uniform(0.35, 0.65)
    spr, tight = sprites.garbage_heap(
        rng, *sprite_size(cam, base, w, h), bags=rng.uniform(0.3, 0.95)
    )
    pieces: list[Piece] = []
    if rng.random() < 0.7:
        lit, lt = sprites.litter(rng, *sprite_size(cam, base, w * 1.5, w * 1.2, hi=128))
        pieces.append(ground_patch(lit, lt, base, w * 1.5, w * 1.1, heading))
    pieces.append(billboard(spr, tight, base, w, h, cam, lean=0.35))
    return Prop("garbage", base.copy(), (w / 2, w / 2.5), pieces, contact=0.3)


def overflow(rng: np.random.Generator, base: F64, heading: float, cam: Camera) -> Prop:
    """A bin with garbage heaped on and around it: labelled as one garbage_overflow."""
    pose = Pose(base, heading)
    model, rim = bin_model(rng, lid=False)
    pieces: list[Piece] = [MeshPiece(model, pose)]
    w = max(model.length, model.width) * rng.uniform(1.1, 1.5)
    h = rng.uniform(0.25, 0.55)
    spr, tight = sprites.garbage_heap(rng, *sprite_size(cam, base, w, h), bags=0.85)
    pieces.append(billboard(spr, tight, base + UP * (rim - 0.12), w, h, cam, lean=0.25))
    to_cam = cam.center - base
    to_cam = np.array([to_cam[0], 0.0, to_cam[2]]) / max(
        float(np.hypot(to_cam[0], to_cam[2])), 1e-6
    )
    side = np.array([to_cam[2], 0.0, -to_cam[0]])
    for _ in range(int(rng.integers(1, 4))):
        off = side * rng.uniform(-0.6, 0.6) * w + to_cam * rng.uniform(0.1, 0.5) * model.width
        bw = rng.uniform(0.35, 0.8)
        bspr, bt = sprites.garbage_heap(rng, *sprite_size(cam, base, bw, bw * 0.6), bags=0.9)
        pieces.append(billboard(bspr, bt, base + off, bw, bw * 0.6, cam, lean=0.3))
    ext = max(model.length, model.width) / 2 + 0.3
    return Prop("garbage_overflow", base.copy(), (ext, ext), pieces, contact=0.35)


def _inset(points: F64, k: float, color: Color) -> Decal:
    centre = points.mean(axis=0)
    return Decal(centre + (points - centre) * k, color)
