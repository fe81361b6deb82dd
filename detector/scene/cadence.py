"""``SceneCadence``: which frames the scene baseline looks at.

The baseline looks at a frame when the camera's motion gate saw a change (or re-checked),
and on a still street at most every ``still_s`` of frame time: what stays still needs no
more to be called static, and its timers run on frame time. Measured on the scenario suite
(``benchmarks/bench_scene.py``): every ~3 s finds what looking at every frame finds, at
the same time; every 10 s (the gate's re-check alone) misses slow changes.

>>> cadence = SceneCadence(min_s=1.0, still_s=3.0)
>>> [cadence.due(t, changed=False) for t in (0.0, 1.0, 2.0, 3.0, 3.5, 4.0)]
[True, False, False, True, False, False]
>>> cadence.due(4.2, changed=True), cadence.due(4.5, changed=True)
(True, False)
"""

from __future__ import annotations


class SceneCadence:
    """At most one look per ``min_s``; a look when something changed, else every ``still_s``."""

    def __init__(self, *, min_s: float = 1.0, still_s: float = 3.0) -> None:
        if min_s <= 0 or still_s < min_s:
            raise ValueError(f"need 0 < min_s <= still_s, got min_s={min_s}, still_s={still_s}")
        self.min_s = min_s
        self.still_s = still_s
        self._last: float | None = None

    def due(self, at: float, *, changed: bool) -> bool:
        """Whether to look at the frame taken at ``at`` (seconds); a yes counts as a look."""
        last = self._last
        if last is not None:
            gap = at - last  # negative for a frame from before the last look: skipped
            if gap < self.min_s or (not changed and gap < self.still_s):
                return False
        self._last = at
        return True
