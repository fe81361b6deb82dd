"""What a model file says about itself: class names, input size, name and version.

Sources, later ones winning: the file's location (``models/<name>-<version>/model.onnx``),
the metadata ultralytics writes into exports (``names``, ``imgsz``, ``stride``, ``task``,
``version`` = the ultralytics version, ...), our own ``streetwatch_name`` /
``streetwatch_version`` keys, and a ``card.json`` next to the model file.
"""

from __future__ import annotations

import ast
import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from detector.errors import ModelLoadError

logger = logging.getLogger(__name__)

ModelFormat = Literal["onnx", "openvino", "pytorch"]

CARD_NAME = "card.json"
UNVERSIONED = "unversioned"
_REGISTRY_DIR = re.compile(r"^(?P<name>.+)-(?P<version>v?\d[\w.+]*)$")


class ModelInfo(BaseModel):
    """Identity and input contract of a loaded detector model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    names: list[str] = Field(min_length=1)
    imgsz: tuple[int, int]  # (height, width) of the model input
    stride: int = 32
    task: str = "detect"
    format: ModelFormat
    path: Path
    end2end: bool = False
    ultralytics_version: str | None = None
    description: str = ""

    @property
    def num_classes(self) -> int:
        return len(self.names)


def _literal(key: str, value: Any, path: Path) -> Any:
    """Metadata values arrive as Python-literal strings from ONNX; parse them, never eval."""
    if not isinstance(value, str):
        return value
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
        raise ModelLoadError(
            f"{path}: metadata {key!r} is not a Python literal: {value!r}"
        ) from exc


def parse_names(value: Any, path: Path) -> list[str]:
    """Class names from ``{0: 'car', 1: 'bus'}`` or ``['car', 'bus']`` (or their string form)."""
    parsed = _literal("names", value, path)
    if isinstance(parsed, Mapping):
        try:
            ids = sorted(int(k) for k in parsed)
        except (TypeError, ValueError) as exc:
            raise ModelLoadError(
                f"{path}: class names must be keyed by class id, got keys {list(parsed)}"
            ) from exc
        if ids != list(range(len(ids))):
            raise ModelLoadError(f"{path}: class ids must be 0..{len(ids) - 1}, got {ids}")
        by_id = {int(k): v for k, v in parsed.items()}
        parsed = [by_id[i] for i in ids]
    if not isinstance(parsed, list | tuple) or not parsed:
        raise ModelLoadError(f"{path}: class names must be a non-empty dict or list, got {value!r}")
    return [str(n) for n in parsed]


def parse_imgsz(value: Any, path: Path) -> tuple[int, int]:
    """Input size (h, w) from ``640``, ``[640]`` or ``[384, 640]`` (or their string form)."""
    parsed = _literal("imgsz", value, path)
    if isinstance(parsed, int):
        parsed = [parsed]
    if isinstance(parsed, list | tuple) and len(parsed) in (1, 2):
        try:
            sizes = [int(v) for v in parsed]
        except (TypeError, ValueError):
            sizes = []
        if sizes and min(sizes) > 0:
            return (sizes[0], sizes[-1])
    raise ModelLoadError(
        f"{path}: metadata 'imgsz' must be a size or [height, width], got {value!r}"
    )


def read_card(model_path: Path) -> dict[str, Any]:
    """The ``card.json`` next to a model file, or {} when there is none."""
    card_path = model_path.parent / CARD_NAME
    if not card_path.is_file():
        return {}
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"cannot read model card {card_path}: {exc}") from exc
    if not isinstance(card, dict):
        raise ModelLoadError(
            f"model card {card_path} must hold a JSON object, got {type(card).__name__}"
        )
    return card


def _default_identity(path: Path) -> tuple[str, str]:
    """Name and version from the path: ``models/<name>-<version>/model.onnx`` or the file stem."""
    if path.stem == "model" and (match := _REGISTRY_DIR.match(path.parent.name)):
        return match["name"], match["version"]
    if path.stem == "model" and path.parent.name:
        return path.parent.name, UNVERSIONED
    return path.stem, UNVERSIONED


def model_info(
    metadata: Mapping[str, Any],
    path: Path,
    format: ModelFormat,
    input_hw: tuple[int, int] | None = None,
) -> ModelInfo:
    """Build ``ModelInfo`` from a model's metadata map, its path and its card.

    ``input_hw`` is the model's static input (h, w) if it has one; it wins over ``imgsz``.

    >>> meta = {"names": "{0: 'car', 1: 'bus'}", "imgsz": "[640, 640]", "stride": "32"}
    >>> info = model_info(meta, Path("models/cars-1.2/model.onnx"), "onnx")
    >>> info.name, info.version, info.names, info.imgsz
    ('cars', '1.2', ['car', 'bus'], (640, 640))
    """
    if "names" not in metadata:
        raise ModelLoadError(
            f"model {path} has no class names: its metadata has no 'names' "
            f"(keys found: {sorted(metadata)}); export it with ultralytics or add names"
        )
    names = parse_names(metadata["names"], path)
    task = str(metadata.get("task", "detect"))
    if task != "detect":
        raise ModelLoadError(f"model {path} is a {task!r} model, expected a 'detect' model")
    if input_hw is not None:
        imgsz = input_hw
        if "imgsz" in metadata and parse_imgsz(metadata["imgsz"], path) != input_hw:
            logger.warning(
                "%s: metadata imgsz %s differs from the input shape %s; using the input shape",
                path,
                metadata["imgsz"],
                input_hw,
            )
    elif "imgsz" in metadata:
        imgsz = parse_imgsz(metadata["imgsz"], path)
    else:
        raise ModelLoadError(
            f"model {path} has a dynamic input size and no 'imgsz' metadata to say which to use"
        )

    name, version = _default_identity(path)
    name = str(metadata.get("streetwatch_name", name))
    version = str(metadata.get("streetwatch_version", version))
    card = read_card(path)
    name = str(card.get("name", name))
    version = str(card.get("version", version))

    stride = _literal("stride", metadata.get("stride", 32), path)
    end2end = _literal("end2end", metadata.get("end2end", False), path)
    if not isinstance(stride, int) or not isinstance(end2end, bool):
        raise ModelLoadError(
            f"{path}: metadata stride must be an int and end2end a bool, "
            f"got {metadata.get('stride')!r} and {metadata.get('end2end')!r}"
        )
    ultralytics_version = metadata.get("version")
    return ModelInfo(
        name=name,
        version=version,
        names=names,
        imgsz=imgsz,
        stride=stride,
        task=task,
        format=format,
        path=path,
        end2end=end2end,
        ultralytics_version=None if ultralytics_version is None else str(ultralytics_version),
        description=str(metadata.get("description", "")),
    )
