from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from serve.app import create_app
from serve.config.settings import Settings
from tests.serve.service import ADMIN_HEADERS, ADMIN_TOKEN


@pytest.fixture
def client(registry: Path, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        model=registry / "current",
        data_dir=tmp_path / "data",
        demo=False,
        max_upload_bytes=200_000,
        admin_token=ADMIN_TOKEN,
    )
    with TestClient(create_app(settings), headers=ADMIN_HEADERS) as c:
        yield c


def jpeg(w: int, h: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", np.full((h, w, 3), 100, np.uint8))
    assert ok
    return buf.tobytes()


def test_healthz_names_the_model(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body == {
        "status": "ok",
        "model": {"name": "tiny", "version": "1.0"},
        "cameras": {"total": 0, "connected": 0},
    }


def test_detect_returns_boxes_in_image_pixels(client: TestClient) -> None:
    # a 128 x 64 image letterboxes into 64 x 64 at scale 0.5 with 16 px of padding top and bottom
    response = client.post("/v1/detect", files={"image": ("a.jpg", jpeg(128, 64), "image/jpeg")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["image"] == {"width": 128, "height": 64}
    assert body["model"] == {"name": "tiny", "version": "1.0"}
    by_label = {d["label"]: d for d in body["detections"]}
    assert set(by_label) == {"car", "stall"}
    assert by_label["car"]["box"] == pytest.approx([24.0, 0.0, 56.0, 24.0], abs=0.2)
    assert by_label["car"]["confidence"] == pytest.approx(0.9, abs=1e-3)


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        (b"", 422, "empty"),
        (b"GIF89a not really", 422, "not a decodable image"),
        (b"\xff" * 210_000, 413, "larger than the limit of 200000 bytes"),
    ],
    ids=["empty", "garbage", "too-large"],
)
def test_bad_uploads_are_4xx_with_a_reason(
    client: TestClient, payload: bytes, status: int, message: str
) -> None:
    response = client.post("/v1/detect", files={"image": ("x.jpg", payload, "image/jpeg")})
    assert response.status_code == status
    assert message in response.json()["detail"]


def test_missing_image_field_is_422(client: TestClient) -> None:
    response = client.post("/v1/detect", data={"picture": "x"})
    assert response.status_code == 422
    assert "image" in str(response.json()["detail"])


def test_openapi_documents_detect(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/v1/detect" in paths and "/healthz" in paths


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "- {id: cam-01, colour: red}",
            "cameras[0] (cam-01).colour: Extra inputs are not permitted",
        ),
        (
            "- {id: cam-01, zones: [{id: z, type: sidewalk, polygon: [[0, 0], [5, 5]]}]}",
            "cameras[0] (cam-01).zones[0].polygon",
        ),
        ("- {id: cam-01, zones: [{id: z, type: pavement, polygon: []}]}", "zones[0].type"),
        ("- {id: cam-01, source: {kind: rtsp, url: 'http://x'}}", "source.rtsp.url"),
        ("- {id: cam-01}\n- {id: cam-01}", "duplicate camera ids: ['cam-01']"),
        ("cameras: {id: 1", "not valid YAML"),
        ("just text", "expected a list of cameras"),
    ],
)
def test_a_bad_cameras_file_fails_at_start_naming_file_and_field(
    registry: Path, tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "cameras.yaml"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        create_app(Settings(model=registry / "current", config=path, data_dir=tmp_path))
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_a_missing_cameras_file_is_a_clear_error(registry: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read cameras file"):
        create_app(Settings(model=registry / "current", config=tmp_path / "nope.yaml"))


def test_the_example_cameras_file_is_valid() -> None:
    from serve.config.cameras import load_cameras

    path = Path(__file__).parents[2] / "serve" / "config" / "cameras.example.yaml"
    cameras = {c.id: c for c in load_cameras(path)}
    assert set(cameras) == {"cam-01", "gateway-07", "replay"}
    assert cameras["cam-01"].rules.illegal_parking is not None
    replay = cameras["replay"].source
    assert replay.kind == "file" and replay.path == path.parent / "clips" / "street.mp4"


def test_the_runtime_and_its_precision_are_settings(reference_model: Path) -> None:
    pytest.importorskip("openvino")
    from serve.config.settings import Settings
    from serve.models import load_detector

    detector = load_detector(Settings(model=reference_model, backend="openvino", precision="bf16"))
    assert detector.backend.name == "openvino"
    with pytest.raises(ValueError, match="applies to the openvino backend, not onnxruntime"):
        load_detector(Settings(model=reference_model, precision="bf16"))
