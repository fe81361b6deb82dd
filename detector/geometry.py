"""Small box geometry on (x1, y1, x2, y2) tuples, for rules and the service."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeAlias

Box: TypeAlias = tuple[float, float, float, float]
"""One box as (x1, y1, x2, y2) in pixels of the frame it was found in."""


def as_box(values: Any) -> Box:
    """A box from 4 finite numbers as they come from JSON, a request or a database row;
    ValueError naming what came otherwise.

    >>> as_box([1, 2.5, "3", 4])
    (1.0, 2.5, 3.0, 4.0)
    """
    message = f"box must be 4 finite numbers (x1, y1, x2, y2), got {values!r}"
    try:
        x1, y1, x2, y2 = (float(v) for v in values)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if not all(math.isfinite(v) for v in (x1, y1, x2, y2)):
        raise ValueError(message)
    return (x1, y1, x2, y2)


def box_overlap(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """IoU, and the intersection over the smaller box (one object inside the other).

    >>> box_overlap((0, 0, 10, 10), (0, 0, 10, 5))
    (0.5, 1.0)
    """
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    union = area_a + area_b - inter
    return (inter / union if union > 0 else 0.0), (inter / max(min(area_a, area_b), 1e-9))


def box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    return box_overlap(a, b)[0]
