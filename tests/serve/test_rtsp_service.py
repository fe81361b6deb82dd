"""A real RTSP camera into the running service: the demo street clip, relayed by
rtsp-server-perl from ffmpeg, read by a stream worker, run through the reference model,
turned into draft cases; then the feed dies and comes back, and the worker reconnects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from serve.config.cameras import Camera, RtspSource
from tests.serve.rtsp import RtspFeed, require_rtsp_tools
from tests.serve.stream_scenario import DemoStream, cases_survive_the_feed_dying

pytestmark = [pytest.mark.rtsp, pytest.mark.slow]


@pytest.fixture
def feed(tmp_path: Path) -> Iterator[tuple[RtspFeed, Camera]]:
    require_rtsp_tools()
    demo = DemoStream(tmp_path)
    with RtspFeed(demo.clip) as f:
        yield f, demo.camera("rtsp-1", RtspSource(kind="rtsp", url=f.url, transport="udp"))


def test_rtsp_stream_becomes_draft_cases_and_survives_the_feed_dying(
    feed: tuple[RtspFeed, Camera], tmp_path: Path, reference_model: Path
) -> None:
    rtsp, camera = feed
    cases_survive_the_feed_dying(
        camera, tmp_path, reference_model, stop_feed=rtsp.stop_feed, start_feed=rtsp.start_feed
    )
