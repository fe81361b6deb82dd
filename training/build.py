"""`streetwatch data build`: synthesise and import everything a recipe names, in order."""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from detector.taxonomy import Taxonomy, load_taxonomy
from training.importer import import_recipe
from training.negatives import CropSpec, write_crops
from training.provenance import repo_relative
from training.readers import AnnotationError, read_source
from training.recipe import NegativesSpec, Recipe, load_recipe, resolve_source_path
from training.splits import source_images_base

logger = logging.getLogger(__name__)


def _backdrop_view(out: Path, source: str, manifest: dict[str, Any], view: Path) -> Path:
    """A YOLO ``images/train`` + ``labels/train`` view of one source's TRAIN images only,
    so synthetic scenes never reuse a validation photo as backdrop."""
    (view / "images" / "train").mkdir(parents=True)
    (view / "labels" / "train").mkdir(parents=True)
    for f in manifest["files"]:
        if f["source"] != source or f["split"] != "train":
            continue
        image = out / f["image"]
        label = out / "labels" / source / f"{Path(f['image']).stem}.txt"
        (view / "images" / "train" / image.name).symlink_to(image.resolve())
        (view / "labels" / "train" / label.name).symlink_to(label.resolve())
    return view


def build_dataset(
    recipe_path: Path, out: Path, *, taxonomy: Taxonomy | None = None, progress: bool = True
) -> dict[str, Any]:
    """Import the real sources, generate the synthetic one (over real backdrops if asked),
    then import all of them into ``out``; returns the final manifest."""
    from training.synth import generate_dataset

    taxonomy = taxonomy or load_taxonomy()
    recipe = load_recipe(recipe_path)
    recipe_dir = recipe_path.resolve().parent
    synthetic = [s for s in recipe.sources if s.synthetic]
    if recipe.synth is not None:
        if len(synthetic) != 1:
            raise ValueError(f"{recipe_path}: a 'synth' section needs exactly one synthetic source")
        synth_out = resolve_source_path(synthetic[0], recipe_dir)
        spec = recipe.synth
        with tempfile.TemporaryDirectory(prefix="streetwatch-backdrops-") as tmp:
            backgrounds = None
            if spec.background_source:
                real = [s for s in recipe.sources if s.name == spec.background_source]
                if not real:
                    raise ValueError(
                        f"{recipe_path}: synth.background_source {spec.background_source!r} "
                        "is not a source of this recipe"
                    )
                # every real source, so photos are grouped (and split) as in the final import
                stage = Recipe(
                    name=recipe.name,
                    val_fraction=recipe.val_fraction,
                    max_side=recipe.max_side,
                    sources=[s for s in recipe.sources if not (s.synthetic or s.derived_from)],
                )
                manifest = import_recipe(
                    stage, recipe_dir, out, taxonomy=taxonomy, progress=progress
                )
                backgrounds = _backdrop_view(out, real[0].name, manifest, Path(tmp) / "view")
            if synth_out.exists():
                shutil.rmtree(synth_out)
            logger.info("generating %d synthetic scenes into %s", spec.count, synth_out)
            generate_dataset(
                synth_out,
                spec.count,
                spec.seed,
                backgrounds=backgrounds,
                background_ratio=spec.background_ratio,
                sequences=spec.sequences,
                progress=progress,
            )
    if recipe.negatives is not None:
        _write_negatives(recipe, recipe.negatives, recipe_dir)
    return import_recipe(
        recipe,
        recipe_dir,
        out,
        taxonomy=taxonomy,
        progress=progress,
        recipe_path=_display_path(recipe_path),
    )


def _write_negatives(recipe: Recipe, spec: NegativesSpec, recipe_dir: Path) -> None:
    """Background crops of the photos of the source that the recipe's derived source names."""
    derived = [s for s in recipe.sources if s.derived_from]
    if len(derived) != 1:
        raise ValueError(
            f"recipe {recipe.name!r}: a 'negatives' section needs exactly one source with "
            f"derived_from, found {len(derived)}"
        )
    parent = next((s for s in recipe.sources if s.name == derived[0].derived_from), None)
    if parent is None:
        raise ValueError(
            f"recipe {recipe.name!r}: source {derived[0].name!r} is derived_from "
            f"{derived[0].derived_from!r}, which is not a source of the recipe"
        )
    root = resolve_source_path(parent, recipe_dir)
    errors: list[str] = []
    samples = list(read_source(parent.format, root, errors))
    if errors:
        raise AnnotationError(f"source {parent.name!r}: " + "\n".join(errors))
    out = resolve_source_path(derived[0], recipe_dir)
    if out.exists():
        shutil.rmtree(out)
    kept = {name for name, target in parent.class_map.items() if target is not None}
    write_crops(
        samples,
        source_images_base(parent, root, None),
        kept,
        out,
        CropSpec(spec.per_image, spec.min_side, spec.max_side),
        seed=spec.seed,
    )


def _display_path(path: Path) -> str:
    """The recipe path as the repository names it (relative to its root when inside)."""
    return repo_relative(path)
