"""`streetwatch data pack`: a compact, self-contained copy of a built dataset for a GPU machine.

A lent GPU machine takes a few tens of MiB with each call. The pack re-encodes every image
of every split to a longest side of ``max_side`` (WebP by default), copies its labels,
writes list files and a ``data.yaml`` that resolve inside the pack, and keeps the
dataset's ``manifest.json`` beside a ``pack.json`` that records how it was made. With a
``budget_mib`` it picks the best quality, then the largest side, whose estimate (from a
sample of the images) fits, packs, and checks the real size; it refuses a budget that even
its smallest setting cannot meet.

>>> data = Path("build/data/reference/data.yaml")
>>> pack_dataset(data, Path("build/pack"), budget_mib=60)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import random
import shutil
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
import yaml

from training.provenance import git_revision, sha256_file
from training.yolo_dataset import DatasetSpec, label_path_for, load_data_yaml

logger = logging.getLogger(__name__)

PACK_RECORD = "pack.json"
ImageFormat = Literal["webp", "jpg"]
# tried in order when a budget is given: quality first, then the side
_QUALITIES = (75, 65, 55, 45)
_SIDES = (640, 576, 512, 448, 384, 320)
_SAMPLE = 48


class PackBudgetError(ValueError):
    """The dataset cannot be packed under the size asked for."""


@dataclass(frozen=True)
class PackSettings:
    max_side: int = 512
    quality: int = 75
    format: ImageFormat = "webp"


def encode_image(path: Path, settings: PackSettings) -> bytes:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{path}: image cannot be decoded")
    h, w = image.shape[:2]
    scale = settings.max_side / max(h, w)
    if scale < 1:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    flag = cv2.IMWRITE_WEBP_QUALITY if settings.format == "webp" else cv2.IMWRITE_JPEG_QUALITY
    ok, buf = cv2.imencode(f".{settings.format}", image, [flag, settings.quality])
    if not ok:
        raise ValueError(f"{path}: cannot encode as {settings.format}")
    return bytes(np.asarray(buf).tobytes())


def _ladder(settings: PackSettings) -> list[PackSettings]:
    sides = [settings.max_side, *(s for s in _SIDES if s < settings.max_side)]
    qualities = [settings.quality, *(q for q in _QUALITIES if q < settings.quality)]
    return [PackSettings(s, q, settings.format) for s in sides for q in qualities]


def _estimate(images: list[Path], settings: PackSettings, pool: ThreadPoolExecutor) -> float:
    sample = random.Random(0).sample(images, min(_SAMPLE, len(images)))
    sizes = list(pool.map(lambda p: len(encode_image(p, settings)), sample))
    labels = sum(label_path_for(p).stat().st_size for p in images if label_path_for(p).is_file())
    return float(np.mean(sizes)) * len(images) + labels + 64 * len(images) + 4096


def _split_lists(spec: DatasetSpec) -> dict[str, list[Path]]:
    lists = {split: spec.image_paths(split) for split in spec.splits}
    lists.update({f"val_{name}": spec.image_paths(name) for name in spec.val_sets})
    return lists


def _rel(image: Path, root: Path) -> Path:
    try:
        rel = image.resolve().relative_to(root.resolve())
    except ValueError:
        rel = Path("images", "external", image.name)
    return rel if "images" in rel.parts else Path("images", *rel.parts)


def pack_dataset(
    data_yaml: Path,
    out: Path,
    *,
    settings: PackSettings = PackSettings(),
    budget_mib: float | None = None,
    workers: int = 4,
) -> dict[str, Any]:
    """Pack ``data_yaml``'s splits into ``out`` (replaced); returns the pack record."""
    spec = load_data_yaml(data_yaml)
    lists = _split_lists(spec)
    images = sorted({p for paths in lists.values() for p in paths})
    if not images:
        raise ValueError(f"{data_yaml}: no images in any split")
    budget = None if budget_mib is None else budget_mib * 2**20
    with ThreadPoolExecutor(max(1, workers)) as pool:
        chosen = settings
        if budget is not None:
            fitting = [s for s in _ladder(settings) if _estimate(images, s, pool) <= 0.92 * budget]
            if not fitting:
                raise PackBudgetError(
                    f"{len(images)} images cannot fit in {budget_mib} MiB even at longest side "
                    f"{_ladder(settings)[-1].max_side} and quality {_ladder(settings)[-1].quality}"
                )
            chosen = fitting[0]
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        rel = {p: _rel(p, spec.root).with_suffix(f".{chosen.format}") for p in images}

        def write(image: Path) -> int:
            data = encode_image(image, chosen)
            dst = out / rel[image]
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(data)
            label = label_path_for(image)
            if label.is_file():
                dst_label = label_path_for(dst).with_suffix(".txt")
                dst_label.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(label, dst_label)
            return len(data)

        image_bytes = sum(pool.map(write, images))
    for name, paths in lists.items():
        (out / f"{name}.txt").write_text("".join(f"./{rel[p].as_posix()}\n" for p in paths))
    data = {
        "train": "train.txt" if "train" in lists else None,
        "val": "val.txt" if "val" in lists else None,
        "names": dict(enumerate(spec.names)),
        "val_sets": {name: f"val_{name}.txt" for name in spec.val_sets},
    }
    (out / "data.yaml").write_text(
        yaml.safe_dump({k: v for k, v in data.items() if v is not None}, sort_keys=False)
    )
    manifest = spec.yaml_path.parent / "manifest.json"
    if manifest.is_file():
        shutil.copyfile(manifest, out / "manifest.json")
    total = _folder_bytes(out.rglob("*"))
    record = {
        "source": str(data_yaml),
        "source_manifest_sha256": sha256_file(manifest) if manifest.is_file() else None,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_revision": git_revision(),
        "settings": asdict(chosen),
        "budget_mib": budget_mib,
        "images": len(images),
        "splits": {name: len(paths) for name, paths in lists.items()},
        "image_bytes": image_bytes,
        "total_bytes": total,
    }
    (out / PACK_RECORD).write_text(json.dumps(record, indent=1))
    if budget is not None and total > budget:
        raise PackBudgetError(
            f"packed {total / 2**20:.1f} MiB into {out}, over the {budget_mib} MiB budget "
            f"(the sample estimate was low); pack again with a smaller --max-side"
        )
    logger.info("packed %d images into %s: %.1f MiB", len(images), out, total / 2**20)
    return record


def _folder_bytes(paths: Iterable[Path]) -> int:
    return sum(p.stat().st_size for p in paths if p.is_file())
