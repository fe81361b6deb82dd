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
variance), shared by its four coordinates. A camera's frame holds a handful of boxes, so
a track is a few plain floats (``_Track``) and its predict and update a dozen float
operations: array operations cost more in overhead than in arithmetic at that size (0.09
-> 0.035 ms a frame on the cameras benchmark's detections; IoU in arrays only above
``SMALL_PAIRS`` pairs). Same arithmetic in the same order (float64; scores and IoUs
compared as float32), same order of id allocation: ``tests/detector/test_tracking_parity.py``
runs both on random scenes and compares ids.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from detector.detections import Detections

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]

PROCESS_NOISE = 0.01  # Q per state variable (ByteTrack's tuning: the identity x 0.01)
MEASUREMENT_NOISE = 0.1  # R per coordinate (the identity x 0.1)
SMALL_PAIRS = 64  # up to this many track-box pairs, IoU in plain Python (``small_iou``)


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
        self._tracks: list[_Track] = []
        self._next_id = 0

    def update(self, detections: Detections) -> Detections:
        """The same detections in the same order, with ``tracker_id`` filled in."""
        n = len(detections)
        ids = [-1] * n
        if self._tracks or n:
            self._step(detections, ids)
        return Detections(
            xyxy=detections.xyxy,
            confidence=detections.confidence,
            class_id=detections.class_id,
            tracker_id=np.array(ids, np.int64),
            data=dict(detections.data),
        )

    def _step(self, detections: Detections, ids: list[int]) -> None:
        boxes = np.asarray(detections.xyxy, np.float32).reshape(-1, 4)
        # scores and IoUs are compared as float32, as the library compares them
        conf = np.asarray(detections.confidence, np.float32).reshape(-1).tolist()
        activation = float(np.float32(self.activation))
        xyxy = boxes.astype(np.float64).tolist()
        for track in self._tracks:
            track.predict()
        strong = [i for i, c in enumerate(conf) if c >= activation]
        weak = [i for i, c in enumerate(conf) if c < activation]
        rows = list(range(len(self._tracks)))
        left, unmatched = self._match(rows, strong, boxes, xyxy, ids)
        self._match(left, weak, boxes, xyxy, ids)
        for i in unmatched:  # new unconfirmed tracks (their detections keep id -1 this frame)
            self._tracks.append(_Track(xyxy[i]))
        # keep tracks within the lost-frame budget that are confirmed, on a streak long
        # enough, or seen this frame
        self._tracks = [
            t
            for t in self._tracks
            if t.missed <= self.lost_frames
            and (t.id != -1 or t.streak >= self.confirm_frames or t.missed == 0)
        ]

    def _match(
        self, rows: list[int], cols: list[int], boxes: F32, xyxy: list[list[float]], ids: list[int]
    ) -> tuple[list[int], list[int]]:
        """Match tracks ``rows`` with detections ``cols`` (one round), update the matched
        tracks and fill in their ids; return the rows and the columns left, each sorted."""
        pairs = _associate(
            [self._tracks[r].pos for r in rows], boxes[cols] if cols else boxes[:0], self.min_iou
        )
        matched = [(rows[r], cols[c]) for r, c in pairs]
        for row, col in matched:
            self._tracks[row].correct(xyxy[col])
        # new ids in row order: the order the library allocates them in
        for row, col in matched:
            track = self._tracks[row]
            if track.id == -1 and track.streak >= self.confirm_frames:
                track.id = self._next_id
                self._next_id += 1
            ids[col] = track.id
        taken_rows = {r for r, _ in matched}
        taken_cols = {c for _, c in matched}
        return [r for r in rows if r not in taken_rows], [c for c in cols if c not in taken_cols]


class _Track:
    """One track's constant-velocity Kalman filter: corners, their velocities, and the
    three numbers of its block-diagonal covariance (shared by the four coordinates)."""

    __slots__ = ("id", "missed", "pos", "pp", "pv", "streak", "vel", "vv")

    def __init__(self, box: list[float]) -> None:
        self.pos = list(box)  # x1, y1, x2, y2
        self.vel = [0.0, 0.0, 0.0, 0.0]
        self.pp, self.pv, self.vv = 1.0, 0.0, 1.0  # var(position), cov, var(velocity)
        self.id = -1
        self.missed = 0  # frames since the last update
        self.streak = 1  # consecutive updates

    def predict(self) -> None:
        """One frame on; a track missed last frame loses its streak of updates."""
        q = PROCESS_NOISE
        pos, vel = self.pos, self.vel
        for j in range(4):
            pos[j] += vel[j]
        pp, pv, vv = self.pp, self.pv, self.vv
        self.pp, self.pv, self.vv = pp + pv + pv + vv + q, pv + vv, vv + q
        if self.missed > 0:
            self.streak = 0
        self.missed += 1

    def correct(self, box: list[float]) -> None:
        """The Kalman update with a matched box (Joseph form, as the library's)."""
        r = MEASUREMENT_NOISE
        pp, pv, vv = self.pp, self.pv, self.vv
        s = pp + r
        kp, kv = pp / s, pv / s
        pos, vel = self.pos, self.vel
        for j in range(4):
            innovation = box[j] - pos[j]
            pos[j] += kp * innovation
            vel[j] += kv * innovation
        a = 1.0 - kp
        self.pp = a * pp * a + r * kp * kp
        self.pv = a * pp * -kv + a * pv + r * kp * kv
        self.vv = (pv - kv * pp) * -kv + (vv - kv * pv) + r * kv * kv
        self.missed = 0
        self.streak += 1


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


def small_iou(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    """``iou_matrix`` in plain Python floats, the same operations in the same order (the
    same numbers once made float32): a few boxes a frame cost less this way than the array
    operations' own overhead."""
    out = []
    for a0, a1, a2, a3 in a:
        area_a = (a2 - a0) * (a3 - a1)
        row = []
        for b0, b1, b2, b3 in b:
            w = min(a2, b2) - max(a0, b0)
            h = min(a3, b3) - max(a1, b1)
            inter = (w if w > 0.0 else 0.0) * (h if h > 0.0 else 0.0)
            union = area_a + (b2 - b0) * (b3 - b1) - inter
            row.append(inter / union if union > 0 else 0.0)
        out.append(row)
    return out


def _associate(tracks: list[list[float]], boxes: F32, min_iou: float) -> list[tuple[int, int]]:
    """Optimal one-to-one matching by IoU (``scipy``'s Jonker-Volgenant solver): the pairs
    (track index, box index) at ``min_iou`` or more (compared in float32), in track order."""
    from scipy.optimize import linear_sum_assignment  # heavy; only when a camera runs

    if not tracks or not len(boxes):
        return []
    if len(tracks) * len(boxes) <= SMALL_PAIRS:
        similarity = np.array(small_iou(tracks, boxes.astype(np.float64).tolist()), np.float32)
    else:
        similarity = iou_matrix(np.array(tracks, np.float64), boxes)
    rows, cols = linear_sum_assignment(similarity, maximize=True)
    good = similarity[rows, cols] >= np.float32(min_iou)
    return list(zip(rows[good].tolist(), cols[good].tolist(), strict=True))
