"""Scenario suite for the scene baseline: a fixed camera, objects that appear and stay, and
the nuisances that must not count (issue 5, "cold start").

A scenario is a street seen by one camera at one frame per second of scene time, with
zones and ground truth: which static objects appear (class, box, zone, when they
appear and, optionally, leave). Frames are made lazily by ``Scenario.frames()``.

Backgrounds are either the demo street (``training.synth.demo``'s stage, rendered once)
or a real photograph from ``../shared/datasets`` (facades, traffic cameras), read from
there and never copied. Objects are rendered (or cut from a real photo) once and pasted
over the background from the time they appear; everything that changes per frame is
2-D and cheap: passers-by and traffic sliding across, moving shadows, a day-to-night
lighting ramp (gain, gamma, colour temperature), rain (streaks, darkening, blur), camera
shake (a few pixels and a fraction of a degree), sensor noise and JPEG at quality 50-70,
and departures (objects there from the first frame that leave: what shows where they
stood is the empty scene, not a new object).

Positions, sizes, looks and nuisance paths all come from the seed.

>>> s = synthetic_scenario("stall", seed=0)
>>> [o.class_name for o in s.objects], s.nuisances
(['stall'], ('traffic',))
>>> t, frame = next(iter(s.frames()))
>>> t, frame.shape
(0.0, (480, 640, 3))
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from detector.geometry import Box
from detector.taxonomy import load_taxonomy
from detector.zones import Zone
from training.synth import printed, sprites, trading, vehicles
from training.synth.demo import SCRIPT, image_outline, quad, stage, visible_boxes
from training.synth.furniture import pedestrian
from training.synth.mesh import Pose
from training.synth.scene import Scene
from training.synth.things import Prop, mesh_prop, plane_sprite

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]
SIZE = (640, 480)
FPS = 1.0
_TAG = 0x5CE5  # keeps these generators apart from the dataset, clip and demo ones

# "departure": a stall and a car stand there from the start (in the baseline's warm-up)
# and leave within 42 s; the empty scene that shows where they stood is no new object
NUISANCES = ("lighting", "shadows", "rain", "traffic", "shake", "jpeg", "departure")
# dwell times used by the scenarios: shorter than the defaults so a clip stays short
DWELL_S = {"sidewalk": 45.0, "roadway": 45.0, "no_parking": 60.0, "wall": 30.0}
OBJECT_KINDS = ("stall", "goods", "car", "poster", "graffiti")
MIN_SIDE = 36  # px: smaller objects are beyond what the scene baseline promises


@dataclass(frozen=True)
class TruthObject:
    """A static object that appears (``appear_s``) and stays until ``leave_s`` (None: the
    end). ``box`` is where it stands, in image pixels of the unshaken camera."""

    key: str
    class_name: str
    box: Box
    zone_id: str
    appear_s: float
    leave_s: float | None = None


@dataclass(frozen=True)
class _Layer:
    """A pasted image: colours and coverage over the box ``x0, y0`` + its size."""

    image: F32  # (h, w, 3) BGR
    alpha: F32  # (h, w, 1) in 0..1
    x0: int
    y0: int

    @staticmethod
    def cut(image: F32, alpha: F32) -> _Layer:
        ys, xs = np.nonzero(alpha[..., 0] > 0.01)
        if len(xs) == 0:
            raise ValueError("layer has no visible pixels")
        x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
        return _Layer(image[y0:y1, x0:x1].copy(), alpha[y0:y1, x0:x1].copy(), int(x0), int(y0))

    def paste(self, frame: F32, dx: float = 0.0, dy: float = 0.0) -> None:
        h, w = self.alpha.shape[:2]
        x0, y0 = round(self.x0 + dx), round(self.y0 + dy)
        fx0, fy0 = max(0, x0), max(0, y0)
        fx1, fy1 = min(frame.shape[1], x0 + w), min(frame.shape[0], y0 + h)
        if fx1 <= fx0 or fy1 <= fy0:
            return
        a = self.alpha[fy0 - y0 : fy1 - y0, fx0 - x0 : fx1 - x0]
        img = self.image[fy0 - y0 : fy1 - y0, fx0 - x0 : fx1 - x0]
        region = frame[fy0:fy1, fx0:fx1]
        region += a * (img - region)


@dataclass(frozen=True)
class _Static:
    layer: _Layer
    appear_s: float
    leave_s: float | None
    arrive: tuple[float, float] = (0.0, 0.0)  # image px per second it slides in from


@dataclass(frozen=True)
class _Mover:
    layer: _Layer
    start_s: float
    velocity: tuple[float, float]  # image px per second
    shadow: bool = False


@dataclass(frozen=True)
class Scenario:
    """One camera clip with its zones and ground truth; ``frames()`` renders it lazily."""

    name: str
    seed: int
    seconds: float
    zones: tuple[Zone, ...]
    objects: tuple[TruthObject, ...]
    nuisances: tuple[str, ...]
    real: bool
    background: F32 = field(repr=False)
    statics: tuple[_Static, ...] = field(repr=False, default=())
    movers: tuple[_Mover, ...] = field(repr=False, default=())
    fps: float = FPS

    @property
    def size(self) -> tuple[int, int]:
        return self.background.shape[1], self.background.shape[0]

    def zone(self, zone_id: str) -> Zone:
        for z in self.zones:
            if z.id == zone_id:
                return z
        raise KeyError(f"no zone {zone_id!r}; the scenario has {[z.id for z in self.zones]}")

    def frames(self) -> Iterator[tuple[float, U8]]:
        """(time in seconds, BGR frame) for every frame, rendered one at a time."""
        count = round(self.seconds * self.fps)
        for k in range(count):
            t = k / self.fps
            yield t, self.render(k, t)

    def render(self, k: int, t: float) -> U8:
        rng = np.random.default_rng([self.seed, _TAG, k, 77])
        frame = self.background.copy()
        for obj in self.statics:
            if t < obj.appear_s or (obj.leave_s is not None and t >= obj.leave_s):
                continue
            late = max(0.0, 3.0 - (t - obj.appear_s))  # the last seconds of its arrival
            obj.layer.paste(frame, obj.arrive[0] * late, obj.arrive[1] * late)
        if "shadows" in self.nuisances:
            _shadows(frame, self.seed, t)
        if "traffic" in self.nuisances:
            for m in self.movers:
                if t >= m.start_s:
                    dt = t - m.start_s
                    m.layer.paste(frame, m.velocity[0] * dt, m.velocity[1] * dt)
        if "lighting" in self.nuisances:
            frame = _lighting(frame, t / self.seconds)
        if "rain" in self.nuisances:
            frame = _rain(frame, rng)
        frame += _noise(self.seed, rng, frame.shape[:2])
        out = np.clip(frame, 0, 255).astype(np.uint8)
        if "shake" in self.nuisances:
            out = _shake(out, rng)
        if "jpeg" in self.nuisances:
            ok, buf = cv2.imencode(
                ".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(50, 71))]
            )
            assert ok
            out = np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR), np.uint8)
        return out


# -- nuisances --------------------------------------------------------------------------


@functools.lru_cache(maxsize=2)
def _noise_bank(seed: int, height: int, width: int) -> F32:
    rng = np.random.default_rng([seed, _TAG, 9])
    return rng.normal(0.0, 2.0, (height + 32, width + 32, 3)).astype(np.float32)


def _noise(seed: int, rng: np.random.Generator, size: tuple[int, int]) -> F32:
    """Sensor noise: a random window of a noise bank (drawing it afresh costs 10 ms)."""
    h, w = size
    dy, dx = rng.integers(0, 32, 2)
    return _noise_bank(seed % 2, h, w)[dy : dy + h, dx : dx + w]


def _lighting(frame: F32, u: float) -> F32:
    """Day (u=0) through dusk to night (u=1): gain, gamma and colour temperature."""
    gain = float(np.interp(u, [0.0, 0.3, 0.65, 1.0], [1.05, 0.8, 0.4, 0.16]))
    gamma = float(np.interp(u, [0.0, 0.5, 1.0], [1.0, 1.15, 1.45]))
    # warm at dusk, blue at night (B, G, R)
    tint = np.array(
        [
            np.interp(u, [0, 0.45, 1], [1.0, 0.8, 1.2]),
            np.interp(u, [0, 0.45, 1], [1.0, 0.92, 1.0]),
            np.interp(u, [0, 0.45, 1], [1.0, 1.15, 0.8]),
        ],
        np.float32,
    )
    out = 255.0 * np.power(np.clip(frame, 0, 255) / 255.0, gamma)
    return np.asarray(out * (gain * tint), np.float32)


def _shadows(frame: F32, seed: int, t: float) -> None:
    """Cloud shadows drifting over the scene and a pole's shadow sweeping round."""
    full_h, full_w = frame.shape[:2]
    h, w = full_h // 4, full_w // 4  # drawn at a quarter size: shadows are soft anyway
    rng = np.random.default_rng([seed, _TAG, 5])
    shade = np.ones((h, w), np.float32)
    for _ in range(3):
        cx0, cy = rng.uniform(-0.6, 0.2) * w, rng.uniform(0.3, 0.9) * h
        axes = (int(rng.uniform(0.12, 0.25) * w), int(rng.uniform(0.08, 0.15) * h))
        speed = rng.uniform(1.0, 2.25)  # quarter-size px per second
        cx = cx0 + speed * t
        cx = (cx + 0.3 * w) % (1.6 * w) - 0.3 * w
        cv2.ellipse(shade, (int(cx), int(cy)), axes, 0, 0, 360, float(rng.uniform(0.55, 0.75)), -1)
    angle = np.deg2rad(rng.uniform(20, 60) + 2.0 * t)  # 2 degrees per second
    root = (int(rng.uniform(0.2, 0.8) * w), h - 1)
    tip = (int(root[0] + 0.6 * h * np.cos(angle)), int(root[1] - 0.6 * h * np.sin(angle)))
    cv2.line(shade, root, tip, 0.6, max(1, w // 80))
    shade = cv2.GaussianBlur(shade, (0, 0), 1.5)
    frame *= cv2.resize(shade, (full_w, full_h), interpolation=cv2.INTER_LINEAR)[..., None]


def _rain(frame: F32, rng: np.random.Generator) -> F32:
    h, w = frame.shape[:2]
    out = cv2.GaussianBlur(frame, (0, 0), 0.9) * np.float32(0.8)
    streaks = np.zeros((h, w), np.uint8)
    n = 250
    xs, ys = rng.uniform(0, w, n), rng.uniform(0, h, n)
    length, slant = rng.uniform(8, 22, n), rng.normal(0.15, 0.03)
    for x, y, ln in zip(xs, ys, length, strict=True):
        cv2.line(streaks, (int(x), int(y)), (int(x + slant * ln), int(y + ln)), 45, 1)
    return np.asarray(out + streaks[..., None], np.float32)


def _shake(frame: U8, rng: np.random.Generator) -> U8:
    """A few pixels of translation and a fraction of a degree of rotation."""
    h, w = frame.shape[:2]
    dx, dy = np.clip(rng.normal(0, 1.8, 2), -4, 4)
    angle = float(np.clip(rng.normal(0, 0.15), -0.4, 0.4))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    m[:, 2] += (dx, dy)
    return np.asarray(cv2.warpAffine(frame, m, (w, h), borderMode=cv2.BORDER_REFLECT), np.uint8)


# -- the synthetic street ----------------------------------------------------------------


@dataclass(frozen=True)
class _Stage:
    scene: Scene
    empty: F32
    zones: tuple[Zone, ...]


@functools.lru_cache(maxsize=4)
def _stage_for(seed: int) -> _Stage:
    scene = stage(np.random.default_rng([seed, _TAG, 0]), SIZE, SCRIPT)
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


def _rendered(stage: _Stage, prop: Prop, names: Sequence[str]) -> tuple[_Layer, Box]:
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
    return _Layer.cut(image, np.asarray(alpha, np.float32)), box


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
) -> tuple[str, str, _Layer, Box, tuple[float, float]]:
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
        if min(box[2] - box[0], box[3] - box[1]) >= MIN_SIDE and _inside(stage.zones, zone, box):
            return str(prop.class_name), zone, layer, box, drift
    raise ValueError(f"could not place a {kind} in view after 20 tries")


def _inside(zones: Sequence[Zone], zone_id: str, box: Box) -> bool:
    zone = next(z for z in zones if z.id == zone_id)
    cx = (box[0] + box[2]) / 2
    point = (cx, (box[1] + box[3]) / 2) if zone.type == "wall" else (cx, box[3] - 2.0)
    return bool(zone.contains(np.array([point]))[0])


@functools.lru_cache(maxsize=4)
def _walkers(seed: int) -> tuple[_Layer, _Layer]:
    """A pedestrian and a car, rendered once, to slide across any background."""
    stage = _stage_for(0)
    names = load_taxonomy().names
    rng = np.random.default_rng([seed, _TAG, 3])
    st, kh = stage.scene.street, stage.scene.street.kerb_height
    person = pedestrian(rng, np.array([st.kerb - 1.5, kh, 6.0]), 0.0)
    car = mesh_prop(
        None, vehicles.car(rng), Pose(np.array([st.lane_centre(0), 0.0, 12.0]), st.lane_heading(0))
    )
    return _rendered(stage, person, names)[0], _rendered(stage, car, names)[0]


def _movers(rng: np.random.Generator, seconds: float, size: tuple[int, int]) -> tuple[_Mover, ...]:
    """Passers-by every few seconds and a car now and then, crossing the frame."""
    person, car = _walkers(int(rng.integers(0, 3)))
    w, h = size
    out: list[_Mover] = []
    t = rng.uniform(0, 4)
    while t < seconds:
        left = rng.random() < 0.5
        speed = rng.uniform(25, 45) * (1 if left else -1)
        y = rng.uniform(0.45, 0.85) * h - person.alpha.shape[0]
        x = -person.alpha.shape[1] if left else w
        layer = _Layer(person.image, person.alpha, int(x), int(y))
        out.append(_Mover(layer, float(t), (float(speed), float(rng.uniform(-3, 3)))))
        if rng.random() < 0.35:
            speed = rng.uniform(120, 220) * (1 if left else -1)
            y = rng.uniform(0.5, 0.8) * h - car.alpha.shape[0]
            x = -car.alpha.shape[1] if left else w
            layer = _Layer(car.image, car.alpha, int(x), int(y))
            out.append(_Mover(layer, float(t), (float(speed), 0.0)))
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
    rng = np.random.default_rng([seed, _TAG, 1, *(ord(c) for c in name)])
    truths: list[TruthObject] = []
    statics: list[_Static] = []
    for i, kind in enumerate(kinds):
        class_name, zone, layer, box, drift = _object(rng, stage, kind, names)
        if any(_clash(box, t.box) for t in truths):
            continue
        appear = float(rng.uniform(25.0, 40.0))
        truths.append(TruthObject(f"{kind}-{i}", class_name, box, zone, appear))
        statics.append(_Static(layer, appear, None, drift))
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
        movers=_movers(rng, total, SIZE) if "traffic" in noise else (),
    )


