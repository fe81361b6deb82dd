from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from serve.streams.manager import StreamManager
from tests.serve.streams.conftest import Sink, camera, wait_until


@pytest.fixture
def manager() -> Iterator[StreamManager]:
    m = StreamManager(backoff_initial_s=0.05, backoff_max_s=0.2, stop_timeout_s=3)
    yield m
    m.stop_all()


def test_push_and_disabled_cameras_get_health_but_no_worker(manager: StreamManager) -> None:
    push = manager.start(camera({"kind": "push"}, cam_id="push"), Sink())
    off = camera({"kind": "rtsp", "url": "rtsp://10.0.0.9/live"}, cam_id="off")
    disabled = manager.start(off.model_copy(update={"enabled": False}), Sink())
    assert manager.health("push") is push and manager.health("off") is disabled
    assert push.snapshot()["source"] == "push" and disabled.snapshot()["connected"] is False
    assert [s["camera_id"] for s in manager.snapshot()] == ["off", "push"]


def test_start_replace_remove(manager: StreamManager, clip: Path, frame_folder: Path) -> None:
    first = Sink()
    health = manager.start(camera({"kind": "file", "path": str(clip)}, 10), first)
    assert first.wait_for(3, timeout=3)
    with pytest.raises(ValueError, match="'cam-01' is already running; use replace"):
        manager.start(camera({"kind": "push"}), Sink())

    second = Sink()
    replaced = manager.replace(camera({"kind": "file", "path": str(frame_folder)}, 10), second)
    stopped_at = first.count
    assert second.wait_for(3, timeout=3)
    assert first.count == stopped_at  # the old worker is gone
    assert replaced is not health and manager.health("cam-01") is replaced
    assert replaced.snapshot()["frames_in"] < health.snapshot()["frames_in"] + 50

    manager.remove("cam-01")
    assert manager.health("cam-01") is None
    with pytest.raises(KeyError, match="no running camera 'cam-01'"):
        manager.remove("cam-01")


def test_stop_all_stops_every_worker(manager: StreamManager, clip: Path) -> None:
    sinks = [Sink() for _ in range(3)]
    for i, sink in enumerate(sinks):
        manager.start(camera({"kind": "file", "path": str(clip)}, 10, cam_id=f"cam-{i}"), sink)
    assert all(s.wait_for(2, timeout=3) for s in sinks)
    manager.stop_all()
    assert manager.snapshot() == []
    counts = [s.count for s in sinks]
    assert not wait_until(lambda: [s.count for s in sinks] != counts, timeout=0.3)
