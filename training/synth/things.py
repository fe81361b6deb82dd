"""Things that stand in the scene: posed meshes and flat sprites, grouped into labelled props."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from training.synth.camera import F64, NEAR, UP, Camera, cross, plane_axes
from training.synth.canvas import Canvas
from training.synth.lighting import Lighting, scaled
from training.synth.mesh import Model, Pose, cast_shadow, draw_lamps, draw_model
from training.synth.pixels import U8, scale_colors


@dataclass(eq=False)
class MeshPiece:
    model: Model
    pose: Pose

    def points(self) -> F64:
        return self.pose.apply(np.concatenate([p.points() for p in self.model.parts]))

    def draw(self, canvas: Canvas, cam: Camera, light: Lighting) -> None:
        draw_model(canvas, cam, light, self.model.parts, self.pose)
        if light.dark and self.model.lamps:
            draw_lamps(canvas, cam, self.model, self.pose, strength=0.9)

    def shadow(self, canvas: Canvas, cam: Camera, light: Lighting) -> None:
        cast_shadow(canvas, cam, light, self.model.parts, self.pose)


@dataclass(eq=False)
class FlatSprite:
    """A BGRA sprite on a plane: top-left corner ``origin``, ``u``/``v`` world step per pixel."""

    sprite: U8
    tight: F64
    origin: F64
    u: F64
    v: F64
    emissive: bool = False

    @property
    def normal(self) -> F64:
        n = cross(self.v, self.u)
        return np.asarray(n / max(float(np.linalg.norm(n)), 1e-12), np.float64)

    def points(self) -> F64:
        h, w = self.sprite.shape[:2]
        return np.stack(
            [
                self.origin,
                self.origin + w * self.u,
                self.origin + w * self.u + h * self.v,
                self.origin + h * self.v,
            ]
        )

    def draw(self, canvas: Canvas, cam: Camera, light: Lighting) -> None:
        if (cam.depth(self.points()) < NEAR).any():
            return
        normal = self.normal
        if normal @ (cam.center - self.origin) < 0:
            normal = -normal
        sprite = self.sprite
        if not self.emissive:
            level = light.level(normal)
            sprite = scale_colors(sprite, scaled(light.tint, level))
        hom = cam.plane_homography(self.origin, self.u, self.v)
        canvas.paste(sprite, hom, tight=self.tight)

    def shadow(self, canvas: Canvas, cam: Camera, light: Lighting) -> None:
        return None


Piece = MeshPiece | FlatSprite


@dataclass(eq=False)
class Prop:
    """One labelled object (or unlabelled scenery when ``class_name`` is None).

    ``base`` is its ground point and ``extent`` its half size on the ground (x, z), used
    to keep props from standing inside one another.
    """

    class_name: str | None
    base: F64
    extent: tuple[float, float]
    pieces: list[Piece] = field(default_factory=list)
    track_id: int = -1
    contact: float = 0.25  # darkness of the contact shadow under it

    def draw(self, canvas: Canvas, cam: Camera, light: Lighting) -> None:
        order = sorted(self.pieces, key=lambda p: -float(cam.depth(p.points()).mean()))
        with canvas.instance(self.class_name, self.track_id):
            for piece in order:
                piece.draw(canvas, cam, light)

    def shadow(self, canvas: Canvas, cam: Camera, light: Lighting) -> None:
        if self.contact > 0:
            ex, ez = self.extent
            ang = np.linspace(0, 2 * np.pi, 16, endpoint=False)
            ring = self.base + np.column_stack(
                [ex * 1.05 * np.cos(ang), np.full(16, 0.01), ez * 1.05 * np.sin(ang)]
            )
            uv = cam.project_polygon(ring)
            if uv is not None:
                canvas.shadow(uv, self.contact * (0.6 if light.dark else 1.0))
        for piece in self.pieces:
            piece.shadow(canvas, cam, light)


def mesh_prop(class_name: str | None, model: Model, pose: Pose, *, track_id: int = -1) -> Prop:
    c, s = abs(np.cos(pose.heading)), abs(np.sin(pose.heading))
    ex = (model.length * s + model.width * c) / 2
    ez = (model.length * c + model.width * s) / 2
    return Prop(
        class_name, pose.position.copy(), (ex, ez), [MeshPiece(model, pose)], track_id, contact=0.3
    )


def billboard(
    sprite: U8,
    tight: F64,
    base: F64,
    width: float,
    height: float,
    cam: Camera,
    *,
    lean: float = 0.0,
    facing: F64 | None = None,
) -> FlatSprite:
    """A sprite standing on ``base`` (bottom centre), facing the camera, leaning back ``lean``."""
    if facing is None:
        facing = cam.center - base
    n = np.array([facing[0], 0.0, facing[2]])
    if np.linalg.norm(n) < 1e-6:
        n = np.array([0.0, 0.0, -1.0])
    n /= np.linalg.norm(n)
    right, _ = plane_axes(n)
    top_dir = UP * np.cos(lean) - n * np.sin(lean)
    h_px, w_px = sprite.shape[:2]
    origin = base - right * (width / 2) + top_dir * height
    return FlatSprite(sprite, tight, origin, right * (width / w_px), -top_dir * (height / h_px))


def ground_patch(
    sprite: U8, tight: F64, centre: F64, width: float, depth: float, heading: float
) -> FlatSprite:
    """A sprite lying on the ground (mats, litter) centred on ``centre``."""
    fwd = np.array([np.sin(heading), 0.0, np.cos(heading)])
    right = np.array([np.cos(heading), 0.0, -np.sin(heading)])
    h_px, w_px = sprite.shape[:2]
    origin = centre - right * (width / 2) + fwd * (depth / 2) + UP * 0.01
    return FlatSprite(sprite, tight, origin, right * (width / w_px), -fwd * (depth / h_px))


def plane_sprite(
    sprite: U8,
    tight: F64,
    centre: F64,
    normal: F64,
    width: float,
    height: float,
    *,
    emissive: bool = False,
) -> FlatSprite:
    """A sprite on a vertical plane facing ``normal``, centred on ``centre``."""
    right, down = plane_axes(normal)
    h_px, w_px = sprite.shape[:2]
    origin = centre - right * (width / 2) - down * (height / 2)
    return FlatSprite(
        sprite, tight, origin, right * (width / w_px), down * (height / h_px), emissive
    )


def sprite_size(
    cam: Camera, at: F64, width: float, height: float, *, lo: int = 8, hi: int = 256
) -> tuple[int, int]:
    """Sprite pixels (w, h) for something of this size at ``at``: about 1.3x its size on screen."""
    ppm = 1.3 * cam.scale_at(at)
    w = int(np.clip(width * ppm, lo, hi))
    h = int(np.clip(height * ppm, lo, hi))
    return w, h


def depth_sorted(props: Sequence[Prop], cam: Camera) -> list[Prop]:
    """Far to near, by the depth of each prop's ground point."""
    depths: npt.NDArray[np.float64] = (
        cam.depth(np.stack([p.base for p in props])) if props else np.zeros(0)
    )
    return [props[k] for k in np.argsort(-depths, kind="stable")]
