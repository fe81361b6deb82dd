"""ONNX Runtime backend (CPU). Named ``ort`` so it does not shadow the ``onnxruntime`` package."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime
from onnxruntime.capi import onnxruntime_pybind11_state as ort_errors

from detector.backends.base import TensorBackend, require_file
from detector.errors import ModelLoadError
from detector.postprocess import Dim

# onnxruntime raises its own exception types, none of them a common subclass but Exception
_ORT_ERRORS = (
    ort_errors.Fail,
    ort_errors.InvalidArgument,
    ort_errors.InvalidGraph,
    ort_errors.InvalidProtobuf,
    ort_errors.NoSuchFile,
    ort_errors.NotImplemented,
    ort_errors.RuntimeException,
)

_FLOAT_TYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16}


def _dims(shape: list[int | str | None]) -> list[Dim]:
    """onnxruntime reports dynamic dimensions by name (or None, or -1); all become None."""
    return [d if isinstance(d, int) and d > 0 else None for d in shape]


class OnnxRuntimeBackend(TensorBackend):
    """Runs an ONNX detector on onnxruntime's CPUExecutionProvider.

    ``threads`` sets intra-op threads (None: onnxruntime's default, one per core).
    """

    name = "onnxruntime"

    def __init__(self, path: str | Path, *, threads: int | None = None) -> None:
        path = Path(path)
        require_file(path, "ONNX model file")
        options = onnxruntime.SessionOptions()
        if threads is not None:
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        try:
            self._session = onnxruntime.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except _ORT_ERRORS as exc:
            raise ModelLoadError(f"{path} is not a loadable ONNX model: {exc}") from exc
        inputs, outputs = self._session.get_inputs(), self._session.get_outputs()
        if len(inputs) != 1 or not outputs:
            raise ModelLoadError(
                f"{path} is not a YOLO detector: expected 1 image input and at least 1 output, "
                f"got inputs {[i.name for i in inputs]} and outputs {[o.name for o in outputs]}"
            )
        if inputs[0].type not in _FLOAT_TYPES:
            raise ModelLoadError(
                f"{path} input {inputs[0].name!r} has type {inputs[0].type}, "
                f"expected one of {sorted(_FLOAT_TYPES)}"
            )
        self._input_name = inputs[0].name
        self._output_name = outputs[0].name
        self._input_dtype = _FLOAT_TYPES[inputs[0].type]
        metadata = self._session.get_modelmeta().custom_metadata_map
        self._setup(metadata, path, "onnx", _dims(inputs[0].shape), _dims(outputs[0].shape))

    def _run(self, blob: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        (output,) = self._session.run(
            [self._output_name], {self._input_name: blob.astype(self._input_dtype, copy=False)}
        )
        return np.asarray(output, dtype=np.float32)
