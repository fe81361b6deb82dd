"""Case bodies: ``CasePublic`` and the paged ``CasesPublic``."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from detector.taxonomy import Taxonomy
from detector.text.phones import display
from serve.store.records import CaseRecord
from serve.workflow import CaseStatus


class Location(BaseModel):
    address: str
    lat: float | None
    lon: float | None


class ModelRef(BaseModel):
    name: str
    version: str


class EvidencePublic(BaseModel):
    kind: str
    url: str
    sha256: str
    width: int
    height: int
    size: int
    taken_at: dt.datetime


class PhonePublic(BaseModel):
    """A phone number the case's object prints (flyers): ``number`` as the ledger keys it
    (digits), ``display`` as people write it, ``read_as`` the OCR's reading when a
    reviewer corrected it."""

    number: str
    display: str
    kind: str
    printed: str
    confidence: float
    read_as: str | None


class TextLinePublic(BaseModel):
    text: str
    confidence: float
    box: list[float]


class CasePublic(BaseModel):
    id: int
    camera_id: str
    violation: str
    violation_name: str
    platform_code: str
    label: str
    label_name: str
    status: CaseStatus
    signal: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    dwell_reached_at: dt.datetime | None
    duration_s: float
    confidence: float
    box: list[float]
    zone_id: str | None
    responsible: str | None
    sightings: int
    location: Location
    evidence: list[EvidencePublic]
    model: ModelRef
    detected_label: str
    detected_box: list[float]
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    reject_reason: str | None
    review_note: str | None
    deadline_at: dt.datetime | None
    dispatched_at: dt.datetime | None
    cleared_at: dt.datetime | None
    closed_at: dt.datetime | None
    overdue: bool
    # what the text signal read (flyers); empty for other cases
    phones: list[PhonePublic] = []
    text: list[TextLinePublic] = []

    @classmethod
    def from_record(cls, record: CaseRecord, taxonomy: Taxonomy) -> CasePublic:
        """Times in the camera's own time zone, so a bureau reads local clock times."""
        tz = ZoneInfo(record.timezone)
        violation = taxonomy.violation(record.violation)
        label_zh = next((c.zh for c in taxonomy.classes if c.name == record.label), record.label)

        def local(t: dt.datetime) -> dt.datetime:
            return t.astimezone(tz)

        def maybe(t: dt.datetime | None) -> dt.datetime | None:
            return None if t is None else t.astimezone(tz)

        return cls(
            id=record.id,
            camera_id=record.camera_id,
            violation=record.violation,
            violation_name=violation.zh,
            platform_code=violation.platform_code,
            label=record.label,
            label_name=label_zh,
            status=record.status,
            signal=record.signal,
            first_seen=local(record.first_seen),
            last_seen=local(record.last_seen),
            dwell_reached_at=local(record.dwell_reached_at) if record.dwell_reached_at else None,
            duration_s=round((record.last_seen - record.first_seen).total_seconds(), 3),
            confidence=round(record.confidence, 4),
            box=[round(v, 1) for v in record.box],
            zone_id=record.zone_id,
            responsible=record.responsible,
            sightings=record.sightings,
            location=Location(address=record.address, lat=record.lat, lon=record.lon),
            evidence=[
                EvidencePublic(
                    kind=e.kind,
                    url=f"/v1/cases/{record.id}/evidence/{n}",
                    sha256=e.sha256,
                    width=e.width,
                    height=e.height,
                    size=e.size,
                    taken_at=local(e.taken_at),
                )
                for n, e in enumerate(record.evidence)
            ],
            model=ModelRef(name=record.model_name, version=record.model_version),
            detected_label=record.detected_label,
            detected_box=[round(v, 1) for v in record.detected_box],
            reviewed_by=record.reviewed_by,
            reviewed_at=maybe(record.reviewed_at),
            reject_reason=record.reject_reason,
            review_note=record.review_note,
            deadline_at=maybe(record.deadline_at),
            dispatched_at=maybe(record.dispatched_at),
            cleared_at=maybe(record.cleared_at),
            closed_at=maybe(record.closed_at),
            overdue=record.overdue,
            phones=[
                PhonePublic(
                    number=p.number,
                    display=display(p.number, p.kind),
                    kind=p.kind,
                    printed=p.printed,
                    confidence=p.confidence,
                    read_as=p.read_as,
                )
                for p in (record.reading.phones if record.reading else ())
            ],
            text=[
                TextLinePublic(text=ln.text, confidence=ln.confidence, box=list(ln.box))
                for ln in (record.reading.lines if record.reading else ())
            ],
        )


class CasesPublic(BaseModel):
    data: list[CasePublic]
    count: int
