"""The one small interface every inference backend implements."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from detector.detections import Detections
from detector.errors import ModelLoadError
from detector.image import Image, as_bgr
from detector.metadata import ModelFormat, ModelInfo, model_info
from detector.postprocess import Dim, decode, format_shape, output_layout
from detector.preprocess import preprocess_batch

logger = logging.getLogger(__name__)


class Backend(ABC):
    """Runs a detector model: BGR images in, one ``Detections`` per image out (original pixels).

    Subclasses load from a model path plus keyword options, and set ``info``.
    """

    name: ClassVar[str]
    info: ModelInfo

    @abstractmethod
    def __init__(self, path: str | Path, *, threads: int | None = None) -> None:
        """Load the model at ``path``; ``threads`` caps the runtime's intra-op threads."""

    @abstractmethod
    def detect(
        self, images: Sequence[Image], conf: float, iou: float, max_det: int
    ) -> list[Detections]:
        """Detect objects in BGR uint8 HxWx3 images."""

    @property
    def runtime(self) -> str:
        """The runtime and the precision it computes in, as people read it."""
        return self.name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.info.path)!r})"


def require_file(path: Path, what: str) -> None:
    if not path.exists():
        raise ModelLoadError(f"{what} not found: {path}")
    if not path.is_file():
        raise ModelLoadError(f"{what} is not a file: {path}")


class TensorBackend(Backend):
    """A backend for runtimes that take a (B, 3, H, W) float tensor and return YOLO output.

    Subclasses load the model, call ``_setup`` with its metadata and input/output shapes,
    and implement ``_run``; letterboxing, batching and decoding live here.
    """

    batch_size: int | None  # None: dynamic batch axis, any batch runs in one call
    dynamic_hw: bool  # height and width not fixed by the model: rect letterboxing

    def _setup(
        self,
        metadata: Mapping[str, Any],
        path: Path,
        format: ModelFormat,
        input_shape: Sequence[Dim],
        output_shape: Sequence[Dim],
    ) -> None:
        """Check that the model maps (B, 3, H, W) to YOLO output, then read its metadata."""
        shapes = f"input {format_shape(input_shape)}, output {format_shape(output_shape)}"
        dims = list(input_shape)
        if len(dims) != 4 or (isinstance(dims[1], int) and dims[1] != 3) or len(output_shape) != 3:
            raise ModelLoadError(
                f"{path} is not a YOLO detector: {shapes}; expected input (batch, 3, height, "
                "width) and output (batch, 4 + classes, anchors) or (batch, max_det, 6)"
            )
        h, w = dims[2], dims[3]
        static_hw = (h, w) if isinstance(h, int) and isinstance(w, int) and h > 0 else None
        # a model with dynamic height and width takes rect (stride-padded) inputs, as
        # ultralytics feeds it: less padding, less compute, the same boxes as its predict
        self.dynamic_hw = static_hw is None
        self.info = model_info(metadata, path, format, static_hw)
        try:
            output_layout(output_shape, self.info.num_classes, self.info.end2end)
        except ModelLoadError as exc:
            raise ModelLoadError(
                f"{path} is not a YOLO detector: input {format_shape(input_shape)}, {exc}"
            ) from exc
        batch = dims[0]
        self.batch_size = batch if isinstance(batch, int) and batch > 0 else None
        logger.info(
            "loaded %s %s (%s, %d classes, input %s, batch %s) with %s",
            self.info.name,
            self.info.version,
            format,
            self.info.num_classes,
            self.info.imgsz,
            self.batch_size or "dynamic",
            self.name,
        )

    def set_input_size(self, size: int) -> None:
        """Run at ``size`` px on the long side (a dynamic model: rect letterboxing keeps
        the frame's aspect); a model with a fixed input refuses any other size."""
        if size < 32 or size % self.info.stride:
            raise ValueError(
                f"input size must be a multiple of the stride {self.info.stride} and >= 32, "
                f"got {size}"
            )
        if not self.dynamic_hw and self.info.imgsz != (size, size):
            raise ValueError(
                f"{self.info.path} has a fixed input {self.info.imgsz}; it cannot run at {size}"
            )
        self.info = self.info.model_copy(update={"imgsz": (size, size)})

    @abstractmethod
    def _run(self, blob: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Run the model on a (B, 3, H, W) blob and return its first output."""

    def detect(
        self, images: Sequence[Image], conf: float, iou: float, max_det: int
    ) -> list[Detections]:
        images = [as_bgr(image) for image in images]  # no copy for a valid BGR image
        if not self.dynamic_hw:
            return self._detect_chunks(images, None, conf, iou, max_det)
        # rect inputs differ by image shape: run each shape as its own batch, so an image's
        # detections never depend on what else was in its batch
        by_shape: dict[tuple[int, int], list[int]] = {}
        for i, image in enumerate(images):
            by_shape.setdefault((image.shape[0], image.shape[1]), []).append(i)
        results: list[Detections | None] = [None] * len(images)
        for indices in by_shape.values():
            group = [images[i] for i in indices]
            for i, found in zip(
                indices,
                self._detect_chunks(group, self.info.stride, conf, iou, max_det),
                strict=True,
            ):
                results[i] = found
        return [r for r in results if r is not None]

    def _detect_chunks(
        self, images: Sequence[Image], stride: int | None, conf: float, iou: float, max_det: int
    ) -> list[Detections]:
        results: list[Detections] = []
        chunk = self.batch_size or max(len(images), 1)
        for start in range(0, len(images), chunk):
            part = images[start : start + chunk]
            blob, transforms = preprocess_batch(part, self.info.imgsz, stride)
            if self.batch_size is not None and len(part) < self.batch_size:
                # a fixed-batch model needs a full batch; blank rows are ignored in decode
                fill = np.zeros((self.batch_size - len(part), *blob.shape[1:]), np.float32)
                blob = np.concatenate([blob, fill])
            output = self._run(blob)
            results += decode(
                output,
                transforms,
                self.info.num_classes,
                conf=conf,
                iou=iou,
                max_det=max_det,
                end2end=self.info.end2end,
            )
        return results
