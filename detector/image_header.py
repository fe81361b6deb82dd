"""An encoded image's size from its header, and the limits an untrusted image must meet
before anything decodes it.

A 1 MB PNG can declare 20000x20000 pixels and take gigabytes to decode; a 235-byte PNG
can declare 1x40000. ``ImageLimits.check`` reads the size from the header (no decoding)
and refuses such images with a message that says what was wrong, so the memory one
decode can take is bounded by ``max_pixels`` x 3 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from detector.errors import ImageDecodeError

# JPEG start-of-frame markers (baseline, progressive, ...): they carry the image size
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
CHECKED_FORMATS = "JPEG, PNG, WebP or BMP"


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


def describe_start(data: bytes) -> str:
    """What the first bytes are, for an error message."""
    head = data[:8]
    kind = next((name for sig, name in _SIGNATURES if data.startswith(sig)), None)
    hint = f", looks like {kind}" if kind else ""
    return f"first bytes {head.hex(' ')} ({head!r}{hint})"


class ImageRejectedError(ImageDecodeError):
    """An image whose header breaks the limits (too many pixels, too thin, unknown size)."""


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _SOF:
            if i + 9 > len(data):
                return None
            height = int.from_bytes(data[i + 5 : i + 7], "big")
            width = int.from_bytes(data[i + 7 : i + 9], "big")
            return (width, height) if width and height else None
        if 0xD0 <= marker <= 0xD9 or marker == 0x01:  # markers without a length
            i += 2
            continue
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        w = int.from_bytes(data[26:28], "little") & 0x3FFF
        h = int.from_bytes(data[28:30], "little") & 0x3FFF
        return (w, h) if w and h else None
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        w = int.from_bytes(data[24:27], "little") + 1
        h = int.from_bytes(data[27:30], "little") + 1
        return w, h
    return None


def encoded_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's, PNG's, WebP's or BMP's header, without decoding;
    None for other formats or a header that does not say.

    >>> import cv2, numpy as np
    >>> ok, jpg = cv2.imencode(".jpg", np.zeros((4, 6, 3), np.uint8))
    >>> encoded_size(jpg.tobytes())
    (6, 4)
    """
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        if len(data) >= 24 and data[12:16] == b"IHDR":
            return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        return None
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return _webp_size(data)
    if data.startswith(b"BM") and len(data) >= 26:
        w = int.from_bytes(data[18:22], "little", signed=True)
        h = abs(int.from_bytes(data[22:26], "little", signed=True))  # negative: top-down
        return (w, h) if w > 0 and h > 0 else None
    return None


@dataclass(frozen=True)
class ImageLimits:
    """What an untrusted encoded image may declare: at most ``max_pixels`` pixels, each
    side at least ``min_side``, the longer side at most ``max_aspect`` times the shorter."""

    max_pixels: int = 40_000_000
    min_side: int = 16
    max_aspect: float = 8.0

    def __post_init__(self) -> None:
        if self.max_pixels < 1 or self.min_side < 1 or self.max_aspect < 1.0:
            raise ValueError(
                "expected max_pixels >= 1, min_side >= 1 and max_aspect >= 1, got "
                f"{self.max_pixels}, {self.min_side}, {self.max_aspect}"
            )

    def check(self, data: bytes) -> tuple[int, int]:
        """The image's (width, height) from its header; ImageRejectedError if it breaks a
        limit or its size cannot be read without decoding.

        >>> ImageLimits(max_pixels=100).check(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(4) + b"IHDR"
        ...     + (20).to_bytes(4, "big") + (20).to_bytes(4, "big"))
        Traceback (most recent call last):
        ...
        detector.image_header.ImageRejectedError: image is 20x20 = 400 pixels, more than the limit of 100 pixels
        """  # noqa: E501
        size = encoded_size(data)
        if size is None:
            raise ImageRejectedError(
                f"{len(data)} bytes are not a decodable image whose size its header gives "
                f"({describe_start(data)}): send {CHECKED_FORMATS}"
            )
        w, h = size
        if w * h > self.max_pixels:
            raise ImageRejectedError(
                f"image is {w}x{h} = {w * h} pixels, more than the limit of "
                f"{self.max_pixels} pixels"
            )
        if min(w, h) < self.min_side:
            raise ImageRejectedError(
                f"image is {w}x{h}: a side shorter than the minimum of {self.min_side} pixels"
            )
        if max(w, h) > self.max_aspect * min(w, h):
            raise ImageRejectedError(
                f"image is {w}x{h}: aspect ratio {max(w, h) / min(w, h):.1f}:1, more than "
                f"the limit of {self.max_aspect:g}:1"
            )
        return size
