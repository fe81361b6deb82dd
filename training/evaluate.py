"""Evaluate a detector on one split of a YOLO dataset: mAP per class and speed.

Any object with ``detect_batch(images) -> list[Detections]`` and ``names`` will do;
the project's `detector.model.Detector` is one, and a model path is loaded as one.

>>> result = evaluate("models/best.onnx", "build/data/reference/data.yaml")  # doctest: +SKIP
>>> print(result.table())  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol, cast

import cv2
import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from detector.detections import Detections
from detector.errors import ImageDecodeError
from training.metrics import DetectionMetrics, GroundTruth, MetricsResult
from training.yolo_dataset import DatasetSpec, Sample, iter_split, load_data_yaml

logger = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]


class BatchDetector(Protocol):
    """What `evaluate` needs of a detector: batched BGR inference and class names."""

    @property
    def names(self) -> Sequence[str] | Mapping[int, str]: ...

    def detect_batch(self, images: list[Image]) -> list[Detections]: ...


class _ThresholdedDetector(Protocol):
    def detect_batch(self, images: list[Image], *, conf: float, iou: float) -> list[Detections]: ...


@dataclass(frozen=True)
class Speed:
    images: int
    inference_s: float  # time spent inside detect_batch
    total_s: float  # wall time including image decoding

    @property
    def images_per_s(self) -> float:
        return self.images / self.inference_s if self.inference_s > 0 else 0.0

    @property
    def ms_per_image(self) -> float:
        return 1000 * self.inference_s / self.images if self.images else 0.0


@dataclass(frozen=True)
class EvalResult:
    data: Path
    split: str
    names: tuple[str, ...]
    conf: float
    iou: float | None  # the detector's NMS IoU where it exposes one
    metrics: MetricsResult
    speed: Speed
    model: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``metrics`` holds the overall numbers and ``per_class`` by class name."""
        return {
            "model": self.model,
            "data": str(self.data),
            "split": self.split,
            "images": self.metrics.n_images,
            "conf": self.conf,
            "iou": self.iou,
            "metrics": self.metrics.to_dict(self.names),
            "speed": {
                "images": self.speed.images,
                "inference_s": round(self.speed.inference_s, 4),
                "total_s": round(self.speed.total_s, 4),
                "images_per_s": round(self.speed.images_per_s, 2),
                "ms_per_image": round(self.speed.ms_per_image, 2),
            },
        }

    def table(self) -> str:
        s = self.speed
        return (
            f"{self.data} [{self.split}]\n{self.metrics.table(self.names)}\n"
            f"speed: {s.ms_per_image:.1f} ms/image inference ({s.images_per_s:.1f} images/s), "
            f"{s.total_s:.1f} s in all for {s.images} images"
        )


def load_detector(
    path: str | Path, *, conf: float, iou: float, backend: str | None = None
) -> BatchDetector:
    """`detector.model.Detector.load`, imported only when a path is evaluated.

    The taxonomy is not enforced: `evaluate` checks the model's classes against the dataset's.
    """
    from detector.model import Detector

    if backend is None:
        return Detector.load(path, conf=conf, iou=iou, check_taxonomy=False)
    return Detector.load(path, backend=backend, conf=conf, iou=iou, check_taxonomy=False)


