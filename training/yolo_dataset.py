"""Read a YOLO dataset (``data.yaml``, images, label files) and check one whole.

`load_data_yaml` resolves the description, `iter_split` yields one `Sample` per image
with its parsed labels, and `check_dataset` walks every split and collects every
problem (bad label lines, undecodable images, orphan labels, train/val leakage)
instead of stopping at the first.

>>> spec = load_data_yaml("build/data/reference/data.yaml")  # doctest: +SKIP
>>> print(check_dataset(spec).format())  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from detector.geometry import Box

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".bmp", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp"})
SPLITS = ("train", "val", "test")
COORD_TOLERANCE = 0.01  # as the importer: annotation tools round a little past the border
_FIELDS = ("class", "cx", "cy", "w", "h")


class DatasetError(ValueError):
    """A dataset description (data.yaml) or split source that cannot be used."""


class LabelError(ValueError):
    """A bad line in a YOLO label file; ``line`` is 1-based."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True)
class DatasetSpec:
    """A resolved data.yaml: absolute split sources and class names in id order.

    ``val_sets`` holds the extra named validation subsets a streetwatch import writes
    (one per source); `iter_split` accepts their names as well as train/val/test.
    """

    yaml_path: Path
    root: Path
    names: tuple[str, ...]
    splits: Mapping[str, tuple[Path, ...]]
    val_sets: Mapping[str, tuple[Path, ...]] = field(default_factory=dict)

    @property
    def nc(self) -> int:
        return len(self.names)

    def sources(self, split: str) -> tuple[Path, ...]:
        if split in self.splits:
            return self.splits[split]
        if split in self.val_sets:
            return self.val_sets[split]
        known = [*self.splits, *self.val_sets]
        raise KeyError(f"{self.yaml_path} has no split {split!r}; it has {known}")

    def image_paths(self, split: str) -> list[Path]:
        """Image files of a split in listing order; raises `DatasetError` for a missing source."""
        return [img for src in self.sources(split) for img in images_of(src, self.root)]


@dataclass(frozen=True)
class Sample:
    """One image with its ground truth: ``class_id`` (N,) and normalised ``cxcywh`` (N, 4)."""

    image: Path
    label: Path
    class_id: npt.NDArray[np.int64]
    cxcywh: npt.NDArray[np.float32]
    has_label_file: bool

    def xyxy(self, width: int, height: int) -> npt.NDArray[np.float32]:
        """Boxes in pixels of an image ``width`` x ``height``."""
        scale = np.array([width, height, width, height], dtype=np.float32)
        c, wh = self.cxcywh[:, :2], self.cxcywh[:, 2:]
        return (np.concatenate([c - wh / 2, c + wh / 2], axis=1) * scale).astype(np.float32)


def load_data_yaml(path: str | Path) -> DatasetSpec:
    """Read a YOLO data.yaml; ``path:`` is taken relative to the yaml file's folder."""
    yaml_path = Path(path).absolute()
    try:
        raw = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DatasetError(f"cannot read dataset description {yaml_path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise DatasetError(
            f"{yaml_path}: expected a mapping with 'names' and splits, got {type(raw).__name__}"
        )
    root_entry = raw.get("path") or "."
    if not isinstance(root_entry, str):
        raise DatasetError(f"{yaml_path}: 'path' must be a string, got {root_entry!r}")
    root = (yaml_path.parent / root_entry).resolve()
    names = _parse_names(raw.get("names"), yaml_path)
    if "nc" in raw and raw["nc"] != len(names):
        raise DatasetError(f"{yaml_path}: nc is {raw['nc']} but names has {len(names)} entries")
    splits = {
        s: _sources(raw[s], root, f"{yaml_path}: '{s}'") for s in SPLITS if raw.get(s) is not None
    }
    splits = {s: v for s, v in splits.items() if v}
    if "train" not in splits and "val" not in splits:
        raise DatasetError(f"{yaml_path}: needs a 'train' or 'val' split, got keys {list(raw)}")
    val_sets_raw = raw.get("val_sets") or {}
    if not isinstance(val_sets_raw, dict):
        raise DatasetError(f"{yaml_path}: 'val_sets' must map names to sources")
    val_sets = {
        str(k): _sources(v, root, f"{yaml_path}: val_sets[{k!r}]") for k, v in val_sets_raw.items()
    }
    return DatasetSpec(yaml_path, root, names, splits, val_sets)


def _parse_names(names: Any, yaml_path: Path) -> tuple[str, ...]:
    if isinstance(names, list) and names and all(isinstance(n, str) for n in names):
        return tuple(names)
    if isinstance(names, dict) and names:
        try:
            ids = sorted(int(k) for k in names)
        except (TypeError, ValueError):
            ids = []
        if ids == list(range(len(names))) and all(isinstance(v, str) for v in names.values()):
            by_id = {int(k): v for k, v in names.items()}
            return tuple(by_id[i] for i in ids)
    raise DatasetError(
        f"{yaml_path}: 'names' must be a non-empty list of strings or a mapping with ids "
        f"0..n-1, got {names!r}"
    )


