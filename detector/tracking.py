"""Multi-object tracking: ByteTrack, with every track's Kalman filter in one set of arrays.

ByteTrack (Zhang et al. 2022) as the ``trackers`` library (2.6) runs it at a fixed frame
rate, with its XYXY constant-velocity Kalman filter: two rounds of IoU matching per frame
(confident detections against every track, then the weak ones against the tracks left),
new tracks from the confident detections nobody matched, lost tracks kept for a few frames.
The library keeps one 8x8 Kalman filter per track and updates them one by one in Python,
which cost half of its 0.4 ms a frame here. Its filter's covariances stay block-diagonal
(identity start, diagonal noise, each corner coordinate moving with its own velocity), and
every track's covariance depends only on its own history of predicts and updates, not on
the boxes: so a track's whole covariance is three numbers (position, cross, velocity
variance), shared by its four coordinates, and a frame's predicts and updates are a few
array operations for all tracks together. Same arithmetic, same order of id allocation:
``tests/detector/test_tracking_parity.py`` runs both on random scenes and compares ids.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from detector.detections import Detections

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]

PROCESS_NOISE = 0.01  # Q per state variable (ByteTrack's tuning: the identity x 0.01)
MEASUREMENT_NOISE = 0.1  # R per coordinate (the identity x 0.1)


class Tracker:
    """Assigns ``tracker_id`` to detections frame after frame (-1 while a track is unconfirmed).

    ByteTrack's defaults assume a 30 fps feed and a strong detector; city cameras are
    sampled at about 1 fps and our detector's scores are lower, so the thresholds are
    set from the detection threshold and the buffer is counted in processed frames.

    >>> tracker = Tracker(lost_frames=5)
    >>> box = Detections(xyxy=np.array([[10.0, 10.0, 50.0, 40.0]]),
    ...     confidence=np.array([0.9]), class_id=np.array([0]))
    >>> [int(tracker.update(box).tracker_id[0]) for _ in range(3)]
    [-1, 0, 0]
    >>> len(tracker.update(Detections.empty()))
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
        if lost_frames < 0:
            raise ValueError(f"lost_frames must be >= 0, got {lost_frames}")
        if confirm_frames < 1:
            raise ValueError(f"confirm_frames must be >= 1, got {confirm_frames}")
        if not (0.0 <= activation <= 1.0 and 0.0 <= min_iou <= 1.0):
            raise ValueError(
                f"activation and min_iou must be in [0, 1], got {activation} and {min_iou}"
            )
        self.lost_frames = lost_frames
        self.activation = activation  # also the confident/weak split, as we configure it
        self.min_iou = min_iou
        self.confirm_frames = confirm_frames
        self.reset()

    def reset(self) -> None:
        """Forget every track; ids start again at 0."""
        self._pos: F64 = np.zeros((0, 4))  # corners x1, y1, x2, y2
        self._vel: F64 = np.zeros((0, 4))
        self._cov: F64 = np.zeros((0, 3))  # per track: var(position), cov, var(velocity)
        self._ids: I64 = np.zeros(0, np.int64)
        self._missed: I64 = np.zeros(0, np.int64)  # frames since the last update
        self._streak: I64 = np.zeros(0, np.int64)  # consecutive updates
        self._next_id = 0

    def update(self, detections: Detections) -> Detections:
        """The same detections in the same order, with ``tracker_id`` filled in."""
        n = len(detections)
        ids = np.full(n, -1, np.int64)
        if len(self._ids) or n:
            self._step(
                np.asarray(detections.xyxy, np.float32).reshape(-1, 4),
                np.asarray(detections.confidence, np.float32).reshape(-1),
                ids,
            )
        return Detections(
            xyxy=detections.xyxy,
            confidence=detections.confidence,
            class_id=detections.class_id,
            tracker_id=ids,
            data=dict(detections.data),
        )

    def _step(self, boxes: F32, conf: F32, ids: I64) -> None:
        self._predict()
        strong = np.flatnonzero(conf >= self.activation)
        weak = np.flatnonzero(conf < self.activation)
        predicted = self._pos.copy()
        tracks = np.arange(len(self._ids))
        matched, left, unmatched = _associate(predicted, boxes[strong], self.min_iou)
        self._correct(tracks[matched[:, 0]], boxes[strong[matched[:, 1]]])
        ids[strong[matched[:, 1]]] = self._ids[tracks[matched[:, 0]]]
        rows = tracks[left]
        matched_weak, _, _ = _associate(predicted[rows], boxes[weak], self.min_iou)
        self._correct(rows[matched_weak[:, 0]], boxes[weak[matched_weak[:, 1]]])
        ids[weak[matched_weak[:, 1]]] = self._ids[rows[matched_weak[:, 0]]]
        self._spawn(boxes[strong[unmatched]])
        self._prune()

    def _predict(self) -> None:
        """Every track one frame on (constant velocity); a track missed last frame loses
        its streak of updates."""
        q = PROCESS_NOISE
        self._pos += self._vel
        pp, pv, vv = self._cov[:, 0], self._cov[:, 1], self._cov[:, 2]
        self._cov = np.stack([pp + pv + pv + vv + q, pv + vv, vv + q], axis=1)
        self._streak[self._missed > 0] = 0
        self._missed += 1

    def _correct(self, rows: I64, boxes: F32) -> None:
        """Kalman updates of ``rows`` with their matched ``boxes`` (Joseph form, as the
        library's), then ids for the tracks that have just become confirmed, in row order."""
        if not len(rows):
            return
        r = MEASUREMENT_NOISE
        pp, pv, vv = (self._cov[rows, i][:, None] for i in range(3))
        s = pp + r
        kp, kv = pp / s, pv / s
        innovation = boxes.astype(np.float64) - self._pos[rows]
        self._pos[rows] += kp * innovation
        self._vel[rows] += kv * innovation
        a = 1.0 - kp
        new = np.concatenate(
            [
                a * pp * a + r * kp * kp,
                a * pp * -kv + a * pv + r * kp * kv,
                (pv - kv * pp) * -kv + (vv - kv * pv) + r * kv * kv,
            ],
            axis=1,
        )
        self._cov[rows] = new
        self._missed[rows] = 0
        self._streak[rows] += 1
        # new ids in row order: the order the library allocates them in
        confirmed = rows[(self._streak[rows] >= self.confirm_frames) & (self._ids[rows] == -1)]
        self._ids[confirmed] = self._next_id + np.arange(len(confirmed))
        self._next_id += len(confirmed)

    def _spawn(self, boxes: F32) -> None:
        """New unconfirmed tracks (their own detections keep id -1 this frame)."""
        k = len(boxes)
        if not k:
            return
        self._pos = np.concatenate([self._pos, boxes.astype(np.float64)])
        self._vel = np.concatenate([self._vel, np.zeros((k, 4))])
        self._cov = np.concatenate([self._cov, np.tile([1.0, 0.0, 1.0], (k, 1))])
        self._ids = np.concatenate([self._ids, np.full(k, -1, np.int64)])
        self._missed = np.concatenate([self._missed, np.zeros(k, np.int64)])
        self._streak = np.concatenate([self._streak, np.ones(k, np.int64)])

    def _prune(self) -> None:
        """Keep tracks within the lost-frame budget that are confirmed, on a streak long
        enough, or seen this frame."""
        keep = (self._missed <= self.lost_frames) & (
            (self._ids != -1) | (self._streak >= self.confirm_frames) | (self._missed == 0)
        )
        if keep.all():
            return
        self._pos, self._vel, self._cov = self._pos[keep], self._vel[keep], self._cov[keep]
        self._ids, self._missed, self._streak = (
            self._ids[keep],
            self._missed[keep],
            self._streak[keep],
        )


