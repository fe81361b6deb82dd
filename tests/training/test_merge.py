"""Merging reviewed data with the earlier training data, keeping the frozen validation sets."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from detector.taxonomy import load_taxonomy
from tests.detector.factories import make_onnx_detector, raw_tensor
from training.merge import FROZEN_OVERALL, merge_for_training
from training.yolo_dataset import DatasetError, load_data_yaml

NAMES = load_taxonomy().names


def dataset(root: Path, splits: dict[str, list[str]], val_sets: dict[str, str]) -> Path:
    """Images ``images/<name>.png`` (one car each), listed per split in ``<split>.txt``."""
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    for names in splits.values():
        for name in names:
            cv2.imwrite(str(root / "images" / f"{name}.png"), np.zeros((32, 32, 3), np.uint8))
            (root / "labels" / f"{name}.txt").write_text("0 0.5 0.5 0.5 0.5\n")
    for split, names in splits.items():
        (root / f"{split}.txt").write_text("".join(f"./images/{n}.png\n" for n in names))
    spec = {"names": dict(enumerate(NAMES)), "val_sets": val_sets} | {s: f"{s}.txt" for s in splits}
    (root / "data.yaml").write_text(yaml.safe_dump(spec))
    return root / "data.yaml"


@dataclass(frozen=True)
class Sources:
    earlier: Path
    reviews: Path
    registry: Path


@pytest.fixture
def sources(tmp_path: Path) -> Sources:
    pytest.importorskip("onnx")
    earlier = dataset(
        tmp_path / "ref",
        {"train": ["t1", "t2"], "val": ["v2", "v1"], "street": ["v1"]},
        {"street": "street.txt"},
    )
    (tmp_path / "ref" / "manifest.json").write_text(
        json.dumps(
            {"sources": [{"name": "ref", "synthetic": False}], "classes_with_real_data": ["car"]}
        )
    )
    reviews = dataset(tmp_path / "rev", {"train": ["r1"], "val": ["r2"]}, {"reviews": "val.txt"})
    registry = tmp_path / "models"
    (registry / "base-1.0").mkdir(parents=True)
    make_onnx_detector(registry / "base-1.0" / "model.onnx", raw_tensor([]))
    card = {
        "name": "base",
        "version": "1.0",
        "training": {"args": {"data": str(earlier)}},
        "metrics": {
            "all": {"data": str(earlier), "split": "val"},
            "street": {"data": str(earlier), "split": "street"},
        },
    }
    (registry / "base-1.0" / "card.json").write_text(json.dumps(card))
    (registry / "current").write_text("base-1.0\n")
    return Sources(earlier, reviews, registry)


def names(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def test_merge_concatenates_splits_and_keeps_the_frozen_sets(
    sources: Sources, tmp_path: Path
) -> None:
    data = merge_for_training(
        base=sources.registry / "current", data=None, merge=[sources.reviews], out=tmp_path / "m"
    )
    spec = load_data_yaml(data)
    assert names(spec.image_paths("train")) == ["t1", "t2", "r1"]
    assert names(spec.image_paths("val")) == ["v2", "v1", "r2"]
    assert set(spec.val_sets) == {FROZEN_OVERALL, "street", "reviews"}
    assert names(spec.image_paths(FROZEN_OVERALL)) == ["v2", "v1"], "in their original order"
    assert names(spec.image_paths("street")) == ["v1"]
    assert names(spec.image_paths("reviews")) == ["r2"]
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["frozen_val_sets"][FROZEN_OVERALL]["card_name"] == "all"
    assert manifest["frozen_val_sets"]["street"]["images"] == 1
    assert manifest["splits"]["train"] == {
        "images": 3,
        "boxes": {"car": 3},
        "list_sha256": manifest["splits"]["train"]["list_sha256"],
    }
    assert [s["name"] for s in manifest["sources"]] == ["ref", "rev"]
    assert manifest["classes_with_real_data"] == ["car"]


def test_validation_images_are_never_trained_on(sources: Sources, tmp_path: Path) -> None:
    # the reviews list one of the frozen validation images for training
    leak = sources.reviews.parent / "train.txt"
    leak.write_text(leak.read_text() + f"{sources.earlier.parent / 'images' / 'v1.png'}\n")
    data = merge_for_training(
        base=sources.registry / "current", data=None, merge=[sources.reviews], out=tmp_path / "m"
    )
    assert names(load_data_yaml(data).image_paths("train")) == ["t1", "t2", "r1"]
    assert json.loads((tmp_path / "m" / "manifest.json").read_text())["train_images_left_out"] == 1


def test_datasets_with_other_classes_are_not_merged(sources: Sources, tmp_path: Path) -> None:
    spec = yaml.safe_load(sources.reviews.read_text())
    spec["names"] = {0: "cat"}
    sources.reviews.write_text(yaml.safe_dump(spec))
    with pytest.raises(DatasetError, match="different classes"):
        merge_for_training(
            base=sources.registry / "current", data=None, merge=[sources.reviews], out=tmp_path
        )


def test_a_checkpoint_base_needs_data(sources: Sources, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="--merge needs --data"):
        merge_for_training(base=tmp_path / "x.pt", data=None, merge=[sources.reviews], out=tmp_path)
    data = merge_for_training(
        base=tmp_path / "x.pt", data=sources.earlier, merge=[sources.reviews], out=tmp_path / "m"
    )
    assert set(load_data_yaml(data).val_sets) == {"street", "reviews"}


def test_base_pointer_resolves_to_the_entrys_checkpoint(sources: Sources) -> None:
    from training.train import resolve_base

    with pytest.raises(FileNotFoundError, match=r"kept as model\.pt beside model\.onnx"):
        resolve_base(sources.registry / "current")
    (sources.registry / "base-1.0" / "model.pt").write_bytes(b"weights")
    assert resolve_base(sources.registry / "current") == sources.registry / "base-1.0" / "model.pt"
