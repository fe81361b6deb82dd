"""Which split each image goes to: by photo, so no photo has copies on both sides.

Images are grouped by the photo they show (`training.photos`: Roboflow's ``.rf.`` copies
and near-identical images, across all real sources; a background crop joins the photo it
was cut from) and each group goes to train or val by a hash of its key, the
(source, path) of its least member. For a photo with one copy that is the image's own
path, so such images keep the split a per-file rule gave them, and adding images to a
source never moves an existing single photo across.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from training.negatives import parent_stem
from training.photos import MAX_DISTANCE, PhotoItem, group_keys, group_photos, hash_files
from training.readers import SourceImage
from training.recipe import SourceSpec

logger = logging.getLogger(__name__)


def is_val(source: str, rel_path: str, fraction: float) -> bool:
    digest = hashlib.sha256(f"{source}/{rel_path}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < fraction


@dataclass(frozen=True)
class LoadedSource:
    """A recipe source read and checked: its spec, folder and images."""

    spec: SourceSpec
    root: Path
    images_dir: Path | None
    samples: list[SourceImage]


Loaded = list[LoadedSource]


def plan_splits(
    loaded: Loaded, fraction: float, max_distance: int = MAX_DISTANCE
) -> dict[tuple[str, str], tuple[str, str]]:
    """(source, rel path) -> (photo group key, split) for every image of every source.

    Real images are compared by perceptual hash across all sources; synthetic scenes are
    grouped by name only (each is new, and a real backdrop must not chain them to a photo).
    """
    keys = [
        (src.spec, rel_path(s, source_images_base(src.spec, src.root, src.images_dir)), s.image)
        for src in loaded
        for s in src.samples
    ]
    wanted = [i for i, (spec, _, _) in enumerate(keys) if not (spec.synthetic or spec.derived_from)]
    logger.info("hashing %d images to group copies of one photo", len(wanted))
    found = hash_files([keys[i][2] for i in wanted]) if max_distance >= 0 else []
    hashes = {i: h for i, h in zip(wanted, found, strict=False) if h is not None}
    compare = [i in hashes for i in range(len(keys))]
    items = [
        PhotoItem(spec.name, rel, *hashes.get(i, (0, 0))) for i, (spec, rel, _) in enumerate(keys)
    ]
    groups = group_photos(
        items, max_distance=max_distance, compare=compare, links=crop_links(items, loaded)
    )
    plan = {}
    for item, (source, rel) in zip(items, group_keys(items, groups), strict=True):
        split = "val" if is_val(source, rel, fraction) else "train"
        plan[(item.source, item.rel_path)] = (f"{source}/{rel}", split)
    return plan


def crop_links(items: list[PhotoItem], loaded: Loaded) -> list[tuple[int, int]]:
    """(crop, photo) index pairs for the images of sources ``derived_from`` another."""
    parents = {s.spec.name: s.spec.derived_from for s in loaded if s.spec.derived_from}
    if not parents:
        return []
    by_stem = {(it.source, it.rel_path.rsplit(".", 1)[0]): i for i, it in enumerate(items)}
    links = []
    for i, item in enumerate(items):
        parent = parents.get(item.source)
        if parent is None:
            continue
        stem = parent_stem(item.rel_path)
        j = by_stem.get((parent, stem)) if stem is not None else None
        if j is None:
            raise ValueError(
                f"source {item.source!r}: {item.rel_path} names no photo of {parent!r} "
                "(crops are named <photo path>.crop<k>.jpg)"
            )
        links.append((i, j))
    return links


def source_images_base(spec: SourceSpec, root: Path, images_dir: Path | None) -> Path:
    """The folder a source's image paths are recorded relative to."""
    return {
        "yolo": root / "images",
        "voc": root / "JPEGImages",
        "coco": images_dir or root.parent / "images",
    }[spec.format]


def rel_path(sample: SourceImage, base: Path) -> str:
    try:
        return sample.image.relative_to(base).as_posix()
    except ValueError:
        return sample.image.name
