from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import pytest

from serve.config.cameras import FileSource, MjpegSource, RtspSource, SnapshotSource
from serve.streams.capture import CAPTURE_OPTIONS_ENV, redact, with_transport
from serve.streams.errors import SourceError
from serve.streams.sources import FrameSource, open_source
from tests.serve.streams.conftest import AUTH, CLIP_FPS, CLIP_FRAMES, HttpCamera


def read_n(source: FrameSource, n: int) -> list[float]:
    """Read ``n`` frames; return their mean pixel values."""
    means = []
    for _ in range(n):
        frame = source.read()
        assert frame is not None
        assert frame.dtype.name == "uint8" and frame.ndim == 3 and frame.shape[2] == 3
        means.append(float(frame.mean()))
    return means


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("rtsp://admin:secret@10.0.0.7:554/live", "rtsp://admin:***@10.0.0.7:554/live"),
        ("http://cam.local/snap.jpg", "http://cam.local/snap.jpg"),
    ],
)
def test_redact_hides_passwords(url: str, shown: str) -> None:
    assert redact(url) == shown


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.mp4"
    with pytest.raises(SourceError, match=re.escape(f"{missing}: no such file")):
        open_source(FileSource(kind="file", path=missing), sample_fps=1)


def test_a_file_that_is_not_a_video_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_text("not a video")
    with pytest.raises(SourceError, match="not a readable video"):
        open_source(FileSource(kind="file", path=junk), sample_fps=1)


def test_a_folder_without_frames_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"no \.jpg or \.png frames"):
        open_source(FileSource(kind="file", path=tmp_path), sample_fps=1)


def test_video_file_plays_at_its_own_rate_and_loops(clip: Path) -> None:
    source = open_source(FileSource(kind="file", path=clip, fps=1.0), sample_fps=1)
    try:
        start = time.monotonic()
        read_n(source, CLIP_FRAMES + 5)  # past the end: looped
        elapsed = time.monotonic() - start
    finally:
        source.close()
    # 30 frames at the clip's 25 fps (not the 1 fps fallback) take about 1.2 s
    assert (CLIP_FRAMES + 4) / CLIP_FPS * 0.9 < elapsed < (CLIP_FRAMES + 5) / CLIP_FPS + 0.6


def test_video_file_without_loop_ends(clip: Path) -> None:
    source = open_source(FileSource(kind="file", path=clip, loop=False), sample_fps=1)
    try:
        read_n(source, CLIP_FRAMES)
        assert source.read() is None
    finally:
        source.close()


def test_frame_folder_plays_in_name_order_at_fps_and_loops(frame_folder: Path) -> None:
    source = open_source(FileSource(kind="file", path=frame_folder, fps=20), sample_fps=1)
    start = time.monotonic()
    means = read_n(source, 5)
    elapsed = time.monotonic() - start
    source.close()
    assert means == pytest.approx([10, 20, 30, 10, 20], abs=1.5)
    assert 4 / 20 * 0.9 < elapsed < 0.6


def test_frame_folder_without_loop_ends(frame_folder: Path) -> None:
    source = open_source(
        FileSource(kind="file", path=frame_folder, fps=50, loop=False), sample_fps=1
    )
    read_n(source, 3)
    assert source.read() is None


def test_close_ends_a_paced_wait_at_once(frame_folder: Path) -> None:
    source = open_source(FileSource(kind="file", path=frame_folder, fps=0.2), sample_fps=1)
    read_n(source, 1)  # the next frame is due in 5 s
    threading.Timer(0.1, source.close).start()
    start = time.monotonic()
    assert source.read() is None
    assert time.monotonic() - start < 1.0


def test_snapshot_polls_one_image_per_sample(http_camera: HttpCamera) -> None:
    url = http_camera.url("/snapshot.jpg")
    source = open_source(SnapshotSource(kind="snapshot", url=url), sample_fps=10)
    start = time.monotonic()
    means = read_n(source, 3)
    elapsed = time.monotonic() - start
    source.close()
    assert means == pytest.approx([1, 2, 3], abs=1.5)  # each frame is a new GET
    assert 0.15 < elapsed < 0.6
    assert http_camera.hits["/snapshot.jpg"] == 3


