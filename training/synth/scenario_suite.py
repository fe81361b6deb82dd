"""The scene baseline's scenario suite (issue 5, "cold start"): every preset and real photo.

A fixed camera, objects that appear and stay, and the nuisances that must not count.
A scenario is a street seen by one camera at one frame per second of scene time, with
zones and ground truth: which static objects appear (class, box, zone, when they
appear and, optionally, leave). Frames are made lazily by ``Scenario.frames()``.

Backgrounds are either the demo street (``training.synth.demo``'s stage, rendered once)
or a real photograph from ``../shared/datasets`` (facades, traffic cameras), read from
there and never copied. Objects are rendered (or cut from a real photo) once and pasted
over the background from the time they appear; everything that changes per frame is
2-D and cheap: passers-by and traffic sliding across, moving shadows, a day-to-night
lighting ramp (gain, gamma, colour temperature), rain (streaks, darkening, blur), camera
shake (a few pixels and a fraction of a degree), sensor noise and JPEG at quality 50-70,
and departures (objects there from the first frame that leave: what shows where they
stood is the empty scene, not a new object).

Positions, sizes, looks and nuisance paths all come from the seed.

>>> s = synthetic_scenario("stall", seed=0)
>>> [o.class_name for o in s.objects], s.nuisances
(['stall'], ('traffic',))
>>> t, frame = next(iter(s.frames()))
>>> t, frame.shape
(0.0, (480, 640, 3))
"""

from __future__ import annotations

from collections.abc import Sequence

from training.synth.real_scenarios import REAL, real_scenario
from training.synth.scenario import Scenario
from training.synth.synthetic_scenarios import PRESETS, synthetic_scenario


def suite(seeds: Sequence[int] = (0, 1), *, real: bool = True) -> list[Scenario]:
    """Every preset for each seed, plus the real-photo ones where the photos are there."""
    out = [synthetic_scenario(name, seed) for seed in seeds for name in PRESETS]
    if real:
        for seed in seeds:
            for name in REAL:
                scenario = real_scenario(name, seed)
                if scenario is not None:
                    out.append(scenario)
    return out
