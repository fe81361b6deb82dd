from __future__ import annotations

import cv2
import numpy as np
import pytest

from detector.detections import Detections
from detector.image import Image
from detector.tiling import TileGrid, detect_tiled, merge_tiles

INPUT = 256  # the fake model's input side: frames shrink to it, as a letterbox would


def fake_detect(crops: list[Image]) -> list[Detections]:
    """A 'model' that finds white squares whose side, at its input scale, is >= 6 px."""
    out = []
    for crop in crops:
        scale = INPUT / max(crop.shape[:2])
        mask = (crop[:, :, 0] > 200).astype(np.uint8)
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        boxes = [(x, y, x + w, y + h) for x, y, w, h, _ in stats[1:n] if min(w, h) * scale >= 6]
        xyxy = np.array(boxes, np.float32).reshape(-1, 4)
        out.append(
            Detections(xyxy, np.full(len(xyxy), 0.9, np.float32), np.zeros(len(xyxy), np.int64))
        )
    return out


def frame_with(*squares: tuple[int, int, int]) -> Image:
    image = np.zeros((720, 1280, 3), np.uint8)
    for x, y, side in squares:
        image[y : y + side, x : x + side] = 255
    return image


def test_windows_cover_the_frame_with_the_overlap_asked() -> None:
    grid = TileGrid(rows=2, cols=3, overlap=0.2)
    windows = grid.windows(720, 1280)
    assert len(windows) == 6
    covered = np.zeros((720, 1280), bool)
    for x1, y1, x2, y2 in windows:
        covered[y1:y2, x1:x2] = True
    assert covered.all()
    (a, _, b, _), (c, *_) = windows[0], windows[1]
    assert (b - c) / (b - a) == pytest.approx(0.2, abs=0.01)


def test_a_small_object_is_found_only_with_tiles_and_boxed_in_frame_pixels() -> None:
    frame = frame_with((900, 500, 20))  # 4 px at the model's scale: too small whole
    assert len(fake_detect([frame])[0]) == 0
    [found] = detect_tiled(fake_detect, [frame], TileGrid(2, 2, 0.2), iou=0.5)
    assert found.xyxy.tolist() == [[900.0, 500.0, 920.0, 520.0]]


def test_a_large_object_across_tiles_is_one_box() -> None:
    frame = frame_with((500, 250, 300))  # spans all four tiles; whole frame sees it
    [found] = detect_tiled(fake_detect, [frame], TileGrid(2, 2, 0.2), iou=0.5)
    assert found.xyxy.tolist() == [[500.0, 250.0, 800.0, 550.0]]


def test_merge_drops_cut_boxes_covered_by_a_kept_box_only() -> None:
    whole = Detections(np.array([[0, 0, 100, 100]], np.float32), np.array([0.9]), np.array([0]))
    parts = Detections(
        np.array([[0, 0, 40, 100], [300, 300, 340, 340], [0, 0, 40, 100]], np.float32),
        np.array([0.95, 0.8, 0.7]),
        np.array([0, 0, 1]),
    )
    merged = merge_tiles([parts, whole], np.array([True, True, True, False]), iou=0.5)
    # the cut car inside the whole car goes; a cut car elsewhere and a truck stay
    assert sorted(merged.xyxy[:, 0].tolist()) == [0.0, 0.0, 300.0]
    assert sorted(merged.class_id.tolist()) == [0, 0, 1]


@pytest.mark.parametrize(("rows", "cols", "overlap"), [(0, 2, 0.2), (2, 9, 0.2), (2, 2, 0.5)])
def test_bad_grids_are_refused(rows: int, cols: int, overlap: float) -> None:
    with pytest.raises(ValueError, match="tile"):
        TileGrid(rows, cols, overlap)
