"""The streetwatch taxonomy: object classes and violation types, loaded from YAML."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from detector.errors import TaxonomyMismatchError

DEFAULT_TAXONOMY = Path(__file__).with_name("taxonomy.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ObjectClass(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    zh: str
    group: str


class ZoneCondition(_Strict):
    """Zone types the object must be inside (any of) and must not be inside (any of)."""

    inside: tuple[str, ...] = ()
    outside: tuple[str, ...] = ()


class ZoneRule(ZoneCondition):
    by_class: dict[str, ZoneCondition] = Field(default_factory=dict)

    def for_class(self, name: str) -> ZoneCondition:
        return self.by_class.get(name, ZoneCondition(inside=self.inside, outside=self.outside))


class NearCondition(_Strict):
    """Where an object of a class must be (or must not be) relative to context objects:
    within ``within`` of its own box height from a box of one of ``classes`` seen in the
    last minute (bagged garbage beside a bin, 桶边打包垃圾)."""

    classes: tuple[str, ...] = Field(min_length=1)
    within: float = Field(1.0, ge=0.0, le=20.0)
    away: bool = False  # true: the object must NOT be near one


class ViolationType(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    zh: str
    en: str
    platform_code: str
    # empty only for a violation no detector class makes (new_static_object)
    classes: tuple[str, ...] = ()
    zones: ZoneRule = Field(default_factory=ZoneRule)
    # per class: near (or away from) which context objects it must be
    near: dict[str, NearCondition] = Field(default_factory=dict)
    # the rule's defaults (detector/rules/config.py RuleConfig fields); None: no detector rule
    rule: dict[str, Any] | None = None


class Taxonomy(_Strict):
    version: int
    classes: tuple[ObjectClass, ...] = Field(min_length=1)
    zone_types: tuple[str, ...]
    violations: tuple[ViolationType, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Taxonomy:
        names = [c.name for c in self.classes]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate class names in taxonomy: {names}")
        keys = [v.key for v in self.violations]
        if len(set(keys)) != len(keys):
            raise ValueError(f"duplicate violation keys in taxonomy: {keys}")
        for v in self.violations:
            unknown = [c for c in v.classes if c not in names]
            unknown += [c for c in v.zones.by_class if c not in v.classes]
            unknown += [c for c in v.near if c not in v.classes]
            unknown += [c for n in v.near.values() for c in n.classes if c not in names]
            if unknown:
                raise ValueError(f"violation {v.key!r} names unknown classes {unknown}")
            conds = [v.zones, *v.zones.by_class.values()]
            zones = {z for c in conds for z in (*c.inside, *c.outside)}
            if bad := sorted(zones - set(self.zone_types)):
                raise ValueError(f"violation {v.key!r} names unknown zone types {bad}")
        return self

    @cached_property
    def names(self) -> list[str]:
        """Class names in model class-id order."""
        return [c.name for c in self.classes]

    def class_id(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"unknown class {name!r}; taxonomy classes are {self.names}") from None

    def violation(self, key: str) -> ViolationType:
        for v in self.violations:
            if v.key == key:
                return v
        raise KeyError(f"unknown violation {key!r}; known: {[v.key for v in self.violations]}")

    def violations_for_class(self, name: str) -> list[ViolationType]:
        return [v for v in self.violations if name in v.classes]

    def check_model_names(self, model_names: Sequence[str]) -> None:
        """Raise unless a model predicts this taxonomy's classes in order: all of them, or
        the first ones (a model trained before classes were added at the end still serves;
        it cannot see the later ones: see ``unseen_classes``)."""
        names = list(model_names)
        if not names or names != self.names[: len(names)]:
            missing = [n for n in self.names if n not in names]
            extra = [n for n in names if n not in self.names]
            raise TaxonomyMismatchError(
                f"model classes do not match the taxonomy: expected {self.names} "
                f"(or its first classes, in order), got {names} "
                f"(missing {missing}, unexpected {extra})"
            )

    def unseen_classes(self, model_names: Sequence[str]) -> list[str]:
        """The taxonomy classes a model with these names cannot predict (added after it)."""
        return self.names[len(model_names) :]

    def context_classes(self) -> frozenset[str]:
        """Classes some violation's ``near`` condition looks for."""
        return frozenset(c for v in self.violations for n in v.near.values() for c in n.classes)


def load_taxonomy(
    path: str | Path | None = None, platform_codes: Mapping[str, str] | None = None
) -> Taxonomy:
    """Load a taxonomy YAML (the packaged one by default), overriding platform codes.

    >>> load_taxonomy(platform_codes={"graffiti": "X9"}).violation("graffiti").platform_code
    'X9'
    """
    path = Path(path) if path is not None else DEFAULT_TAXONOMY
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read taxonomy {path}: {exc}") from exc
    if platform_codes:
        keys = {v["key"] for v in raw.get("violations", [])}
        if unknown := sorted(set(platform_codes) - keys):
            raise ValueError(f"platform code overrides for unknown violations {unknown}")
        for v in raw["violations"]:
            v["platform_code"] = platform_codes.get(v["key"], v["platform_code"])
    try:
        return Taxonomy.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(f"invalid taxonomy {path}:\n{exc}") from exc
