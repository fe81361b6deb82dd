from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from training.pack import PackBudgetError, PackSettings, pack_dataset
from training.yolo_dataset import iter_split, load_data_yaml


def _dataset(root: Path, n: int = 12) -> Path:
    """A built-dataset layout: images/<source>/<stem>.jpg, list files, a val set, a manifest."""
    rng = np.random.default_rng(0)
    lines: dict[str, list[str]] = {"train": [], "val": []}
    for i in range(n):
        image = cv2.resize(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8), (800, 600))
        path = root / "images" / "src" / f"im{i}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, 95])
        label = root / "labels" / "src" / f"im{i}.txt"
        label.parent.mkdir(parents=True, exist_ok=True)
        label.write_text(f"{i % 3} 0.5 0.5 0.2 0.3\n" if i % 4 else "")
        lines["val" if i % 4 == 0 else "train"].append(f"./images/src/im{i}.jpg")
    for split, items in lines.items():
        (root / f"{split}.txt").write_text("\n".join(items) + "\n")
    (root / "val_src.txt").write_text("\n".join(lines["val"]) + "\n")
    (root / "manifest.json").write_text(json.dumps({"name": "tiny"}))
    data = root / "data.yaml"
    data.write_text(
        "train: train.txt\nval: val.txt\nnames: [car, bus, truck]\nval_sets: {src: val_src.txt}\n"
    )
    return data


def test_pack_is_a_smaller_self_contained_copy(tmp_path: Path) -> None:
    data = _dataset(tmp_path / "data")
    record = pack_dataset(data, tmp_path / "pack", settings=PackSettings(max_side=256))
    packed = load_data_yaml(tmp_path / "pack" / "data.yaml")
    original = load_data_yaml(data)
    for split in ("train", "val", "src"):
        a, b = list(iter_split(original, split)), list(iter_split(packed, split))
        assert [s.image.stem for s in a] == [s.image.stem for s in b]
        for x, y in zip(a, b, strict=True):
            assert y.image.suffix == ".webp" and tmp_path / "pack" in y.image.parents
            np.testing.assert_array_equal(x.class_id, y.class_id)
            np.testing.assert_array_equal(x.cxcywh, y.cxcywh)
            assert max(cv2.imread(str(y.image)).shape[:2]) == 256
    assert record["splits"] == {"train": 9, "val": 3, "val_src": 3}
    assert record["settings"] == {"max_side": 256, "quality": 75, "format": "webp"}
    assert (tmp_path / "pack" / "manifest.json").read_text() == '{"name": "tiny"}'
    on_disk = sum(p.stat().st_size for p in (tmp_path / "pack").rglob("*") if p.is_file())
    assert (
        record["total_bytes"]
        < on_disk
        < sum(p.stat().st_size for p in (tmp_path / "data").rglob("*") if p.is_file())
    )


def test_a_budget_lowers_quality_then_size_and_refuses_the_impossible(tmp_path: Path) -> None:
    data = _dataset(tmp_path / "data")
    free = pack_dataset(data, tmp_path / "free", settings=PackSettings(max_side=640))
    budget = free["total_bytes"] * 0.6 / 2**20
    fitted = pack_dataset(
        data, tmp_path / "fit", settings=PackSettings(max_side=640), budget_mib=budget
    )
    assert fitted["total_bytes"] <= budget * 2**20
    assert fitted["settings"] != free["settings"]
    with pytest.raises(PackBudgetError, match=r"cannot fit in 0\.001 MiB"):
        pack_dataset(data, tmp_path / "none", budget_mib=0.001)
