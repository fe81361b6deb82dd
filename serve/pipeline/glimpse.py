"""What a camera saw last: its latest frame and the detections on it, for the camera wall,
the camera page and the zone editor (no video server: the pages poll every few seconds).

Recording costs a reference per frame, nothing more: the frame is encoded only when a page
asks for it, once per frame however many pages ask (a pushed JPEG is served as the camera
sent it), and never larger than ``MAX_SIDE``.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

import cv2
import numpy as np

from detector.detections import Detections
from detector.frame import ScaledFrame
from detector.geometry import Box
from serve.evidence.render import encode_jpeg

# the longest side of a frame served to the pages (px); boxes stay in the camera's pixels
MAX_SIDE = 1280
# a pushed JPEG larger than this is re-encoded at MAX_SIDE instead of served as sent
MAX_SENT_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Seen:
    """One detection on the latest frame, in the camera's full-size pixels."""

    label: str
    confidence: float
    box: Box
    track_id: int | None


@dataclass(frozen=True)
class Glimpse:
    """The latest frame's time (the camera's), size (the camera's pixels), detections, and
    when it arrived by the server's monotonic clock."""

    at: dt.datetime
    size: tuple[int, int]
    seen: tuple[Seen, ...]
    received: float

    @property
    def age_s(self) -> float:
        """Seconds since the frame arrived (the server's clock, whatever the camera's)."""
        return max(0.0, time.monotonic() - self.received)


class LatestFrame:
    """One camera's latest frame; thread-safe (the frame loop writes, the pages read)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: ScaledFrame | None = None
        # what record() was given; made into a Glimpse only when a page asks
        self._raw: tuple[dt.datetime, Detections, list[str], float] | None = None
        self._glimpse: Glimpse | None = None
        self._jpeg: tuple[dt.datetime, bytes] | None = None

    def record(
        self, frame: ScaledFrame, at: dt.datetime, detections: Detections, names: list[str]
    ) -> None:
        """Keep ``frame`` (taken at ``at``) and its ``detections`` (full-size pixels): two
        references on the frame loop's path, nothing converted."""
        with self._lock:
            self._frame = frame
            self._raw = (at, detections, names, time.monotonic())

    def glimpse(self) -> Glimpse | None:
        """The latest frame's facts, or None before the first frame."""
        with self._lock:
            return self._current()

    def _current(self) -> Glimpse | None:
        # under the lock: the Glimpse of what record() last kept, made once
        if self._raw is None or self._frame is None:
            return None
        at, detections, names, received = self._raw
        if self._glimpse is None or self._glimpse.received != received:
            self._glimpse = Glimpse(at, self._frame.size, _seen(detections, names), received)
        return self._glimpse

    def jpeg(self) -> tuple[Glimpse, bytes] | None:
        """The latest frame as JPEG (at most ``MAX_SIDE`` px), or None before the first."""
        with self._lock:
            frame, glimpse, cached = self._frame, self._current(), self._jpeg
            if frame is None or glimpse is None:
                return None
            if cached is not None and cached[0] == glimpse.at:
                return glimpse, cached[1]
            # encoded under the lock: pages asking at once wait for one encode, not many
            data = _as_jpeg(frame)
            self._jpeg = (glimpse.at, data)
            return glimpse, data


def _seen(detections: Detections, names: list[str]) -> tuple[Seen, ...]:
    ids = detections.tracker_id
    return tuple(
        Seen(
            names[int(c)] if 0 <= int(c) < len(names) else str(int(c)),
            round(float(conf), 3),
            (float(b[0]), float(b[1]), float(b[2]), float(b[3])),
            None if ids is None else int(ids[i]),
        )
        for i, (b, conf, c) in enumerate(
            zip(detections.xyxy, detections.confidence, detections.class_id, strict=True)
        )
    )


def _as_jpeg(frame: ScaledFrame) -> bytes:
    if frame.jpeg is not None and max(frame.size) <= MAX_SIDE and len(frame.jpeg) <= MAX_SENT_BYTES:
        return frame.jpeg
    h, w = frame.image.shape[:2]
    if max(h, w) <= MAX_SIDE:
        return encode_jpeg(frame.image, quality=80)
    scale = MAX_SIDE / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = np.asarray(cv2.resize(frame.image, size, interpolation=cv2.INTER_AREA), np.uint8)
    return encode_jpeg(small, quality=80)
