"""Plain, frozen records that the repositories take and return (never ORM objects)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Literal, get_args

from detector.geometry import Box, as_box
from serve.config.cameras import Camera
from serve.store.readings import Reading
from serve.workflow import CaseStatus

# "before": the scene before a new static object appeared (scene baseline cases);
# "cleared": the scene at re-inspection (回头看) once the violation is gone
# text: the crop the text signal read (a flyer's print), at a legible size
EvidenceKind = Literal[
    "annotated", "original", "crop", "text", "before", "start", "dwell", "cleared"
]
# the order in which a case lists its evidence
EVIDENCE_KINDS: tuple[EvidenceKind, ...] = get_args(EvidenceKind)

CameraOrigin = Literal["file", "api"]
CAMERA_ORIGINS: tuple[CameraOrigin, ...] = get_args(CameraOrigin)


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def require_aware(name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


def check_evidence_kind(kind: str) -> EvidenceKind:
    for known in EVIDENCE_KINDS:
        if kind == known:
            return known
    raise ValueError(f"evidence kind must be one of {list(EVIDENCE_KINDS)}, got {kind!r}")


def check_confidence(confidence: float) -> None:
    if not 0.0 <= confidence <= 1.0:
        raise ValueError(f"confidence must be in [0, 1], got {confidence!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceIn:
    """One evidence file to attach to a case; ``path`` is relative to the evidence folder."""

    kind: EvidenceKind
    path: str
    sha256: str
    size: int
    width: int
    height: int
    taken_at: datetime

    def __post_init__(self) -> None:
        check_evidence_kind(self.kind)
        parts = PurePosixPath(self.path).parts
        if not self.path or self.path.startswith("/") or "\\" in self.path or ".." in parts:
            raise ValueError(
                f"evidence path must be a relative POSIX path inside the evidence folder, "
                f"got {self.path!r}"
            )
        if not _SHA256.match(self.sha256):
            raise ValueError(f"sha256 must be 64 lowercase hex digits, got {self.sha256!r}")
        if self.size < 0 or self.width <= 0 or self.height <= 0:
            raise ValueError(
                f"expected size >= 0 and a positive width and height, got size={self.size} "
                f"width={self.width} height={self.height}"
            )
        require_aware("taken_at", self.taken_at)


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceRecord:
    id: int
    kind: EvidenceKind
    path: str
    sha256: str
    size: int
    width: int
    height: int
    taken_at: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class NewCase:
    """A case as first seen; ``sightings`` starts at 1 and the store sets the timestamps."""

    camera_id: str
    violation: str
    label: str
    first_seen: datetime
    last_seen: datetime
    confidence: float
    # x1, y1, x2, y2 of this sighting; kept as a tuple
    box: Sequence[float]
    address: str
    timezone: str
    model_name: str
    model_version: str
    status: CaseStatus = CaseStatus.DRAFT
    signal: str = "detector"
    dwell_reached_at: datetime | None = None
    zone_id: str | None = None
    responsible: str | None = None
    lat: float | None = None
    lon: float | None = None
    # what the text signal read (flyers: their phone numbers)
    reading: Reading | None = None

    def __post_init__(self) -> None:
        for name in ("first_seen", "last_seen", "dwell_reached_at"):
            require_aware(name, getattr(self, name))
        if self.last_seen < self.first_seen:
            raise ValueError(
                f"last_seen ({self.last_seen.isoformat()}) is before first_seen "
                f"({self.first_seen.isoformat()})"
            )
        check_confidence(self.confidence)
        object.__setattr__(self, "box", as_box(self.box))


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseRecord:
    id: int
    camera_id: str
    violation: str
    label: str
    status: CaseStatus
    signal: str
    first_seen: datetime
    last_seen: datetime
    dwell_reached_at: datetime | None
    confidence: float
    box: Box
    zone_id: str | None
    responsible: str | None
    address: str
    lat: float | None
    lon: float | None
    timezone: str
    model_name: str
    model_version: str
    sightings: int
    created_at: datetime
    updated_at: datetime
    # in EVIDENCE_KINDS order
    evidence: tuple[EvidenceRecord, ...]
    detected_label: str = ""
    detected_box: Box = (0.0, 0.0, 0.0, 0.0)
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    reject_reason: str | None = None
    review_note: str | None = None
    deadline_at: datetime | None = None
    dispatched_at: datetime | None = None
    cleared_at: datetime | None = None
    closed_at: datetime | None = None
    overdue: bool = False
    reading: Reading | None = None

    def evidence_of(self, kind: EvidenceKind) -> EvidenceRecord | None:
        return next((e for e in self.evidence if e.kind == kind), None)


# no_violation: the object is real (the reviewer may name it) but breaks no rule; it is
# last so the page's number keys 1-5 keep their meaning
RejectReason = Literal[
    "false_positive", "wrong_class", "permitted", "duplicate", "other", "no_violation"
]
REJECT_REASONS: tuple[RejectReason, ...] = get_args(RejectReason)


# where a case came from: the detector's rules, the scene baseline, or both agreeing
# ocr: the text signal (a flyer's phone number), alone or with the scene baseline
Signal = Literal["detector", "scene", "both", "ocr"]
SIGNALS: tuple[Signal, ...] = get_args(Signal)
# the scene baseline's cases before a reviewer names them
SCENE_VIOLATION = "new_static_object"
SCENE_LABEL = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class CameraAuditRecord:
    at: datetime
    camera_id: str
    actor: str
    action: str
    zone_id: str | None
    reason: str | None
    detail: dict[str, object] | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditRecord:
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    detail: dict[str, object] | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SuppressionRecord:
    id: int
    camera_id: str
    label: str
    box: Box
    case_id: int | None
    created_by: str
    created_at: datetime
    expires_at: datetime
    lifted_at: datetime | None
    lifted_by: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CameraRecord:
    camera: Camera
    origin: CameraOrigin
    created_at: datetime
    updated_at: datetime