def evaluate(
    detector: BatchDetector | str | Path,
    spec: DatasetSpec | str | Path,
    split: str = "val",
    *,
    conf: float = 0.001,
    iou: float = 0.6,
    batch: int = 8,
    progress: bool = True,
    backend: str | None = None,
) -> EvalResult:
    """mAP and speed of ``detector`` on a split of ``spec`` (a train/val/test or val_sets name).

    ``conf`` and ``iou`` reach the detector when its ``detect_batch`` takes them as keywords
    (as `detector.model.Detector`'s does) or when it is loaded here from a path. Otherwise
    the detector keeps its own NMS and predictions below ``conf`` are dropped; one that
    filters at a higher confidence is warned about, as it truncates the PR curve.
    """
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    if isinstance(detector, str | Path):
        detector = load_detector(detector, conf=conf, iou=iou, backend=backend)
    if not isinstance(spec, DatasetSpec):
        spec = load_data_yaml(spec)
    _check_names(detector, spec)
    detect, used_iou = _detect_fn(detector, conf, iou)

    samples = list(iter_split(spec, split))  # label errors surface before any inference
    metrics = DetectionMetrics(num_classes=spec.nc)
    inference_s = 0.0
    start = time.perf_counter()
    with tqdm(total=len(samples), desc=f"eval {split}", unit="img", disable=not progress) as bar:
        for chunk, images in _prefetched(samples, batch):
            t0 = time.perf_counter()
            predictions = detect(images)
            inference_s += time.perf_counter() - t0
            if len(predictions) != len(images):
                raise ValueError(
                    f"detect_batch returned {len(predictions)} results for {len(images)} images"
                )
            for sample, image, pred in zip(chunk, images, predictions, strict=True):
                height, width = image.shape[:2]
                gt = GroundTruth(sample.xyxy(width, height), sample.class_id)
                metrics.update(pred[pred.confidence >= conf], gt)
            bar.update(len(chunk))
    return EvalResult(
        data=spec.yaml_path,
        split=split,
        names=spec.names,
        conf=conf,
        iou=used_iou,
        metrics=metrics.compute(),
        speed=Speed(len(samples), inference_s, time.perf_counter() - start),
        model=_model_info(detector),
    )


def _detect_fn(
    detector: BatchDetector, conf: float, iou: float
) -> tuple[Callable[[list[Image]], list[Detections]], float | None]:
    """The batch call to time, and the NMS IoU it runs at (None when unknown)."""
    params = inspect.signature(detector.detect_batch).parameters
    if "conf" in params and "iou" in params:
        thresholded = cast(_ThresholdedDetector, detector)
        return partial(thresholded.detect_batch, conf=conf, iou=iou), iou
    own_conf, own_iou = _threshold(detector, "conf"), _threshold(detector, "iou")
    if own_conf is not None and own_conf > conf:
        logger.warning(
            "detector filters at confidence %.3f, above the evaluation's %.3f: "
            "mAP will be underestimated",
            own_conf,
            conf,
        )
    if own_iou is not None and not np.isclose(own_iou, iou):
        logger.warning("detector runs NMS at IoU %.2f, not the evaluation's %.2f", own_iou, iou)
    return detector.detect_batch, own_iou


def _check_names(detector: BatchDetector, spec: DatasetSpec) -> None:
    names = detector.names
    model_names = [names[i] for i in sorted(names)] if isinstance(names, Mapping) else list(names)
    # a model trained before classes were added at the taxonomy's end still evaluates on
    # data named in the longer list: a box of a class it cannot predict is a miss
    if not model_names or model_names != list(spec.names)[: len(model_names)]:
        raise ValueError(
            f"the model's classes do not match the dataset's ({spec.yaml_path}): "
            f"model {model_names}, dataset {list(spec.names)} (the model's must be the "
            "dataset's, or its first ones, in order)"
        )


def _threshold(detector: object, name: str) -> float | None:
    value = getattr(detector, name, None)
    return float(value) if isinstance(value, int | float) else None


def _read_image(path: Path) -> Image:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ImageDecodeError(f"cannot read image {path}: missing or not a decodable image")
    return cast(Image, image)


def _prefetched(samples: list[Sample], batch: int) -> Iterator[tuple[list[Sample], list[Image]]]:
    """Batches with their decoded images; the next batch decodes while this one runs."""
    chunks = [samples[i : i + batch] for i in range(len(samples))[::batch]]
    with ThreadPoolExecutor(max_workers=2) as pool:

        def load(chunk: list[Sample]) -> list[Future[Image]]:
            return [pool.submit(_read_image, s.image) for s in chunk]

        pending = load(chunks[0]) if chunks else []
        for i, chunk in enumerate(chunks):
            images = [f.result() for f in pending]
            pending = load(chunks[i + 1]) if i + 1 < len(chunks) else []
            yield chunk, images


def _model_info(detector: object) -> dict[str, Any] | None:
    info = getattr(detector, "info", None)
    if callable(info):
        info = info()
    if info is None:
        return None
    if hasattr(info, "model_dump"):
        info = info.model_dump(mode="json")
    elif dataclasses.is_dataclass(info) and not isinstance(info, type):
        info = dataclasses.asdict(info)
    if not isinstance(info, Mapping):
        return {"description": str(info)}
    return {str(k): _jsonable(v) for k, v in info.items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return str(value)
