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
    def fit(
        cls, orig_shape: Size, input_shape: Size, stride: int | None = None
    ) -> LetterboxTransform:
        """The transform that fits ``orig_shape`` into ``input_shape`` keeping the aspect ratio.

        With ``stride`` (rect mode, for models with dynamic height and width) the padding
        only reaches the next multiple of ``stride``, as ultralytics' ``LetterBox(auto=True)``
        does: a 16:9 frame into 384 becomes 384 x 224 instead of 384 x 384.
        """
        (h, w), (in_h, in_w) = orig_shape, input_shape
        if min(h, w, in_h, in_w) <= 0:
            raise ValueError(f"sizes must be positive, got image {orig_shape}, input {input_shape}")
        r = min(in_h / h, in_w / w)
        new_w, new_h = max(round(w * r), 1), max(round(h * r), 1)
        pad_w, pad_h = in_w - new_w, in_h - new_h
        if stride is not None:
            pad_w, pad_h = pad_w % stride, pad_h % stride
        # ultralytics puts the odd pixel of padding at the bottom/right: round(d - 0.1)
        return cls(
            scale=(new_w / w, new_h / h),
            pad=(round(pad_w / 2 - 0.1), round(pad_h / 2 - 0.1)),
            orig_shape=(h, w),
            input_shape=(new_h + pad_h, new_w + pad_w),
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


def letterbox(
    image: Image, input_shape: Size, stride: int | None = None
) -> tuple[Image, LetterboxTransform]:
    """Resize keeping the aspect ratio and pad (value 114, centred) to ``input_shape`` (h, w),
    or with ``stride`` only to the next multiple of it (see `LetterboxTransform.fit`).

    >>> img, t = letterbox(np.zeros((100, 200, 3), np.uint8), (64, 64))
    >>> img.shape, t.pad
    ((64, 64, 3), (0, 16))
    >>> letterbox(np.zeros((100, 200, 3), np.uint8), (64, 64), stride=32)[0].shape
    (32, 64, 3)
    """
    transform = LetterboxTransform.fit((image.shape[0], image.shape[1]), input_shape, stride)
    new_h, new_w = transform.resized_shape
    resized = image
    if (new_h, new_w) != image.shape[:2]:
        resized = np.asarray(cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR))
    in_h, in_w = transform.input_shape
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
    images: Sequence[Image], input_shape: Size, stride: int | None = None
) -> tuple[npt.NDArray[np.float32], list[LetterboxTransform]]:
    """Letterbox BGR images of any sizes into one (B, 3, H, W) float32 RGB blob in 0..1.

    ``stride`` (rect mode) needs every image of the batch to have the same shape.
    """
    if stride is not None and len({image.shape[:2] for image in images}) > 1:
        raise ValueError("rect letterboxing (stride) needs images of one shape per batch")
    in_h, in_w = input_shape
    if images and stride is not None:
        in_h, in_w = LetterboxTransform.fit(images[0].shape[:2], input_shape, stride).input_shape
    blob = np.empty((len(images), 3, in_h, in_w), dtype=np.float32)
    transforms = []
    for i, image in enumerate(images):
        boxed, transform = letterbox(image, input_shape, stride)
        blob[i] = boxed[:, :, ::-1].transpose(2, 0, 1)  # BGR HWC -> RGB CHW
        transforms.append(transform)
    blob /= np.float32(255.0)  # a division, as ultralytics does, for bit-identical inputs
    return blob, transforms
