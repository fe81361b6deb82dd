"""`streetwatch train`: ultralytics training, offline, seeded and resumable.

From scratch a model yaml (``yolov8n.yaml``) is built for the taxonomy's classes.
With ``base`` any ultralytics detection checkpoint works, whatever classes it was
trained on: layers whose shapes match are transferred and the head is rebuilt
for the dataset's classes (ultralytics' trainer does this when ``nc`` differs).
Each run writes ``streetwatch_run.json`` beside its weights: the exact command,
arguments, data manifest hash, transfer counts and wall time, for the model card.
"""

from __future__ import annotations

import json
import logging
import shlex
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from detector.model import resolve_model_path
from training.provenance import from_repo, git_revision, repo_relative, sha256_file
from training.ultralytics_env import copy_weights, offline_ultralytics, on_accelerator

logger = logging.getLogger(__name__)

RUN_RECORD = "streetwatch_run.json"


@dataclass
class TrainConfig:
    data: Path
    model: str = "yolov8n.yaml"
    base: Path | None = None
    epochs: int = 10
    imgsz: int = 416
    batch: int = 16
    seed: int = 0
    workers: int = 2
    device: str = "cpu"
    project: Path = Path("runs/train")
    name: str = "streetwatch"
    patience: int = 50
    close_mosaic: int = 2
    fraction: float = 1.0
    cache: str | None = None  # "ram" or "disk": keep decoded images, saves JPEG decoding
    time_h: float | None = None  # wall-clock budget in hours; the schedule fits the epochs to it
    freeze: int | None = None  # freeze the first N layers (10: YOLO11's backbone)
    optimizer: str = "auto"
    lr0: float | None = None
    warmup_epochs: float | None = None
    copy_to: Path | None = None  # copy best/last weights and results here after every epoch
    reset_classes: tuple[str, ...] = ()  # classes the base never saw: their head rows restart
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainResult:
    run_dir: Path
    best: Path
    last: Path
    record: dict[str, Any]


def resolve_base(base: Path) -> Path:
    """A ``.pt`` file, or a registry entry whose ``model.pt`` was kept at export."""
    if base.suffix == ".pt":
        if not base.is_file():
            raise FileNotFoundError(f"--base {base}: no such checkpoint")
        return base
    resolved = resolve_model_path(base)
    pt = resolved.with_suffix(".pt") if resolved.is_file() else resolved / "model.pt"
    if not pt.is_file():
        raise FileNotFoundError(
            f"--base {base}: {pt} not found; fine-tuning needs the PyTorch checkpoint "
            "(kept as model.pt beside model.onnx when exported with --keep-pt)"
        )
    return pt


def _check_data(data: Path) -> dict[str, Any]:
    if not data.is_file():
        raise FileNotFoundError(f"--data {data}: no such data yaml")
    spec = yaml.safe_load(data.read_text(encoding="utf-8")) or {}
    for key in ("train", "val", "names"):
        if key not in spec:
            raise ValueError(f"--data {data}: missing {key!r}")
    return dict(spec)


def transfer_counts(base: Path, model: Any) -> dict[str, int]:
    """How many tensors of ``base`` fit ``model`` by name and shape (what got transferred)."""
    import torch

    ckpt = torch.load(base, map_location="cpu", weights_only=False)
    src = (ckpt.get("ema") or ckpt["model"]).float().state_dict()
    dst = model.state_dict()
    matched = sum(1 for k, v in src.items() if k in dst and dst[k].shape == v.shape)
    return {"matched": matched, "base_tensors": len(src), "model_tensors": len(dst)}


