"""The ``stream`` source kind (a gateway's RTMP, HTTP-FLV, HLS or HTTP-fMP4 URL): which
URLs it takes, and the same source policy as every URL source."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from serve.config.cameras import Camera
from tests.serve.service import PUSH_CAMERA, service


def _camera(url: str) -> Camera:
    return Camera.model_validate({**PUSH_CAMERA, "source": {"kind": "stream", "url": url}})


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.9:80/rtp/34020000001320000001_34020000001320000001.live.flv",
        "https://gw.example.cn/live/cam1/hls.m3u8",
        "http://10.0.0.9/live/cam1.live.mp4",
        "rtmp://10.0.0.9/live/cam1",
        "rtmps://gw.example.cn/live/cam1",
    ],
)
def test_gateway_urls_are_stream_sources(url: str) -> None:
    assert _camera(url).source.kind == "stream"


@pytest.mark.parametrize(
    "url", ["ws://10.0.0.9/live/cam1.live.flv", "rtsp://10.0.0.9/live", "file:///etc/passwd"]
)
def test_other_schemes_are_refused_with_the_pattern(url: str) -> None:
    with pytest.raises(ValidationError, match="rtmps"):
        _camera(url)


def test_a_stream_on_this_machine_needs_the_operators_leave(tmp_path: Path) -> None:
    camera = {**PUSH_CAMERA, "id": "gw", "source": {"kind": "stream", "url": ""}}
    with service(tmp_path, allow_local_sources=False) as c:
        camera["source"] = {"kind": "stream", "url": "http://127.0.0.1:8080/live/a.flv"}
        r = c.post("/v1/cameras", json=camera)
        assert r.status_code == 422 and "ALLOW_LOCAL_SOURCES" in r.json()["detail"], r.text
        camera["source"] = {"kind": "stream", "url": "http://u:secret@10.0.0.9/live/a.m3u8"}
        r = c.post("/v1/cameras", json=camera)
        assert r.status_code == 201, r.text
        assert r.json()["source"]["url"] == "http://u:***@10.0.0.9/live/a.m3u8"