def iou_matrix(a: F64 | F32, b: F32) -> F32:
    """Pairwise IoU of xyxy boxes, computed in float64, given as float32 (0 where both
    boxes are empty)."""
    a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
    out = np.zeros((len(a64), len(b64)), np.float32)
    if not len(a64) or not len(b64):
        return out
    w = np.minimum(a64[:, None, 2], b64[None, :, 2]) - np.maximum(a64[:, None, 0], b64[None, :, 0])
    h = np.minimum(a64[:, None, 3], b64[None, :, 3]) - np.maximum(a64[:, None, 1], b64[None, :, 1])
    inter = np.clip(w, 0.0, None) * np.clip(h, 0.0, None)
    area_a = (a64[:, 2] - a64[:, 0]) * (a64[:, 3] - a64[:, 1])
    area_b = (b64[:, 2] - b64[:, 0]) * (b64[:, 3] - b64[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    np.divide(inter, union, out=out, where=union > 0)
    return out


def _associate(tracks: F64, boxes: F32, min_iou: float) -> tuple[I64, I64, I64]:
    """Optimal one-to-one matching by IoU (``scipy``'s Jonker-Volgenant solver): the pairs
    (track row, box row) at ``min_iou`` or more, in track order, then the tracks and the
    boxes left, each sorted."""
    from scipy.optimize import linear_sum_assignment  # heavy; only when a camera runs

    pairs = np.zeros((0, 2), np.int64)
    if not len(tracks) or not len(boxes):
        return pairs, np.arange(len(tracks)), np.arange(len(boxes))
    similarity = iou_matrix(tracks, boxes)
    rows, cols = linear_sum_assignment(similarity, maximize=True)
    good = similarity[rows, cols] >= min_iou
    pairs = np.stack([rows[good], cols[good]], axis=1).astype(np.int64)
    return pairs, _others(len(tracks), pairs[:, 0]), _others(len(boxes), pairs[:, 1])


def _others(n: int, taken: I64) -> I64:
    """0..n-1 without ``taken``, ascending."""
    free = np.ones(n, bool)
    free[taken] = False
    return np.flatnonzero(free).astype(np.int64)
