from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from detector.detections import Detections
from detector.errors import ImageDecodeError
from training.evaluate import evaluate
from training.metrics import (
    IOU_THRESHOLDS,
    DetectionMetrics,
    GroundTruth,
    MetricsResult,
    ap_per_class,
    average_precision,
    box_iou,
    compute_metrics,
    match_predictions,
)
from training.yolo_dataset import load_data_yaml

BOX_A = [0.0, 0.0, 100.0, 100.0]
BOX_B = [200.0, 200.0, 260.0, 300.0]
FAR = [500.0, 500.0, 540.0, 540.0]  # overlaps nothing


def dets(boxes: list[list[float]], conf: list[float], cls: list[int]) -> Detections:
    return Detections(np.array(boxes, np.float32).reshape(-1, 4), np.array(conf), np.array(cls))


def gt(boxes: list[list[float]], cls: list[int]) -> GroundTruth:
    return GroundTruth(np.array(boxes, np.float32).reshape(-1, 4), np.array(cls))


def by_class(result: MetricsResult) -> dict[int, Any]:
    return {c.class_id: c for c in result.classes}


# --- hand-made cases ------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "expected"), [("coco", 1.0), ("ultralytics", 0.995)])
def test_perfect_predictions(method: Any, expected: float) -> None:
    # ultralytics integrates its 101-point curve with the trapezoid rule, which loses the
    # last half step: a perfect detector scores 0.995 in `yolo val`, 1.0 in pycocotools.
    truth = [gt([BOX_A, BOX_B], [0, 1]), gt([BOX_B], [1]), gt([], [])]
    preds = [dets([BOX_B, BOX_A], [0.8, 0.9], [1, 0]), dets([BOX_B], [0.7], [1]), dets([], [], [])]
    result = compute_metrics(preds, truth, ap_method=method)
    assert result.map50 == pytest.approx(expected)
    assert result.map50_95 == pytest.approx(expected)
    assert result.precision == pytest.approx(1.0)
    assert result.recall == pytest.approx(1.0)
    assert [(c.n_gt, c.n_pred, c.n_images) for c in result.classes] == [(1, 1, 1), (2, 2, 2)]


@pytest.mark.parametrize(("method", "expected"), [("coco", 0.5), ("ultralytics", 0.4975)])
def test_false_positive_ranked_above_true_positive(method: Any, expected: float) -> None:
    # PR points (r, p): (0, 0) then (1, 0.5); the envelope is 0.5 over all recall.
    # coco: mean of 101 samples of 0.5. ultralytics: trapezoid of 0.5 up to r=0.99,
    # then a half step down to 0 at r=1: 0.5 * 0.99 + 0.01 * (0.5 + 0) / 2 = 0.4975.
    result = compute_metrics(
        [dets([FAR, BOX_A], [0.9, 0.8], [0, 0])], [gt([BOX_A], [0])], ap_method=method
    )
    assert result.map50 == pytest.approx(expected)
    assert result.map50_95 == pytest.approx(expected)


@pytest.mark.parametrize(("method", "perfect"), [("coco", 1.0), ("ultralytics", 0.995)])
def test_iou_062_counts_at_050_055_060_only(method: Any, perfect: float) -> None:
    pred = [0.0, 0.0, 100.0, 62.0]  # IoU with BOX_A is 0.62
    assert box_iou([BOX_A], [pred])[0, 0] == pytest.approx(0.62)
    result = compute_metrics([dets([pred], [0.9], [0])], [gt([BOX_A], [0])], ap_method=method)
    assert result.map50 == pytest.approx(perfect)
    assert result.map50_95 == pytest.approx(perfect * 3 / 10)  # AP 0 at 0.65 .. 0.95


def test_class_with_ground_truth_but_no_predictions_scores_zero() -> None:
    result = compute_metrics(
        [dets([BOX_A], [0.9], [0])], [gt([BOX_A, BOX_B], [0, 1])], ap_method="coco"
    )
    c = by_class(result)
    assert (c[1].ap50, c[1].ap50_95, c[1].precision, c[1].recall) == (0.0, 0.0, 0.0, 0.0)
    assert result.map50 == pytest.approx(0.5)  # mean of 1.0 and 0.0


def test_predictions_of_class_without_ground_truth_stay_out_of_the_mean() -> None:
    result = compute_metrics(
        [dets([BOX_A, BOX_B], [0.9, 0.95], [0, 2])], [gt([BOX_A], [0])], ap_method="coco"
    )
    c = by_class(result)
    assert result.map50 == pytest.approx(1.0)
    assert (c[2].n_gt, c[2].n_pred, c[2].ap50, c[2].precision) == (0, 1, None, None)


