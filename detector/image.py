"""Turn bytes, files and arrays into the one image form the detector takes: BGR uint8 HxWx3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from detector.errors import ImageDecodeError
from detector.image_header import ImageLimits, describe_start

Image = npt.NDArray[np.uint8]

# libjpeg decodes a JPEG at 1/2, 1/4 or 1/8 of its size while decoding (scaled IDCT), far
# cheaper than decoding it whole and resizing; other formats are decoded, then shrunk
_REDUCED = {
    1: cv2.IMREAD_COLOR,
    2: cv2.IMREAD_REDUCED_COLOR_2,
    4: cv2.IMREAD_REDUCED_COLOR_4,
    8: cv2.IMREAD_REDUCED_COLOR_8,
}
REDUCTIONS = tuple(_REDUCED)


def decode_image(data: bytes, *, reduce: int = 1, limits: ImageLimits | None = None) -> Image:
    """Decode encoded image bytes (JPEG, PNG, WebP, BMP, ...) into a BGR uint8 HxWx3 array;
    ``reduce`` (1, 2, 4 or 8) decodes it at that fraction of its size. With ``limits``
    (untrusted bytes) the header is checked first: ImageRejectedError, nothing decoded.

    >>> import cv2, numpy as np
    >>> ok, png = cv2.imencode(".png", np.zeros((4, 6, 3), np.uint8))
    >>> decode_image(png.tobytes()).shape
    (4, 6, 3)
    """
    if reduce not in _REDUCED:
        raise ValueError(f"reduce must be one of {REDUCTIONS}, got {reduce}")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ImageDecodeError(f"expected image bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise ImageDecodeError("cannot decode an image from empty bytes (0 bytes received)")
    if limits is not None:
        limits.check(data)
    buffer = np.frombuffer(data, dtype=np.uint8)
    try:
        # IMREAD_COLOR turns grey, 16-bit and alpha images into 8-bit BGR and applies EXIF rotation.
        decoded = cv2.imdecode(buffer, _REDUCED[reduce])
    except cv2.error as exc:
        raise ImageDecodeError(
            f"OpenCV failed to decode {len(data)} bytes ({describe_start(data)}): {exc}"
        ) from exc
    if decoded is None:
        raise ImageDecodeError(
            f"{len(data)} bytes are not a decodable image ({describe_start(data)})"
        )
    return as_bgr(decoded)


def load_image(path: str | Path) -> Image:
    """Read and decode an image file into a BGR uint8 HxWx3 array."""
    path = Path(path)
    if not path.exists():
        raise ImageDecodeError(f"image file not found: {path}")
    if not path.is_file():
        raise ImageDecodeError(f"image path is not a file: {path}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImageDecodeError(f"cannot read image file {path}: {exc}") from exc
    try:
        return decode_image(data)
    except ImageDecodeError as exc:
        raise ImageDecodeError(f"{path}: {exc}") from exc


def as_bgr(array: npt.NDArray[Any]) -> Image:
    """Check an in-memory image and return it as a contiguous BGR uint8 HxWx3 array.

    Grey (HxW or HxWx1) becomes BGR, BGRA (HxWx4) loses its alpha; anything else is an error.

    >>> as_bgr(np.zeros((2, 3), np.uint8)).shape
    (2, 3, 3)
    """
    if not isinstance(array, np.ndarray):
        raise ImageDecodeError(f"expected a numpy array image, got {type(array).__name__}")
    if array.dtype != np.uint8:
        raise ImageDecodeError(
            f"expected a uint8 image (0..255), got dtype {array.dtype}; "
            "convert with np.clip(img, 0, 255).astype(np.uint8) if it holds pixel values"
        )
    if array.ndim not in (2, 3):
        raise ImageDecodeError(
            f"expected an image of shape HxW or HxWxC, got {array.ndim} dimensions {array.shape}"
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ImageDecodeError(f"image has zero size: shape {array.shape}")
    channels = 1 if array.ndim == 2 else array.shape[2]
    if channels == 1:
        return np.ascontiguousarray(
            cv2.cvtColor(array.reshape(array.shape[:2]), cv2.COLOR_GRAY2BGR)
        )
    if channels == 3:
        return np.ascontiguousarray(array)
    if channels == 4:
        return np.ascontiguousarray(array[:, :, :3])
    raise ImageDecodeError(
        f"expected 1 (grey), 3 (BGR) or 4 (BGRA) channels, got {channels} channels, "
        f"shape {array.shape}"
    )


def shrink(image: Image, width: int) -> Image:
    """``image`` scaled to ``width`` pixels wide (height keeping the aspect ratio, at least
    1), by pixel area; as it is when it is no wider. Halves first while it is at least twice
    too wide: OpenCV's area resize has a fast path for exactly 2x (a 640x360 frame to 160
    px costs 0.13 ms as two halvings against 0.30 ms at once)."""
    if width < 1:
        raise ValueError(f"width must be at least 1 pixel, got {width}")
    h, w = image.shape[:2]
    if w <= width:
        return image
    target = (width, max(1, round(h * width / w)))
    while image.shape[1] >= 2 * width and image.shape[1] % 2 == 0 and image.shape[0] % 2 == 0:
        half = (image.shape[1] // 2, image.shape[0] // 2)
        image = np.asarray(cv2.resize(image, half, interpolation=cv2.INTER_AREA), np.uint8)
    if image.shape[1] == width and (image.shape[1], image.shape[0]) == target:
        return image
    return np.asarray(cv2.resize(image, target, interpolation=cv2.INTER_AREA), np.uint8)
