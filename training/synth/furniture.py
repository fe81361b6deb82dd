"""Unlabelled street furniture: lamp and sign posts, trees, utility boxes, bollards, people.

They occlude and distract like the real thing; flyers and graffiti on them are added
by the scene as separate labelled props.
"""

from __future__ import annotations

import numpy as np

from training.synth import sprites
from training.synth.camera import F64, UP, Camera
from training.synth.lighting import Color, scaled
from training.synth.mesh import (
    Ball,
    Model,
    Part,
    Pose,
    Stroke,
    box,
    frustum,
    vertical_prism,
)
from training.synth.printed import jitter, pick, vivid
from training.synth.things import (
    MeshPiece,
    Prop,
    billboard,
    mesh_prop,
    sprite_size,
)


def pole(
    rng: np.random.Generator,
    base: F64,
    cam: Camera,
    *,
    lamp_dir: F64 | None = None,
    height: float | None = None,
) -> Prop:
    """A lamp post (when ``lamp_dir`` is given) or a sign post."""
    h = height if height is not None else rng.uniform(2.6, 3.4)
    color = pick(rng, ((110, 110, 110), (70, 90, 60), (60, 60, 60), (170, 170, 170)))
    radius = 0.07 if lamp_dir is not None else 0.04
    parts = [_post(radius, h, color)]
    if lamp_dir is not None:
        arm = lamp_dir * 1.2
        parts.append(
            Part(
                strokes=[Stroke(np.array([[0.0, h, 0.0], [arm[2], h + 0.25, arm[0]]]), color, 0.06)]
            )
        )
        head = box(
            arm[2] - 0.3,
            arm[2] + 0.3,
            h + 0.1,
            h + 0.28,
            arm[0] - 0.12,
            arm[0] + 0.12,
            (80, 80, 80),
        )
        head.named("bottom").emissive = True
        head.named("bottom").color = (200, 235, 250)
        parts.append(head)
    else:
        sign_h = h - 0.35
        color_sign = pick(rng, ((160, 70, 20), (40, 40, 200), (30, 200, 240)))
        to_cam = cam.center - base
        n = np.array([to_cam[0], 0, to_cam[2]])
        face = np.arctan2(n[0], n[2])
        plate = box(-0.02, 0.02, sign_h, sign_h + 0.6, -0.3, 0.3, color_sign)
        plate.named("front").decal(0.2, 0.8, 0.25, 0.75, (240, 240, 240))
        return Prop(
            None,
            base.copy(),
            (0.1, 0.1),
            [
                MeshPiece(Model([parts[0]], 0.1, 0.1, h), Pose(base, 0.0)),
                MeshPiece(Model([plate], 0.05, 0.6, 0.6), Pose(base, float(face))),
            ],
            contact=0.0,
        )
    return Prop(
        None,
        base.copy(),
        (0.1, 0.1),
        [MeshPiece(Model(parts, 0.2, 0.2, h + 0.3), Pose(base, 0.0))],
        contact=0.0,
    )


def tree(rng: np.random.Generator, base: F64, cam: Camera) -> Prop:
    h = rng.uniform(4.0, 7.0)
    crown_w = rng.uniform(2.5, 4.5)
    trunk = Part(
        strokes=[Stroke(np.array([[0.0, 0.0, 0.0], [0.0, h * 0.6, 0.0]]), (50, 70, 90), 0.22)]
    )
    spr, tight = sprites.foliage(rng, *sprite_size(cam, base, crown_w, crown_w * 0.9, hi=128))
    crown = billboard(spr, tight, base + UP * (h - crown_w * 0.9), crown_w, crown_w * 0.9, cam)
    return Prop(
        None,
        base.copy(),
        (0.5, 0.5),
        [MeshPiece(Model([trunk], 0.3, 0.3, h), Pose(base, 0.0)), crown],
        contact=0.0,
    )


def utility_box(rng: np.random.Generator, base: F64, heading: float) -> tuple[Prop, Model, Pose]:
    w, d, h = rng.uniform(0.6, 1.2), rng.uniform(0.3, 0.5), rng.uniform(1.0, 1.6)
    color = jitter(
        rng, pick(rng, ((170, 170, 165), (90, 120, 80), (190, 200, 200), (140, 160, 170))), 10
    )
    body = box(-d / 2, d / 2, 0.0, h, -w / 2, w / 2, color)
    f = body.named("front")
    f.decal(0.49, 0.51, 0.05, 0.95, scaled(color, 0.6))
    if rng.random() < 0.5:
        f.decal(0.15, 0.3, 0.1, 0.2, (30, 200, 240))
    roof = box(
        -d / 2 - 0.04,
        d / 2 + 0.04,
        h,
        h + 0.05,
        -w / 2 - 0.04,
        w / 2 + 0.04,
        scaled(color, 0.8),
    )
    model = Model([body, roof], d, w, h + 0.05)
    pose = Pose(base, heading)
    return mesh_prop(None, model, pose), model, pose


def bollards(rng: np.random.Generator, start: F64, step: F64, count: int) -> list[Prop]:
    color = pick(rng, ((60, 60, 60), (150, 150, 150), (40, 150, 220)))
    out = []
    for k in range(count):
        base = start + step * k
        out.append(
            Prop(
                None,
                base.copy(),
                (0.1, 0.1),
                [MeshPiece(Model([_post(0.07, 0.8, color)], 0.15, 0.15, 0.8), Pose(base, 0.0))],
                contact=0.2,
            )
        )
    return out


def pedestrian(rng: np.random.Generator, base: F64, heading: float) -> Prop:
    """A person standing or walking: not labelled, but a realistic occluder and distractor."""
    h = rng.uniform(1.55, 1.85)
    top = (
        vivid(rng)
        if rng.random() < 0.4
        else jitter(rng, pick(rng, ((60, 60, 60), (200, 200, 200), (120, 90, 60))), 25)
    )
    legs = jitter(rng, pick(rng, ((50, 40, 35), (110, 70, 40), (60, 60, 60), (170, 170, 170))), 15)
    skin = jitter(rng, (120, 160, 205), 15)
    hair = (30, 30, 35)
    hip, sh = 0.5 * h, 0.82 * h
    stride = rng.uniform(-0.25, 0.25)
    torso = frustum((-0.1, 0.1, -0.17, 0.17), (-0.1, 0.1, -0.2, 0.2), hip - 0.05, sh, top)
    strokes = [
        Stroke(np.array([[0.0, hip, -0.09], [stride, 0.05, -0.09]]), legs, 0.13),
        Stroke(np.array([[0.0, hip, 0.09], [-stride, 0.05, 0.09]]), legs, 0.13),
        Stroke(np.array([[0.0, sh - 0.03, -0.22], [-stride * 0.6, hip, -0.25]]), top, 0.09),
        Stroke(np.array([[0.0, sh - 0.03, 0.22], [stride * 0.6, hip, 0.25]]), top, 0.09),
    ]
    head = Ball(np.array([0.0, sh + 0.12, 0.0]), 0.11, skin if rng.random() < 0.5 else hair)
    model = Model(
        [Part(strokes=strokes[:2]), torso, Part(strokes=strokes[2:], balls=[head])], 0.3, 0.5, h
    )
    return Prop(
        None, base.copy(), (0.25, 0.25), [MeshPiece(model, Pose(base, heading))], contact=0.25
    )


def _post(radius: float, h: float, color: Color) -> Part:
    ang = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    return vertical_prism(
        [(float(radius * np.cos(t)), float(radius * np.sin(t))) for t in ang], 0.0, h, color
    )
