"""`streetwatch data export`: a YOLO dataset (built, imported or from reviews) as COCO, Pascal
VOC or a standalone YOLO copy, so labelled frames go to CVAT or Label Studio and back.

Boxes are written in pixels of the image's own size (read from its header), at full float
precision, so that ``data import`` of the export gives back the same YOLO labels. Images
are hard-linked where the file system allows it, else copied. Layouts:

- ``coco``: ``annotations/instances_<split>.json`` and ``images/<split>/...`` (category ids
  1..N in the dataset's class order, ``bbox`` [x, y, w, h]);
- ``voc``: ``<split>/Annotations/*.xml``, ``<split>/JPEGImages/`` and
  ``<split>/ImageSets/Main/<split>.txt`` (``data import --format voc`` reads one split root);
- ``yolo``: ``images/<split>/``, ``labels/<split>/`` and a ``data.yaml`` naming them.

Names inside a split are the image's path under the dataset root with ``/`` as ``__``, so
two sources' ``0001.jpg`` never collide.
"""

from __future__ import annotations

import json
import os
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml

from detector.image_header import encoded_size
from training.yolo_dataset import DatasetSpec, Sample, iter_split, load_data_yaml

ExportFormat = Literal["coco", "voc", "yolo"]
FORMATS: tuple[ExportFormat, ...] = ("coco", "voc", "yolo")


def _place(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links not allowed: copy
        shutil.copyfile(src, dst)


def _flat_name(spec: DatasetSpec, image: Path) -> str:
    try:
        rel = image.resolve().relative_to(spec.root.resolve())
    except ValueError:
        rel = Path(image.name)
    return "__".join(rel.parts)


def _sized(spec: DatasetSpec, split: str) -> Iterator[tuple[Sample, str, int, int]]:
    """Each sample of ``split`` with its export name and its size from the file's header."""
    for sample in iter_split(spec, split):
        with sample.image.open("rb") as f:
            head = f.read(1 << 16)
        size = encoded_size(head)
        if size is None:  # a JPEG's frame header may follow a large EXIF block
            size = encoded_size(sample.image.read_bytes())
        if size is None:
            raise ValueError(f"{sample.image}: cannot read the image size from its header")
        yield sample, _flat_name(spec, sample.image), size[0], size[1]


def _boxes(sample: Sample, width: int, height: int) -> list[tuple[int, list[float]]]:
    """(class id, [x1, y1, x2, y2] in pixels) of each object."""
    xyxy = sample.xyxy(width, height).astype(float)
    return [(int(c), [float(v) for v in box]) for c, box in zip(sample.class_id, xyxy, strict=True)]


def _coco(spec: DatasetSpec, split: str, out: Path) -> dict[str, int]:
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for n, (sample, name, width, height) in enumerate(_sized(spec, split), start=1):
        _place(sample.image, out / "images" / split / name)
        images.append({"id": n, "file_name": name, "width": width, "height": height})
        for class_id, (x1, y1, x2, y2) in _boxes(sample, width, height):
            w, h = x2 - x1, y2 - y1
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": n,
                    "category_id": class_id + 1,
                    "bbox": [x1, y1, w, h],
                    "area": w * h,
                    "iscrowd": 0,
                }
            )
    doc = {
        "info": {"description": f"{spec.yaml_path.name} {split}", "version": "1.0"},
        "categories": [{"id": i + 1, "name": n} for i, n in enumerate(spec.names)],
        "images": images,
        "annotations": annotations,
    }
    path = out / "annotations" / f"instances_{split}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return {"images": len(images), "objects": len(annotations)}


def _voc_xml(name: str, width: int, height: int, objects: list[tuple[str, list[float]]]) -> bytes:
    root = ET.Element("annotation")
    ET.SubElement(root, "folder").text = "JPEGImages"
    ET.SubElement(root, "filename").text = name
    size = ET.SubElement(root, "size")
    for key, value in (("width", width), ("height", height), ("depth", 3)):
        ET.SubElement(size, key).text = str(value)
    for label, box in objects:
        obj = ET.SubElement(root, "object")
        ET.SubElement(obj, "name").text = label
        ET.SubElement(obj, "difficult").text = "0"
        bndbox = ET.SubElement(obj, "bndbox")
        for key, coord in zip(("xmin", "ymin", "xmax", "ymax"), box, strict=True):
            ET.SubElement(bndbox, key).text = repr(round(coord, 6))
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _voc(spec: DatasetSpec, split: str, out: Path) -> dict[str, int]:
    root = out / split
    (root / "Annotations").mkdir(parents=True, exist_ok=True)
    stems: list[str] = []
    objects = 0
    for sample, name, width, height in _sized(spec, split):
        _place(sample.image, root / "JPEGImages" / name)
        found = [(spec.names[c], box) for c, box in _boxes(sample, width, height)]
        stem = Path(name).stem
        (root / "Annotations" / f"{stem}.xml").write_bytes(_voc_xml(name, width, height, found))
        stems.append(stem)
        objects += len(found)
    sets = root / "ImageSets" / "Main"
    sets.mkdir(parents=True, exist_ok=True)
    (sets / f"{split}.txt").write_text("".join(f"{s}\n" for s in stems), encoding="utf-8")
    return {"images": len(stems), "objects": objects}


def _yolo(spec: DatasetSpec, split: str, out: Path) -> dict[str, int]:
    images = objects = 0
    for sample in iter_split(spec, split):
        name = _flat_name(spec, sample.image)
        _place(sample.image, out / "images" / split / name)
        if sample.has_label_file:
            _place(sample.label, out / "labels" / split / f"{Path(name).stem}.txt")
        images += 1
        objects += len(sample.class_id)
    return {"images": images, "objects": objects}


def export_dataset(
    data_yaml: Path, out: Path, fmt: ExportFormat, splits: Sequence[str] = ("train", "val")
) -> dict[str, dict[str, int]]:
    """Write ``splits`` of the dataset ``data_yaml`` names to ``out`` in ``fmt``; return
    images and objects per split. ``out`` must not hold anything yet."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty: export into a new folder")
    spec = load_data_yaml(data_yaml)
    for split in splits:
        spec.sources(split)  # KeyError naming the splits it has, before anything is written
    writer = {"coco": _coco, "voc": _voc, "yolo": _yolo}[fmt]
    counts = {split: writer(spec, split, out) for split in splits}
    if fmt == "yolo":
        doc = {
            "path": ".",
            **{split: f"images/{split}" for split in splits},
            "names": dict(enumerate(spec.names)),
        }
        (out / "data.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return counts