def test_wrong_class_does_not_match_and_each_box_matches_once() -> None:
    preds = dets([BOX_A, BOX_A, BOX_A], [0.9, 0.8, 0.7], [1, 0, 0])
    tp = match_predictions(preds, gt([BOX_A], [0]))
    assert tp[:, 0].tolist() == [False, True, False]  # the duplicate is a false positive


def test_match_is_greedy_in_confidence_order() -> None:
    # The confident prediction takes the box it overlaps best, even if that leaves the
    # other prediction with nothing: greedy, not optimal, as ultralytics matches.
    g = gt([[0, 0, 100, 100], [60, 0, 160, 100]], [0, 0])
    p = dets([[30, 0, 130, 100], [0, 0, 100, 100]], [0.9, 0.8], [0, 0])
    iou = box_iou(g.xyxy, p.xyxy)
    assert iou[1, 0] == iou[0, 0]  # a tie: argmax takes the first box
    assert match_predictions(p, g)[:, 0].tolist() == [True, False]  # optimal: both match


def test_update_sorts_predictions_by_confidence() -> None:
    # Had the 0.3 duplicate claimed the box, the 0.9 one would be a top-ranked FP: AP 0.5.
    m = DetectionMetrics()
    m.update(dets([BOX_A, BOX_A], [0.3, 0.9], [0, 0]), gt([BOX_A], [0]))
    assert m.compute(ap_method="coco").map50 == pytest.approx(1.0)


def test_no_images_gives_zeros() -> None:
    result = DetectionMetrics(num_classes=2).compute()
    assert (result.map50, result.map50_95, result.n_images) == (0.0, 0.0, 0)
    assert [c.ap50 for c in result.classes] == [None, None]


def test_ground_truth_rejects_mismatched_rows() -> None:
    with pytest.raises(ValueError, match="class_id must have 2 rows"):
        GroundTruth(np.zeros((2, 4), np.float32), np.zeros(3, np.int64))


def test_to_dict_is_json_and_table_is_aligned() -> None:
    result = compute_metrics(
        [dets([BOX_A, BOX_B], [0.9, 0.5], [0, 2])], [gt([BOX_A, FAR], [0, 1])], num_classes=3
    )
    data = json.loads(json.dumps(result.to_dict(["car", "bus", "truck"])))
    assert list(data["per_class"]) == ["car", "bus", "truck"]
    assert data["per_class"]["truck"] == {
        "class_id": 2,
        "n_gt": 0,
        "n_pred": 1,
        "n_images": 0,
        "ap50": None,
        "ap50_95": None,
        "precision": None,
        "recall": None,
        "tp_at_serving": 0,
        "fp_at_serving": 1,  # a truck where there is none: a false positive at 0.5 >= 0.3
        "precision_at_serving": 0.0,
        "recall_at_serving": None,
    }
    assert list(result.to_dict()["per_class"]) == ["0", "1", "2"]
    assert set(data) >= {"map50", "map50_95", "precision", "recall", "conf_threshold"}
    lines = result.table({0: "car", 1: "bus", 2: "truck"}).splitlines()
    assert lines[0].split() == ["class", "images", "boxes", "preds", "P", "R", "mAP50", "mAP50-95"]
    assert [line.split()[0] for line in lines[1:5]] == ["all", "car", "bus", "truck"]
    assert len({len(line) for line in lines[:5]}) == 1
    assert lines[4].split()[-1] == "-"


@pytest.mark.parametrize(
    ("serving", "car_tp_fp", "fp_per_image"), [(0.3, (1, 1), 1.0), (0.6, (1, 0), 0.0)]
)
def test_precision_and_recall_at_the_serving_confidence_are_counted(
    serving: float, car_tp_fp: tuple[int, int], fp_per_image: float
) -> None:
    """A 0.9 hit, a 0.5 duplicate of it (a false positive), a 0.2 box on nothing (below any
    serving confidence here) and a car nobody found."""
    result = compute_metrics(
        [dets([BOX_A, BOX_A, BOX_B], [0.9, 0.5, 0.2], [0, 0, 0]), dets([], [], [])],
        [gt([BOX_A, FAR], [0, 0]), gt([], [])],
        num_classes=1,
        serving_conf=serving,
    )
    car = result.classes[0]
    assert (car.tp_at_serving, car.fp_at_serving) == car_tp_fp
    assert car.precision_at_serving == pytest.approx(car_tp_fp[0] / sum(car_tp_fp))
    assert car.recall_at_serving == pytest.approx(0.5)
    assert result.fp_per_image_at_serving == pytest.approx(fp_per_image / 2)
    assert result.serving_conf == serving


def test_coco_ap_matches_pycocotools_rule() -> None:
    # recall reaches 0.5 at precision 1, then 1.0 at precision 2/3: 51 samples at 1, 50 at 2/3.
    recall = np.array([0.5, 0.5, 1.0])
    precision = np.array([1.0, 0.5, 2 / 3])
    assert average_precision(recall, precision, "coco") == pytest.approx((51 + 50 * 2 / 3) / 101)


