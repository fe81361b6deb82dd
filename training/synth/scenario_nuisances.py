"""Per-frame nuisances of a scenario: sensor noise, lighting ramp, shadows, rain and shake."""

from __future__ import annotations

import functools

import cv2
import numpy as np

from training.synth.pixels import U8
from training.synth.scenario_parts import F32, TAG

# "departure": a stall and a car stand there from the start (in the baseline's warm-up)
# and leave within 42 s; the empty scene that shows where they stood is no new object
NUISANCES = ("lighting", "shadows", "rain", "traffic", "shake", "jpeg", "departure")


@functools.lru_cache(maxsize=2)
def _noise_bank(seed: int, height: int, width: int) -> F32:
    rng = np.random.default_rng([seed, TAG, 9])
    return rng.normal(0.0, 2.0, (height + 32, width + 32, 3)).astype(np.float32)


def noise(seed: int, rng: np.random.Generator, size: tuple[int, int]) -> F32:
    """Sensor noise: a random window of a noise bank (drawing it afresh costs 10 ms)."""
    h, w = size
    dy, dx = rng.integers(0, 32, 2)
    return _noise_bank(seed % 2, h, w)[dy : dy + h, dx : dx + w]


def lighting(frame: F32, u: float) -> F32:
    """Day (u=0) through dusk to night (u=1): gain, gamma and colour temperature."""
    gain = float(np.interp(u, [0.0, 0.3, 0.65, 1.0], [1.05, 0.8, 0.4, 0.16]))
    gamma = float(np.interp(u, [0.0, 0.5, 1.0], [1.0, 1.15, 1.45]))
    # warm at dusk, blue at night (B, G, R)
    tint = np.array(
        [
            np.interp(u, [0, 0.45, 1], [1.0, 0.8, 1.2]),
            np.interp(u, [0, 0.45, 1], [1.0, 0.92, 1.0]),
            np.interp(u, [0, 0.45, 1], [1.0, 1.15, 0.8]),
        ],
        np.float32,
    )
    out = 255.0 * np.power(np.clip(frame, 0, 255) / 255.0, gamma)
    return np.asarray(out * (gain * tint), np.float32)


def shadows(frame: F32, seed: int, t: float) -> None:
    """Cloud shadows drifting over the scene and a pole's shadow sweeping round."""
    full_h, full_w = frame.shape[:2]
    h, w = full_h // 4, full_w // 4  # drawn at a quarter size: shadows are soft anyway
    rng = np.random.default_rng([seed, TAG, 5])
    shade = np.ones((h, w), np.float32)
    for _ in range(3):
        cx0, cy = rng.uniform(-0.6, 0.2) * w, rng.uniform(0.3, 0.9) * h
        axes = (int(rng.uniform(0.12, 0.25) * w), int(rng.uniform(0.08, 0.15) * h))
        speed = rng.uniform(1.0, 2.25)  # quarter-size px per second
        cx = cx0 + speed * t
        cx = (cx + 0.3 * w) % (1.6 * w) - 0.3 * w
        cv2.ellipse(shade, (int(cx), int(cy)), axes, 0, 0, 360, float(rng.uniform(0.55, 0.75)), -1)
    angle = np.deg2rad(rng.uniform(20, 60) + 2.0 * t)  # 2 degrees per second
    root = (int(rng.uniform(0.2, 0.8) * w), h - 1)
    tip = (int(root[0] + 0.6 * h * np.cos(angle)), int(root[1] - 0.6 * h * np.sin(angle)))
    cv2.line(shade, root, tip, 0.6, max(1, w // 80))
    shade = cv2.GaussianBlur(shade, (0, 0), 1.5)
    frame *= cv2.resize(shade, (full_w, full_h), interpolation=cv2.INTER_LINEAR)[..., None]


def rain(frame: F32, rng: np.random.Generator) -> F32:
    h, w = frame.shape[:2]
    out = cv2.GaussianBlur(frame, (0, 0), 0.9) * np.float32(0.8)
    streaks = np.zeros((h, w), np.uint8)
    n = 250
    xs, ys = rng.uniform(0, w, n), rng.uniform(0, h, n)
    length, slant = rng.uniform(8, 22, n), rng.normal(0.15, 0.03)
    for x, y, ln in zip(xs, ys, length, strict=True):
        cv2.line(streaks, (int(x), int(y)), (int(x + slant * ln), int(y + ln)), 45, 1)
    return np.asarray(out + streaks[..., None], np.float32)


def shake(frame: U8, rng: np.random.Generator) -> U8:
    """A few pixels of translation and a fraction of a degree of rotation."""
    h, w = frame.shape[:2]
    dx, dy = np.clip(rng.normal(0, 1.8, 2), -4, 4)
    angle = float(np.clip(rng.normal(0, 0.15), -0.4, 0.4))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    m[:, 2] += (dx, dy)
    return np.asarray(cv2.warpAffine(frame, m, (w, h), borderMode=cv2.BORDER_REFLECT), np.uint8)
