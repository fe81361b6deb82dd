"""Phone ledger bodies."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from detector.text.phones import display
from serve.schemas.cases import CasePublic
from serve.store.phones import LedgerEntry, PhoneAudit


class LedgerEntryPublic(BaseModel):
    number: str
    display: str
    kind: str
    cases: int = Field(description="confirmed cases printing the number")
    cameras: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    status: str
    changed_by: str | None
    changed_at: dt.datetime | None
    note: str | None

    @classmethod
    def of(cls, e: LedgerEntry) -> LedgerEntryPublic:
        return cls(
            number=e.number,
            display=display(e.number, e.kind),
            kind=e.kind,
            cases=e.cases,
            cameras=e.cameras,
            first_seen=e.first_seen,
            last_seen=e.last_seen,
            status=e.status,
            changed_by=e.changed_by,
            changed_at=e.changed_at,
            note=e.note,
        )


class LedgerPublic(BaseModel):
    data: list[LedgerEntryPublic]
    count: int


class PhoneAuditPublic(BaseModel):
    at: dt.datetime
    actor: str
    from_status: str
    to_status: str
    note: str | None

    @classmethod
    def of(cls, a: PhoneAudit) -> PhoneAuditPublic:
        return cls(
            at=a.at, actor=a.actor, from_status=a.from_status, to_status=a.to_status, note=a.note
        )


class PhonePublicDetail(LedgerEntryPublic):
    case_list: list[CasePublic]
    history: list[PhoneAuditPublic]


class PhoneStatusChange(BaseModel):
    status: Literal["open", "handed_over", "suspended", "dismissed"]
    note: str | None = Field(None, max_length=1000)


class PhoneCorrection(BaseModel):
    number: str = Field(
        min_length=7, max_length=40, description="the number as it really reads on the flyer"
    )
