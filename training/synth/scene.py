"""A whole street scene: layout, backdrop (sky, facades, ground) and the props standing in it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from training.synth import printed, props, sprites, vehicles
from training.synth.camera import F64, UP, Camera, cross
from training.synth.canvas import Canvas, Light
from training.synth.facade import Wall, draw_wall, plan, visible_range
from training.synth.lighting import Lighting, random_lighting
from training.synth.mesh import Model, Pose
from training.synth.rand import between
from training.synth.street import Street, draw_ground, draw_sky, random_camera, random_street
from training.synth.things import Prop, depth_sorted, mesh_prop, plane_sprite

Builder = Callable[[np.random.Generator, F64, float, Camera], Prop]


@dataclass
class Scene:
    """Everything needed to draw a frame; ``backdrop`` already holds sky, facades and ground."""

    cam: Camera
    light: Lighting
    street: Street
    backdrop: Canvas
    props: list[Prop]

    def render(self, extra: Sequence[Prop] = ()) -> Canvas:
        canvas = self.backdrop.copy()
        items = depth_sorted([*self.props, *extra], self.cam)
        for p in items:
            p.shadow(canvas, self.cam, self.light)
        canvas.flush_shadows(soften=max(1.0, 0.004 * canvas.width))
        for p in items:
            p.draw(canvas, self.cam, self.light)
        return canvas


def build_scene(
    rng: np.random.Generator,
    size: tuple[int, int],
    *,
    traffic: bool = True,
    across: bool | None = None,
    first: Callable[[Placer], None] | None = None,
) -> Scene:
    """A random street: without ``traffic`` the road holds only parked vehicles.

    ``across`` forces the camera across the road (True) or along the pavement (False);
    ``first`` places props that must be in the scene before the random ones take the space.
    """
    light = random_lighting(rng)
    street = random_street(rng)
    cam = random_camera(rng, street, size, across=across)
    canvas = Canvas(*size)
    draw_sky(canvas, cam, light, rng)
    flyer_rate, graffiti_rate = rng.uniform(0.15, 0.6), rng.uniform(0.1, 0.45)
    shops: list[tuple[float, float]] = []  # z ranges of our shop fronts, for goods put out
    for wall, share in ((Wall(0.0, 1), 1.0), (Wall(street.opposite, -1), 0.5)):
        # wall.side * z is the distance along the wall as its viewer reads it
        lo, hi = sorted((wall.side * (cam.center[2] - 220.0), wall.side * (cam.center[2] + 220.0)))
        seen = visible_range(cam, wall, lo, hi)
        if seen is not None:
            bays = plan(rng, seen[0] - rng.uniform(0.0, 8.0), seen[1])
            draw_wall(
                canvas,
                cam,
                light,
                rng,
                wall,
                bays,
                flyer_rate=flyer_rate * share,
                graffiti_rate=graffiti_rate * share,
            )
            if wall.side > 0:
                shops = [(b.s0 + 0.3, b.s1 - 0.3) for b in bays if b.kind in ("glass", "open")]
    draw_ground(canvas, cam, light, rng, street)
    _building_shadow(canvas, cam, light, street, rng)
    placer = Placer(rng, cam, street)
    placer.shops = shops
    if first is not None:
        first(placer)
    _furniture(placer, light)
    _labelled(placer, light)
    _traffic(placer, light, moving=traffic)
    _lamp_pools(canvas, cam, light, placer.lamps)
    _grime(canvas, rng)
    return Scene(cam, light, street, canvas, placer.props)


class Placer:
    """Finds free, visible ground spots and keeps the props placed so far."""

    def __init__(
        self,
        rng: np.random.Generator,
        cam: Camera,
        street: Street,
        *,
        props: list[Prop] | None = None,
    ) -> None:
        self.rng, self.cam, self.street = rng, cam, street
        self.props: list[Prop] = [] if props is None else props  # shared, not copied
        self.shops: list[tuple[float, float]] = []
        self.lamps: list[F64] = []
        self._zs = cam.center[2] + np.arange(-120.0, 120.0, 0.5)

    def visible_z(
        self,
        x: float,
        y: float,
        *,
        min_depth: float = 4.0,
        max_depth: float = 35.0,
        lift: float = 0.5,
    ) -> F64:
        pts = np.column_stack(
            [np.full(len(self._zs), x), np.full(len(self._zs), y + lift), self._zs]
        )
        d = self.cam.depth(pts)
        ok = self.cam.visible(pts, margin=0.02) & (d > min_depth) & (d < max_depth)
        return np.asarray(self._zs[ok], np.float64)

    def spot(
        self,
        x_lo: float,
        x_hi: float,
        y: float,
        extent: tuple[float, float],
        *,
        max_depth: float = 35.0,
        tries: int = 10,
        z_range: tuple[float, float] | None = None,
    ) -> F64 | None:
        """A visible ground point in the x band (and z range) where ``extent`` is free."""
        for _ in range(tries):
            x = between(self.rng, x_lo, x_hi)
            zs = self.visible_z(x, y, max_depth=max_depth)
            if z_range is not None:
                zs = zs[(zs >= z_range[0]) & (zs <= z_range[1])]
            if len(zs) == 0:
                continue
            z = float(zs[int(self.rng.integers(len(zs)))] + self.rng.uniform(-0.25, 0.25))
            base = np.array([x, y, z])
            if self.free(base, extent):
                return base
        return None

    def free(self, base: F64, extent: tuple[float, float], gap: float = 0.1) -> bool:
        for p in self.props:
            if (
                abs(base[0] - p.base[0]) < extent[0] + p.extent[0] + gap
                and abs(base[2] - p.base[2]) < extent[1] + p.extent[1] + gap
            ):
                return False
        return True

    def add(self, prop: Prop) -> Prop:
        self.props.append(prop)
        return prop

    def place(
        self,
        build: Builder,
        x_lo: float,
        x_hi: float,
        y: float,
        heading: float,
        extent: tuple[float, float],
        *,
        max_depth: float = 35.0,
        z_range: tuple[float, float] | None = None,
    ) -> Prop | None:
        """Build a prop at a free spot; the builder's own extent is checked again."""
        for _ in range(4):
            base = self.spot(x_lo, x_hi, y, extent, max_depth=max_depth, z_range=z_range)
            if base is None:
                return None
            prop = build(self.rng, base, heading, self.cam)
            if self.free(prop.base, prop.extent, gap=0.05):
                return self.add(prop)
        return None


