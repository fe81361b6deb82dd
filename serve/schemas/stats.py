"""Statistics bodies: ``StatsPublic`` with counts per day, camera, violation, class and signal."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from serve.store.stats import Rate, SignalTally, Tally


class RatePublic(BaseModel):
    numerator: int
    denominator: int
    value: float | None = Field(description="numerator / denominator; null when it is 0 / 0")

    @classmethod
    def of(cls, rate: Rate) -> RatePublic:
        value = None if rate.value is None else round(rate.value, 4)
        return cls(numerator=rate.numerator, denominator=rate.denominator, value=value)


class SignalPublic(BaseModel):
    """The cases of a group that one signal produced."""

    total: int
    confirmed: int
    rejected: int
    confirm_rate: RatePublic = Field(description="confirmed ÷ (confirmed + rejected)")

    @classmethod
    def of(cls, tally: SignalTally) -> SignalPublic:
        return cls(
            total=tally.total,
            confirmed=tally.accepted,
            rejected=tally.rejected,
            confirm_rate=RatePublic.of(tally.confirm_rate),
        )


class GroupPublic(BaseModel):
    """Cases of one camera, violation or class (or all of them, in ``totals``)."""

    key: str
    name: str = Field(description="Chinese name (camera name for a camera)")
    name_en: str
    total: int
    draft: int
    confirmed: int = Field(description="confirmed by a reviewer, whatever happened since")
    rejected: int
    disposed: int = Field(description="confirmed and since verified_cleared or closed")
    overdue: int = Field(description="confirmed or dispatched, past the deadline")
    confirm_rate: RatePublic = Field(description="confirmed ÷ (confirmed + rejected)")
    disposal_rate: RatePublic = Field(
        description="处置率: confirmed cases now verified_cleared or closed ÷ confirmed cases"
    )
    on_time_rate: RatePublic = Field(
        description=(
            "按期办结率: verified_cleared/closed cases whose fix was verified (or, if never "
            "verified, that closed) by deadline_at ÷ verified_cleared/closed cases"
        )
    )
    by_signal: dict[str, SignalPublic] = Field(
        description=(
            "per signal that found the case: detector (the model), scene (the scene "
            "baseline: a new static object), both (the two agreed); every signal, zeros "
            "included"
        )
    )

    @classmethod
    def of(cls, key: str, name: str, name_en: str, tally: Tally) -> GroupPublic:
        return cls(
            key=key,
            name=name,
            name_en=name_en,
            total=tally.total,
            draft=tally.draft,
            confirmed=tally.accepted,
            rejected=tally.rejected,
            disposed=tally.disposed,
            overdue=tally.overdue,
            confirm_rate=RatePublic.of(tally.confirm_rate),
            disposal_rate=RatePublic.of(tally.disposal_rate),
            on_time_rate=RatePublic.of(tally.on_time_rate),
            by_signal={k: SignalPublic.of(v) for k, v in tally.by_signal.items()},
        )


class DayPublic(BaseModel):
    date: dt.date
    total: int
    by_violation: dict[str, int] = Field(description="every violation type, zeros included")


class OverduePublic(BaseModel):
    id: int
    camera_id: str
    violation: str
    violation_name: str
    label: str
    status: str
    deadline_at: dt.datetime | None = Field(description="in the camera's time zone")
    overdue_h: float | None = Field(description="hours past the deadline")


class StatsPublic(BaseModel):
    since: dt.date
    until: dt.date
    camera_id: str | None
    generated_at: dt.datetime
    totals: GroupPublic
    per_day: list[DayPublic] = Field(description="by the camera-local date first seen")
    per_camera: list[GroupPublic]
    per_violation: list[GroupPublic]
    per_class: list[GroupPublic] = Field(
        description="by the class the model detected (unknown: found by the scene baseline alone)"
    )
    per_signal: list[GroupPublic] = Field(
        description="by what found the case: detector, scene, both (every signal, in that order)"
    )
    per_unit: list[GroupPublic] = Field(
        default_factory=list,
        description="by the responsible unit (门前三包) of the case's zone; key '': none",
    )
    scene_named: list[GroupPublic] = Field(
        description=(
            "cases only the scene baseline found, by the class reviewers named them (a "
            "confirm or a no_violation reject with a class); key unknown: not named yet"
        )
    )
    overdue: list[OverduePublic] = Field(description="most overdue first, at most 100")
    overdue_count: int
