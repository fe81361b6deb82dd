"""COCO-style detection metrics computed the way ultralytics computes them.

Predictions are matched to ground truth per image, greedily in descending confidence,
at each IoU threshold 0.50:0.05:0.95; AP is the area under the monotone precision
envelope sampled at 101 recall points. With ``ap_method="ultralytics"`` (the default)
the numbers equal ``yolo val``'s, including its quirk that a perfect detector scores
0.995 (the trapezoid drops the last 0.01 of recall); ``"coco"`` averages the 101 samples
as pycocotools does, so a perfect detector scores 1.0.

>>> m = DetectionMetrics()
>>> box = np.array([[10, 10, 50, 50]], np.float32)
>>> m.update(Detections(box, np.array([0.9]), np.array([0])), GroundTruth(box, np.array([0])))
>>> m.compute(ap_method="coco").map50
1.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from detector.detections import Detections

APMethod = Literal["ultralytics", "coco"]
Names = Sequence[str] | Mapping[int, str]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

IOU_THRESHOLDS: FloatArray = np.linspace(0.5, 0.95, 10)
_RECALL_POINTS: FloatArray = np.linspace(0.0, 1.0, 101)
_CONF_GRID: FloatArray = np.linspace(0.0, 1.0, 1000)  # where P, R and F1 are read off
SERVING_CONF = 0.3  # the rules' default min_confidence: what opens a case


class Boxes(Protocol):
    """Anything with pixel ``xyxy`` boxes and ``class_id``s: `GroundTruth` or `Detections`."""

    @property
    def xyxy(self) -> npt.NDArray[np.float32]: ...

    @property
    def class_id(self) -> npt.NDArray[np.int64]: ...


@dataclass
class GroundTruth:
    """Labelled boxes of one image: ``xyxy`` (M, 4) in pixels and ``class_id`` (M,)."""

    xyxy: npt.NDArray[np.float32]
    class_id: npt.NDArray[np.int64]

    def __post_init__(self) -> None:
        self.xyxy = np.asarray(self.xyxy, dtype=np.float32).reshape(-1, 4)
        self.class_id = np.asarray(self.class_id, dtype=np.int64).reshape(-1)
        if len(self.class_id) != len(self.xyxy):
            raise ValueError(
                f"GroundTruth.class_id must have {len(self.xyxy)} rows to match xyxy, "
                f"got {len(self.class_id)}"
            )


def box_iou(a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
    """Pairwise IoU of xyxy boxes, shape (len(a), len(b)); the same formula as ultralytics."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(axis=2)
    area_a = np.clip(a[:, 2:] - a[:, :2], 0, None).prod(axis=1)
    area_b = np.clip(b[:, 2:] - b[:, :2], 0, None).prod(axis=1)
    iou: FloatArray = inter / (area_a[:, None] + area_b[None, :] - inter + 1e-7)
    return iou


def match_predictions(
    pred: Boxes, gt: Boxes, iou_thresholds: FloatArray = IOU_THRESHOLDS
) -> BoolArray:
    """Which predictions are true positives at each IoU threshold, shape (N, T).

    ``pred`` must be sorted by descending confidence: each prediction in turn claims the
    unclaimed same-class box it overlaps most, if that overlap reaches the threshold.
    """
    n, m = len(pred.xyxy), len(gt.xyxy)
    correct = np.zeros((n, len(iou_thresholds)), dtype=bool)
    if n == 0 or m == 0:
        return correct
    iou = box_iou(gt.xyxy, pred.xyxy) * (gt.class_id[:, None] == pred.class_id[None, :])
    matched = np.zeros((m, len(iou_thresholds)), dtype=bool)
    columns = np.arange(len(iou_thresholds))
    # Only predictions overlapping some box at the lowest threshold can match at all.
    for j in np.flatnonzero((iou >= iou_thresholds.min()).any(axis=0)):
        available = np.where(matched, 0.0, iou[:, j, None])
        best = available.argmax(axis=0)
        correct[j] = available[best, columns] >= iou_thresholds
        matched[best, columns] |= correct[j]
    return correct


