from __future__ import annotations

import cv2
import numpy as np
import pytest

from detector.image import Image
from serve.evidence.render import JpegEncodeError, crop, encode_jpeg
from tests.serve.evidence.factories import gray

Box = tuple[float, float, float, float]


def marked(box: Box) -> Image:
    """A 480x640 gray frame with the box area painted blue."""
    image = gray()
    x1, y1, x2, y2 = (round(v) for v in box)
    image[max(y1, 0) : max(y2, 0), max(x1, 0) : max(x2, 0)] = (255, 0, 0)
    return image


@pytest.mark.parametrize(
    ("box", "shape"),
    [
        ((100, 100, 300, 200), (150, 300)),  # 25 % context on each side
        ((0, 0, 200, 150), (188, 250)),  # at the top-left border: clipped there
        ((540, 380, 640, 480), (125, 125)),  # at the bottom-right border
        ((600, 100, 700, 300), (300, 75)),  # partly outside: the inside part, 4:1 at most
    ],
    ids=["middle", "top-left-border", "bottom-right-border", "partly-outside"],
)
def test_crop_shape(box: Box, shape: tuple[int, int]) -> None:
    out = crop(marked(box), box, min_size=1)
    assert out.shape == (*shape, 3)
    assert out.dtype == np.uint8 and out.flags.c_contiguous


@pytest.mark.parametrize(
    "box",
    [
        (100, 100, 300, 200),
        (0, 0, 200, 150),
        (310, 230, 318, 236),  # tiny: upscaled
        (320, 240, 320, 240),  # zero size: still a pixel, upscaled
        (639, 479, 640, 480),  # the last pixel
        (300, 10, 302, 470),  # thin: widened before upscaling
        (600, 100, 700, 300),
    ],
    ids=["middle", "border", "tiny", "zero-size", "last-pixel", "thin", "partly-outside"],
)
def test_crop_is_never_smaller_than_min_size(box: Box) -> None:
    out = crop(marked(box), box)
    h, w = out.shape[:2]
    assert min(h, w) >= 96
    assert max(h, w) <= 4 * min(h, w) + 1


@pytest.mark.parametrize("box", [(100, 100, 300, 200), (310, 230, 318, 236)], ids=["big", "tiny"])
def test_crop_is_centred_on_the_box(box: Box) -> None:
    out = crop(marked(box), box)
    h, w = out.shape[:2]
    assert tuple(out[h // 2, w // 2]) == (255, 0, 0)
    assert tuple(out[0, 0]) == (128, 128, 128)  # with context around it


@pytest.mark.parametrize(
    ("box", "error"),
    [
        ((700, 10, 800, 50), "outside the 640x480 image"),
        ((-80, -80, -10, -10), "outside the 640x480 image"),
        ((640, 0, 700, 50), "outside the 640x480 image"),  # touches the right border only
        ((50, 50, 10, 100), "x2 >= x1"),
        ((float("inf"), 0, 10, 10), "finite"),
        ((1, 2, 3), "4 finite numbers"),
    ],
    ids=["right-of", "above-left", "touching", "inverted", "infinite", "three-numbers"],
)
def test_crop_refuses(box: tuple[float, ...], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        crop(gray(), box)


@pytest.mark.parametrize(
    ("kwargs", "error"), [({"margin": -0.1}, "margin"), ({"min_size": 0}, "min_size")]
)
def test_crop_refuses_bad_options(kwargs: dict[str, float], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        crop(gray(), (10, 10, 50, 50), **kwargs)  # type: ignore[arg-type]


def test_crop_does_not_share_memory_with_the_input() -> None:
    image = gray()
    out = crop(image, (100, 100, 300, 200))
    out[...] = 0
    assert image.min() == 128


def test_jpeg_round_trip() -> None:
    yy, xx = np.mgrid[0:240, 0:320]
    image = np.stack([xx % 256, yy % 256, (xx + yy) % 256], axis=2).astype(np.uint8)
    data = encode_jpeg(image, quality=95)
    assert data[:3] == b"\xff\xd8\xff"
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None and decoded.shape == image.shape
    assert np.abs(decoded.astype(int) - image.astype(int)).mean() < 2.0


def test_jpeg_quality_changes_size() -> None:
    noise = np.random.default_rng(0).integers(0, 255, (240, 320, 3), np.uint8)
    image = np.asarray(cv2.GaussianBlur(noise, (0, 0), 1), np.uint8)
    assert len(encode_jpeg(image, quality=30)) < len(encode_jpeg(image, quality=95))


@pytest.mark.parametrize("quality", [0, 101, 90.0, True])
def test_jpeg_refuses_bad_quality(quality: int) -> None:
    with pytest.raises(ValueError, match="quality"):
        encode_jpeg(gray(), quality=quality)


def test_jpeg_encoder_failure_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cv2, "imencode", lambda *args: (False, None))
    with pytest.raises(JpegEncodeError, match="could not encode"):
        encode_jpeg(gray())
