"""A dataset recipe: the sources to import, their formats, licences and class maps,
and what to generate first (synthetic scenes, background crops)."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from training.readers import SourceFormat

RESERVED_NAME = "real"  # the importer's validation set of every real photo


class SourceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    path: str
    format: SourceFormat = "yolo"
    images_dir: str | None = None  # COCO only
    licence: str = "unknown"
    synthetic: bool = False
    # images cut from another source's photos (`training.negatives`): each keeps its photo's split
    derived_from: str | None = None
    class_map: dict[str, str | None] = Field(default_factory=dict)


class SynthSpec(BaseModel):
    """Synthetic scenes generated before import (the recipe's synthetic source is their output)."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=1)
    seed: int = 0
    sequences: int = Field(0, ge=0)
    background_ratio: float = Field(0.0, ge=0.0, le=1.0)
    background_source: str | None = None  # a recipe source whose train images serve as backdrops


class NegativesSpec(BaseModel):
    """Background crops of a real source's photos, written before import to the recipe's
    source that is ``derived_from`` it (`training.negatives`)."""

    model_config = ConfigDict(extra="forbid")

    per_image: int = Field(1, ge=1, le=8)
    min_side: float = Field(0.3, gt=0.0, le=1.0)
    max_side: float = Field(0.6, gt=0.0, le=1.0)
    seed: int = 0


class Recipe(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    synth: SynthSpec | None = None
    negatives: NegativesSpec | None = None
    val_fraction: float = Field(0.15, ge=0.0, lt=1.0)
    max_side: int | None = Field(None, ge=32)
    sources: list[SourceSpec] = Field(min_length=1)

    @field_validator("sources")
    @classmethod
    def _names_unique(cls, sources: list[SourceSpec]) -> list[SourceSpec]:
        names = [s.name for s in sources]
        if dupes := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"source names must be unique, {dupes} appear more than once")
        if RESERVED_NAME in names:
            raise ValueError(
                f"a source may not be named {RESERVED_NAME!r}: the validation set of all real "
                "photos has that name"
            )
        return sources


def default_shared_dir() -> Path:
    """``../shared`` beside the repository, or ``$STREETWATCH_SHARED``."""
    env = os.environ.get("STREETWATCH_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


def load_recipe(path: Path) -> Recipe:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Recipe.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read recipe {path}: {exc}") from exc
    except ValidationError as exc:
        raise ValueError(f"invalid recipe {path}:\n{exc}") from exc


def resolve_source_path(spec: SourceSpec, recipe_dir: Path) -> Path:
    """Expand ``{shared}`` and make the path relative to the recipe file."""
    expanded = spec.path.format(shared=default_shared_dir())
    path = Path(expanded)
    return path if path.is_absolute() else (recipe_dir / path).resolve()
