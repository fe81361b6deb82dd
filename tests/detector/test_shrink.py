"""One downscale per frame, shared by the motion gate and the scene baseline (issue 12)."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from detector.frame import ScaledFrame
from detector.image import shrink
from detector.motion import MotionGate


def noise(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


@pytest.mark.parametrize(
    ("shape", "width", "expected"),
    [
        ((360, 640), 320, (180, 320)),  # one halving
        ((720, 1280), 160, (90, 160)),  # three
        ((1080, 1920), 320, (180, 320)),  # two halvings (to 480x270), then the rest
        ((301, 401), 200, (150, 200)),  # odd: resized at once
        ((240, 320), 320, (240, 320)),  # already that wide
        ((120, 160), 320, (120, 160)),  # narrower: as it is, never scaled up
    ],
)
def test_shrink_sizes(shape: tuple[int, int], width: int, expected: tuple[int, int]) -> None:
    small = shrink(noise(*shape), width)
    assert small.shape == (*expected, 3) and small.dtype == np.uint8


def test_shrink_by_halvings_is_the_area_mean_of_one_resize() -> None:
    image = noise(720, 1280)
    direct = cv2.resize(image, (160, 90), interpolation=cv2.INTER_AREA)
    # 8x8 means computed in three 2x2 steps round three times: within 1 grey level
    assert np.abs(shrink(image, 160).astype(int) - direct).max() <= 1


def test_shrink_rejects_a_width_below_one_pixel() -> None:
    with pytest.raises(ValueError, match="width must be at least 1"):
        shrink(noise(10, 10), 0)


def test_a_frame_is_shrunk_once_for_all_who_ask() -> None:
    frame = ScaledFrame.of(noise(360, 640))
    first = frame.shrunk(320)
    assert frame.shrunk(320) is first
    assert frame.shrunk(160).shape == (90, 160, 3)


def test_the_gate_decides_alike_on_the_shared_downscale_and_on_the_frame() -> None:
    """The pipeline hands the gate the scene baseline's 320 px frame: its verdicts must be
    those it gives on the decoded frame itself."""
    rng = np.random.default_rng(3)
    street = np.clip(rng.normal(110, 25, (360, 640, 3)), 0, 255).astype(np.uint8)
    on_frame, on_shared = MotionGate(), MotionGate()
    for t in range(12):
        frame = street.copy()
        if t in (4, 5, 9):  # a passer-by
            x = 60 * t
            frame[150:300, x : x + 40] = (30, 40, 200)
        frame = np.clip(frame + rng.normal(0, 2, frame.shape), 0, 255).astype(np.uint8)
        a = on_frame.check(frame, float(t))
        b = on_shared.check(ScaledFrame.of(frame).shrunk(320), float(t))
        assert (a.run, a.reason) == (b.run, b.reason), t
        assert abs(a.changed - b.changed) < 0.002


def enlarged(image: np.ndarray) -> Callable[[], np.ndarray]:
    return lambda: np.asarray(cv2.resize(image, (1280, 720)), np.uint8)


def test_the_scene_baseline_sees_the_same_on_a_shrunk_frame() -> None:
    """Given the pipeline's shared 320 px frame (with the full size), the baseline learns
    and reports exactly what it does when it scales the decoded frame itself."""
    from detector.scene.baseline import SceneBaseline
    from detector.scene.config import SceneConfig
    from detector.zones import Zone

    walk = Zone(id="walk", type="sidewalk", polygon=((0, 360), (1280, 360), (1280, 720), (0, 720)))
    config = SceneConfig(warmup_frames=3, static_s=2.0)
    whole, shrunk = SceneBaseline([walk], config), SceneBaseline([walk], config)
    rng = np.random.default_rng(5)
    street = np.clip(rng.normal(110, 20, (360, 640, 3)), 0, 255).astype(np.uint8)
    seen: list[list[tuple[str, tuple[float, ...]]]] = [[], []]
    for t in range(12):
        image = np.clip(street + rng.normal(0, 2, street.shape), 0, 255).astype(np.uint8)
        if t >= 5:  # a crate is put down
            image[250:320, 300:360] = (60, 90, 140)
        frame = ScaledFrame(image, (1280, 720), full=enlarged(image))
        for i, (base, pixels) in enumerate(((whole, image), (shrunk, frame.shrunk(320)))):
            events = base.update(pixels, float(t), full_size=frame.size)
            seen[i] += [(e.kind, e.box) for e in events]
    assert seen[0] == seen[1] and any(kind == "started" for kind, _ in seen[0])
    np.testing.assert_array_equal(whole.background(), shrunk.background())
