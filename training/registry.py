"""The model registry: ``models/<name>-<version>/`` entries and the ``models/current`` pointer."""

from __future__ import annotations

import re
from pathlib import Path

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def entry_dir(registry: Path, name: str, version: str) -> Path:
    for label, value in (("name", name), ("version", version)):
        if not _SAFE.match(value):
            raise ValueError(f"model {label} {value!r} must be letters, digits, '.', '_' or '-'")
    return registry / f"{name}-{version}"


def set_current(registry: Path, entry: str) -> None:
    """Point ``models/current`` (a one-line text file, portable to any OS and git) at an entry."""
    if not (registry / entry / "model.onnx").is_file():
        raise FileNotFoundError(f"{registry / entry} has no model.onnx")
    tmp = registry / ".current.tmp"
    tmp.write_text(entry + "\n", encoding="utf-8")
    tmp.replace(registry / "current")


def current_entry(registry: Path) -> str:
    path = registry / "current"
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist; export a model with --set-current")
    return path.read_text(encoding="utf-8").strip()
