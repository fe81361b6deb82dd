"""Short clips from a fixed camera, for service tests: tracking, dwell times, appearing objects.

Each clip has objects that stay put the whole time (a parked car, a stall, a flyer,
graffiti, garbage, plus whatever else the scene holds), one that appears half way
through and stays, and a few vehicles or two-wheelers that drive across. Light
drifts a little and sensor noise changes from frame to frame.

Static objects keep the box they have when nothing moving is in front of them and
are listed in every frame where at least 40% of them shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from detector.detections import Detections
from detector.geometry import Box
from training.synth import furniture, trading, two_wheelers, vehicles, waste
from training.synth.camera import F64, Camera
from training.synth.canvas import Canvas
from training.synth.effects import develop, random_photo
from training.synth.mesh import Model, Pose
from training.synth.pixels import U8
from training.synth.placement import Placer
from training.synth.population import box_marks
from training.synth.sample import MIN_BOX, MIN_INSIDE, MIN_VISIBLE
from training.synth.scene import build_scene
from training.synth.things import MeshPiece, Prop, mesh_prop

FPS = 2.0
_VEHICLES = ("car", "bus", "truck")
_TAG = 0x5E9  # keeps clip generators apart from the per-image ones


@dataclass(frozen=True)
class TrackedObject:
    track_id: int
    class_name: str
    box: Box
    motion: str  # "static", "appears" or "moving"


@dataclass(frozen=True)
class Frame:
    image: U8
    t_s: float
    objects: tuple[TrackedObject, ...]


@dataclass(eq=False)
class _Mover:
    class_name: str
    model: Model
    x: float
    heading: float
    z0: float
    speed: float  # metres per second along the heading
    start: float  # seconds
    track_id: int

    def prop_at(self, t: float) -> Prop | None:
        if t < self.start:
            return None
        z = self.z0 + np.cos(self.heading) * self.speed * (t - self.start)
        return mesh_prop(
            self.class_name,
            self.model,
            Pose(np.array([self.x, 0.0, z]), self.heading),
            track_id=self.track_id,
        )


def clip_rng(seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, index, _TAG])


def render_clip(
    seed: int, index: int, size: tuple[int, int], length: int, names: Sequence[str]
) -> list[Frame]:
    """The frames of clip ``index``; deterministic in (seed, index, size, length)."""
    if length < 2:
        raise ValueError(f"a clip needs at least 2 frames, got {length}")
    rng = clip_rng(seed, index)
    reserved: list[Prop] = []

    def first(pl: Placer) -> None:
        _ensure_statics(pl)
        # the object that appears later takes its spot now, so nothing else stands there
        late = _appearing(pl)
        if late is not None:
            reserved.append(late)

    scene = build_scene(rng, size, traffic=False, view="opposite", first=first)
    appearing = reserved[0] if reserved else None
    middle = (scene.street.kerb + scene.street.far_kerb) / 2
    scene.props[:] = [  # keep the far lanes free of parked vehicles for the traffic
        p
        for p in scene.props
        if p is not appearing and not (p.class_name in _VEHICLES and p.base[0] > middle)
    ]
    placer = Placer(rng, scene.cam, scene.street, props=scene.props)
    for k, p in enumerate(scene.props):
        p.track_id = 1000 + k
    movers = _movers(rng, placer, length / FPS)
    backdrop = scene.backdrop
    for k, inst in enumerate(backdrop.instances):
        inst.track_id = k + 1
    static_ref = _boxes(scene.render(), names)
    appear_ref = _boxes(scene.render([appearing]), names) if appearing is not None else {}
    photo = random_photo(rng, scene.light)
    drift = rng.uniform(0.02, 0.06)
    phase = rng.uniform(0, 2 * np.pi)
    frames = []
    for t in range(length):
        t_s = t / FPS
        extra = [m for m in (mv.prop_at(t_s) for mv in movers) if m is not None]
        shown = appearing is not None and t >= length // 2
        canvas = scene.render([*extra, *([appearing] if shown and appearing is not None else [])])
        labels = canvas.labels(
            names, min_visible=MIN_VISIBLE, min_inside=MIN_INSIDE, min_size=MIN_BOX
        )
        objects = []
        moving_ids = {mv.track_id for mv in movers}
        assert labels.tracker_id is not None
        for box, cls, track in zip(labels.xyxy, labels.class_id, labels.tracker_id, strict=True):
            track = int(track)
            if track in moving_ids:
                objects.append(TrackedObject(track, names[int(cls)], _tuple(box), "moving"))
            elif appearing is not None and track == appearing.track_id and track in appear_ref:
                objects.append(TrackedObject(track, names[int(cls)], appear_ref[track], "appears"))
            elif track in static_ref:
                objects.append(TrackedObject(track, names[int(cls)], static_ref[track], "static"))
        gain = 1.0 + drift * np.sin(2 * np.pi * t / length + phase)
        image = develop(
            canvas.image,
            photo,
            np.random.default_rng([seed, index, _TAG, t]),
            canvas.lights,
            gain=gain,
        )
        frames.append(Frame(image, t_s, tuple(objects)))
    return frames


def _boxes(canvas: Canvas, names: Sequence[str]) -> dict[int, Box]:
    labels: Detections = canvas.labels(
        names, min_visible=MIN_VISIBLE, min_inside=MIN_INSIDE, min_size=MIN_BOX
    )
    assert labels.tracker_id is not None
    return {int(t): _tuple(b) for b, t in zip(labels.xyxy, labels.tracker_id, strict=True)}


def _tuple(box: npt.NDArray[np.floating[Any]]) -> Box:
    return (float(box[0]), float(box[1]), float(box[2]), float(box[3]))


Builder = Callable[[np.random.Generator, F64, float, Camera], Prop]


def _ensure_statics(pl: Placer) -> None:
    """A parked car, a stall, garbage, a flyer and graffiti, near the camera and apart on screen."""
    st = pl.street
    kh = st.kerb_height
    seen: list[F64] = []

    def car(r: np.random.Generator, base: F64, heading: float, cam: Camera) -> Prop:
        return mesh_prop("car", vehicles.car(r), Pose(base, heading))

    def utility_box(r: np.random.Generator, base: F64, heading: float, cam: Camera) -> Prop:
        return furniture.utility_box(r, base, heading)[0]

    needs: list[tuple[Builder, float, float, float, float]] = [
        (car, st.kerb + 1.0, st.kerb + 1.2, 0.0, float(np.pi)),
        (trading.stall, 1.2, st.kerb - 1.0, kh, float(np.pi / 2)),
        (waste.garbage, 0.5, 0.9, kh, float(np.pi / 2)),
        (utility_box, 0.35, 0.4, kh, float(np.pi / 2)),
    ]
    for build, lo, hi, y, heading in needs:
        for attempt in range(9):
            prop = pl.place(
                build, lo, hi, y, heading, (1.0, 1.0), max_depth=(20.0, 35.0, 60.0)[attempt // 3]
            )
            if prop is None:
                continue
            box = _screen_box(prop, pl.cam)
            if all(_overlap(box, other) < 0.15 for other in seen):
                seen.append(box)
                break
            pl.props.remove(prop)
        else:
            continue
        if build is utility_box:
            piece = prop.pieces[0]
            assert isinstance(piece, MeshPiece)
            # posters rather than slips: the clip camera watches from across the road
            box_marks(
                pl, piece.model, piece.pose, flyers=True, graffiti=True, flyer_width=(0.28, 0.4)
            )


def _screen_box(prop: Prop, cam: Camera) -> F64:
    uv, _ = cam.project(np.concatenate([p.points() for p in prop.pieces]))
    return np.concatenate([uv.min(axis=0), uv.max(axis=0)])


def _overlap(a: F64, b: F64) -> float:
    """Intersection over the smaller box."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return float(w * h / max(smaller, 1e-6))


