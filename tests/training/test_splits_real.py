"""The real recipe's split, checked on the real photos: no photo has a copy on both sides."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np
import pytest

from detector.taxonomy import load_taxonomy
from tests.conftest import REPO
from training.importer import load_sources
from training.photos import MAX_DISTANCE, perceptual_hash, photo_key
from training.recipe import load_recipe
from training.splits import plan_splits, rel_path, source_images_base

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def real_split(shared_datasets: Path) -> list[tuple[str, str, Path, str]]:
    """(source, rel path, file, split) of every real photo of the reference recipe."""
    recipe = load_recipe(REPO / "datasets" / "reference.yaml")
    real = recipe.model_copy(
        update={"sources": [s for s in recipe.sources if not (s.synthetic or s.derived_from)]}
    )
    loaded = load_sources(real, REPO / "datasets", load_taxonomy())
    plan = plan_splits(loaded, recipe.val_fraction)
    rows = []
    for src in loaded:
        base = source_images_base(src.spec, src.root, src.images_dir)
        for sample in src.samples:
            rel = rel_path(sample, base)
            rows.append((src.spec.name, rel, sample.image, plan[(src.spec.name, rel)][1]))
    return rows


def test_every_source_has_both_splits_in_proportion(
    real_split: list[tuple[str, str, Path, str]],
) -> None:
    by_source: dict[str, list[str]] = defaultdict(list)
    for source, _, _, split in real_split:
        by_source[source].append(split)
    for source, splits in by_source.items():
        share = splits.count("val") / len(splits)
        assert 0.05 < share < 0.35, f"{source}: {share:.0%} of its images in val"


def test_no_roboflow_copy_or_identical_file_crosses_the_split(
    real_split: list[tuple[str, str, Path, str]],
) -> None:
    splits_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    by_bytes: dict[str, set[str]] = defaultdict(set)
    for source, rel, image, split in real_split:
        splits_of[(source, photo_key(rel))].add(split)
        by_bytes[hashlib.sha256(image.read_bytes()).hexdigest()].add(split)
    assert not [k for k, s in splits_of.items() if len(s) > 1]
    assert not [k for k, s in by_bytes.items() if len(s) > 1]
    assert sum(1 for k in splits_of if ".rf." not in k[1]) > 0  # the check saw both kinds


def test_no_validation_photo_has_a_near_copy_in_training(
    real_split: list[tuple[str, str, Path, str]],
) -> None:
    """Hashes of the full-resolution decode (the importer hashes a reduced one), compared
    one validation image against every training image, mirrored copies included."""
    hashes = []
    for _, _, image, _ in real_split:
        grey = cv2.imread(str(image), cv2.IMREAD_GRAYSCALE)
        assert grey is not None, image
        hashes.append(perceptual_hash(grey))
    bits = np.array(
        [[(h >> k) & 1 for k in range(64)] + [(m >> k) & 1 for k in range(64)] for h, m in hashes],
        dtype=np.uint8,
    )
    val = np.array([split == "val" for *_, split in real_split])
    train_bits = bits[~val, :64]
    leaks = []
    for i in np.nonzero(val)[0]:
        plain = (train_bits != bits[i, :64]).sum(axis=1).min()
        mirrored = (train_bits != bits[i, 64:]).sum(axis=1).min()
        if min(plain, mirrored) <= MAX_DISTANCE - 2:  # 2 bits of slack for the other decode
            leaks.append(real_split[i][:2])
    assert not leaks, f"{len(leaks)} validation photos have a near copy in training: {leaks[:5]}"
