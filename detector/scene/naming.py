"""Naming a scene find: the detection, of any class, that best explains a region."""

from __future__ import annotations

from collections.abc import Sequence

from detector.detections import Detections
from detector.geometry import Box, box_overlap


def explain(
    box: Box, detections: Detections, names: Sequence[str], *, min_overlap: float = 0.3
) -> int | None:
    """Index of the detection (any class) that best explains a scene region, or None.

    A detection explains it when the overlap of the two boxes over the smaller one is at
    least ``min_overlap``; among those the most confident wins. ``names`` is the model's
    class list, checked against the detections' class ids.

    >>> import numpy as np
    >>> d = Detections(xyxy=np.array([[0, 0, 10, 10], [40, 40, 50, 50]], np.float32),
    ...                confidence=np.array([0.5, 0.9], np.float32), class_id=np.array([0, 1]))
    >>> explain((2, 2, 12, 12), d, ["car", "stall"]), explain((90, 90, 99, 99), d, ["car", "stall"])
    (0, None)
    """
    if not 0.0 < min_overlap <= 1.0:
        raise ValueError(f"min_overlap must be in (0, 1], got {min_overlap}")
    if len(detections) and int(detections.class_id.max()) >= len(names):
        raise ValueError(
            f"class id {int(detections.class_id.max())} is outside the {len(names)} names given"
        )
    best: int | None = None
    for i, other in enumerate(detections.xyxy):
        if box_overlap(box, [float(v) for v in other])[1] < min_overlap:
            continue
        if best is None or detections.confidence[i] > detections.confidence[best]:
            best = i
    return best
