"""Sliced (tiled) inference for small, distant objects.

A camera frame letterboxed to the model's input shrinks a car 40 m away to a dozen
pixels. Running the model on overlapping tiles as well as on the whole frame sees such
objects larger; the tile results are shifted back into frame pixels and merged with the
whole-frame ones. Merging is class-aware NMS, plus one rule for the boxes a tile cut:
a tile box that touches an inner tile edge is part of an object the tile did not hold
whole, and is dropped when a kept box of its class covers most of it.

>>> grid = TileGrid(rows=2, cols=2, overlap=0.25)
>>> grid.windows(720, 1280)[:2]
[(0, 0, 731, 411), (549, 0, 1280, 411)]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from detector.detections import Detections
from detector.image import Image
from detector.metadata import ModelInfo
from detector.model import Detector
from detector.postprocess import batched_nms, box_iou_one

Window = tuple[int, int, int, int]  # x1, y1, x2, y2 in frame pixels
_EDGE_PX = 2.0  # a box this close to an inner tile edge was cut by the tile
_COVERED = 0.6  # share of a cut box inside a kept box of its class that makes it a duplicate


@dataclass(frozen=True)
class TileGrid:
    """``rows`` x ``cols`` tiles, neighbours overlapping by ``overlap`` of a tile's size."""

    rows: int = 2
    cols: int = 2
    overlap: float = 0.2
    with_full_frame: bool = True  # also detect on the whole frame (large objects)

    def __post_init__(self) -> None:
        if not (1 <= self.rows <= 8 and 1 <= self.cols <= 8):
            raise ValueError(f"tile grid must be 1..8 x 1..8, got {self.rows}x{self.cols}")
        if not 0.0 <= self.overlap < 0.5:
            raise ValueError(f"tile overlap must be in [0, 0.5), got {self.overlap}")

    def windows(self, height: int, width: int) -> list[Window]:
        """Tile windows (x1, y1, x2, y2) covering a ``height`` x ``width`` frame."""
        xs = _spans(width, self.cols, self.overlap)
        ys = _spans(height, self.rows, self.overlap)
        return [(x1, y1, x2, y2) for y1, y2 in ys for x1, x2 in xs]


def _spans(length: int, n: int, overlap: float) -> list[tuple[int, int]]:
    size = length / (n - (n - 1) * overlap) if n > 1 else float(length)
    step = size * (1 - overlap)
    spans = []
    for i in range(n):
        start = round(i * step)
        end = length if i == n - 1 else round(i * step + size)
        spans.append((start, min(end, length)))
    return spans


DetectBatch = Callable[[list[Image]], list[Detections]]


def detect_tiled(
    detect: DetectBatch, images: Sequence[Image], grid: TileGrid, iou: float
) -> list[Detections]:
    """Detections per image from ``detect`` run on each image's tiles (and the whole image),
    merged in frame pixels. ``detect`` is a batch call such as `Detector.detect_batch`."""
    results = []
    for image in images:
        h, w = image.shape[:2]
        windows = grid.windows(h, w)
        crops: list[Image] = [image[y1:y2, x1:x2] for x1, y1, x2, y2 in windows]
        if grid.with_full_frame:
            crops.append(image)
        found = detect(crops)
        parts, cut = [], []
        for window, dets in zip(windows, found, strict=False):
            shifted = _shift(dets, window)
            parts.append(shifted)
            cut.append(_cut_by_tile(shifted.xyxy, window, (h, w)))
        if grid.with_full_frame:
            parts.append(found[-1])
            cut.append(np.zeros(len(found[-1]), dtype=bool))
        results.append(merge_tiles(parts, np.concatenate(cut) if cut else np.zeros(0, bool), iou))
    return results


def _shift(dets: Detections, window: Window) -> Detections:
    x1, y1 = window[0], window[1]
    offset = np.array([x1, y1, x1, y1], dtype=np.float32)
    return Detections(dets.xyxy + offset, dets.confidence, dets.class_id, data=dict(dets.data))


def _cut_by_tile(
    xyxy: npt.NDArray[np.float32], window: Window, frame_hw: tuple[int, int]
) -> npt.NDArray[np.bool_]:
    """Boxes touching an edge of ``window`` that is not an edge of the frame."""
    x1, y1, x2, y2 = window
    h, w = frame_hw
    cut = np.zeros(len(xyxy), dtype=bool)
    for coord, edge, inner in (
        (xyxy[:, 0], x1, x1 > 0),
        (xyxy[:, 1], y1, y1 > 0),
        (xyxy[:, 2], x2, x2 < w),
        (xyxy[:, 3], y2, y2 < h),
    ):
        if inner:
            cut |= np.abs(coord - edge) <= _EDGE_PX
    return cut


def merge_tiles(parts: list[Detections], cut: npt.NDArray[np.bool_], iou: float) -> Detections:
    """Class-aware NMS over the boxes no tile cut; then each cut box, best first, joins
    unless a kept box of its class overlaps it by more than ``iou`` or covers most of it
    (the object was seen whole elsewhere). A cut box never suppresses a whole one."""
    merged = Detections.merge(parts)
    if not len(merged):
        return merged
    whole = np.flatnonzero(~cut)
    kept = [int(whole[k]) for k in batched_nms(
        merged.xyxy[whole], merged.confidence[whole], merged.class_id[whole], iou
    )]  # fmt: skip
    for idx in np.flatnonzero(cut)[np.argsort(-merged.confidence[cut], kind="stable")]:
        same = [k for k in kept if merged.class_id[k] == merged.class_id[idx]]
        if same:
            boxes = merged.xyxy[same].astype(np.float64)
            if box_iou_one(merged.xyxy[idx].astype(np.float64), boxes).max() > iou:
                continue
            if _covered(merged.xyxy[idx], merged.xyxy[same]) >= _COVERED:
                continue
        kept.append(int(idx))
    order = np.argsort(-merged.confidence[kept], kind="stable")
    return merged[np.asarray(kept, dtype=np.int64)[order]]


def _covered(box: npt.NDArray[np.float32], others: npt.NDArray[np.float32]) -> float:
    """The largest share of ``box``'s area inside any one of ``others``."""
    lt = np.maximum(box[:2], others[:, :2])
    rb = np.minimum(box[2:], others[:, 2:])
    inter = np.clip(rb - lt, 0.0, None).prod(axis=1)
    area = float((box[2] - box[0]) * (box[3] - box[1]))
    return float(inter.max() / area) if area > 0 else 0.0


class TiledDetector:
    """A `Detector` that also looks at tiles of each frame (`detect_tiled`).

    >>> tiled = TiledDetector(Detector.load("models/current"), TileGrid(2, 2))  # doctest: +SKIP
    >>> tiled.detect_batch([frame])  # doctest: +SKIP
    """

    def __init__(self, detector: Detector, grid: TileGrid) -> None:
        self.detector, self.grid = detector, grid

    @property
    def names(self) -> list[str]:
        return self.detector.names

    @property
    def info(self) -> ModelInfo:
        return self.detector.info

    def detect_batch(
        self, images: Sequence[Image], *, conf: float | None = None, iou: float | None = None
    ) -> list[Detections]:
        iou = self.detector.iou if iou is None else iou

        def run(crops: list[Image]) -> list[Detections]:
            return self.detector.detect_batch(crops, conf=conf, iou=iou)

        return detect_tiled(run, images, self.grid, iou)

    def detect(self, image: Image) -> Detections:
        return self.detect_batch([image])[0]
