"""A pinhole street camera: world metres to image pixels.

World axes: X runs across the street (the shop facade is the plane X = 0, the
street is at X > 0), Y is up, Z runs along the street.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]

NEAR = 0.25  # metres; geometry closer to the camera than this is clipped away
UP = np.array([0.0, 1.0, 0.0])


def cross(a: F64, b: F64) -> F64:
    """Cross product of two 3-vectors (np.cross is slow for single vectors)."""
    return np.array(
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    )


def heading_axes(heading: float) -> tuple[F64, F64]:
    """Forward and right-hand unit vectors on the ground for a heading (0 = +Z, radians).

    "Right" is the right hand of someone facing ``forward``; a camera looking along
    +Z has +X on the right of its image.
    """
    s, c = np.sin(heading), np.cos(heading)
    return np.array([s, 0.0, c]), np.array([c, 0.0, -s])


def plane_axes(normal: F64) -> tuple[F64, F64]:
    """Right and down unit vectors of a vertical plane seen from the side `normal` points to.

    Text drawn along these axes reads left to right for a viewer on that side.
    """
    n = normal / np.linalg.norm(normal)
    right = cross(UP, -n)
    norm = np.linalg.norm(right)
    if norm < 1e-9:
        raise ValueError(f"plane_axes needs a non-horizontal plane, got normal {normal}")
    return right / norm, -UP


@dataclass(frozen=True)
class Camera:
    """Intrinsics (square pixels, centred principal point) and pose.

    ``rot`` rows are the world directions of image-right, image-down and the optical axis.
    """

    width: int
    height: int
    focal: float
    center: F64
    rot: F64

    @classmethod
    def look(
        cls,
        size: tuple[int, int],
        center: F64,
        *,
        yaw: float,
        pitch: float,
        roll: float = 0.0,
        hfov: float = np.deg2rad(70.0),
    ) -> Camera:
        """A camera at ``center`` turned ``yaw`` from +Z and tilted ``pitch`` below horizontal."""
        width, height = size
        horizontal, _ = heading_axes(yaw)
        forward = horizontal * np.cos(pitch) - UP * np.sin(pitch)
        right = cross(UP, forward)
        right /= np.linalg.norm(right)
        down = cross(right, forward)
        cr, sr = np.cos(roll), np.sin(roll)
        right, down = cr * right + sr * down, -sr * right + cr * down
        focal = (width / 2) / np.tan(hfov / 2)
        return cls(
            width, height, float(focal), np.asarray(center, float), np.stack([right, down, forward])
        )

    @property
    def intrinsics(self) -> F64:
        return np.array(
            [[self.focal, 0.0, self.width / 2], [0.0, self.focal, self.height / 2], [0.0, 0.0, 1.0]]
        )

    def depth(self, points: F64) -> F64:
        """Distance along the optical axis, for (N, 3) points."""
        return np.asarray((points - self.center) @ self.rot[2], dtype=np.float64)

    def project(self, points: F64) -> tuple[F64, F64]:
        """Image coordinates (N, 2) and depth (N,) of (N, 3) world points."""
        cam = (points - self.center) @ self.rot.T
        z = cam[:, 2]
        uv = cam[:, :2] * (self.focal / np.maximum(z, 1e-6))[:, None]
        uv += (self.width / 2, self.height / 2)
        return uv, z

    def project_polygon(self, points: F64) -> F64 | None:
        """Project a planar polygon, clipped to the near plane; None when nothing is in front."""
        cam = (points - self.center) @ self.rot.T
        if (cam[:, 2] < NEAR).any():
            cam = _clip_near(cam)
            if len(cam) < 3:
                return None
        uv = cam[:, :2] * (self.focal / cam[:, 2])[:, None]
        uv += (self.width / 2, self.height / 2)
        guard = (-2.0 * self.width, -2.0 * self.height, 3.0 * self.width, 3.0 * self.height)
        if (uv < guard[:2]).any() or (uv > guard[2:]).any():
            # far outside the image: cut to a guard band so fixed-point drawing stays exact
            uv = _clip_box(uv, guard)
            if len(uv) < 3:
                return None
        return uv

    def scale_at(self, point: F64) -> float:
        """Pixels per metre for something at ``point`` (facing the camera)."""
        return self.focal / max(float(self.depth(point[None])[0]), NEAR)

    def plane_homography(self, origin: F64, u: F64, v: F64) -> F64:
        """3x3 map from plane coordinates (s, t) to pixels, for points origin + s*u + t*v."""
        basis = np.stack([u, v, origin - self.center], axis=1)
        return np.asarray(self.intrinsics @ self.rot @ basis, dtype=np.float64)

    def ground_point(self, u: float, v: float, height: float = 0.0) -> F64 | None:
        """The world point at ``height`` seen at pixel (u, v); None above the horizon."""
        ray = self.rot.T @ np.array(
            [(u - self.width / 2) / self.focal, (v - self.height / 2) / self.focal, 1.0]
        )
        if ray[1] >= -1e-6:
            return None
        t = (height - self.center[1]) / ray[1]
        return np.asarray(self.center + t * ray, dtype=np.float64)

    def visible(self, points: F64, margin: float = 0.0) -> npt.NDArray[np.bool_]:
        """Which points project inside the image (grown by ``margin`` x its size), in front."""
        uv, z = self.project(points)
        mx, my = margin * self.width, margin * self.height
        return np.asarray(
            (z > NEAR)
            & (uv[:, 0] >= -mx)
            & (uv[:, 0] <= self.width + mx)
            & (uv[:, 1] >= -my)
            & (uv[:, 1] <= self.height + my)
        )


def _clip_near(cam: F64) -> F64:
    """Sutherland-Hodgman clip of a camera-space polygon against z >= NEAR."""
    out: list[F64] = []
    n = len(cam)
    for i in range(n):
        a, b = cam[i], cam[(i + 1) % n]
        a_in, b_in = a[2] >= NEAR, b[2] >= NEAR
        if a_in:
            out.append(a)
        if a_in != b_in:
            t = (NEAR - a[2]) / (b[2] - a[2])
            out.append(a + t * (b - a))
    return np.array(out, dtype=np.float64).reshape(-1, 3)


def _clip_box(uv: F64, box: tuple[float, float, float, float]) -> F64:
    """Sutherland-Hodgman clip of a 2D polygon to an axis-aligned box."""
    pts = uv
    for axis, limit, keep_below in (
        (0, box[0], False),
        (0, box[2], True),
        (1, box[1], False),
        (1, box[3], True),
    ):
        out: list[F64] = []
        n = len(pts)
        for i in range(n):
            a, b = pts[i], pts[(i + 1) % n]
            a_in = a[axis] <= limit if keep_below else a[axis] >= limit
            b_in = b[axis] <= limit if keep_below else b[axis] >= limit
            if a_in:
                out.append(a)
            if a_in != b_in:
                t = (limit - a[axis]) / (b[axis] - a[axis])
                out.append(a + t * (b - a))
        pts = np.array(out, dtype=np.float64).reshape(-1, 2)
        if len(pts) == 0:
            break
    return pts
