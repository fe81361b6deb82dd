"""A real RTSP camera (rtsp-server-perl relaying ffmpeg) that dies and comes back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from serve.streams.health import StreamHealth
from serve.streams.worker import StreamWorker
from tests.serve.rtsp import RtspFeed
from tests.serve.streams.conftest import Sink, camera, wait_until

pytestmark = [pytest.mark.rtsp, pytest.mark.slow]


@pytest.fixture
def feed(clip: Path) -> Iterator[RtspFeed]:
    with RtspFeed(clip) as f:
        yield f


def test_rtsp_camera_survives_the_feed_dying_and_coming_back(feed: RtspFeed) -> None:
    cam = camera({"kind": "rtsp", "url": feed.url, "transport": "udp"}, sample_fps=5)
    health = StreamHealth(cam.id, "rtsp")
    sink = Sink()
    worker = StreamWorker(
        cam,
        sink,
        health,
        backoff_initial_s=0.2,
        backoff_max_s=1.0,
        open_timeout_s=5.0,
        read_timeout_s=1.0,
    )
    worker.start()
    try:
        assert sink.wait_for(5, timeout=10), health.snapshot()
        assert health.snapshot()["connected"] is True

        feed.stop_feed()
        assert wait_until(lambda: not health.snapshot()["connected"], timeout=5)
        snap = health.snapshot()
        assert snap["last_error"].startswith(f"rtsp {feed.url}: stream lost")
        assert snap["reconnects"] == 0
        before = sink.count

        feed.start_feed()
        assert wait_until(lambda: health.snapshot()["reconnects"] >= 1, timeout=10), snap
        assert sink.wait_for(before + 5, timeout=5)
        assert health.snapshot()["connected"] is True
    finally:
        assert worker.stop() is True


def test_feed_cleans_up_its_processes(clip: Path) -> None:
    with RtspFeed(clip) as feed:
        procs = [feed._server, feed._feed]
        assert all(p is not None and p.poll() is None for p in procs)
    assert all(p is not None and p.poll() is not None for p in procs)
