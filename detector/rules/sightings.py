"""A frame's detections as sightings of violations: where each stands, which zone it is
in, and which boxes are one object the detector called twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from detector.geometry import Box, box_overlap
from detector.taxonomy import ZoneCondition
from detector.zones import Zone


@dataclass(frozen=True)
class Sighting:
    """One detection as evidence of one violation, in one frame (``row``: its index)."""

    row: int
    violation: str
    label: str
    box: Box
    anchor: tuple[float, float]
    confidence: float
    tracker_id: int
    zone: Zone | None


SAME_OBJECT_IOU = 0.7  # two classes' boxes this alike are one object called twice


def merge_overlaps(sightings: list[Sighting]) -> list[Sighting]:
    """One sighting per object: the detector may call one fruit stall both ``stall`` and
    ``goods`` (NMS is per class), or one banner both ``outdoor_ad`` and ``graffiti``; the
    stronger box stands for both. Within a violation a box mostly inside the other counts
    (goods on a stall); across violations only near-identical boxes do, so a flyer on a
    parked car or graffiti beside an ad keeps its own case."""
    kept: list[Sighting] = []
    for s in sorted(sightings, key=lambda s: -s.confidence):
        if not any(k.label != s.label and _same_object(k, s) for k in kept):
            kept.append(s)
    return sorted(kept, key=lambda s: s.row)


def _same_object(a: Sighting, b: Sighting) -> bool:
    iou, inside = box_overlap(a.box, b.box)
    if a.violation == b.violation:
        return iou >= 0.5 or inside >= 0.8
    return iou >= SAME_OBJECT_IOU


def zone_for(cond: ZoneCondition, zones: Sequence[Zone]) -> tuple[bool, Zone | None]:
    """Whether the zones an object is in satisfy a violation's zone condition for its class
    (``ZoneRule.for_class``), and which zone it is in."""
    types = {z.type for z in zones}
    if cond.outside and types & set(cond.outside):
        return False, None
    if cond.inside:
        inside = [z for z in zones if z.type in cond.inside]
        return (True, inside[0]) if inside else (False, None)
    return True, zones[0] if zones else None
