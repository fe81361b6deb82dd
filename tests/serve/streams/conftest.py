"""Fixtures for the stream workers: a fake HTTP camera, clips, frame folders, a frame sink."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from serve.config.cameras import Camera
from tests.serve.rtsp import make_test_clip, moving_frames

CLIP_FPS = 25
CLIP_FRAMES = 25  # one second, so looping shows within a short test
AUTH = ("admin", "s3cret")


def jpeg(value: int, size: tuple[int, int] = (48, 64)) -> bytes:
    ok, buf = cv2.imencode(".jpg", np.full((*size, 3), value, np.uint8))
    assert ok
    return buf.tobytes()


class _CameraHandler(BaseHTTPRequestHandler):
    """Routes of a misbehaving-on-demand IP camera."""

    server: _CameraServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.server.hits[self.path] = self.server.hits.get(self.path, 0) + 1
        if self.path == "/snapshot.jpg":
            self._reply(200, "image/jpeg", jpeg(self.server.hits[self.path] % 250))
        elif self.path == "/private.jpg":
            token = base64.b64encode(":".join(AUTH).encode()).decode()
            if self.headers.get("Authorization") == f"Basic {token}":
                self._reply(200, "image/jpeg", jpeg(7))
            else:
                self._reply(401, "text/plain", b"login required")
        elif self.path == "/login.html":
            self._reply(200, "text/html; charset=utf-8", b"<html>please log in</html>")
        elif self.path == "/slow.jpg":
            self.server.stopping.wait(10)
        elif self.path in ("/mjpeg", "/mjpeg-stall"):
            self._mjpeg(stall_after=10 if self.path == "/mjpeg-stall" else None)
        else:
            self._reply(404, "text/plain", b"no such page")

    def _mjpeg(self, stall_after: int | None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        sent = 0
        try:
            while not self.server.stopping.is_set():
                if stall_after is not None and sent >= stall_after:
                    self.server.stopping.wait(10)
                    return
                body = jpeg(sent % 250, (120, 160))
                head = f"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {len(body)}\r\n\r\n"
                self.wfile.write(head.encode() + body + b"\r\n")
                self.wfile.flush()
                sent += 1
                self.server.stopping.wait(0.04)
        except (BrokenPipeError, ConnectionResetError):
            return


class _CameraServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _CameraHandler)
        self.stopping = threading.Event()
        self.hits: dict[str, int] = {}


@dataclass
class HttpCamera:
    base: str
    hits: dict[str, int]

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


@pytest.fixture
def http_camera() -> Iterator[HttpCamera]:
    """A local HTTP camera: /snapshot.jpg, /private.jpg (basic auth), /login.html, /slow.jpg,
    /mjpeg (about 25 fps) and /mjpeg-stall (ten frames, then silence)."""
    server = _CameraServer()
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="test-http-camera",
        daemon=True,
    )
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield HttpCamera(f"http://{host!s}:{port}", server.hits)
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-second 25 fps H.264 mp4 (also what the RTSP feed relays)."""
    path = tmp_path_factory.mktemp("clips") / "clip.mp4"
    return make_test_clip(path, moving_frames(CLIP_FRAMES), fps=CLIP_FPS)


@pytest.fixture
def frame_folder(tmp_path: Path) -> Path:
    """Three frames named out of order on disk: values 10, 20, 30 in name order."""
    folder = tmp_path / "frames"
    folder.mkdir()
    for name, value in (("b.png", 20), ("a.jpg", 10), ("c.png", 30)):
        cv2.imwrite(str(folder / name), np.full((24, 32, 3), value, np.uint8))
    (folder / "notes.txt").write_text("not a frame")
    return folder


def camera(source: dict[str, Any], sample_fps: float = 5.0, cam_id: str = "cam-01") -> Camera:
    return Camera.model_validate({"id": cam_id, "source": source, "sample_fps": sample_fps})


@dataclass
class Sink:
    """An ``on_frame`` that records what it gets; ``wait_for`` blocks until enough came."""

    raise_on: frozenset[int] = frozenset()
    times: list[float] = field(default_factory=list)
    stamps: list[datetime] = field(default_factory=list)
    means: list[float] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, frame: npt.NDArray[np.uint8], at: datetime) -> None:
        with self._cond:
            call = len(self.times) + 1
            self.times.append(time.monotonic())
            self.stamps.append(at)
            self.means.append(float(frame.mean()))
            self._cond.notify_all()
        if call in self.raise_on:
            raise RuntimeError(f"pipeline blew up on call {call}")

    @property
    def count(self) -> int:
        with self._cond:
            return len(self.times)

    def wait_for(self, n: int, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self.times) >= n, timeout)


def wait_until(predicate: Any, timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


@pytest.fixture(autouse=True)
def no_stream_threads_left() -> Iterator[None]:
    """Every test must stop its workers: no ``stream-*`` thread may outlive it."""
    yield
    wait_until(lambda: not _stream_threads(), timeout=2.0)
    assert not _stream_threads(), f"threads left running: {_stream_threads()}"


def _stream_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("stream-")]
