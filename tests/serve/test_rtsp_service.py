"""A real RTSP camera into the running service: the demo street clip, relayed by
rtsp-server-perl from ffmpeg, read by a stream worker, run through the reference model,
turned into draft cases; then the feed dies and comes back, and the worker reconnects."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from detector.rules.config import RuleOverride, RuleOverrides
from serve.app import create_app
from serve.config.cameras import Camera, FileSource, MotionConfig, RtspSource
from serve.config.settings import Settings
from serve.demo import demo_camera, demo_expectations
from tests.serve.rtsp import RtspFeed, make_test_clip, require_rtsp_tools
from tests.serve.service import ADMIN_HEADERS, ADMIN_TOKEN, cases, verify_evidence
from tests.serve.test_demo import read_frames

pytestmark = [pytest.mark.rtsp, pytest.mark.slow]

SPEEDUP = 4.0  # the clip plays 4x fast and every rule time shrinks with it


def wait_for(what: str, check: Callable[[], Any], timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def faster(rules: RuleOverrides) -> RuleOverrides:
    def scale(o: RuleOverride | None) -> RuleOverride | None:
        if o is None:
            return None
        times = {
            k: getattr(o, k) / SPEEDUP
            for k in ("dwell_s", "min_span_s", "max_gap_s", "clear_after_s")
            if getattr(o, k) is not None
        }
        return o.model_copy(update=times)

    return RuleOverrides(**{k: scale(getattr(rules, k)) for k in RuleOverrides.model_fields})


@pytest.fixture
def feed(tmp_path: Path) -> Iterator[tuple[RtspFeed, Camera]]:
    require_rtsp_tools()
    demo = demo_camera(tmp_path / "demo-data")
    assert isinstance(demo.source, FileSource)
    fps = demo.source.fps * SPEEDUP
    clip = make_test_clip(tmp_path / "street.mp4", read_frames(demo.source.path), fps=fps)
    with RtspFeed(clip) as f:
        camera = demo.model_copy(
            update={
                "id": "rtsp-1",
                "source": RtspSource(kind="rtsp", url=f.url, transport="udp"),
                "sample_fps": fps,
                "rules": faster(demo.rules),
                "motion": MotionConfig(recheck_s=demo.motion.recheck_s / SPEEDUP),
            }
        )
        yield f, camera


def test_rtsp_stream_becomes_draft_cases_and_survives_the_feed_dying(
    feed: tuple[RtspFeed, Camera], tmp_path: Path, reference_model: Path
) -> None:
    rtsp, camera = feed
    config = tmp_path / "cameras.yaml"
    config.write_text(yaml.safe_dump([camera.model_dump(mode="json")], allow_unicode=True))
    settings = Settings(
        data_dir=tmp_path / "data",
        config=config,
        demo=False,
        model=reference_model,
        admin_token=ADMIN_TOKEN,
    )
    expected = {e.violation for e in demo_expectations(tmp_path / "demo-data")}
    assert expected == {"illegal_parking", "out_of_store_trading", "illegal_ad"}
    with TestClient(create_app(settings), headers=ADMIN_HEADERS) as client:

        def health() -> dict[str, Any]:
            body: dict[str, Any] = client.get("/v1/cameras/rtsp-1/health").json()
            return body

        def violations() -> set[str]:
            return {c["violation"] for c in cases(client)}

        wait_for("the worker to connect", lambda: health()["connected"], 30)
        wait_for(f"cases for {sorted(expected)}", lambda: expected <= violations(), 120)
        found = cases(client)
        by_violation = [c["violation"] for c in found]
        assert sorted(by_violation) == sorted(set(by_violation)), "a violation opened twice"
        for case in found:
            assert case["camera_id"] == "rtsp-1" and case["status"] == "draft"
            assert case["model"]["name"] == "streetwatch-yolo"
            verify_evidence(client, case)

        rtsp.stop_feed()
        wait_for("the worker to notice the feed died", lambda: not health()["connected"], 30)
        assert health()["last_error"]
        frames_before = health()["frames_in"]
        rtsp.start_feed()
        wait_for("the worker to reconnect", lambda: health()["reconnects"] >= 1, 60)
        wait_for("frames after reconnecting", lambda: health()["frames_in"] > frames_before + 8, 30)
        assert health()["connected"]
        after = [c["violation"] for c in cases(client)]
        assert sorted(after) == sorted(set(after)), "reconnecting opened a second case"
        metrics = client.get("/metrics").text
        assert 'streetwatch_frames_processed_total{camera="rtsp-1",inferred="true"}' in metrics
