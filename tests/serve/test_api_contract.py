"""Every route's contract: shapes, status codes, and errors that say what was wrong."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.serve.markers import png, street
from tests.serve.service import CAR, PUSH_CAMERA, T0, cases, push, service


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with service(tmp_path, max_upload_bytes=2_000_000) as c:
        yield c


def frame_post(
    client: TestClient, camera: str = "cam-01", image: bytes | None = None, timestamp: Any = None
) -> Any:
    data = {} if timestamp is None else {"timestamp": str(timestamp)}
    payload = png(street([])) if image is None else image
    return client.post(
        f"/v1/cameras/{camera}/frames",
        files={"image": ("f.png", payload, "image/png")},
        data=data,
    )


def test_healthz_and_metrics(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["model"] == {"name": "markers", "version": "1.0"}
    assert body["cameras"] == {"total": 1, "connected": 0}
    push(client, 0, [("car", CAR)])
    push(client, 1, [("car", CAR)])
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert 'streetwatch_frames_in_total{camera="cam-01"} 2.0' in text
    assert "streetwatch_inference_seconds_bucket" in text
    assert "streetwatch_cases_opened_total" in text or "streetwatch_cases_opened" in text


def test_metrics_name_the_model_and_its_runtime(client: TestClient) -> None:
    text = client.get("/metrics").text
    assert 'streetwatch_model_info{name="markers",runtime="markers",version="1.0"} 1.0' in text


def test_camera_crud(client: TestClient) -> None:
    assert client.get("/v1/cameras").json()["count"] == 1
    new = copy.deepcopy(PUSH_CAMERA) | {"id": "cam-02", "zones": []}
    r = client.post("/v1/cameras", json=new)
    assert r.status_code == 201, r.text
    assert client.post("/v1/cameras", json=new).status_code == 409
    assert client.get("/v1/cameras/cam-02").json()["name"] == "香港中路口"
    changed = new | {"name": "新名字", "sample_fps": 2}
    r = client.put("/v1/cameras/cam-02", json=changed)
    assert r.status_code == 200 and r.json()["sample_fps"] == 2
    assert client.get("/v1/cameras/cam-02").json()["name"] == "新名字"
    health = client.get("/v1/cameras/cam-02/health").json()
    assert health["camera_id"] == "cam-02" and health["frames_in"] == 0
    assert client.delete("/v1/cameras/cam-02").status_code == 204
    assert client.get("/v1/cameras/cam-02").status_code == 404
    assert client.get("/v1/cameras").json()["count"] == 1


def test_a_pushed_frame_updates_camera_health(client: TestClient) -> None:
    push(client, 0, [("car", CAR)])
    health = client.get("/v1/cameras/cam-01/health").json()
    assert health["frames_in"] == 1 and health["frames_processed"] == 1
    assert health["last_frame_at"] is not None


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "message"),
    [
        ("get", "/v1/cameras/nope", None, 404, "no camera with id 'nope'"),
        ("put", "/v1/cameras/nope", PUSH_CAMERA | {"id": "nope"}, 404, "no camera"),
        ("delete", "/v1/cameras/nope", None, 404, "no camera"),
        ("get", "/v1/cameras/nope/health", None, 404, "no camera"),
        ("put", "/v1/cameras/cam-01", PUSH_CAMERA | {"id": "other"}, 422, "does not match"),
        ("post", "/v1/cameras", PUSH_CAMERA | {"id": "x", "colour": 1}, 422, "colour"),
        (
            "post",
            "/v1/cameras",
            PUSH_CAMERA
            | {"id": "x", "zones": [{"id": "z", "type": "sidewalk", "polygon": [[0, 0]]}]},
            422,
            "at least 3 points",
        ),
        (
            "post",
            "/v1/cameras",
            PUSH_CAMERA | {"id": "x", "rules": {"parking": {}}},
            422,
            "parking",
        ),
        ("get", "/v1/cases/999", None, 404, "no case with id 999"),
        ("get", "/v1/cases/999/evidence/0", None, 404, "no case with id 999"),
        ("get", "/v1/cases?violation=speeding", None, 422, "unknown violation 'speeding'"),
        ("get", "/v1/cases?since=2026-11-23T10:00:00", None, 422, "UTC offset"),
        ("get", "/v1/cases?limit=0", None, 422, "limit"),
    ],
)
def test_errors_say_what_was_wrong(
    client: TestClient, method: str, url: str, body: Any, status: int, message: str
) -> None:
    kwargs = {} if body is None else {"json": body}
    r = getattr(client, method)(url, **kwargs)
    assert r.status_code == status, r.text
    assert message in r.text


@pytest.mark.parametrize(
    ("image", "timestamp", "status", "message"),
    [
        (b"", None, 422, "empty"),
        (b"GIF89a not really an image", None, 422, "not a decodable image"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 50, None, 422, "image"),
        (b"x" * 2_000_100, None, 413, "larger than"),
        (None, "yesterday", 422, "neither ISO-8601"),
        (None, "1e300", 422, "out of range"),
    ],
)
def test_bad_frames_are_4xx_never_500(
    client: TestClient, image: bytes | None, timestamp: str | None, status: int, message: str
) -> None:
    r = frame_post(client, image=image, timestamp=timestamp)
    assert r.status_code == status, r.text
    assert message in r.text


def test_frame_timestamps(client: TestClient) -> None:
    epoch = (T0 + dt.timedelta(seconds=5)).timestamp()
    r = frame_post(client, timestamp=epoch)
    assert r.status_code == 200 and r.json()["timestamp"] == "2026-11-23T10:00:05+08:00"
    r = frame_post(client, timestamp="2026-11-23T10:00:06")  # camera-local without offset
    assert r.status_code == 200 and r.json()["timestamp"] == "2026-11-23T10:00:06+08:00"
    r = frame_post(client, timestamp=(T0 + dt.timedelta(seconds=1)).isoformat())
    assert r.status_code == 409 and "older than camera cam-01's last frame" in r.text


def test_frames_only_for_push_cameras_that_exist(client: TestClient) -> None:
    assert frame_post(client, camera="nope").status_code == 404
    rtsp = PUSH_CAMERA | {
        "id": "cam-rtsp",
        "source": {"kind": "rtsp", "url": "rtsp://127.0.0.1:9/x"},
    }
    assert client.post("/v1/cameras", json=rtsp).status_code == 201
    r = frame_post(client, camera="cam-rtsp")
    assert r.status_code == 409 and "pulled from its rtsp source" in r.text
    client.delete("/v1/cameras/cam-rtsp")


def test_frame_response_shape(client: TestClient) -> None:
    body = push(client, 0, [("car", CAR)])
    assert body["camera_id"] == "cam-01" and body["inferred"] is True
    assert body["image"] == {"width": 640, "height": 480}
    [det] = body["detections"]
    assert det["label"] == "car" and det["box"] == pytest.approx([200, 350, 301, 441], abs=1)
    [v] = body["violations"]
    assert v["state"] == "started" and v["violation"] == "illegal_parking"
    assert v["zone_id"] == "np1" and v["case_id"] is None


def test_case_list_filters_and_paging(client: TestClient) -> None:
    stall = (300.0, 210.0, 380.0, 280.0)
    for t in range(0, 400, 10):
        flyer = [("flyer", (500.0, 60.0, 530.0, 100.0))] if t >= 150 else []
        push(client, t, [("car", CAR), ("stall", stall), *flyer])
    assert len(cases(client)) == 3
    assert [c["violation"] for c in cases(client, violation="illegal_parking")] == [
        "illegal_parking"
    ]
    assert cases(client, camera_id="other") == []
    assert len(cases(client, status="draft")) == 3
    page = client.get("/v1/cases", params={"limit": 1, "offset": 1}).json()
    assert page["count"] == 3 and len(page["data"]) == 1
    late = (T0 + dt.timedelta(seconds=100)).isoformat()
    assert [c["violation"] for c in cases(client, since=late)] == ["illegal_ad"]
    case = cases(client)[0]
    n = len(case["evidence"])
    r = client.get(f"/v1/cases/{case['id']}/evidence/{n}")
    assert r.status_code == 404 and f"has {n} evidence files" in r.text
    r = client.get(case["evidence"][0]["url"])
    assert r.headers["content-type"] == "image/jpeg"
    assert client.get(f"/v1/cases/{case['id']}").json() == case


def test_openapi_documents_every_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in [
        "/healthz",
        "/metrics",
        "/v1/detect",
        "/v1/cameras",
        "/v1/cameras/{camera_id}",
        "/v1/cameras/{camera_id}/health",
        "/v1/cameras/{camera_id}/frames",
        "/v1/cases",
        "/v1/cases/{case_id}",
        "/v1/cases/{case_id}/evidence/{n}",
    ]:
        assert path in paths, path


def test_taxonomy_lists_classes_and_violations_with_codes_and_rule_defaults(
    client: TestClient,
) -> None:
    body = client.get("/v1/taxonomy").json()
    classes = {c["name"]: c for c in body["classes"]}
    assert classes["car"] == {"id": 0, "name": "car", "zh": "小汽车", "group": "vehicle"}
    assert [c["id"] for c in body["classes"]] == list(range(len(body["classes"])))
    assert "no_parking" in body["zone_types"]
    violations = {v["key"]: v for v in body["violations"]}
    parking = violations["illegal_parking"]
    assert parking["zh"] == "机动车违停" and parking["platform_code"]
    assert parking["classes"] == ["car", "bus", "truck"]
    assert parking["zones"]["inside"] == ["no_parking"]
    assert parking["rule"]["dwell_s"] == 300.0
    assert violations["illegal_ad"]["zones"]["by_class"]["flyer"]["outside"] == ["ad_permitted"]
    near = violations["bagged_garbage"]["near"]["garbage_bag"]
    assert near == {"classes": ["garbage_bin"], "within": 1.5, "away": False}
    assert body["unseen_by_model"] == []  # the marker detector sees every class