def _count(rng: np.random.Generator, probs: Sequence[float]) -> int:
    return int(rng.choice(len(probs), p=np.asarray(probs) / np.sum(probs)))


def _furniture(pl: Placer, light: Lighting) -> None:
    """Lamp posts, trees, sign posts, utility boxes and bollards, some with flyers."""
    rng, st, cam = pl.rng, pl.street, pl.cam
    kh = st.kerb_height
    spacing = rng.uniform(18.0, 32.0)
    phase = rng.uniform(0, spacing)
    for x, arm in ((st.kerb - 0.35, 1.0), (st.far_kerb + 0.35, -1.0)):
        for z in pl.visible_z(x, kh, max_depth=90.0, lift=3.0)[::2]:
            if (z - phase) % spacing < 1.0:
                foot = np.array([x, kh, float(z)])
                pole = props.pole(
                    rng, foot, cam, lamp_dir=np.array([arm, 0.0, 0.0]), height=rng.uniform(6.0, 9.0)
                )
                pl.add(pole)
                pl.lamps.append(
                    foot + np.array([arm * 1.2, pole.pieces[0].points()[:, 1].max() - kh, 0.0])
                )
                if rng.random() < 0.35:
                    _pole_flyers(pl, foot, 0.09)
    if rng.random() < 0.45:  # a row of trees
        step, x = rng.uniform(6.0, 9.0), st.kerb - rng.uniform(0.7, 1.1)
        zs = pl.visible_z(x, kh, max_depth=60.0, lift=2.0)
        if len(zs):
            for z in np.arange(zs.min() + rng.uniform(0, step), zs.max(), step):
                at = np.array([x, kh, float(z)])
                if pl.free(at, (0.4, 0.4)):
                    pl.add(props.tree(rng, at, cam))
    for _ in range(_count(rng, [0.4, 0.4, 0.2])):  # sign posts
        base = pl.spot(st.kerb - 0.5, st.kerb - 0.3, kh, (0.15, 0.15))
        if base is not None:
            pl.add(props.pole(rng, base, cam))
            if rng.random() < 0.5:
                _pole_flyers(pl, base, 0.05)
    for _ in range(_count(rng, [0.5, 0.35, 0.15])):  # utility boxes, by the wall or the kerb
        by_wall = rng.random() < 0.5
        x_lo, x_hi = (0.35, 0.4) if by_wall else (st.kerb - 0.7, st.kerb - 0.5)
        base = pl.spot(x_lo, x_hi, kh, (0.3, 0.6))
        if base is not None:
            heading = float(np.pi / 2) if by_wall else float(rng.choice([np.pi / 2, -np.pi / 2]))
            prop, model, pose = props.utility_box(rng, base, heading)
            pl.add(prop)
            if rng.random() < 0.55:
                graffiti = rng.random() < 0.35
                box_marks(pl, model, pose, flyers=not graffiti, graffiti=graffiti)
    if rng.random() < 0.15:
        start = pl.spot(st.kerb - 0.3, st.kerb - 0.25, kh, (0.1, 0.1))
        if start is not None:
            for b in props.bollards(rng, start, np.array([0.0, 0.0, 1.5]), int(rng.integers(3, 8))):
                if pl.free(b.base, b.extent):
                    pl.add(b)
    for _ in range(_count(rng, [0.3, 0.3, 0.2, 0.2])):  # pedestrians
        base = (
            pl.spot(0.5, st.kerb - 0.5, kh, (0.3, 0.3))
            if rng.random() < 0.7
            else pl.spot(st.far_kerb + 0.5, st.opposite - 0.5, kh, (0.3, 0.3))
        )
        if base is not None:
            pl.add(props.pedestrian(rng, base, rng.uniform(0, 2 * np.pi)))
    del light


