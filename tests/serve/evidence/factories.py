"""Small builders for evidence tests."""

from __future__ import annotations

import numpy as np

from detector.image import Image
from serve.evidence.render import Annotation


def gray(height: int = 480, width: int = 640, value: int = 128) -> Image:
    """A flat frame: every pixel the annotation did not touch keeps ``value``."""
    return np.full((height, width, 3), value, np.uint8)


def make_annotation(
    box: tuple[float, float, float, float] = (200, 150, 400, 300),
    label: str = "机动车违停 · 小汽车 0.82",
    fallback_label: str = "illegal parking - car 0.82",
    zone_polygon: tuple[tuple[float, float], ...] | None = None,
    zone_label: str | None = None,
    header: tuple[str, ...] = (),
) -> Annotation:
    return Annotation(box, label, fallback_label, zone_polygon, zone_label, header)
