"""Abuse at the request level: malformed multipart bodies, slow and idle clients, too many
connections, and frames sent without a time by a camera whose clock lags."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from serve.app import create_app
from serve.cli import server_options
from serve.config.settings import Settings
from tests.serve.markers import marker_detector
from tests.serve.service import ADMIN_TOKEN, T0, png, service, street

IMAGE = png(street([], seed=1))
STAMP = T0.isoformat().encode()
BOUNDARY = "sw-test-boundary"
ROUTES = ["/v1/detect", "/v1/cameras/cam-01/frames"]


def _file(name: str = "image", data: bytes = IMAGE, filename: str = "f.png") -> bytes:
    head = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
    return head.encode() + b"Content-Type: image/png\r\n\r\n" + data


def _field(name: str, value: bytes) -> bytes:
    return f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value


def _body(*parts: bytes) -> bytes:
    sep = b"--" + BOUNDARY.encode()
    return b"".join(sep + b"\r\n" + p + b"\r\n" for p in parts) + sep + b"--\r\n"


GOOD = _body(_file(), _field("timestamp", STAMP))
# (body, status, what the message says)
MALFORMED: dict[str, tuple[bytes, int, str]] = {
    "cut-short": (GOOD[:-40], 400, "without its closing boundary"),
    "not-multipart": (b"\x00\xff" * 500, 400, "without its closing boundary"),
    "two-images": (_body(_file(), _file(), _field("timestamp", STAMP)), 422, "2 files sent"),
    "image-as-text": (_body(_field("image", b"hello"), _field("timestamp", STAMP)), 422, "image"),
    "no-parts": (b"--" + BOUNDARY.encode() + b"--\r\n", 422, "image"),
    "2000-fields": (
        _body(_file(), *(_field(f"f{i}", b"x") for i in range(2000))),
        400,
        "Too many fields",
    ),
    "2000-files": (
        _body(_file(), *(_file(f"x{i}", b"y", "a.txt") for i in range(2000))),
        400,
        "Too many files",
    ),
    "3-MB-field": (_body(_file(), _field("timestamp", b"2" * 3_000_000)), 400, "maximum size"),
    "200-kB-part-header": (
        _body(_file().replace(b"\r\n\r\n", b"\r\nX-Pad: " + b"a" * 200_000 + b"\r\n\r\n", 1)),
        400,
        "Invalid multipart",
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
@pytest.mark.parametrize("route", ROUTES)
def test_malformed_multipart_is_a_4xx_that_says_what(tmp_path: Path, route: str, name: str) -> None:
    body, status, says = MALFORMED[name]
    with service(tmp_path) as c:
        content_type = f"multipart/form-data; boundary={BOUNDARY}"
        r = c.post(route, content=body, headers={"content-type": content_type})
        assert r.status_code == status and says in r.text, (r.status_code, r.text[:300])
        r = c.post(route, content=GOOD, headers={"content-type": content_type})
        assert r.status_code == 200, r.text  # nothing of the bad request stuck
        # a path in the file name is only a name: nothing is written under it
        odd = _body(_file(filename="../../../../etc/passwd"), _field("timestamp", STAMP))
        r = c.post(route, content=odd, headers={"content-type": content_type})
        assert r.status_code in (200, 409), r.text
    assert not (tmp_path / "etc").exists()


def test_multipart_without_a_boundary_is_a_400(tmp_path: Path) -> None:
    with service(tmp_path) as c:
        r = c.post("/v1/detect", content=GOOD, headers={"content-type": "multipart/form-data"})
        assert r.status_code == 400 and "boundary" in r.text


def _frame(c: TestClient, stamp: dt.datetime | None) -> httpx.Response:
    data = {} if stamp is None else {"timestamp": stamp.isoformat()}
    files = {"image": ("f.png", IMAGE, "image/png")}
    return c.post("/v1/cameras/cam-01/frames", files=files, data=data)


def test_an_unstamped_frame_follows_a_lagging_cameras_clock(tmp_path: Path) -> None:
    """A camera 13 days behind (backfilling, or a clock never set right) sends one frame
    without a time: it is stamped on the camera's clock, and later stamped frames go on."""
    lag = dt.datetime.now(dt.UTC) - dt.timedelta(days=13)
    with service(tmp_path) as c:
        assert _frame(c, lag).status_code == 200
        r = _frame(c, None)
        assert r.status_code == 200, r.text
        stamped = dt.datetime.fromisoformat(r.json()["timestamp"])
        assert lag <= stamped < lag + dt.timedelta(minutes=5), stamped
        r = _frame(c, lag + dt.timedelta(minutes=10))
        assert r.status_code == 200, r.text


@contextmanager
def _uvicorn(tmp_path: Path, **settings: object) -> Iterator[str]:
    s = Settings(data_dir=tmp_path, demo=False, admin_token=ADMIN_TOKEN, **settings)  # type: ignore[arg-type]
    app = create_app(s, detector=marker_detector())
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    for key, value in server_options(s).items():
        setattr(config, key, value)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


def _connect(address: str) -> socket.socket:
    host, port = address.split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _reply(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_trickled_upload_gets_408_and_others_are_served(tmp_path: Path) -> None:
    with _uvicorn(tmp_path, body_timeout_s=2.0) as address:
        slow = _connect(address)
        head = (
            f"POST /v1/detect HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {len(GOOD)}\r\n\r\n"
        )
        slow.sendall(head.encode() + GOOD[:100])
        began = time.monotonic()
        with httpx.Client(base_url=f"http://{address}") as client:
            assert client.get("/healthz").status_code == 200  # not held up meanwhile
        reply = _reply(slow)
        took = time.monotonic() - began
        slow.close()
        assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
        assert b"not received within 2 s (100 bytes came)" in reply
        assert 1.5 < took < 10, took


def test_connections_past_the_limit_get_503_and_idle_ones_are_closed(tmp_path: Path) -> None:
    with _uvicorn(tmp_path, max_connections=20, keep_alive_s=1.0) as address:
        idle = [_connect(address) for _ in range(25)]
        for sock in idle:  # each sends half a request line and waits
            sock.sendall(b"GET /healthz HTT")
        time.sleep(0.5)
        with httpx.Client(base_url=f"http://{address}") as client:
            assert client.get("/healthz").status_code == 503
        for sock in idle:
            sock.close()
        time.sleep(0.5)
        with httpx.Client(base_url=f"http://{address}") as client:
            assert client.get("/healthz").status_code == 200
        # a finished keep-alive connection that stays idle is closed by the server
        kept = _connect(address)
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        kept.settimeout(5)
        began = time.monotonic()
        reply = _reply(kept)
        kept.close()
        assert reply.startswith(b"HTTP/1.1 200") and time.monotonic() - began < 4.5