def _blade_sign(pl: Placer) -> None:
    """A vertical shop sign on a bracket, perpendicular to the facade (an outdoor_ad)."""
    rng, cam = pl.rng, pl.cam
    w, h = rng.uniform(0.45, 0.9), rng.uniform(1.0, 2.5)
    zs = pl.visible_z(0.6, rng.uniform(3.0, 5.0), min_depth=3.0, max_depth=30.0, lift=0.0)
    if len(zs) == 0:
        return
    z = float(zs[int(rng.integers(len(zs)))])
    y = rng.uniform(2.8, 5.0) + h / 2
    centre = np.array([0.15 + w / 2, y, z])
    normal = np.array([0.0, 0.0, 1.0 if cam.center[2] > z else -1.0])
    sw, sh = _px(cam, centre, w, h)
    board = printed.signboard(rng, sh, sw)  # painted landscape, stood on end: vertical text
    rgba = np.dstack([np.ascontiguousarray(np.rot90(board)), np.full((sh, sw), 255, np.uint8)])
    piece = plane_sprite(rgba, np.array([0.0, 0.0, sw, sh]), centre, normal, w, h)
    base = np.array([0.15 + w / 2, pl.street.kerb_height, z])
    pl.add(Prop("outdoor_ad", base, (w / 2, 0.05), [piece], contact=0.0))


