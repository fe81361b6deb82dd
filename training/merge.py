"""Merge YOLO datasets for a fine-tune: reviewed cases plus the earlier training data.

The merged dataset copies no images: ``train.txt`` and ``val.txt`` list, by absolute path,
the train and val images of every source in order, and ``val_sets`` carries the frozen
validation sets of the model being fine-tuned exactly as they were (same images, same
order), so the new model's card is scored on the sets its predecessor was. An image in any
validation set is never trained on.

>>> merge_datasets(  # doctest: +SKIP
...     [Path("build/data/reference/data.yaml"), Path("build/reviews/data.yaml")],
...     Path("build/data/merged"),
...     frozen=frozen_sets(read_card(registry_entry(Path("models/current")))),
... )
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from training.provenance import from_repo, git_revision, sha256_file
from training.valsets import OVERALL, ValSet, frozen_sets, read_card, registry_entry
from training.yolo_dataset import DatasetError, DatasetSpec, iter_split, load_data_yaml

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
# the frozen whole-val split of the base model; "all" is the merged val split's own name
FROZEN_OVERALL = "frozen-all"


def _norm(path: Path) -> Path:
    """Absolute and normalised, without following symlinks (labels sit beside the link)."""
    return Path(os.path.normpath(path.absolute()))


def _unique(paths: Iterable[Path]) -> list[Path]:
    seen: set[Path] = set()
    out = []
    for p in paths:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def _split_images(spec: DatasetSpec, split: str) -> list[Path]:
    return [_norm(p) for p in spec.image_paths(split)] if split in spec.splits else []


def _source_manifest(spec: DatasetSpec) -> dict[str, Any]:
    path = spec.yaml_path.parent / MANIFEST
    if not path.is_file():
        return {}
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError(f"cannot read dataset manifest {path}: {exc}") from exc
    return manifest


def _write_list(path: Path, images: Sequence[Path]) -> str:
    data = "".join(f"{p}\n" for p in images).encode()
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return hashlib.sha256(data).hexdigest()


def _box_counts(spec: DatasetSpec, split: str) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for sample in iter_split(spec, split):
        counts.update(spec.names[int(c)] for c in sample.class_id)
    return dict(sorted(counts.items()))


def merge_datasets(
    sources: Sequence[Path], out: Path, *, frozen: Sequence[ValSet] = (), name: str = "merged"
) -> dict[str, Any]:
    """Write ``out/data.yaml`` (+ lists and ``manifest.json``) merging ``sources``' splits and
    carrying ``frozen`` as validation sets; returns the manifest."""
    if not sources:
        raise ValueError("merge needs at least one source data yaml")
    specs = [load_data_yaml(s) for s in sources]
    names = specs[0].names
    for spec in specs[1:]:
        if spec.names != names:
            raise DatasetError(
                f"cannot merge datasets with different classes: {specs[0].yaml_path} has "
                f"{list(names)}, {spec.yaml_path} has {list(spec.names)}"
            )
    val_sets: dict[str, list[Path]] = {}
    frozen_info: dict[str, dict[str, Any]] = {}
    for vs in frozen:
        set_name = FROZEN_OVERALL if vs.name == OVERALL else vs.name
        val_sets[set_name] = [_norm(p) for p in vs.images()]
        frozen_info[set_name] = {"card_name": vs.name, "data": str(vs.data), "split": vs.split}
    for spec in specs:
        for set_name in spec.val_sets:
            images = [_norm(p) for p in spec.image_paths(set_name)]
            if set_name not in val_sets:
                val_sets[set_name] = images
            elif val_sets[set_name] != images:
                logger.warning(
                    "%s: val set %r differs from the frozen set of that name; keeping the frozen",
                    spec.yaml_path,
                    set_name,
                )
    val = _unique(p for spec in specs for p in _split_images(spec, "val"))
    held_out = set(val).union(*val_sets.values())
    train_all = _unique(p for spec in specs for p in _split_images(spec, "train"))
    train = [p for p in train_all if p not in held_out]
    if len(train) < len(train_all):
        logger.warning(
            "left %d train images out of the merged train split: they are validation images",
            len(train_all) - len(train),
        )
    if not train:
        raise DatasetError(f"the merged dataset has no train images (sources: {list(sources)})")

    out.mkdir(parents=True, exist_ok=True)
    list_sha = {"train": _write_list(out / "train.txt", train)}
    list_sha["val"] = _write_list(out / "val.txt", val)
    set_files = {}
    for set_name, images in val_sets.items():
        file_name = f"val_{set_name}.txt"
        sha = _write_list(out / file_name, images)
        set_files[set_name] = file_name
        if set_name in frozen_info:
            frozen_info[set_name] |= {"images": len(images), "list_sha256": sha}
    data_yaml = {
        "train": "train.txt",
        "val": "val.txt",
        "names": dict(enumerate(names)),
        "val_sets": set_files,
    }
    tmp = out / ".data.yaml.tmp"
    tmp.write_text(yaml.safe_dump(data_yaml, sort_keys=False), encoding="utf-8")
    tmp.replace(out / "data.yaml")

    merged = load_data_yaml(out / "data.yaml")
    manifest = _manifest(name, specs, merged, frozen_info, list_sha, len(train_all) - len(train))
    tmp = out / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    tmp.replace(out / MANIFEST)
    logger.info(
        "merged %d datasets into %s: %d train, %d val images, %d frozen val sets",
        len(specs),
        out,
        len(train),
        len(val),
        len(frozen_info),
    )
    return manifest


def _manifest(
    name: str,
    specs: Sequence[DatasetSpec],
    merged: DatasetSpec,
    frozen_info: dict[str, dict[str, Any]],
    list_sha: dict[str, str],
    left_out: int,
) -> dict[str, Any]:
    source_manifests = [_source_manifest(spec) for spec in specs]
    sources: list[dict[str, Any]] = []
    real: set[str] = set()
    for spec, m in zip(specs, source_manifests, strict=True):
        sources += m.get("sources") or [{"name": spec.yaml_path.parent.name, "synthetic": False}]
        real.update(m.get("classes_with_real_data", []))
    splits = {
        split: {
            "images": len(merged.image_paths(split)),
            "boxes": _box_counts(merged, split),
            "list_sha256": list_sha[split],
        }
        for split in ("train", "val")
    }
    return {
        "name": name,
        "kind": "streetwatch-merge",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_revision": git_revision(),
        "names": list(merged.names),
        "merged_from": [
            {
                "data": str(spec.yaml_path),
                "manifest_sha256": (sha256_file(spec.yaml_path.parent / MANIFEST) if m else None),
            }
            for spec, m in zip(specs, source_manifests, strict=True)
        ],
        "frozen_val_sets": frozen_info,
        "train_images_left_out": left_out,
        "sources": sources,
        "splits": splits,
        "classes_with_real_data": [n for n in merged.names if n in real],
        "classes_synthetic_only": [n for n in merged.names if n not in real],
    }


def merge_for_training(
    *, base: Path | None, data: Path | None, merge: Sequence[Path], out: Path
) -> Path:
    """The data yaml a fine-tune trains on: ``data`` (default: the data the ``base`` registry
    entry was trained on) merged with ``merge``, keeping the base's frozen validation sets.
    Returns ``out/data.yaml``."""
    frozen: list[ValSet] = []
    earlier = data
    if base is not None and base.suffix != ".pt":
        entry = registry_entry(base)
        card = read_card(entry)
        root = entry.resolve().parents[1]
        frozen = frozen_sets(card, root)
        if earlier is None:
            recorded = (card.get("training", {}).get("args") or {}).get("data")
            if not recorded:
                raise ValueError(
                    f"--base {base}: its card does not record its training data; give --data"
                )
            earlier = from_repo(recorded, root)
            if not earlier.is_file():
                raise FileNotFoundError(
                    f"--base {base} was trained on {earlier}, which does not exist here; "
                    "rebuild it (see the model card) or give --data"
                )
    elif earlier is None:
        raise ValueError("--merge needs --data, or --base naming a registry entry with a card")
    if base is not None and base.suffix == ".pt":
        logger.warning("--base %s is a checkpoint: no frozen validation sets to keep", base)
    merge_datasets([earlier, *merge], out, frozen=frozen, name=out.name)
    return out / "data.yaml"
