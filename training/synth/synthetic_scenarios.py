"""Scenarios on the demo street: objects rendered into it, passers-by and the presets."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from detector.geometry import Box
from detector.taxonomy import load_taxonomy
from detector.zones import Zone
from training.synth import printed, sprites, trading, vehicles
from training.synth.demo import SCRIPT, image_outline, quad, stage, visible_boxes
from training.synth.furniture import pedestrian
from training.synth.mesh import Pose
from training.synth.scenario import Scenario
from training.synth.scenario_nuisances import NUISANCES
from training.synth.scenario_parts import (
    DWELL_S,
    F32,
    SIZE,
    TAG,
    Layer,
    Mover,
    Static,
    TruthObject,
    clash,
    inside,
)
from training.synth.scene import Scene
from training.synth.things import Prop, mesh_prop, plane_sprite

OBJECT_KINDS = ("stall", "goods", "car", "poster", "graffiti")
MIN_SIDE = 36  # px: smaller objects are beyond what the scene baseline promises


@dataclass(frozen=True)
class _Stage:
    scene: Scene
    empty: F32
    zones: tuple[Zone, ...]


@functools.lru_cache(maxsize=4)
def _stage_for(seed: int) -> _Stage:
    scene = stage(np.random.default_rng([seed, TAG, 0]), SIZE, SCRIPT)
    empty = scene.render().image.astype(np.float32)
    st, cam, kh = scene.street, scene.cam, scene.street.kerb_height
    pavement = quad((0.3, kh, 1.0), (st.kerb - 0.2, kh, 1.0), (st.kerb - 0.2, kh, 40.0))
    bay = quad((st.kerb + 0.1, 0.0, 2.0), (st.kerb + 2.9, 0.0, 2.0), (st.kerb + 2.9, 0.0, 30.0))
    lane = st.lane_centre(1)
    road = quad((lane - 1.6, 0.0, 2.0), (lane + 1.6, 0.0, 2.0), (lane + 1.6, 0.0, 40.0))
    wall = quad((0.0, kh + 1.2, 1.0), (0.0, kh + 1.2, 20.0), (0.0, kh + 3.8, 20.0))
    w, h = SIZE
    zones = (
        Zone(
            id="pavement",
            type="sidewalk",
            polygon=image_outline(cam, pavement),
            static_dwell_s=DWELL_S["sidewalk"],
        ),
        Zone(
            id="kerb-bay",
            type="no_parking",
            polygon=image_outline(cam, bay),
            static_dwell_s=DWELL_S["no_parking"],
        ),
        Zone(
            id="road",
            type="roadway",
            polygon=image_outline(cam, road),
            static_dwell_s=DWELL_S["roadway"],
        ),
        Zone(
            id="facade",
            type="wall",
            polygon=image_outline(cam, wall),
            static_dwell_s=DWELL_S["wall"],
        ),
        Zone(id="sky", type="ignore", polygon=((0, 0), (w, 0), (w, 0.08 * h), (0, 0.08 * h))),
    )
    return _Stage(scene, empty, zones)


def _rendered(stage: _Stage, prop: Prop, names: Sequence[str]) -> tuple[Layer, Box]:
    """A prop drawn into the empty street: its pixels (with its shadow) and its box."""
    prop.track_id = 1
    canvas = stage.scene.render([prop])
    image = canvas.image.astype(np.float32)
    changed = (np.abs(image - stage.empty).sum(axis=2) > 6).astype(np.float32)
    changed = cv2.dilate(changed, np.ones((3, 3), np.uint8))
    alpha = cv2.GaussianBlur(changed, (0, 0), 0.7)[..., None]
    box = visible_boxes(canvas, names).get(1) if prop.class_name else (0.0, 0.0, 1.0, 1.0)
    if box is None:
        raise ValueError(f"{prop.class_name} is not visible from the camera")
    return Layer.cut(image, np.asarray(alpha, np.float32)), box


def _wall_prop(rng: np.random.Generator, stage: _Stage, kind: str) -> Prop:
    """A poster or a graffiti flat on our facade."""
    cam, kh = stage.scene.cam, stage.scene.street.kerb_height
    if kind == "poster":
        w, h = rng.uniform(0.8, 1.6), rng.uniform(0.9, 1.4)
    else:
        w = rng.uniform(1.2, 2.4)
        h = w * rng.uniform(0.35, 0.6)
    z = rng.uniform(2.0, 10.0)
    centre = np.array([0.02, kh + rng.uniform(1.6, 3.0), z + w / 2])
    ppm = float(np.clip(1.5 * cam.scale_at(centre), 40.0, 200.0))
    px = (max(8, round(w * ppm)), max(8, round(h * ppm)))
    if kind == "poster":
        img = printed.poster(rng, *px)
        sprite = np.dstack([img, np.full(img.shape[:2], 255, np.uint8)])
        tight = np.array([0.0, 0.0, *px], np.float64)
        name = "outdoor_ad"
    else:
        sprite, tight = sprites.graffiti(rng, *px)
        name = "graffiti"
    piece = plane_sprite(sprite, tight, centre, np.array([1.0, 0.0, 0.0]), w, h)
    return Prop(name, np.array([0.1, kh, centre[2]]), (w / 2, 0.05), [piece], contact=0.0)


def _object(
    rng: np.random.Generator, stage: _Stage, kind: str, names: Sequence[str]
) -> tuple[str, str, Layer, Box, tuple[float, float]]:
    """(class, zone id, layer, box, arrival drift) for one object of ``kind``."""
    st, cam, kh = stage.scene.street, stage.scene.cam, stage.scene.street.kerb_height
    for _ in range(20):
        if kind in ("stall", "goods"):
            base = np.array([rng.uniform(1.2, st.kerb - 1.3), kh, rng.uniform(3.0, 16.0)])
            make = trading.stall if kind == "stall" else trading.goods
            prop = make(rng, base, float(rng.uniform(0, 2 * np.pi)), cam)
            zone, drift = "pavement", (0.0, 0.0)
        elif kind == "car":
            z = rng.uniform(6.0, 16.0)
            pose = Pose(np.array([st.kerb + 1.15, 0.0, z]), st.lane_heading(0))
            prop = mesh_prop("car", vehicles.car(rng), pose)
            zone = "kerb-bay"
            # it drives in along its lane (towards -Z) before it stops
            a, _ = cam.project(np.array([[st.kerb + 1.15, 0.0, z], [st.kerb + 1.15, 0.0, z + 1.0]]))
            drift = (float(a[1, 0] - a[0, 0]) * 4.0, float(a[1, 1] - a[0, 1]) * 4.0)
        else:
            prop = _wall_prop(rng, stage, kind)
            zone, drift = "facade", (0.0, 0.0)
        try:
            layer, box = _rendered(stage, prop, names)
        except ValueError:
            continue
        if min(box[2] - box[0], box[3] - box[1]) >= MIN_SIDE and inside(stage.zones, zone, box):
            return str(prop.class_name), zone, layer, box, drift
    raise ValueError(f"could not place a {kind} in view after 20 tries")


@functools.lru_cache(maxsize=4)
def _walkers(seed: int) -> tuple[Layer, Layer]:
    """A pedestrian and a car, rendered once, to slide across any background."""
    stage = _stage_for(0)
    names = load_taxonomy().names
    rng = np.random.default_rng([seed, TAG, 3])
    st, kh = stage.scene.street, stage.scene.street.kerb_height
    person = pedestrian(rng, np.array([st.kerb - 1.5, kh, 6.0]), 0.0)
    car = mesh_prop(
        None, vehicles.car(rng), Pose(np.array([st.lane_centre(0), 0.0, 12.0]), st.lane_heading(0))
    )
    return _rendered(stage, person, names)[0], _rendered(stage, car, names)[0]


def movers(rng: np.random.Generator, seconds: float, size: tuple[int, int]) -> tuple[Mover, ...]:
    """Passers-by every few seconds and a car now and then, crossing the frame."""
    person, car = _walkers(int(rng.integers(0, 3)))
    w, h = size
    out: list[Mover] = []
    t = rng.uniform(0, 4)
    while t < seconds:
        left = rng.random() < 0.5
        speed = rng.uniform(25, 45) * (1 if left else -1)
        y = rng.uniform(0.45, 0.85) * h - person.alpha.shape[0]
        x = -person.alpha.shape[1] if left else w
        layer = Layer(person.image, person.alpha, int(x), int(y))
        out.append(Mover(layer, float(t), (float(speed), float(rng.uniform(-3, 3)))))
        if rng.random() < 0.35:
            speed = rng.uniform(120, 220) * (1 if left else -1)
            y = rng.uniform(0.5, 0.8) * h - car.alpha.shape[0]
            x = -car.alpha.shape[1] if left else w
            layer = Layer(car.image, car.alpha, int(x), int(y))
            out.append(Mover(layer, float(t), (float(speed), 0.0)))
        t += rng.uniform(3, 9)
    return tuple(out)


def synthetic_scenario(
    name: str,
    seed: int,
    *,
    objects: Sequence[str] | None = None,
    nuisances: Sequence[str] | None = None,
    seconds: float | None = None,
) -> Scenario:
    """A scenario on the demo street. ``name`` picks a preset (see ``PRESETS``); ``objects``
    and ``nuisances`` override it."""
    preset_objects, preset_nuisances = PRESETS.get(name, ((), ()))
    kinds = tuple(preset_objects if objects is None else objects)
    noise = tuple(preset_nuisances if nuisances is None else nuisances)
    _check(kinds, noise)
    stage = _stage_for(seed % 4)
    names = load_taxonomy().names
    rng = np.random.default_rng([seed, TAG, 1, *(ord(c) for c in name)])
    truths: list[TruthObject] = []
    statics: list[Static] = []
    for i, kind in enumerate(kinds):
        class_name, zone, layer, box, drift = _object(rng, stage, kind, names)
        if any(clash(box, t.box) for t in truths):
            continue
        appear = float(rng.uniform(25.0, 40.0))
        truths.append(TruthObject(f"{kind}-{i}", class_name, box, zone, appear))
        statics.append(Static(layer, appear, None, drift))
    if "departure" in noise:
        statics[:0] = _departures(seed, name, stage, names, [t.box for t in truths])
    longest = max([DWELL_S[stage_zone_type(stage, t.zone_id)] for t in truths], default=0.0)
    total = seconds or (max([t.appear_s for t in truths], default=40.0) + longest + 25.0)
    if not truths:
        total = seconds or 150.0
    return Scenario(
        name=name,
        seed=seed,
        seconds=float(round(total)),
        zones=stage.zones,
        objects=tuple(truths),
        nuisances=noise,
        real=False,
        background=stage.empty,
        statics=tuple(statics),
        movers=movers(rng, total, SIZE) if "traffic" in noise else (),
    )


def _departures(
    seed: int, name: str, stage: _Stage, names: Sequence[str], taken: Sequence[Box]
) -> list[Static]:
    """A stall and a car there from the first frame that leave after 30-42 s: before any
    zone's dwell has run out, so neither is a case for the detector either (their own
    generator: the presets' objects and nuisance paths stay as they were)."""
    rng = np.random.default_rng([seed, TAG, 4, *(ord(c) for c in name)])
    out: list[Static] = []
    boxes = list(taken)
    for kind in ("stall", "car"):
        _, _, layer, box, _ = _object(rng, stage, kind, names)
        leave = float(rng.uniform(30.0, 42.0))
        if not any(clash(box, b) for b in boxes):
            boxes.append(box)
            out.append(Static(layer, 0.0, leave))
    return out


