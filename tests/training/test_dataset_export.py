"""`data export`: a YOLO dataset out as COCO, VOC or YOLO, and back in through `data import`
with the same boxes on the same images."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from detector.taxonomy import load_taxonomy
from tests.training.test_importer import recipe, yolo_source
from training.dataset_export import export_dataset
from training.importer import import_recipe
from training.recipe import SourceSpec

TAXONOMY = load_taxonomy()
NAMES = list(TAXONOMY.names)


def _dataset(tmp_path: Path) -> Path:
    """An imported dataset (train and val) in taxonomy classes, boxes at odd positions."""
    car, flyer, stall = (TAXONOMY.class_id(n) for n in ("car", "flyer", "stall"))
    labels = {
        f"p{i}": f"{car} 0.123457 0.456789 0.111111 0.222223\n"
        f"{flyer} 0.9 0.05 0.2 0.1\n{stall} {0.1 + i / 40:.6f} 0.5 0.013 0.987\n"
        for i in range(8)
    }
    labels["empty"] = ""
    src = yolo_source(tmp_path / "src", labels, NAMES)
    spec = SourceSpec(name="street", path=str(src), class_map={n: n for n in NAMES})
    import_recipe(recipe(spec), tmp_path, tmp_path / "data", progress=False)
    return tmp_path / "data" / "data.yaml"


def _by_photo(root: Path) -> dict[str, list[str]]:
    """Label rows of every image under ``root`` (with a ``labels`` twin), by image hash."""
    out: dict[str, list[str]] = {}
    for image in sorted((root / "images").rglob("*.jpg")):
        rel = image.relative_to(root / "images").with_suffix(".txt")
        label = root / "labels" / rel
        rows = label.read_text().splitlines() if label.is_file() else []
        out[hashlib.sha256(image.read_bytes()).hexdigest()] = sorted(rows)
    return out


@pytest.mark.parametrize("fmt", ["coco", "voc"])
def test_an_export_imports_back_with_identical_boxes(tmp_path: Path, fmt: str) -> None:
    data = _dataset(tmp_path)
    out = tmp_path / fmt
    counts = export_dataset(data, out, fmt)  # type: ignore[arg-type]
    assert sum(c["images"] for c in counts.values()) == 9
    assert sum(c["objects"] for c in counts.values()) == 24
    specs = []
    for split in counts:
        if fmt == "coco":
            path, images = out / "annotations" / f"instances_{split}.json", out / "images" / split
            specs.append(
                SourceSpec(
                    name=f"back-{split}",
                    path=str(path),
                    format="coco",
                    images_dir=str(images),
                    class_map={n: n for n in NAMES},
                )
            )
        else:
            specs.append(
                SourceSpec(
                    name=f"back-{split}",
                    path=str(out / split),
                    format="voc",
                    class_map={n: n for n in NAMES},
                )
            )
    import_recipe(recipe(*specs), tmp_path, tmp_path / "back", progress=False)
    before = _by_photo(tmp_path / "data")
    assert len(before) == 9 and sum(len(rows) for rows in before.values()) == 24
    assert _by_photo(tmp_path / "back") == before


def test_coco_and_voc_files_say_what_cvat_reads(tmp_path: Path) -> None:
    data = _dataset(tmp_path)
    export_dataset(data, tmp_path / "coco", "coco", ("train",))
    doc = json.loads((tmp_path / "coco" / "annotations" / "instances_train.json").read_text())
    assert [c["name"] for c in doc["categories"]] == NAMES
    assert {c["id"] for c in doc["categories"]} == set(range(1, len(NAMES) + 1))
    assert all(a["bbox"][2] > 0 and a["area"] > 0 for a in doc["annotations"])
    export_dataset(data, tmp_path / "voc", "voc", ("train",))
    listed = (tmp_path / "voc" / "train" / "ImageSets" / "Main" / "train.txt").read_text()
    xmls = sorted((tmp_path / "voc" / "train" / "Annotations").glob("*.xml"))
    assert sorted(listed.split()) == [x.stem for x in xmls] and xmls


def test_a_yolo_export_is_a_standalone_copy(tmp_path: Path) -> None:
    data = _dataset(tmp_path)
    export_dataset(data, tmp_path / "yolo", "yolo")
    assert (tmp_path / "yolo" / "data.yaml").is_file()
    assert _by_photo(tmp_path / "yolo") == _by_photo(tmp_path / "data")


def test_bad_requests_say_what_was_wrong(tmp_path: Path) -> None:
    data = _dataset(tmp_path)
    with pytest.raises(ValueError, match="unknown export format 'csv'"):
        export_dataset(data, tmp_path / "x", "csv")  # type: ignore[arg-type]
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not empty"):
        export_dataset(data, tmp_path / "full", "coco")
    with pytest.raises(KeyError, match="no split 'test'"):
        export_dataset(data, tmp_path / "y", "coco", ("test",))
    assert not (tmp_path / "y").exists()