def average_precision(
    recall: FloatArray, precision: FloatArray, method: APMethod = "ultralytics"
) -> float:
    """Area under the precision envelope of one PR curve sampled at 101 recall points.

    ``recall`` and ``precision`` are cumulative over predictions in descending confidence.
    ``"ultralytics"`` is ``ultralytics.utils.metrics.compute_ap``; ``"coco"`` is pycocotools.
    """
    if method == "coco":
        envelope = np.maximum.accumulate(precision[::-1])[::-1]
        idx = np.searchsorted(recall, _RECALL_POINTS, side="left")
        sampled = np.where(idx < len(recall), envelope[np.minimum(idx, len(recall) - 1)], 0.0)
        return float(sampled.mean()) if len(recall) else 0.0
    mrec = np.concatenate(([0.0], recall, [recall[-1] if len(recall) else 1.0], [1.0]))
    mpre = np.concatenate(([1.0], precision, [0.0], [0.0]))
    mpre = np.flip(np.maximum.accumulate(np.flip(mpre)))
    return float(np.trapezoid(np.interp(_RECALL_POINTS, mrec, mpre), _RECALL_POINTS))


def _smooth(y: FloatArray, fraction: float) -> FloatArray:
    """Box filter of width ``fraction`` of the length, as ultralytics smooths the F1 curve."""
    nf = round(len(y) * fraction * 2) // 2 + 1
    pad = np.ones(nf // 2)
    padded = np.concatenate((pad * y[0], y, pad * y[-1]))
    smoothed: FloatArray = np.convolve(padded, np.ones(nf) / nf, mode="valid")
    return smoothed


@dataclass(frozen=True)
class ClassMetrics:
    """One class's numbers; the AP, P and R fields are None for a class without ground truth."""

    class_id: int
    n_gt: int
    n_pred: int
    n_images: int  # images with at least one ground-truth box of this class
    ap50: float | None
    ap50_95: float | None
    precision: float | None
    recall: float | None
    # at the serving confidence, IoU 0.5, counted (not read off a smoothed curve); defined
    # for classes without ground truth too, where every prediction is a false positive
    tp_at_serving: int = 0
    fp_at_serving: int = 0
    precision_at_serving: float | None = None
    recall_at_serving: float | None = None


@dataclass(frozen=True)
class MetricsResult:
    """Per-class and overall metrics; means are over the classes that have ground truth.

    ``precision`` and ``recall`` are read at ``conf_threshold``, the one confidence that
    maximises the (smoothed) F1 averaged over classes, as ultralytics reports them.
    """

    classes: tuple[ClassMetrics, ...]
    map50: float
    map50_95: float
    precision: float
    recall: float
    conf_threshold: float
    n_images: int
    n_gt: int
    n_pred: int
    ap_method: APMethod
    serving_conf: float = SERVING_CONF
    fp_per_image_at_serving: float = 0.0

    def to_dict(self, names: Names | None = None) -> dict[str, Any]:
        """Plain JSON-ready dict; ``per_class`` is keyed by class name (the id without names)."""
        out = {k: v for k, v in asdict(self).items() if k != "classes"}
        out["per_class"] = {_name(names, c.class_id): asdict(c) for c in self.classes}
        return out

    def table(self, names: Names | None = None) -> str:
        """Aligned text table, one row per class after an ``all`` row."""
        header = ("class", "images", "boxes", "preds", "P", "R", "mAP50", "mAP50-95")
        rows = [
            (
                "all",
                str(self.n_images),
                str(self.n_gt),
                str(self.n_pred),
                *(f"{v:.3f}" for v in (self.precision, self.recall, self.map50, self.map50_95)),
            )
        ]
        for c in self.classes:
            values = (c.precision, c.recall, c.ap50, c.ap50_95)
            rows.append(
                (
                    _name(names, c.class_id),
                    str(c.n_images),
                    str(c.n_gt),
                    str(c.n_pred),
                    *("-" if v is None else f"{v:.3f}" for v in values),
                )
            )
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
        lines = [
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
            for row in (header, *rows)
        ]
        lines.append(f"P and R at confidence {self.conf_threshold:.3f} (max mean F1)")
        return "\n".join(lines)


def _name(names: Names | None, class_id: int) -> str:
    if names is None:
        return str(class_id)
    if isinstance(names, Mapping):
        return names.get(class_id, str(class_id))
    return names[class_id] if 0 <= class_id < len(names) else str(class_id)


class DetectionMetrics:
    """Accumulates matched predictions image by image; `compute` gives the metrics.

    Only the per-prediction match flags are kept, so memory grows with the number of
    predictions, not with the images.
    """

    def __init__(
        self, num_classes: int | None = None, iou_thresholds: npt.ArrayLike = IOU_THRESHOLDS
    ) -> None:
        self.num_classes = num_classes
        self.iou_thresholds = np.asarray(iou_thresholds, dtype=np.float64).reshape(-1)
        self.n_images = 0
        self._tp: list[BoolArray] = []
        self._conf: list[npt.NDArray[np.float32]] = []
        self._pred_cls: list[npt.NDArray[np.int64]] = []
        self._gt_cls: list[npt.NDArray[np.int64]] = []
        self._image_cls: list[npt.NDArray[np.int64]] = []

    def update(self, pred: Detections, gt: Boxes) -> None:
        """Add one image's predictions (pixels) and ground truth (same pixel frame)."""
        order = np.argsort(-pred.confidence, kind="stable")
        pred = pred[order]
        self._tp.append(match_predictions(pred, gt, self.iou_thresholds))
        self._conf.append(pred.confidence)
        self._pred_cls.append(pred.class_id)
        gt_cls = np.asarray(gt.class_id, dtype=np.int64).reshape(-1)
        self._gt_cls.append(gt_cls)
        self._image_cls.append(np.unique(gt_cls))
        self.n_images += 1

    def compute(
        self, ap_method: APMethod = "ultralytics", serving_conf: float = SERVING_CONF
    ) -> MetricsResult:
        t = len(self.iou_thresholds)
        tp = np.concatenate(self._tp) if self._tp else np.zeros((0, t), dtype=bool)
        conf = _cat(self._conf, np.float32).astype(np.float64)
        pred_cls = _cat(self._pred_cls, np.int64)
        gt_cls = _cat(self._gt_cls, np.int64)
        image_cls = _cat(self._image_cls, np.int64)
        ap, p_curve, r_curve, gt_classes = ap_per_class(tp, conf, pred_cls, gt_cls, ap_method)

        f1_curve = 2 * p_curve * r_curve / (p_curve + r_curve + 1e-16)
        best = int(_smooth(f1_curve.mean(axis=0), 0.1).argmax()) if len(gt_classes) else 0
        precision, recall = p_curve[:, best], r_curve[:, best]

        known = set(range(self.num_classes or 0))
        all_ids = sorted(known | set(gt_cls.tolist()) | set(pred_cls.tolist()))
        row = {int(c): i for i, c in enumerate(gt_classes)}
        served = conf >= serving_conf
        hit = tp[:, 0] if len(tp) else np.zeros(0, dtype=bool)
        classes = []
        for c in all_ids:
            i = row.get(c)
            n_gt = int((gt_cls == c).sum())
            mine = served & (pred_cls == c)
            tps, fps = int((mine & hit).sum()), int((mine & ~hit).sum())
            classes.append(
                ClassMetrics(
                    class_id=c,
                    n_gt=n_gt,
                    n_pred=int((pred_cls == c).sum()),
                    n_images=int((image_cls == c).sum()),
                    ap50=None if i is None else float(ap[i, 0]),
                    ap50_95=None if i is None else float(ap[i].mean()),
                    precision=None if i is None else float(precision[i]),
                    recall=None if i is None else float(recall[i]),
                    tp_at_serving=tps,
                    fp_at_serving=fps,
                    precision_at_serving=tps / (tps + fps) if tps + fps else None,
                    recall_at_serving=tps / n_gt if n_gt else None,
                )
            )
        has_gt = len(gt_classes) > 0
        return MetricsResult(
            classes=tuple(classes),
            map50=float(ap[:, 0].mean()) if has_gt else 0.0,
            map50_95=float(ap.mean()) if has_gt else 0.0,
            precision=float(precision.mean()) if has_gt else 0.0,
            recall=float(recall.mean()) if has_gt else 0.0,
            conf_threshold=float(_CONF_GRID[best]),
            n_images=self.n_images,
            n_gt=len(gt_cls),
            n_pred=len(pred_cls),
            ap_method=ap_method,
            serving_conf=serving_conf,
            fp_per_image_at_serving=(
                sum(c.fp_at_serving for c in classes) / self.n_images if self.n_images else 0.0
            ),
        )


def _cat(parts: list[npt.NDArray[Any]], dtype: type[np.generic]) -> npt.NDArray[Any]:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)


