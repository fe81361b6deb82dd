from __future__ import annotations

import json
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from detector.taxonomy import load_taxonomy
from training.importer import import_recipe
from training.provenance import sha256_file
from training.readers import AnnotationError
from training.recipe import Recipe, SourceSpec

TAXONOMY = load_taxonomy()


def _image(path: Path, w: int = 200, h: int = 100) -> None:
    """A distinct photo per file name (smooth random texture), so none is a near copy."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(zlib.crc32(path.stem.encode()))
    image = cv2.resize(rng.integers(0, 255, (4, 6, 3), dtype=np.uint8), (w, h))
    cv2.putText(image, path.stem, (5, h // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255))
    cv2.imwrite(str(path), image)


def yolo_source(root: Path, labels: dict[str, str], names: list[str]) -> Path:
    (root / "data.yaml").parent.mkdir(parents=True, exist_ok=True)
    (root / "data.yaml").write_text(yaml.safe_dump({"names": dict(enumerate(names))}))
    for stem, text in labels.items():
        _image(root / "images" / "train" / f"{stem}.jpg")
        label = root / "labels" / "train" / f"{stem}.txt"
        label.parent.mkdir(parents=True, exist_ok=True)
        label.write_text(text)
    return root


def recipe(*sources: SourceSpec, val_fraction: float = 0.5) -> Recipe:
    return Recipe(name="t", val_fraction=val_fraction, sources=list(sources))


def read_labels(out: Path) -> dict[str, list[list[float]]]:
    return {
        p.stem: [[float(v) for v in line.split()] for line in p.read_text().splitlines()]
        for p in sorted((out / "labels").rglob("*.txt"))
    }


def test_yolo_class_map_renumbers_and_drops(tmp_path: Path) -> None:
    src = yolo_source(
        tmp_path / "facade",
        {"a": "0 0.5 0.5 0.2 0.2\n1 0.3 0.3 0.1 0.1\n", "b": "2 0.5 0.5 0.5 0.5\n"},
        ["window", "signboard", "bike"],
    )
    spec = SourceSpec(
        name="facade",
        path=str(src),
        licence="CC0",
        class_map={"window": None, "signboard": "outdoor_ad", "bike": "two_wheeler"},
    )
    manifest = import_recipe(recipe(spec), tmp_path, tmp_path / "out", progress=False)

    labels = read_labels(tmp_path / "out")
    assert labels["train__a"] == [[TAXONOMY.class_id("outdoor_ad"), 0.3, 0.3, 0.1, 0.1]]
    assert labels["train__b"] == [[TAXONOMY.class_id("two_wheeler"), 0.5, 0.5, 0.5, 0.5]]
    source = manifest["sources"][0]
    assert source["dropped_boxes"] == {"window": 1}
    assert source["boxes"] == {"outdoor_ad": 1, "two_wheeler": 1}
    assert manifest["classes_with_real_data"] == ["two_wheeler", "outdoor_ad"]
    for f in manifest["files"]:
        assert sha256_file(tmp_path / "out" / f["image"]) == f["sha256"]
    data = yaml.safe_load((tmp_path / "out" / "data.yaml").read_text())
    assert list(data["names"].values()) == TAXONOMY.names
    listed = (tmp_path / "out" / "train.txt").read_text().split() + (
        tmp_path / "out" / "val.txt"
    ).read_text().split()
    assert sorted(listed) == sorted(f"./{f['image']}" for f in manifest["files"])


def test_unmapped_source_class_is_an_error(tmp_path: Path) -> None:
    src = yolo_source(tmp_path / "s", {"a": "1 0.5 0.5 0.2 0.2\n"}, ["window", "door"])
    spec = SourceSpec(name="s", path=str(src), class_map={"window": None})
    with pytest.raises(ValueError, match=r"classes \['door'\] are not in its class_map"):
        import_recipe(recipe(spec), tmp_path, tmp_path / "out", progress=False)


def test_class_map_target_must_be_in_taxonomy(tmp_path: Path) -> None:
    src = yolo_source(tmp_path / "s", {"a": "0 0.5 0.5 0.2 0.2\n"}, ["bike"])
    spec = SourceSpec(name="s", path=str(src), class_map={"bike": "bicycle"})
    with pytest.raises(ValueError, match=r"targets \['bicycle'\] are not taxonomy classes"):
        import_recipe(recipe(spec), tmp_path, tmp_path / "out", progress=False)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("0 0.5 0.5 0.2", "expected 5 fields"),
        ("0 0.5 x 0.2 0.2", "non-numeric"),
        ("7 0.5 0.5 0.2 0.2", "class id 7 outside 0..0"),
        ("0 0.5 0.5 0 0.2", "box width/height must be > 0"),
        ("0 0.95 0.5 0.3 0.2", "box .* outside \\[0, 1\\]"),
    ],
)
def test_bad_label_lines_are_reported_with_file_and_line(
    tmp_path: Path, line: str, message: str
) -> None:
    src = yolo_source(
        tmp_path / "s",
        {"good": "0 0.5 0.5 0.2 0.2\n", "bad": f"0 0.5 0.5 0.2 0.2\n{line}\n"},
        ["bike"],
    )
    spec = SourceSpec(name="s", path=str(src), class_map={"bike": "two_wheeler"})
    with pytest.raises(AnnotationError, match=rf"bad\.txt:2: {message}"):
        import_recipe(recipe(spec), tmp_path, tmp_path / "out", progress=False)
    assert not (tmp_path / "out" / "images").exists(), "nothing is written when a source is bad"


def test_every_bad_line_is_reported_not_only_the_first(tmp_path: Path) -> None:
    src = yolo_source(
        tmp_path / "s", {"a": "0 0.5\n0 0.5 0.5 0.2 0.2\n3 0.5 0.5 0.1 0.1\n"}, ["bike"]
    )
    spec = SourceSpec(name="s", path=str(src), class_map={"bike": "two_wheeler"})
    with pytest.raises(AnnotationError) as info:
        import_recipe(recipe(spec), tmp_path, tmp_path / "out", progress=False)
    assert "2 annotation problem(s)" in str(info.value)
    assert "a.txt:1:" in str(info.value) and "a.txt:3:" in str(info.value)


def test_coco_and_voc_sources(tmp_path: Path) -> None:
    _image(tmp_path / "coco" / "images" / "c1.jpg", 200, 100)
    coco = {
        "images": [{"id": 1, "file_name": "c1.jpg", "width": 200, "height": 100}],
        "categories": [{"id": 5, "name": "overflow"}],
        "annotations": [{"id": 9, "image_id": 1, "category_id": 5, "bbox": [20, 10, 100, 50]}],
    }
    (tmp_path / "coco" / "ann.json").write_text(json.dumps(coco))
    _image(tmp_path / "voc" / "JPEGImages" / "v1.jpg", 200, 100)
    (tmp_path / "voc" / "Annotations").mkdir(parents=True)
    (tmp_path / "voc" / "Annotations" / "v1.xml").write_text(
        "<annotation><filename>v1.jpg</filename><size><width>200</width><height>100</height>"
        "</size><object><name>bike</name><bndbox><xmin>0</xmin><ymin>0</ymin><xmax>50</xmax>"
        "<ymax>100</ymax></bndbox></object></annotation>"
    )
    specs = [
        SourceSpec(
            name="coco",
            path=str(tmp_path / "coco" / "ann.json"),
            format="coco",
            class_map={"overflow": "garbage_overflow"},
        ),
        SourceSpec(
            name="voc",
            path=str(tmp_path / "voc"),
            format="voc",
            class_map={"bike": "two_wheeler"},
        ),
    ]
    import_recipe(recipe(*specs), tmp_path, tmp_path / "out", progress=False)
    labels = read_labels(tmp_path / "out")
    assert labels["c1"] == [[TAXONOMY.class_id("garbage_overflow"), 0.35, 0.35, 0.5, 0.5]]
    assert labels["v1"] == [[TAXONOMY.class_id("two_wheeler"), 0.125, 0.5, 0.25, 1.0]]


def test_coco_bbox_outside_image_is_reported(tmp_path: Path) -> None:
    _image(tmp_path / "images" / "c1.jpg", 200, 100)
    coco = {
        "images": [{"id": 1, "file_name": "c1.jpg", "width": 200, "height": 100}],
        "categories": [{"id": 1, "name": "car"}],
        "annotations": [{"id": 4, "image_id": 1, "category_id": 1, "bbox": [150, 10, 100, 50]}],
    }
    (tmp_path / "ann.json").write_text(json.dumps(coco))
    spec = SourceSpec(
        name="c", path=str(tmp_path / "ann.json"), format="coco", class_map={"car": "car"}
    )
    with pytest.raises(AnnotationError, match=r"annotations\[0\] \(id 4\): bbox"):
        import_recipe(recipe(spec), tmp_path, tmp_path / "out", progress=False)


def test_import_is_deterministic_and_split_by_path(tmp_path: Path) -> None:
    labels = {f"img{i}": "0 0.5 0.5 0.2 0.2\n" for i in range(20)}
    src = yolo_source(tmp_path / "s", labels, ["car"])
    spec = SourceSpec(name="s", path=str(src), class_map={"car": "car"})
    a = import_recipe(recipe(spec), tmp_path, tmp_path / "a", progress=False)
    b = import_recipe(recipe(spec), tmp_path, tmp_path / "b", progress=False)
    assert a["files"] == b["files"]
    splits = {f["split"] for f in a["files"]}
    assert splits == {"train", "val"}, "a 0.5 val fraction over 20 images gives both splits"


@pytest.mark.parametrize(
    ("names", "message"),
    [(["a", "a"], r"unique, \['a'\] appear more than once"), (["real"], "may not be named 'real'")],
)
def test_recipe_source_names(names: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Recipe(name="t", sources=[SourceSpec(name=n, path=n) for n in names])
