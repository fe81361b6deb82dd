from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np
import pytest

from detector import ModelLoadError
from detector.postprocess import Dim, batched_nms, decode, output_layout
from detector.preprocess import LetterboxTransform
from tests.detector.factories import NC, Box, end2end_tensor, raw_tensor

IDENTITY = LetterboxTransform.fit((64, 64), (64, 64))


def run(boxes: list[Box], conf: float = 0.25, iou: float = 0.45, max_det: int = 300) -> Any:
    (dets,) = decode(raw_tensor(boxes), [IDENTITY], NC, conf=conf, iou=iou, max_det=max_det)
    return dets


@pytest.mark.parametrize(
    ("boxes", "kwargs", "expected_classes"),
    [
        pytest.param(
            [(20, 20, 16, 16, 0, 0.9), (21, 21, 16, 16, 0, 0.8)], {}, [0], id="overlap-same-class"
        ),
        pytest.param(
            [(20, 20, 16, 16, 0, 0.9), (21, 21, 16, 16, 1, 0.8)],
            {},
            [0, 1],
            id="overlap-different-class",
        ),
        pytest.param(
            [(20, 20, 16, 16, 0, 0.9), (50, 50, 16, 16, 0, 0.8)], {}, [0, 0], id="apart-same-class"
        ),
        pytest.param([(20, 20, 16, 16, 2, 0.2)], {}, [], id="below-threshold"),
        pytest.param([(20, 20, 16, 16, 2, 0.25)], {}, [], id="at-threshold-is-dropped"),
        pytest.param(
            [(20, 20, 16, 16, 0, 0.9), (21, 21, 16, 16, 0, 0.8)],
            {"iou": 0.95},
            [0, 0],
            id="iou-above-threshold-kept",
        ),
        pytest.param(
            [(10 * i + 5, 20, 8, 8, 3, 0.5 + i / 100) for i in range(6)],
            {"max_det": 2},
            [3, 3],
            id="max-det",
        ),
        pytest.param([], {}, [], id="empty"),
    ],
)
def test_decode_raw(boxes: list[Box], kwargs: dict[str, Any], expected_classes: list[int]) -> None:
    dets = run(boxes, **kwargs)
    assert dets.class_id.tolist() == expected_classes
    assert list(dets.confidence) == sorted(dets.confidence, reverse=True)


def test_decode_raw_values_and_best_class() -> None:
    out = raw_tensor([(20, 30, 10, 6, 5, 0.7)])
    out[0, 4 + 2, 0] = 0.4  # a weaker second class on the same anchor loses (no multi-label)
    (dets,) = decode(out, [IDENTITY], NC, conf=0.25, iou=0.45, max_det=300)
    np.testing.assert_allclose(dets.xyxy, [[15, 27, 25, 33]])
    np.testing.assert_allclose(dets.confidence, [0.7])
    assert dets.class_id.tolist() == [5]
    assert dets.xyxy.dtype == np.float32 and dets.class_id.dtype == np.int64


def test_decode_maps_back_to_original_pixels_and_clips() -> None:
    t = LetterboxTransform.fit((32, 128), (64, 64))  # scale 0.5, pad top 24
    out = raw_tensor([(32, 32, 16, 8, 0, 0.9), (60, 20, 16, 16, 1, 0.9)])
    (dets,) = decode(out, [t], NC, conf=0.25, iou=0.45, max_det=300)
    np.testing.assert_allclose(dets.xyxy, [[48, 8, 80, 24], [104, 0, 128, 8]])


def test_decode_batch_uses_each_images_transform() -> None:
    out = np.concatenate([raw_tensor([(32, 32, 16, 16, 0, 0.9)])] * 2)
    ts = [LetterboxTransform.fit((64, 64), (64, 64)), LetterboxTransform.fit((128, 128), (64, 64))]
    a, b = decode(out, ts, NC, conf=0.25, iou=0.45, max_det=300)
    np.testing.assert_allclose(a.xyxy, [[24, 24, 40, 40]])
    np.testing.assert_allclose(b.xyxy, [[48, 48, 80, 80]])


