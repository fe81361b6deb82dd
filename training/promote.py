"""`streetwatch promote`: a candidate replaces the current model only if it is better.

Both models are evaluated (onnxruntime) on the frozen validation sets the current model's
card was scored on. The candidate is promoted iff, on every set, no class with at least
``min_boxes`` ground-truth boxes loses more than ``tolerance`` AP50, and its overall mAP50
(mean over the sets that are a whole val split) is strictly higher; and it must still find
every culprit of the demo clip that the current model finds (``training.demo_check``).
The decision and every number behind it go to ``models/<candidate>/promotion.json`` and
``models/promotions.jsonl``; a promotion then points ``models/current`` at the candidate
(atomically).

>>> cfg = PromoteConfig(candidate=Path("models/streetwatch-yolo-0.2.0"))
>>> decision = promote(cfg)  # doctest: +SKIP
>>> decision.promote, decision.reasons  # doctest: +SKIP
(False, ('car on all: AP50 0.380 < current 0.405 - tolerance 0.020',))
"""

from __future__ import annotations

import json
import logging
import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from detector.model import Detector
from training.demo_check import MIN_RATE, find_culprits, lost_culprits
from training.evaluate import evaluate
from training.provenance import git_revision, repo_relative, sha256_file
from training.registry import set_current
from training.valsets import (
    ValSet,
    build_missing,
    card_counts,
    frozen_sets,
    read_card,
    registry_entry,
    sets_of_data,
)

logger = logging.getLogger(__name__)

DECISION_FILE = "promotion.json"
LOG_FILE = "promotions.jsonl"
EVAL_CONF, EVAL_IOU = 0.001, 0.6  # as `export` scores the card


class FrozenSetChangedError(ValueError):
    """A frozen validation set no longer holds what the current model's card was scored on."""


@dataclass(frozen=True)
class PromoteConfig:
    candidate: Path
    current: Path = Path("models/current")
    # data yamls to evaluate on instead of the current card's sets (their val + val_sets)
    data: tuple[Path, ...] = ()
    tolerance: float = 0.02
    min_boxes: int = 10
    dry_run: bool = False
    progress: bool = True
    # hold the candidate to the demo clip's culprits (off for a registry whose reviewers
    # judged the demo clip itself: a rejected culprit is rightly unlearnt)
    demo_check: bool = True


@dataclass(frozen=True)
class ClassCheck:
    val_set: str
    label: str
    n_gt: int
    current_ap50: float
    candidate_ap50: float
    ok: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "set": self.val_set,
            "class": self.label,
            "n_gt": self.n_gt,
            "current_ap50": self.current_ap50,
            "candidate_ap50": self.candidate_ap50,
            "delta": self.candidate_ap50 - self.current_ap50,
            "ok": self.ok,
        }


@dataclass(frozen=True)
class Decision:
    promote: bool
    reasons: tuple[str, ...]
    checks: tuple[ClassCheck, ...]
    overall_current: float
    overall_candidate: float
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        return "promoted" if self.promote else "refused"

    def table(self) -> str:
        rows = [("set", "class", "boxes", "current", "candidate", "delta", "")]
        for c in self.checks:
            rows.append(
                (
                    c.val_set,
                    c.label,
                    str(c.n_gt),
                    f"{c.current_ap50:.3f}",
                    f"{c.candidate_ap50:.3f}",
                    f"{c.candidate_ap50 - c.current_ap50:+.3f}",
                    "ok" if c.ok else "WORSE",
                )
            )
        rows.append(
            (
                "overall",
                "mAP50",
                "",
                f"{self.overall_current:.3f}",
                f"{self.overall_candidate:.3f}",
                f"{self.overall_candidate - self.overall_current:+.3f}",
                "",
            )
        )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        return "\n".join(
            "  ".join(
                v.ljust(w) if i < 2 else v.rjust(w)
                for i, (v, w) in enumerate(zip(r, widths, strict=True))
            )
            for r in rows
        )


def _overall(results: Mapping[str, dict[str, Any]], sets: Sequence[ValSet]) -> float:
    overall = [s.name for s in sets if s.overall] or [s.name for s in sets]
    return sum(float(results[n]["metrics"]["map50"]) for n in overall) / len(overall)


