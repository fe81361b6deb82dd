from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from serve.config.cameras import Camera
from serve.streams.health import StreamHealth
from serve.streams.worker import StreamWorker
from tests.serve.streams.conftest import HttpCamera, Sink, camera, wait_until

FAST = {"backoff_initial_s": 0.05, "backoff_max_s": 0.2, "open_timeout_s": 2.0}


class Workers:
    """Starts workers for a test and always stops them, even when the test fails."""

    def __init__(self) -> None:
        self.started: list[StreamWorker] = []

    def start(self, cam: Camera, sink: Sink, **options: Any) -> tuple[StreamWorker, StreamHealth]:
        health = StreamHealth(cam.id, cam.source.kind)
        worker = StreamWorker(cam, sink, health, **{**FAST, **options})
        worker.start()
        self.started.append(worker)
        return worker, health


@pytest.fixture
def workers() -> Iterator[Workers]:
    w = Workers()
    yield w
    for worker in w.started:
        worker.stop(timeout=3)


def test_video_file_is_sampled_at_the_camera_rate(clip: Path, workers: Workers) -> None:
    sink = Sink()
    worker, health = workers.start(camera({"kind": "file", "path": str(clip)}, 8), sink)
    assert sink.wait_for(9, timeout=5)
    gaps = [b - a for a, b in zip(sink.times[1:-1], sink.times[2:], strict=False)]
    assert sum(gaps) / len(gaps) == pytest.approx(1 / 8, rel=0.25)
    assert all(s.tzinfo is not None and s.utcoffset() is not None for s in sink.stamps)
    assert sink.stamps == sorted(sink.stamps)
    assert worker.stop() is True
    snap = health.snapshot()
    # the 25 fps clip is read in full, only every third frame or so is handed on
    assert snap["frames_in"] > 2 * sink.count >= 2 * 9
    assert snap["frames_in"] - sink.count - 1 <= snap["frames_dropped"] <= snap["frames_in"]
    # processing is the pipeline's to record (on_frame), not the worker's
    assert snap["frames_processed"] == 0 and snap["connected"] is False


def test_frame_folder_loops(frame_folder: Path, workers: Workers) -> None:
    sink = Sink()
    source = {"kind": "file", "path": str(frame_folder), "fps": 20}
    _, health = workers.start(camera(source, sample_fps=20), sink)
    assert sink.wait_for(7, timeout=3)
    assert [round(m) for m in sink.means[:7]] == [10, 20, 30, 10, 20, 30, 10]
    assert health.snapshot()["reconnects"] == 0  # looping is not a reconnect


def test_a_file_that_ends_is_reported_and_replayed(frame_folder: Path, workers: Workers) -> None:
    sink = Sink()
    source = {"kind": "file", "path": str(frame_folder), "fps": 50, "loop": False}
    _, health = workers.start(camera(source, sample_fps=25), sink)
    assert wait_until(lambda: health.snapshot()["reconnects"] >= 1, timeout=3)
    assert health.snapshot()["last_error"] == f"file {frame_folder}: ended"
    assert sink.wait_for(4, timeout=3)


def test_snapshot_camera_delivers(http_camera: HttpCamera, workers: Workers) -> None:
    sink = Sink()
    source = {"kind": "snapshot", "url": http_camera.url("/snapshot.jpg")}
    _, health = workers.start(camera(source, sample_fps=10), sink)
    assert sink.wait_for(4, timeout=3)
    assert health.snapshot()["connected"] is True
    assert health.snapshot()["last_error"] is None


def test_non_image_snapshot_is_a_clear_health_error(
    http_camera: HttpCamera, workers: Workers
) -> None:
    url = http_camera.url("/login.html")
    _, health = workers.start(camera({"kind": "snapshot", "url": url}), Sink())
    assert wait_until(lambda: http_camera.hits.get("/login.html", 0) >= 3, timeout=3)
    snap = health.snapshot()
    assert snap["connected"] is False
    assert snap["last_error"].startswith(f"snapshot {url}: expected an image")
    assert "'text/html; charset=utf-8'" in snap["last_error"]
    assert snap["frames_in"] == 0 and snap["reconnects"] == 0


def test_mjpeg_camera_delivers(http_camera: HttpCamera, workers: Workers) -> None:
    sink = Sink()
    source = {"kind": "mjpeg", "url": http_camera.url("/mjpeg")}
    _, health = workers.start(camera(source, sample_fps=10), sink)
    assert sink.wait_for(5, timeout=5)
    assert sink.means == sorted(sink.means)
    assert health.snapshot()["fps_in"] > 10  # the stream's ~25 fps, not the 10 fps sampled


