"""`streetwatch export`: weights -> ONNX (+ OpenVINO IR) in the model registry, with a card.

A registry entry is ``models/<name>-<version>/`` holding ``model.onnx`` (class
names, input size, name and version in its metadata), optionally ``model.xml``/
``model.bin``, ``card.json`` (machine-readable) and ``card.md`` (for people),
and ``data_manifest.json`` (the training images by path and hash).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from detector.taxonomy import load_taxonomy
from training.card import render_card
from training.provenance import from_repo, repo_relative, sha256_file
from training.registry import entry_dir, set_current
from training.train import portable_arg
from training.ultralytics_env import offline_ultralytics

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportConfig:
    weights: Path
    name: str
    version: str
    registry: Path = Path("models")
    imgsz: int | None = None
    openvino: bool = False
    eval_data: Path | None = None
    set_current: bool = False
    keep_pt: bool = False
    opset: int = 17
    notes: tuple[str, ...] = ()
    # other models (registry entries, ONNX files) measured on the same val sets for the card
    compare: tuple[Path, ...] = ()


def _stamp_onnx(path: Path, props: dict[str, str]) -> None:
    import onnx

    model = onnx.load(str(path))
    existing = {p.key: p for p in model.metadata_props}
    for key, value in props.items():
        if key in existing:
            existing[key].value = value
        else:
            entry = model.metadata_props.add()
            entry.key, entry.value = key, value
    onnx.save(model, str(path))


def _write_openvino(onnx_path: Path, out_dir: Path, props: dict[str, str]) -> Path:
    import openvino as ov

    model = ov.convert_model(str(onnx_path))
    for key, value in props.items():
        model.set_rt_info(value, ["model_info", key])
    xml = out_dir / "model.xml"
    ov.save_model(model, str(xml), compress_to_fp16=False)
    return xml


def evaluate_val_sets(model_path: Path, data_yaml: Path) -> dict[str, Any]:
    """Per-class metrics of an exported model on the whole val split and on each
    per-source validation set (``val_sets``) the data yaml names."""
    from detector.model import Detector
    from training.evaluate import evaluate
    from training.yolo_dataset import load_data_yaml

    spec = load_data_yaml(data_yaml)
    detector = Detector.load(model_path, backend="onnxruntime", conf=0.001, iou=0.6)
    results: dict[str, Any] = {}
    for name, split in [("all", "val"), *((n, n) for n in spec.val_sets)]:
        result = evaluate(detector, spec, split=split, progress=False)
        results[name] = result.to_dict() | {"data": repo_relative(data_yaml)}
        logger.info("val set %s:\n%s", name, result.table())
    return results


def compared_models(models: tuple[Path, ...], data_yaml: Path) -> list[dict[str, Any]]:
    """Per-class AP50 of other models on the same validation sets, measured by the same
    code in the same run, so the card can put them side by side."""
    out = []
    for model in models:
        if not model.exists():
            raise FileNotFoundError(f"--compare {model}: no such model")
        metrics = evaluate_val_sets(model, data_yaml)
        out.append(
            {
                "model": repo_relative(model),
                "sets": {
                    name: {
                        cls: {"ap50": m["ap50"], "n_gt": m["n_gt"]}
                        for cls, m in result["metrics"]["per_class"].items()
                        if m.get("n_gt")
                    }
                    for name, result in metrics.items()
                },
            }
        )
    return out


RELIABLE_AP50 = 0.3
RELIABLE_RECALL = 0.4  # at the serving confidence: what a camera's cases actually see
RELIABLE_MIN_GT = 10


def real_data_capabilities(metrics: dict[str, Any], manifest: dict[str, Any]) -> dict[str, Any]:
    """Per class, its AP50 on the real validation set that holds most of its boxes, and
    whether that is good enough to promise: AP50 >= 0.3 and recall >= 0.4 at the serving
    confidence, on at least 10 real boxes (a class ranked well whose boxes mostly score
    below the serving confidence, as 0.2.2's buses, opens few cases)."""
    real_sets = {s["name"] for s in manifest.get("sources", []) if not s.get("synthetic")}
    best: dict[str, dict[str, Any]] = {}
    for set_name, result in metrics.items():
        if set_name not in real_sets:
            continue
        for cls, m in result["metrics"]["per_class"].items():
            if m.get("n_gt", 0) > best.get(cls, {}).get("n_gt", 0):
                best[cls] = {
                    "val_set": set_name,
                    "ap50": m["ap50"],
                    "recall_at_serving": m.get("recall_at_serving"),
                    "n_gt": m["n_gt"],
                }
    for entry in best.values():
        recall = entry["recall_at_serving"]
        entry["reliable"] = (
            entry["ap50"] >= RELIABLE_AP50
            and (recall is None or recall >= RELIABLE_RECALL)
            and entry["n_gt"] >= RELIABLE_MIN_GT
        )
    return best


def _base_record(source: str | None) -> dict[str, str] | None:
    """The checkpoint a fine-tune started from, by path and hash (None: trained from scratch)."""
    if not source or not source.endswith(".pt"):
        return None
    path = from_repo(source)
    return {
        "path": repo_relative(path),
        "sha256": sha256_file(path) if path.is_file() else "(not found at export)",
    }


def _epochs_completed(run_dir: Path) -> int | None:
    """Rows of ultralytics' results.csv (the final checkpoint no longer carries its epoch)."""
    results = run_dir / "results.csv"
    if not results.is_file():
        return None
    return max(len(results.read_text().strip().splitlines()) - 1, 0)


def export_model(cfg: ExportConfig, *, argv: list[str] | None = None) -> Path:
    if not cfg.weights.is_file():
        raise FileNotFoundError(f"--weights {cfg.weights}: no such checkpoint")
    taxonomy = load_taxonomy()
    out = entry_dir(cfg.registry, cfg.name, cfg.version)
    if out.exists():
        raise FileExistsError(f"{out} exists; registry entries are immutable, pick a new version")
    ultralytics = offline_ultralytics()
    model = ultralytics.YOLO(str(cfg.weights))
    names = [model.names[i] for i in sorted(model.names)]
    taxonomy.check_model_names(names)
    run_dir = cfg.weights.resolve().parents[1]
    run_record_path = run_dir / "streetwatch_run.json"
    run_record = json.loads(run_record_path.read_text()) if run_record_path.exists() else {}
    train_args = model.ckpt.get("train_args", {}) if model.ckpt else {}
    imgsz = cfg.imgsz or int(train_args.get("imgsz", 640))

    staging = cfg.registry / f".{out.name}.staging"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="streetwatch-export-") as tmp:
        weights = Path(tmp) / "model.pt"
        shutil.copyfile(cfg.weights, weights)
        onnx_tmp = Path(
            ultralytics.YOLO(str(weights)).export(
                format="onnx", imgsz=imgsz, dynamic=True, simplify=True, opset=cfg.opset
            )
        )
        onnx_path = staging / "model.onnx"
        shutil.move(onnx_tmp, onnx_path)
    props = {
        "streetwatch_name": cfg.name,
        "streetwatch_version": cfg.version,
        "streetwatch_taxonomy_version": str(taxonomy.version),
    }
    _stamp_onnx(onnx_path, props)
    files = {"model.onnx": sha256_file(onnx_path)}
    if cfg.openvino:
        xml = _write_openvino(onnx_path, staging, props)
        files |= {p.name: sha256_file(p) for p in (xml, xml.with_suffix(".bin"))}
    if cfg.keep_pt:
        shutil.copyfile(cfg.weights, staging / "model.pt")
    manifest_path = from_repo(run_record.get("data_manifest") or "")
    manifest: dict[str, Any] = {}
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        shutil.copyfile(manifest_path, staging / "data_manifest.json")
    if cfg.compare and not cfg.eval_data:
        raise ValueError("--compare needs --eval-data: the val sets to measure them on")
    metrics = evaluate_val_sets(onnx_path, cfg.eval_data) if cfg.eval_data else {}
    compared = compared_models(cfg.compare, cfg.eval_data) if cfg.eval_data else []
    card = {
        "name": cfg.name,
        "version": cfg.version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "task": "detect",
        "names": names,
        "imgsz": [imgsz, imgsz],
        "files": files,
        "taxonomy_version": taxonomy.version,
        "architecture": str(train_args.get("model", run_record.get("source", "unknown"))),
        "training": {
            "command": run_record.get("command"),
            "args": {
                k: portable_arg(k, v) for k, v in (run_record.get("args") or train_args).items()
            },
            "wall_s": run_record.get("wall_s"),
            "git_revision": run_record.get("git_revision"),
            "transfer": run_record.get("transfer"),
            "epochs_completed": _epochs_completed(run_dir),
            "data_manifest_sha256": run_record.get("data_manifest_sha256"),
        },
        "export_command": " ".join(argv) if argv else None,
        "notes": list(cfg.notes),
        "base": _base_record(run_record.get("base") or run_record.get("source")),
        "data": {
            "name": manifest.get("name"),
            "recipe": manifest.get("recipe"),
            "manifest_sha256": sha256_file(manifest_path) if manifest else None,
            "eval_data": repo_relative(cfg.eval_data) if cfg.eval_data else None,
            "git_revision": manifest.get("git_revision"),
            "sources": [
                {k: v for k, v in s.items() if k != "class_map"}
                for s in manifest.get("sources", [])
            ],
            "splits": manifest.get("splits"),
            "classes_with_real_data": manifest.get("classes_with_real_data", []),
            "classes_synthetic_only": manifest.get("classes_synthetic_only", names),
        },
        "metrics": metrics,
        "compared": compared,
        "real_data_capabilities": real_data_capabilities(metrics, manifest),
    }
    (staging / "card.json").write_text(json.dumps(card, indent=1, ensure_ascii=False))
    (staging / "card.md").write_text(render_card(card), encoding="utf-8")
    staging.rename(out)
    if cfg.set_current:
        set_current(cfg.registry, out.name)
    return out
