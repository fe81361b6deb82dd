"""Four-wheeled vehicle models: cars, buses and trucks (local axes as in ``vehicle_parts``)."""

from __future__ import annotations

import itertools

import numpy as np

from training.synth.lighting import scaled
from training.synth.mesh import Decal, Model, Part, box, edge_quad, frustum, prism, side_quad
from training.synth.printed import jitter, pick, vivid
from training.synth.vehicle_parts import CAR_COLORS, GLASS, circle, lights, wheels


def car(rng: np.random.Generator, *, night: bool = False) -> Model:
    """Sedan, hatchback, SUV or MPV, sometimes a taxi."""
    kind = rng.choice(["sedan", "hatch", "suv", "van"], p=[0.42, 0.2, 0.28, 0.1])
    length = rng.uniform(3.9, 4.9) if kind != "hatch" else rng.uniform(3.6, 4.2)
    width = rng.uniform(1.7, 1.9)
    height = {"sedan": 1.46, "hatch": 1.5, "suv": 1.72, "van": 1.85}[kind] + rng.uniform(
        -0.04, 0.08
    )
    clear = 0.24 if kind == "suv" else rng.uniform(0.16, 0.2)
    belt = clear + (0.72 if kind in ("suv", "van") else rng.uniform(0.55, 0.62))
    radius = 0.36 if kind == "suv" else rng.uniform(0.29, 0.33)
    color = jitter(rng, pick(rng, CAR_COLORS), 10)
    taxi = rng.random() < 0.08
    if taxi:
        color = pick(rng, ((20, 190, 240), (40, 150, 40), (160, 90, 30)))
    glass = pick(rng, GLASS)
    hl, hw = length / 2, width / 2
    profile = [
        (-hl + 0.06, clear),
        (hl - 0.06, clear),
        (hl, belt - 0.14),
        (hl - 0.12, belt),
        (-hl + 0.08, belt),
        (-hl, belt - 0.12),
    ]
    body = prism(profile, -hw, hw, color)
    head, tail, lamps = lights(
        night,
        [(hl, belt - 0.2, -hw + 0.3), (hl, belt - 0.2, hw - 0.3)],
        [(-hl, belt - 0.2, -hw + 0.25), (-hl, belt - 0.2, hw - 0.25)],
    )
    front, rear = body.faces[3], body.faces[7]  # profile edges 1 and 5
    dark = (38, 38, 40)
    for side in (-1.0, 1.0):
        c_out, c_in = side * (hw - 0.08), side * (hw - 0.42)
        front.decals.append(
            Decal(edge_quad(profile[1], profile[2], 0.5, 0.92, c_out, c_in), head, night)
        )
        rear.decals.append(
            Decal(
                edge_quad(profile[5], profile[0], 0.05, 0.4, c_out, side * (hw - 0.36)), tail, night
            )
        )
    front.decals.append(Decal(edge_quad(profile[1], profile[2], 0.35, 0.85, -0.45, 0.45), dark))
    plate = pick(rng, ((170, 80, 20), (40, 200, 230), (60, 170, 40)))
    front.decals.append(Decal(edge_quad(profile[1], profile[2], 0.12, 0.3, -0.22, 0.22), plate))
    rear.decals.append(Decal(edge_quad(profile[5], profile[0], 0.45, 0.62, -0.22, 0.22), plate))
    wheelbase = length * rng.uniform(0.57, 0.62)
    axles = [wheelbase / 2 + 0.05, -wheelbase / 2 + 0.05]
    for face in body.faces[:2]:  # wheel arches on both sides
        c = float(face.points[0, 2])
        for a in axles:
            face.decals.append(Decal(circle(a, radius, c, radius * 1.13), scaled(color, 0.35)))
    cabin_front, cabin_top_front, cabin_top_rear, cabin_rear = {
        "sedan": (hl - 1.1, hl - 1.85, -hl + 1.05, -hl + 0.55),
        "hatch": (hl - 0.95, hl - 1.7, -hl + 0.35, -hl + 0.12),
        "suv": (hl - 1.05, hl - 1.62, -hl + 0.28, -hl + 0.12),
        "van": (hl - 0.55, hl - 1.3, -hl + 0.12, -hl + 0.08),
    }[kind]
    cabin = frustum(
        (cabin_rear, cabin_front, -hw + 0.06, hw - 0.06),
        (cabin_top_rear, cabin_top_front, -hw + 0.22, hw - 0.22),
        belt,
        height,
        color,
    )
    cabin.named("front").decal(0.05, 0.95, 0.06, 0.96, glass)
    cabin.named("back").decal(0.08, 0.92, 0.1, 0.9, glass)
    pillars = [0.05, 0.5, 0.95] if kind in ("sedan", "hatch") else [0.05, 0.4, 0.72, 0.95]
    for name in ("right", "left"):
        f = cabin.named(name)
        for s0, s1 in itertools.pairwise(pillars):
            f.decal(s0 + 0.02, s1 - 0.02, 0.1, 0.92, glass)
    parts = [*wheels(axles, radius, width - 0.2, 0.2), body, cabin]
    if taxi:
        parts.append(box(-0.2, 0.1, height, height + 0.14, -0.25, 0.25, (235, 235, 235)))
    return Model(parts, length, width, height + (0.14 if taxi else 0.0), lamps)