def test_decode_end2end() -> None:
    out = end2end_tensor(
        [
            [10, 10, 20, 20, 0.5, 3],
            [30, 30, 40, 50, 0.9, 7],
            [0, 0, 5, 5, 0.1, 1],  # below conf
            [1, 1, 70, 70, 0.6, 2],  # clipped to the image
        ]
    )
    (dets,) = decode(out, [IDENTITY], NC, conf=0.25, iou=0.45, max_det=2)
    assert dets.class_id.tolist() == [7, 2]
    np.testing.assert_allclose(dets.confidence, [0.9, 0.6])
    np.testing.assert_allclose(dets.xyxy, [[30, 30, 40, 50], [1, 1, 64, 64]])


def test_decode_rejects_short_batch() -> None:
    with pytest.raises(ModelLoadError, match="1 results for a batch of 2 images"):
        decode(raw_tensor([]), [IDENTITY, IDENTITY], NC, conf=0.25, iou=0.45, max_det=300)


@pytest.mark.parametrize(
    ("shape", "end2end", "expectation"),
    [
        ((1, 16, 8400), None, nullcontext("raw")),
        (("batch", 16, "anchors"), None, nullcontext("raw")),
        (("batch", "dim1", "anchors"), None, nullcontext("raw")),
        (("batch", "dim1", "anchors"), True, nullcontext("end2end")),
        ((1, 300, 6), None, nullcontext("end2end")),
        ((None, None, 6), None, nullcontext("end2end")),
        ((1, 300, 6), False, nullcontext("end2end")),  # metadata cannot make it raw
        ((1, 1000), None, pytest.raises(ModelLoadError, match=r"\(1, 1000\) is not a YOLO")),
        ((1, 17, 8400), None, pytest.raises(ModelLoadError, match=r"expected \(batch, 16, anc")),
        ((1, 300, 7), None, pytest.raises(ModelLoadError, match="for 12 classes")),
        ((1, 16, 8400, 1), None, pytest.raises(ModelLoadError, match="not a YOLO detector")),
    ],
)
def test_output_layout(
    shape: tuple[Dim, ...], end2end: bool | None, expectation: AbstractContextManager[Any]
) -> None:
    with expectation as expected:
        assert output_layout(shape, NC, end2end) == expected


def test_output_layout_raw_with_two_classes_is_not_end2end() -> None:
    assert output_layout((1, 6, 6), 2) == "raw"  # both fit; 4 + 2 is exactly the raw width
    assert output_layout((1, 6, 6), 2, end2end=True) == "end2end"


def random_boxes(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 200, (n, 2))
    wh = rng.uniform(2, 80, (n, 2))
    boxes = np.concatenate([xy, xy + wh], axis=1).astype(np.float32)
    scores = rng.permutation(n).astype(np.float32) / n + 0.5 / n  # distinct: no ties to break
    classes = rng.integers(0, 4, n)
    return boxes, scores, classes


@pytest.mark.parametrize("iou", [0.1, 0.45, 0.7])
@pytest.mark.parametrize("seed", range(4))
def test_nms_matches_torchvision(seed: int, iou: float) -> None:
    torch = pytest.importorskip("torch")
    ops = pytest.importorskip("torchvision.ops")
    boxes, scores, classes = random_boxes(300, seed)
    expected = ops.batched_nms(
        torch.from_numpy(boxes), torch.from_numpy(scores), torch.from_numpy(classes), iou
    ).numpy()
    ours = batched_nms(boxes, scores, classes, iou)
    assert 0 < len(ours) < len(boxes)  # the case is not trivial
    np.testing.assert_array_equal(ours, expected)


@pytest.mark.parametrize("max_keep", [1, 5, 50])
def test_nms_max_keep_truncates(max_keep: int) -> None:
    boxes, scores, classes = random_boxes(300, 0)
    full = batched_nms(boxes, scores, classes, 0.45)
    np.testing.assert_array_equal(
        batched_nms(boxes, scores, classes, 0.45, max_keep), full[:max_keep]
    )


def test_nms_handles_degenerate_boxes() -> None:
    boxes = np.array([[5, 5, 5, 5], [5, 5, 5, 5], [0, 0, 10, 10]], np.float32)
    kept = batched_nms(boxes, np.array([0.9, 0.8, 0.7]), np.array([0, 0, 0]), 0.5)
    assert kept.tolist() == [0, 1, 2]  # zero-area boxes overlap nothing, as in torchvision
