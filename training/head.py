"""Re-initialise the classification rows of classes a base checkpoint never saw a box of.

A detector trained with no box of a class learns that class's row of the head to say
"never": its bias sinks far below the prior (about -12.8 against -9.6 at stride 8 in
``base-yolo11n-real`` for stall, goods, flyer and graffiti) and its weights turn every
feature into evidence against. Fine-tuning at a fine-tuning learning rate moves such a bias
by a few thousandths a step, so those classes stay silent for many epochs. Giving their rows
a fresh start (PyTorch's default weight init, ultralytics' bias prior) lets them learn at
once; every other weight is untouched.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def _names(model: Any) -> list[str]:
    names = model.names
    return [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)


def reset_class_rows(model: Any, classes: Sequence[str]) -> list[int]:
    """Reset, in place, the rows of ``classes`` in every classification branch of ``model``'s
    detect head; returns their class ids."""
    import torch

    names = _names(model)
    unknown = sorted(set(classes) - set(names))
    if unknown:
        raise ValueError(f"--reset-classes {unknown}: not classes of the base model {names}")
    ids = [names.index(c) for c in classes]
    head = model.model[-1]
    nc = int(head.nc)
    branches = [head.cv3]
    if getattr(head, "one2one_cv3", None) is not None:
        branches.append(head.one2one_cv3)
    with torch.no_grad():
        for branch in branches:
            for level, seq in enumerate(branch):
                conv = seq[-1]
                fresh = torch.nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size)
                prior = math.log(5 / nc / (640 / float(head.stride[level])) ** 2)
                for i in ids:
                    conv.weight[i] = fresh.weight[i].to(conv.weight.dtype)
                    conv.bias[i] = prior
    return ids


def checkpoint_with_reset_rows(base: Path, classes: Sequence[str], out: Path) -> Path:
    """A copy of checkpoint ``base`` at ``out`` whose ``classes`` rows start afresh."""
    import torch

    ckpt = torch.load(base, map_location="cpu", weights_only=False)
    for key in ("model", "ema"):
        if ckpt.get(key) is not None:
            model = ckpt[key].float()
            ids = reset_class_rows(model, classes)
            ckpt[key] = model.half() if key == "model" else model
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(ckpt, out)
    logger.info("reset the head rows of %s (ids %s) of %s into %s", classes, ids, base, out)
    return out
