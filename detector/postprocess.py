"""Decode YOLO output tensors into ``Detections`` in original-image pixels.

Two layouts are understood:

* raw (``"raw"``): (B, 4 + nc, A) — cx, cy, w, h then one score per class, no objectness
  (YOLOv8 / YOLO11 exports); needs confidence filtering and class-aware NMS.
* end-to-end (``"end2end"``): (B, K, 6) — x1, y1, x2, y2, score, class (YOLOv10 / YOLO26
  exports, NMS already done in the graph).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from detector.detections import Detections
from detector.errors import ModelLoadError
from detector.preprocess import LetterboxTransform

Layout = Literal["raw", "end2end"]
Dim = int | str | None  # a tensor dimension as runtimes report it; str/None when dynamic

MAX_NMS = 30_000  # candidates kept for NMS, as in ultralytics


def output_layout(shape: Sequence[Dim], num_classes: int, end2end: bool | None = None) -> Layout:
    """Which layout an output of ``shape`` has, or ModelLoadError if it is no detector output.

    Dynamic dimensions (str or None) are accepted wherever a number is expected.
    ``end2end`` (from model metadata) settles shapes that fit both layouts; without it
    such a shape is read as raw, the layout of YOLOv8/YOLO11 exports.

    >>> output_layout((1, 16, 8400), 12), output_layout(("batch", 300, 6), 12)
    ('raw', 'end2end')
    """
    dims = list(shape)

    def fits(i: int, value: int) -> bool:
        return not isinstance(dims[i], int) or dims[i] == value

    if len(dims) == 3:
        raw, e2e = fits(1, 4 + num_classes), fits(2, 6)
        if raw and e2e:
            if end2end is not None:
                return "end2end" if end2end else "raw"
            # a fixed 6 with a dynamic middle is (batch, max_det, 6); otherwise raw, the default
            return "end2end" if isinstance(dims[2], int) and not isinstance(dims[1], int) else "raw"
        if raw:
            return "raw"
        if e2e:
            return "end2end"
    raise ModelLoadError(
        f"output {format_shape(dims)} is not a YOLO detector output for {num_classes} classes: "
        f"expected (batch, {4 + num_classes}, anchors) or (batch, max_det, 6)"
    )


def format_shape(shape: Sequence[Dim]) -> str:
    """``(?, 3, 640, 640)``: a shape with its dynamic dimensions as ``?``."""
    return "(" + ", ".join(str(d) if isinstance(d, int) else "?" for d in shape) + ")"


def box_iou_one(
    box: npt.NDArray[np.float64], boxes: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """IoU of one xyxy box with (N, 4) xyxy boxes (0 where the union is empty)."""
    lt = np.maximum(box[:2], boxes[:, :2])
    rb = np.minimum(box[2:], boxes[:, 2:])
    wh = np.clip(rb - lt, 0.0, None)
    inter = wh[:, 0] * wh[:, 1]
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area + areas - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def batched_nms(
    xyxy: npt.NDArray[np.floating],
    scores: npt.NDArray[np.floating],
    class_ids: npt.NDArray[np.integer],
    iou_threshold: float,
    max_keep: int | None = None,
) -> npt.NDArray[np.int64]:
    """Class-aware greedy NMS; indices of kept boxes, highest score first.

    Same result as ``torchvision.ops.batched_nms``: a box is dropped when a higher-scored
    box of the same class overlaps it with IoU > ``iou_threshold``. ``max_keep`` stops
    once that many are kept (the same as truncating the full result, only faster).

    >>> boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [0, 0, 10, 10]], np.float32)
    >>> batched_nms(boxes, np.array([0.9, 0.8, 0.7]), np.array([0, 0, 1]), 0.5).tolist()
    [0, 2]
    """
    boxes = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    classes = np.asarray(class_ids).reshape(-1)
    order = np.argsort(-np.asarray(scores, dtype=np.float64).reshape(-1), kind="stable")
    keep: list[int] = []
    while order.size and (max_keep is None or len(keep) < max_keep):
        best, rest = order[0], order[1:]
        keep.append(int(best))
        same_class = classes[rest] == classes[best]
        overlap = np.zeros(rest.size, dtype=bool)
        if same_class.any():
            overlap[same_class] = box_iou_one(boxes[best], boxes[rest[same_class]]) > iou_threshold
        order = rest[~overlap]
    return np.asarray(keep, dtype=np.int64)


def _cxcywh_to_xyxy(boxes: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    half = boxes[:, 2:4] / 2
    return np.concatenate([boxes[:, :2] - half, boxes[:, :2] + half], axis=1)


def decode_raw_one(
    output: npt.NDArray[np.float32],
    transform: LetterboxTransform,
    conf: float,
    iou: float,
    max_det: int,
) -> Detections:
    """Decode one image's (4 + nc, A) raw output: best class per anchor, threshold, NMS."""
    pred = np.asarray(output, dtype=np.float32).T  # (A, 4 + nc)
    class_scores = pred[:, 4:]
    if class_scores.shape[1] == 0:
        raise ModelLoadError(f"raw output has no class scores: shape {output.shape}")
    class_id = class_scores.argmax(axis=1)
    score = class_scores[np.arange(len(pred)), class_id]
    keep = score > conf  # strict, as ultralytics
    pred, class_id, score = pred[keep], class_id[keep], score[keep]
    if len(score) > MAX_NMS:
        top = np.argsort(-score, kind="stable")[:MAX_NMS]
        pred, class_id, score = pred[top], class_id[top], score[top]
    boxes = _cxcywh_to_xyxy(pred[:, :4])
    kept = batched_nms(boxes, score, class_id, iou, max_keep=max_det)
    return Detections(
        xyxy=transform.to_original(boxes[kept]),
        confidence=score[kept],
        class_id=class_id[kept],
    )


def decode_end2end_one(
    output: npt.NDArray[np.float32],
    transform: LetterboxTransform,
    conf: float,
    max_det: int,
) -> Detections:
    """Decode one image's (K, 6) end-to-end output [x1, y1, x2, y2, score, class]."""
    pred = np.asarray(output, dtype=np.float32)
    pred = pred[pred[:, 4] > conf]
    pred = pred[np.argsort(-pred[:, 4], kind="stable")][:max_det]
    return Detections(
        xyxy=transform.to_original(pred[:, :4]),
        confidence=pred[:, 4],
        class_id=pred[:, 5].round().astype(np.int64),
    )


def decode(
    output: npt.NDArray[np.float32],
    transforms: Sequence[LetterboxTransform],
    num_classes: int,
    conf: float,
    iou: float,
    max_det: int,
    end2end: bool | None = None,
) -> list[Detections]:
    """Decode a batch output (either layout) into one ``Detections`` per image.

    ``transforms[i]`` maps image i's boxes back to its original pixels; extra output rows
    (a fixed-batch model padded with blank images) are ignored.
    """
    layout = output_layout(output.shape, num_classes, end2end)
    if len(output) < len(transforms):
        raise ModelLoadError(
            f"model returned {len(output)} results for a batch of {len(transforms)} images"
        )
    if layout == "raw":
        return [
            decode_raw_one(out, t, conf, iou, max_det)
            for out, t in zip(output, transforms, strict=False)
        ]
    return [
        decode_end2end_one(out, t, conf, max_det)
        for out, t in zip(output, transforms, strict=False)
    ]