def test_a_dead_camera_backs_off_while_a_good_one_keeps_delivering(
    clip: Path, workers: Workers, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("serve.streams.worker.random.uniform", lambda a, b: 1.0)  # no jitter
    caplog.set_level(logging.WARNING, logger="serve.streams.worker")
    good_sink = Sink()
    dead = camera({"kind": "rtsp", "url": "rtsp://127.0.0.1:9/live"}, cam_id="dead")
    _, dead_health = workers.start(dead, Sink(), backoff_initial_s=0.05, backoff_max_s=0.4)
    good = camera({"kind": "file", "path": str(clip)}, sample_fps=10, cam_id="good")
    workers.start(good, good_sink)
    assert good_sink.wait_for(15, timeout=4)  # 1.5 s of frames while the other keeps failing
    delays = [
        r.args[2] for r in caplog.records if isinstance(r.args, tuple) and r.args[0] == "dead"
    ]
    assert delays[:4] == pytest.approx([0.05, 0.1, 0.2, 0.4])
    assert delays[4:] == pytest.approx([0.4] * len(delays[4:]))
    snap = dead_health.snapshot()
    assert snap["connected"] is False and snap["reconnects"] == 0
    assert snap["last_error"].startswith("cannot open rtsp://127.0.0.1:9/live")


def test_a_failing_pipeline_does_not_stop_the_worker(clip: Path, workers: Workers) -> None:
    sink = Sink(raise_on=frozenset({1, 2}))
    worker, health = workers.start(camera({"kind": "file", "path": str(clip)}, 20), sink)
    assert sink.wait_for(5, timeout=3)
    assert worker.running
    snap = health.snapshot()
    assert snap["last_error"] == "processing failed: RuntimeError('pipeline blew up on call 2')"
    assert sink.count >= 5  # calls 3, 4, ... went through
    assert snap["connected"] is True


@pytest.mark.parametrize(
    ("source", "options", "bound"),
    [
        (
            {"kind": "rtsp", "url": "rtsp://127.0.0.1:9/x"},
            {"backoff_initial_s": 30, "backoff_max_s": 30},
            0.5,
        ),
        ({"kind": "file", "path": "CLIP"}, {}, 0.5),
        ({"kind": "mjpeg", "url": "MJPEG"}, {}, 0.5),
        # a read blocked in FFmpeg ends within its read timeout
        ({"kind": "mjpeg", "url": "STALL"}, {"read_timeout_s": 1.5}, 1.6),
        ({"kind": "snapshot", "url": "SLOW", "timeout_s": 0.5}, {}, 1.0),
    ],
    ids=["in-back-off", "reading-file", "reading-mjpeg", "blocked-read", "blocked-snapshot"],
)
def test_stop_is_prompt(
    source: dict[str, Any],
    options: dict[str, Any],
    bound: float,
    clip: Path,
    http_camera: HttpCamera,
    workers: Workers,
) -> None:
    urls = {
        "CLIP": str(clip),
        "MJPEG": http_camera.url("/mjpeg"),
        "STALL": http_camera.url("/mjpeg-stall"),
        "SLOW": http_camera.url("/slow.jpg"),
    }
    source = {k: urls.get(v, v) if isinstance(v, str) else v for k, v in source.items()}
    worker, health = workers.start(camera(source), Sink(), **options)
    time.sleep(0.8)  # into the back-off, the stream, or the blocked read
    start = time.monotonic()
    assert worker.stop(timeout=3) is True
    assert time.monotonic() - start < bound
    assert not worker.running
    assert health.snapshot()["connected"] is False


def test_push_cameras_have_no_worker() -> None:
    cam = camera({"kind": "push"})
    with pytest.raises(ValueError, match="'cam-01' is a push camera"):
        StreamWorker(cam, Sink(), StreamHealth(cam.id, "push"))


def test_bad_back_off_settings_are_refused(clip: Path) -> None:
    cam = camera({"kind": "file", "path": str(clip)})
    health = StreamHealth(cam.id, "file")
    with pytest.raises(ValueError, match=r"got 2\.0 and 1\.0"):
        StreamWorker(cam, Sink(), health, backoff_initial_s=2.0, backoff_max_s=1.0)


def test_a_worker_starts_once(clip: Path, workers: Workers) -> None:
    worker, _ = workers.start(camera({"kind": "file", "path": str(clip)}), Sink())
    with pytest.raises(RuntimeError, match="already started"):
        worker.start()
