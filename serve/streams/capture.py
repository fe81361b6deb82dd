"""OpenCV/FFmpeg network captures (RTSP, HTTP MJPEG) with bounded open and read times."""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import cv2
import numpy as np

from detector.image import Image, as_bgr
from serve.config.secret_box import is_sealed
from serve.streams.errors import SourceError

logger = logging.getLogger(__name__)

CAPTURE_OPTIONS_ENV = "OPENCV_FFMPEG_CAPTURE_OPTIONS"


def redact(url: str) -> str:
    """The URL with any password replaced, fit for logs and health messages.

    >>> redact("rtsp://admin:secret@10.0.0.7:554/live")
    'rtsp://admin:***@10.0.0.7:554/live'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_secrets(url: str) -> str:
    """The URL with each ``${NAME}`` replaced by that environment variable, so a camera's
    password need not be stored (``rtsp://admin:${CAM7_PASSWORD}@10.0.0.7/live``);
    SourceError naming the variable when it is not set.

    >>> os.environ["SW_DOCTEST_PW"] = "s3cret"
    >>> expand_secrets("rtsp://admin:${SW_DOCTEST_PW}@10.0.0.7/live")
    'rtsp://admin:s3cret@10.0.0.7/live'
    """

    if is_sealed(url):
        raise SourceError(
            f"{redact(url)}: the password stored for this camera was sealed with another "
            "secret key (STREETWATCH_SECRET_KEY or <data_dir>/secret.key was replaced); "
            "put the old key back, or send the camera again with its password"
        )

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise SourceError(
                f"{redact(url)}: environment variable {name} (named in the URL) is not set"
            )
        return os.environ[name]

    return _ENV_REF.sub(value, url)


def with_transport(options: str | None, transport: str) -> str:
    """FFmpeg capture options (``key;value|key;value``) with ``rtsp_transport`` set.

    >>> with_transport("hwaccel;none|rtsp_transport;tcp", "udp")
    'hwaccel;none|rtsp_transport;udp'
    """
    pairs = [p for p in (options or "").split("|") if p and not p.startswith("rtsp_transport;")]
    return "|".join([*pairs, f"rtsp_transport;{transport}"])


class _OptionsGate:
    """Serialises changes of the process-wide FFmpeg capture options.

    OpenCV reads ``OPENCV_FFMPEG_CAPTURE_OPTIONS`` when a capture opens. Opens that want the
    same transport run side by side; one that wants the other transport waits only until the
    opens in flight finish, so a slow camera delays others only across a transport change.
    Options already in the variable (set by the operator) are kept.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._transport: str | None = None
        self._active = 0
        self._saved: str | None = None

    @contextmanager
    def transport(self, transport: str) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: self._active == 0 or self._transport == transport)
            if self._active == 0:
                self._saved = os.environ.get(CAPTURE_OPTIONS_ENV)
                os.environ[CAPTURE_OPTIONS_ENV] = with_transport(self._saved, transport)
                self._transport = transport
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                if self._active == 0:
                    if self._saved is None:
                        os.environ.pop(CAPTURE_OPTIONS_ENV, None)
                    else:
                        os.environ[CAPTURE_OPTIONS_ENV] = self._saved
                    self._transport = None
                    self._cond.notify_all()


_GATE = _OptionsGate()


def open_capture(
    url: str,
    *,
    transport: Literal["tcp", "udp"] | None = "tcp",
    open_timeout_s: float = 10.0,
    read_timeout_s: float = 5.0,
) -> cv2.VideoCapture:
    """Open ``url`` with OpenCV's FFmpeg backend; raise ``SourceError`` if it cannot be opened.

    ``transport`` picks RTP over TCP or UDP for ``rtsp://`` URLs; None (for HTTP, where it
    means nothing) leaves the capture options alone.
    """
    params = [
        cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
        round(open_timeout_s * 1000),
        cv2.CAP_PROP_READ_TIMEOUT_MSEC,
        round(read_timeout_s * 1000),
    ]
    if transport is None:
        cap = cv2.VideoCapture(url, cv2.CAP_FFMPEG, params)
    else:
        with _GATE.transport(transport):
            cap = cv2.VideoCapture(url, cv2.CAP_FFMPEG, params)
    if not cap.isOpened():
        cap.release()
        raise SourceError(
            f"cannot open {redact(url)} (unreachable, refused, not a video stream, "
            f"or no reply within {open_timeout_s:g}s)"
        )
    return cap


class SafeCapture:
    """A ``cv2.VideoCapture`` that one thread reads while another may close it."""

    def __init__(self, cap: cv2.VideoCapture) -> None:
        self._cap = cap
        # held while OpenCV reads: releasing a capture under a running read would crash
        self._lock = threading.Lock()
        self._closed = threading.Event()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def get(self, prop: int) -> float:
        with self._lock:
            return float(self._cap.get(prop))

    def read(self) -> Image | None:
        """The next frame; None at the end of the stream, on a read error or once closed."""
        with self._lock:
            if self._closed.is_set():
                return None
            ok, frame = self._cap.read()
        if self._closed.is_set():
            self.close()
            return None
        if not ok or frame is None:
            return None
        return as_bgr(np.asarray(frame))

    def close(self) -> None:
        self._closed.set()
        # a read in progress keeps the lock; the reading thread releases after it returns
        if self._lock.acquire(blocking=False):
            try:
                self._cap.release()
            finally:
                self._lock.release()


class CaptureSource:
    """Frames of a live network stream; a missing frame means the stream was lost."""

    def __init__(self, cap: cv2.VideoCapture, label: str, read_timeout_s: float) -> None:
        self._capture = SafeCapture(cap)
        self._label = label
        self._read_timeout_s = read_timeout_s

    def read(self) -> Image | None:
        started = time.monotonic()
        frame = self._capture.read()
        if self._capture.closed:
            return None
        # FFmpeg hands out a couple of stale frames after its read timeout fires before it
        # reports failure, so a read that lasted the whole timeout already means a stall
        if frame is None or time.monotonic() - started >= self._read_timeout_s:
            raise SourceError(
                f"{self._label}: stream lost (ended, or no frame within {self._read_timeout_s:g}s)"
            )
        return frame

    def close(self) -> None:
        self._capture.close()
