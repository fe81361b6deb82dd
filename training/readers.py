"""Readers for labelled datasets in YOLO, COCO and Pascal VOC formats.

Each reader yields `SourceImage`s whose objects carry the source's own class
names and normalised xyxy boxes; mapping onto the taxonomy happens in the importer.
Malformed annotations raise `AnnotationError` naming the file and line or element.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from detector.geometry import Box

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
SourceFormat = Literal["yolo", "coco", "voc"]


class AnnotationError(ValueError):
    """An annotation that cannot be read; the message names file and line."""


@dataclass(frozen=True)
class SourceObject:
    name: str
    xyxy: Box  # normalised to [0, 1]


@dataclass(frozen=True)
class SourceImage:
    image: Path
    objects: tuple[SourceObject, ...]
    annotation: Path | None  # label file the objects came from, if any


def _yolo_names(data_yaml: Path) -> list[str]:
    raw = yaml.safe_load(data_yaml.read_text(encoding="utf-8")) or {}
    names = raw.get("names")
    if isinstance(names, dict):
        return [str(names[k]) for k in sorted(names, key=int)]
    if isinstance(names, list):
        return [str(n) for n in names]
    raise AnnotationError(f"{data_yaml}: no 'names' list or mapping")


def _yolo_label_line(path: Path, lineno: int, line: str, names: list[str]) -> SourceObject:
    parts = line.split()
    where = f"{path}:{lineno}"
    if len(parts) != 5:
        raise AnnotationError(f"{where}: expected 5 fields 'class cx cy w h', got {len(parts)}")
    try:
        cls = int(parts[0])
        cx, cy, w, h = (float(p) for p in parts[1:])
    except ValueError:
        raise AnnotationError(f"{where}: non-numeric field in {line.strip()!r}") from None
    if not 0 <= cls < len(names):
        raise AnnotationError(f"{where}: class id {cls} outside 0..{len(names) - 1}")
    if w <= 0 or h <= 0:
        raise AnnotationError(f"{where}: box width/height must be > 0, got {w}, {h}")
    x1, y1, x2, y2 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
    tol = 0.01  # annotation tools round boxes a little past the border; clip those
    if min(x1, y1) < -tol or max(x2, y2) > 1 + tol:
        raise AnnotationError(f"{where}: box {x1:.4f},{y1:.4f},{x2:.4f},{y2:.4f} outside [0, 1]")
    return SourceObject(names[cls], (_clip01(x1), _clip01(y1), _clip01(x2), _clip01(y2)))


def _clip01(v: float) -> float:
    return min(max(v, 0.0), 1.0)


def read_yolo(root: Path, errors: list[str]) -> Iterator[SourceImage]:
    """A YOLO dataset: ``data.yaml`` with names, ``images/<split>/`` and ``labels/<split>/``."""
    names = _yolo_names(root / "data.yaml")
    images = sorted(p for p in (root / "images").rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    for image in images:
        rel = image.relative_to(root / "images")
        label = (root / "labels" / rel).with_suffix(".txt")
        objects: list[SourceObject] = []
        if label.exists():
            for lineno, line in enumerate(label.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    objects.append(_yolo_label_line(label, lineno, line, names))
                except AnnotationError as exc:
                    errors.append(str(exc))
        yield SourceImage(image, tuple(objects), label if label.exists() else None)


def read_coco(annotation_file: Path, images_dir: Path, errors: list[str]) -> Iterator[SourceImage]:
    """COCO detection JSON; ``bbox`` is [x, y, w, h] in pixels."""
    try:
        coco: dict[str, Any] = json.loads(annotation_file.read_text(encoding="utf-8"))
        cats = {int(c["id"]): str(c["name"]) for c in coco["categories"]}
        images = {int(i["id"]): i for i in coco["images"]}
    except (KeyError, TypeError, ValueError) as exc:
        raise AnnotationError(f"{annotation_file}: not a COCO detection file ({exc})") from exc
    by_image: dict[int, list[SourceObject]] = {i: [] for i in images}
    for n, ann in enumerate(coco.get("annotations", [])):
        where = f"{annotation_file}: annotations[{n}] (id {ann.get('id')})"
        try:
            info = images[int(ann["image_id"])]
            x, y, w, h = (float(v) for v in ann["bbox"])
            name = cats[int(ann["category_id"])]
            iw, ih = float(info["width"]), float(info["height"])
        except (KeyError, TypeError, ValueError) as exc:
            errors.append(f"{where}: missing or bad field {exc}")
            continue
        if w <= 0 or h <= 0 or x < -1 or y < -1 or x + w > iw + 1 or y + h > ih + 1:
            errors.append(f"{where}: bbox {[x, y, w, h]} outside image {iw:.0f}x{ih:.0f}")
            continue
        box = (max(x / iw, 0.0), max(y / ih, 0.0), min((x + w) / iw, 1.0), min((y + h) / ih, 1.0))
        by_image[int(ann["image_id"])].append(SourceObject(name, box))
    for image_id in sorted(images):
        path = images_dir / str(images[image_id]["file_name"])
        yield SourceImage(path, tuple(by_image[image_id]), annotation_file)


def read_voc(root: Path, errors: list[str]) -> Iterator[SourceImage]:
    """Pascal VOC: ``Annotations/*.xml`` and ``JPEGImages/``."""
    for xml_path in sorted((root / "Annotations").glob("*.xml")):
        try:
            tree = ET.parse(xml_path).getroot()
            filename = tree.findtext("filename") or f"{xml_path.stem}.jpg"
            iw = float(tree.findtext("size/width") or "nan")
            ih = float(tree.findtext("size/height") or "nan")
        except (ET.ParseError, ValueError) as exc:
            errors.append(f"{xml_path}: unreadable VOC annotation ({exc})")
            continue
        if not (iw > 0 and ih > 0):
            errors.append(f"{xml_path}: missing <size><width>/<height>")
            continue
        objects: list[SourceObject] = []
        for n, obj in enumerate(tree.iter("object")):
            where = f"{xml_path}: <object> #{n + 1} (line {getattr(obj, 'sourceline', '?')})"
            try:
                name = (obj.findtext("name") or "").strip()
                x1, y1, x2, y2 = (
                    float(obj.findtext(f"bndbox/{k}") or "nan")
                    for k in ("xmin", "ymin", "xmax", "ymax")
                )
            except ValueError as exc:
                errors.append(f"{where}: bad bndbox ({exc})")
                continue
            if not name or not (0 <= x1 < x2 <= iw + 1 and 0 <= y1 < y2 <= ih + 1):
                errors.append(f"{where}: bad object name {name!r} or box {[x1, y1, x2, y2]}")
                continue
            box = (x1 / iw, y1 / ih, min(x2 / iw, 1.0), min(y2 / ih, 1.0))
            objects.append(SourceObject(name, box))
        yield SourceImage(root / "JPEGImages" / filename, tuple(objects), xml_path)


def read_source(
    fmt: SourceFormat, path: Path, errors: list[str], *, images_dir: Path | None = None
) -> Iterator[SourceImage]:
    if fmt == "yolo":
        return read_yolo(path, errors)
    if fmt == "coco":
        return read_coco(path, images_dir or path.parent / "images", errors)
    if fmt == "voc":
        return read_voc(path, errors)
    raise ValueError(f"unknown dataset format {fmt!r}; expected yolo, coco or voc")
