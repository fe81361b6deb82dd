"""`streetwatch rescore`: re-measure a registry entry's card on today's validation data.

A model card's numbers hold for the validation split they were measured on. When the split
changes (the reference split became one by photo, not by file) the card is re-measured:
its ``metrics`` and ``real_data_capabilities`` are replaced, the model files are untouched
(their hashes are checked first), and ``card["rescored"]`` keeps what was replaced, when,
why and on what data, so the history stays readable.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from training.card import write_card
from training.export import evaluate_val_sets, real_data_capabilities
from training.provenance import from_repo, git_revision, repo_relative, sha256_file
from training.train import portable_arg

logger = logging.getLogger(__name__)


def _portable_paths(card: dict[str, Any]) -> None:
    """Absolute paths of the machine that made the card, made repository-relative."""
    training = card.get("training") or {}
    training["args"] = {k: portable_arg(k, v) for k, v in (training.get("args") or {}).items()}
    for source in (card.get("data") or {}).get("sources", []):
        path = source.get("path")
        if isinstance(path, str) and Path(path).is_absolute() and Path(path).exists():
            source["path"] = repo_relative(path)


def rescore_entry(
    entry: Path, eval_data: Path, reason: str, notes: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Re-evaluate ``entry/model.onnx`` on ``eval_data``'s val split and val sets; rewrite
    ``card.json`` and ``card.md`` in place (atomically); return the new card."""
    if not reason.strip():
        raise ValueError("say why the card is re-measured (--reason)")
    card_path = entry / "card.json"
    card: dict[str, Any] = json.loads(card_path.read_text(encoding="utf-8"))
    for name, digest in card.get("files", {}).items():
        if sha256_file(entry / name) != digest:
            raise ValueError(f"{entry / name} does not match the sha256 its card records")
    manifest_path = entry / "data_manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    eval_manifest = from_repo(eval_data).parent / "manifest.json"
    metrics = evaluate_val_sets(entry / "model.onnx", eval_data)
    card.setdefault("rescored", []).append(
        {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "reason": reason,
            "data": repo_relative(eval_data),
            "data_manifest_sha256": (
                sha256_file(eval_manifest) if eval_manifest.is_file() else None
            ),
            "git_revision": git_revision(),
            "replaced": {
                name: {"data": r.get("data"), "map50": r["metrics"]["map50"]}
                for name, r in card.get("metrics", {}).items()
            },
        }
    )
    _portable_paths(card)
    card["notes"] = [*card.get("notes", []), *notes]
    card["metrics"] = metrics
    card.pop("compared", None)  # measured on the data replaced here: no longer side by side
    card["real_data_capabilities"] = real_data_capabilities(metrics, manifest)
    card["data"]["eval_data"] = repo_relative(eval_data)
    write_card(entry, card)
    logger.info("re-measured %s on %s", entry.name, eval_data)
    return card