def decide(
    current: Mapping[str, dict[str, Any]],
    candidate: Mapping[str, dict[str, Any]],
    sets: Sequence[ValSet],
    *,
    tolerance: float,
    min_boxes: int,
) -> Decision:
    """Compare two models' `EvalResult.to_dict()` results per set (pure; no I/O)."""
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    checks = []
    reasons = []
    for s in sets:
        cur = current[s.name]["metrics"]["per_class"]
        cand = candidate[s.name]["metrics"]["per_class"]
        for label, m in cur.items():
            n_gt = int(m.get("n_gt", 0))
            if n_gt < min_boxes:
                continue
            c_ap, k_ap = float(m["ap50"] or 0.0), float(cand[label]["ap50"] or 0.0)
            ok = k_ap >= c_ap - tolerance
            checks.append(ClassCheck(s.name, label, n_gt, c_ap, k_ap, ok))
            if not ok:
                reasons.append(
                    f"{label} on {s.name}: AP50 {k_ap:.3f} < current {c_ap:.3f} - tolerance "
                    f"{tolerance:.3f}"
                )
    overall_cur, overall_cand = _overall(current, sets), _overall(candidate, sets)
    if not overall_cand > overall_cur:
        reasons.append(
            f"overall mAP50 {overall_cand:.4f} is not better than current {overall_cur:.4f}"
        )
    promote = not reasons
    if promote:
        reasons = [
            f"overall mAP50 {overall_cand:.4f} > current {overall_cur:.4f}",
            f"no class worse by more than {tolerance:.3f} AP50 ({len(checks)} class/set pairs "
            f"with >= {min_boxes} boxes checked)",
        ]
    return Decision(promote, tuple(reasons), tuple(checks), overall_cur, overall_cand)


def _registry_of(current: Path) -> Path:
    if (current.is_dir() and not current.is_symlink()) or current.suffix:
        raise ValueError(
            f"--current {current} must be the registry's pointer file (like models/current) "
            "so that a promotion can move it"
        )
    return current.parent


def _check_frozen(
    card: dict[str, Any], s: ValSet, result: dict[str, Any], current_entry: Path
) -> None:
    images, n_gt = card_counts(card, s.name)
    recorded = {c: n for c, n in n_gt.items() if n}
    now = {c: int(m["n_gt"]) for c, m in result["metrics"]["per_class"].items() if m["n_gt"]}
    if result["images"] != images or now != recorded:
        raise FrozenSetChangedError(
            f"validation set {s.name!r} ({s.data} [{s.split}]) changed since {current_entry.name} "
            f"was scored on it: {images} images and boxes {recorded} then, {result['images']} "
            f"images and boxes {now} now; restore it, or compare on named sets with --data"
        )


def _compact(result: dict[str, Any]) -> dict[str, Any]:
    m = result["metrics"]
    return {
        "map50": m["map50"],
        "map50_95": m["map50_95"],
        "per_class": {
            c: {"n_gt": v["n_gt"], "ap50": v["ap50"], "ap50_95": v["ap50_95"]}
            for c, v in m["per_class"].items()
        },
        "ms_per_image": result["speed"]["ms_per_image"],
    }


def _model_record(entry: Path, detector: Detector) -> dict[str, Any]:
    path = detector.info.path
    return {
        "entry": entry.name,
        "name": detector.info.name,
        "version": detector.info.version,
        "model": path.name,
        "sha256": sha256_file(path),
    }


def _evaluate_all(
    detector: Detector, sets: Sequence[ValSet], progress: bool
) -> dict[str, dict[str, Any]]:
    results = {}
    for s in sets:
        logger.info("evaluating %s %s on %s", detector.info.name, detector.info.version, s.name)
        result = evaluate(
            detector, s.spec(), split=s.split, conf=EVAL_CONF, iou=EVAL_IOU, progress=progress
        )
        results[s.name] = result.to_dict()
    return results


def _write_json_atomic(path: Path, record: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def _append_line(path: Path, record: dict[str, Any]) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())


