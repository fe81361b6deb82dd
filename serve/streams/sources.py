"""Pull sources: open a camera's RTSP, gateway stream (RTMP, HTTP-FLV, HLS, HTTP-fMP4), MJPEG,
snapshot or file source and read frames from it."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Protocol

import cv2

from detector.errors import ImageDecodeError
from detector.image import Image, load_image
from serve.config.cameras import (
    FileSource,
    MjpegSource,
    RtspSource,
    SnapshotSource,
    StreamSource,
)
from serve.streams.capture import (
    CaptureSource,
    SafeCapture,
    expand_secrets,
    open_capture,
    redact,
)
from serve.streams.errors import SourceError
from serve.streams.pacing import Pacer
from serve.streams.snapshot import SnapshotReader

logger = logging.getLogger(__name__)

PullSource = RtspSource | MjpegSource | StreamSource | SnapshotSource | FileSource

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})


class FrameSource(Protocol):
    """An open source of frames, read by one thread; ``close()`` is safe from any thread."""

    def read(self) -> Image | None:
        """The next BGR frame; None when the source has ended or was closed.

        Raises ``SourceError`` when the source failed (the message says how).
        """
        ...

    def close(self) -> None: ...


def open_source(
    source: PullSource,
    *,
    sample_fps: float,
    open_timeout_s: float = 10.0,
    read_timeout_s: float = 5.0,
) -> FrameSource:
    """Open a camera's pull source; raise ``SourceError`` naming it when that fails.

    ``sample_fps`` paces snapshot polling; the timeouts bound network opens and reads so
    that a dead feed cannot block a worker forever.
    """
    if isinstance(source, RtspSource | MjpegSource | StreamSource):
        transport = source.transport if isinstance(source, RtspSource) else None
        cap = open_capture(
            expand_secrets(source.url),
            transport=transport,
            open_timeout_s=open_timeout_s,
            read_timeout_s=read_timeout_s,
        )
        return CaptureSource(cap, f"{source.kind} {redact(source.url)}", read_timeout_s)
    if isinstance(source, SnapshotSource):
        return SnapshotReader(
            expand_secrets(source.url), timeout_s=source.timeout_s, interval_s=1.0 / sample_fps
        )
    if source.path.is_dir():
        return FrameFolderReader(source.path, fps=source.fps, loop=source.loop)
    return VideoFileReader(source.path, fallback_fps=source.fps, loop=source.loop)


class VideoFileReader:
    """A video file replayed in real time at its own frame rate, looped when ``loop``."""

    def __init__(self, path: Path, *, fallback_fps: float, loop: bool) -> None:
        self._path = path
        self._loop = loop
        self._lock = threading.Lock()
        self._capture = self._open()
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        # containers without a usable rate (0, NaN, absurd values) play at the configured fps
        if not 0 < fps <= 240:
            logger.info("%s: no usable frame rate (%s), playing at %g fps", path, fps, fallback_fps)
            fps = fallback_fps
        self._pacer = Pacer(1.0 / fps)

    def _open(self) -> SafeCapture:
        if not self._path.exists():
            raise SourceError(f"file source {self._path}: no such file or folder")
        cap = cv2.VideoCapture(str(self._path), cv2.CAP_FFMPEG)
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"file source {self._path}: not a readable video file")
        return SafeCapture(cap)

    def read(self) -> Image | None:
        if not self._pacer.wait():
            return None
        frame = self._capture.read()
        if frame is not None or self._capture.closed:
            return frame
        if not self._loop:
            return None
        with self._lock:
            if self._capture.closed:
                return None
            self._capture.close()
            self._capture = self._open()
        frame = self._capture.read()
        if frame is None and not self._capture.closed:
            raise SourceError(f"file source {self._path}: no frame could be decoded")
        return frame

    def close(self) -> None:
        self._pacer.stop()
        with self._lock:
            self._capture.close()


class FrameFolderReader:
    """A folder of ``*.jpg`` / ``*.png`` frames, in name order, at ``fps``; looped when ``loop``."""

    def __init__(self, folder: Path, *, fps: float, loop: bool) -> None:
        self._files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self._files:
            raise SourceError(f"file source {folder}: folder holds no .jpg or .png frames")
        self._loop = loop
        self._index = 0
        self._pacer = Pacer(1.0 / fps)

    def read(self) -> Image | None:
        if not self._pacer.wait():
            return None
        if self._index >= len(self._files):
            if not self._loop:
                return None
            self._index = 0
        path = self._files[self._index]
        self._index += 1
        try:
            return load_image(path)
        except ImageDecodeError as e:
            raise SourceError(f"file source: {e}") from e

    def close(self) -> None:
        self._pacer.stop()
