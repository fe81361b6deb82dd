"""OpenVINO backend (CPU): reads an ONNX file or an OpenVINO IR (.xml + .bin).

``openvino`` is imported when a model is loaded, never when this module is imported, so the
package works without the [openvino] extra.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from detector.backends.base import TensorBackend, require_file
from detector.errors import ModelLoadError
from detector.postprocess import Dim

SUFFIXES = (".onnx", ".xml")


def _metadata(model: Any, path: Path) -> dict[str, Any]:
    """ONNX metadata props (kept by OpenVINO under rt_info 'framework'), then ultralytics'
    ``metadata.yaml`` beside an IR export."""
    metadata: dict[str, Any] = {}
    yaml_path = path.with_name("metadata.yaml")
    if path.suffix == ".xml" and yaml_path.is_file():
        try:
            loaded = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ModelLoadError(f"cannot read model metadata {yaml_path}: {exc}") from exc
        if isinstance(loaded, dict):
            metadata.update({str(k): v for k, v in loaded.items()})
    if model.has_rt_info(["framework"]):
        framework = model.get_rt_info(["framework"]).astype(dict)
        metadata.update({str(k): v.astype(str) for k, v in framework.items()})
    return metadata


def _dims(partial_shape: Any, what: str, path: Path) -> list[Dim]:
    if partial_shape.rank.is_dynamic:
        raise ModelLoadError(f"{path}: {what} has a dynamic rank; expected a fixed-rank tensor")
    return [d.get_length() if d.is_static else None for d in partial_shape]


class OpenVinoBackend(TensorBackend):
    """Runs a detector on OpenVINO's CPU plugin; ``threads`` caps inference threads.

    ``precision`` is OpenVINO's inference precision hint. It defaults to "f32" because on
    CPUs with bf16 support OpenVINO otherwise computes in bf16 and scores drift from the
    onnxruntime ones in the third decimal; pass "bf16" or None (OpenVINO's choice) for speed.
    """

    name = "openvino"

    def __init__(
        self, path: str | Path, *, threads: int | None = None, precision: str | None = "f32"
    ) -> None:
        path = Path(path)
        require_file(path, "model file")
        if path.suffix not in SUFFIXES:
            raise ModelLoadError(f"OpenVINO reads {' or '.join(SUFFIXES)} models, got {path}")
        try:
            import openvino
        except ImportError as exc:
            raise ModelLoadError(
                "the openvino backend needs the [openvino] extra "
                f"(pip install 'streetwatch[openvino]'): {exc}"
            ) from exc
        core = openvino.Core()
        try:
            model = core.read_model(str(path))
        except RuntimeError as exc:
            raise ModelLoadError(
                f"{path} is not a loadable ONNX / OpenVINO IR model: {exc}"
            ) from exc
        if len(model.inputs) != 1 or not model.outputs:
            raise ModelLoadError(
                f"{path} is not a YOLO detector: expected 1 image input and at least 1 output, "
                f"got {len(model.inputs)} inputs and {len(model.outputs)} outputs"
            )
        input_shape = _dims(model.inputs[0].get_partial_shape(), "input", path)
        output_shape = _dims(model.outputs[0].get_partial_shape(), "output", path)
        self._setup(_metadata(model, path), path, "openvino", input_shape, output_shape)
        f16 = model.inputs[0].get_element_type() == openvino.Type.f16
        self._input_dtype = np.float16 if f16 else np.float32
        config: dict[str, Any] = {}
        if threads is not None:
            config["INFERENCE_NUM_THREADS"] = threads
        if precision is not None:
            config["INFERENCE_PRECISION_HINT"] = precision
        try:
            self._compiled = core.compile_model(model, "CPU", config)
        except RuntimeError as exc:
            raise ModelLoadError(f"OpenVINO cannot compile {path} for CPU: {exc}") from exc
        self._request = self._compiled.create_infer_request()
        self._lock = threading.Lock()  # one infer request, so one inference at a time

    def _run(self, blob: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        with self._lock:
            result = self._request.infer({0: blob.astype(self._input_dtype, copy=False)})
            return np.array(result[self._compiled.output(0)], dtype=np.float32)
