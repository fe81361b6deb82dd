"""Helpers for service tests: an app on a marker detector, and frame pushing."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

from detector.model import Detector
from serve.app import create_app
from serve.config.settings import Settings
from tests.serve.markers import Box, marker_detector, png, street

# STREETWATCH_ADMIN_TOKEN of the services under test: admin on every API route
ADMIN_TOKEN = "streetwatch-tests-admin-token-0123456789"
ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # 10:00 in Qingdao
NO_PARKING = [[100, 300], [400, 300], [400, 460], [100, 460]]
SIDEWALK = [[0, 200], [640, 200], [640, 290], [0, 290]]
CAR = (200.0, 350.0, 300.0, 440.0)  # bottom centre inside NO_PARKING

PUSH_CAMERA: dict[str, Any] = {
    "id": "cam-01",
    "name": "香港中路口",
    "address": "青岛市市南区香港中路 1 号",
    "lat": 36.07,
    "lon": 120.38,
    "source": {"kind": "push"},
    "zones": [
        {"id": "np1", "type": "no_parking", "polygon": NO_PARKING},
        {"id": "walk", "type": "sidewalk", "polygon": SIDEWALK, "responsible": "便利店"},
    ],
    "rules": {"illegal_parking": {"dwell_s": 300}, "out_of_store_trading": {"dwell_s": 120}},
}


def write_config(path: Path, cameras: Sequence[dict[str, Any]] = (PUSH_CAMERA,)) -> Path:
    path.write_text(yaml.safe_dump(list(cameras), allow_unicode=True), encoding="utf-8")
    return path


@contextmanager
def service(
    data_dir: Path,
    config: Path | None = None,
    *,
    as_admin: bool = True,
    https: bool = False,
    detector: Detector | None = None,
    **settings: Any,
) -> Iterator[TestClient]:
    """The service on the marker detector. Its client sends the admin token on every request
    unless ``as_admin`` is false; ``https`` for tests of (Secure) session cookies."""
    if config is None:
        config = write_config(data_dir / "cameras.yaml")
    settings.setdefault("admin_token", ADMIN_TOKEN)
    # tests replay minutes of frames in a second: no push rate limit unless a test sets one
    settings.setdefault("push_rate", None)
    # test streams (RTSP, MJPEG, snapshot servers) run on this machine
    settings.setdefault("allow_local_sources", True)
    # a test process holds every earlier test's objects: the start-up collection would cost
    # ~0.2 s a service there (tests/serve/test_heap.py runs it)
    settings.setdefault("gc_freeze", False)
    s = Settings(data_dir=data_dir, config=config, demo=False, **settings)
    app = create_app(s, detector=detector or marker_detector())
    base_url = "https://testserver" if https else "http://testserver"
    headers = ADMIN_HEADERS if as_admin else None
    with TestClient(app, base_url=base_url, headers=headers) as client:
        yield client


def push(
    client: TestClient,
    offset_s: float,
    objects: Sequence[tuple[str, Box]] = (),
    camera: str = "cam-01",
    seed: int | None = None,
) -> dict[str, Any]:
    at = T0 + dt.timedelta(seconds=offset_s)
    frame = street(objects, seed=int(offset_s) if seed is None else seed)
    r = client.post(
        f"/v1/cameras/{camera}/frames",
        files={"image": ("f.png", png(frame), "image/png")},
        data={"timestamp": at.isoformat()},
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def cases(client: TestClient, **query: Any) -> list[dict[str, Any]]:
    r = client.get("/v1/cases", params={"limit": 500, **query})
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def verify_evidence(client: TestClient, case: dict[str, Any]) -> None:
    for item in case["evidence"]:
        r = client.get(item["url"])
        assert r.status_code == 200, r.text
        assert hashlib.sha256(r.content).hexdigest() == item["sha256"]