def train(cfg: TrainConfig, *, argv: list[str] | None = None) -> TrainResult:
    spec = _check_data(cfg.data)
    ultralytics = offline_ultralytics()
    started = time.time()
    run_dir = (cfg.project / cfg.name).resolve()
    source = str(resolve_base(cfg.base)) if cfg.base else cfg.model
    grown_from: str | None = None  # the checkpoint before its head grew to new classes
    if cfg.reset_classes:
        if cfg.base is None:
            raise ValueError(
                "--reset-classes needs --base (a model trained from scratch has no rows)"
            )
        from training.head import checkpoint_with_reset_rows

        source = str(
            checkpoint_with_reset_rows(Path(source), cfg.reset_classes, run_dir / "base-reset.pt")
        )
    if source.endswith(".pt") and Path(source).is_file():
        # classes added to the taxonomy since the base was trained: its head grows to them,
        # keeping what it knows of the others (else the whole class head starts afresh)
        from training.head import checkpoint_with_grown_head

        names = spec["names"]
        listed = [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)
        grown = checkpoint_with_grown_head(Path(source), listed, run_dir / "base-grown.pt")
        if grown is not None:
            grown_from, source = source, str(grown)
    model = ultralytics.YOLO(source, task="detect")
    if model.task != "detect":
        raise ValueError(f"{source}: a {model.task!r} model, not a detector")
    args: dict[str, Any] = {
        "data": str(cfg.data.resolve()),
        "epochs": cfg.epochs,
        "imgsz": cfg.imgsz,
        "batch": cfg.batch,
        "seed": cfg.seed,
        "deterministic": True,
        "workers": cfg.workers,
        "device": cfg.device,
        "project": str(cfg.project.resolve()),
        "name": cfg.name,
        "exist_ok": True,
        "patience": cfg.patience,
        "close_mosaic": cfg.close_mosaic,
        "fraction": cfg.fraction,
        "cache": cfg.cache or False,
        "plots": False,  # plotting downloads a font
        "pretrained": cfg.base is not None,
        "optimizer": cfg.optimizer,
        **{
            k: v
            for k, v in {
                "time": cfg.time_h,
                "freeze": cfg.freeze,
                "lr0": cfg.lr0,
                "warmup_epochs": cfg.warmup_epochs,
            }.items()
            if v is not None
        },
        **cfg.extra,
    }
    args["amp"] = on_accelerator(cfg.device)
    logger.info("training %s on %s: %s", source, cfg.data, args)
    _write_record(
        run_dir,
        {
            "command": _command(argv),
            "source": portable_arg("base", source),
            "head_grown_from": portable_arg("base", grown_from) if grown_from else None,
            "base": portable_arg("base", resolve_base(cfg.base)) if cfg.base else None,
            "reset_classes": list(cfg.reset_classes),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "git_revision": git_revision(),
        },
    )
    if cfg.copy_to is not None:
        model.add_callback("on_model_save", partial(copy_weights, run_dir, cfg.copy_to))
    model.train(**args)
    return _finish(cfg, run_dir, source, spec, args, started, argv)


def resume(last: Path, *, argv: list[str] | None = None) -> TrainResult:
    """Continue an interrupted run from its ``last.pt`` with the arguments it was started with."""
    if not last.is_file():
        raise FileNotFoundError(f"--resume {last}: no such checkpoint")
    ultralytics = offline_ultralytics()
    _check_resumable(last)
    run_dir = last.resolve().parents[1]
    record_path = run_dir / RUN_RECORD
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    # the time trained before the cut: ultralytics logs it with every epoch
    started = time.time() - _trained_s(run_dir)
    ultralytics.YOLO(str(last)).train(resume=True)
    cfg_args = yaml.safe_load((run_dir / "args.yaml").read_text(encoding="utf-8"))
    cfg = TrainConfig(data=Path(cfg_args["data"]), project=run_dir.parent, name=run_dir.name)
    spec = _check_data(cfg.data)
    source = str(from_repo(record["source"])) if record.get("source") else str(cfg_args["model"])
    return _finish(cfg, run_dir, source, spec, cfg_args, started, argv, resumed=record)


