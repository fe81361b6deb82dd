"""The pulled-camera scenario shared by the RTSP and gateway-stream tests: the demo street
clip, played 4x fast, into the running service through a real stream; draft cases for
each of the demo's violations; then the feed dies and comes back, and the worker
reconnects without opening a second case."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

from detector.rules.config import RuleOverride, RuleOverrides
from serve.app import create_app
from serve.config.cameras import Camera, FileSource, MotionConfig, Source
from serve.config.settings import Settings
from serve.demo import demo_camera, demo_expectations
from tests.serve.rtsp import make_test_clip
from tests.serve.service import ADMIN_HEADERS, ADMIN_TOKEN, cases, verify_evidence
from tests.serve.test_demo import read_frames

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


class DemoStream:
    """The demo clip as a file to serve, and the camera that reads it from ``source``."""

    def __init__(self, tmp_path: Path) -> None:
        self.demo = demo_camera(tmp_path / "demo-data")
        assert isinstance(self.demo.source, FileSource)
        self.fps = self.demo.source.fps * SPEEDUP
        frames = read_frames(self.demo.source.path)
        self.clip = make_test_clip(tmp_path / "street.mp4", frames, fps=self.fps)

    def camera(self, camera_id: str, source: Source) -> Camera:
        demo = self.demo
        return demo.model_copy(
            update={
                "id": camera_id,
                "source": source,
                "sample_fps": self.fps,
                "rules": faster(demo.rules),
                "motion": MotionConfig(recheck_s=demo.motion.recheck_s / SPEEDUP),
            }
        )


def cases_survive_the_feed_dying(
    camera: Camera,
    tmp_path: Path,
    model: Path,
    *,
    stop_feed: Callable[[], None],
    start_feed: Callable[[], None],
    cases_within_s: float = 120.0,
) -> None:
    """Run the service on ``camera`` until it holds one draft case per demo violation,
    then stop and restart the feed and check the worker reconnects with no second case."""
    config = tmp_path / "cameras.yaml"
    config.write_text(yaml.safe_dump([camera.model_dump(mode="json")], allow_unicode=True))
    settings = Settings(
        data_dir=tmp_path / "data",
        config=config,
        demo=False,
        model=model,
        admin_token=ADMIN_TOKEN,
    )
    expected = {e.violation for e in demo_expectations(tmp_path / "demo-data")}
    assert expected == {"illegal_parking", "out_of_store_trading", "illegal_ad"}
    with TestClient(create_app(settings), headers=ADMIN_HEADERS) as client:

        def health() -> dict[str, Any]:
            body: dict[str, Any] = client.get(f"/v1/cameras/{camera.id}/health").json()
            return body

        def violations() -> set[str]:
            return {c["violation"] for c in cases(client)}

        wait_for("the worker to connect", lambda: health()["connected"], 30)
        assert health()["source"] == camera.source.kind
        wait_for(f"cases for {sorted(expected)}", lambda: expected <= violations(), cases_within_s)
        found = cases(client)
        by_violation = [c["violation"] for c in found]
        assert sorted(by_violation) == sorted(set(by_violation)), "a violation opened twice"
        for case in found:
            assert case["camera_id"] == camera.id and case["status"] == "draft"
            assert case["model"]["name"] == "streetwatch-yolo"
            verify_evidence(client, case)

        stop_feed()
        wait_for("the worker to notice the feed died", lambda: not health()["connected"], 40)
        assert health()["last_error"]
        frames_before = health()["frames_in"]
        start_feed()
        wait_for("the worker to reconnect", lambda: health()["reconnects"] >= 1, 60)
        wait_for("frames after reconnecting", lambda: health()["frames_in"] > frames_before + 8, 30)
        assert health()["connected"]
        after = [c["violation"] for c in cases(client)]
        assert sorted(after) == sorted(set(after)), "reconnecting opened a second case"
        metrics = client.get("/metrics").text
        assert (
            f'streetwatch_frames_processed_total{{camera="{camera.id}",inferred="true"}}' in metrics
        )
