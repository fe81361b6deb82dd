"""OpenVINO backend (CPU): reads an ONNX file or an OpenVINO IR (.xml + .bin).

``openvino`` is imported when a model is loaded, never when this module is imported, so the
package imports where OpenVINO is missing (it is a base dependency; a slim install may lack it).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
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

    ``fixed_shape``: compile the model once per input height and width it is given (a
    camera's frames letterbox to one shape), with those fixed: OpenVINO then plans its
    kernels for that shape (measured ~6% faster a frame than a dynamic shape, bf16, 384 px;
    ``benchmarks/bench_cameras.py``). At most ``MAX_SHAPES`` shapes are kept compiled; the
    least recently used goes first. The batch axis stays dynamic.
    """

    MAX_SHAPES = 4

    name = "openvino"

    def __init__(
        self,
        path: str | Path,
        *,
        threads: int | None = None,
        precision: str | None = "f32",
        fixed_shape: bool = False,
    ) -> None:
        path = Path(path)
        require_file(path, "model file")
        if path.suffix not in SUFFIXES:
            raise ModelLoadError(f"OpenVINO reads {' or '.join(SUFFIXES)} models, got {path}")
        try:
            import openvino
        except ImportError as exc:
            raise ModelLoadError(
                f"the openvino backend needs the openvino package (pip install openvino): {exc}"
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
        self._core, self._model, self._config, self._path = core, model, config, path
        self.fixed_shape = fixed_shape and self.dynamic_hw
        self._by_shape: OrderedDict[tuple[int, int], tuple[Any, Any]] = OrderedDict()
        self._compiled, self._request = self._compile(model)
        self._lock = threading.Lock()  # one infer request, so one inference at a time

    @property
    def runtime(self) -> str:
        hint = self._config.get("INFERENCE_PRECISION_HINT")
        return "openvino" if hint is None else f"openvino {hint}"

    def _compile(self, model: Any) -> tuple[Any, Any]:
        try:
            compiled = self._core.compile_model(model, "CPU", self._config)
        except RuntimeError as exc:
            raise ModelLoadError(f"OpenVINO cannot compile {self._path} for CPU: {exc}") from exc
        return compiled, compiled.create_infer_request()

    def _for_shape(self, hw: tuple[int, int]) -> tuple[Any, Any]:
        """The model compiled for input height and width ``hw`` (batch left dynamic)."""
        if hw in self._by_shape:
            self._by_shape.move_to_end(hw)
            return self._by_shape[hw]
        model = self._model.clone()
        model.reshape([-1, 3, *hw])
        self._by_shape[hw] = self._compile(model)
        while len(self._by_shape) > self.MAX_SHAPES:
            self._by_shape.popitem(last=False)
        return self._by_shape[hw]

    def _run(self, blob: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        with self._lock:
            if self.fixed_shape:
                compiled, request = self._for_shape((blob.shape[2], blob.shape[3]))
            else:
                compiled, request = self._compiled, self._request
            result = request.infer({0: blob.astype(self._input_dtype, copy=False)})
            return np.array(result[compiled.output(0)], dtype=np.float32)
