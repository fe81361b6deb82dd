"""Gateway streams into the running service, as WVP-PRO/ZLMediaKit re-serve GB/T 28181
cameras: the demo street clip as live HLS and as HTTP-FLV from a local server, read by a
stream worker through FFmpeg, run through the reference model, turned into draft cases;
then the gateway drops the stream (404) and serves it again, and the worker re-opens it
without opening a second case."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from serve.config.cameras import Camera, StreamSource
from tests.serve.gateway import FlvFeed, GatewayFeed, HlsFeed
from tests.serve.stream_scenario import DemoStream, cases_survive_the_feed_dying

pytestmark = [pytest.mark.rtsp, pytest.mark.slow]


@pytest.fixture(params=[HlsFeed, FlvFeed], ids=["hls", "http-flv"])
def feed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[GatewayFeed, Camera]]:
    demo = DemoStream(tmp_path)
    with request.param(demo.clip) as f:
        yield f, demo.camera("gw-1", StreamSource(kind="stream", url=f.url))


def test_a_gateway_stream_becomes_draft_cases_and_survives_the_gateway_dropping_it(
    feed: tuple[GatewayFeed, Camera], tmp_path: Path, reference_model: Path
) -> None:
    gateway, camera = feed
    cases_survive_the_feed_dying(
        camera,
        tmp_path,
        reference_model,
        stop_feed=gateway.stop_feed,  # the gateway stops the stream: 404 from now on
        start_feed=gateway.start_feed,
        cases_within_s=150,
    )
