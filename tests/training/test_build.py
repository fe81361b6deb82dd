from __future__ import annotations

from pathlib import Path

import yaml

from detector.taxonomy import load_taxonomy
from tests.training.test_importer import yolo_source
from training.build import _backdrop_view, build_dataset

TAXONOMY = load_taxonomy()


def write_recipe(tmp_path: Path, background_ratio: float) -> Path:
    labels = {f"f{i}": "0 0.5 0.3 0.4 0.1\n" for i in range(8)}
    yolo_source(tmp_path / "facade", labels, ["signboard"])
    recipe = {
        "name": "mini",
        "val_fraction": 0.5,
        "synth": {
            "count": 6,
            "seed": 3,
            "background_ratio": background_ratio,
            "background_source": "facade",
        },
        "sources": [
            {
                "name": "facade",
                "path": "facade",
                "licence": "CC0",
                "class_map": {"signboard": "outdoor_ad"},
            },
            {
                "name": "synth",
                "path": "synth-out",
                "synthetic": True,
                "class_map": {n: n for n in TAXONOMY.names},
            },
        ],
    }
    path = tmp_path / "mini.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def test_build_synthesises_then_imports_everything(tmp_path: Path) -> None:
    manifest = build_dataset(write_recipe(tmp_path, 1.0), tmp_path / "out", progress=False)
    by_source = {s["name"]: s for s in manifest["sources"]}
    assert sum(by_source["synth"]["images"].values()) == 6
    assert sum(by_source["facade"]["images"].values()) == 8
    assert manifest["classes_with_real_data"] == ["outdoor_ad"]
    assert "stall" in manifest["classes_synthetic_only"]
    assert (tmp_path / "synth-out" / "SOURCE.md").is_file()
    val_sets = yaml.safe_load((tmp_path / "out" / "data.yaml").read_text())["val_sets"]
    assert set(val_sets) <= {"facade", "synth", "real"}
    real = (tmp_path / "out" / "val_real.txt").read_text().split()
    assert real == sorted(
        f"./{f['image']}"
        for f in manifest["files"]
        if f["source"] == "facade" and f["split"] == "val"
    )


def test_backdrops_come_from_train_images_only(tmp_path: Path) -> None:
    manifest = build_dataset(write_recipe(tmp_path, 0.0), tmp_path / "out", progress=False)
    view = _backdrop_view(tmp_path / "out", "facade", manifest, tmp_path / "view")
    listed = {p.name for p in (view / "images" / "train").iterdir()}
    train = {
        Path(f["image"]).name
        for f in manifest["files"]
        if f["source"] == "facade" and f["split"] == "train"
    }
    val = {
        Path(f["image"]).name
        for f in manifest["files"]
        if f["source"] == "facade" and f["split"] == "val"
    }
    assert listed == train and val and not listed & val
    assert all(p.resolve().is_file() for p in (view / "labels" / "train").iterdir())