def _sources(entry: Any, root: Path, where: str) -> tuple[Path, ...]:
    items = entry if isinstance(entry, list) else [entry]
    if not all(isinstance(x, str) for x in items):
        raise DatasetError(f"{where} must be a path or a list of paths, got {entry!r}")
    return tuple(root / x for x in items if x)


def images_of(source: Path, root: Path) -> list[Path]:
    if source.is_dir():
        return sorted(p for p in source.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if source.is_file() and source.suffix == ".txt":
        images = []
        for line in source.read_text(encoding="utf-8").splitlines():
            entry = line.strip()
            if not entry or entry.startswith("#"):
                continue
            # "./x" is relative to the list file, as ultralytics reads it; other
            # relative paths are relative to the dataset root.
            base = source.parent if entry.startswith("./") else root
            images.append(base / entry)
        return images
    if source.exists():
        raise DatasetError(f"split source {source} is neither a folder of images nor a .txt list")
    raise DatasetError(f"split source {source} does not exist")


def label_path_for(image: Path) -> Path:
    """Where YOLO looks for an image's labels: the last ``/images/`` becomes ``/labels/``."""
    text = str(image)
    marker = f"{os.sep}images{os.sep}"
    if marker in text:
        head, tail = text.rsplit(marker, 1)
        text = f"{head}{os.sep}labels{os.sep}{tail}"
    return Path(text).with_suffix(".txt")


def parse_label_text(
    text: str, path: Path, num_classes: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32], list[LabelError]]:
    """Parse label-file text; returns the good rows and an error for every bad line."""
    classes: list[int] = []
    boxes: list[Box] = []
    errors: list[LabelError] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            cls, box = _parse_line(line, num_classes)
        except ValueError as exc:
            errors.append(LabelError(path, lineno, str(exc)))
            continue
        classes.append(cls)
        boxes.append(box)
    return (
        np.array(classes, dtype=np.int64),
        np.array(boxes, dtype=np.float32).reshape(-1, 4),
        errors,
    )


def _parse_line(line: str, num_classes: int) -> tuple[int, Box]:
    fields = line.split()
    if len(fields) != 5:
        hint = " (a segmentation polygon?)" if len(fields) > 5 and len(fields) % 2 else ""
        raise ValueError(f"expected 5 fields 'class cx cy w h', got {len(fields)}{hint}")
    values = []
    for name, text in zip(_FIELDS, fields, strict=True):
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{name} is not a number: {text!r}") from None
        if not math.isfinite(value):
            raise ValueError(f"{name} is not finite: {text!r}")
        values.append(value)
    cls_value, cx, cy, w, h = values
    if not cls_value.is_integer():
        raise ValueError(f"class id must be an integer, got {fields[0]!r}")
    cls = int(cls_value)
    if not 0 <= cls < num_classes:
        raise ValueError(f"class id {cls} out of range: names has {num_classes} classes")
    if w <= 0 or h <= 0:
        raise ValueError(f"box width and height must be positive, got w={w:g} h={h:g}")
    edges = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    if min(edges) < -COORD_TOLERANCE or max(edges) > 1 + COORD_TOLERANCE:
        hint = " (pixel coordinates instead of normalised?)" if max(values[1:]) > 1.5 else ""
        x1, y1, x2, y2 = edges
        raise ValueError(
            f"box corners ({x1:.4f}, {y1:.4f}, {x2:.4f}, {y2:.4f}) fall outside [0, 1] "
            f"by more than {COORD_TOLERANCE:g}{hint}"
        )
    return cls, (cx, cy, w, h)


def read_label_file(
    path: Path, num_classes: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32], list[LabelError]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        empty = (np.zeros(0, np.int64), np.zeros((0, 4), np.float32))
        return (*empty, [LabelError(path, line, f"not UTF-8 text: {exc.reason}")])
    return parse_label_text(text, path, num_classes)


def read_labels(
    path: Path, num_classes: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Class ids and normalised cxcywh boxes of a label file; raises the first `LabelError`."""
    classes, boxes, errors = read_label_file(path, num_classes)
    if errors:
        raise errors[0]
    return classes, boxes


def iter_split(spec: DatasetSpec, split: str) -> Iterator[Sample]:
    """Samples of a split; an image without a label file is a background image."""
    for image in spec.image_paths(split):
        label = label_path_for(image)
        if label.is_file():
            classes, boxes = read_labels(label, spec.nc)
            yield Sample(image, label, classes, boxes, has_label_file=True)
        else:
            empty = (np.zeros(0, np.int64), np.zeros((0, 4), np.float32))
            yield Sample(image, label, *empty, has_label_file=False)


# --- whole-dataset check ------------------------------------------------------------------
