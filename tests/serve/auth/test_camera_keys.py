"""Per-camera API keys: a key pushes frames to its own camera and does nothing else."""

from __future__ import annotations

import copy
from typing import Any

import cv2
import pytest
from fastapi.testclient import TestClient

from tests.serve.auth.accounts import add_user, signed_in
from tests.serve.markers import png, street
from tests.serve.service import ADMIN_HEADERS, PUSH_CAMERA, T0

FRAME = png(street([]))


def frame(client: TestClient, camera: str, headers: dict[str, str], offset_s: int = 0) -> Any:
    at = T0.replace(second=offset_s).isoformat()
    return client.post(
        f"/v1/cameras/{camera}/frames",
        files={"image": ("f.png", FRAME, "image/png")},
        data={"timestamp": at},
        headers=headers,
    )


@pytest.fixture
def key(app: TestClient) -> dict[str, Any]:
    other = copy.deepcopy(PUSH_CAMERA) | {"id": "cam-02", "zones": []}
    assert app.post("/v1/cameras", json=other, headers=ADMIN_HEADERS).status_code == 201
    r = app.post("/v1/cameras/cam-01/keys", headers=ADMIN_HEADERS)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def test_a_new_key_is_shown_once(app: TestClient, key: dict[str, Any]) -> None:
    assert key["key"].startswith("swk_") and key["prefix"] == key["key"][:12]
    assert key["camera_id"] == "cam-01" and key["created_by"] == "admin-token"
    listed = app.get("/v1/cameras/cam-01/keys", headers=ADMIN_HEADERS).json()
    assert listed["count"] == 1 and "key" not in listed["data"][0]
    assert key["key"] not in str(listed)


@pytest.mark.parametrize("how", ["X-API-Key", "Bearer"])
def test_a_key_pushes_frames_to_its_camera(app: TestClient, key: dict[str, Any], how: str) -> None:
    headers = (
        {"X-API-Key": key["key"]}
        if how == "X-API-Key"
        else {"Authorization": f"Bearer {key['key']}"}
    )
    r = frame(app, "cam-01", headers)
    assert r.status_code == 200, r.text
    r = frame(app, "cam-02", headers, 1)
    assert r.status_code == 403
    assert "belongs to camera 'cam-01', not to 'cam-02'" in r.json()["detail"]


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/v1/cases"), ("get", "/v1/cameras/cam-01"), ("post", "/v1/cameras/cam-01/keys")],
)
def test_a_key_does_nothing_else(
    app: TestClient, key: dict[str, Any], method: str, url: str
) -> None:
    r = getattr(app, method)(url, headers={"Authorization": f"Bearer {key['key']}"})
    assert r.status_code == 403 and "can only push frames" in r.json()["detail"]


def test_a_revoked_key_is_refused_at_once(app: TestClient, key: dict[str, Any]) -> None:
    assert frame(app, "cam-01", {"X-API-Key": key["key"]}).status_code == 200
    r = app.delete(f"/v1/cameras/cam-01/keys/{key['id']}", headers=ADMIN_HEADERS)
    assert r.status_code == 204
    r = frame(app, "cam-01", {"X-API-Key": key["key"]}, 1)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    listed = app.get("/v1/cameras/cam-01/keys", headers=ADMIN_HEADERS).json()["data"]
    assert listed[0]["revoked_at"] is not None


@pytest.mark.parametrize(
    "headers",
    [{"X-API-Key": "swk_made-up"}, {"X-API-Key": "anything"}, {"Authorization": "Bearer swk_x"}],
)
def test_a_wrong_key_is_401(app: TestClient, key: dict[str, Any], headers: dict[str, str]) -> None:
    assert frame(app, "cam-01", headers).status_code == 401


def test_no_credentials_say_what_a_push_needs(app: TestClient) -> None:
    small = cv2.imencode(".jpg", street([]), [cv2.IMWRITE_JPEG_QUALITY, 60])[1].tobytes()
    r = app.post("/v1/cameras/cam-01/frames", files={"image": ("f.jpg", small, "image/jpeg")})
    assert r.status_code == 401 and "needs its API key (X-API-Key" in r.json()["detail"]
    # a full frame without credentials is refused before it is read, saying the same
    r = frame(app, "cam-01", {})
    assert r.status_code == 413 and "X-API-Key" in r.json()["detail"]


def test_engineers_may_push_reviewers_may_not(app: TestClient) -> None:
    add_user(app, "eve", "engineer")
    add_user(app, "rita", "reviewer")
    assert frame(signed_in(app, "eve"), "cam-01", {}).status_code == 200
    r = frame(signed_in(app, "rita"), "cam-01", {}, 1)
    assert r.status_code == 403 and "engineer" in r.json()["detail"]


def test_keys_are_for_engineers(app: TestClient) -> None:
    add_user(app, "rita", "reviewer")
    rita = signed_in(app, "rita")
    r = rita.post("/v1/cameras/cam-01/keys")
    assert r.status_code == 403 and "needs the engineer role" in r.json()["detail"]
    add_user(app, "eve", "engineer")
    r = signed_in(app, "eve").post("/v1/cameras/cam-01/keys")
    assert r.status_code == 201 and r.json()["created_by"] == "eve"


@pytest.mark.parametrize(
    ("method", "url", "message"),
    [
        ("post", "/v1/cameras/nope/keys", "no camera with id 'nope'"),
        ("get", "/v1/cameras/nope/keys", "no camera with id 'nope'"),
        ("delete", "/v1/cameras/cam-01/keys/999", "has no API key with id 999"),
    ],
)
def test_key_errors_say_what_was_wrong(
    app: TestClient, method: str, url: str, message: str
) -> None:
    r = getattr(app, method)(url, headers=ADMIN_HEADERS)
    assert r.status_code == 404 and message in r.json()["detail"]


def test_deleting_the_camera_revokes_its_keys(app: TestClient, key: dict[str, Any]) -> None:
    assert app.delete("/v1/cameras/cam-01", headers=ADMIN_HEADERS).status_code == 204
    assert app.post("/v1/cameras", json=PUSH_CAMERA, headers=ADMIN_HEADERS).status_code == 201
    assert frame(app, "cam-01", {"X-API-Key": key["key"]}).status_code == 401
