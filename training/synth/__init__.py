"""Procedural street scenes with exact YOLO labels, for the classes real data lacks.

Scenes are drawn with numpy, OpenCV and Pillow only: a street in perspective with shop
facades (signboards, banners, flyers, graffiti), pavements with stalls, goods, bins and
garbage, and traffic, under random light, camera and sensor effects. Everything is drawn
from ``np.random.default_rng([seed, i])`` for image i, so output is reproducible.

>>> from pathlib import Path
>>> from training.synth import generate_dataset
>>> generate_dataset(Path("/tmp/synth_demo"), count=2, seed=7, progress=False).images
2
"""

from training.synth.dataset import SynthReport, generate_dataset

__all__ = ["SynthReport", "generate_dataset"]
