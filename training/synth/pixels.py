"""BGR pixel helpers: one-colour images, rectangle fills and colour gains."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from training.synth.lighting import Color

U8 = npt.NDArray[np.uint8]


def solid(height: int, width: int, color: Color) -> U8:
    """A BGR image of one colour (cv2 fills far faster than numpy broadcasting a pixel)."""
    img = np.empty((height, width, 3), np.uint8)
    cv2.rectangle(img, (0, 0), (width - 1, height - 1), color, -1)
    return img


def fill(
    img: U8, color: Color, x0: int = 0, y0: int = 0, x1: int | None = None, y1: int | None = None
) -> None:
    """Fill the rectangle [x0, x1) x [y0, y1) of ``img`` (whole image by default)."""
    h, w = img.shape[:2]
    x1, y1 = w if x1 is None else x1, h if y1 is None else y1
    if x1 > x0 and y1 > y0:
        cv2.rectangle(img, (x0, y0), (x1 - 1, y1 - 1), color, -1)


def scale_colors(img: U8, gain: float | Color) -> U8:
    """Multiply the colour channels of a BGR or BGRA image (alpha kept), saturating."""
    g = gain if isinstance(gain, tuple) else (gain, gain, gain)
    m = np.diag([g[0], g[1], g[2], 1.0][: img.shape[2]]).astype(np.float32)
    return np.asarray(cv2.transform(img, m), np.uint8)