def _pole_flyers(pl: Placer, base: F64, radius: float) -> None:
    rng, cam = pl.rng, pl.cam
    to_cam = cam.center - base
    n = np.array([to_cam[0], 0.0, to_cam[2]])
    n /= max(float(np.linalg.norm(n)), 1e-6)
    y = base[1] + rng.uniform(1.0, 1.6)
    for _ in range(int(rng.integers(1, 4))):
        fw = rng.uniform(0.12, 0.22)
        fh = fw * rng.uniform(1.1, 1.5)
        centre = base + n * (radius + 0.01) + UP * (y - base[1])
        spr, tight = printed.flyer(rng, *_px(cam, centre, fw, fh))
        piece = plane_sprite(spr, tight, centre, n, fw * 1.1, fh * 1.1)
        pl.props.append(
            Prop("flyer", base + n * (radius + 0.05), (0.01, 0.01), [piece], contact=0.0)
        )
        y += fh * rng.uniform(0.6, 1.05)


def box_marks(pl: Placer, model: Model, pose: Pose, *, flyers: bool, graffiti: bool) -> None:
    """Flyers and/or graffiti on the face of a utility box that the camera sees best."""
    rng, cam = pl.rng, pl.cam
    fwd = pose.turn(np.array([1.0, 0.0, 0.0]))
    right = pose.turn(np.array([0.0, 0.0, 1.0]))
    faces = [
        (fwd, model.length / 2, model.width),
        (-fwd, model.length / 2, model.width),
        (right, model.width / 2, model.length),
        (-right, model.width / 2, model.length),
    ]
    to_cam = cam.center - pose.position
    normal, half, span = max(faces, key=lambda f: float(f[0] @ to_cam))
    if normal @ to_cam <= 0:
        return
    h = model.height
    face_centre = pose.position + normal * (half + 0.01)
    side = cross(UP, normal)
    base = pose.position + normal * (half + 0.08)
    if graffiti:
        gw, gh = span * rng.uniform(0.6, 0.95), h * rng.uniform(0.3, 0.6)
        spr, tight = sprites.graffiti(rng, *_px(cam, face_centre, gw, gh))
        piece = plane_sprite(
            spr, tight, face_centre + UP * h * rng.uniform(0.35, 0.6), normal, gw, gh
        )
        pl.props.append(Prop("graffiti", base.copy(), (0.01, 0.01), [piece], contact=0.0))
    if flyers:
        for _ in range(int(rng.integers(1, 4))):
            fw = rng.uniform(0.14, 0.26)
            fh = fw * rng.uniform(1.1, 1.5)
            off = (
                side * rng.uniform(-0.3, 0.3) * max(span - fw, 0.0)
                + UP * rng.uniform(0.35, 0.75) * h
            )
            spr, tight = printed.flyer(rng, *_px(cam, face_centre, fw, fh))
            piece = plane_sprite(spr, tight, face_centre + off, normal, fw * 1.1, fh * 1.1)
            pl.props.append(Prop("flyer", base + normal * 0.01, (0.01, 0.01), [piece], contact=0.0))


def _px(cam: Camera, at: F64, w: float, h: float) -> tuple[int, int]:
    ppm = float(np.clip(1.5 * cam.scale_at(at), 40.0, 200.0))
    return max(8, round(w * ppm)), max(8, round(h * ppm))


