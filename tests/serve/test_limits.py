"""Body limits before access checks: an anonymous caller cannot make the service read an upload."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest
from fastapi.testclient import TestClient

from serve.limits import ANONYMOUS_BODY_BYTES, MULTIPART_OVERHEAD_BYTES
from tests.serve.markers import street
from tests.serve.service import ADMIN_HEADERS, service
from tests.serve.ui.live import live_service

LIMIT = 300_000


@pytest.fixture
def anonymous(tmp_path: Path) -> Iterator[TestClient]:
    with service(tmp_path, as_admin=False, max_upload_bytes=LIMIT) as c:
        yield c


def _jpeg() -> bytes:
    ok, data = cv2.imencode(".jpg", street([]), [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok and len(data) < ANONYMOUS_BODY_BYTES
    return data.tobytes()


def _chunks(total: int, size: int = 16_384) -> Iterator[bytes]:
    while total > 0:
        yield b"\0" * min(size, total)
        total -= size


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_anonymous_upload_is_refused_before_its_body_is_read(
    anonymous: TestClient, chunked: bool
) -> None:
    size = ANONYMOUS_BODY_BYTES + 1
    body = _chunks(size) if chunked else b"\0" * size
    r = anonymous.post(
        "/v1/cameras/cam-01/frames",
        content=body,
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert r.status_code == 413, r.text
    assert "without credentials" in r.json()["detail"]


def test_a_small_anonymous_request_still_gets_its_401(anonymous: TestClient) -> None:
    files = {"image": ("f.jpg", _jpeg(), "image/jpeg")}
    r = anonymous.post("/v1/cameras/cam-01/frames", files=files)
    assert r.status_code == 401, r.text


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_credentialed_upload_may_reach_the_upload_limit_and_no_more(
    anonymous: TestClient, chunked: bool
) -> None:
    over = LIMIT + MULTIPART_OVERHEAD_BYTES + 1
    body = _chunks(over) if chunked else b"\0" * over
    r = anonymous.post(
        "/v1/detect",
        content=body,
        headers={**ADMIN_HEADERS, "content-type": "multipart/form-data; boundary=x"},
    )
    assert r.status_code == 413
    assert f"larger than {LIMIT + MULTIPART_OVERHEAD_BYTES} bytes" in r.json()["detail"]
    # a frame within the limit goes through
    ok = anonymous.post(
        "/v1/cameras/cam-01/frames",
        files={"image": ("f.jpg", _jpeg(), "image/jpeg")},
        data={"timestamp": "2026-11-23T10:00:00+08:00"},
        headers=ADMIN_HEADERS,
    )
    assert ok.status_code == 200, ok.text


@pytest.mark.slow
def test_over_a_real_socket_the_refusal_comes_before_the_body_is_sent(tmp_path: Path) -> None:
    """Declare 100 MB, send only the headers: the 413 arrives without waiting for a byte."""
    with live_service(tmp_path) as live:
        host, port = live.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall(
                b"POST /v1/cameras/cam-01/frames HTTP/1.1\r\n"
                + f"Host: {host}\r\n".encode()
                + b"Content-Type: multipart/form-data; boundary=x\r\n"
                + b"Content-Length: 100000000\r\n\r\n"
            )
            started = time.monotonic()
            reply = b""
            while chunk := s.recv(4096):
                reply += chunk
        assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
        assert b"without credentials" in reply
        assert time.monotonic() - started < 5
