"""A pushed JPEG much larger than the model needs is decoded at a fraction of its size;
everything the service answers and keeps stays in the camera's full-size pixels, and the
evidence is the full frame."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from detector.frame import ScaledFrame
from tests.serve.markers import street
from tests.serve.service import CAR, PUSH_CAMERA, T0, cases, service, verify_evidence, write_config

K = 4  # the camera's frames are 4x the marker model's 640x480 input: decoded at 1/4


def scaled(points: list[list[int]]) -> list[list[int]]:
    return [[x * K, y * K] for x, y in points]


def big_camera() -> dict[str, Any]:
    camera = copy.deepcopy(PUSH_CAMERA)
    for zone in camera["zones"]:
        zone["polygon"] = scaled(zone["polygon"])
    return camera


def jpeg(t: int) -> bytes:
    car = tuple(v * K for v in CAR)
    frame = street([("car", car)], size=(640 * K, 480 * K), seed=t)
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return buf.tobytes()


def test_a_large_jpeg_is_decoded_small_and_answered_in_full_size_pixels(tmp_path: Path) -> None:
    config = write_config(tmp_path / "cameras.yaml", [big_camera()])
    with service(tmp_path, config) as client:
        answers = []
        for t in range(0, 331, 30):
            r = client.post(
                "/v1/cameras/cam-01/frames",
                files={"image": ("f.jpg", jpeg(t), "image/jpeg")},
                data={"timestamp": (T0 + dt.timedelta(seconds=t)).isoformat()},
            )
            assert r.status_code == 200, r.text
            answers.append(r.json())
        [case] = cases(client)
        verify_evidence(client, case)
        original = next(e for e in case["evidence"] if e["kind"] == "original")
    first = answers[0]
    assert first["image"] == {"width": 640 * K, "height": 480 * K}
    [car] = first["detections"]
    assert car["box"] == pytest.approx([v * K for v in CAR], abs=2 * K)
    assert case["violation"] == "illegal_parking" and case["zone_id"] == "np1"
    assert case["box"] == pytest.approx([v * K for v in CAR], abs=2 * K)
    assert (original["width"], original["height"]) == (640 * K, 480 * K)


@pytest.mark.parametrize(
    ("size", "min_long_side", "decoded"),
    [
        ((1280, 720), 384, (640, 360)),
        ((1280, 720), 640, (640, 360)),
        ((1280, 720), 641, (1280, 720)),
        ((2560, 1440), 320, (320, 180)),
        ((300, 200), 384, (300, 200)),
    ],
)
def test_the_reduction_keeps_the_long_side_the_model_needs(
    size: tuple[int, int], min_long_side: int, decoded: tuple[int, int]
) -> None:
    image = np.full((size[1], size[0], 3), 128, np.uint8)
    data = cv2.imencode(".jpg", image)[1].tobytes()
    frame = ScaledFrame.decode(data, min_long_side=min_long_side)
    assert (frame.image.shape[1], frame.image.shape[0]) == decoded
    assert frame.size == size and frame.scale == size[0] / decoded[0]
    assert frame.full().shape == (size[1], size[0], 3)
    assert frame.jpeg is data  # kept as the camera sent it: evidence needs no re-encode


def test_a_png_is_decoded_whole() -> None:
    data = cv2.imencode(".png", np.zeros((720, 1280, 3), np.uint8))[1].tobytes()
    frame = ScaledFrame.decode(data, min_long_side=320)
    assert frame.scale == 1.0 and frame.image.shape == (720, 1280, 3)
    assert frame.jpeg is None  # evidence from it is encoded


def test_a_turned_jpeg_keeps_no_source_bytes() -> None:
    # EXIF orientation 6 (turn 90 degrees): the upright frame is not the bytes' picture
    data = cv2.imencode(".jpg", np.full((480, 640, 3), 90, np.uint8))[1].tobytes()
    exif = (
        b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x01\x00"
        b"\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00"
    )
    app1 = b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif
    turned = data[:2] + app1 + data[2:]
    frame = ScaledFrame.decode(turned, min_long_side=320)
    assert frame.size == (480, 640) and frame.jpeg is None


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image at all", b"\xff\xd8\xff\xe0" + b"\x00" * 40],
    ids=["empty", "text", "truncated-jpeg"],
)
def test_a_frame_that_is_no_image_is_a_422_naming_the_field(tmp_path: Path, data: bytes) -> None:
    with service(tmp_path) as client:
        r = client.post(
            "/v1/cameras/cam-01/frames",
            files={"image": ("f.jpg", data, "image/jpeg")},
            data={"timestamp": T0.isoformat()},
        )
        assert r.status_code == 422, r.text
        assert "field 'image'" in r.json()["detail"]
        assert cases(client) == []
