"""Dispatch profiles: what a city's case platform receives, described in YAML, not code.

A bureau's 数字城管 platform speaks its own dialect of GB/T 30428: each violation is an
event (事件) or a facility (部件) with a 大类/小类 code from its code book, the problem's
source is 视频AI, the place is a 单元网格 code, and the field names and how attachments
travel (links or base64) differ from city to city. A profile says all of that:

- ``format: streetwatch`` sends the project's own JSON (``{"event", "case"}``);
- ``format: fields`` builds a flat object from ``fields`` (output name -> a path in the
  case's context: ``case.<CasePublic field>[.<key>]``, ``event.type|major|minor|major_name|
  minor_name``, ``grid``, ``source``, ``description``, ``attachments``, ``sent_at``),
  optionally inside ``wrap``;
- ``categories`` maps every violation of the taxonomy to its type and codes, ``grids`` each
  camera (or ``camera/zone``) to its grid code, ``attachments`` is ``url`` or ``base64``;
- ``schema`` (a JSON Schema file beside the profile) is checked at load and every payload
  is validated against it before it is sent; one that fails is a failed delivery with the
  schema's message in the case's audit log, never a malformed POST.

Two profiles ship in ``serve/dispatch_profiles/``: ``streetwatch`` and ``gbt30428``;
``STREETWATCH_DISPATCH_PROFILE`` names one of them or a YAML file of the city's own.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import jsonschema
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from serve.schemas.cases import CasePublic

SHIPPED = Path(__file__).parent / "dispatch_profiles"
ROOTS = frozenset({"case", "event", "grid", "source", "description", "attachments", "sent_at"})
EVENT_KEYS = frozenset({"type", "major", "minor", "major_name", "minor_name"})
MAX_BASE64_BYTES = 20 * 1024 * 1024  # all of one case's attachments, before encoding


class DispatchProfileError(ValueError):
    """A profile that cannot be used; the message names the file and what is wrong."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Category(_Strict):
    type: Literal["事件", "部件"] = "事件"
    major: str = Field(min_length=1, max_length=32)
    minor: str = Field(min_length=1, max_length=32)
    major_name: str = ""
    minor_name: str = ""


class Grids(_Strict):
    cameras: dict[str, str] = Field(default_factory=dict)
    zones: dict[str, str] = Field(default_factory=dict)  # "camera/zone" -> code
    default: str | None = None


class DispatchProfile(_Strict):
    name: str = Field(min_length=1, max_length=64)
    description: str = ""
    format: Literal["streetwatch", "fields"]
    schema_file: str = Field(alias="schema", min_length=1)
    source: str = "视频AI"
    attachments: Literal["url", "base64"] = "url"
    categories: dict[str, Category] = Field(default_factory=dict)
    grids: Grids = Field(default_factory=Grids)
    fields: dict[str, str] = Field(default_factory=dict)
    wrap: str | None = None

    def grid(self, camera_id: str, zone_id: str | None) -> str | None:
        zone = self.grids.zones.get(f"{camera_id}/{zone_id}") if zone_id else None
        return zone or self.grids.cameras.get(camera_id) or self.grids.default


