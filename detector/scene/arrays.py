"""Array types and pure numpy/OpenCV helpers shared by the scene baseline modules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]

SUM = np.ones((1, 3), np.float32)  # ``cv2.transform`` matrix: the sum of the channels
K2 = np.ones((2, 2), np.uint8)
K3 = np.ones((3, 3), np.uint8)
K7 = np.ones((7, 7), np.uint8)
# the blur left to do at half size after 2x2 means (sigma 0.5 at full size) for 1.5 at full
# size in all: sqrt(1.5^2 - 0.5^2) / 2
HALF_SIGMA = 0.71


def f32(array: npt.NDArray[Any]) -> F32:
    return np.asarray(array, np.float32)


def weighted(image: F32, weight: F32) -> F32:
    """``image`` less its weighted mean, times ``weight`` (a new array)."""
    mean = float((image * weight).sum()) / max(float(weight.sum()), 1e-6)
    return f32((image - np.float32(mean)) * weight)


def chromaticity(bgr: F32) -> F32:
    """(b, g, r) / (b + g + r + 1); one reciprocal, then a per-channel multiply (numpy's
    broadcast division over a last axis of 3 costs twice as much)."""
    inv = np.float32(1.0) / (cv2.transform(bgr, SUM) + np.float32(1.0))
    return f32(cv2.multiply(bgr, cv2.merge((inv, inv, inv))))


def medians(rows: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The median along the last axis (as ``np.median(rows, axis=-1)``, 2-4x faster on the
    few thousand values here: one partition, none of ``np.median``'s NaN handling)."""
    n = rows.shape[-1]
    if n % 2:
        return np.asarray(np.partition(rows, n // 2, axis=-1)[..., n // 2])
    mid = np.partition(rows, (n // 2 - 1, n // 2), axis=-1)
    return np.asarray((mid[..., n // 2 - 1] + mid[..., n // 2]) * rows.dtype.type(0.5))


def scalar(*values: float) -> Any:
    """An OpenCV scalar (one value per channel) for ``cv2.add``/``multiply``/...: per-channel
    arithmetic without numpy's broadcast (OpenCV's typing stubs take only arrays there)."""
    return tuple(float(v) for v in values)


def add_where(image: F32, value: float, mask: Mask) -> None:
    """``image[mask] += value`` in place, 10x faster on a scattered mask (OpenCV's masked
    add; numpy's boolean indexing mispredicts its way through every pixel)."""
    cv2.add(image, scalar(value), dst=image, mask=mask.view(np.uint8))


def channel_medians(rows: F32) -> F32:
    """The median of each column of an (N, 3) array (``np.median(rows, axis=0)``)."""
    return f32(medians(np.ascontiguousarray(rows.T)))


def soft_chroma(bgr: F32) -> F32:
    """``chromaticity`` of ``bgr`` blurred by sigma 1.5 px, at half size: colour is coarse,
    and a quarter of the pixels cost a quarter. Halved by pixel area (2x2 means: pixel
    centres stay where ``cv2.resize`` puts them when the result is scaled back up; the
    5-tap ``cv2.pyrDown`` would shift it half a pixel), the rest of the blur done there."""
    h, w = bgr.shape[:2]
    half = cv2.resize(bgr, ((w + 1) // 2, (h + 1) // 2), interpolation=cv2.INTER_AREA)
    return chromaticity(f32(cv2.GaussianBlur(half, (0, 0), HALF_SIGMA)))


def lit(sample: F32, level: float = 8.0) -> Mask:
    """Rows of an (N, 3) sample whose every channel is above ``level`` (numpy's ``min``
    along an axis of 3 is ten times slower than two ``minimum``s)."""
    return np.asarray(np.minimum(np.minimum(sample[:, 0], sample[:, 1]), sample[:, 2]) > level)


def median(frames: Sequence[U8]) -> F32:
    """Per-pixel median of a few frames (as ``np.median``, 10-20x faster for ten frames:
    an odd-even transposition sort of whole frames by ``np.minimum``/``np.maximum``)."""
    rows = list(frames)
    n = len(rows)
    for step in range(n):
        for i in range(step % 2, n - 1, 2):
            rows[i], rows[i + 1] = (
                np.minimum(rows[i], rows[i + 1]),
                np.maximum(rows[i], rows[i + 1]),
            )
    low, high = rows[(n - 1) // 2], rows[n // 2]
    return f32((low.astype(np.float32) + high.astype(np.float32)) * np.float32(0.5))


def edges(grey: F32) -> F32:
    """Gradient magnitude of lightly blurred grey."""
    g = cv2.GaussianBlur(grey, (0, 0), 1.0)
    return f32(cv2.magnitude(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1)))
