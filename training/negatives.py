"""Hard negatives from real photos: crops of a labelled source that hold none of its objects.

Facade photos are full of lawful signs, windows, doors and bare wall; a detector that
calls a window an ad opens a case a reviewer rejects. Crops of those photos that overlap
no mapped box (a window or door, mapped to ``null``, may be inside) become background
images: in training they teach "nothing here", in validation every detection on them is
a false positive. A crop is named after its photo (``<photo path>.crop<k>.jpg``) and the
importer keeps it in its photo's split (`SourceSpec.derived_from`).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import yaml

from detector.geometry import Box
from training.readers import SourceImage

logger = logging.getLogger(__name__)

CROP_MARK = re.compile(r"\.crop\d+$")
_TRIES = 40


def parent_stem(rel_path: str) -> str | None:
    """The photo a crop was cut from, as its path without extension (None: not a crop).

    >>> parent_stem("train/img_1.crop0.jpg")
    'train/img_1'
    """
    stem = rel_path.rsplit(".", 1)[0]
    return CROP_MARK.sub("", stem) if CROP_MARK.search(stem) else None


@dataclass(frozen=True)
class CropSpec:
    per_image: int = 1
    min_side: float = 0.3  # of the photo's shorter side
    max_side: float = 0.6
    out_max_side: int = 640


def _free_crops(
    size: tuple[int, int], boxes: list[Box], spec: CropSpec, seed: int
) -> list[tuple[int, int, int, int]]:
    """Up to ``spec.per_image`` non-overlapping crops (x1, y1, x2, y2 px) touching no box."""
    w, h = size
    rng = np.random.default_rng(seed)
    taken: list[tuple[int, int, int, int]] = []
    px = [(x1 * w, y1 * h, x2 * w, y2 * h) for x1, y1, x2, y2 in boxes]
    for _ in range(_TRIES):
        if len(taken) >= spec.per_image:
            break
        side = rng.uniform(spec.min_side, spec.max_side) * min(w, h)
        aspect = rng.choice([0.75, 1.0, 4 / 3])
        cw, ch = round(side * np.sqrt(aspect)), round(side / np.sqrt(aspect))
        if cw >= w or ch >= h or min(cw, ch) < 32:
            continue
        x, y = int(rng.integers(0, w - cw)), int(rng.integers(0, h - ch))
        crop = (x, y, x + cw, y + ch)
        if any(_overlaps(crop, b) for b in [*px, *taken]):
            continue
        taken.append(crop)
    return taken


def _overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def write_crops(
    samples: list[SourceImage],
    images_base: Path,
    kept_classes: set[str],
    out: Path,
    spec: CropSpec,
    *,
    seed: int = 0,
) -> int:
    """Write background crops of ``samples`` as a YOLO source under ``out``; returns how many.

    ``kept_classes`` are the source classes a crop must not touch (those the recipe maps to
    a taxonomy class). Crop k of a photo depends only on (seed, photo path, k).
    """
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "labels").mkdir(parents=True, exist_ok=True)
    (out / "data.yaml").write_text(yaml.safe_dump({"names": []}), encoding="utf-8")
    written = 0
    for sample in samples:
        rel = sample.image.relative_to(images_base).as_posix()
        image = cv2.imread(str(sample.image), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f"{sample.image}: image cannot be decoded")
        boxes = [o.xyxy for o in sample.objects if o.name in kept_classes]
        digest = hashlib.sha256(f"{seed}/{rel}".encode()).digest()
        crops = _free_crops(
            (image.shape[1], image.shape[0]), boxes, spec, int.from_bytes(digest[:8], "big")
        )
        stem = rel.rsplit(".", 1)[0]
        for k, (x1, y1, x2, y2) in enumerate(crops):
            crop = image[y1:y2, x1:x2]
            scale = spec.out_max_side / max(crop.shape[:2])
            if scale < 1:
                crop = cv2.resize(
                    crop,
                    (round(crop.shape[1] * scale), round(crop.shape[0] * scale)),
                    interpolation=cv2.INTER_AREA,
                )
            dst = out / "images" / f"{stem}.crop{k}.jpg"
            dst.parent.mkdir(parents=True, exist_ok=True)
            ok, buf = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 90])
            if not ok:
                raise ValueError(f"{sample.image}: cannot encode crop {k}")
            dst.write_bytes(buf.tobytes())
            label = out / "labels" / f"{stem}.crop{k}.txt"
            label.parent.mkdir(parents=True, exist_ok=True)
            label.write_text("", encoding="utf-8")
            written += 1
    logger.info("wrote %d background crops of %d photos to %s", written, len(samples), out)
    return written
