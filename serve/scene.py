"""One camera's scene baseline in the service: sampling, the frame from before, persistence.

The baseline itself (``detector.scene.SceneBaseline``) is pure; this wraps it for a camera
pipeline: it is updated at most once per ``interval_s`` of frame time, keeps a few JPEG
frames from the last minutes so a case can show the scene *before* its object appeared,
and saves the learnt empty scene under the data directory (atomically, every few minutes
and at stop) so a restart does not have to learn the street again, nor take an object
that is already a case for part of the street.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from detector.frame import ScaledFrame
from detector.geometry import Box
from detector.scene.baseline import SceneBaseline
from detector.scene.cadence import SceneCadence
from detector.scene.events import SceneEvent
from detector.zones import Zone
from serve.config.cameras import SceneSettings
from serve.evidence.render import encode_jpeg
from serve.private_files import private_dir

logger = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]
BEFORE_EVERY_S = 15.0  # one "before" frame kept per this many seconds of frame time
BEFORE_KEEP = 16  # ... and this many of them (4 minutes at 15 s)
SAVE_EVERY_S = 300.0  # the learnt scene is saved this often (frame time)


@dataclass(frozen=True)
class Before:
    """A frame kept for evidence: the JPEG, its size and when it was taken (epoch s)."""

    jpeg: bytes
    size: tuple[int, int]
    at: float


class SceneWatch:
    """The scene baseline of one camera, fed from its pipeline (not thread-safe: the
    pipeline's lock serialises calls)."""

    def __init__(
        self,
        camera_id: str,
        zones: Sequence[Zone],
        settings: SceneSettings,
        store: Path | None = None,
    ) -> None:
        self.camera_id = camera_id
        self.zones = tuple(zones)
        self.settings = settings
        self.path = None if store is None else store / f"{camera_id}.png"
        try:
            self.baseline = SceneBaseline(self.zones, background=self._load())
        except ValueError as e:  # saved at another analysis size
            logger.warning("camera %s: saved scene baseline not used: %s", camera_id, e)
            self.baseline = SceneBaseline(self.zones)
        self._before: deque[Before] = deque(maxlen=BEFORE_KEEP)
        still = max(settings.interval_s, settings.still_interval_s)
        self._cadence = SceneCadence(
            min_s=settings.interval_s,
            busy_s=min(max(settings.interval_s, settings.busy_interval_s), still),
            still_s=still,
        )
        self._last: float | None = None
        self._saved: float | None = None

    def update(
        self, frame: ScaledFrame, at: float, protect: Sequence[Box], *, changed: bool = True
    ) -> list[SceneEvent]:
        """Feed one frame; ``changed``: the motion gate saw a change (or re-checked). It is
        looked at when changed (once per ``busy_interval_s``, once per ``interval_s`` while
        a decision is near) and every ``still_interval_s`` on a still street; an unchanged
        frame in between only advances the baseline's clock (``SceneCadence.step_for``)."""
        step = self._cadence.step_for(self.baseline, at, changed=changed)
        if step == "skip":
            return []
        if step == "advance":  # an unchanged picture: time passes, nothing is looked at
            return self.baseline.advance(at, protect=protect)
        self._last = at
        if not self._before or at - self._before[-1].at >= BEFORE_EVERY_S:
            # evidence: the camera's own JPEG when it sent one (no decode, no re-encode),
            # else the full frame encoded
            jpeg = frame.jpeg if frame.jpeg is not None else encode_jpeg(frame.full())
            self._before.append(Before(jpeg, frame.size, at))
        # the gate's downscale of this frame, shared (``ScaledFrame.shrunk``)
        image, size = frame.shrunk(self.baseline.config.width), frame.size
        try:
            events = self.baseline.update(image, at, protect=protect, full_size=size)
        except ValueError as e:
            # the camera's resolution changed (or a saved scene does not fit it): start over
            logger.warning("camera %s: scene baseline restarted: %s", self.camera_id, e)
            self.baseline = SceneBaseline(self.zones)
            self._before.clear()
            events = self.baseline.update(image, at, protect=protect, full_size=size)
        if self._saved is None:
            self._saved = at
        elif at - self._saved >= SAVE_EVERY_S and self.baseline.ready:
            self.save()
            self._saved = at
        return events

    def pending(self) -> list[dict[str, Any]]:
        """The baseline's objects waiting for their dwell (``SceneBaseline.pending``)."""
        return self.baseline.pending()

    def adopt(self, pending: Sequence[Mapping[str, Any]]) -> int:
        """Take another process's waiting objects (``SceneBaseline.adopt``)."""
        return self.baseline.adopt(pending)

    def before(self, first_seen: float) -> Before | None:
        """The newest kept frame taken before ``first_seen``: the scene before the object."""
        older = [b for b in self._before if b.at < first_seen]
        return older[-1] if older else None

    def accept(self, zone_id: str | None) -> None:
        """Take the current scene as the empty scene (of one zone, or all) and save it."""
        if zone_id is not None and zone_id not in {z.id for z in self.zones}:
            raise KeyError(f"camera {self.camera_id} has no zone {zone_id!r}")
        self.baseline.accept(zone_id)
        self.save()

    def save(self) -> None:
        """Write the learnt empty scene (atomically); a failure is logged, never raised."""
        if self.path is None or self._last is None:
            return
        try:
            background = self.baseline.background()
        except ValueError:
            return
        ok, png = cv2.imencode(".png", background)
        if not ok:
            return
        try:
            private_dir(self.path.parent)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".scene-", suffix=".png")
            with os.fdopen(fd, "wb") as f:
                f.write(png.tobytes())
                f.flush()
                os.fsync(f.fileno())
            Path(tmp).replace(self.path)
        except OSError as e:
            logger.warning("camera %s: could not save the scene baseline: %s", self.camera_id, e)

    def _load(self) -> Image | None:
        if self.path is None or not self.path.is_file():
            return None
        image = cv2.imread(str(self.path), cv2.IMREAD_COLOR)
        if image is None:
            logger.warning("camera %s: unreadable scene baseline %s", self.camera_id, self.path)
            return None
        return image.astype(np.uint8)
