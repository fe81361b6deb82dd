"""ultralytics backend for ``.pt`` checkpoints: ultralytics' own ``predict``, as a reference.

Needs the [train] extra (torch, ultralytics, AGPL). It exists to compare our ONNX path with
ultralytics' predict; serving uses onnxruntime or OpenVINO. ultralytics is imported when a
model is loaded, never when this module is imported.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detector.backends.base import Backend, require_file
from detector.detections import Detections
from detector.errors import ModelLoadError
from detector.image import Image
from detector.metadata import model_info


class UltralyticsBackend(Backend):
    """Runs a checkpoint with ``ultralytics.YOLO(path).predict`` on the CPU.

    ``imgsz`` (h, w) defaults to the checkpoint's training size; ``threads`` sets torch's
    (process-wide) intra-op thread count.
    """

    name = "ultralytics"

    def __init__(
        self,
        path: str | Path,
        *,
        threads: int | None = None,
        imgsz: int | tuple[int, int] | None = None,
    ) -> None:
        path = Path(path)
        # checked first: ultralytics would try to download a missing "yolo....pt"
        require_file(path, "model file")
        try:
            # via importlib: ultralytics' own types stay out of our type checking
            torch: Any = importlib.import_module("torch")
            ultralytics: Any = importlib.import_module("ultralytics")
        except ImportError as exc:
            raise ModelLoadError(
                "the ultralytics backend needs the [train] extra "
                f"(pip install 'streetwatch[train]'): {exc}"
            ) from exc
        if threads is not None:
            torch.set_num_threads(threads)
        try:
            self._model = ultralytics.YOLO(str(path), task="detect")
        except (RuntimeError, ValueError, TypeError, KeyError, AttributeError, OSError) as exc:
            raise ModelLoadError(f"ultralytics cannot load {path}: {exc}") from exc
        args: dict[str, Any] = dict(getattr(self._model, "overrides", {}) or {})
        pt_model = self._model.model
        stride = getattr(pt_model, "stride", None)
        metadata = {
            "names": dict(self._model.names),
            "imgsz": imgsz if imgsz is not None else args.get("imgsz", 640),
            "stride": int(max(stride)) if stride is not None else 32,
            "task": self._model.task,
            "version": ultralytics.__version__,
            "end2end": bool(getattr(pt_model, "end2end", False)),
        }
        self.info = model_info(metadata, path, "pytorch")

    def detect(
        self, images: Sequence[Image], conf: float, iou: float, max_det: int
    ) -> list[Detections]:
        if not images:
            return []
        results = self._model.predict(
            list(images),
            imgsz=list(self.info.imgsz),
            conf=conf,
            iou=iou,
            max_det=max_det,
            device="cpu",
            verbose=False,
        )
        return [
            Detections(
                xyxy=_numpy(r.boxes.xyxy),
                confidence=_numpy(r.boxes.conf),
                class_id=_numpy(r.boxes.cls).astype(np.int64),
            )
            for r in results
        ]


def _numpy(tensor: Any) -> npt.NDArray[Any]:
    return np.asarray(tensor.cpu().numpy() if hasattr(tensor, "cpu") else tensor)
