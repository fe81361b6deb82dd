"""The demo camera's street clip: a scripted scene that makes draft cases within a minute.

A camera on a pole arm over the road looks along the street: our pavement and shop
facades on the left, the kerb lane up to the centre line on the right. The street starts
clean; then a car drives in and parks in the no-parking bay, a street vendor sets up a
canopied stall of goods on the pavement (a ``stall``) and a cloth banner is hung on a wall where
ads are prohibited, while a few cars drive through without stopping. Light drifts a
little and sensor noise changes from frame to frame, as in ``training.synth.sequences``.

The illegal ad is a banner (``outdoor_ad`` in an ``ad_prohibited`` zone) rather than a
paper flyer: the reference model does not find synthetic flyers at any size, so a
flyer would never open a case. Object looks (the ``*_look`` numbers) and placements were
chosen so that the reference models find each scripted object: the stall's look is one
that both 0.1.0 and 0.2.2 call ``stall`` (v1's fruit mat was found by 0.1.0 alone; 0.2.x,
trained on umbrella, canopy and cart stalls, call a bare mat goods); ``render_demo_clip``
with another seed changes the looks and the scenery, not the script.

>>> clip = render_demo_clip(seconds=2.0)
>>> len(clip.frames), clip.frames[0].shape, clip.fps
(4, (480, 640, 3), 2.0)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from detector.geometry import Box
from detector.taxonomy import load_taxonomy
from detector.zones import Zone
from training.synth import furniture, printed, trading, vehicles
from training.synth.camera import F64, Camera
from training.synth.canvas import Canvas
from training.synth.effects import develop, random_photo
from training.synth.facade import Wall, draw_wall, plan, visible_range
from training.synth.lighting import Lighting, Period
from training.synth.mesh import Model, Pose
from training.synth.pixels import U8
from training.synth.sample import MIN_BOX, MIN_INSIDE, MIN_VISIBLE
from training.synth.scene import Scene
from training.synth.street import Street, draw_ground, draw_sky
from training.synth.things import Prop, mesh_prop, plane_sprite

DEMO_VERSION = 2  # bump whenever the clip's pixels change: served copies are regenerated
_TAG = 0xDE30  # keeps the demo's generators apart from the dataset and clip ones

NO_PARKING, PAVEMENT, WALL = "no-parking-bay", "pavement", "wall-no-ads"


@dataclass(frozen=True)
class ScriptedObject:
    """One scripted object and what it should (not) cause.

    ``appear_s`` is when it first shows (None: not within the clip); ``box`` is where it
    ends up (image pixels, nothing in front of it), None for what drives through; ``track``
    is its labelled box in every frame where enough of it shows.
    """

    key: str
    class_name: str
    appear_s: float | None
    settled_s: float | None
    box: Box | None
    violation: str | None
    zone_id: str | None
    track: tuple[tuple[float, Box], ...]


@dataclass(frozen=True)
class DemoClip:
    frames: tuple[U8, ...]  # BGR
    fps: float
    zones: tuple[Zone, ...]
    objects: tuple[ScriptedObject, ...]
    seed: int

    @property
    def size(self) -> tuple[int, int]:
        h, w = self.frames[0].shape[:2]
        return w, h

    def zone(self, zone_id: str) -> Zone:
        for z in self.zones:
            if z.id == zone_id:
                return z
        raise KeyError(f"no zone {zone_id!r}; the clip has {[z.id for z in self.zones]}")

    def object(self, key: str) -> ScriptedObject:
        for o in self.objects:
            if o.key == key:
                return o
        raise KeyError(f"no scripted object {key!r}; the clip has {[o.key for o in self.objects]}")


@dataclass(frozen=True)
class Script:
    """Where things stand (metres, axes as in ``training.synth.camera``) and when (seconds)."""

    # camera on a pole arm over the kerb lane: x, height, degrees turned from facing our
    # facade square-on towards +Z, pitch down and horizontal field of view (degrees)
    cam: tuple[float, float, float, float, float] = (8.29, 6.49, 51.6, 39.89, 69.79)
    car_look: int = 5
    park_z: float = 9.2
    park_at: float = 8.0
    stall_look: int = 627
    stall_base: tuple[float, float] = (3.4, 1.0)  # x, z
    stall_heading: float = float(np.pi)
    stall_at: float = 10.0
    banner_look: int = 231
    banner_z: float = 3.0  # where it starts along the wall
    banner_y: float = 2.2  # its lower edge above the pavement
    banner_size: tuple[float, float] = (1.6, 0.6)
    banner_at: float = 15.0
    # drive-throughs: look, lane, speed (m/s), when they pass the parking bay, and how far
    # they swing out to pass the parked car there
    movers: tuple[tuple[int, int, float, float, float], ...] = (
        (21, 0, 9.0, 2.0, 0.0),
        (32, 0, 7.0, 24.0, 1.5),
        (36, 0, 8.0, 46.0, 1.5),
    )


# the demo street's camera, culprits and furniture (the scenario suite stages the same street)
SCRIPT = Script()
_STREET = Street(
    sidewalk=5.0,
    lanes=2,
    lane=3.4,
    opposite_sidewalk=3.5,
    kerb_height=0.15,
    paving=(150.0, 155.0, 160.0),
    asphalt=(92.0, 92.0, 89.0),
)
_SUN = np.array([0.45, 0.75, -0.48])
_LIGHT = Lighting(
    Period.DAY,
    _SUN / np.linalg.norm(_SUN),
    ambient=0.6,
    diffuse=0.45,
    shadow=0.4,
    sky_top=(215.0, 160.0, 90.0),
    sky_horizon=(235.0, 225.0, 212.0),
    tint=(0.97, 1.0, 1.0),
)


@dataclass(eq=False)
class _Actor:
    key: str
    class_name: str
    track_id: int
    prop_at: Callable[[float], Prop | None]
    settled_s: float | None = None
    violation: str | None = None
    zone_id: str | None = None


def render_demo_clip(
    seed: int = 0, size: tuple[int, int] = (640, 480), seconds: float = 60.0, fps: float = 2.0
) -> DemoClip:
    """The demo clip; deterministic in its arguments."""
    return _render(seed, size, seconds, fps, SCRIPT)


def _render(
    seed: int, size: tuple[int, int], seconds: float, fps: float, script: Script
) -> DemoClip:
    if fps <= 0 or seconds <= 0:
        raise ValueError(f"seconds and fps must be positive, got seconds={seconds}, fps={fps}")
    count = round(seconds * fps)
    if count < 2:
        raise ValueError(f"a clip needs at least 2 frames, got {count} ({seconds} s at {fps} fps)")
    names = load_taxonomy().names
    scene = stage(np.random.default_rng([seed, _TAG, 0]), size, script)
    actors = _actors(seed, scene, script)
    photo = random_photo(np.random.default_rng([seed, _TAG, 99]), scene.light)
    # a clean, steady camera: no blur, a little noise that changes every frame
    photo = dataclasses.replace(photo, blur_sigma=0.0, motion=None, noise=max(photo.noise, 3))
    frames: list[U8] = []
    tracks: dict[int, list[tuple[float, Box]]] = {a.track_id: [] for a in actors}
    for k in range(count):
        t = k / fps
        canvas = scene.render([p for p in (a.prop_at(t) for a in actors) if p is not None])
        for track, box in visible_boxes(canvas, names).items():
            if track in tracks:
                tracks[track].append((t, box))
        gain = 1.0 + 0.04 * np.sin(2 * np.pi * k / count)  # one slow swell per loop
        noise = np.random.default_rng([seed, _TAG, 7, k])
        frames.append(develop(canvas.image, photo, noise, canvas.lights, gain=gain))
    end = [p for p in (a.prop_at(np.inf) for a in actors if a.settled_s is not None) if p]
    settled = visible_boxes(scene.render(end), names)
    objects = tuple(
        ScriptedObject(
            key=a.key,
            class_name=a.class_name,
            appear_s=tracks[a.track_id][0][0] if tracks[a.track_id] else None,
            settled_s=a.settled_s,
            box=settled.get(a.track_id) if a.settled_s is not None else None,
            violation=a.violation,
            zone_id=a.zone_id,
            track=tuple(tracks[a.track_id]),
        )
        for a in actors
    )
    return DemoClip(tuple(frames), float(fps), _zones(scene, script), objects, seed)


def visible_boxes(canvas: Canvas, names: Sequence[str]) -> dict[int, Box]:
    """Per track id, the box of each object of ``names`` visible enough to label."""
    labels = canvas.labels(names, min_visible=MIN_VISIBLE, min_inside=MIN_INSIDE, min_size=MIN_BOX)
    assert labels.tracker_id is not None
    return {
        int(t): (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
        for b, t in zip(labels.xyxy, labels.tracker_id, strict=True)
    }


def _camera(size: tuple[int, int], script: Script) -> Camera:
    x, height, alpha, pitch, hfov = script.cam
    a = np.deg2rad(alpha)
    return Camera.look(
        size,
        np.array([x, height, 0.0]),
        yaw=float(np.arctan2(-np.cos(a), np.sin(a))),
        pitch=float(np.deg2rad(pitch)),
        hfov=float(np.deg2rad(hfov)),
    )


def stage(rng: np.random.Generator, size: tuple[int, int], script: Script) -> Scene:
    """Sky, facades without flyers or graffiti, the street and a little furniture."""
    cam, light, st = _camera(size, script), _LIGHT, _STREET
    canvas = Canvas(*size)
    draw_sky(canvas, cam, light, rng)
    # the wall the banner goes on is plain: no shop sign there to count as an ad
    plain = (script.banner_z - 1.5, script.banner_z + script.banner_size[0] + 1.5)
    for wall in (Wall(0.0, 1), Wall(st.opposite, -1)):
        lo, hi = sorted((wall.side * -220.0, wall.side * 220.0))
        seen = visible_range(cam, wall, lo, hi)
        if seen is None:
            continue
        bays = [
            dataclasses.replace(b, kind="wall")
            if wall.side > 0 and b.s0 < plain[1] and b.s1 > plain[0]
            else b
            for b in plan(rng, seen[0] - 2.0, seen[1])
        ]
        draw_wall(canvas, cam, light, rng, wall, bays, flyer_rate=0.0, graffiti_rate=0.0)
    draw_ground(canvas, cam, light, rng, st)
    kh, lamp = st.kerb_height, np.array([1.0, 0.0, 0.0])
    props = [
        furniture.pole(rng, np.array([st.kerb - 0.35, kh, z]), cam, lamp_dir=lamp)
        for z in (2.0, 24.0)
    ]
    props.append(furniture.tree(rng, np.array([st.kerb - 0.9, kh, 18.5]), cam))
    return Scene(cam, light, st, canvas, props)


def _actors(seed: int, scene: Scene, script: Script) -> list[_Actor]:
    st, cam, kh = scene.street, scene.cam, scene.street.kerb_height

    def rng(key: int, look: int) -> np.random.Generator:
        return np.random.default_rng([seed, _TAG, key, look])

    x, z = script.stall_base
    stall = trading.stall(
        rng(2, script.stall_look), np.array([x, kh, z]), script.stall_heading, cam
    )
    banner = _banner(rng(3, script.banner_look), cam, script, kh)
    actors = [
        _Actor(
            "parked_car",
            "car",
            1,
            _drive(
                vehicles.car(rng(1, script.car_look)),
                1,
                lane=st.lane_centre(0),
                heading=st.lane_heading(0),
                speed=8.0,
                z_at=script.park_z,
                t_at=script.park_at,
                park_x=st.kerb + 1.15,
            ),
            script.park_at,
            "illegal_parking",
            NO_PARKING,
        ),
        _Actor(
            "stall",
            "stall",
            2,
            _appear(stall, 2, script.stall_at),
            script.stall_at,
            "out_of_store_trading",
            PAVEMENT,
        ),
        _Actor(
            "banner",
            "outdoor_ad",
            3,
            _appear(banner, 3, script.banner_at),
            script.banner_at,
            "illegal_ad",
            WALL,
        ),
    ]
    for k, (look, lane, speed, t_pass, swerve) in enumerate(script.movers):
        track = 10 + k
        path = _drive(
            vehicles.car(rng(10 + k, look)),
            track,
            lane=st.lane_centre(lane),
            heading=st.lane_heading(lane),
            speed=speed,
            z_at=script.park_z,
            t_at=t_pass,
            swerve=swerve,
        )
        actors.append(_Actor(f"through_{k + 1}", "car", track, path))
    return actors


def _appear(prop: Prop, track_id: int, at: float) -> Callable[[float], Prop | None]:
    prop.track_id = track_id

    def prop_at(t: float) -> Prop | None:
        return prop if t >= at else None

    return prop_at


def _drive(
    model: Model,
    track_id: int,
    *,
    lane: float,
    heading: float,
    speed: float,
    z_at: float,
    t_at: float,
    park_x: float | None = None,
    brake_m: float = 12.0,
    swerve: float = 0.0,
) -> Callable[[float], Prop | None]:
    """A car along ``lane`` that passes ``z_at`` at ``t_at``, ``swerve`` metres off the lane
    centre there; with ``park_x`` it brakes over ``brake_m``, pulls in to the kerb and stays."""
    forward = float(np.cos(heading))
    brake_s = 2.0 * brake_m / speed

    def prop_at(t: float) -> Prop | None:
        x, turn = lane, 0.0
        if park_x is None:
            behind = speed * (t_at - t)  # metres before the mark (negative: past it)
            # a smooth swing out and back over some 12 m around the mark
            x = lane + swerve * float(np.exp(-((behind / 5.0) ** 2)))
            turn = -swerve * forward * 2.0 * behind / 25.0 * float(np.exp(-((behind / 5.0) ** 2)))
        elif t >= t_at:
            behind, x = 0.0, park_x
        elif t >= t_at - brake_s:
            u = (t_at - t) / brake_s  # 1 when braking starts, 0 when stopped
            behind = brake_m * u * u
            x = park_x + (lane - park_x) * u * u * (3 - 2 * u)
            turn = 0.12 * np.sin(np.pi * u) * np.sign(park_x - lane) * forward
        else:
            behind = brake_m + speed * (t_at - brake_s - t)
        if abs(behind) > 90.0:
            return None
        pose = Pose(np.array([x, 0.0, z_at - forward * behind]), heading - turn)
        return mesh_prop("car", model, pose, track_id=track_id)

    return prop_at


def _banner(rng: np.random.Generator, cam: Camera, script: Script, kh: float) -> Prop:
    """A cloth ad banner hung flat on our facade."""
    w, h = script.banner_size
    centre = np.array([0.02, kh + script.banner_y + h / 2, script.banner_z + w / 2])
    ppm = float(np.clip(1.5 * cam.scale_at(centre), 40.0, 200.0))
    px = (max(8, round(w * ppm)), max(8, round(h * ppm)))
    cloth = printed.banner(rng, *px)
    sprite = np.dstack([cloth, np.full(cloth.shape[:2], 255, np.uint8)])
    piece = plane_sprite(
        sprite, np.array([0.0, 0.0, *px], np.float64), centre, np.array([1.0, 0.0, 0.0]), w, h
    )
    base = np.array([0.1, kh, centre[2]])
    return Prop("outdoor_ad", base, (w / 2, 0.05), [piece], contact=0.0)


def _zones(scene: Scene, script: Script) -> tuple[Zone, ...]:
    st, cam, kh = scene.street, scene.cam, scene.street.kerb_height
    z0, z1 = script.park_z - 5.0, script.park_z + 5.0
    bay = quad((st.kerb + 0.1, 0.0, z0), (st.kerb + 2.9, 0.0, z0), (st.kerb + 2.9, 0.0, z1))
    pavement = quad((0.5, kh, -20.0), (st.kerb - 0.2, kh, -20.0), (st.kerb - 0.2, kh, 60.0))
    b0, b1 = script.banner_z - 1.0, script.banner_z + script.banner_size[0] + 1.0
    wall = quad((0.0, kh + 1.4, b0), (0.0, kh + 1.4, b1), (0.0, kh + 3.7, b1))
    return (
        Zone(id=NO_PARKING, type="no_parking", polygon=image_outline(cam, bay), name="路边禁停区"),
        Zone(id=PAVEMENT, type="sidewalk", polygon=image_outline(cam, pavement), name="人行道"),
        Zone(id=WALL, type="ad_prohibited", polygon=image_outline(cam, wall), name="禁止张贴墙面"),
    )


def quad(a: tuple[float, ...], b: tuple[float, ...], c: tuple[float, ...]) -> F64:
    """The parallelogram a, b, c, a + c - b."""
    pa, pb, pc = np.array(a), np.array(b), np.array(c)
    return np.stack([pa, pb, pc, pa + pc - pb])


def image_outline(cam: Camera, quad: F64) -> tuple[tuple[float, float], ...]:
    """A planar quad's outline in the image, cut to the frame."""
    uv = cam.project_polygon(quad)
    if uv is None:
        raise ValueError("zone is behind the camera")
    frame = np.array([[0, 0], [cam.width, 0], [cam.width, cam.height], [0, cam.height]], np.float32)
    area, cut = cv2.intersectConvexConvex(uv.astype(np.float32), frame)
    if cut is None or area < 1.0:
        raise ValueError("zone is out of view")
    return tuple((round(float(x), 1), round(float(y), 1)) for x, y in cut.reshape(-1, 2))
