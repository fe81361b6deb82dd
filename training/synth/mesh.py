"""Low-poly solids: flat-shaded faces with decals (windows, lights), posed and drawn back to front.

Models are built in local coordinates (a: forward, b: up, c: right, metres) and
placed with a ``Pose``. A ``Part`` is a convex solid (back faces are culled, so its
faces need no sorting) or a set of two-sided flat pieces; parts are drawn far to
near.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from training.synth.camera import F64, NEAR, UP, Camera, cross, heading_axes
from training.synth.canvas import Canvas, Light
from training.synth.lighting import Color, Lighting


@dataclass(eq=False)
class Decal:
    points: F64
    color: Color
    emissive: bool = False


@dataclass(eq=False)
class Face:
    points: F64
    normal: F64
    color: Color
    decals: list[Decal] = field(default_factory=list)
    emissive: bool = False

    def sub(self, s0: float, s1: float, t0: float, t1: float) -> F64:
        """Sub-quad of a quad face: s across (corner 0 -> 1), t down (corner 0 -> 3)."""
        p = self.points

        def at(s: float, t: float) -> F64:
            top = p[0] + (p[1] - p[0]) * s
            bottom = p[3] + (p[2] - p[3]) * s
            return np.asarray(top + (bottom - top) * t, np.float64)

        return np.stack([at(s0, t0), at(s1, t0), at(s1, t1), at(s0, t1)])

    def decal(
        self, s0: float, s1: float, t0: float, t1: float, color: Color, *, emissive: bool = False
    ) -> None:
        self.decals.append(Decal(self.sub(s0, s1, t0, t1), color, emissive))


@dataclass(eq=False)
class Stroke:
    """A tube or rod: a polyline ``width`` metres thick (bicycle frames, limbs, rails)."""

    points: F64
    color: Color
    width: float
    closed: bool = False


@dataclass(eq=False)
class Ball:
    centre: F64
    radius: float
    color: Color


@dataclass(eq=False)
class Part:
    faces: list[Face] = field(default_factory=list)
    two_sided: bool = False  # flat pieces: draw both sides, sorted by depth
    hull: Color | None = None  # draw the silhouette in one colour (wheels), then decals
    strokes: list[Stroke] = field(default_factory=list)
    balls: list[Ball] = field(default_factory=list)

    def named(self, name: str) -> Face:
        return self.faces[_BOX_FACES.index(name)]

    def points(self) -> F64:
        pts = [f.points for f in self.faces] + [s.points for s in self.strokes]
        pts += [b.centre[None] for b in self.balls]
        return np.concatenate(pts) if pts else np.zeros((0, 3))


_BOX_FACES = ("front", "back", "right", "left", "top", "bottom")


def box(a0: float, a1: float, b0: float, b1: float, c0: float, c1: float, color: Color) -> Part:
    """Axis-aligned box; faces in the order front, back, right, left, top, bottom."""
    return frustum((a0, a1, c0, c1), (a0, a1, c0, c1), b0, b1, color)


def frustum(
    bottom: tuple[float, float, float, float],
    top: tuple[float, float, float, float],
    b0: float,
    b1: float,
    color: Color,
) -> Part:
    """Hexahedron from a bottom rectangle (a0, a1, c0, c1) at height b0 to a top one at b1.

    Vertical-ish faces list corners top-left, top-right, bottom-right, bottom-left as
    seen from outside, so ``Face.sub`` and ``Face.decal`` work in viewer terms.
    """
    ba0, ba1, bc0, bc1 = bottom
    ta0, ta1, tc0, tc1 = top

    def bp(a: float, c: float) -> list[float]:
        return [a, b0, c]

    def tp(a: float, c: float) -> list[float]:
        return [a, b1, c]

    faces = [
        # front (a1), seen from the front the viewer's left is +c
        _face([tp(ta1, tc1), tp(ta1, tc0), bp(ba1, bc0), bp(ba1, bc1)], color),
        _face([tp(ta0, tc0), tp(ta0, tc1), bp(ba0, bc1), bp(ba0, bc0)], color),
        _face([tp(ta0, tc1), tp(ta1, tc1), bp(ba1, bc1), bp(ba0, bc1)], color),  # right (+c)
        _face([tp(ta1, tc0), tp(ta0, tc0), bp(ba0, bc0), bp(ba1, bc0)], color),  # left
        _face([tp(ta0, tc0), tp(ta1, tc0), tp(ta1, tc1), tp(ta0, tc1)], color),  # top
        _face([bp(ba0, bc0), bp(ba1, bc0), bp(ba1, bc1), bp(ba0, bc1)], color),  # bottom
    ]
    centre = np.mean([f.points.mean(axis=0) for f in faces], axis=0)
    for f in faces:
        if f.normal @ (f.points.mean(axis=0) - centre) < 0:
            f.normal = -f.normal
    return Part(faces)


def prism(profile: Sequence[tuple[float, float]], c0: float, c1: float, color: Color) -> Part:
    """Extrude a convex (a, b) profile between c0 and c1; faces: caps first, then edges."""
    prof = np.asarray(profile, np.float64)
    left = np.column_stack([prof, np.full(len(prof), c0)])
    right = np.column_stack([prof, np.full(len(prof), c1)])
    faces = [_face(right.tolist(), color), _face(left.tolist(), color)]
    for i in range(len(prof)):
        j = (i + 1) % len(prof)
        faces.append(_face([right[i], right[j], left[j], left[i]], color))
    centre = np.append(prof.mean(axis=0), (c0 + c1) / 2)
    for f in faces:
        if f.normal @ (f.points.mean(axis=0) - centre) < 0:
            f.normal = -f.normal
    return Part(faces)


def wheel(a: float, b: float, c0: float, c1: float, radius: float, tyre: Color, rim: Color) -> Part:
    """A wheel turning about the c axis: dark silhouette plus a rim on both caps."""
    ang = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    ring = np.c_[a + radius * np.cos(ang), b + radius * np.sin(ang)]
    hub = np.c_[a + 0.6 * radius * np.cos(ang), b + 0.6 * radius * np.sin(ang)]
    faces = []
    for c, sign in ((c0, -1.0), (c1, 1.0)):
        f = Face(np.c_[ring, np.full(12, c)], np.array([0.0, 0.0, sign]), tyre)
        f.decals.append(Decal(np.c_[hub, np.full(12, c)], rim))
        faces.append(f)
    return Part(faces, hull=tyre)


def disc(
    a: float, b: float, c: float, radius: float, color: Color, *, axis: int = 2, n: int = 12
) -> F64:
    """Points of a circle centred at (a, b, c) in the plane normal to ``axis``."""
    ang = np.linspace(0, 2 * np.pi, n, endpoint=False)
    u, v = radius * np.cos(ang), radius * np.sin(ang)
    centre = np.array([a, b, c])
    pts = np.repeat(centre[None], n, axis=0)
    others = [k for k in range(3) if k != axis]
    pts[:, others[0]] += u
    pts[:, others[1]] += v
    return pts


def _face(points: Sequence[Sequence[float]] | F64, color: Color) -> Face:
    pts = np.asarray(points, np.float64)
    return Face(pts, _newell(pts), color)


def _newell(pts: F64) -> F64:
    if len(pts) == 4:  # quads: the cross product of the diagonals
        n = cross(pts[2] - pts[0], pts[3] - pts[1])
        norm = float(np.sqrt(n @ n))
        return n / norm if norm > 1e-12 else np.array([0.0, 1.0, 0.0])
    nxt = np.roll(pts, -1, axis=0)
    n = np.array(
        [
            np.sum((pts[:, 1] - nxt[:, 1]) * (pts[:, 2] + nxt[:, 2])),
            np.sum((pts[:, 2] - nxt[:, 2]) * (pts[:, 0] + nxt[:, 0])),
            np.sum((pts[:, 0] - nxt[:, 0]) * (pts[:, 1] + nxt[:, 1])),
        ]
    )
    length = float(np.linalg.norm(n))
    return n / length if length > 1e-12 else np.array([0.0, 1.0, 0.0])


@dataclass(frozen=True)
class Pose:
    """Where a model stands: ground point (x, base height, z) and heading (0 = +Z)."""

    position: F64
    heading: float

    @property
    def matrix(self) -> F64:
        forward, right = heading_axes(self.heading)
        return np.stack([forward, UP, right], axis=1)

    def apply(self, local: F64) -> F64:
        return np.asarray(local @ self.matrix.T + self.position, np.float64)

    def turn(self, normal: F64) -> F64:
        return np.asarray(self.matrix @ normal, np.float64)


def draw_model(
    canvas: Canvas, cam: Camera, light: Lighting, parts: Sequence[Part], pose: Pose
) -> None:
    """Draw posed parts far to near, each convex part with back faces culled."""
    rot = pose.matrix.T
    depths = [float(cam.depth(p.points() @ rot + pose.position).mean()) for p in parts]
    for k in np.argsort(depths, kind="stable")[::-1]:
        part = parts[int(k)]
        if part.faces:
            _draw_faces(canvas, cam, light, part, pose)
        for s in part.strokes:
            uv, z = cam.project(s.points @ rot + pose.position)
            if (z > 0.3).all():
                width = s.width * cam.focal / float(z.mean())
                canvas.polyline(uv, light.shade(s.color, UP), width, closed=s.closed)
        for b in part.balls:
            uv, z = cam.project(b.centre[None] @ rot + pose.position)
            if z[0] > 0.3:
                canvas.disk(uv[0], b.radius * cam.focal / float(z[0]), light.shade(b.color, UP))


def _draw_faces(canvas: Canvas, cam: Camera, light: Lighting, part: Part, pose: Pose) -> None:
    rot = pose.matrix.T
    faces = part.faces
    counts = np.array([len(f.points) for f in faces])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    world = np.concatenate([f.points for f in faces]) @ rot + pose.position
    normals = np.stack([f.normal for f in faces]) @ rot
    centroids = np.add.reduceat(world, starts, axis=0) / counts[:, None]
    facing = np.einsum("ij,ij->i", normals, cam.center - centroids)
    uv, z = cam.project(world)
    in_front = bool((z >= NEAR).all())
    if part.hull is not None:
        if not in_front:
            return
        hull = cv2.convexHull(uv.astype(np.float32)).reshape(-1, 2).astype(np.float64)
        canvas.fill(hull, light.shade(part.hull, UP))
    order = range(len(faces))
    if part.two_sided:
        order = np.argsort(-cam.depth(centroids), kind="stable").tolist()
    shown = [i for i in order if facing[i] > 0 or part.two_sided]
    decals = [d for i in shown for d in faces[i].decals]
    if decals:  # project every decal of the visible faces in one go
        d_counts = [len(d.points) for d in decals]
        d_world = np.concatenate([d.points for d in decals]) @ rot + pose.position
        d_uv, d_z = cam.project(d_world)
        d_front = d_z >= NEAR
        d_starts = np.cumsum([0, *d_counts])
    k = 0
    for i in shown:
        face = faces[i]
        normal = normals[i] if facing[i] > 0 else -normals[i]
        if part.hull is None:
            face_uv = (
                uv[starts[i] : starts[i] + counts[i]]
                if in_front
                else cam.project_polygon(world[starts[i] : starts[i] + counts[i]])
            )
            if face_uv is None:
                k += len(face.decals)
                continue
            color = face.color if face.emissive else light.shade(face.color, normal)
            canvas.fill(face_uv, color, convex=not part.two_sided)
        for d in face.decals:
            a, b = d_starts[k], d_starts[k + 1]
            k += 1
            duv = d_uv[a:b] if d_front[a:b].all() else cam.project_polygon(d_world[a:b])
            if duv is not None:
                canvas.fill(duv, d.color if d.emissive else light.shade(d.color, normal))


def cast_shadow(
    canvas: Canvas, cam: Camera, light: Lighting, parts: Sequence[Part], pose: Pose
) -> None:
    """Darken the ground where the model's sun shadow falls (soft, under everything)."""
    if light.shadow <= 0 or light.sun[1] <= 0.05:
        return
    local = np.concatenate([p.points() for p in parts])
    world = pose.apply(local)
    ground = pose.position[1]
    drop = np.maximum(world[:, 1] - ground, 0.0) / light.sun[1]
    flat = world - light.sun[None] * drop[:, None]
    hull = cv2.convexHull(flat[:, [0, 2]].astype(np.float32)).reshape(-1, 2).astype(np.float64)
    pts = np.c_[hull[:, 0], np.full(len(hull), ground + 0.01), hull[:, 1]]
    uv = cam.project_polygon(pts)
    if uv is not None:
        canvas.shadow(uv, light.shadow)


