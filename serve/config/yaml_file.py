"""Reading an operator's YAML file (cameras, units) with errors that name the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def read_yaml(path: Path, what: str, error: type[ValueError]) -> Any:
    """The YAML document in ``path`` (None for an empty file); ``error`` naming the file and
    the problem when it cannot be read, is not UTF-8 or is not YAML."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise error(f"{path}: cannot read {what} file: {e.strerror}") from e
    except UnicodeDecodeError as e:
        raise error(
            f"{path}: not UTF-8 text (byte {e.object[e.start]:#04x} at offset {e.start}); "
            f"save the {what} file as UTF-8"
        ) from e
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise error(f"{path}: not valid YAML: {e}") from e
