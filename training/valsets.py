"""The frozen validation sets of a registry entry: the sets its ``card.json`` was scored on.

`streetwatch export --eval-data` evaluates a model on the whole val split of a data yaml
(recorded as ``all``) and on each per-source ``val_sets`` entry, and keeps, for each, the
data yaml and split in the card. Those sets are the yardstick a later candidate is held to
(`training.promote`), and a fine-tune keeps them out of its training data (`training.merge`).

>>> sets = frozen_sets(read_card(registry_entry(Path("models/current"))))  # doctest: +SKIP
>>> [(s.name, s.split) for s in sets]  # doctest: +SKIP
[('all', 'val'), ('facade-ads', 'facade-ads'), ...]
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detector.model import resolve_model_path
from training.provenance import from_repo
from training.yolo_dataset import DatasetError, DatasetSpec, load_data_yaml

logger = logging.getLogger(__name__)

CARD = "card.json"
OVERALL = "all"


@dataclass(frozen=True)
class ValSet:
    """One validation set: a split (``val`` or a ``val_sets`` name) of a data yaml."""

    name: str
    data: Path
    split: str

    @property
    def overall(self) -> bool:
        """Whether this is a data yaml's whole val split (what overall mAP is read on)."""
        return self.split == "val"

    def spec(self) -> DatasetSpec:
        if not self.data.is_file():
            raise FileNotFoundError(
                f"validation set {self.name!r}: data yaml {self.data} does not exist; build it "
                "with `streetwatch data build <recipe> --out <its folder>` (the model card "
                "names the recipe)"
            )
        spec = load_data_yaml(self.data)
        spec.sources(self.split)  # KeyError -> below
        return spec

    def images(self) -> list[Path]:
        try:
            return self.spec().image_paths(self.split)
        except KeyError as exc:
            raise DatasetError(f"validation set {self.name!r}: {exc.args[0]}") from None


def registry_entry(path: Path) -> Path:
    """The registry entry directory ``path`` designates: the entry itself, a model file in
    it, or a pointer such as ``models/current``."""
    return resolve_model_path(path).parent


def read_card(entry: Path) -> dict[str, Any]:
    path = entry / CARD
    if not path.is_file():
        raise FileNotFoundError(f"{entry} has no {CARD}; export it with `streetwatch export`")
    try:
        card: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read model card {path}: {exc}") from exc
    return card


def frozen_sets(card: dict[str, Any], root: Path | None = None) -> list[ValSet]:
    """The validation sets a card's metrics were computed on, in the card's order.

    A card names its data yamls relative to the repository (``build/data/reference/
    data.yaml``); they are taken from ``root`` (default: this repository)."""
    metrics = card.get("metrics") or {}
    sets = []
    for name, result in metrics.items():
        data, split = result.get("data"), result.get("split")
        if not isinstance(data, str) or not isinstance(split, str):
            raise ValueError(
                f"model card of {card.get('name')} {card.get('version')}: metrics[{name!r}] "
                f"does not name its data yaml and split (got data={data!r}, split={split!r})"
            )
        sets.append(ValSet(name=str(name), data=from_repo(data, root), split=split))
    if not sets:
        raise ValueError(
            f"model card of {card.get('name')} {card.get('version')} records no validation "
            "sets (exported without --eval-data); name them with --data"
        )
    return sets


def sets_of_data(data_yaml: Path, *, prefix: str = "") -> list[ValSet]:
    """A data yaml's val split (``all``) and its ``val_sets``, as `export` scores them."""
    spec = load_data_yaml(data_yaml)
    return [
        ValSet(f"{prefix}{OVERALL}", spec.yaml_path, "val"),
        *(ValSet(f"{prefix}{name}", spec.yaml_path, name) for name in spec.val_sets),
    ]


def card_counts(card: dict[str, Any], name: str) -> tuple[int, dict[str, int]]:
    """Images and ground-truth boxes per class a card recorded for its set ``name``."""
    result = card["metrics"][name]
    per_class = result.get("metrics", {}).get("per_class", {})
    return int(result.get("images", 0)), {c: int(m.get("n_gt", 0)) for c, m in per_class.items()}


def build_missing(card: dict[str, Any], sets: list[ValSet], root: Path) -> list[Path]:
    """Build, from the recipe the card names, every frozen set's data yaml that is absent
    (a fresh clone has none: datasets are never committed); returns the yamls built."""
    missing = sorted({s.data for s in sets if not s.data.is_file()})
    recipe = (card.get("data") or {}).get("recipe")
    if not missing or not recipe:
        return []
    from training.build import build_dataset

    built = []
    for data_yaml in missing:
        logger.info("building %s from the recipe %s that the model card names", data_yaml, recipe)
        build_dataset(from_repo(recipe, root), data_yaml.parent, progress=False)
        built.append(data_yaml)
    return built
