"""Low-poly solids: flat-shaded faces with decals (windows, lights), posed and drawn back to front.

Models are built in local coordinates (a: forward, b: up, c: right, metres) and
placed with a ``Pose``. A ``Part`` is a convex solid (back faces are culled, so its
faces need no sorting) or a set of two-sided flat pieces; parts are drawn far to
near.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import cv2
import numpy as np

from training.synth.camera import F64, NEAR, UP, Camera, heading_axes
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
        s = np.array([[s0], [s1], [s1], [s0]])
        t = np.array([[t0], [t0], [t1], [t1]])
        top = p[0] + (p[1] - p[0]) * s
        bottom = p[3] + (p[2] - p[3]) * s
        return np.asarray(top + (bottom - top) * t, np.float64)

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
    t = [[ta0, b1, tc0], [ta1, b1, tc0], [ta1, b1, tc1], [ta0, b1, tc1]]
    b = [[ba0, b0, bc0], [ba1, b0, bc0], [ba1, b0, bc1], [ba0, b0, bc1]]
    quads = np.array(
        [
            [t[2], t[1], b[1], b[2]],  # front (a1); seen from the front the viewer's left is +c
            [t[0], t[3], b[3], b[0]],  # back
            [t[3], t[2], b[2], b[3]],  # right (+c)
            [t[1], t[0], b[0], b[1]],  # left
            [t[0], t[1], t[2], t[3]],  # top
            [b[0], b[1], b[2], b[3]],  # bottom
        ],
        np.float64,
    )
    return Part(_convex_faces(quads, color))


def prism(profile: Sequence[tuple[float, float]], c0: float, c1: float, color: Color) -> Part:
    """Extrude a convex (a, b) profile between c0 and c1; faces: caps first, then edges."""
    prof = np.asarray(profile, np.float64)
    n = len(prof)
    left = np.column_stack([prof, np.full(n, c0)])
    right = np.column_stack([prof, np.full(n, c1)])
    nxt = np.roll(np.arange(n), -1)
    sides = np.stack([right, right[nxt], left[nxt], left], axis=1)
    centre = np.append(prof.mean(axis=0), (c0 + c1) / 2)
    caps = [Face(right, np.array([0.0, 0.0, 1.0 if c1 > c0 else -1.0]), color)]
    caps.append(Face(left, -caps[0].normal, color))
    return Part(caps + _convex_faces(sides, color, centre))


def _convex_faces(quads: F64, color: Color, centre: F64 | None = None) -> list[Face]:
    """Faces of a convex solid from its (n, 4, 3) quads, normals pointing outwards."""
    normals = np.cross(quads[:, 2] - quads[:, 0], quads[:, 3] - quads[:, 1])
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    normals = np.where(length > 1e-12, normals / np.maximum(length, 1e-12), [0.0, 1.0, 0.0])
    middles = quads.mean(axis=1)
    if centre is None:
        centre = middles.mean(axis=0)
    flip = np.einsum("ij,ij->i", normals, middles - centre) < 0
    normals[flip] *= -1
    return [Face(q, nrm, color) for q, nrm in zip(quads, normals, strict=True)]


def wheel(a: float, b: float, c0: float, c1: float, radius: float, tyre: Color, rim: Color) -> Part:
    """A wheel turning about the c axis: dark silhouette plus a rim on both caps."""
    unit = _UNIT_CIRCLE_12
    faces = []
    for c, sign in ((c0, -1.0), (c1, 1.0)):
        centre = np.array([a, b, c])
        f = Face(centre + unit * radius, np.array([0.0, 0.0, sign]), tyre)
        f.decals.append(Decal(centre + unit * (0.6 * radius), rim))
        faces.append(f)
    return Part(faces, hull=tyre)


_UNIT_CIRCLE_12 = np.column_stack(
    [
        np.cos(np.linspace(0, 2 * np.pi, 12, endpoint=False)),
        np.sin(np.linspace(0, 2 * np.pi, 12, endpoint=False)),
        np.zeros(12),
    ]
)


def vertical_prism(ring: list[tuple[float, float]], b0: float, b1: float, color: Color) -> Part:
    """Extrude an (a, c) outline upwards from b0 to b1; face 0 is the top."""
    top = np.array([[a, b1, c] for a, c in ring])
    bottom = np.array([[a, b0, c] for a, c in ring])
    faces = [
        Face(top, np.array([0.0, 1.0, 0.0]), color),
        Face(bottom[::-1], np.array([0.0, -1.0, 0.0]), color),
    ]
    n = len(ring)
    for i in range(n):
        j = (i + 1) % n
        mid = (top[i] + top[j]) / 2
        normal = np.array([mid[0], 0.0, mid[2]])
        normal /= max(float(np.linalg.norm(normal)), 1e-9)
        faces.append(Face(np.stack([top[i], top[j], bottom[j], bottom[i]]), normal, color))
    return Part(faces)


@dataclass(frozen=True)
class Pose:
    """Where a model stands: ground point (x, base height, z) and heading (0 = +Z)."""

    position: F64
    heading: float

    @cached_property
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
    points = [p.points() @ rot + pose.position for p in parts]
    depths = [float(cam.depth(p).mean()) for p in points]
    # a model a few pixels across shows no windows or lights: skip its decals
    extent = np.concatenate(points)
    size = float(np.ptp(extent, axis=0).max()) * cam.focal / max(min(depths), 0.3)
    detailed = size >= 14.0
    for k in np.argsort(depths, kind="stable")[::-1]:
        part = parts[int(k)]
        if part.faces:
            _draw_faces(canvas, cam, light, part, pose, decals=detailed)
        for s in part.strokes:
            uv, z = cam.project(s.points @ rot + pose.position)
            if (z > 0.3).all():
                width = s.width * cam.focal / float(z.mean())
                canvas.polyline(uv, light.shade(s.color, UP), width, closed=s.closed)
        for b in part.balls:
            uv, z = cam.project(b.centre[None] @ rot + pose.position)
            if z[0] > 0.3:
                canvas.disk(uv[0], b.radius * cam.focal / float(z[0]), light.shade(b.color, UP))


def _draw_faces(
    canvas: Canvas, cam: Camera, light: Lighting, part: Part, pose: Pose, *, decals: bool = True
) -> None:
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
    stickers = [d for i in shown for d in faces[i].decals] if decals else []
    if stickers:  # project every decal of the visible faces in one go
        d_counts = [len(d.points) for d in stickers]
        d_world = np.concatenate([d.points for d in stickers]) @ rot + pose.position
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
                k += len(face.decals) if decals else 0
                continue
            color = face.color if face.emissive else light.shade(face.color, normal)
            canvas.fill(face_uv, color, convex=not part.two_sided)
        for d in face.decals if decals else ():
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
