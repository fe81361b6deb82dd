"""``SceneCadence``: which frames the scene baseline looks at, and which only let time pass.

The baseline looks at a frame when the camera's motion gate saw a change (or re-checked),
and on a still street at most every ``still_s`` of frame time. In between, a frame the gate
found unchanged only advances the baseline's clock (``SceneBaseline.advance``: what
differed at the last look ages, at a fraction of a look's cost), so a still street costs
about what the gate costs and objects still reach their dwell on time. A changed frame is
looked at once per ``busy_s`` (a busy street: passers-by and traffic change every frame;
``soon``: once per ``min_s``, in warm-up); other changed frames are skipped. Looking at a
busy street every 3 s instead of every second finds the same objects with no false case
and reports them 0.8 s later on average (the look that first sees an object comes up to
``busy_s`` after it arrived), at less than half the looks. Measured on the scenario suite
(``benchmarks/bench_scene.py``, arm ``baseline, gated``).

>>> cadence = SceneCadence(min_s=1.0, still_s=3.0)
>>> [cadence.step(t, changed=False) for t in (0.0, 1.0, 2.0, 3.0, 3.5)]
['look', 'advance', 'advance', 'look', 'advance']
>>> cadence.step(4.2, changed=True), cadence.step(4.5, changed=True)
('look', 'skip')
>>> busy = SceneCadence(min_s=1.0, busy_s=3.0, still_s=10.0)
>>> [busy.step(t, changed=True) for t in (0.0, 1.0, 2.0, 3.0)]
['look', 'skip', 'skip', 'look']
>>> busy.step(4.0, changed=True, soon=True)
'look'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from detector.scene.baseline import SceneBaseline

Step = Literal["look", "advance", "skip"]


class SceneCadence:
    """A look when something changed (once per ``busy_s``, once per ``min_s`` when
    ``soon``), else every ``still_s``; ``busy_s`` defaults to ``min_s``."""

    def __init__(
        self, *, min_s: float = 1.0, still_s: float = 3.0, busy_s: float | None = None
    ) -> None:
        busy = min_s if busy_s is None else busy_s
        if min_s <= 0 or still_s < min_s:
            raise ValueError(f"need 0 < min_s <= still_s, got min_s={min_s}, still_s={still_s}")
        if not min_s <= busy <= still_s:
            raise ValueError(f"need min_s <= busy_s <= still_s, got busy_s={busy_s}")
        self.min_s = min_s
        self.busy_s = busy
        self.still_s = still_s
        self._last: float | None = None

    def due(self, at: float, *, changed: bool, soon: bool = False) -> bool:
        """Whether to look at the frame taken at ``at`` (seconds); a yes counts as a look."""
        last = self._last
        if last is not None:
            gap = at - last  # negative for a frame from before the last look: skipped
            wait = (self.min_s if soon else self.busy_s) if changed else self.still_s
            if gap < self.min_s or gap < wait:
                return False
        self._last = at
        return True

    def step(self, at: float, *, changed: bool, soon: bool = False) -> Step:
        """``look`` at the frame taken at ``at``, only ``advance`` the baseline's clock (an
        unchanged picture), or ``skip`` it (a changed frame too soon after the last look,
        or a frame from before it)."""
        if self.due(at, changed=changed, soon=soon):
            return "look"
        if changed or (self._last is not None and at < self._last):
            return "skip"
        return "advance"

    def step_for(self, baseline: SceneBaseline, at: float, *, changed: bool) -> Step:
        """``step`` for a frame the motion gate judged ``changed``, as the service runs the
        baseline: in warm-up and while a difference is settling (an object arriving) every
        frame counts as changed (looked at once per ``busy_s``, never only advanced over),
        and in warm-up once per ``min_s``."""
        busy = changed or not baseline.ready or baseline.settling
        return self.step(at, changed=busy, soon=not baseline.ready)
