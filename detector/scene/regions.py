"""Blob finding: differences grown into regions, and nearby parts merged into one box."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from detector.scene.arrays import F32, Mask, medians


def regions(diff: Mask, ratio: F32, threshold: float) -> Mask:
    """``diff`` grown over the connected pixels whose brightness stepped by more than
    ``threshold`` (log ratio to the background, against the frame's typical ratio).

    Texture and colour see a plain object over a plain ground (a white stall on pale
    paving) only along its outline; its flat inside is brighter or darker, and must not
    be learnt into the empty scene while the outline waits for its dwell, or the
    outline fades with it. A shadow that touches no difference is not held. Grown at
    half resolution (a quarter of the cost; the outline itself is ``diff``, exact)."""
    if not diff.any():
        return diff
    h, w = diff.shape
    half = ((w + 1) // 2, (h + 1) // 2)
    level = cv2.resize(ratio, half, interpolation=cv2.INTER_AREA)
    seeds = cv2.resize(diff.astype(np.uint8), half, interpolation=cv2.INTER_AREA) > 0
    typical = float(medians(level[::2, ::2].ravel()))
    grown = ((np.abs(level - np.float32(typical)) > threshold) | seeds).astype(np.uint8)
    count, labels = cv2.connectedComponents(grown, connectivity=8)
    seeded = np.zeros(count, np.uint8)
    seeded[labels[seeds]] = 1
    seeded[0] = 0
    held = np.asarray(np.take(seeded, labels), np.uint8)
    return np.asarray(cv2.resize(held, (w, h), interpolation=cv2.INTER_NEAREST) > 0) | diff


def union(boxes: Sequence[tuple[int, int, int, int]]) -> tuple[int, int, int, int]:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def near(a: tuple[int, int, int, int], b: tuple[int, int, int, int], gap: int) -> bool:
    """Within ``gap`` of each other, or stacked (one above the other, the gap less than
    half the taller: an umbrella or awning over a table, a sign over its stand)."""
    dx = max(a[0], b[0]) - min(a[2], b[2])  # negative: they overlap across
    dy = max(a[1], b[1]) - min(a[3], b[3])
    if dx <= gap and dy <= gap:
        return True
    narrow = min(a[2] - a[0], b[2] - b[0])
    tall = max(a[3] - a[1], b[3] - b[1])
    return -dx >= 0.5 * narrow and dy <= 0.5 * tall


def merge(
    found: list[tuple[tuple[int, int, int, int], float, float]], gap: int
) -> list[tuple[tuple[int, int, int, int], float, float]]:
    """Components whose boxes touch or lie within ``gap`` pixels become one (an object
    often shows as several parts: an umbrella over a table, a car's body and its shadow)."""
    items = list(found)
    merged = True
    while merged:
        merged = False
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                (a, fa, sa), (b, fb, sb) = items[i], items[j]
                if near(a, b, gap):
                    items[i] = (union([a, b]), min(fa, fb), max(sa, sb))
                    del items[j]
                    merged = True
                    break
            if merged:
                break
    return items
