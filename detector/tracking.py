"""Multi-object tracking with ByteTrack from the ``trackers`` library."""

from __future__ import annotations

import numpy as np

from detector.detections import Detections


class Tracker:
    """Assigns ``tracker_id`` to detections frame after frame (-1 while a track is unconfirmed).

    ByteTrack's defaults assume a 30 fps feed and a strong detector; city cameras are
    sampled at about 1 fps and our detector's scores are lower, so the thresholds are
    set from the detection threshold and the buffer is counted in processed frames.

    >>> tracker = Tracker(lost_frames=5)
    >>> tracked = tracker.update(Detections.empty())
    >>> len(tracked)
    0
    """

    def __init__(
        self,
        *,
        lost_frames: int = 10,
        activation: float = 0.3,
        min_iou: float = 0.1,
        confirm_frames: int = 1,
    ) -> None:
        from trackers import ByteTrackTracker  # heavy (scipy); only when a camera runs

        self._tracker = ByteTrackTracker(
            lost_track_buffer=lost_frames,
            frame_rate=30.0,  # the buffer above is then exactly ``lost_frames`` updates
            track_activation_threshold=activation,
            high_conf_det_threshold=activation,
            minimum_consecutive_frames=confirm_frames,
            minimum_iou_threshold=min_iou,
        )

    def update(self, detections: Detections) -> Detections:
        """The same detections in the same order, with ``tracker_id`` filled in."""
        import supervision as sv

        n = len(detections)
        sv_dets = sv.Detections(
            xyxy=detections.xyxy.astype(np.float32).reshape(-1, 4),
            confidence=detections.confidence.astype(np.float32),
            class_id=detections.class_id.astype(int),
            data={"row": np.arange(n)},
        )
        out = self._tracker.update(sv_dets)
        ids = np.full(n, -1, dtype=np.int64)
        if len(out) and out.tracker_id is not None:
            ids[np.asarray(out.data["row"], dtype=np.int64)] = np.asarray(out.tracker_id)
        return Detections(
            xyxy=detections.xyxy,
            confidence=detections.confidence,
            class_id=detections.class_id,
            tracker_id=ids,
            data=dict(detections.data),
        )

    def reset(self) -> None:
        self._tracker.reset()
