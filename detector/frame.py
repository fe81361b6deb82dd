"""``ScaledFrame``: a camera frame decoded at the size its analysis needs, full size on demand.

A 1280x720 JPEG for a 384 px model need not be decoded whole: libjpeg decodes it at half
size for less (``decode_image(reduce=2)``). Boxes and zones stay in full-size pixels: the
frame carries its ``scale`` (full-size pixels per pixel of ``image``) and decodes the full
frame once, only when something needs it (a case's evidence).

>>> import cv2, numpy as np
>>> ok, jpg = cv2.imencode(".jpg", np.zeros((720, 1280, 3), np.uint8))
>>> frame = ScaledFrame.decode(jpg.tobytes(), min_long_side=384)
>>> frame.image.shape, frame.scale, frame.size
((360, 640, 3), 2.0, (1280, 720))
>>> frame.full().shape
(720, 1280, 3)
"""

from __future__ import annotations

from collections.abc import Callable

from detector.image import REDUCTIONS, Image, as_bgr, decode_image, shrink
from detector.image_header import encoded_size


class ScaledFrame:
    """``image`` at 1/``scale`` of the camera's frame of ``size`` (width, height)."""

    def __init__(
        self,
        image: Image,
        size: tuple[int, int],
        full: Callable[[], Image] | None = None,
        jpeg: bytes | None = None,
    ) -> None:
        self.image = image
        self.size = size
        # the camera's own JPEG of the full frame, upright (kept evidence needs no re-encode)
        self.jpeg = jpeg
        self.scale = size[0] / image.shape[1]
        self._full: Image | None = image if full is None else None
        self._decode_full = full
        self._shrunk: dict[int, Image] = {}

    @classmethod
    def of(cls, image: Image) -> ScaledFrame:
        """A frame that is already full size (a pulled camera's, a test's)."""
        image = as_bgr(image)
        return cls(image, (image.shape[1], image.shape[0]))

    @classmethod
    def decode(cls, data: bytes, *, min_long_side: int) -> ScaledFrame:
        """Decode ``data`` at the strongest reduction whose longer side keeps
        ``min_long_side`` pixels (JPEG only; anything else is decoded whole)."""
        size = encoded_size(data)
        reduce = 1
        if size is not None and data.startswith(b"\xff\xd8"):
            reduce = max(r for r in REDUCTIONS if max(size) // r >= min_long_side or r == 1)
        jpeg = data if data.startswith(b"\xff\xd8") else None
        if size is None or reduce == 1:
            frame = cls.of(decode_image(data))
            upright = size is not None and frame.size == size
            frame.jpeg = jpeg if upright else None
            return frame
        image = decode_image(data, reduce=reduce)
        h, w = image.shape[:2]
        # EXIF may turn the picture: the full frame is the header's size, turned the same way
        upright = (w >= h) == (size[0] >= size[1])
        full_size = size if upright else (size[1], size[0])
        return cls(
            image, full_size, full=lambda: decode_image(data), jpeg=jpeg if upright else None
        )

    def shrunk(self, width: int) -> Image:
        """``image`` at ``width`` pixels wide (``detector.image.shrink``), made once per
        frame: the motion gate and the scene baseline share one downscale."""
        if width not in self._shrunk:
            self._shrunk[width] = shrink(self.image, width)
        return self._shrunk[width]

    def full(self) -> Image:
        """The frame at full size, decoded the first time it is asked for."""
        if self._full is None:
            assert self._decode_full is not None
            self._full = self._decode_full()
        return self._full
