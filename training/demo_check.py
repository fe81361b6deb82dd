"""The demo camera as a promotion check.

`make run` serves ``models/current`` on the demo clip, whose script puts three culprits in
view (a parked car, a stall, a banner). Validation AP can rise while one of them is lost
(a fine-tune whose real garbage photos teach it to call a ground stall garbage), and then
the demo opens a wrong case or none. This module renders the clip (in memory, without the
served copy's codec) and counts, per culprit, the frames after it settled in which a
detector finds it: its class, IoU >= 0.3 with the scripted box, at the serving confidence.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from detector.geometry import box_iou
from training.metrics import SERVING_CONF

if TYPE_CHECKING:
    from detector.model import Detector
    from training.synth.demo import DemoClip

MIN_RATE = 0.85  # share of a culprit's frames in which it must be found
MIN_IOU = 0.3


@dataclass(frozen=True)
class CulpritFound:
    key: str
    label: str
    frames: int
    found: int
    # what the detector called it instead, in how many frames (other classes over the box)
    called: dict[str, int]

    @property
    def rate(self) -> float:
        return self.found / self.frames if self.frames else 0.0

    @property
    def ok(self) -> bool:
        return self.rate >= MIN_RATE

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "class": self.label,
            "frames": self.frames,
            "found": self.found,
            "rate": self.rate,
            "called": self.called,
        }

    def describe(self) -> str:
        others = ", ".join(f"{n} in {k}" for n, k in sorted(self.called.items(), key=_by_count))
        instead = f"; called {others}" if others else ""
        return f"{self.label} found in {self.found}/{self.frames} frames ({self.rate:.0%}){instead}"


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


@functools.lru_cache(maxsize=1)
def demo_clip() -> DemoClip:
    from training.synth.demo import render_demo_clip

    return render_demo_clip()


def find_culprits(detector: Detector, clip: DemoClip | None = None) -> list[CulpritFound]:
    """Per scripted culprit, the frames after it settled in which ``detector`` finds it."""
    clip = clip or demo_clip()
    culprits = [o for o in clip.objects if o.violation and o.settled_s is not None and o.box]
    if not culprits:
        raise ValueError("the demo clip scripts no culprit to look for")
    first = min(math.ceil((o.settled_s or 0.0) * clip.fps) for o in culprits)
    results = detector.detect_batch(list(clip.frames[first:]))
    names = detector.names
    out = []
    for o in culprits:
        assert o.box is not None and o.settled_s is not None
        start = math.ceil(o.settled_s * clip.fps) - first
        found, called = 0, Counter[str]()
        for d in results[start:]:
            over = {
                names[int(k)]
                for b, c, k in zip(d.xyxy, d.confidence, d.class_id, strict=True)
                if c >= SERVING_CONF and box_iou([float(v) for v in b], o.box) >= MIN_IOU
            }
            found += o.class_name in over
            called.update(over - {o.class_name})
        out.append(CulpritFound(o.key, o.class_name, len(results) - start, found, dict(called)))
    return out


def lost_culprits(current: list[CulpritFound], candidate: list[CulpritFound]) -> list[str]:
    """Why the candidate may not replace the current model: each culprit the current model
    finds and the candidate does not (a culprit neither finds is not held against it)."""
    before = {c.key: c for c in current}
    return [
        f"demo: {c.describe()}, current {before[c.key].rate:.0%} (min {MIN_RATE:.0%})"
        for c in candidate
        if not c.ok and c.key in before and before[c.key].ok
    ]