def promote(cfg: PromoteConfig, *, argv: Sequence[str] | None = None) -> Decision:
    """Evaluate, decide, record, and (unless refused or a dry run) move ``models/current``."""
    registry = _registry_of(cfg.current)
    if cfg.min_boxes < 1:
        raise ValueError(f"min_boxes must be at least 1, got {cfg.min_boxes}")
    candidate_entry = registry_entry(cfg.candidate)
    current_entry = registry_entry(cfg.current)
    if candidate_entry.resolve().parent != registry.resolve():
        raise ValueError(
            f"candidate {candidate_entry} is not an entry of the registry {registry} "
            f"that {cfg.current} points into"
        )
    if candidate_entry.resolve() == current_entry.resolve():
        raise ValueError(f"{candidate_entry.name} is already the current model")
    card = read_card(current_entry)
    sets = [s for d in cfg.data for s in sets_of_data(d, prefix=_prefix(d, cfg.data))]
    if not sets:
        sets = frozen_sets(card, registry.resolve().parent)
        build_missing(card, sets, registry.resolve().parent)
    names = [s.name for s in sets]
    if len(set(names)) != len(names):
        raise ValueError(f"validation set names must be unique, got {names}")

    current, candidate = (
        Detector.load(entry / "model.onnx", backend="onnxruntime", conf=EVAL_CONF, iou=EVAL_IOU)
        for entry in (current_entry, candidate_entry)
    )
    current_results = _evaluate_all(current, sets, cfg.progress)
    if not cfg.data:
        for s in sets:
            _check_frozen(card, s, current_results[s.name], current_entry)
    candidate_results = _evaluate_all(candidate, sets, cfg.progress)
    decision = decide(
        current_results,
        candidate_results,
        sets,
        tolerance=cfg.tolerance,
        min_boxes=cfg.min_boxes,
    )
    # the demo camera is what `make run` shows: no culprit the current model finds may be lost
    demo = (
        {"current": find_culprits(current), "candidate": find_culprits(candidate)}
        if cfg.demo_check
        else {}
    )
    lost = lost_culprits(demo["current"], demo["candidate"]) if demo else []
    if lost:
        kept = () if decision.promote else decision.reasons
        decision = Decision(
            False,
            (*kept, *lost),
            decision.checks,
            decision.overall_current,
            decision.overall_candidate,
        )
    record = {
        "decided_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "verdict": decision.verdict,
        "promoted": decision.promote and not cfg.dry_run,
        "dry_run": cfg.dry_run,
        "reasons": list(decision.reasons),
        "candidate": _model_record(candidate_entry, candidate),
        "current": _model_record(current_entry, current),
        "tolerance": cfg.tolerance,
        "min_boxes": cfg.min_boxes,
        "sets_from": "--data" if cfg.data else f"{current_entry.name}/card.json",
        "overall_map50": {
            "current": decision.overall_current,
            "candidate": decision.overall_candidate,
        },
        "sets": {
            s.name: {
                "data": repo_relative(s.data, registry.resolve().parent),
                "split": s.split,
                "overall": s.overall,
                "images": current_results[s.name]["images"],
                "current": _compact(current_results[s.name]),
                "candidate": _compact(candidate_results[s.name]),
            }
            for s in sets
        },
        "checks": [c.to_dict() for c in decision.checks],
        "demo": {
            "min_rate": MIN_RATE,
            **{who: [c.to_dict() for c in found] for who, found in demo.items()},
        }
        if demo
        else None,
        "git_revision": git_revision(),
        "command": shlex.join(argv) if argv else None,
    }
    decision = Decision(
        decision.promote,
        decision.reasons,
        decision.checks,
        decision.overall_current,
        decision.overall_candidate,
        record,
    )
    if cfg.dry_run:
        logger.info("dry run: %s would be %s", candidate_entry.name, decision.verdict)
        return decision
    _write_json_atomic(candidate_entry / DECISION_FILE, record)
    if decision.promote:
        set_current(registry, candidate_entry.name)
        logger.info("promoted %s (was %s)", candidate_entry.name, current_entry.name)
    _append_line(registry / LOG_FILE, record)
    return decision


def _prefix(data: Path, all_data: Sequence[Path]) -> str:
    return "" if len(all_data) == 1 else f"{data.parent.name}/"