def _departures(
    seed: int, name: str, stage: _Stage, names: Sequence[str], taken: Sequence[Box]
) -> list[_Static]:
    """A stall and a car there from the first frame that leave after 30-42 s: before any
    zone's dwell has run out, so neither is a case for the detector either (their own
    generator: the presets' objects and nuisance paths stay as they were)."""
    rng = np.random.default_rng([seed, _TAG, 4, *(ord(c) for c in name)])
    out: list[_Static] = []
    boxes = list(taken)
    for kind in ("stall", "car"):
        _, _, layer, box, _ = _object(rng, stage, kind, names)
        leave = float(rng.uniform(30.0, 42.0))
        if not any(_clash(box, b) for b in boxes):
            boxes.append(box)
            out.append(_Static(layer, 0.0, leave))
    return out


def stage_zone_type(stage: _Stage, zone_id: str) -> str:
    return next(z.type for z in stage.zones if z.id == zone_id)


def _clash(a: Box, b: Box) -> bool:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return w * h > 0


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


# -- real photographs as backgrounds -------------------------------------------------------


def shared_datasets() -> Path | None:
    """``../shared/datasets`` (or ``$STREETWATCH_SHARED/datasets``) if it is there."""
    repo = Path(__file__).resolve().parents[2]
    root = Path(os.environ.get("STREETWATCH_SHARED", repo.parent / "shared")) / "datasets"
    return root if (root / "README.md").is_file() else None


