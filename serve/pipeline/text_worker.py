"""Reading text off the frame loop: one thread runs the OCR for every camera, jobs wait in
a bounded queue (a full queue refuses a job, which the camera asks again for later), and
each finished job is handed back to its camera, which turns it into cases at its next
frame. A frame is never held up by OCR."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from detector.geometry import Box
from detector.image import Image
from detector.text.reader import TextLine, TextReader
from detector.text.zoom import read_closer

logger = logging.getLogger(__name__)


@dataclass
class TextJob:
    """A crop to read: ``origin`` is its top-left in the frame (full-size pixels);
    ``frame_jpeg`` the whole frame, for evidence should the read make a case."""

    camera_id: str
    key: Hashable
    crop: Image
    origin: tuple[int, int]
    frame_jpeg: bytes
    frame_size: tuple[int, int]
    at_s: float
    signs: list[Box] = field(default_factory=list)
    lines: list[TextLine] = field(default_factory=list)
    error: str | None = None


Done = Callable[[TextJob], None]


class TextWorker:
    """The OCR thread; ``submit`` never blocks."""

    def __init__(
        self,
        reader: TextReader,
        queue_size: int = 16,
        observe: Callable[[str, float], None] = lambda kind, seconds: None,
    ) -> None:
        self.reader = reader
        self.observe = observe  # (what was read, seconds it took)
        self._jobs: queue.Queue[tuple[TextJob, Done] | None] = queue.Queue(maxsize=queue_size)
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.refused = 0
        self.read = 0

    def submit(self, job: TextJob, done: Done) -> bool:
        """Queue ``job``; False (and nothing queued) when the queue is full."""
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="ocr", daemon=True)
                self._thread.start()
        try:
            self._jobs.put_nowait((job, done))
        except queue.Full:
            self.refused += 1
            return False
        return True

    def idle(self) -> bool:
        """Nothing waiting (a job may still be running)."""
        return self._jobs.empty()

    def stop(self, timeout_s: float = 10.0) -> None:
        with self._start_lock:
            thread = self._thread
        if thread is None:
            return
        try:
            self._jobs.put(None, timeout=timeout_s)
        except queue.Full:
            logger.warning("OCR queue full at shutdown: waiting jobs dropped")
        thread.join(timeout_s)

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            job, done = item
            started = time.perf_counter()
            try:
                lines = read_closer(self.reader, job.crop)
                ox, oy = job.origin
                job.lines = [
                    TextLine(ln.text, ln.confidence, (b[0] + ox, b[1] + oy, b[2] + ox, b[3] + oy))
                    for ln in lines
                    for b in [ln.box]
                ]
            except Exception as exc:  # a bad crop must not stop the reader for everyone
                logger.exception("camera %s: reading text failed", job.camera_id)
                job.error = f"reading text failed: {exc}"
            self.read += 1
            kind = job.key[0] if isinstance(job.key, tuple) and job.key else "other"
            self.observe(str(kind), time.perf_counter() - started)
            try:
                done(job)
            except Exception:
                logger.exception("camera %s: handing back a text read failed", job.camera_id)
