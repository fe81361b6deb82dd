"""``SceneCadence``: which frames the scene baseline looks at, and which only let time pass.

The baseline looks at a frame when the camera's motion gate saw a change (or re-checked),
and on a still street at most every ``still_s`` of frame time. In between, a frame the gate
found unchanged only advances the baseline's clock (``SceneBaseline.advance``: what
differed at the last look ages, at a fraction of a look's cost), so a still street costs
about what the gate costs and objects still reach their dwell on time. A changed frame
under ``min_s`` after the last look is skipped (a busy street is looked at once a second).
Measured on the scenario suite (``benchmarks/bench_scene.py``, arm ``baseline, gated``).

>>> cadence = SceneCadence(min_s=1.0, still_s=3.0)
>>> [cadence.step(t, changed=False) for t in (0.0, 1.0, 2.0, 3.0, 3.5)]
['look', 'advance', 'advance', 'look', 'advance']
>>> cadence.step(4.2, changed=True), cadence.step(4.5, changed=True)
('look', 'skip')
"""

from __future__ import annotations

from typing import Literal

Step = Literal["look", "advance", "skip"]


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

    def step(self, at: float, *, changed: bool) -> Step:
        """``look`` at the frame taken at ``at``, only ``advance`` the baseline's clock (an
        unchanged picture), or ``skip`` it (a changed frame too soon after the last look,
        or a frame from before it)."""
        if self.due(at, changed=changed):
            return "look"
        if changed or (self._last is not None and at < self._last):
            return "skip"
        return "advance"
