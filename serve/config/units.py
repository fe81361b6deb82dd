"""Responsible units (门前三包) as configuration: a unit's fields, and a units YAML file.

Each shop or body on a street answers for the pavement in front of it. A zone names its
unit by id in ``responsible``; every case opened in that zone carries the id, so cases,
ledgers and statistics can be read per unit. Units come from a YAML file
(``STREETWATCH_UNITS``, a list like ``serve/config/units.example.yaml``) and from the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from serve.config.yaml_file import read_yaml

UNIT_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class UnitConfigError(ValueError):
    """A units file that cannot be used; the message names the file and the entry."""


class Unit(BaseModel):
    """A responsible unit: who answers for a stretch of street, and how to reach them."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: str = Field(pattern=UNIT_ID, description="what zones put in `responsible`")
    name: str = Field(min_length=1, max_length=200)
    address: str = Field("", max_length=500)
    contact: str = Field("", max_length=100, description="the person who answers")
    phone: str = Field("", max_length=50)
    category: str = Field(
        "", max_length=50, description="e.g. 商铺, 餐饮, 单位, 物业, 市政 (free text)"
    )


def parse_units(data: Any, where: str) -> list[Unit]:
    if not isinstance(data, list):
        raise UnitConfigError(f"{where}: expected a list of units, got {type(data).__name__}")
    units: list[Unit] = []
    for n, item in enumerate(data):
        try:
            units.append(Unit.model_validate(item))
        except ValidationError as e:
            first = e.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "(entry)"
            raise UnitConfigError(f"{where}: unit #{n + 1}, field {field}: {first['msg']}") from e
    ids = [u.id for u in units]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise UnitConfigError(f"{where}: unit ids used twice: {dupes}")
    return units


def load_units(path: Path) -> list[Unit]:
    """Read a units YAML file (a list of units)."""
    data = read_yaml(path, "units", UnitConfigError)
    return parse_units(data if data is not None else [], str(path))
