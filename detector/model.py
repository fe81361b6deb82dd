"""``Detector``: a model plus its thresholds, from a path to ``Detections``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy.typing as npt

from detector.backends import Backend, load_backend
from detector.backends.base import TensorBackend
from detector.backends.registry import BACKEND_FOR_SUFFIX, backend_for
from detector.detections import Detections
from detector.errors import ModelLoadError, TaxonomyMismatchError
from detector.image import Image, as_bgr, decode_image
from detector.metadata import ModelInfo
from detector.taxonomy import Taxonomy, load_taxonomy

logger = logging.getLogger(__name__)

# what a registry directory models/<name>-<version>/ may hold, in order of preference
MODEL_FILES = ("model.onnx", "model.xml", "model.pt")
_POINTER_MAX_BYTES = 1024

ImageInput = npt.NDArray[Any] | bytes


def resolve_model_path(path: str | Path) -> Path:
    """The model file that ``path`` designates.

    ``path`` is a model file (.onnx, .xml, .pt), a registry directory holding
    ``model.onnx`` (or ``model.xml`` / ``model.pt``), or a pointer such as ``models/current``:
    a symlink to such a directory or a one-line file naming a directory beside it.

    >>> resolve_model_path("models/current")  # doctest: +SKIP
    PosixPath('models/streetwatch-1.2.0/model.onnx')
    """
    path = Path(path)
    if not path.exists():
        raise ModelLoadError(f"model path not found: {path}")
    if path.is_symlink():
        path = path.resolve()
    if path.is_dir():
        return _model_in_dir(path)
    if path.suffix.lower() in BACKEND_FOR_SUFFIX:
        return path
    if path.suffix == "":
        return _model_in_dir(_follow_pointer(path))
    raise ModelLoadError(
        f"{path} is not a model: expected a model file ({', '.join(BACKEND_FOR_SUFFIX)}), "
        "a model directory, or a pointer file like models/current"
    )


def _model_in_dir(directory: Path) -> Path:
    for name in MODEL_FILES:
        if (directory / name).is_file():
            return directory / name
    found = sorted(p.name for p in directory.iterdir())
    raise ModelLoadError(
        f"model directory {directory} holds none of {list(MODEL_FILES)}; it holds {found[:20]}"
    )


def _follow_pointer(pointer: Path) -> Path:
    """The directory a ``models/current``-style file names (one line, a sibling directory)."""
    if pointer.stat().st_size > _POINTER_MAX_BYTES:
        raise ModelLoadError(
            f"{pointer} is too large to be a pointer file naming a model directory "
            f"({pointer.stat().st_size} bytes)"
        )
    try:
        lines = pointer.read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"cannot read model pointer file {pointer}: {exc}") from exc
    if len(lines) != 1:
        raise ModelLoadError(
            f"model pointer file {pointer} must hold one directory name, got {len(lines)} "
            f"words: {lines[:5]}"
        )
    name = lines[0]
    # a bare name keeps the pointer inside its models/ folder
    if name in (".", "..") or "/" in name or "\\" in name:
        raise ModelLoadError(
            f"model pointer file {pointer} must name a directory in {pointer.parent}, got {name!r}"
        )
    target = pointer.parent / name
    if not target.is_dir():
        raise ModelLoadError(
            f"model pointer file {pointer} names {target}, which is not a directory"
        )
    return target


def _check_thresholds(conf: float, iou: float, max_det: int) -> None:
    if not 0.0 <= conf <= 1.0:
        raise ValueError(f"conf must be in [0, 1], got {conf}")
    if not 0.0 <= iou <= 1.0:
        raise ValueError(f"iou must be in [0, 1], got {iou}")
    if max_det < 1:
        raise ValueError(f"max_det must be at least 1, got {max_det}")


def _as_image(image: ImageInput) -> Image:
    if isinstance(image, bytes | bytearray | memoryview):
        return decode_image(bytes(image))
    return as_bgr(image)


class Detector:
    """A detector model with its thresholds.

    >>> det = Detector.load("models/current")  # doctest: +SKIP
    >>> det.detect(load_image("street.jpg")).to_records(det.names)  # doctest: +SKIP
    [{'label': 'car', 'class_id': 0, 'confidence': 0.91, 'box': [12.0, 40.5, 210.3, 160.0]}]
    """

    def __init__(
        self, backend: Backend, conf: float = 0.25, iou: float = 0.45, max_det: int = 300
    ) -> None:
        _check_thresholds(conf, iou, max_det)
        self.backend = backend
        self.conf, self.iou, self.max_det = conf, iou, max_det

    @classmethod
    def load(
        cls,
        path: str | Path,
        backend: str = "auto",
        conf: float = 0.25,
        iou: float = 0.45,
        max_det: int = 300,
        taxonomy: Taxonomy | None = None,
        check_taxonomy: bool = True,
        threads: int | None = None,
        imgsz: int | None = None,
        precision: str | None = None,
        fixed_shape: bool = False,
    ) -> Detector:
        """Load a model file, registry directory or ``models/current`` pointer.

        ``backend`` is "auto" (by suffix: .onnx onnxruntime, .xml openvino, .pt ultralytics)
        or a registered name. With ``check_taxonomy`` the model's classes must be the
        taxonomy's (the packaged one unless ``taxonomy`` is given), in order. ``imgsz`` runs
        a model with a dynamic input at another size than it was exported for. ``precision``
        is OpenVINO's inference precision ("f32" or "bf16"; the openvino backend only);
        ``fixed_shape`` compiles it per input shape seen (the openvino backend only).
        """
        _check_thresholds(conf, iou, max_det)
        model_path = resolve_model_path(path)
        options: dict[str, Any] = {"threads": threads}
        chosen = backend_for(model_path) if backend == "auto" else backend
        for option, value, unset in (
            ("precision", precision, None),
            ("fixed_shape", fixed_shape, False),
        ):
            if value == unset:
                continue
            if chosen != "openvino":
                raise ValueError(
                    f"{option} {value!r} applies to the openvino backend, not {chosen}"
                )
            options[option] = value
        loaded = load_backend(backend, model_path, **options)
        if imgsz is not None:
            if not isinstance(loaded, TensorBackend):
                raise ValueError(f"the {loaded.name} backend cannot change its input size")
            loaded.set_input_size(imgsz)
        if check_taxonomy:
            taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
            try:
                taxonomy.check_model_names(loaded.info.names)
            except TaxonomyMismatchError as exc:
                raise TaxonomyMismatchError(f"{model_path}: {exc}") from exc
            if unseen := taxonomy.unseen_classes(loaded.info.names):
                logger.info(
                    "%s predicts %d of the taxonomy's %d classes; it cannot see %s (added "
                    "after it was trained: the scene baseline and reviews name those)",
                    model_path,
                    len(loaded.info.names),
                    len(taxonomy.names),
                    unseen,
                )
        return cls(loaded, conf=conf, iou=iou, max_det=max_det)

    @property
    def info(self) -> ModelInfo:
        return self.backend.info

    @property
    def names(self) -> list[str]:
        return list(self.backend.info.names)

    def detect(
        self,
        image: ImageInput,
        *,
        conf: float | None = None,
        iou: float | None = None,
        max_det: int | None = None,
    ) -> Detections:
        """Detect in one BGR image (array) or encoded image (bytes); boxes in its pixels."""
        return self.detect_batch([image], conf=conf, iou=iou, max_det=max_det)[0]

    def detect_batch(
        self,
        images: Sequence[ImageInput],
        *,
        conf: float | None = None,
        iou: float | None = None,
        max_det: int | None = None,
    ) -> list[Detections]:
        """Detect in several images (any sizes); one ``Detections`` per image, in order."""
        conf = self.conf if conf is None else conf
        iou = self.iou if iou is None else iou
        max_det = self.max_det if max_det is None else max_det
        _check_thresholds(conf, iou, max_det)
        arrays = [_as_image(image) for image in images]
        if not arrays:
            return []
        return self.backend.detect(arrays, conf=conf, iou=iou, max_det=max_det)

    def __repr__(self) -> str:
        info = self.info
        return (
            f"Detector({info.name} {info.version}, {self.backend.name}, {len(info.names)} classes, "
            f"imgsz={info.imgsz}, conf={self.conf}, iou={self.iou})"
        )
