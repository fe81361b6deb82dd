"""Context objects a rule looks at beside its own: the bins a bag of garbage was left by.

A violation's ``near`` condition (taxonomy data) says, per class, within how many of the
object's box heights a box of a context class must be (or, ``away``, must not be). Context
boxes are remembered for a minute: a bin the detector misses in one frame, or that the
bags in front of it hide, is still there, so a bag does not flip between "beside a bin"
and "on its own" (two violations, two cases) from frame to frame.
"""

from __future__ import annotations

from collections.abc import Iterable

from detector.geometry import Box, box_iou
from detector.taxonomy import NearCondition, ViolationType

# how long a context box is remembered after it was last seen
MEMORY_S = 60.0
# the most boxes remembered per class (the oldest go first)
MAX_BOXES = 64
# a context box at least this confident counts
MIN_CONFIDENCE = 0.25


def box_gap(a: Box, b: Box) -> float:
    """The distance between two boxes' edges in pixels (0 when they touch or overlap)."""
    dx = max(0.0, max(a[0], b[0]) - min(a[2], b[2]))
    dy = max(0.0, max(a[1], b[1]) - min(a[3], b[3]))
    return float((dx * dx + dy * dy) ** 0.5)


class ContextMemory:
    """Recently seen boxes of the classes ``near`` conditions look for."""

    def __init__(self, classes: Iterable[str], memory_s: float = MEMORY_S) -> None:
        self.classes = frozenset(classes)
        self.memory_s = memory_s
        self._boxes: dict[str, list[tuple[float, Box]]] = {c: [] for c in self.classes}

    def update(self, seen: Iterable[tuple[str, Box, float]], t: float) -> None:
        """Add one frame's detections (label, box, confidence) at time ``t``; forget old."""
        for label, box, confidence in seen:
            if label not in self.classes or confidence < MIN_CONFIDENCE:
                continue
            boxes = self._boxes[label]
            # the same bin seen again refreshes its entry rather than adding one
            boxes[:] = [(s, b) for s, b in boxes if box_iou(b, box) < 0.5]
            boxes.append((t, box))
            del boxes[:-MAX_BOXES]
        for label, boxes in self._boxes.items():
            self._boxes[label] = [(s, b) for s, b in boxes if t - s <= self.memory_s]

    def is_near(self, box: Box, cond: NearCondition) -> bool:
        reach = cond.within * max(box[3] - box[1], 1.0)
        return any(
            box_gap(box, b) <= reach for c in cond.classes for _, b in self._boxes.get(c, [])
        )

    def allows(self, violation: ViolationType, label: str, box: Box) -> bool:
        """Whether the object's context satisfies the violation's ``near`` condition."""
        cond = violation.near.get(label)
        return cond is None or self.is_near(box, cond) != cond.away
