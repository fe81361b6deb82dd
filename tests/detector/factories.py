"""Builders for hand-made YOLO outputs and tiny ONNX detectors used across the detector tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from detector.taxonomy import load_taxonomy

# the 12 classes every model so far predicts, in model order: the taxonomy's first ones
# (materials and garbage_bag came later; such a model serves with them unseen)
NAMES = load_taxonomy().names[:12]
NC = len(NAMES)
IMGSZ = (64, 64)

# (cx, cy, w, h, class_id, score) in model-input pixels
Box = tuple[float, float, float, float, int, float]


def raw_tensor(boxes: Sequence[Box], nc: int = NC, anchors: int = 8) -> npt.NDArray[np.float32]:
    """A (1, 4 + nc, anchors) raw YOLOv8 output holding ``boxes``; other anchors score 0."""
    out = np.zeros((1, 4 + nc, anchors), np.float32)
    for a, (cx, cy, w, h, cls, score) in enumerate(boxes):
        out[0, :4, a] = (cx, cy, w, h)
        out[0, 4 + cls, a] = score
    return out


def end2end_tensor(rows: Sequence[Sequence[float]], k: int = 10) -> npt.NDArray[np.float32]:
    """A (1, k, 6) end-to-end output; ``rows`` are [x1, y1, x2, y2, score, class]."""
    out = np.zeros((1, k, 6), np.float32)
    for i, row in enumerate(rows):
        out[0, i] = row
    return out


# the tiny_onnx detector's boxes, in model-input pixels (64 x 64); see test_backends
TINY_BOXES: list[Box] = [
    (20, 20, 16, 16, 0, 0.9),  # car
    (21, 21, 16, 16, 0, 0.8),  # car overlapping the first: suppressed by NMS
    (21, 21, 16, 16, 1, 0.7),  # bus at the same place: kept, NMS is per class
    (48, 40, 10, 20, 4, 0.6),  # stall
    (10, 50, 8, 8, 9, 0.1),  # garbage below conf 0.25
    (50, 12, 12, 12, 3, 0.0),  # two_wheeler, scored only by image brightness
]
BRIGHT_ANCHOR, BRIGHT_CLASS = 5, 3


def tiny_gain() -> npt.NDArray[np.float32]:
    """Brightness gains for ``TINY_BOXES``: only the two_wheeler anchor depends on the image."""
    gain = np.zeros((1, 4 + NC, 8), np.float32)
    gain[0, 4 + BRIGHT_CLASS, BRIGHT_ANCHOR] = 0.85  # a white image scores it 0.85, black 0
    return gain


def ultralytics_metadata(
    names: Sequence[str] = NAMES, imgsz: tuple[int, int] = IMGSZ, end2end: bool = False
) -> dict[str, str]:
    """Metadata props as ultralytics writes them into an ONNX export (all strings)."""
    return {
        "description": "tiny hand-built test detector",
        "author": "Ultralytics",
        "version": "8.4.0",
        "stride": "32",
        "task": "detect",
        "batch": "1",
        "imgsz": str(list(imgsz)),
        "names": str(dict(enumerate(names))),
        "end2end": str(end2end),
    }


def make_onnx_detector(
    path: Path,
    output: npt.NDArray[np.float32],
    *,
    batch: int | Literal["dynamic"] = "dynamic",
    imgsz: tuple[int, int] = IMGSZ,
    channels: int = 3,
    metadata: Mapping[str, str] | None = None,
    brightness_gain: npt.NDArray[np.float32] | None = None,
) -> Path:
    """Write an ONNX model whose output is ``output`` + mean(image) * ``brightness_gain``.

    ``output`` is one image's tensor with a leading 1 (any rank); the model repeats it per
    batch row, and ``brightness_gain`` (same shape) lets image content change the result.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    b: int | str = "batch" if batch == "dynamic" else batch
    gain = np.zeros_like(output) if brightness_gain is None else brightness_gain
    tail = [1] * (output.ndim - 1)
    images = helper.make_tensor_value_info("images", TensorProto.FLOAT, [b, channels, *imgsz])
    result = helper.make_tensor_value_info("output0", TensorProto.FLOAT, [b, *output.shape[1:]])
    initializers = [
        numpy_helper.from_array(output.astype(np.float32), "base"),
        numpy_helper.from_array(gain.astype(np.float32), "gain"),
        numpy_helper.from_array(np.array([-1, *tail], np.int64), "mean_shape"),
    ]
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean"], axes=[1, 2, 3], keepdims=1),
        helper.make_node("Reshape", ["mean", "mean_shape"], ["mean_b"]),
        helper.make_node("Mul", ["mean_b", "gain"], ["scaled"]),
        helper.make_node("Add", ["scaled", "base"], ["output0"]),
    ]
    graph = helper.make_graph(nodes, "tiny_detector", [images], [result], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in (ultralytics_metadata() if metadata is None else metadata).items():
        prop = model.metadata_props.add()
        prop.key, prop.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path
