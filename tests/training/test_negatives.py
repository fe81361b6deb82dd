from __future__ import annotations

from pathlib import Path

import cv2
import pytest
import yaml

from tests.training.test_importer import yolo_source
from training.build import build_dataset
from training.importer import import_recipe
from training.negatives import CropSpec, _free_crops, parent_stem
from training.recipe import Recipe, SourceSpec


@pytest.mark.parametrize(
    ("rel", "parent"),
    [
        ("train/img_1.crop0.jpg", "train/img_1"),
        ("a.b.crop12.png", "a.b"),
        ("train/img_1.jpg", None),
        ("crop0.jpg", None),
    ],
)
def test_parent_stem(rel: str, parent: str | None) -> None:
    assert parent_stem(rel) == parent


def test_crops_touch_no_box_and_not_each_other() -> None:
    boxes = [(0.0, 0.0, 0.5, 0.5), (0.6, 0.6, 0.9, 0.9)]
    spec = CropSpec(per_image=3, min_side=0.2, max_side=0.35)
    for seed in range(20):
        crops = _free_crops((800, 600), boxes, spec, seed)
        px = [(x1 * 800, y1 * 600, x2 * 800, y2 * 600) for x1, y1, x2, y2 in boxes]
        for i, (x1, y1, x2, y2) in enumerate(crops):
            assert 0 <= x1 < x2 <= 800 and 0 <= y1 < y2 <= 600
            for b in [*px, *crops[:i]]:
                assert x2 <= b[0] or b[2] <= x1 or y2 <= b[1] or b[3] <= y1
    assert _free_crops((800, 600), [(0.0, 0.0, 1.0, 1.0)], spec, 0) == []


def _walls_recipe(tmp_path: Path) -> Path:
    # a sign in the top band; windows (dropped) may be inside a crop
    labels = {f"f{i}": "0 0.5 0.1 0.9 0.15\n1 0.3 0.7 0.1 0.2\n" for i in range(12)}
    yolo_source(tmp_path / "facade", labels, ["signboard", "window"])
    recipe = {
        "name": "walls",
        "val_fraction": 0.5,
        "negatives": {"per_image": 2, "min_side": 0.3, "max_side": 0.5, "seed": 1},
        "sources": [
            {
                "name": "facade",
                "path": "facade",
                "class_map": {"signboard": "outdoor_ad", "window": None},
            },
            {"name": "walls", "path": "walls-out", "derived_from": "facade", "class_map": {}},
        ],
    }
    path = tmp_path / "walls.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def test_build_writes_background_crops_that_keep_their_photos_split(tmp_path: Path) -> None:
    manifest = build_dataset(_walls_recipe(tmp_path), tmp_path / "out", progress=False)
    files = manifest["files"]
    photo_split = {
        f["source_path"].rsplit(".", 1)[0]: f["split"] for f in files if f["source"] == "facade"
    }
    crops = [f for f in files if f["source"] == "walls"]
    assert crops and {f["split"] for f in crops} == {"train", "val"}
    for f in crops:
        parent = parent_stem(f["source_path"])
        assert parent is not None and f["split"] == photo_split[parent]
        assert f["photo"] == f"facade/{parent}.jpg"
        assert (
            tmp_path / "out" / "labels" / "walls" / (Path(f["image"]).stem + ".txt")
        ).read_text() == ""
        h, w = cv2.imread(str(tmp_path / "out" / f["image"])).shape[:2]
        assert min(h, w) >= 32
    walls = next(s for s in manifest["sources"] if s["name"] == "walls")
    assert walls["boxes"] == {} and sum(walls["images"].values()) == len(crops)


def test_a_crop_must_name_a_photo_of_its_parent(tmp_path: Path) -> None:
    yolo_source(tmp_path / "facade", {"f0": ""}, ["signboard"])
    yolo_source(tmp_path / "walls", {"nothing.crop0": ""}, ["signboard"])
    recipe = Recipe(
        name="t",
        sources=[
            SourceSpec(name="facade", path="facade", class_map={"signboard": "outdoor_ad"}),
            SourceSpec(name="walls", path="walls", derived_from="facade", class_map={}),
        ],
    )
    with pytest.raises(ValueError, match=r"train/nothing.crop0.jpg names no photo of 'facade'"):
        import_recipe(recipe, tmp_path, tmp_path / "out", progress=False)