def test_snapshot_sends_url_credentials_as_basic_auth(http_camera: HttpCamera) -> None:
    url = http_camera.url("/private.jpg").replace("://", f"://{AUTH[0]}:{AUTH[1]}@")
    source = open_source(SnapshotSource(kind="snapshot", url=url), sample_fps=1)
    assert read_n(source, 1) == pytest.approx([7], abs=1.5)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/login.html", r"/login.html: expected an image, got content type 'text/html"),
        ("/missing.jpg", r"/missing.jpg: HTTP 404"),
        ("/private.jpg", r"/private.jpg: HTTP 401"),
    ],
)
def test_snapshot_errors_name_the_url_and_the_reply(
    http_camera: HttpCamera, path: str, message: str
) -> None:
    with pytest.raises(SourceError, match=message):
        open_source(SnapshotSource(kind="snapshot", url=http_camera.url(path)), sample_fps=1)


def test_snapshot_timeout_and_refused_connection(http_camera: HttpCamera) -> None:
    slow = SnapshotSource(kind="snapshot", url=http_camera.url("/slow.jpg"), timeout_s=0.3)
    with pytest.raises(SourceError, match=r"slow.jpg: no reply within 0.3s"):
        open_source(slow, sample_fps=1)
    refused = SnapshotSource(kind="snapshot", url="http://127.0.0.1:9/x.jpg")
    with pytest.raises(SourceError, match=r"127.0.0.1:9/x.jpg: cannot connect \(.*refused"):
        open_source(refused, sample_fps=1)


def test_mjpeg_stream_through_opencv(http_camera: HttpCamera) -> None:
    source = open_source(MjpegSource(kind="mjpeg", url=http_camera.url("/mjpeg")), sample_fps=1)
    try:
        means = read_n(source, 5)
    finally:
        source.close()
    assert means == sorted(means)  # frames arrive in order, each brighter than the last


def test_mjpeg_that_is_not_a_stream_fails_to_open(http_camera: HttpCamera) -> None:
    bad = MjpegSource(kind="mjpeg", url=http_camera.url("/login.html"))
    with pytest.raises(SourceError, match=r"cannot open http://127.0.0.1:\d+/login.html"):
        open_source(bad, sample_fps=1, open_timeout_s=2)


def test_a_stalled_mjpeg_stream_is_reported_lost(http_camera: HttpCamera) -> None:
    stalled = MjpegSource(kind="mjpeg", url=http_camera.url("/mjpeg-stall"))
    source = open_source(stalled, sample_fps=1, open_timeout_s=2, read_timeout_s=0.5)
    try:
        with pytest.raises(SourceError, match=r"stream lost .*0.5s"):
            for _ in range(30):
                source.read()
    finally:
        source.close()


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (None, "rtsp_transport;udp"),
        ("", "rtsp_transport;udp"),
        ("rtsp_transport;tcp", "rtsp_transport;udp"),
        ("a;1|rtsp_transport;tcp|b;2", "a;1|b;2|rtsp_transport;udp"),
    ],
)
def test_transport_option_keeps_the_operators_other_options(
    options: str | None, expected: str
) -> None:
    assert with_transport(options, "udp") == expected


def test_opening_restores_the_capture_options_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CAPTURE_OPTIONS_ENV, "hwaccel;none")
    refused = RtspSource(kind="rtsp", url="rtsp://127.0.0.1:9/live", transport="udp")
    with pytest.raises(SourceError, match=r"cannot open rtsp://127\.0\.0\.1:9/live"):
        open_source(refused, sample_fps=1, open_timeout_s=2)
    assert os.environ[CAPTURE_OPTIONS_ENV] == "hwaccel;none"