def bus(rng: np.random.Generator, *, night: bool = False) -> Model:
    """A city bus: long box, window band, doors on the right, destination display."""
    length, width, height = rng.uniform(8.5, 12.0), rng.uniform(2.45, 2.55), rng.uniform(2.95, 3.3)
    clear, radius = 0.3, 0.5
    color = pick(
        rng,
        (
            (60, 150, 40),
            (170, 90, 20),
            (40, 40, 190),
            (235, 235, 235),
            (20, 190, 240),
            (30, 120, 230),
        ),
    )
    stripe = vivid(rng)
    glass = pick(rng, GLASS)
    hl, hw = length / 2, width / 2
    profile = [
        (-hl, clear),
        (hl, clear),
        (hl, height - 0.3),
        (hl - 0.25, height),
        (-hl + 0.1, height),
        (-hl, height - 0.15),
    ]
    body = prism(profile, -hw, hw, color)
    head, tail, lamps = lights(
        night,
        [(hl, 0.65, -hw + 0.3), (hl, 0.65, hw - 0.3)],
        [(-hl, 0.9, -hw + 0.2), (-hl, 0.9, hw - 0.2)],
    )
    axles = [hl - 2.4, -hl + 2.9]
    for face in body.faces[:2]:
        c = float(face.points[0, 2])
        right = c > 0
        face.decals.append(
            Decal(side_quad(-hl + 0.1, hl - 0.1, clear + 0.35, clear + 0.62, c), stripe)
        )
        face.decals.append(Decal(side_quad(-hl + 0.5, hl - 1.3, 1.3, height - 0.35, c), glass))
        a = -hl + 0.5
        while a < hl - 1.4:  # window pillars
            face.decals.append(Decal(side_quad(a, a + 0.09, 1.3, height - 0.35, c), color))
            a += rng.uniform(1.1, 1.4)
        if right:
            for d0 in (hl - 1.25, -0.5):
                face.decals.append(
                    Decal(side_quad(d0, d0 + 1.0, clear + 0.1, height - 0.35, c), glass)
                )
                face.decals.append(
                    Decal(
                        side_quad(d0 + 0.48, d0 + 0.52, clear + 0.1, height - 0.35, c), (90, 90, 90)
                    )
                )
        for a in axles:
            face.decals.append(Decal(circle(a, radius, c, radius * 1.12), (35, 35, 35)))
    front, top_front, rear = body.faces[3], body.faces[4], body.faces[7]
    front.decals.append(
        Decal(edge_quad(profile[1], profile[2], 0.36, 0.97, -hw + 0.08, hw - 0.08), glass)
    )
    top_front.decals.append(
        Decal(edge_quad(profile[2], profile[3], 0.1, 0.9, -hw + 0.3, hw - 0.3), (20, 20, 20))
    )
    top_front.decals.append(
        Decal(
            edge_quad(profile[2], profile[3], 0.3, 0.7, -hw + 0.6, hw - 0.6), (0, 170, 255), night
        )
    )
    rear.decals.append(
        Decal(edge_quad(profile[5], profile[0], 0.02, 0.3, -hw + 0.3, hw - 0.3), glass)
    )
    for side in (-1.0, 1.0):
        front.decals.append(
            Decal(
                edge_quad(
                    profile[1], profile[2], 0.08, 0.16, side * (hw - 0.12), side * (hw - 0.5)
                ),
                head,
                night,
            )
        )
        rear.decals.append(
            Decal(
                edge_quad(
                    profile[5], profile[0], 0.62, 0.75, side * (hw - 0.1), side * (hw - 0.35)
                ),
                tail,
                night,
            )
        )
    roof = box(-1.2, 1.0, height, height + 0.28, -0.8, 0.8, jitter(rng, (200, 200, 200), 15))
    return Model(
        [*wheels(axles, radius, width - 0.3, 0.3), body, roof], length, width, height + 0.28, lamps
    )


