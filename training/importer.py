"""Merge labelled sources into one YOLO dataset in taxonomy classes, with a manifest.

A recipe (YAML) names each source, its format, licence and class map. Every
source class must appear in the class map (``null`` drops it, counted in the
manifest), so nothing is silently lost. Images are grouped by the photo they show
(`training.photos`: Roboflow's ``.rf.`` copies and near-identical images, across sources)
and each group is split into train/val by a hash of its key, so no photo has copies on
both sides and a re-import with more images keeps old splits.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import yaml
from tqdm import tqdm

from detector.taxonomy import Taxonomy, load_taxonomy
from training.photos import MAX_DISTANCE
from training.provenance import git_revision, sha256_file
from training.readers import AnnotationError, read_source
from training.recipe import RESERVED_NAME, Recipe, SourceSpec, resolve_source_path
from training.splits import Loaded, LoadedSource, plan_splits, rel_path, source_images_base

logger = logging.getLogger(__name__)

REAL_VAL_SET = RESERVED_NAME


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _copy_image(src: Path, dst: Path, max_side: int | None) -> None:
    if max_side is not None:
        image = cv2.imread(str(src), cv2.IMREAD_COLOR)
        if image is None:
            raise AnnotationError(f"{src}: image cannot be decoded")
        h, w = image.shape[:2]
        if max(h, w) > max_side:
            s = max_side / max(h, w)
            image = cv2.resize(image, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
            ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])
            if not ok:
                raise AnnotationError(f"{src}: cannot re-encode")
            _write_atomic(dst.with_suffix(".jpg"), buf.tobytes())
            return
    tmp = dst.with_name(f".{dst.name}.tmp")
    shutil.copyfile(src, tmp)
    tmp.replace(dst)


def _check_class_map(spec: SourceSpec, taxonomy: Taxonomy, seen: Iterable[str]) -> None:
    unmapped = sorted(set(seen) - set(spec.class_map))
    if unmapped:
        raise ValueError(
            f"source {spec.name!r}: classes {unmapped} are not in its class_map; "
            "map each to a taxonomy class or to null to drop it"
        )
    bad = sorted({t for t in spec.class_map.values() if t is not None} - set(taxonomy.names))
    if bad:
        raise ValueError(f"source {spec.name!r}: class_map targets {bad} are not taxonomy classes")


def load_sources(recipe: Recipe, recipe_dir: Path, taxonomy: Taxonomy) -> Loaded:
    """Read and check every source of a recipe before anything is written, so a bad
    annotation never leaves a half-imported dataset behind."""
    errors: list[str] = []
    loaded: Loaded = []
    for spec in recipe.sources:
        root = resolve_source_path(spec, recipe_dir)
        if not root.exists():
            raise FileNotFoundError(f"source {spec.name!r}: {root} does not exist")
        images_dir = (
            resolve_source_path(spec.model_copy(update={"path": spec.images_dir}), recipe_dir)
            if spec.images_dir
            else None
        )
        samples = list(read_source(spec.format, root, errors, images_dir=images_dir))
        errors += [
            f"{s.annotation}: image {s.image} does not exist"
            for s in samples
            if not s.image.exists()
        ]
        _check_class_map(spec, taxonomy, (o.name for s in samples for o in s.objects))
        loaded.append(LoadedSource(spec, root, images_dir, samples))
    if errors:
        raise AnnotationError(
            f"{len(errors)} annotation problem(s); nothing was written:\n" + "\n".join(errors)
        )
    return loaded


def import_recipe(
    recipe: Recipe,
    recipe_dir: Path,
    out: Path,
    *,
    taxonomy: Taxonomy | None = None,
    progress: bool = True,
    recipe_path: str | None = None,
    max_distance: int = MAX_DISTANCE,
) -> dict[str, Any]:
    """Import every source of a recipe into ``out``; returns the manifest (also written)."""
    taxonomy = taxonomy or load_taxonomy()
    out.mkdir(parents=True, exist_ok=True)
    files: list[dict[str, Any]] = []
    sources: list[dict[str, Any]] = []
    split_lists: dict[str, list[str]] = {"train": [], "val": []}
    per_source_val: dict[str, list[str]] = {}
    loaded = load_sources(recipe, recipe_dir, taxonomy)
    photos = plan_splits(loaded, recipe.val_fraction, max_distance)
    for src in loaded:
        spec, root, samples = src.spec, src.root, src.samples
        (out / "images" / spec.name).mkdir(parents=True, exist_ok=True)
        (out / "labels" / spec.name).mkdir(parents=True, exist_ok=True)
        kept: Counter[str] = Counter()
        dropped: Counter[str] = Counter()
        split_counts: dict[str, Counter[str]] = {"train": Counter(), "val": Counter()}
        n_images = Counter[str]()
        photo_keys: dict[str, set[str]] = {"train": set(), "val": set()}
        per_source_val[spec.name] = []
        base = source_images_base(spec, root, src.images_dir)
        for sample in tqdm(samples, desc=f"import {spec.name}", disable=not progress, unit="img"):
            rel = rel_path(sample, base)
            stem = rel.rsplit(".", 1)[0].replace("/", "__")
            photo, split = photos[(spec.name, rel)]
            dst_image = out / "images" / spec.name / f"{stem}{sample.image.suffix.lower()}"
            _copy_image(sample.image, dst_image, recipe.max_side)
            if not dst_image.exists():  # re-encoded to .jpg
                dst_image = dst_image.with_suffix(".jpg")
            lines = []
            for obj in sample.objects:
                target = spec.class_map[obj.name]
                if target is None:
                    dropped[obj.name] += 1
                    continue
                kept[target] += 1
                split_counts[split][target] += 1
                x1, y1, x2, y2 = obj.xyxy
                lines.append(
                    f"{taxonomy.class_id(target)} {(x1 + x2) / 2:.6f} {(y1 + y2) / 2:.6f} "
                    f"{x2 - x1:.6f} {y2 - y1:.6f}"
                )
            label = out / "labels" / spec.name / f"{stem}.txt"
            label_bytes = ("\n".join(lines) + "\n" if lines else "").encode()
            _write_atomic(label, label_bytes)
            rel_out = dst_image.relative_to(out).as_posix()
            split_lists[split].append(f"./{rel_out}")
            if split == "val":
                per_source_val[spec.name].append(f"./{rel_out}")
            n_images[split] += 1
            photo_keys[split].add(photo)
            files.append(
                {
                    "image": rel_out,
                    "sha256": sha256_file(dst_image),
                    "label_sha256": hashlib.sha256(label_bytes).hexdigest(),
                    "source": spec.name,
                    "source_path": rel,
                    "photo": photo,
                    "split": split,
                }
            )
        sources.append(
            {
                "name": spec.name,
                "path": spec.path,  # as the recipe writes it ({shared}/...): portable
                "format": spec.format,
                "licence": spec.licence,
                "synthetic": spec.synthetic,
                "class_map": spec.class_map,
                "images": dict(n_images),
                "photos": {k: len(v) for k, v in photo_keys.items() if v},
                "boxes": dict(sorted(kept.items())),
                "boxes_by_split": {k: dict(sorted(v.items())) for k, v in split_counts.items()},
                "dropped_boxes": dict(sorted(dropped.items())),
            }
        )
    for split, items in split_lists.items():
        _write_atomic(out / f"{split}.txt", ("\n".join(sorted(items)) + "\n").encode())
    val_sets = {}
    synthetic = {spec.name for spec in recipe.sources if spec.synthetic}
    if synthetic and len(synthetic) < len(recipe.sources):
        # every real photo held out, whatever its source: where real classes are judged
        per_source_val[REAL_VAL_SET] = [
            i for name, items in per_source_val.items() if name not in synthetic for i in items
        ]
    for name, items in per_source_val.items():
        if items:
            _write_atomic(out / f"val_{name}.txt", ("\n".join(sorted(items)) + "\n").encode())
            val_sets[name] = f"val_{name}.txt"
    # no `path:` key: ultralytics then resolves the lists against this file's folder
    # (a relative `path:` it would resolve against the working directory)
    data_yaml = {
        "train": "train.txt",
        "val": "val.txt",
        "names": dict(enumerate(taxonomy.names)),
        "val_sets": val_sets,
    }
    _write_atomic(out / "data.yaml", yaml.safe_dump(data_yaml, sort_keys=False).encode())
    classes_with_real = sorted(
        {c for s in sources if not s["synthetic"] for c in s["boxes"]},
        key=taxonomy.class_id,
    )
    manifest = {
        "name": recipe.name,
        "recipe": recipe_path,
        "git_revision": git_revision(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "taxonomy_version": taxonomy.version,
        "names": taxonomy.names,
        "val_fraction": recipe.val_fraction,
        "split_by": {
            "photo": "Roboflow .rf. copies and perceptual hash",
            "max_distance": max_distance,
        },
        "max_side": recipe.max_side,
        "sources": sources,
        "classes_with_real_data": classes_with_real,
        "classes_synthetic_only": [c for c in taxonomy.names if c not in classes_with_real],
        "splits": {
            split: {
                "images": len(items),
                "boxes": dict(
                    sorted(
                        sum(
                            (Counter(s["boxes_by_split"][split]) for s in sources), Counter()
                        ).items()
                    )
                ),
            }
            for split, items in split_lists.items()
        },
        "files": sorted(files, key=lambda f: f["image"]),
    }
    _write_atomic(
        out / "manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False).encode()
    )
    return manifest