def stage_zone_type(stage: _Stage, zone_id: str) -> str:
    return next(z.type for z in stage.zones if z.id == zone_id)


def _check(kinds: Sequence[str], noise: Sequence[str]) -> None:
    bad = [k for k in kinds if k not in OBJECT_KINDS]
    if bad:
        raise ValueError(f"unknown object kinds {bad}; expected some of {OBJECT_KINDS}")
    bad = [n for n in noise if n not in NUISANCES]
    if bad:
        raise ValueError(f"unknown nuisances {bad}; expected some of {NUISANCES}")


# objects, nuisances
PRESETS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "stall": (("stall",), ("traffic",)),
    "goods": (("goods",), ("shadows",)),
    "car": (("car",), ("traffic", "jpeg")),
    "poster": (("poster",), ("shake",)),
    "graffiti": (("graffiti",), ("jpeg",)),
    "mixed_day": (("stall", "car", "poster"), ("traffic", "shadows", "shake", "jpeg")),
    "mixed_dusk": (("goods", "graffiti"), ("lighting", "rain", "jpeg")),
    "lighting": ((), ("lighting",)),
    "shadows": ((), ("shadows",)),
    "rain": ((), ("rain",)),
    "traffic": ((), ("traffic",)),
    "shake": ((), ("shake",)),
    "jpeg": ((), ("jpeg",)),
    "departure": ((), ("departure", "traffic")),
    "all_nuisances": ((), NUISANCES),
}