def _appearing(pl: Placer) -> Prop | None:
    """Goods put out, garbage dumped or a stall set up half way through."""
    rng, st = pl.rng, pl.street
    build: Builder = [trading.goods, waste.garbage, trading.stall][int(rng.integers(3))]
    for max_depth in (20.0, 35.0, 60.0):
        prop = pl.place(
            build,
            0.4,
            st.kerb - 0.6,
            st.kerb_height,
            float(np.pi / 2),
            (1.0, 1.0),
            max_depth=max_depth,
        )
        if prop is not None:
            prop.track_id = 900
            return prop
    return None


def _movers(rng: np.random.Generator, pl: Placer, duration: float) -> list[_Mover]:
    """Two or three vehicles driving through the view at town speeds, in lanes the camera sees."""
    st = pl.street
    parked = [p for p in pl.props if p.class_name in _VEHICLES and p.base[1] < 0.05]
    out: list[_Mover] = []
    for k in range(int(rng.integers(2, 4))):
        kind = str(rng.choice(["car", "bus", "truck", "two_wheeler"], p=[0.45, 0.15, 0.15, 0.25]))
        routes = []
        for lane in range(st.lanes):
            heading = st.lane_heading(lane)
            x = st.lane_centre(lane)
            if kind == "two_wheeler":
                x = st.kerb + 0.8 if heading > 1 else st.far_kerb - 0.8
            if any(abs(x - p.base[0]) < p.extent[0] + 1.1 for p in parked):
                continue  # drive past parked vehicles, not through them
            zs = pl.visible_z(x, 0.0, min_depth=4.0, max_depth=35.0)
            if len(zs) >= 4:
                routes.append((x, heading, zs))
        if not routes:
            continue
        x, heading, zs = routes[int(rng.integers(len(routes)))]
        model = {
            "car": lambda: vehicles.car(rng),
            "bus": lambda: vehicles.bus(rng),
            "truck": lambda: vehicles.truck(rng),
            "two_wheeler": lambda: two_wheelers.two_wheeler(rng, rider=True),
        }[kind]()
        speed = rng.uniform(2.5, 5.0) if kind == "two_wheeler" else rng.uniform(4.0, 10.0)
        span = float(zs.max() - zs.min())
        speed = float(
            np.clip(speed, 1.5, max(1.5, 0.8 * span / duration))
        )  # stay in view most of the clip
        middle = float(zs[int(rng.integers(len(zs)))])
        middle = float(
            np.clip(
                middle,
                zs.min() + speed * duration / 2,
                max(zs.min(), zs.max() - speed * duration / 2),
            )
        )
        z0 = middle - np.cos(heading) * speed * duration / 2
        out.append(_Mover(kind, model, x, heading, z0, speed, 0.0, 2000 + k))
    return out
