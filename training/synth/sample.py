"""One training image: render a street scene (or compose on a photo), warp the view, develop it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from detector.detections import Detections
from training.synth.backgrounds import BackgroundSet, compose
from training.synth.effects import develop, random_photo, random_view_warp
from training.synth.lighting import paste_lighting
from training.synth.pixels import U8
from training.synth.scene import build_scene

MIN_VISIBLE = 0.4  # label an object only when at least this share of it is not occluded
MIN_INSIDE = 0.25  # ... and at least this share of it is inside the frame
MIN_BOX = 6.0  # pixels; smaller boxes are not labelled


@dataclass(frozen=True)
class Sample:
    image: U8
    labels: Detections
    quality: int  # JPEG quality to save it with
    background: bool  # composed on a real photo


def render_sample(
    rng: np.random.Generator,
    size: tuple[int, int],
    names: Sequence[str],
    *,
    backgrounds: BackgroundSet | None = None,
    background_ratio: float = 0.0,
) -> Sample:
    """Everything drawn from ``rng``: the same generator state gives the same sample."""
    on_photo = backgrounds is not None and rng.random() < background_ratio
    if backgrounds is not None and on_photo:
        canvas = compose(rng, backgrounds.pick(rng), size, names)
        light = paste_lighting()
    else:
        scene = build_scene(rng, size)
        canvas = scene.render()
        light = scene.light
    warp = random_view_warp(rng, size)
    if warp is not None:
        grey = float(rng.uniform(0, 90))
        canvas.warp(warp, (grey, grey, grey))
    labels = canvas.labels(names, min_visible=MIN_VISIBLE, min_inside=MIN_INSIDE, min_size=MIN_BOX)
    photo = random_photo(rng, light)
    image = develop(canvas.image, photo, rng, canvas.lights)
    return Sample(image, labels, int(rng.integers(40, 96)), on_photo)
