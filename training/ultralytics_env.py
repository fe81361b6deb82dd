"""Make ultralytics run fully offline: no settings sync, no telemetry, no downloads.

Ultralytics reads its environment at import, so `offline_ultralytics()` must run
before the first ``import ultralytics``; it returns the imported module. On a GPU machine
with no network and no polars (the lent device), two more things would fail: the AMP check
downloads a model to compare against, and the results reader needs polars; both are
replaced (AMP is trusted on CUDA; results.csv is read with the standard library).
"""

from __future__ import annotations

import csv
import logging
import os
import shutil
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

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
    _patch_offline_trainer()
    return ultralytics


def on_accelerator(device: str) -> bool:
    """Whether ``device`` names a GPU (``cuda:0``, ``0``, ``0,1``), where AMP pays."""
    d = device.strip().lower()
    return d.startswith("cuda") or d.replace(",", "").isdigit()


def cpu_threads() -> int:
    """Threads for torch when training on the CPU: every core this process may run on
    (``$STREETWATCH_TRAIN_THREADS`` overrides)."""
    override = os.environ.get("STREETWATCH_TRAIN_THREADS")
    if override:
        if not override.isdigit() or int(override) < 1:
            raise ValueError(f"STREETWATCH_TRAIN_THREADS={override!r}: expected a count >= 1")
        return int(override)
    return len(os.sched_getaffinity(0))


def _patch_offline_trainer() -> None:
    import ultralytics.engine.trainer as trainer
    import ultralytics.utils.torch_utils as torch_utils

    # ultralytics trains on cores - 1 threads (one thread on a 2-core machine, half of it idle)
    torch_utils.NUM_THREADS = cpu_threads()

    # the real check downloads yolo11n.pt to compare against; AMP is sound on CUDA
    trainer.check_amp = _trust_amp
    try:
        import polars  # noqa: F401  (ultralytics reads results.csv with it)
    except ImportError:
        trainer.BaseTrainer.read_results_csv = _read_results_csv


def _trust_amp(model: Any) -> bool:
    logger.info("AMP check skipped offline: mixed precision trusted on %s", _device_of(model))
    return True


def _device_of(model: Any) -> str:
    try:
        return str(next(model.parameters()).device)
    except (AttributeError, StopIteration):
        return "unknown device"


def _read_results_csv(self: Any) -> dict[str, list[Any]]:
    """`BaseTrainer.read_results_csv` without polars: columns of results.csv as lists."""
    out: dict[str, list[Any]] = {}
    path = Path(self.csv)
    if not path.is_file():
        return out
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            for key, value in row.items():
                try:
                    parsed: Any = float(value)
                except (TypeError, ValueError):
                    parsed = value
                out.setdefault(key.strip(), []).append(parsed)
    return out


def copy_weights(run_dir: Path, out: Path, trainer: Any = None) -> None:
    """Copy a run's best/last weights and results to ``out`` (atomically, each file), so a
    run cut off by a time limit still hands back its best epoch."""
    out.mkdir(parents=True, exist_ok=True)
    for name in ("weights/best.pt", "weights/last.pt", "results.csv", "args.yaml"):
        src = run_dir / name
        if src.is_file():
            tmp = out / f".{src.name}.tmp"
            shutil.copyfile(src, tmp)
            tmp.replace(out / src.name)
