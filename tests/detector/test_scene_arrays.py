"""The scene baseline's array helpers match the numpy they replace (issue 12: a scene look's
cost), and its half-size colour comparison sits where the full-size one did."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from detector.scene.arrays import (
    SUM,
    add_where,
    channel_medians,
    chromaticity,
    f32,
    medians,
    soft_chroma,
)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 999, 3600])
def test_medians_are_numpys(n: int) -> None:
    rng = np.random.default_rng(n)
    values = rng.uniform(-3, 3, (2, n))
    np.testing.assert_array_equal(medians(values), np.median(values, axis=-1))
    rows = rng.uniform(0, 5, (n, 3)).astype(np.float32)
    np.testing.assert_allclose(channel_medians(rows), np.median(rows, axis=0), rtol=1e-6)


def test_medians_of_times_with_infinity() -> None:
    since = np.array([5.0, np.inf, 7.0, np.inf])
    assert medians(since) == np.median(since) == np.inf


def test_add_where_adds_only_under_the_mask() -> None:
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 10, (48, 64)).astype(np.float32)
    mask = rng.uniform(size=(48, 64)) > 0.5
    expected = image.copy()
    expected[mask] -= np.float32(2.5)
    add_where(image, -2.5, mask)
    np.testing.assert_allclose(image, expected, rtol=1e-6)


def test_soft_chroma_finds_a_colour_change_where_the_full_size_blur_does() -> None:
    """A brown crate on grey paving: the change map at half size, scaled back up, crosses
    the scene's threshold on the same pixels (give or take its edge), not shifted."""
    ground = np.full((240, 320, 3), 110, np.float32)
    frame = ground.copy()
    cv2.rectangle(frame, (150, 110), (180, 142), (60, 90, 140), -1)

    def full(image: np.ndarray) -> np.ndarray:
        return chromaticity(f32(cv2.GaussianBlur(image, (0, 0), 1.5)))

    before = cv2.transform(cv2.absdiff(full(frame), full(ground)), SUM) > 0.08
    half = cv2.transform(cv2.absdiff(soft_chroma(frame), soft_chroma(ground)), SUM)
    after = cv2.resize(half, (320, 240), interpolation=cv2.INTER_LINEAR) > 0.08
    ys, xs = np.nonzero(before)
    ys2, xs2 = np.nonzero(after)
    for a, b in ((xs.min(), xs2.min()), (xs.max(), xs2.max()), (ys.min(), ys2.min())):
        assert abs(int(a) - int(b)) <= 1
    assert abs(int(ys.max()) - int(ys2.max())) <= 1
    assert np.count_nonzero(before ^ after) <= 0.05 * np.count_nonzero(before)
