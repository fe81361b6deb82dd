"""Make ultralytics run fully offline: no settings sync, no telemetry, no downloads.

Ultralytics reads its environment at import, so `offline_ultralytics()` must run
before the first ``import ultralytics``; it returns the imported module.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

_INTEGRATIONS = (
    "sync",
    "hub",
    "clearml",
    "comet",
    "dvc",
    "mlflow",
    "neptune",
    "raytune",
    "tensorboard",
    "wandb",
    "platform",
)


def default_config_dir() -> Path:
    return Path(os.environ.get("STREETWATCH_CACHE", Path.home() / ".cache" / "streetwatch"))


def offline_ultralytics(config_dir: Path | None = None) -> Any:
    """Import ultralytics with its settings dir under our cache and every integration off."""
    config_dir = config_dir or default_config_dir() / "ultralytics"
    config_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("YOLO_CONFIG_DIR", str(config_dir))
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ.setdefault("YOLO_VERBOSE", "True")
    import ultralytics
    from ultralytics.utils import SETTINGS

    updates = {key: False for key in _INTEGRATIONS if key in SETTINGS}
    if any(SETTINGS.get(k) for k in updates):
        SETTINGS.update(updates)
    return ultralytics