def ap_per_class(
    tp: BoolArray,
    conf: FloatArray,
    pred_cls: npt.NDArray[np.int64],
    gt_cls: npt.NDArray[np.int64],
    method: APMethod = "ultralytics",
) -> tuple[FloatArray, FloatArray, FloatArray, npt.NDArray[np.int64]]:
    """AP (C, T) and P/R-vs-confidence curves (C, 1000) for the C classes with ground truth.

    ``tp`` (N, T) flags each prediction as matched at each IoU threshold (`match_predictions`);
    the last item is those C class ids. Mirrors ``ultralytics.utils.metrics.ap_per_class``.
    """
    order = np.argsort(-conf, kind="stable")
    tp, conf, pred_cls = tp[order], conf[order], pred_cls[order]
    classes, n_gt = np.unique(gt_cls, return_counts=True)
    ap = np.zeros((len(classes), tp.shape[1]))
    p_curve = np.zeros((len(classes), len(_CONF_GRID)))
    r_curve = np.zeros((len(classes), len(_CONF_GRID)))
    for ci, c in enumerate(classes):
        mine = pred_cls == c
        if not mine.any():
            continue
        tpc = tp[mine].cumsum(axis=0, dtype=np.float64)
        fpc = (~tp[mine]).cumsum(axis=0, dtype=np.float64)
        recall = tpc / n_gt[ci]
        precision = tpc / (tpc + fpc)
        # np.interp needs increasing x: confidence decreases along the curve, so negate.
        r_curve[ci] = np.interp(-_CONF_GRID, -conf[mine], recall[:, 0], left=0)
        p_curve[ci] = np.interp(-_CONF_GRID, -conf[mine], precision[:, 0], left=1)
        for j in range(tp.shape[1]):
            ap[ci, j] = average_precision(recall[:, j], precision[:, j], method)
    return ap, p_curve, r_curve, classes.astype(np.int64)


def compute_metrics(
    predictions: Sequence[Detections],
    ground_truth: Sequence[Boxes],
    *,
    num_classes: int | None = None,
    ap_method: APMethod = "ultralytics",
    serving_conf: float = SERVING_CONF,
) -> MetricsResult:
    """Metrics over images given as parallel lists of predictions and ground truth."""
    if len(predictions) != len(ground_truth):
        raise ValueError(
            f"need one ground truth per image: got {len(predictions)} predictions "
            f"and {len(ground_truth)} ground truths"
        )
    metrics = DetectionMetrics(num_classes)
    for pred, gt in zip(predictions, ground_truth, strict=True):
        metrics.update(pred, gt)
    return metrics.compute(ap_method, serving_conf)
