"""Two-wheelers: e-scooters, bicycles and motorbikes, with or without a rider."""

from __future__ import annotations

import numpy as np

from training.synth.mesh import Ball, Lamp, Model, Part, Stroke, box, frustum, wheel
from training.synth.printed import jitter, pick, vivid
from training.synth.vehicle_parts import CAR_COLORS, TYRE, circle


def two_wheeler(rng: np.random.Generator, *, rider: bool, night: bool = False) -> Model:
    """E-scooter, bicycle or motorbike; a rider sits on it when ``rider``."""
    kind = rng.choice(["scooter", "bicycle", "motorbike"], p=[0.55, 0.27, 0.18])
    color = vivid(rng) if rng.random() < 0.7 else pick(rng, CAR_COLORS)
    parts: list[Part] = []
    if kind == "bicycle":
        r, half = 0.34, 0.53
        color = pick(
            rng,
            ((20, 200, 250), (40, 130, 250), (200, 130, 30), (60, 170, 60), (40, 40, 40), color),
        )
        tyre = Part(
            strokes=[Stroke(circle(a, r, 0.0, r), TYRE, 0.045, closed=True) for a in (-half, half)]
        )
        crank, saddle, head_tube = (-0.05, 0.32), (-0.2, 0.85), (0.38, 0.85)
        frame = [
            (crank, saddle), (saddle, head_tube), (head_tube, crank),
            (crank, (-half, r)), (saddle, (-half, r)), ((0.4, 0.92), (half, r)),
        ]  # fmt: skip
        strokes = [
            Stroke(np.array([[a0, b0, 0.0], [a1, b1, 0.0]]), color, 0.04)
            for (a0, b0), (a1, b1) in frame
        ]
        strokes.append(Stroke(np.array([[0.4, 0.92, 0.0], [0.36, 1.05, 0.0]]), (60, 60, 60), 0.035))
        strokes.append(
            Stroke(np.array([[0.36, 1.05, -0.3], [0.36, 1.05, 0.3]]), (40, 40, 40), 0.03)
        )
        strokes.append(
            Stroke(np.array([[-0.3, 0.93, 0.0], [-0.12, 0.93, 0.0]]), (30, 30, 30), 0.07)
        )
        parts += [tyre, Part(strokes=strokes)]
        if rng.random() < 0.5:
            parts.append(box(0.4, 0.72, 0.82, 1.0, -0.17, 0.17, color))  # basket
        seat_a, seat_b, bar = -0.2, 0.95, (0.36, 1.05)
        length, width = 2 * (half + r), 0.6
    elif kind == "scooter":
        r, half = rng.uniform(0.2, 0.25), 0.6
        parts += [wheel(a, r, -0.05, 0.05, r, TYRE, (110, 110, 110)) for a in (-half, half)]
        parts.append(
            box(-0.3, 0.35, r * 0.9, r * 0.9 + 0.1, -0.16, 0.16, (40, 40, 40))
        )  # footboard
        parts.append(
            frustum((0.35, 0.5, -0.2, 0.2), (0.42, 0.55, -0.16, 0.16), r * 0.9, 1.0, color)
        )  # leg shield
        parts.append(
            frustum((-0.72, -0.2, -0.18, 0.18), (-0.68, -0.05, -0.17, 0.17), r * 0.9, 0.74, color)
        )
        parts.append(box(-0.62, -0.02, 0.74, 0.84, -0.14, 0.14, (30, 30, 30)))  # seat
        parts[-3].named("front").decal(
            0.3, 0.7, 0.05, 0.18, (230, 240, 245) if not night else (240, 255, 255), emissive=night
        )
        parts.append(
            Part(
                strokes=[
                    Stroke(np.array([[0.5, 1.06, -0.33], [0.5, 1.06, 0.33]]), (40, 40, 40), 0.04)
                ]
            )
        )
        if rng.random() < 0.35:  # delivery box
            dc = pick(rng, ((20, 190, 250), (200, 130, 30), (40, 40, 200)))
            parts.append(box(-0.85, -0.4, 0.84, 1.3, -0.22, 0.22, dc))
        seat_a, seat_b, bar = -0.3, 0.84, (0.5, 1.06)
        length, width = 2 * (half + r), 0.66
    else:
        r, half = 0.3, 0.7
        parts += [wheel(a, r, -0.06, 0.06, r, TYRE, (160, 160, 160)) for a in (-half, half)]
        parts.append(box(-0.2, 0.3, 0.3, 0.62, -0.15, 0.15, (50, 50, 50)))  # engine
        parts.append(
            frustum((0.05, 0.5, -0.17, 0.17), (0.1, 0.45, -0.13, 0.13), 0.62, 0.88, color)
        )  # tank
        parts.append(box(-0.6, 0.05, 0.72, 0.82, -0.14, 0.14, (30, 30, 30)))
        parts.append(
            frustum((-0.75, -0.35, -0.12, 0.12), (-0.8, -0.5, -0.1, 0.1), 0.55, 0.8, color)
        )
        parts.append(Part(strokes=[
            Stroke(np.array([[0.5, 0.9, 0.0], [half, r, 0.0]]), (150, 150, 150), 0.05),
            Stroke(np.array([[0.5, 1.0, -0.36], [0.5, 1.0, 0.36]]), (40, 40, 40), 0.035),
            Stroke(np.array([[-0.1, 0.35, 0.18], [-0.75, 0.4, 0.18]]), (170, 170, 170), 0.07),
        ]))  # fmt: skip
        seat_a, seat_b, bar = -0.3, 0.82, (0.5, 1.0)
        length, width = 2 * (half + r), 0.75
    lamps = (
        [
            Lamp(
                np.array([bar[0] + 0.05, bar[1] - 0.1, 0.0]),
                np.array([1.0, 0, 0]),
                (220, 245, 255),
                0.15,
            )
        ]
        if night
        else []
    )
    height = bar[1] + 0.05
    if rider:
        parts += _rider(rng, seat_a, seat_b, bar)
        height = seat_b + 0.95
    return Model(parts, length, width, height, lamps)