def _photo(path: Path) -> F32:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"cannot read image {path}")
    w, h = SIZE
    scale = max(w / img.shape[1], h / img.shape[0])
    img = cv2.resize(img, (round(img.shape[1] * scale + 0.5), round(img.shape[0] * scale + 0.5)))
    y0, x0 = (img.shape[0] - h) // 2, (img.shape[1] - w) // 2
    return img[y0 : y0 + h, x0 : x0 + w].astype(np.float32)


def _images(folder: Path) -> list[Path]:
    return sorted((folder / "images" / "train").glob("*.jpg"))


def _car_crop(rng: np.random.Generator, root: Path) -> _Layer:
    """A real car cut from a traffic-camera photo (its label box, with feathered edges)."""
    images = _images(root / "vehicles")
    for _ in range(50):
        path = images[int(rng.integers(len(images)))]
        label = root / "vehicles" / "labels" / "train" / (path.stem + ".txt")
        if not label.is_file():
            continue
        rows = [r.split() for r in label.read_text().splitlines() if r.strip()]
        cars = [[float(v) for v in r[1:5]] for r in rows if r[0] == "2"]
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is None or not cars:
            continue
        ih, iw = img.shape[:2]
        cx, cy, bw, bh = cars[int(rng.integers(len(cars)))]
        if bw * iw < 50 or bh * ih < 40:
            continue
        x0, y0 = int((cx - bw / 2) * iw), int((cy - bh / 2) * ih)
        crop = img[max(0, y0) : y0 + int(bh * ih), max(0, x0) : x0 + int(bw * iw)]
        target = rng.uniform(90, 150) / crop.shape[1]
        crop = cv2.resize(crop, None, fx=target, fy=target, interpolation=cv2.INTER_AREA)
        ch, cw = crop.shape[:2]
        alpha = np.zeros((ch, cw), np.float32)
        cv2.ellipse(alpha, (cw // 2, ch // 2), (int(cw * 0.48), int(ch * 0.48)), 0, 0, 360, 1.0, -1)
        alpha = np.asarray(cv2.GaussianBlur(alpha, (0, 0), 2.0), np.float32)[..., None]
        return _Layer(crop.astype(np.float32), alpha, 0, 0)
    raise ValueError(f"no usable car label found under {root / 'vehicles'}")


def real_scenario(name: str, seed: int) -> Scenario | None:
    """A scenario on a real photograph, or None when ``../shared/datasets`` is absent.

    ``real_facade``: a facade photo, a poster and a graffiti appear on it;
    ``real_road``: a traffic-camera photo, a (real) car stops in the road;
    ``real_facade_nuisance`` / ``real_road_nuisance``: the same photos, nothing appears.
    """
    root = shared_datasets()
    if root is None:
        return None
    if name not in REAL:
        raise ValueError(f"unknown real scenario {name!r}; expected one of {sorted(REAL)}")
    folder, kinds, noise = REAL[name]
    rng = np.random.default_rng([seed, _TAG, 2, *(ord(c) for c in name)])
    images = _images(root / folder)
    background = _photo(images[int(rng.integers(len(images)))])
    w, h = SIZE
    if folder == "facade-ads":
        zone = Zone(
            id="facade",
            type="wall",
            polygon=((0, 0.1 * h), (w, 0.1 * h), (w, 0.95 * h), (0, 0.95 * h)),
            static_dwell_s=DWELL_S["wall"],
        )
    else:
        zone = Zone(
            id="road",
            type="roadway",
            polygon=((0, 0.35 * h), (w, 0.35 * h), (w, h), (0, h)),
            static_dwell_s=DWELL_S["roadway"],
        )
    truths: list[TruthObject] = []
    statics: list[_Static] = []
    for i, kind in enumerate(kinds):
        layer, class_name = _real_object(rng, root, kind)
        lh, lw = layer.alpha.shape[:2]
        for _ in range(20):
            if kind == "car":
                x, y = rng.uniform(0.05, 0.95) * w - lw, rng.uniform(0.5, 0.95) * h - lh
            else:
                x, y = rng.uniform(0.05, 0.95 * w - lw), rng.uniform(0.15 * h, 0.85 * h - lh)
            x, y = int(max(0, x)), int(max(0, y))
            box = (float(x), float(y), float(x + lw), float(y + lh))
            if not any(_clash(box, t.box) for t in truths) and _inside([zone], zone.id, box):
                break
        placed = _Layer(layer.image, layer.alpha, x, y)
        appear = float(rng.uniform(25.0, 40.0))
        drift = (float(rng.choice([-30.0, 30.0])), 0.0) if kind == "car" else (0.0, 0.0)
        truths.append(TruthObject(f"{kind}-{i}", class_name, box, zone.id, appear))
        statics.append(_Static(placed, appear, None, drift))
    total = max([t.appear_s for t in truths], default=40.0) + DWELL_S[zone.type] + 25.0
    if not truths:
        total = 150.0
    return Scenario(
        name=name,
        seed=seed,
        seconds=float(round(total)),
        zones=(zone,),
        objects=tuple(truths),
        nuisances=noise,
        real=True,
        background=background,
        statics=tuple(statics),
        movers=_movers(rng, total, SIZE) if "traffic" in noise else (),
    )


def _real_object(rng: np.random.Generator, root: Path, kind: str) -> tuple[_Layer, str]:
    if kind == "car":
        return _car_crop(rng, root), "car"
    if kind == "poster":
        pw, ph = int(rng.uniform(60, 110)), int(rng.uniform(80, 130))
        img = printed.poster(rng, pw, ph).astype(np.float32)
        return _Layer(img, np.ones((ph, pw, 1), np.float32), 0, 0), "outdoor_ad"
    gw = int(rng.uniform(100, 180))
    sprite, _ = sprites.graffiti(rng, gw, int(gw * rng.uniform(0.35, 0.6)))
    alpha = sprite[..., 3:4].astype(np.float32) / 255.0
    layer = _Layer.cut(sprite[..., :3].astype(np.float32), alpha)
    return _Layer(layer.image, layer.alpha, 0, 0), "graffiti"


# folder, objects, nuisances
REAL: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "real_facade": ("facade-ads", ("poster", "graffiti"), ("lighting", "shake", "jpeg")),
    "real_road": ("vehicles", ("car",), ("traffic", "shake", "jpeg")),
    "real_facade_nuisance": ("facade-ads", (), ("lighting", "rain", "shake", "jpeg")),
    "real_road_nuisance": ("vehicles", (), ("traffic", "shadows", "shake", "jpeg")),
}


def suite(seeds: Sequence[int] = (0, 1), *, real: bool = True) -> list[Scenario]:
    """Every preset for each seed, plus the real-photo ones where the photos are there."""
    out = [synthetic_scenario(name, seed) for seed in seeds for name in PRESETS]
    if real:
        for seed in seeds:
            for name in REAL:
                scenario = real_scenario(name, seed)
                if scenario is not None:
                    out.append(scenario)
    return out
