"""A real RTSP feed for tests: rtsp-server-perl relaying an ffmpeg loop of a clip.

    with RtspFeed(make_test_clip(tmp_path / "clip.mp4", moving_frames(50), fps=25)) as feed:
        cap = open_capture(feed.url, transport="udp")   # rtsp://127.0.0.1:<port>/cam1
        feed.stop_feed()    # the camera dies: readers stall, then time out
        feed.start_feed()   # ...and comes back (waits until the stream is readable again)

The relay speaks RTP over UDP only (no TCP interleaving), so readers must use
``transport="udp"``. Everything it starts is stopped by ``close()`` / the ``with`` block,
and at interpreter exit for feeds a crashed test never closed.
"""

from __future__ import annotations

import atexit
import logging
import random
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import pytest

from serve.streams.capture import open_capture
from serve.streams.errors import SourceError

logger = logging.getLogger(__name__)

TOOLS = ("ffmpeg", "rtsp-server-perl")
HOST = "127.0.0.1"

_live: set[RtspFeed] = set()
_atexit_registered = False


def require_rtsp_tools() -> None:
    """Skip the calling test when ffmpeg or rtsp-server-perl is not installed."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"RTSP tests need {' and '.join(missing)} on PATH (apt-get install ...)")


def moving_frames(count: int, size: tuple[int, int] = (240, 320)) -> list[npt.NDArray[np.uint8]]:
    """``count`` BGR frames (height, width = ``size``) with a bar that moves frame to frame."""
    height, width = size
    frames = []
    for i in range(count):
        frame = np.full((height, width, 3), 40, np.uint8)
        x = (i * 7) % (width - 20)
        frame[:, x : x + 20] = (0, 200, 255)
        frame[: height // 8, : width // 8] = (i * 5) % 256
        frames.append(frame)
    return frames


def make_test_clip(path: Path, frames: Iterable[npt.NDArray[np.uint8]], fps: float) -> Path:
    """Write BGR ``frames`` to an H.264 mp4 that ``ffmpeg -c copy`` can relay over RTSP.

    Baseline profile, no B-frames and a key frame every half second, so a client that joins
    (or rejoins) the stream decodes pictures within half a second.
    """
    frames = list(frames)
    if not frames:
        raise ValueError("make_test_clip needs at least one frame, got none")
    height, width = frames[0].shape[:2]
    if height % 2 or width % 2 or frames[0].shape[2:] != (3,):
        raise ValueError(f"expected BGR frames of even height and width, got {frames[0].shape}")
    command = [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{width}x{height}", "-r", f"{fps:g}",
        "-i", "-",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
        "-profile:v", "baseline", "-pix_fmt", "yuv420p", "-g", str(max(1, round(fps / 2))),
        str(path),
    ]  # fmt: skip
    data = b"".join(np.ascontiguousarray(f).tobytes() for f in frames)
    proc = subprocess.run(command, input=data, capture_output=True, timeout=60, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg could not write {path}: {proc.stderr.decode(errors='replace')}")
    return path


def _free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _free_udp_range(size: int = 64) -> int:
    """An even port starting ``size`` consecutive free UDP ports (the relay's RTP ports)."""
    for _ in range(50):
        start = random.randrange(20_000, 60_000 - size, 2)
        sockets: list[socket.socket] = []
        try:
            for port in range(start, start + size):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sockets.append(s)
                s.bind((HOST, port))
            return start
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError(f"found no {size} consecutive free UDP ports for the RTSP relay")


def _stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=3)


def _close_live_feeds() -> None:
    for feed in list(_live):
        feed.close()


