"""Labelled instances of a canvas and the label boxes that its owner map yields."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from detector.detections import Detections
from training.synth.camera import F64


@dataclass(eq=False)
class Instance:
    """One labelled object: its class, track and how much of it was drawn.

    ``full`` is the object's extent ignoring occlusion and the image border and
    ``area`` its estimated pixel area on that basis, so that the visible fraction is
    (pixels it still owns) / area. Box instances (labels of a background photo) own
    no pixels; only their box is carried along.
    """

    class_name: str
    track_id: int
    full: F64
    area: float = 0.0
    is_box: bool = False


def inside_fraction(box: F64, width: int, height: int) -> float:
    """Share of ``box`` (x0, y0, x1, y1) that lies inside the image."""
    area = max(box[2] - box[0], 0.0) * max(box[3] - box[1], 0.0)
    if area <= 0:
        return 0.0
    w = max(min(box[2], width) - max(box[0], 0.0), 0.0)
    h = max(min(box[3], height) - max(box[1], 0.0), 0.0)
    return float(w * h / area)


def label_boxes(
    owner: npt.NDArray[np.uint16],
    instances: Sequence[Instance],
    names: Sequence[str],
    *,
    min_visible: float,
    min_inside: float,
    min_size: float,
) -> Detections:
    """Boxes of the instances worth labelling, in image pixels.

    ``owner`` holds the instance id (1-based index into ``instances``, 0 = scenery) of
    every pixel. An instance is kept when at least ``min_visible`` of its part inside the
    image is not hidden by things in front of it (occlusion), at least ``min_inside`` of
    it is inside the image (truncation: a bus half out of frame is still labelled, a
    bumper is not) and its box is ``min_size`` px or more each way. Drawn instances get
    the tight box of the pixels they own; box instances (background photo labels) keep
    their box clipped to the image, with the truncation rule only.
    """
    height, width = owner.shape
    n = len(instances)
    if n == 0:
        return Detections.empty()
    flat = owner.ravel()
    counts = np.bincount(flat, minlength=n + 1)
    nz = np.flatnonzero(flat)
    ids = flat[nz].astype(np.intp)
    ys, xs = np.divmod(nz, width)
    lo_x = np.full(n + 1, width, np.intp)
    lo_y = np.full(n + 1, height, np.intp)
    hi_x = np.full(n + 1, -1, np.intp)
    hi_y = np.full(n + 1, -1, np.intp)
    np.minimum.at(lo_x, ids, xs)
    np.minimum.at(lo_y, ids, ys)
    np.maximum.at(hi_x, ids, xs)
    np.maximum.at(hi_y, ids, ys)
    index = {name: k for k, name in enumerate(names)}
    boxes: list[list[float]] = []
    classes: list[int] = []
    tracks: list[int] = []
    for ident, inst in enumerate(instances, start=1):
        if inst.class_name not in index:
            raise ValueError(f"instance class {inst.class_name!r} is not one of {list(names)}")
        if inst.is_box:
            b = inst.full
            box = [
                max(b[0], 0.0),
                max(b[1], 0.0),
                min(b[2], width),
                min(b[3], height),
            ]
            inside = inside_fraction(b, width, height)
            unhidden = 1.0
            size_ok = min(box[2] - box[0], box[3] - box[1]) >= 2.0
        else:
            inside = inside_fraction(inst.full, width, height)
            if counts[ident] == 0 or inst.area <= 0 or inside <= 0:
                continue
            box = [float(lo_x[ident]), float(lo_y[ident]), hi_x[ident] + 1.0, hi_y[ident] + 1.0]
            unhidden = counts[ident] / (inst.area * inside)
            size_ok = min(box[2] - box[0], box[3] - box[1]) >= min_size
        if unhidden >= min_visible and inside >= min_inside and size_ok:
            boxes.append(box)
            classes.append(index[inst.class_name])
            tracks.append(inst.track_id)
    return Detections(
        xyxy=np.array(boxes, np.float32).reshape(-1, 4),
        confidence=np.ones(len(boxes), np.float32),
        class_id=np.array(classes, np.int64),
        tracker_id=np.array(tracks, np.int64),
    )
