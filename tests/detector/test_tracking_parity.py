"""Our array ByteTrack against the ``trackers`` library's ByteTrack (2.6), which it replaced
for speed: the same ids, frame by frame, on random scenes (objects that move, stop, vanish
for a while and come back, weak and strong scores, clutter)."""

from __future__ import annotations

import numpy as np
import pytest

from detector import tracking
from detector.detections import Detections
from detector.tracking import Tracker, iou_matrix, small_iou

trackers = pytest.importorskip("trackers", reason="the reference ByteTrack (dev extra)")
sv = pytest.importorskip("supervision", reason="the reference ByteTrack's input type")


def reference(lost_frames: int, activation: float, min_iou: float, confirm: int) -> object:
    return trackers.ByteTrackTracker(
        lost_track_buffer=lost_frames,
        frame_rate=30.0,
        track_activation_threshold=activation,
        high_conf_det_threshold=activation,
        minimum_consecutive_frames=confirm,
        minimum_iou_threshold=min_iou,
    )


def reference_ids(tracker: object, dets: Detections) -> np.ndarray:
    n = len(dets)
    out = tracker.update(  # type: ignore[attr-defined]
        sv.Detections(
            xyxy=dets.xyxy.astype(np.float32).reshape(-1, 4),
            confidence=dets.confidence.astype(np.float32),
            class_id=dets.class_id.astype(int),
            data={"row": np.arange(n)},
        )
    )
    ids = np.full(n, -1, np.int64)
    if len(out) and out.tracker_id is not None:
        ids[np.asarray(out.data["row"], np.int64)] = np.asarray(out.tracker_id)
    return ids


def scene(seed: int, frames: int = 60) -> list[Detections]:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 14))
    pos = rng.uniform(0, 1200, (k, 2))
    size = rng.uniform(15, 160, (k, 2))
    vel = rng.normal(0, 6, (k, 2)) * (rng.uniform(size=(k, 1)) < 0.5)
    out = []
    for _ in range(frames):
        pos += vel + rng.normal(0, 1.5, pos.shape)
        seen = rng.uniform(size=k) > 0.2  # missed now and then, sometimes for a while
        boxes = np.hstack([pos, pos + size * rng.uniform(0.9, 1.1, size.shape)])[seen]
        conf = rng.uniform(0.05, 0.95, len(boxes))
        clutter = int(rng.integers(0, 3))
        junk = rng.uniform(0, 1200, (clutter, 2))
        boxes = np.vstack([boxes, np.hstack([junk, junk + rng.uniform(10, 80, (clutter, 2))])])
        conf = np.concatenate([conf, rng.uniform(0.05, 0.6, clutter)])
        order = rng.permutation(len(boxes))
        out.append(
            Detections(
                xyxy=boxes[order].astype(np.float32),
                confidence=conf[order].astype(np.float32),
                class_id=rng.integers(0, 4, len(boxes)),
            )
        )
    return out


@pytest.mark.parametrize(
    ("lost_frames", "activation", "min_iou", "confirm"),
    [(10, 0.3, 0.1, 1), (5, 0.5, 0.3, 2), (0, 0.3, 0.1, 1), (3, 0.25, 0.2, 3)],
)
def test_the_same_ids_as_the_library_bytetrack(
    lost_frames: int, activation: float, min_iou: float, confirm: int
) -> None:
    frames = 0
    for seed in range(25):
        ours = Tracker(
            lost_frames=lost_frames, activation=activation, min_iou=min_iou, confirm_frames=confirm
        )
        theirs = reference(lost_frames, activation, min_iou, confirm)
        for t, dets in enumerate(scene(seed)):
            got = ours.update(dets).tracker_id
            assert got is not None
            np.testing.assert_array_equal(got, reference_ids(theirs, dets), err_msg=f"{seed} {t}")
            frames += 1
    assert frames == 25 * 60


def test_ids_survive_a_gap_within_the_budget_and_not_beyond() -> None:
    box = Detections(
        xyxy=np.array([[100.0, 100.0, 160.0, 150.0]], np.float32),
        confidence=np.array([0.8], np.float32),
        class_id=np.array([0]),
    )
    tracker = Tracker(lost_frames=3)
    first = [int(tracker.update(box).tracker_id[0]) for _ in range(3)]  # type: ignore[index]
    for _ in range(3):
        tracker.update(Detections.empty())
    again = int(tracker.update(box).tracker_id[0])  # type: ignore[index]
    for _ in range(5):
        tracker.update(Detections.empty())
    fresh = [int(tracker.update(box).tracker_id[0]) for _ in range(2)]  # type: ignore[index]
    assert first == [-1, 0, 0] and again == 0 and fresh == [-1, 1]


def test_iou_matrix() -> None:
    a = np.array([[0, 0, 10, 10], [5, 5, 5, 5]], np.float64)
    b = np.array([[5, 5, 15, 15], [0, 0, 10, 10]], np.float32)
    np.testing.assert_allclose(iou_matrix(a, b), [[25 / 175, 1.0], [0.0, 0.0]], rtol=1e-6)
    assert iou_matrix(a, b[:0]).shape == (2, 0)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="lost_frames"):
        Tracker(lost_frames=-1)
    with pytest.raises(ValueError, match="confirm_frames"):
        Tracker(confirm_frames=0)
    with pytest.raises(ValueError, match="activation and min_iou"):
        Tracker(activation=1.5)


def test_small_iou_gives_the_array_iou_exactly() -> None:
    rng = np.random.default_rng(3)
    a = rng.uniform(0, 200, (9, 4))
    b = rng.uniform(0, 200, (7, 4)).astype(np.float32)
    a[:, 2:] = a[:, :2] + rng.uniform(0, 60, (9, 2))
    b[:, 2:] = b[:, :2] + rng.uniform(0, 60, (7, 2))
    a[0] = [5, 5, 5, 5]  # empty boxes: IoU 0
    b[0] = [5, 5, 5, 5]
    b[1] = a[1]  # the same box: IoU 1
    a[1] = b[1]
    b[2] = [a[2][2], a[2][1], a[2][2] + 10, a[2][3]]  # touching only
    a[2, 2] = b[2, 0]
    small = np.array(small_iou(a.tolist(), b.astype(np.float64).tolist()), np.float32)
    np.testing.assert_array_equal(small, iou_matrix(a, b))
    assert small[1, 1] == 1.0 and small[0, 0] == 0.0 and small[2, 2] == 0.0


def test_the_same_ids_whichever_way_iou_is_computed(monkeypatch: pytest.MonkeyPatch) -> None:
    def ids(small_pairs: int) -> list[list[int]]:
        monkeypatch.setattr(tracking, "SMALL_PAIRS", small_pairs)
        tracker = Tracker()
        return [tracker.update(d).tracker_id.tolist() for d in scene(7)]  # type: ignore[union-attr]

    assert ids(0) == ids(10**6)