@dataclass(eq=False)
class Lamp:
    """A light on a model (local point) that glows at night when it faces the camera."""

    point: F64
    facing: F64  # local direction the lamp shines
    color: Color
    radius: float


@dataclass(eq=False)
class Model:
    """Parts plus footprint (length along a, width along c) and height, in metres."""

    parts: list[Part]
    length: float
    width: float
    height: float
    lamps: list[Lamp] = field(default_factory=list)

    def footprint(self, pose: Pose, margin: float = 0.0) -> F64:
        """Ground corners (4, 3) of the model's footprint."""
        hl, hw = self.length / 2 + margin, self.width / 2 + margin
        local = np.array([[-hl, 0, -hw], [hl, 0, -hw], [hl, 0, hw], [-hl, 0, hw]], np.float64)
        return pose.apply(local)


def edge_quad(
    pa: tuple[float, float], pb: tuple[float, float], t0: float, t1: float, c0: float, c1: float
) -> F64:
    """A quad on the face swept by the profile edge pa -> pb: t along the edge, c across."""
    a0 = (pa[0] + (pb[0] - pa[0]) * t0, pa[1] + (pb[1] - pa[1]) * t0)
    a1 = (pa[0] + (pb[0] - pa[0]) * t1, pa[1] + (pb[1] - pa[1]) * t1)
    return np.array(
        [[a0[0], a0[1], c0], [a0[0], a0[1], c1], [a1[0], a1[1], c1], [a1[0], a1[1], c0]]
    )


def side_quad(a0: float, a1: float, b0: float, b1: float, c: float) -> F64:
    """A rectangle on a side (constant c) of a model."""
    return np.array([[a0, b1, c], [a1, b1, c], [a1, b0, c], [a0, b0, c]], np.float64)


def draw_lamps(canvas: Canvas, cam: Camera, model: Model, pose: Pose, strength: float) -> None:
    """Record the model's lamps that face the camera as night glows."""
    for lamp in model.lamps:
        p = pose.apply(lamp.point[None])[0]
        if pose.turn(lamp.facing) @ (cam.center - p) <= 0:
            continue
        uv, z = cam.project(p[None])
        if z[0] > 0.5:
            r = lamp.radius * cam.focal / float(z[0])
            canvas.lights.append(
                Light(float(uv[0, 0]), float(uv[0, 1]), max(r, 1.0), lamp.color, strength)
            )