class LoadedProfile:
    """A profile with its checked schema; ``render`` makes one case's payload."""

    def __init__(self, profile: DispatchProfile, schema: dict[str, Any], path: Path) -> None:
        self.profile, self.schema, self.path = profile, schema, path
        self._validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )

    @property
    def name(self) -> str:
        return self.profile.name

    def render(self, case: Mapping[str, Any], read: Callable[[int], bytes]) -> dict[str, Any]:
        """The payload of ``case`` (CasePublic JSON with absolute evidence URLs); ``read(n)``
        gives evidence file ``n`` for base64 attachments. ValueError (naming the schema's
        complaint) for a payload the schema refuses."""
        p = self.profile
        if p.format == "streetwatch":
            body: dict[str, Any] = {"event": "case.dispatched", "case": dict(case)}
        else:
            context = self._context(case, read)
            flat = {name: _lookup(context, path) for name, path in p.fields.items()}
            body = {p.wrap: flat} if p.wrap else flat
        errors = sorted(self._validator.iter_errors(body), key=lambda e: list(e.path))
        if errors:
            first = errors[0]
            where = "/".join(str(k) for k in first.path) or "(root)"
            raise ValueError(
                f"profile {p.name}: payload fails its schema at {where}: {first.message}"
            )
        return body

    def _context(self, case: Mapping[str, Any], read: Callable[[int], bytes]) -> dict[str, Any]:
        p = self.profile
        category = p.categories[case["violation"]]
        location = case.get("location") or {}
        place = location.get("address") or case["camera_id"]
        return {
            "case": case,
            "event": category.model_dump(),
            "grid": p.grid(case["camera_id"], case.get("zone_id")),
            "source": p.source,
            "description": f"{case['violation_name']}（{case['label_name']}），{place}"
            + (f"，区域 {case['zone_id']}" if case.get("zone_id") else ""),
            "attachments": self._attachments(case, read),
            "sent_at": dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds"),
        }

    def _attachments(
        self, case: Mapping[str, Any], read: Callable[[int], bytes]
    ) -> list[dict[str, Any]]:
        items: Sequence[Mapping[str, Any]] = case.get("evidence") or []
        if self.profile.attachments == "url":
            return [{"kind": e["kind"], "url": e["url"], "sha256": e["sha256"]} for e in items]
        out, total = [], 0
        for n, e in enumerate(items):
            data = read(n)
            total += len(data)
            if total > MAX_BASE64_BYTES:
                raise ValueError(
                    f"case {case['id']}: attachments over {MAX_BASE64_BYTES // 2**20} MiB "
                    "cannot go as base64; use attachments: url in the profile"
                )
            encoded = base64.b64encode(data).decode()
            out.append({"kind": e["kind"], "sha256": e["sha256"], "base64": encoded})
        return out


def _lookup(context: Mapping[str, Any], path: str) -> Any:
    value: Any = context
    for key in path.split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _check_paths(profile: DispatchProfile, where: Path) -> None:
    for name, path in profile.fields.items():
        root, _, rest = path.partition(".")
        bad = root not in ROOTS
        bad |= root == "case" and rest.partition(".")[0] not in CasePublic.model_fields
        bad |= root == "event" and rest not in EVENT_KEYS
        if bad:
            raise DispatchProfileError(
                f"{where}: field {name!r} reads {path!r}; a path starts with one of "
                f"{sorted(ROOTS)} (case.<a case field>, event.<{'|'.join(sorted(EVENT_KEYS))}>)"
            )


def load_profile(name_or_path: str, violations: Sequence[str]) -> LoadedProfile:
    """A shipped profile by name or a YAML file; every violation must have a category."""
    path = Path(name_or_path)
    if not path.suffix:
        path = SHIPPED / f"{name_or_path}.yaml"
        if not path.is_file():
            shipped = sorted(p.stem for p in SHIPPED.glob("*.yaml"))
            raise DispatchProfileError(f"no dispatch profile {name_or_path!r}; shipped: {shipped}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        profile = DispatchProfile.model_validate(raw)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise DispatchProfileError(f"{path}: cannot read the dispatch profile: {e}") from e
    except ValidationError as e:
        raise DispatchProfileError(f"{path}: {e}") from e
    if profile.format == "fields":
        missing = sorted(set(violations) - set(profile.categories))
        if missing:
            raise DispatchProfileError(f"{path}: no category for violations {missing}")
        if not profile.fields:
            raise DispatchProfileError(f"{path}: format 'fields' needs a 'fields' mapping")
        _check_paths(profile, path)
    schema_path = path.parent / profile.schema_file
    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.SchemaError) as e:
        raise DispatchProfileError(
            f"{path}: its schema {schema_path} is not a usable JSON Schema: {e}"
        ) from e
    return LoadedProfile(profile, schema, path)
