"""Zones: polygons in image coordinates with a type, and which detections fall in them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, field_validator

from detector.detections import Detections

ZoneType = Literal[
    "no_parking",
    "sidewalk",
    "roadway",
    "ad_permitted",
    "ad_prohibited",
    "wall",
    "ignore",
    "no_nonmotor_parking",
]
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
# a zone outline is a few to a few dozen points inside the frame
MAX_POLYGON_POINTS = 1000
MAX_COORDINATE = 65535.0

# zones where a new object that appears and stays is a case even if the detector cannot
# name it (the scene baseline's signal), and how long it must stay there by default
STATIC_DWELL_S: dict[str, float] = {
    "sidewalk": 120.0,
    "roadway": 120.0,
    "no_parking": 300.0,
    "wall": 60.0,
}

# classes whose place is where they stand (ground point); others are where their centre is
GROUND_ANCHORED = frozenset(
    {
        "car",
        "bus",
        "truck",
        "two_wheeler",
        "stall",
        "goods",
        "garbage",
        "garbage_overflow",
        "garbage_bin",
    }
)


class Zone(BaseModel):
    """A polygon in image pixels of the camera's frames."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    id: str = Field(pattern=ID_PATTERN)
    type: ZoneType
    polygon: tuple[tuple[float, float], ...] = Field(max_length=MAX_POLYGON_POINTS)
    name: str | None = Field(None, max_length=200)
    # who answers for it, e.g. the shop for 门前三包 (responsibility for the pavement in front)
    responsible: str | None = Field(None, max_length=200)
    # how long a new static object must stay in this zone before it is a case
    # (None: the default for the zone type, see STATIC_DWELL_S)
    static_dwell_s: float | None = Field(default=None, gt=0, le=30 * 86400)

    @property
    def watches_static(self) -> bool:
        """Whether the scene baseline's new static objects count in this zone."""
        return self.type in STATIC_DWELL_S

    @property
    def static_dwell(self) -> float:
        """Seconds a new static object must stay here before it is a case."""
        if self.static_dwell_s is not None:
            return self.static_dwell_s
        return STATIC_DWELL_S.get(self.type, 0.0)

    @field_validator("polygon")
    @classmethod
    def _valid_polygon(
        cls, polygon: tuple[tuple[float, float], ...]
    ) -> tuple[tuple[float, float], ...]:
        if len(polygon) < 3:
            raise ValueError(f"a polygon needs at least 3 points, got {len(polygon)}")
        pts = np.asarray(polygon, dtype=np.float64)
        if not np.isfinite(pts).all() or (pts < 0).any() or (pts > MAX_COORDINATE).any():
            raise ValueError(
                "polygon points must be finite, non-negative pixel coordinates, at most "
                f"{MAX_COORDINATE:g} (within the frame)"
            )
        if abs(cv2.contourArea(pts.astype(np.float32))) < 1.0:
            raise ValueError("polygon has no area (points are collinear or repeated)")
        return polygon

    def contains(self, points: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        """Which of the (N, 2) points lie inside or on the edge."""
        contour = np.asarray(self.polygon, dtype=np.float32)
        return np.array(
            [cv2.pointPolygonTest(contour, (float(x), float(y)), False) >= 0 for x, y in points],
            dtype=bool,
        )


def anchor_of(box: Sequence[float], label: str) -> tuple[float, float]:
    """Where one object is: bottom centre for things on the ground, centre for the rest."""
    x1, y1, x2, y2 = box
    return ((x1 + x2) / 2, y2 if label in GROUND_ANCHORED else (y1 + y2) / 2)


def anchor_points(detections: Detections, names: Sequence[str]) -> npt.NDArray[np.float64]:
    """Each detection's ``anchor_of``, as an (N, 2) array."""
    return np.array(_anchors(detections, names), np.float64).reshape(-1, 2)


def _anchors(detections: Detections, names: Sequence[str]) -> list[tuple[float, float]]:
    # in plain floats, box by box: a frame holds a handful, where array operations cost
    # more in overhead than in arithmetic
    boxes = np.asarray(detections.xyxy, np.float64).reshape(-1, 4).tolist()
    labels = [names[int(c)] for c in detections.class_id.tolist()]
    return [anchor_of(box, label) for box, label in zip(boxes, labels, strict=True)]


class ZoneSet:
    """The zones of one camera, answering which zones each detection is in."""

    def __init__(self, zones: Sequence[Zone]) -> None:
        ids = [z.id for z in zones]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate zone ids: {dupes}")
        self.zones = tuple(zones)
        self._contours = [np.asarray(z.polygon, dtype=np.float32) for z in self.zones]

    def membership(self, detections: Detections, names: Sequence[str]) -> list[tuple[Zone, ...]]:
        """For each detection, the zones its anchor point is in (in configuration order)."""
        return [
            tuple(z for z, inside in zip(self.zones, self._inside(point), strict=True) if inside)
            for point in _anchors(detections, names)
        ]

    def drop_ignored(self, detections: Detections, names: Sequence[str]) -> Detections:
        """Detections whose anchor lies in an ``ignore`` zone are masked out."""
        ignore = [i for i, z in enumerate(self.zones) if z.type == "ignore"]
        if not ignore or len(detections) == 0:
            return detections
        hit = [any(self._inside(point, ignore)) for point in _anchors(detections, names)]
        return detections[~np.array(hit, dtype=bool)]

    def _inside(self, point: tuple[float, float], which: Sequence[int] | None = None) -> list[bool]:
        """Whether ``point`` lies inside or on the edge of each zone (or of zones ``which``),
        each zone's contour made once (``Zone.contains`` makes it per call)."""
        rows = range(len(self.zones)) if which is None else which
        return [cv2.pointPolygonTest(self._contours[i], point, False) >= 0 for i in rows]
