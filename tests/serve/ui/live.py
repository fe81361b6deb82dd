"""A live service for browser tests: the real app under uvicorn in a thread, on the marker
detector, with draft cases opened by pushing marker frames over HTTP."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from serve.app import create_app
from serve.auth.roles import Role
from serve.config.settings import Settings
from tests.serve.markers import Box, marker_detector, png, street
from tests.serve.service import CAR, PUSH_CAMERA, T0, write_config

ADMIN_TOKEN = "browser-test-admin-token-0123456789"
# the pages are worked by a reviewer, the least role that may open them
REVIEWER = ("reviewer1", "Qingdao-review-2026")
# one object per violation type, each where its rule fires on PUSH_CAMERA's zones
OBJECTS: list[tuple[str, Box]] = [
    ("car", CAR),
    ("stall", (40.0, 215.0, 120.0, 280.0)),
    ("flyer", (500.0, 60.0, 530.0, 100.0)),
    ("graffiti", (200.0, 40.0, 260.0, 100.0)),
    ("garbage", (540.0, 380.0, 600.0, 440.0)),
]
SECOND_CAMERA: dict[str, Any] = {
    **PUSH_CAMERA,
    "id": "cam-02",
    "name": "中山路站",
    "address": "青岛市市南区中山路 88 号",
}


@dataclass(frozen=True)
class Live:
    url: str
    app: FastAPI

    def client(self) -> httpx.Client:
        """An API client acting as the admin (the admin token)."""
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def case(self, case_id: int) -> dict[str, Any]:
        """The case as the API has it now."""
        with self.client() as client:
            r = client.get(f"/v1/cases/{case_id}")
            assert r.status_code == 200, r.text
            body: dict[str, Any] = r.json()
            return body


@contextmanager
def live_service(
    data_dir: Path, cameras: Sequence[dict[str, Any]] = (PUSH_CAMERA, SECOND_CAMERA)
) -> Iterator[Live]:
    """The service on ``cameras`` (by default cam-01 and cam-02, alike), its data in
    ``data_dir``, with REVIEWER as a user."""
    config = write_config(data_dir / "cameras.yaml", cameras)
    settings = Settings(
        data_dir=data_dir,
        config=config,
        demo=False,
        admin_token=ADMIN_TOKEN,
        # the session cookie over plain http://127.0.0.1
        secure_cookies=False,
        # tests replay minutes of frames in seconds
        push_rate=None,
    )
    app = create_app(settings, detector=marker_detector())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 30 s")
        time.sleep(0.05)
    app.state.auth.users.create(*REVIEWER, Role.reviewer)
    try:
        yield Live(url=f"http://127.0.0.1:{port}", app=app)
    finally:
        server.should_exit = True
        thread.join(15)


def open_cases(
    client: httpx.Client,
    camera: str,
    objects: list[tuple[str, Box]] = OBJECTS,
    seconds: int = 400,
) -> None:
    """Push a frame every 10 s of camera time with ``objects`` standing still."""
    for t in range(0, seconds, 10):
        push_frame(client, camera, t, objects)


def push_frame(
    client: httpx.Client, camera: str, seconds: int, objects: Sequence[tuple[str, Box]]
) -> None:
    """Push one frame of ``objects``, taken ``seconds`` after T0 by the camera's clock."""
    at = T0 + dt.timedelta(seconds=seconds)
    r = client.post(
        f"/v1/cameras/{camera}/frames",
        files={"image": ("f.png", png(street(objects, seed=seconds)), "image/png")},
        data={"timestamp": at.isoformat()},
    )
    r.raise_for_status()