# --- cross-check against ultralytics --------------------------------------------------------


@pytest.fixture
def ultralytics_metrics(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ModuleType:
    if "ultralytics" not in sys.modules:
        monkeypatch.setenv("YOLO_OFFLINE", "1")
        monkeypatch.setenv("YOLO_CONFIG_DIR", str(tmp_path))
    pytest.importorskip("ultralytics")
    from ultralytics.utils import metrics

    return metrics


def random_scene(
    rng: np.random.Generator, n_gt: int, n_pred: int, nc: int
) -> tuple[GroundTruth, Detections]:
    xy = rng.uniform(0, 500, (n_gt, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(10, 120, (n_gt, 2))], axis=1)
    classes = rng.integers(0, nc, n_gt)
    # Predictions: jittered copies of ground truth (some with the wrong class) plus noise.
    src = rng.integers(0, max(n_gt, 1), n_pred)
    jitter = rng.normal(0, 8, (n_pred, 4))
    pred_boxes = boxes[src] + jitter if n_gt else rng.uniform(0, 500, (n_pred, 4))
    pred_boxes[:, 2:] = np.maximum(pred_boxes[:, 2:], pred_boxes[:, :2] + 1)
    pred_cls = np.where(
        rng.random(n_pred) < 0.85, classes[src] if n_gt else 0, rng.integers(0, nc, n_pred)
    )
    noise = rng.random(n_pred) < 0.2
    pred_boxes[noise] = np.sort(
        rng.uniform(0, 600, (int(noise.sum()), 4)).reshape(-1, 2, 2), axis=1
    ).reshape(-1, 4)
    conf = rng.random(n_pred)
    return GroundTruth(boxes.astype(np.float32), classes), Detections(
        pred_boxes.astype(np.float32), conf.astype(np.float32), pred_cls
    )


def test_ap_per_class_equals_ultralytics_on_random_flags(ultralytics_metrics: ModuleType) -> None:
    rng = np.random.default_rng(0)
    n, nc = 400, 5
    tp = rng.random((n, 10)) < np.linspace(0.8, 0.2, 10)
    conf = rng.random(n)
    pred_cls = rng.integers(0, nc + 1, n)  # class nc has no ground truth
    gt_cls = rng.integers(0, nc, 300)
    gt_cls[gt_cls == 3] = 2  # classes 3 and 5 have predictions but no ground truth
    ours = ap_per_class(tp, conf, pred_cls, gt_cls)
    theirs = ultralytics_metrics.ap_per_class(tp, conf, pred_cls, gt_cls)
    np.testing.assert_array_equal(ours[3], theirs[6])
    np.testing.assert_allclose(ours[0], theirs[5], atol=1e-6)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_metrics_equal_ultralytics_end_to_end(ultralytics_metrics: ModuleType, seed: int) -> None:
    torch = pytest.importorskip("torch")
    from ultralytics.models.yolo.detect import DetectionValidator

    validator = object.__new__(DetectionValidator)  # only match_predictions is needed
    validator.iouv = torch.linspace(0.5, 0.95, 10)
    rng = np.random.default_rng(seed)
    metrics = DetectionMetrics(num_classes=4)
    stats: dict[str, list[npt.NDArray[Any]]] = {"tp": [], "conf": [], "cls": [], "target": []}
    for _ in range(60):
        truth, pred = random_scene(rng, int(rng.integers(0, 8)), int(rng.integers(0, 14)), 4)
        metrics.update(pred, truth)
        order = np.argsort(-pred.confidence, kind="stable")
        p = pred[order]
        if len(truth.xyxy) and len(p):
            iou = ultralytics_metrics.box_iou(
                torch.from_numpy(truth.xyxy), torch.from_numpy(p.xyxy)
            )
            tp = validator.match_predictions(
                torch.from_numpy(p.class_id), torch.from_numpy(truth.class_id), iou
            ).numpy()
        else:
            tp = np.zeros((len(p), 10), bool)
        stats["tp"].append(tp)
        stats["conf"].append(p.confidence)
        stats["cls"].append(p.class_id)
        stats["target"].append(truth.class_id)
    cat = {k: np.concatenate(v) for k, v in stats.items()}
    theirs = ultralytics_metrics.ap_per_class(cat["tp"], cat["conf"], cat["cls"], cat["target"])
    _, _, p_cls, r_cls, _, ap, classes = theirs[:7]
    ours = metrics.compute()
    c = by_class(ours)
    assert ours.map50 == pytest.approx(ap[:, 0].mean(), abs=1e-6)
    assert ours.map50_95 == pytest.approx(ap.mean(), abs=1e-6)
    assert 0.1 < ours.map50 < 0.9  # the random scenes are not degenerate
    for row, cid in enumerate(classes):
        assert c[cid].ap50_95 == pytest.approx(ap[row].mean(), abs=1e-6)
        assert c[cid].precision == pytest.approx(p_cls[row], abs=1e-6)
        assert c[cid].recall == pytest.approx(r_cls[row], abs=1e-6)


def test_thousands_of_images_stay_fast() -> None:
    import time

    rng = np.random.default_rng(2)
    scenes = [random_scene(rng, 6, 30, 12) for _ in range(300)]
    metrics = DetectionMetrics(num_classes=12)
    start = time.perf_counter()
    for _ in range(10):  # 3000 images
        for truth, pred in scenes:
            metrics.update(pred, truth)
    result = metrics.compute()
    assert result.n_images == 3000
    assert time.perf_counter() - start < 20  # generous: a busy 2-core box does it in ~2 s


# --- evaluate() with a stand-in detector ----------------------------------------------------


class OracleDetector:
    """Returns each image's ground truth, found by the image's unique fill colour."""

    names = ("car", "bus")
    conf = 0.001
    info: ClassVar[dict[str, object]] = {"name": "oracle", "path": Path("/models/oracle.onnx")}

    def __init__(self, answers: dict[int, Detections]) -> None:
        self.answers = answers
        self.calls: list[int] = []

    def detect_batch(self, images: list[npt.NDArray[np.uint8]]) -> list[Detections]:
        self.calls.append(len(images))
        return [self.answers[int(img[0, 0, 0])] for img in images]


def test_evaluate_perfect_detector(tmp_path: Path) -> None:
    (tmp_path / "images" / "val").mkdir(parents=True)
    (tmp_path / "labels" / "val").mkdir(parents=True)
    answers = {}
    for i in range(5):
        image = np.full((40, 80, 3), i, np.uint8)
        cv2.imwrite(str(tmp_path / "images" / "val" / f"{i}.png"), image)
        if i < 4:  # image 4 is a background image without a label file
            cls = i % 2
            (tmp_path / "labels" / "val" / f"{i}.txt").write_text(f"{cls} 0.5 0.5 0.5 0.5\n")
            answers[i] = dets([[20, 10, 60, 30]], [0.9], [cls])
        else:
            answers[i] = dets([[0, 0, 5, 5]], [0.0005], [0])  # below conf: dropped
    (tmp_path / "data.yaml").write_text("path: .\nval: images/val\nnames: [car, bus]\n")
    detector = OracleDetector(answers)
    result = evaluate(detector, load_data_yaml(tmp_path / "data.yaml"), batch=2, progress=False)
    assert detector.calls == [2, 2, 1]
    assert result.metrics.map50_95 == pytest.approx(0.995)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["model"] == {"name": "oracle", "path": "/models/oracle.onnx"}
    assert (data["images"], data["speed"]["images"], data["iou"]) == (5, 5, None)
    assert data["metrics"]["per_class"]["bus"]["n_gt"] == 2
    assert "bus" in result.table()


class ThresholdedOracle(OracleDetector):
    """Takes thresholds per call, as `detector.model.Detector.detect_batch` does."""

    def detect_batch(
        self, images: list[npt.NDArray[np.uint8]], *, conf: float = 0.25, iou: float = 0.45
    ) -> list[Detections]:
        self.thresholds = (conf, iou)
        return super().detect_batch(images)


def test_evaluate_passes_thresholds_to_the_detector(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    cv2.imwrite(str(tmp_path / "images" / "0.png"), np.zeros((8, 8, 3), np.uint8))
    (tmp_path / "data.yaml").write_text("val: images\nnames: [car, bus]\n")
    detector = ThresholdedOracle({0: dets([], [], [])})
    result = evaluate(detector, tmp_path / "data.yaml", conf=0.01, iou=0.7, progress=False)
    assert detector.thresholds == (0.01, 0.7)
    assert (result.conf, result.iou) == (0.01, 0.7)


def test_evaluate_names_an_unreadable_image(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "0.png").write_bytes(b"junk")
    (tmp_path / "data.yaml").write_text("val: images\nnames: [car, bus]\n")
    with pytest.raises(ImageDecodeError, match=r"cannot read image .*0\.png"):
        evaluate(OracleDetector({}), tmp_path / "data.yaml", progress=False)


def test_evaluate_refuses_a_model_with_other_classes(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "data.yaml").write_text("val: images\nnames: [bus, car]\n")
    with pytest.raises(ValueError, match="classes do not match"):
        evaluate(OracleDetector({}), tmp_path / "data.yaml", progress=False)


def test_iou_thresholds_are_coco() -> None:
    assert IOU_THRESHOLDS.tolist() == pytest.approx([0.5 + 0.05 * i for i in range(10)])
