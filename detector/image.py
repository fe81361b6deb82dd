"""Turn bytes, files and arrays into the one image form the detector takes: BGR uint8 HxWx3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from detector.errors import ImageDecodeError

Image = npt.NDArray[np.uint8]

# Leading bytes of formats people send by mistake, so an error can say what arrived instead.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF8", "GIF"),
    (b"BM", "BMP"),
    (b"RIFF", "RIFF (WebP/AVI/WAV)"),
    (b"%PDF", "PDF"),
    (b"PK\x03\x04", "ZIP"),
    (b"\x1f\x8b", "gzip"),
    (b"<!DOCTYPE", "HTML"),
    (b"<html", "HTML"),
    (b"{", "JSON"),
    (b"\x00\x00\x00", "MP4/ISO media"),
)


def _describe_start(data: bytes) -> str:
    head = data[:8]
    kind = next((name for sig, name in _SIGNATURES if data.startswith(sig)), None)
    hint = f", looks like {kind}" if kind else ""
    return f"first bytes {head.hex(' ')} ({head!r}{hint})"


def decode_image(data: bytes) -> Image:
    """Decode encoded image bytes (JPEG, PNG, WebP, BMP, ...) into a BGR uint8 HxWx3 array.

    >>> import cv2, numpy as np
    >>> ok, png = cv2.imencode(".png", np.zeros((4, 6, 3), np.uint8))
    >>> decode_image(png.tobytes()).shape
    (4, 6, 3)
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ImageDecodeError(f"expected image bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise ImageDecodeError("cannot decode an image from empty bytes (0 bytes received)")
    buffer = np.frombuffer(data, dtype=np.uint8)
    try:
        # IMREAD_COLOR turns grey, 16-bit and alpha images into 8-bit BGR and applies EXIF rotation.
        decoded = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    except cv2.error as exc:
        raise ImageDecodeError(
            f"OpenCV failed to decode {len(data)} bytes ({_describe_start(data)}): {exc}"
        ) from exc
    if decoded is None:
        raise ImageDecodeError(
            f"{len(data)} bytes are not a decodable image ({_describe_start(data)})"
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
