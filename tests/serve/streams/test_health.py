from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from serve.streams.health import StreamHealth

T0 = datetime(2024, 5, 1, 8, 30, tzinfo=timezone(timedelta(hours=8)))


def test_fresh_health_is_disconnected_and_empty() -> None:
    snap = StreamHealth("cam-01", "rtsp").snapshot()
    assert snap == {
        "camera_id": "cam-01",
        "source": "rtsp",
        "connected": False,
        "fps_in": 0.0,
        "fps_processed": 0.0,
        "frames_in": 0,
        "frames_processed": 0,
        "frames_inferred": 0,
        "frames_dropped": 0,
        "last_frame_at": None,
        "last_error": None,
        "last_error_at": None,
        "reconnects": 0,
        "clock_offset_s": None,
        "clock_ok": True,
        "frames_clock_refused": 0,
    }


def test_snapshot_counts_and_is_json_ready() -> None:
    health = StreamHealth("cam-01", "push")
    health.connected(True)
    for i in range(3):
        health.frame_in(T0 + timedelta(seconds=i))
    health.frame_processed(T0, inferred=True)
    health.frame_processed(T0, inferred=False)
    health.frame_dropped()
    health.error("boom")
    health.reconnect()
    snap = json.loads(json.dumps(health.snapshot()))
    assert snap["connected"] is True
    assert (snap["frames_in"], snap["frames_processed"], snap["frames_inferred"]) == (3, 2, 1)
    assert snap["frames_dropped"] == 1
    assert snap["last_frame_at"] == "2024-05-01T08:30:02+08:00"
    assert snap["last_error"] == "boom"
    assert datetime.fromisoformat(snap["last_error_at"]).tzinfo is not None
    assert snap["reconnects"] == 1
    assert snap["fps_in"] > 0 and snap["fps_processed"] > 0


def test_rates_cover_a_sliding_window_and_decay() -> None:
    health = StreamHealth("cam-01", "file", window_s=0.5)
    time.sleep(0.5)  # older than the window: rates divide by the window, not the age
    for _ in range(5):
        health.frame_in(datetime.now(UTC))
    assert health.snapshot()["fps_in"] == pytest.approx(10.0)
    time.sleep(0.55)
    assert health.snapshot()["fps_in"] == 0.0
    assert health.snapshot()["frames_in"] == 5


def test_naive_timestamps_are_refused() -> None:
    health = StreamHealth("cam-01", "push")
    with pytest.raises(ValueError, match="timezone-aware"):
        health.frame_in(datetime(2024, 5, 1, 8, 30))
    with pytest.raises(ValueError, match="timezone-aware"):
        health.frame_processed(datetime(2024, 5, 1, 8, 30), inferred=True)


def test_counts_are_exact_under_concurrent_updates() -> None:
    health = StreamHealth("cam-01", "push")

    def hammer() -> None:
        for _ in range(500):
            health.frame_in(T0)
            health.frame_processed(T0, inferred=True)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    snap = health.snapshot()
    assert snap["frames_in"] == snap["frames_processed"] == snap["frames_inferred"] == 2000
