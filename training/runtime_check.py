"""`streetwatch check-runtimes`: may a registry entry run in bf16? Measured, then written
into its card.

OpenVINO runs an f32 model in bf16 on CPUs with AMX at about twice onnxruntime's speed;
bf16 rounds activations, so the service uses it by default only for a model whose card
says it was checked (``detector/runtime_choice.py``). The check evaluates ``model.onnx`` on
every validation set of ``--eval-data`` with onnxruntime (f32, the reference) and with
OpenVINO bf16, by the project's eval (conf 0.001, NMS IoU 0.6), and records per set both
mAP50s, the largest drop and whether it is within the tolerance (0.01). The model files are
untouched (their hashes are checked first); ``card.json`` and ``card.md`` are rewritten
atomically.

bf16 is computed by different instructions on different CPUs (AMX tiles on Intel Xeon
since Sapphire Rapids, AVX-512 BF16 on AMD Zen 4 and some Xeons), and the roundings differ:
0.2.2's signboards set scored 0.7910 on AMX and 0.8011 on AVX-512 BF16, f32 0.7885 on both.
So a check records the CPU it ran on (``by_cpu``, keyed by the bf16 instruction set), a
check on another kind of CPU is added beside the earlier ones (where the f32 reference
agrees: same model, same data), and the runtime's verdict is the worst of them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from detector.model import Detector
from detector.runtime_choice import BF16, TOLERANCE, bf16_isa, cpu_flags, cpu_model
from training.card import write_card
from training.provenance import git_revision, repo_relative, sha256_file

logger = logging.getLogger(__name__)

REFERENCE = "onnxruntime"


def _map50s(detector: Detector, data_yaml: Path) -> dict[str, float]:
    from training.evaluate import evaluate
    from training.yolo_dataset import load_data_yaml

    spec = load_data_yaml(data_yaml)
    out: dict[str, float] = {}
    for name, split in [("all", "val"), *((n, n) for n in spec.val_sets)]:
        result = evaluate(detector, spec, split=split, progress=False)
        out[name] = round(float(result.metrics.map50), 4)
    return out


def measure(model: Path, data_yaml: Path) -> dict[str, Any]:
    """mAP50 per validation set of onnxruntime f32 and OpenVINO bf16, and the largest drop."""
    ref = Detector.load(model, backend="onnxruntime", conf=0.001, iou=0.6)
    bf16 = Detector.load(model, backend="openvino", precision="bf16", conf=0.001, iou=0.6)
    reference = _map50s(ref, data_yaml)
    measured = _map50s(bf16, data_yaml)
    drop = max(reference[name] - measured[name] for name in reference)
    return {
        "map50": measured,
        "reference_map50": reference,
        "max_drop": round(max(drop, 0.0), 4),
        "ok": drop <= TOLERANCE,
    }


def merge_cpus(
    previous: Mapping[str, Any] | None, result: Mapping[str, Any], run: Mapping[str, Any]
) -> dict[str, Any]:
    """``result`` (measured on the CPU ``run`` describes: ``bf16``, ``model``, ``at``) beside
    the earlier check's results from CPUs of other bf16 instruction sets, kept only where
    their f32 reference is this one's (the same model on the same data); the top-level
    numbers are the worst CPU's, ``ok`` only if every CPU's is. An earlier check that did
    not record its CPU is kept as ``unrecorded``."""
    runs: dict[str, dict[str, Any]] = {run["bf16"]: {**result, **run}}
    old = previous.get("runtimes", {}).get(BF16) if isinstance(previous, Mapping) else None
    if isinstance(old, Mapping) and old.get("reference_map50") == result["reference_map50"]:
        assert isinstance(previous, Mapping)
        earlier = old.get("by_cpu") or {
            "unrecorded": {
                **{k: old[k] for k in ("map50", "reference_map50", "max_drop", "ok") if k in old},
                "at": previous.get("at"),
            }
        }
        for isa, other in earlier.items():
            runs.setdefault(isa, dict(other))
    worst = max(runs.values(), key=lambda r: float(r.get("max_drop", 0.0)))
    return {
        "map50": worst["map50"],
        "reference_map50": worst["reference_map50"],
        "max_drop": worst["max_drop"],
        "ok": all(bool(r.get("ok")) for r in runs.values()),
        "by_cpu": runs,
    }


def check_runtimes(entry: Path, eval_data: Path) -> dict[str, Any]:
    """Measure ``entry/model.onnx`` and write the result into its card; return the check."""
    isa = bf16_isa(cpu_flags())
    if isa is None:
        raise RuntimeError(
            "this CPU does not compute bf16 natively (no amx_bf16 / avx512_bf16 flag): "
            "OpenVINO would emulate it, so the check would not measure what serving runs"
        )
    card_path = entry / "card.json"
    card: dict[str, Any] = json.loads(card_path.read_text(encoding="utf-8"))
    for name, digest in card.get("files", {}).items():
        if sha256_file(entry / name) != digest:
            raise ValueError(f"{entry / name} does not match the sha256 its card records")
    result = measure(entry / "model.onnx", eval_data)
    at = datetime.now(UTC).isoformat(timespec="seconds")
    run = {"bf16": isa, "model": cpu_model(), "at": at}
    check = {
        "at": at,
        "data": repo_relative(eval_data),
        "git_revision": git_revision(),
        "reference": REFERENCE,
        "tolerance": TOLERANCE,
        "runtimes": {BF16: merge_cpus(card.get("runtime_checks"), result, run)},
    }
    card["runtime_checks"] = check
    write_card(entry, card)
    logger.info("checked runtimes of %s on %s: %s", entry.name, eval_data, result)
    return check
