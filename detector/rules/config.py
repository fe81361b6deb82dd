"""Per-violation rule settings: built-in defaults, per-camera overrides, schedules."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# the longest time a rule may name (dwell, gap, clear-after): 30 days
MAX_SECONDS = 30 * 86400.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class TimeWindow(_Strict):
    """When a rule applies, in the camera's local time; ``end`` before ``start`` spans midnight."""

    start: dt.time = dt.time(0, 0)
    end: dt.time = dt.time(23, 59, 59)
    days: tuple[Weekday, ...] = WEEKDAYS

    @field_validator("days")
    @classmethod
    def _some_days(cls, days: tuple[Weekday, ...]) -> tuple[Weekday, ...]:
        if not days:
            raise ValueError("a time window needs at least one day")
        return days

    def contains(self, local: dt.datetime) -> bool:
        t = local.time()
        if self.start <= self.end:
            return WEEKDAYS[local.weekday()] in self.days and self.start <= t <= self.end
        # spans midnight: the early-morning part belongs to the previous day's window
        if t >= self.start:
            return WEEKDAYS[local.weekday()] in self.days
        if t <= self.end:
            return WEEKDAYS[(local.weekday() - 1) % 7] in self.days
        return False


class RuleConfig(_Strict):
    """The effective settings of one violation rule on one camera."""

    enabled: bool = True
    min_confidence: float = Field(0.3, ge=0.0, le=1.0)
    # dwell rules: how long the object must stay before a case opens
    dwell_s: float | None = Field(None, ge=0.0, le=MAX_SECONDS)
    # sighting rules: how many processed frames and over how long at least
    min_frames: int = Field(3, ge=1, le=100_000)
    min_span_s: float = Field(10.0, ge=0.0, le=MAX_SECONDS)
    # stationary test for parking: ground point may wander this fraction of the box height
    max_motion: float = Field(0.25, ge=0.0, le=100.0)
    # a moving-object rule (游商): the object must have moved this many box heights from
    # where it was first seen before its case opens (0: no such test)
    min_motion: float = Field(0.0, ge=0.0, le=100.0)
    # a not-yet-reported object may go unseen this long (occlusion) without restarting its clock
    max_gap_s: float = Field(60.0, gt=0.0, le=MAX_SECONDS)
    # dwell rules: the share of processed frames since it appeared in which it was seen
    min_presence: float = Field(0.5, ge=0.0, le=1.0)
    # an object unseen this long has left: its violation ends and a later one is a new case
    clear_after_s: float = Field(300.0, gt=0.0, le=MAX_SECONDS)
    # when the rule applies (e.g. parking bans 07:00-20:00); empty means always
    schedule: tuple[TimeWindow, ...] = ()

    def active_at(self, local: dt.datetime) -> bool:
        return self.enabled and (not self.schedule or any(w.contains(local) for w in self.schedule))


class RuleOverride(_Strict):
    """What a camera changes about a rule; unset fields keep the default."""

    enabled: bool | None = None
    min_confidence: float | None = Field(None, ge=0.0, le=1.0)
    dwell_s: float | None = Field(None, ge=0.0, le=MAX_SECONDS)
    min_frames: int | None = Field(None, ge=1, le=100_000)
    min_span_s: float | None = Field(None, ge=0.0, le=MAX_SECONDS)
    max_motion: float | None = Field(None, ge=0.0, le=100.0)
    min_motion: float | None = Field(None, ge=0.0, le=100.0)
    max_gap_s: float | None = Field(None, gt=0.0, le=MAX_SECONDS)
    min_presence: float | None = Field(None, ge=0.0, le=1.0)
    clear_after_s: float | None = Field(None, gt=0.0, le=MAX_SECONDS)
    schedule: tuple[TimeWindow, ...] | None = None


class RuleOverrides(_Strict):
    """Per-camera overrides, one optional entry per violation type (a typo is an error).

    The violations the bureau's lists add (``rule`` blocks in ``detector/taxonomy.yaml``)
    take overrides by their key as well; an unknown key is an error naming the known ones.
    """

    model_config = ConfigDict(extra="allow", frozen=True, allow_inf_nan=False)

    illegal_parking: RuleOverride | None = None
    out_of_store_trading: RuleOverride | None = None
    illegal_ad: RuleOverride | None = None
    graffiti: RuleOverride | None = None
    exposed_garbage: RuleOverride | None = None

    @model_validator(mode="before")
    @classmethod
    def _known_violations(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for key, value in data.items():
            if key in cls.model_fields:
                continue
            if key not in DEFAULT_RULES:
                raise ValueError(f"no rule named {key!r}; rules are {sorted(DEFAULT_RULES)}")
            out[key] = None if value is None else RuleOverride.model_validate(value)
        return out

    def override(self, key: str) -> RuleOverride | None:
        value = getattr(self, key, None)
        return value if isinstance(value, RuleOverride) else None


def _default_rules() -> dict[str, RuleConfig]:
    """Each violation's rule defaults, from its ``rule`` block in the taxonomy (data)."""
    from detector.taxonomy import load_taxonomy

    return {
        v.key: RuleConfig.model_validate(v.rule)
        for v in load_taxonomy().violations
        if v.rule is not None
    }


DEFAULT_RULES: dict[str, RuleConfig] = _default_rules()


def resolve_rules(overrides: RuleOverrides) -> dict[str, RuleConfig]:
    """The effective rule settings: defaults with the camera's overrides applied."""
    rules = {}
    for key, default in DEFAULT_RULES.items():
        override = overrides.override(key)
        if override is None:
            rules[key] = default
            continue
        changes = override.model_dump(exclude_none=True)
        rules[key] = RuleConfig.model_validate({**default.model_dump(), **changes})
    return rules