def truck(rng: np.random.Generator, *, night: bool = False) -> Model:
    """Cab-over truck with a box body, an open bed (maybe loaded) or a dump body."""
    kind = rng.choice(["box", "bed", "dump"], p=[0.45, 0.35, 0.2])
    width = rng.uniform(2.0, 2.5) if kind != "bed" else rng.uniform(1.8, 2.1)
    cab_len, cab_h = rng.uniform(1.6, 2.1), rng.uniform(2.3, 2.9)
    cargo_len = {
        "box": rng.uniform(4.0, 7.0),
        "bed": rng.uniform(3.0, 4.2),
        "dump": rng.uniform(4.0, 5.5),
    }[kind]
    length = cab_len + 0.15 + cargo_len
    clear, radius = rng.uniform(0.35, 0.45), rng.uniform(0.4, 0.5)
    hl, hw = length / 2, width / 2
    cab_color = pick(
        rng,
        (
            (170, 90, 20),
            (190, 120, 30),
            (40, 40, 180),
            (230, 230, 230),
            (30, 130, 240),
            (60, 130, 60),
        ),
    )
    glass = pick(rng, GLASS)
    af = hl
    profile = [
        (af - cab_len, clear),
        (af, clear),
        (af, cab_h - 0.25),
        (af - 0.18, cab_h),
        (af - cab_len, cab_h),
    ]
    cab = prism(profile, -hw, hw, cab_color)
    head, tail, lamps = lights(
        night,
        [(hl, 0.8, -hw + 0.25), (hl, 0.8, hw - 0.25)],
        [(-hl, 0.7, -hw + 0.15), (-hl, 0.7, hw - 0.15)],
    )
    front = cab.faces[3]
    front.decals.append(
        Decal(edge_quad(profile[1], profile[2], 0.5, 0.95, -hw + 0.1, hw - 0.1), glass)
    )
    front.decals.append(
        Decal(edge_quad(profile[1], profile[2], 0.2, 0.4, -hw + 0.45, hw - 0.45), (45, 45, 45))
    )
    for side in (-1.0, 1.0):
        front.decals.append(
            Decal(
                edge_quad(
                    profile[1], profile[2], 0.12, 0.24, side * (hw - 0.08), side * (hw - 0.38)
                ),
                head,
                night,
            )
        )
    for face in cab.faces[:2]:
        c = float(face.points[0, 2])
        face.decals.append(
            Decal(side_quad(af - 0.85, af - 0.12, cab_h * 0.55, cab_h - 0.2, c), glass)
        )
        face.decals.append(
            Decal(
                side_quad(af - cab_len + 0.05, af - cab_len + 0.1, clear + 0.1, cab_h - 0.1, c),
                scaled(cab_color, 0.6),
            )
        )
    rear_end = -hl
    cargo_front = af - cab_len - 0.15
    parts: list[Part] = [cab]
    if kind == "box":
        body = pick(
            rng, ((235, 235, 235), (200, 200, 200), (170, 90, 20), (40, 140, 40), (30, 30, 170))
        )
        top = min(cab_h + rng.uniform(0.3, 0.9), 3.9)
        cargo = box(rear_end, cargo_front, clear + 0.2, top, -hw - 0.05, hw + 0.05, body)
        band = vivid(rng)
        for face in (cargo.named("right"), cargo.named("left")):
            face.decal(0.08, 0.92, 0.35, 0.65, band)
        cargo.named("back").decal(0.49, 0.51, 0.02, 0.98, scaled(body, 0.6))
        parts.append(cargo)
    else:
        bed_h = clear + 0.45
        sides = pick(rng, ((170, 90, 20), (120, 120, 120), (60, 130, 60), (40, 40, 160)))
        rail = 0.5 if kind == "bed" else 1.2
        parts.append(box(rear_end, cargo_front, clear + 0.15, bed_h, -hw, hw, (60, 60, 60)))
        for c0, c1 in ((-hw, -hw + 0.06), (hw - 0.06, hw)):
            parts.append(box(rear_end, cargo_front, bed_h, bed_h + rail, c0, c1, sides))
        parts.append(box(rear_end, rear_end + 0.06, bed_h, bed_h + rail, -hw, hw, sides))
        if kind == "dump":
            fill = pick(rng, ((80, 110, 140), (120, 120, 120), (60, 80, 90)))
            parts.append(
                box(
                    rear_end + 0.06,
                    cargo_front,
                    bed_h,
                    bed_h + rail * 0.9,
                    -hw + 0.06,
                    hw - 0.06,
                    fill,
                )
            )
        elif rng.random() < 0.6:
            load = pick(rng, ((160, 90, 30), (60, 120, 40), (200, 200, 200), (90, 140, 180)))
            lh = rng.uniform(0.5, 1.3)
            parts.append(
                box(
                    rear_end + 0.15, cargo_front - 0.1, bed_h, bed_h + lh, -hw + 0.1, hw - 0.1, load
                )
            )
    parts.append(box(rear_end, rear_end + 0.05, clear, clear + 0.2, -hw, hw, (40, 40, 40)))
    bumper = parts[-1].named("back")
    bumper.decal(0.02, 0.18, 0.1, 0.9, tail, emissive=night)
    bumper.decal(0.82, 0.98, 0.1, 0.9, tail, emissive=night)
    axles = [af - 0.7, rear_end + 1.3] + ([rear_end + 2.4] if length > 7.5 else [])
    parts[:0] = wheels(axles, radius, width - 0.35, 0.32)
    top = max(cab_h, max(float(p.points()[:, 1].max()) for p in parts))
    return Model(parts, length, width, top, lamps)
