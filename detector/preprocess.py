"""Letterbox images to the model input and map boxes back to the original pixels.

The arithmetic follows ultralytics' ``LetterBox`` (centred, pad 114, each resized side
rounded) so that an exported model sees exactly the input it saw in ultralytics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from detector.image import Image

PAD_VALUE = 114

Size = tuple[int, int]  # (height, width)


@dataclass(frozen=True)
class LetterboxTransform:
    """How one original image was placed in the model input.

    ``scale`` is (x, y): resized side / original side (equal but for rounding);
    ``pad`` is (left, top) in input pixels.
    """

    scale: tuple[float, float]
    pad: tuple[int, int]
    orig_shape: Size
    input_shape: Size

    @classmethod
    def fit(cls, orig_shape: Size, input_shape: Size) -> LetterboxTransform:
        """The transform that fits ``orig_shape`` into ``input_shape`` keeping the aspect ratio."""
        (h, w), (in_h, in_w) = orig_shape, input_shape
        if min(h, w, in_h, in_w) <= 0:
            raise ValueError(f"sizes must be positive, got image {orig_shape}, input {input_shape}")
        r = min(in_h / h, in_w / w)
        new_w, new_h = max(round(w * r), 1), max(round(h * r), 1)
        # ultralytics puts the odd pixel of padding at the bottom/right: round(d - 0.1)
        left = round((in_w - new_w) / 2 - 0.1)
        top = round((in_h - new_h) / 2 - 0.1)
        return cls(
            scale=(new_w / w, new_h / h),
            pad=(left, top),
            orig_shape=(h, w),
            input_shape=(in_h, in_w),
        )

    @property
    def resized_shape(self) -> Size:
        h, w = self.orig_shape
        return max(round(h * self.scale[1]), 1), max(round(w * self.scale[0]), 1)

    def to_input(self, xyxy: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
        """Map (N, 4) boxes from original-image pixels to model-input pixels."""
        boxes = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
        gain = np.array([*self.scale, *self.scale], np.float64)
        offset = np.array([*self.pad, *self.pad], np.float64)
        return (boxes * gain + offset).astype(np.float32)

    def to_original(
        self, xyxy: npt.NDArray[np.floating], clip: bool = True
    ) -> npt.NDArray[np.float32]:
        """Map (N, 4) boxes from model-input pixels back to original-image pixels."""
        boxes = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
        gain = np.array([*self.scale, *self.scale], np.float64)
        offset = np.array([*self.pad, *self.pad], np.float64)
        boxes = (boxes - offset) / gain
        if clip:
            h, w = self.orig_shape
            boxes = np.clip(boxes, 0.0, [w, h, w, h])
        return boxes.astype(np.float32)


def letterbox(image: Image, input_shape: Size) -> tuple[Image, LetterboxTransform]:
    """Resize keeping the aspect ratio and pad (value 114, centred) to ``input_shape`` (h, w).

    >>> img, t = letterbox(np.zeros((100, 200, 3), np.uint8), (64, 64))
    >>> img.shape, t.pad
    ((64, 64, 3), (0, 16))
    """
    transform = LetterboxTransform.fit((image.shape[0], image.shape[1]), input_shape)
    new_h, new_w = transform.resized_shape
    resized = image
    if (new_h, new_w) != image.shape[:2]:
        resized = np.asarray(cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR))
    in_h, in_w = input_shape
    left, top = transform.pad
    out = np.full((in_h, in_w, 3), PAD_VALUE, dtype=np.uint8)
    out[top : top + new_h, left : left + new_w] = resized
    return out, transform


def preprocess(
    image: Image, input_shape: Size
) -> tuple[npt.NDArray[np.float32], LetterboxTransform]:
    """Letterbox one BGR image into a CHW float32 RGB blob scaled to 0..1."""
    blob, transforms = preprocess_batch([image], input_shape)
    return blob[0], transforms[0]


def preprocess_batch(
    images: Sequence[Image], input_shape: Size
) -> tuple[npt.NDArray[np.float32], list[LetterboxTransform]]:
    """Letterbox BGR images of any sizes into one (B, 3, H, W) float32 RGB blob in 0..1."""
    in_h, in_w = input_shape
    blob = np.empty((len(images), 3, in_h, in_w), dtype=np.float32)
    transforms = []
    for i, image in enumerate(images):
        boxed, transform = letterbox(image, input_shape)
        blob[i] = boxed[:, :, ::-1].transpose(2, 0, 1)  # BGR HWC -> RGB CHW
        transforms.append(transform)
    blob /= np.float32(255.0)  # a division, as ultralytics does, for bit-identical inputs
    return blob, transforms