def _check_resumable(last: Path) -> None:
    """Refuse a finished run's checkpoint: ultralytics would quietly start a new run on its
    default dataset instead (which it would then try to download)."""
    import torch

    ckpt = torch.load(last, map_location="cpu", weights_only=False)
    if ckpt.get("optimizer") is None or int(ckpt.get("epoch", -1)) < 0:
        raise ValueError(
            f"--resume {last}: this run already finished (the checkpoint has no optimizer "
            "state); fine-tune from it with --base instead"
        )


_PATH_ARGS = ("data", "project", "base", "copy_to", "model")


def portable_arg(key: str, value: Any) -> Any:
    """Paths in a run record relative to the repository where they lie inside it."""
    if isinstance(value, Path) or (
        key in _PATH_ARGS and isinstance(value, str) and Path(value).exists()
    ):
        return repo_relative(value)
    return value


def _command(argv: list[str] | None) -> str:
    return shlex.join(argv if argv is not None else ["streetwatch", *sys.argv[1:]])


def _write_record(run_dir: Path, record: dict[str, Any]) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    tmp = run_dir / f".{RUN_RECORD}.tmp"
    tmp.write_text(json.dumps(record, indent=1, ensure_ascii=False))
    tmp.replace(run_dir / RUN_RECORD)


def _trained_s(run_dir: Path) -> float:
    """Training seconds of the epochs a run completed: results.csv's ``time`` column, which
    ultralytics restarts at each resume, summed over the segments."""
    results = run_dir / "results.csv"
    if not results.is_file():
        return 0.0
    rows = results.read_text().strip().splitlines()
    header = [h.strip() for h in rows[0].split(",")]
    if len(rows) < 2 or "time" not in header:
        return 0.0
    column = header.index("time")
    total, previous = 0.0, 0.0
    for row in rows[1:]:
        t = float(row.split(",")[column])
        if t < previous:  # a resume started the clock again
            total += previous
        previous = t
    return total + previous


def _finish(
    cfg: TrainConfig,
    run_dir: Path,
    source: str,
    spec: dict[str, Any],
    args: dict[str, Any],
    started: float,
    argv: list[str] | None,
    resumed: dict[str, Any] | None = None,
) -> TrainResult:
    """Write the run record: the command that started the run (and each that resumed it),
    its arguments, data manifest, base transfer and wall time."""
    best, last = run_dir / "weights" / "best.pt", run_dir / "weights" / "last.pt"
    if not best.exists():
        best = last
    manifest = cfg.data.parent / "manifest.json"
    earlier = resumed or {}
    started_with = run_dir / RUN_RECORD  # what train() wrote when the run started
    first = json.loads(started_with.read_text()) if started_with.exists() else {}
    command = _command(argv)
    record: dict[str, Any] = {
        "command": earlier.get("command", command),
        "resumed": resumed is not None,
        "resumed_with": [*earlier.get("resumed_with", []), command] if resumed is not None else [],
        "reset_classes": earlier.get("reset_classes", list(cfg.reset_classes)),
        "base": earlier.get("base")
        or (portable_arg("base", resolve_base(cfg.base)) if cfg.base else None),
        "git_revision": git_revision(),
        "source": portable_arg("base", source),
        "head_grown_from": earlier.get("head_grown_from", first.get("head_grown_from")),
        "args": {k: portable_arg(k, v) for k, v in args.items()},
        "config": {k: portable_arg(k, v) for k, v in asdict(cfg).items()},
        "data_names": spec.get("names"),
        "data_manifest": repo_relative(manifest) if manifest.exists() else None,
        "data_manifest_sha256": sha256_file(manifest) if manifest.exists() else None,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_s": round(time.time() - started, 1),
    }
    if source.endswith(".pt") and Path(source).is_file():
        from ultralytics import YOLO

        record["transfer"] = transfer_counts(Path(source), YOLO(str(best)).model)
    _write_record(run_dir, record)
    logger.info("trained in %.0f s; best weights %s", record["wall_s"], best)
    return TrainResult(run_dir=run_dir, best=best, last=last, record=record)