class Feed:
    """A test feed: ``start()`` on entering the ``with`` block, ``close()`` on leaving it
    (also when ``start`` fails half-way)."""

    url = ""

    def start(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def read_one(self, transport: Literal["tcp", "udp"] | None) -> str | None:
        """Open the feed's URL and read a frame: None when one came, else what went wrong."""
        try:
            cap = open_capture(self.url, transport=transport, open_timeout_s=5, read_timeout_s=5)
        except SourceError as e:
            time.sleep(0.3)
            return str(e)
        try:
            ok, _ = cap.read()
        finally:
            cap.release()
        return None if ok else "opened but no frame"


class RtspFeed(Feed):
    """Serves ``clip`` in a loop at ``rtsp://127.0.0.1:<port>/<path>`` (see the module doc)."""

    def __init__(self, clip: Path, *, path: str = "cam1", ready_timeout_s: float = 20.0) -> None:
        require_rtsp_tools()
        if not clip.is_file():
            raise FileNotFoundError(f"RTSP test clip not found: {clip}")
        self.clip = clip
        self.ready_timeout_s = ready_timeout_s
        self.client_port = _free_tcp_port()
        self.source_port = _free_tcp_port()
        self.url = f"rtsp://{HOST}:{self.client_port}/{path}"
        self._publish_url = f"rtsp://{HOST}:{self.source_port}/{path}"
        self._logs = Path(tempfile.mkdtemp(prefix="rtsp-feed-"))
        self._server: subprocess.Popen[bytes] | None = None
        self._feed: subprocess.Popen[bytes] | None = None
        self._rtp_start_port = _free_udp_range()
        self._mount_stale = False

    def start(self) -> None:
        """Start the relay and the feed; return once a client can read frames."""
        global _atexit_registered
        if not _atexit_registered:
            atexit.register(_close_live_feeds)
            _atexit_registered = True
        _live.add(self)
        self._start_server()
        self.start_feed()

    def _start_server(self) -> None:
        self._server = self._spawn(
            "server",
            [
                "rtsp-server-perl",
                "--clientport", str(self.client_port),
                "--serverport", str(self.source_port),
                "--client_listen_address", HOST,
                "--source_listen_address", HOST,
                "--rtp_start_port", str(self._rtp_start_port),
                "--loglevel", "2",
            ],
        )  # fmt: skip
        self._wait_listening()

    def _restart_server(self) -> None:
        logger.info("restarting the RTSP relay on %s (a publisher left a stale mount)", self.url)
        _stop(self._server)
        self._start_server()
        self._mount_stale = False

    def start_feed(self, *, wait: bool = True) -> None:
        """(Re)start publishing the clip; with ``wait``, return once it is readable."""
        if self._server is None:
            raise RuntimeError("RtspFeed.start_feed() before start(): use it as a context manager")
        self.stop_feed()
        if self._mount_stale:
            self._restart_server()
        self._feed = self._spawn_feed()
        if wait:
            self.wait_readable()

    def stop_feed(self) -> None:
        """Stop the publisher only (the camera goes dark); the relay keeps running.

        Clients are not told: they just stop receiving packets, as with a dead camera.
        """
        if self._feed is None:
            return
        if self._feed.poll() is None:
            # gracefully, so ffmpeg sends TEARDOWN: the relay forgets a publisher that just
            # vanishes, keeps its mount, and refuses the next one (403)
            self._feed.terminate()
            try:
                self._feed.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self._feed.kill()
                self._feed.wait(timeout=3)
                self._mount_stale = True
        self._feed = None

    def close(self) -> None:
        """Stop the publisher and the relay; safe to call twice."""
        _stop(self._feed)
        _stop(self._server)
        self._feed = self._server = None
        _live.discard(self)
        shutil.rmtree(self._logs, ignore_errors=True)

    def wait_readable(self) -> None:
        """Poll with OpenCV until a frame comes through; ``RuntimeError`` with logs if not."""
        deadline = time.monotonic() + self.ready_timeout_s
        last = "no attempt"
        while time.monotonic() < deadline:
            if self._feed is None or self._feed.poll() is not None:
                # the publisher was refused (the relay still held its old mount): start over
                self._restart_server()
                self._feed = self._spawn_feed()
            problem = self.read_one("udp")
            if problem is None:
                return
            last = problem
        raise RuntimeError(
            f"RTSP feed {self.url} not readable within {self.ready_timeout_s:g}s ({last})\n"
            + self._log_tail()
        )

    def _spawn_feed(self) -> subprocess.Popen[bytes]:
        return self._spawn(
            "feed",
            [
                "ffmpeg", "-hide_banner", "-loglevel", "warning", "-nostdin",
                "-re", "-stream_loop", "-1", "-i", str(self.clip),
                "-c", "copy", "-f", "rtsp", "-rtsp_transport", "udp", self._publish_url,
            ],
        )  # fmt: skip

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        with (self._logs / f"{name}.log").open("ab") as log:
            return subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._server is None or self._server.poll() is not None:
                break
            try:
                with socket.create_connection((HOST, self.client_port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"rtsp-server-perl did not start listening\n{self._log_tail()}")

    def _log_tail(self, chars: int = 2000) -> str:
        parts = []
        for log in sorted(self._logs.glob("*.log")):
            parts.append(f"--- {log.name}\n{log.read_text(errors='replace')[-chars:]}")
        return "\n".join(parts)
