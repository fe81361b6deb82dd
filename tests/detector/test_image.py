from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from detector import ImageDecodeError, decode_image, load_image
from detector.image import as_bgr

DoesNotRaise = nullcontext


def encode(image: np.ndarray, ext: str = ".png") -> bytes:
    ok, buf = cv2.imencode(ext, image)
    assert ok
    return buf.tobytes()


def test_decode_png_round_trips_pixels() -> None:
    image = np.random.default_rng(0).integers(0, 256, (7, 11, 3), dtype=np.uint8)
    decoded = decode_image(encode(image))
    assert decoded.dtype == np.uint8
    np.testing.assert_array_equal(decoded, image)


@pytest.mark.parametrize(
    ("image", "expected_bgr"),
    [
        (np.full((4, 5), 200, np.uint8), (200, 200, 200)),  # grey PNG
        (np.full((4, 5, 4), (10, 20, 30, 0), np.uint8), (10, 20, 30)),  # BGRA PNG, alpha 0
        (np.full((4, 5, 3), (10, 20, 30), np.uint8), (10, 20, 30)),
    ],
)
def test_decode_any_png_to_bgr(image: np.ndarray, expected_bgr: tuple[int, int, int]) -> None:
    decoded = decode_image(encode(image))
    assert decoded.shape == (4, 5, 3)
    assert tuple(decoded[0, 0]) == expected_bgr


def test_decode_jpeg() -> None:
    decoded = decode_image(encode(np.full((16, 24, 3), 128, np.uint8), ".jpg"))
    assert decoded.shape == (16, 24, 3)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", r"empty bytes \(0 bytes received\)"),
        (b"hello world", r"11 bytes are not a decodable image .*68 65 6c 6c 6f"),
        (b"<!DOCTYPE html><html>", r"21 bytes .*looks like HTML"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, r"28 bytes .*looks like PNG"),  # truncated PNG
        (b"\xff\xd8\xff\xe0" + b"\x00" * 10, r"14 bytes .*looks like JPEG"),  # truncated JPEG
    ],
)
def test_decode_rejects_non_images(data: bytes, match: str) -> None:
    with pytest.raises(ImageDecodeError, match=match):
        decode_image(data)


def test_decode_rejects_non_bytes() -> None:
    with pytest.raises(ImageDecodeError, match="expected image bytes, got str"):
        decode_image("street.jpg")  # type: ignore[arg-type]


def test_load_image(tmp_path: Path) -> None:
    path = tmp_path / "frame.png"
    path.write_bytes(encode(np.zeros((3, 4, 3), np.uint8)))
    assert load_image(path).shape == (3, 4, 3)


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("missing.jpg", None, "image file not found: .*missing.jpg"),
        ("folder", "dir", "image path is not a file: .*folder"),
        ("notes.jpg", b"not an image", r"notes.jpg: 12 bytes are not a decodable image"),
        ("empty.jpg", b"", r"empty.jpg: cannot decode an image from empty bytes"),
    ],
)
def test_load_image_errors(tmp_path: Path, name: str, content: Any, match: str) -> None:
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(ImageDecodeError, match=match):
        load_image(path)


@pytest.mark.parametrize(
    ("array", "expectation", "shape"),
    [
        (np.zeros((5, 6), np.uint8), DoesNotRaise(), (5, 6, 3)),
        (np.zeros((5, 6, 1), np.uint8), DoesNotRaise(), (5, 6, 3)),
        (np.zeros((5, 6, 3), np.uint8), DoesNotRaise(), (5, 6, 3)),
        (np.zeros((5, 6, 4), np.uint8), DoesNotRaise(), (5, 6, 3)),
        (
            np.zeros((5, 6, 2), np.uint8),
            pytest.raises(ImageDecodeError, match=r"got 2 channels, shape \(5, 6, 2\)"),
            None,
        ),
        (
            np.zeros((5, 6, 5), np.uint8),
            pytest.raises(ImageDecodeError, match=r"got 5 channels"),
            None,
        ),
        (
            np.zeros((5, 6, 3), np.float32),
            pytest.raises(ImageDecodeError, match=r"expected a uint8 image .*got dtype float32"),
            None,
        ),
        (
            np.zeros((5, 6, 3), np.uint16),
            pytest.raises(ImageDecodeError, match="got dtype uint16"),
            None,
        ),
        (
            np.zeros((0, 6, 3), np.uint8),
            pytest.raises(ImageDecodeError, match=r"zero size: shape \(0, 6, 3\)"),
            None,
        ),
        (
            np.zeros((4, 0), np.uint8),
            pytest.raises(ImageDecodeError, match=r"zero size: shape \(4, 0\)"),
            None,
        ),
        (
            np.zeros((2, 5, 6, 3), np.uint8),
            pytest.raises(ImageDecodeError, match=r"got 4 dimensions \(2, 5, 6, 3\)"),
            None,
        ),
        (
            [[0, 0], [0, 0]],
            pytest.raises(ImageDecodeError, match="expected a numpy array image, got list"),
            None,
        ),
    ],
)
def test_as_bgr(
    array: Any, expectation: AbstractContextManager[Any], shape: tuple[int, ...] | None
) -> None:
    with expectation:
        result = as_bgr(array)
        assert result.shape == shape
        assert result.dtype == np.uint8
        assert result.flags.c_contiguous


def test_as_bgr_keeps_colour_and_drops_alpha() -> None:
    bgra = np.zeros((2, 2, 4), np.uint8)
    bgra[..., :] = (1, 2, 3, 255)
    np.testing.assert_array_equal(as_bgr(bgra)[0, 0], [1, 2, 3])
    grey = np.array([[7]], np.uint8)
    np.testing.assert_array_equal(as_bgr(grey)[0, 0], [7, 7, 7])