def _labelled(pl: Placer, light: Lighting) -> None:
    """Trading, garbage and parked two-wheelers on the pavements."""
    rng, st = pl.rng, pl.street
    kh = st.kerb_height
    facing = float(np.pi / 2)  # towards the street
    for _ in range(_count(rng, [0.35, 0.35, 0.2, 0.1])):
        # goods spill out of a shop door when one is in view, else anywhere by the wall
        shop = pl.shops[int(rng.integers(len(pl.shops)))] if pl.shops else None
        heading = facing + rng.normal(0, 0.15)
        x_hi = min(1.8, st.kerb - 0.6)
        if shop is None or not pl.place(
            props.goods, 0.35, x_hi, kh, heading, (0.5, 0.6), z_range=shop
        ):
            pl.place(props.goods, 0.35, x_hi, kh, heading, (0.5, 0.6))
    for _ in range(_count(rng, [0.4, 0.35, 0.25])):  # blade signs sticking out of the facade
        _blade_sign(pl)
    for _ in range(_count(rng, [0.5, 0.38, 0.12])):
        on_road = rng.random() < 0.2
        x_lo, x_hi, y = (st.kerb + 0.8, st.kerb + 1.3, 0.0) if on_road else (1.2, st.kerb - 1.0, kh)
        pl.place(
            props.stall,
            x_lo,
            x_hi,
            y,
            float(rng.choice([np.pi / 2, -np.pi / 2, 0.0])) + rng.normal(0, 0.1),
            (1.2, 1.2),
        )
    garbage_spots = ((st.kerb - 0.8, st.kerb - 0.4), (0.4, 0.8))
    for build, probs in (
        (props.garbage_bin, [0.4, 0.4, 0.2]),
        (props.overflow, [0.5, 0.4, 0.1]),
        (props.garbage, [0.35, 0.4, 0.25]),
    ):
        for _ in range(_count(rng, probs)):
            lo, hi = garbage_spots[int(rng.integers(2))]
            if rng.random() < 0.15:  # the opposite pavement
                lo, hi = st.far_kerb + 0.4, st.far_kerb + 0.8
            pl.place(
                build,
                lo,
                hi,
                kh,
                rng.uniform(0, 2 * np.pi)
                if build is props.garbage
                else float(np.pi / 2) + rng.normal(0, 0.3),
                (0.5, 0.5),
            )
    if rng.random() < 0.45:  # a row of parked two-wheelers
        base = pl.spot(st.kerb - 1.3, st.kerb - 0.9, kh, (0.9, 0.5))
        if base is not None:
            heading = float(rng.choice([np.pi / 2, -np.pi / 2])) + rng.normal(0, 0.1)
            step = rng.uniform(0.6, 0.9)
            for k in range(int(rng.integers(2, 7))):
                b = base + np.array(
                    [0.0, 0.0, k * step * float(np.sign(base[2] - pl.cam.center[2]) or 1.0)]
                )
                model = vehicles.two_wheeler(rng, rider=False, night=False)
                prop = mesh_prop("two_wheeler", model, Pose(b, heading + rng.normal(0, 0.12)))
                if pl.free(prop.base, (prop.extent[0], 0.2), gap=0.0):
                    pl.add(prop)
    if rng.random() < 0.12:  # a car parked on the pavement
        base = pl.spot(st.kerb - 1.5, st.kerb - 1.1, kh, (1.0, 2.4))
        if base is not None:
            pl.add(
                mesh_prop(
                    "car",
                    vehicles.car(rng, night=False),
                    Pose(base, float(rng.choice([0.0, np.pi])) + rng.normal(0, 0.05)),
                )
            )
    del light


