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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def _names(model: Any) -> list[str]:
    names = model.names
    return [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)


def _class_branches(head: Any) -> Iterator[tuple[int, Any]]:
    """(level, the Sequential ending in its class conv) for each classification branch of a
    detect head (both of an end-to-end head's)."""
    branches = [head.cv3]
    if getattr(head, "one2one_cv3", None) is not None:
        branches.append(head.one2one_cv3)
    for branch in branches:
        yield from enumerate(branch)


def _prior(nc: int, stride: float) -> float:
    """ultralytics' class bias at init: about 5 objects a 640 image spread over nc classes."""
    return math.log(5 / nc / (640 / stride) ** 2)


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
    with torch.no_grad():
        for level, seq in _class_branches(head):
            conv = seq[-1]
            fresh = torch.nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size)
            for i in ids:
                conv.weight[i] = fresh.weight[i].to(conv.weight.dtype)
                conv.bias[i] = _prior(nc, float(head.stride[level]))
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


def grow_head(model: Any, names: Sequence[str]) -> int:
    """Widen, in place, ``model``'s detect head from its classes to ``names``, which must
    start with them (classes are only ever added at the taxonomy's end): the known classes'
    rows are kept, the new ones start afresh. Returns how many classes were added."""
    import torch

    old = _names(model)
    if list(names[: len(old)]) != old:
        raise ValueError(f"classes {list(names)} do not start with the model's {old}")
    added = len(names) - len(old)
    if added <= 0:
        return 0
    head = model.model[-1]
    nc = len(names)
    with torch.no_grad():
        for level, seq in _class_branches(head):
            conv = seq[-1]
            wider = torch.nn.Conv2d(conv.in_channels, nc, conv.kernel_size)
            wider = wider.to(device=conv.weight.device, dtype=conv.weight.dtype)
            wider.weight[: len(old)] = conv.weight
            wider.bias[: len(old)] = conv.bias
            wider.bias[len(old) :] = _prior(nc, float(head.stride[level]))
            seq[-1] = wider
    head.nc = nc
    head.no = nc + head.reg_max * 4
    model.nc = nc
    model.names = dict(enumerate(names))
    if isinstance(getattr(model, "yaml", None), dict):
        model.yaml["nc"] = nc
    return added


def checkpoint_with_grown_head(base: Path, names: Sequence[str], out: Path) -> Path | None:
    """A copy of checkpoint ``base`` at ``out`` whose head predicts ``names`` (the base's
    classes and those added after them); None when the base predicts them all already."""
    import torch

    ckpt = torch.load(base, map_location="cpu", weights_only=False)
    old = _names(ckpt.get("ema") or ckpt["model"])
    if len(names) <= len(old) or list(names[: len(old)]) != old:
        return None  # the same classes, or others: ultralytics transfers what fits
    grown = 0
    for key in ("model", "ema"):
        if ckpt.get(key) is not None:
            model = ckpt[key].float()
            grown = grow_head(model, names)
            ckpt[key] = model.half() if key == "model" else model
    if not grown:
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(ckpt, out)
    logger.info("grew the head of %s by %d classes (%s) into %s", base, grown, names[-grown:], out)
    return out
