"""Camera-side randomisation: viewpoint warp, exposure and colour, glow, blur and sensor noise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
import numpy.typing as npt

from training.synth.camera import F64
from training.synth.canvas import Light
from training.synth.lighting import Lighting, Period
from training.synth.pixels import U8


def random_view_warp(rng: np.random.Generator, size: tuple[int, int]) -> F64 | None:
    """A small homography (zoom, rotation, shift, perspective), or None for no warp.

    Mostly zooms in, so the border the warp exposes is rare and thin.
    """
    if rng.random() < 0.3:
        return None
    w, h = size
    scale = rng.uniform(1.0, 1.22) if rng.random() < 0.85 else rng.uniform(0.9, 1.0)
    angle = float(np.clip(rng.normal(0.0, 2.0), -5.0, 5.0))
    shift = rng.uniform(-0.04, 0.04, 2) * (w, h)
    sim = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64)
    moved = corners @ sim[:, :2].T + sim[:, 2] + shift
    moved += rng.uniform(-0.03, 0.03, (4, 2)) * (w, h)
    return np.asarray(
        cv2.getPerspectiveTransform(corners.astype(np.float32), moved.astype(np.float32)),
        np.float64,
    )


@dataclass(frozen=True)
class Photo:
    """Exposure, colour, blur and noise settings for one image (or one whole sequence)."""

    lut: U8  # (1, 256, 3) per-channel tone curve
    glow: float
    blur_sigma: float
    motion: U8 | None  # motion blur kernel
    noise: int  # half-range of the per-pixel noise
    vignette: float


def random_photo(rng: np.random.Generator, light: Lighting) -> Photo:
    period = light.period
    # Cameras expose for the scene: night footage is lifted and noisy, not crushed to black.
    gamma = {
        Period.DAY: rng.uniform(0.85, 1.15),
        Period.OVERCAST: rng.uniform(0.85, 1.1),
        Period.DUSK: rng.uniform(0.75, 1.05),
        Period.NIGHT: rng.uniform(0.6, 0.9),
    }[period]
    lift = rng.uniform(0.0, 0.05) if period is not Period.NIGHT else rng.uniform(0.02, 0.08)
    gain = rng.uniform(0.85, 1.08)
    cast = rng.uniform(0.92, 1.08, 3)
    x = np.arange(256, dtype=np.float32) / 255.0
    curve = lift + (gain - lift) * x**gamma
    lut = np.clip(curve[:, None] * cast[None, :] * 255.0, 0, 255).astype(np.uint8)[None]
    motion = None
    blur = 0.0
    kind = rng.random()
    if kind < 0.25:
        blur = rng.uniform(0.4, 1.1)
    elif kind < 0.35:
        motion = _motion_kernel(int(rng.integers(3, 10)), rng.uniform(0, 180))
    noisy = period in (Period.NIGHT, Period.DUSK)
    noise = int(rng.integers(4, 14)) if noisy else int(rng.integers(0, 8))
    vignette = rng.uniform(0.1, 0.35) if rng.random() < 0.3 else 0.0
    glow = rng.uniform(0.6, 1.0) if light.dark else 0.0
    return Photo(lut, glow, blur, motion, noise, vignette)


def develop(
    image: U8, photo: Photo, rng: np.random.Generator, lights: Sequence[Light], *, gain: float = 1.0
) -> U8:
    """Apply a ``Photo`` to a rendered image; ``gain`` scales exposure (lighting drift)."""
    out = np.asarray(cv2.LUT(image, photo.lut), np.uint8)
    if gain != 1.0:
        out = np.asarray(cv2.convertScaleAbs(out, alpha=gain), np.uint8)
    if photo.glow > 0 and lights:
        out = _glow(out, lights, photo.glow)
    if photo.vignette > 0:
        v = _vignette(out.shape[1], out.shape[0], photo.vignette)
        out = np.asarray(cv2.blendLinear(out, out, v, v), np.uint8)
    if photo.motion is not None:
        out = np.asarray(
            cv2.filter2D(out, -1, photo.motion.astype(np.float32) / photo.motion.sum()), np.uint8
        )
    elif photo.blur_sigma > 0:
        out = np.asarray(cv2.GaussianBlur(out, (0, 0), photo.blur_sigma), np.uint8)
    if photo.noise > 0:
        n = photo.noise
        luma = rng.integers(-n, n + 1, out.shape[:2], dtype=np.int16)
        # mostly brightness noise, with a coarser colour component as in real sensors
        h, w = out.shape[:2]
        chroma = rng.integers(-(n // 2), n // 2 + 1, (h // 2 + 1, w // 2 + 1, 3), dtype=np.int16)
        chroma = np.asarray(cv2.resize(chroma, (w, h), interpolation=cv2.INTER_NEAREST), np.int16)
        noise = np.asarray(cv2.add(chroma, cv2.merge([luma, luma, luma])), np.int16)
        out = np.asarray(cv2.add(out, noise, dtype=cv2.CV_8U), np.uint8)
    return out


def _motion_kernel(length: int, angle: float) -> U8:
    k = np.zeros((length, length), np.uint8)
    c = (length - 1) / 2
    dx, dy = np.cos(np.deg2rad(angle)) * c, np.sin(np.deg2rad(angle)) * c
    cv2.line(k, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1, 1)
    if k.sum() == 0:
        k[round(c), round(c)] = 1
    return k


def _vignette(width: int, height: int, strength: float) -> npt.NDArray[np.float32]:
    """Half the gain map (blendLinear adds two halves) of a radial fall-off."""
    return np.asarray(0.5 - (0.5 * strength) * _radius2(width, height), np.float32)


@cache
def _radius2(width: int, height: int) -> npt.NDArray[np.float32]:
    """Squared distance from the centre, 1 at the corners."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    r2 = ((x - width / 2) / (width / 2)) ** 2 + ((y - height / 2) / (height / 2)) ** 2
    return np.asarray(r2 / 2.0, np.float32)


def _glow(image: U8, lights: Sequence[Light], amount: float) -> U8:
    """Lamps, lit signs and headlights bloom at night."""
    h, w = image.shape[:2]
    q = 4
    small = np.zeros((h // q + 1, w // q + 1, 3), np.float32)
    for lt in lights:
        if -lt.radius * 4 < lt.u < w + lt.radius * 4 and -lt.radius * 4 < lt.v < h + lt.radius * 4:
            color = tuple(c / 255.0 * lt.strength * amount for c in lt.color)
            cv2.circle(
                small,
                (round(lt.u / q), round(lt.v / q)),
                max(1, round(lt.radius * 1.5 / q)),
                color,
                -1,
                cv2.LINE_AA,
            )
    if not small.any():
        return image
    small = np.asarray(cv2.GaussianBlur(small, (0, 0), 3.0), np.float32)
    halo = np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR), np.float32)
    return np.asarray(cv2.add(image, np.clip(halo * 160.0, 0, 255).astype(np.uint8)), np.uint8)
