from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest

from detector.preprocess import (
    PAD_VALUE,
    LetterboxTransform,
    letterbox,
    preprocess,
    preprocess_batch,
)

SHAPES = [  # (h, w) of original images: wide, tall, tiny, extreme aspects, odd sizes
    (480, 640),
    (640, 480),
    (1, 1),
    (4000, 300),
    (300, 4000),
    (333, 500),
    (1080, 1920),
    (7, 3),
]
INPUTS = [(640, 640), (384, 640), (64, 64)]


def random_boxes(h: int, w: int, n: int = 20, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    xs = np.sort(rng.uniform(0, w, (n, 2)), axis=1)
    ys = np.sort(rng.uniform(0, h, (n, 2)), axis=1)
    return np.stack([xs[:, 0], ys[:, 0], xs[:, 1], ys[:, 1]], axis=1).astype(np.float32)


@pytest.mark.parametrize("input_shape", INPUTS)
@pytest.mark.parametrize("orig_shape", SHAPES)
def test_boxes_round_trip(orig_shape: tuple[int, int], input_shape: tuple[int, int]) -> None:
    t = LetterboxTransform.fit(orig_shape, input_shape)
    boxes = random_boxes(*orig_shape)
    np.testing.assert_allclose(t.to_original(t.to_input(boxes)), boxes, atol=1e-3, rtol=1e-6)


@pytest.mark.parametrize("input_shape", INPUTS)
@pytest.mark.parametrize("orig_shape", SHAPES)
def test_image_lands_where_the_transform_says(
    orig_shape: tuple[int, int], input_shape: tuple[int, int]
) -> None:
    h, w = orig_shape
    boxed, t = letterbox(np.full((h, w, 3), 7, np.uint8), input_shape)
    assert boxed.shape == (*input_shape, 3)
    x1, y1, x2, y2 = t.to_input(np.array([[0, 0, w, h]], np.float32))[0]
    # the whole-image box maps onto exactly the non-padded region, centred
    content = np.argwhere(boxed[:, :, 0] == 7)
    assert (content.min(0) == (y1, x1)).all() and (content.max(0) + 1 == (y2, x2)).all()
    assert (boxed == 7).sum() + (boxed == PAD_VALUE).sum() == boxed.size
    left, top = t.pad
    assert abs((input_shape[1] - x2) - left) <= 1 and abs((input_shape[0] - y2) - top) <= 1


@pytest.mark.parametrize(
    ("orig_shape", "input_shape", "scale", "pad"),
    [
        ((480, 640), (640, 640), (1.0, 1.0), (0, 80)),
        ((100, 200), (64, 64), (0.32, 0.32), (0, 16)),
        ((4000, 300), (640, 640), (0.16, 0.16), (296, 0)),
        ((1, 1), (64, 64), (64.0, 64.0), (0, 0)),
    ],
)
def test_fit_values(
    orig_shape: tuple[int, int],
    input_shape: tuple[int, int],
    scale: tuple[float, float],
    pad: tuple[int, int],
) -> None:
    t = LetterboxTransform.fit(orig_shape, input_shape)
    assert t.scale == pytest.approx(scale)
    assert t.pad == pad


def test_to_original_clips_to_the_image() -> None:
    t = LetterboxTransform.fit((480, 640), (640, 640))  # pad top 80
    boxes = np.array([[-10, 0, 700, 100], [10, 90, 20, 700]], np.float32)
    np.testing.assert_allclose(t.to_original(boxes), [[0, 0, 640, 20], [10, 10, 20, 480]])
    np.testing.assert_allclose(t.to_original(boxes, clip=False)[0], [-10, -80, 700, 20])


def test_fit_rejects_empty_sizes() -> None:
    with pytest.raises(ValueError, match="sizes must be positive"):
        LetterboxTransform.fit((0, 10), (64, 64))


def test_blob_is_rgb_chw_in_unit_range() -> None:
    blue = np.zeros((32, 64, 3), np.uint8)
    blue[..., 0] = 255  # BGR blue
    blob, t = preprocess(blue, (64, 64))
    assert blob.shape == (3, 64, 64) and blob.dtype == np.float32
    top = t.pad[1]
    np.testing.assert_allclose(blob[:, top + 1, 5], [0.0, 0.0, 1.0])  # RGB: blue last
    np.testing.assert_allclose(blob[:, 0, 0], [114 / 255] * 3, rtol=1e-6)


def test_batch_of_mixed_sizes() -> None:
    images = [np.zeros((*shape, 3), np.uint8) for shape in [(480, 640), (4000, 300), (1, 1)]]
    blob, transforms = preprocess_batch(images, (320, 320))
    assert blob.shape == (3, 3, 320, 320)
    assert [t.orig_shape for t in transforms] == [(480, 640), (4000, 300), (1, 1)]
    assert blob.min() >= 0.0 and blob.max() <= 1.0


@pytest.mark.train
@pytest.mark.parametrize("orig_shape", SHAPES)
def test_matches_ultralytics_letterbox(
    orig_shape: tuple[int, int], ultralytics_sandbox: ModuleType
) -> None:
    from ultralytics.data.augment import LetterBox

    image = np.random.default_rng(1).integers(0, 256, (*orig_shape, 3), dtype=np.uint8)
    for input_shape in INPUTS:
        expected = LetterBox(input_shape, auto=False, stride=32)(image=image)
        ours, _ = letterbox(image, input_shape)
        np.testing.assert_array_equal(ours, expected)
        # rect mode, as ultralytics feeds .pt and dynamic-shape models
        expected = LetterBox(input_shape, auto=True, stride=32)(image=image)
        ours, transform = letterbox(image, input_shape, stride=32)
        np.testing.assert_array_equal(ours, expected)
        assert transform.input_shape == expected.shape[:2]


def test_rect_batch_needs_one_shape() -> None:
    images = [np.zeros((480, 640, 3), np.uint8), np.zeros((640, 480, 3), np.uint8)]
    with pytest.raises(ValueError, match="one shape per batch"):
        preprocess_batch(images, (320, 320), stride=32)
    blob, transforms = preprocess_batch(images[:1] * 2, (320, 320), stride=32)
    assert blob.shape == (2, 3, 256, 320)
    box = np.array([[0, 0, 640, 480]], np.float32)
    np.testing.assert_allclose(transforms[0].to_original(transforms[0].to_input(box)), box)
