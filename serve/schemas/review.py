"""Review bodies: the decision on a draft case, its audit log, suppressions."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from detector.geometry import Box
from serve.store.records import RejectReason


class ReviewRequest(BaseModel):
    """Confirm (optionally correcting ``label`` and ``box``) or reject with a ``reason``."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["confirm", "reject"]
    reason: RejectReason | None = None
    note: str | None = Field(None, max_length=1000)
    label: str | None = None
    # with ``label``: which of the class's violations it is, where it has several (a bag of
    # garbage: exposed_garbage or, beside a bin, bagged_garbage); the first by default
    violation: str | None = Field(None, max_length=64)
    box: Box | None = None


class AuditEntry(BaseModel):
    at: dt.datetime
    actor: str
    action: str
    from_: str | None = Field(serialization_alias="from")
    to: str | None
    reason: str | None
    detail: dict[str, object] | None


class AuditPublic(BaseModel):
    data: list[AuditEntry]
    count: int


class SuppressionPublic(BaseModel):
    id: int
    camera_id: str
    label: str
    box: list[float]
    case_id: int | None
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    lifted_at: dt.datetime | None
    lifted_by: str | None


class SuppressionsPublic(BaseModel):
    data: list[SuppressionPublic]
    count: int