def _rider(
    rng: np.random.Generator, seat_a: float, seat_b: float, bar: tuple[float, float]
) -> list[Part]:
    top = vivid(rng) if rng.random() < 0.5 else jitter(rng, (60, 60, 60), 40)
    legs = jitter(rng, pick(rng, ((40, 40, 40), (110, 70, 40), (150, 150, 150), (80, 60, 50))), 15)
    skin = jitter(rng, (120, 160, 205), 15)
    helmet = pick(
        rng, ((20, 200, 250), (30, 30, 200), (240, 240, 240), (40, 40, 40), (200, 120, 40))
    )
    hip = (seat_a + 0.05, seat_b + 0.08)
    shoulder = (seat_a + 0.2, seat_b + 0.62)
    torso = frustum(
        (hip[0] - 0.13, hip[0] + 0.11, -0.18, 0.18),
        (shoulder[0] - 0.12, shoulder[0] + 0.1, -0.2, 0.2),
        hip[1],
        shoulder[1],
        top,
    )
    strokes = []
    for side in (-0.11, 0.11):
        knee = (hip[0] + 0.42, hip[1] + 0.05)
        foot = (knee[0] + 0.05, max(0.3, seat_b - 0.52))
        strokes.append(
            Stroke(
                np.array(
                    [[hip[0], hip[1], side], [knee[0], knee[1], side], [foot[0], foot[1], side]]
                ),
                legs,
                0.14,
            )
        )
        strokes.append(
            Stroke(
                np.array(
                    [[shoulder[0], shoulder[1] - 0.05, side * 1.7], [bar[0], bar[1], side * 2.6]]
                ),
                top,
                0.09,
            )
        )
    head = Ball(
        np.array([shoulder[0] + 0.04, shoulder[1] + 0.2, 0.0]),
        0.13,
        helmet if rng.random() < 0.7 else skin,
    )
    return [Part(strokes=strokes[::2]), torso, Part(strokes=strokes[1::2], balls=[head])]
