"""What stands in the street: furniture, trading, garbage, parked and moving traffic.

Each function fills a ``Placer`` with props for one part of the scene; counts and
probabilities here set how often every class appears.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from training.synth import furniture, printed, sprites, trading, two_wheelers, vehicles, waste
from training.synth.camera import F64, UP, Camera, cross
from training.synth.lighting import Lighting
from training.synth.mesh import Model, Pose
from training.synth.pixels import U8
from training.synth.placement import Placer
from training.synth.things import Prop, mesh_prop, plane_sprite


def _count(rng: np.random.Generator, probs: Sequence[float]) -> int:
    return int(rng.choice(len(probs), p=np.asarray(probs) / np.sum(probs)))


def furniture_props(pl: Placer, light: Lighting) -> None:
    """Lamp posts, trees, sign posts, utility boxes and bollards, some with flyers."""
    rng, st, cam = pl.rng, pl.street, pl.cam
    kh = st.kerb_height
    spacing = rng.uniform(18.0, 32.0)
    phase = rng.uniform(0, spacing)
    for x, arm in ((st.kerb - 0.35, 1.0), (st.far_kerb + 0.35, -1.0)):
        for z in pl.visible_z(x, kh, max_depth=90.0, lift=3.0)[::2]:
            if (z - phase) % spacing < 1.0:
                foot = np.array([x, kh, float(z)])
                pole = furniture.pole(
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
                    pl.add(furniture.tree(rng, at, cam))
    for _ in range(_count(rng, [0.4, 0.4, 0.2])):  # sign posts
        base = pl.spot(st.kerb - 0.5, st.kerb - 0.3, kh, (0.15, 0.15))
        if base is not None:
            pl.add(furniture.pole(rng, base, cam))
            if rng.random() < 0.5:
                _pole_flyers(pl, base, 0.05)
    for _ in range(_count(rng, [0.5, 0.35, 0.15])):  # utility boxes, by the wall or the kerb
        by_wall = rng.random() < 0.5
        x_lo, x_hi = (0.35, 0.4) if by_wall else (st.kerb - 0.7, st.kerb - 0.5)
        base = pl.spot(x_lo, x_hi, kh, (0.3, 0.6))
        if base is not None:
            heading = float(np.pi / 2) if by_wall else float(rng.choice([np.pi / 2, -np.pi / 2]))
            prop, model, pose = furniture.utility_box(rng, base, heading)
            pl.add(prop)
            if rng.random() < 0.55:
                graffiti = rng.random() < 0.35
                box_marks(pl, model, pose, flyers=not graffiti, graffiti=graffiti)
    if rng.random() < 0.15:
        start = pl.spot(st.kerb - 0.3, st.kerb - 0.25, kh, (0.1, 0.1))
        if start is not None:
            for b in furniture.bollards(
                rng, start, np.array([0.0, 0.0, 1.5]), int(rng.integers(3, 8))
            ):
                if pl.free(b.base, b.extent):
                    pl.add(b)
    for _ in range(_count(rng, [0.3, 0.3, 0.2, 0.2])):  # pedestrians
        base = (
            pl.spot(0.5, st.kerb - 0.5, kh, (0.3, 0.3))
            if rng.random() < 0.7
            else pl.spot(st.far_kerb + 0.5, st.opposite - 0.5, kh, (0.3, 0.3))
        )
        if base is not None:
            pl.add(furniture.pedestrian(rng, base, rng.uniform(0, 2 * np.pi)))
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
    rgba = np.dstack([printed.blade(rng, sw, sh), np.full((sh, sw), 255, np.uint8)])
    piece = plane_sprite(rgba, np.array([0.0, 0.0, sw, sh]), centre, normal, w, h)
    base = np.array([0.15 + w / 2, pl.street.kerb_height, z])
    pl.add(Prop("outdoor_ad", base, (w / 2, 0.05), [piece], contact=0.0))


def _pole_flyers(pl: Placer, base: F64, radius: float) -> None:
    rng, cam = pl.rng, pl.cam
    to_cam = cam.center - base
    n = np.array([to_cam[0], 0.0, to_cam[2]])
    n /= max(float(np.linalg.norm(n)), 1e-6)
    y = base[1] + rng.uniform(1.0, 1.6)
    at = base + n * (radius + 0.01) + UP * 1.3
    for spr, tight, fw, fh in _flyer_prints(rng, cam, at, int(rng.integers(1, 4)), (0.12, 0.22)):
        centre = base + n * (radius + 0.01) + UP * (y - base[1])
        piece = plane_sprite(spr, tight, centre, n, fw * 1.1, fh * 1.1)
        pl.props.append(
            Prop("flyer", base + n * (radius + 0.05), (0.01, 0.01), [piece], contact=0.0)
        )
        y += fh * rng.uniform(0.6, 1.05)


def box_marks(
    pl: Placer,
    model: Model,
    pose: Pose,
    *,
    flyers: bool,
    graffiti: bool,
    flyer_width: tuple[float, float] = (0.14, 0.26),
) -> None:
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
        prints = _flyer_prints(rng, cam, face_centre, int(rng.integers(1, 4)), flyer_width)
        for spr, tight, fw, fh in prints:
            off = (
                side * rng.uniform(-0.3, 0.3) * max(span - fw, 0.0)
                + UP * rng.uniform(0.35, 0.75) * h
            )
            piece = plane_sprite(spr, tight, face_centre + off, normal, fw * 1.1, fh * 1.1)
            pl.props.append(Prop("flyer", base + normal * 0.01, (0.01, 0.01), [piece], contact=0.0))


def _flyer_prints(
    rng: np.random.Generator, cam: Camera, at: F64, count: int, width: tuple[float, float]
) -> list[tuple[U8, F64, float, float]]:
    """``count`` flyers (sprite, tight rect, width, height in metres): mostly copies of one ad."""
    out: list[tuple[U8, F64, float, float]] = []
    for k in range(count):
        if k == 0 or rng.random() < 0.3:  # a new ad; otherwise another copy of the last one
            fw = rng.uniform(*width)
            fh = fw * rng.uniform(1.1, 1.5)
            sheet = printed.flyer_sheet(rng, *_px(cam, at, fw, fh))
        spr, tight = printed.rotate_sprite(sheet, rng.normal(0, 6.0))
        out.append((spr, tight, fw, fh))
    return out


def _px(cam: Camera, at: F64, w: float, h: float) -> tuple[int, int]:
    ppm = float(np.clip(1.5 * cam.scale_at(at), 40.0, 200.0))
    return max(8, round(w * ppm)), max(8, round(h * ppm))


def labelled_props(pl: Placer, light: Lighting) -> None:
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
            trading.goods, 0.35, x_hi, kh, heading, (0.5, 0.6), z_range=shop
        ):
            pl.place(trading.goods, 0.35, x_hi, kh, heading, (0.5, 0.6))
    for _ in range(_count(rng, [0.4, 0.35, 0.25])):  # blade signs sticking out of the facade
        _blade_sign(pl)
    for _ in range(_count(rng, [0.5, 0.38, 0.12])):
        on_road = rng.random() < 0.2
        x_lo, x_hi, y = (st.kerb + 0.8, st.kerb + 1.3, 0.0) if on_road else (1.2, st.kerb - 1.0, kh)
        pl.place(
            trading.stall,
            x_lo,
            x_hi,
            y,
            float(rng.choice([np.pi / 2, -np.pi / 2, 0.0])) + rng.normal(0, 0.1),
            (1.2, 1.2),
        )
    garbage_spots = ((st.kerb - 0.8, st.kerb - 0.4), (0.4, 0.8))
    for build, probs in (
        (waste.garbage_bin, [0.4, 0.4, 0.2]),
        (waste.overflow, [0.5, 0.4, 0.1]),
        (waste.garbage, [0.35, 0.4, 0.25]),
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
                if build is waste.garbage
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
                model = two_wheelers.two_wheeler(rng, rider=False, night=False)
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


def road_traffic(pl: Placer, light: Lighting, *, moving: bool) -> None:
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
                # not right under the camera: a roof filling the frame teaches nothing
                extent = (1.2, model.length / 2 + 0.5)
                base = pl.spot(x, x, 0.0, extent, max_depth=60.0, min_depth=8.0)
                if base is not None:
                    heading = st.lane_heading(lane) + rng.normal(0, 0.04)
                    pl.add(mesh_prop(name, model, Pose(base, heading)))
                    break
    for _ in range(_count(rng, [0.45, 0.3, 0.15, 0.1])):
        near = rng.random() < 0.6
        x = st.kerb + 0.7 if near else st.far_kerb - 0.7
        base = pl.spot(x - 0.2, x + 0.2, 0.0, (0.4, 1.0), max_depth=40.0)
        if base is not None:
            model = two_wheelers.two_wheeler(rng, rider=True, night=night)
            pl.add(
                mesh_prop(
                    "two_wheeler",
                    model,
                    Pose(base, (float(np.pi) if near else 0.0) + rng.normal(0, 0.08)),
                )
            )
