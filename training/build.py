"""`streetwatch data build`: synthesise and import everything a recipe names, in order."""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from detector.taxonomy import Taxonomy, load_taxonomy
from training.importer import Recipe, import_recipe, load_recipe, resolve_source_path

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
                stage = Recipe(
                    name=recipe.name,
                    val_fraction=recipe.val_fraction,
                    max_side=recipe.max_side,
                    sources=real,
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
    return import_recipe(
        recipe,
        recipe_dir,
        out,
        taxonomy=taxonomy,
        progress=progress,
        recipe_path=_display_path(recipe_path),
    )


def _display_path(path: Path) -> str:
    """The recipe path as a user would type it: relative to the working directory if inside."""
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)
