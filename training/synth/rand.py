"""Small random helpers shared by the painters."""

from __future__ import annotations

import numpy as np


def between(rng: np.random.Generator, lo: float, hi: float) -> float:
    """Uniform in [lo, hi]; ``lo`` when the interval is empty."""
    return float(lo + rng.random() * max(hi - lo, 0.0))
