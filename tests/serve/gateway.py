"""Real gateway streams for tests, as WVP-PRO/ZLMediaKit re-serve GB/T 28181 cameras.

    with HlsFeed(clip) as feed:    # ffmpeg writing live HLS, served over HTTP
        feed.url                   # http://127.0.0.1:<port>/live/cam.m3u8
        feed.stop_feed()           # the gateway drops the idle stream: 404 from now on
        feed.start_feed()          # ...and serves it again (returns once it is readable)
    with FlvFeed(clip) as feed:    # HTTP-FLV, one ffmpeg per client
        feed.url                   # http://127.0.0.1:<port>/live/cam.flv

Both loop the clip in real time with ``-c copy`` (an H.264 clip from
``tests.serve.rtsp.make_test_clip``). Everything is stopped by ``close()``.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.serve.rtsp import HOST, Feed, _free_tcp_port, _stop


def require_ffmpeg() -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("gateway stream tests need ffmpeg on PATH (apt-get install ffmpeg)")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class GatewayFeed(Feed):
    """A clip looped by an ffmpeg process; subclasses say how it is served."""

    path = "live/cam"

    def __init__(self, clip: Path, *, ready_timeout_s: float = 30.0) -> None:
        require_ffmpeg()
        if not clip.is_file():
            raise FileNotFoundError(f"test clip not found: {clip}")
        self.clip = clip
        self.ready_timeout_s = ready_timeout_s
        self.port = _free_tcp_port()
        self.dir = Path(tempfile.mkdtemp(prefix="gateway-feed-"))
        self._ffmpeg: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> None:
        self.start_feed()

    def command(self) -> list[str]:
        raise NotImplementedError

    def start_feed(self, *, wait: bool = True) -> None:
        """(Re)start serving the clip; with ``wait``, return once it is readable."""
        self.stop_feed()
        self._spawn()
        if wait:
            self.wait_readable()

    def _spawn(self) -> None:
        with (self.dir / "ffmpeg.log").open("ab") as log:
            self._ffmpeg = subprocess.Popen(
                ["ffmpeg", "-hide_banner", "-loglevel", "warning", "-nostdin", "-re",
                 "-stream_loop", "-1", "-i", str(self.clip), "-c", "copy", *self.command()],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def stop_feed(self) -> None:
        _stop(self._ffmpeg)
        self._ffmpeg = None

    def close(self) -> None:
        self.stop_feed()
        shutil.rmtree(self.dir, ignore_errors=True)

    def wait_readable(self) -> None:
        """Poll with OpenCV until a frame comes through; RuntimeError with the log if not."""
        deadline = time.monotonic() + self.ready_timeout_s
        last = "no attempt"
        while time.monotonic() < deadline:
            problem = self.read_one(None)
            if problem is None:
                return
            last = problem
        log = self.dir / "ffmpeg.log"
        tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
        raise RuntimeError(
            f"{self.url} not readable within {self.ready_timeout_s:g}s ({last})\n{tail}"
        )


class HlsFeed(GatewayFeed):
    """Live HLS (1 s segments, a window of 6) written by ffmpeg and served over HTTP;
    ``stop_feed`` removes the stream as a gateway does (404), ``start_feed`` brings it back."""

    def __init__(self, clip: Path, **kwargs: Any) -> None:
        super().__init__(clip, **kwargs)
        self.root = self.dir / "www"
        self.url = f"http://{HOST}:{self.port}/{self.path}.m3u8"
        handler = functools.partial(_Quiet, directory=str(self.root))
        self._http = http.server.ThreadingHTTPServer((HOST, self.port), handler)
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()
        super().start()

    def command(self) -> list[str]:
        out = self.root / f"{self.path}.m3u8"
        out.parent.mkdir(parents=True, exist_ok=True)
        return [
            "-f", "hls", "-hls_time", "1", "-hls_list_size", "6",
            "-hls_flags", "delete_segments+omit_endlist", str(out),
        ]  # fmt: skip

    def stop_feed(self) -> None:
        super().stop_feed()
        shutil.rmtree(self.root / "live", ignore_errors=True)

    def close(self) -> None:
        super().close()
        self._http.shutdown()
        self._http.server_close()


class FlvFeed(GatewayFeed):
    """HTTP-FLV as a gateway serves it: any number of clients, each GET streamed by its
    own ffmpeg (``-f flv pipe:1``) for as long as the client reads; ``stop_feed`` ends
    every stream and answers 404 until ``start_feed``."""

    def __init__(self, clip: Path, **kwargs: Any) -> None:
        super().__init__(clip, **kwargs)
        self.url = f"http://{HOST}:{self.port}/{self.path}.flv"
        self.serving = threading.Event()
        self._procs: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._http = http.server.ThreadingHTTPServer((HOST, self.port), self._handler())
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        feed = self

        class Handler(_Quiet):
            def do_GET(self) -> None:
                if self.path != f"/{feed.path}.flv" or not feed.serving.is_set():
                    self.send_error(404, "no such stream")
                    return
                proc = feed.spawn_client()
                self.send_response(200)
                self.send_header("Content-Type", "video/x-flv")
                self.end_headers()
                try:
                    assert proc.stdout is not None
                    while chunk := os.read(proc.stdout.fileno(), 65536):
                        self.wfile.write(chunk)
                except OSError:
                    pass  # the client left
                finally:
                    feed.end_client(proc)

        return Handler

    def spawn_client(self) -> subprocess.Popen[bytes]:
        with (self.dir / "ffmpeg.log").open("ab") as log:
            proc = subprocess.Popen(
                ["ffmpeg", "-hide_banner", "-loglevel", "warning", "-nostdin", "-re",
                 "-stream_loop", "-1", "-i", str(self.clip), "-c", "copy", "-f", "flv",
                 "pipe:1"],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
            )  # fmt: skip
        with self._lock:
            self._procs.add(proc)
        return proc

    def end_client(self, proc: subprocess.Popen[bytes]) -> None:
        _stop(proc)
        with self._lock:
            self._procs.discard(proc)

    def start(self) -> None:
        self._thread.start()
        super().start()

    def start_feed(self, *, wait: bool = True) -> None:
        self.serving.set()
        if wait:
            self.wait_readable()

    def stop_feed(self) -> None:
        self.serving.clear()
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            _stop(proc)

    def close(self) -> None:
        super().close()
        self._http.shutdown()
        self._http.server_close()
