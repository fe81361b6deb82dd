"""What the cameras see now (``/v1/live``): the latest frame, its detections, the camera's
state, health and open cases, for the camera wall and the zone editor."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import cv2
import numpy as np
import pytest

from detector.detections import Detections
from detector.frame import ScaledFrame
from serve.pipeline.glimpse import MAX_SIDE, LatestFrame
from tests.serve.service import CAR, PUSH_CAMERA, cases, push, service, write_config

QUIET = {**PUSH_CAMERA, "id": "cam-02", "name": "未推送"}
OFF = {**PUSH_CAMERA, "id": "cam-03", "enabled": False}


def test_the_latest_frame_its_detections_and_open_cases(tmp_path: Path) -> None:
    config = write_config(tmp_path / "cameras.yaml", [PUSH_CAMERA, QUIET, OFF])
    with service(tmp_path, config) as client:
        for t in range(0, 310, 10):
            push(client, t, [("car", CAR)])
        [case] = cases(client)
        r = client.get("/v1/live")
        assert r.status_code == 200, r.text
        by_id = {c["id"]: c for c in r.json()["data"]}
        assert set(by_id) == {"cam-01", "cam-02", "cam-03"}
        cam = by_id["cam-01"]
        assert cam["state"] == "live" and cam["name"] == "香港中路口"
        assert cam["open_cases"] == {"draft": 1}
        assert [z["id"] for z in cam["zones"]] == ["np1", "walk"]
        frame = cam["frame"]
        assert (frame["width"], frame["height"]) == (640, 480)
        assert frame["at"].startswith("2026-11-23T02:05:00")  # the last frame's time
        assert 0 <= frame["age_s"] < 30
        [seen] = frame["detections"]
        assert seen["label"] == "car"
        assert seen["box"] == pytest.approx([*CAR], abs=1.5)
        assert seen["track_id"] is not None
        assert cam["health"]["frames_in"] == 31 and "source_url" not in cam["health"]
        assert by_id["cam-02"]["state"] == "waiting" and by_id["cam-02"]["frame"] is None
        assert by_id["cam-03"]["state"] == "stopped"

        r = client.get(frame["url"])
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
        assert r.headers["x-frame-at"] == frame["at"] and r.headers["cache-control"] == "no-store"
        image = cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_COLOR)
        assert image.shape[:2] == (480, 640)

        assert client.get("/v1/live/cam-01").json()["open_cases"] == {"draft": 1}
        client.post(f"/v1/cases/{case['id']}/review", json={"decision": "confirm"})
        assert client.get("/v1/live/cam-01").json()["open_cases"] == {"confirmed": 1}
        r = client.get("/v1/live/cam-02/frame.jpg")
        assert r.status_code == 404 and "sent no frame yet" in r.json()["detail"]
        assert client.get("/v1/live/nope").status_code == 404
        assert client.get("/v1/live/nope/frame.jpg").status_code == 404


def test_an_empty_street_frame_has_no_detections(tmp_path: Path) -> None:
    with service(tmp_path) as client:
        push(client, 0, [("car", CAR)])
        push(client, 10, [])
        frame = client.get("/v1/live/cam-01").json()["frame"]
        assert frame["at"].startswith("2026-11-23T02:00:10") and frame["detections"] == []


def test_a_large_frame_is_served_at_most_max_side() -> None:
    latest = LatestFrame()
    assert latest.glimpse() is None and latest.jpeg() is None
    big = np.full((1440, 2560, 3), 128, np.uint8)
    at = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    latest.record(ScaledFrame.of(big), at, Detections.empty(), ["car"])
    got = latest.jpeg()
    assert got is not None
    glimpse, data = got
    assert glimpse.size == (2560, 1440)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert max(image.shape[:2]) == MAX_SIDE
    again = latest.jpeg()
    assert again is not None and again[1] is data  # encoded once per frame