def _traffic(pl: Placer, light: Lighting, *, moving: bool) -> None:
    """Parked and (when ``moving``) driving vehicles, two-wheelers with riders near the kerbs."""
    rng, st = pl.rng, pl.street
    night = light.dark
    for kerb_x, heading in ((st.kerb + 1.1, float(np.pi)), (st.far_kerb - 1.1, 0.0)):
        for _ in range(_count(rng, [0.4, 0.3, 0.2, 0.1])):
            model = (
                vehicles.car(rng, night=False)
                if rng.random() < 0.85
                else vehicles.truck(rng, night=False)
            )
            name = "car" if model.length < 6 and model.height < 2.2 else "truck"
            base = pl.spot(
                kerb_x - 0.1, kerb_x + 0.1, 0.0, (1.0, model.length / 2 + 0.3), max_depth=60.0
            )
            if base is not None:
                pl.add(mesh_prop(name, model, Pose(base, heading + rng.normal(0, 0.03))))
    if not moving:
        return
    makers: list[tuple[str, Callable[[], Model], float]] = [  # big ones first: they need room
        ("bus", lambda: vehicles.bus(rng, night=night), 0.55),
        ("truck", lambda: vehicles.truck(rng, night=night), 0.5),
        ("car", lambda: vehicles.car(rng, night=night), 1.0),
    ]
    for name, make, p in makers:
        n = _count(rng, [0.25, 0.35, 0.25, 0.15]) if name == "car" else int(rng.random() < p)
        for _ in range(n):
            model = make()
            for lane in rng.permutation(st.lanes)[:3].tolist():
                x = st.lane_centre(lane) + rng.normal(0, 0.2)
                base = pl.spot(x, x, 0.0, (1.2, model.length / 2 + 0.5), max_depth=60.0)
                if base is not None:
                    heading = st.lane_heading(lane) + rng.normal(0, 0.04)
                    pl.add(mesh_prop(name, model, Pose(base, heading)))
                    break
    for _ in range(_count(rng, [0.45, 0.3, 0.15, 0.1])):
        near = rng.random() < 0.6
        x = st.kerb + 0.7 if near else st.far_kerb - 0.7
        base = pl.spot(x - 0.2, x + 0.2, 0.0, (0.4, 1.0), max_depth=40.0)
        if base is not None:
            model = vehicles.two_wheeler(rng, rider=True, night=night)
            pl.add(
                mesh_prop(
                    "two_wheeler",
                    model,
                    Pose(base, (float(np.pi) if near else 0.0) + rng.normal(0, 0.08)),
                )
            )


def _building_shadow(
    canvas: Canvas, cam: Camera, light: Lighting, street: Street, rng: np.random.Generator
) -> None:
    """The facade across the sun shades a band of pavement and road."""
    if light.shadow <= 0 or light.sun[1] <= 0.05:
        return
    reach = rng.uniform(8.0, 25.0) * abs(light.sun[0]) / light.sun[1]
    if light.sun[0] < 0:
        x0, x1 = -1.0, min(reach, street.opposite)
    else:
        x0, x1 = max(street.opposite - reach, -1.0), street.opposite + 1
    if x1 - x0 < 0.2:
        return
    z0, z1 = cam.center[2] - 300, cam.center[2] + 300
    quad = np.array([[x0, 0.2, z0], [x1, 0.2, z0], [x1, 0.2, z1], [x0, 0.2, z1]])
    uv = cam.project_polygon(quad)
    if uv is not None:
        canvas.tint(uv, 1.0 - 0.8 * light.shadow, soften=2.0)


def _lamp_pools(canvas: Canvas, cam: Camera, light: Lighting, lamps: list[F64]) -> None:
    if not light.dark:
        return
    for head in lamps:
        ang = np.linspace(0, 2 * np.pi, 16, endpoint=False)
        ring = np.c_[head[0] + 3.5 * np.cos(ang), np.full(16, 0.2), head[2] + 3.5 * np.sin(ang)]
        uv = cam.project_polygon(ring)
        if uv is not None:
            canvas.tint(uv, (1.25, 1.45, 1.6), soften=6.0)
        p, z = cam.project(head[None])
        if z[0] > 0.5:
            r = 0.5 * cam.focal / float(z[0])
            canvas.lights.append(
                Light(float(p[0, 0]), float(p[0, 1]), max(r, 2.0), (180, 225, 255), 1.0)
            )


def _grime(canvas: Canvas, rng: np.random.Generator) -> None:
    """Low-frequency brightness variation: stains, weathering, uneven light."""
    h, w = canvas.height, canvas.width
    small = rng.normal(0.5, 0.025, (max(2, h // 24), max(2, w // 24))).astype(np.float32)
    half = np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC), np.float32)
    canvas.image[:] = cv2.blendLinear(canvas.image, canvas.image, half, half)
