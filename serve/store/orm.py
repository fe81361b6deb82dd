"""Table definitions (SQLAlchemy declarative). Only the store's own modules use these."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, MetaData, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from serve.store.types import UTCDateTime
from serve.workflow import CaseStatus

# stable constraint names, so migrations (and SQLite batch mode) can refer to them
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class CameraRow(Base):
    __tablename__ = "cameras"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Camera.model_dump(mode="json")
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    origin: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CaseRow(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_camera_id_status", "camera_id", "status"),
        Index("ix_cases_first_seen", "first_seen"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    # not a foreign key: a case outlives the camera that saw it
    camera_id: Mapped[str] = mapped_column(String(64), index=True)
    violation: Mapped[str] = mapped_column(String(64), index=True)
    label: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(
        String(32), index=True, server_default=CaseStatus.DRAFT.value
    )
    signal: Mapped[str] = mapped_column(String(32), server_default="detector")
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    dwell_reached_at: Mapped[datetime | None]
    confidence: Mapped[float]
    # [x1, y1, x2, y2] of the best sighting
    box: Mapped[list[float]] = mapped_column(JSON)
    zone_id: Mapped[str | None] = mapped_column(String(64))
    responsible: Mapped[str | None] = mapped_column(String(128))
    address: Mapped[str] = mapped_column(String(256))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    timezone: Mapped[str] = mapped_column(String(64))
    model_name: Mapped[str] = mapped_column(String(128))
    model_version: Mapped[str] = mapped_column(String(64))
    sightings: Mapped[int] = mapped_column(server_default="1")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # what the model said; ``label`` and ``box`` above become the reviewer's when corrected
    detected_label: Mapped[str] = mapped_column(String(64))
    detected_box: Mapped[list[float]] = mapped_column(JSON)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None]
    reject_reason: Mapped[str | None] = mapped_column(String(32))
    review_note: Mapped[str | None] = mapped_column(Text)
    deadline_at: Mapped[datetime | None]
    dispatched_at: Mapped[datetime | None]
    cleared_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    overdue: Mapped[bool] = mapped_column(server_default=false())
    # Reading.to_json(): the text signal's lines and phone numbers (None: nothing read)
    reading: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    # raise_on_sql: every query says how it loads evidence, so no N+1 slips in
    evidence: Mapped[list[EvidenceRow]] = relationship(
        back_populates="case",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise_on_sql",
    )


class EvidenceRow(Base):
    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("case_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # relative to the evidence folder
    path: Mapped[str] = mapped_column(String(512))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    taken_at: Mapped[datetime]
    created_at: Mapped[datetime]

    case: Mapped[CaseRow] = relationship(back_populates="evidence", lazy="raise_on_sql")


class CasePhoneRow(Base):
    """One phone number a case's object printed: what the phone ledger counts."""

    __tablename__ = "case_phones"
    __table_args__ = (UniqueConstraint("case_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(16))


class UnitRow(Base):
    """A responsible unit (门前三包): the shop or body that answers for the pavement in front
    of it. Zones name it by ``id`` in their ``responsible`` field; cases carry that id."""

    __tablename__ = "units"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500))
    contact: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(50))
    category: Mapped[str] = mapped_column(String(50))
    source: Mapped[str] = mapped_column(String(16), server_default="api")
    updated_at: Mapped[datetime]


class PhoneRow(Base):
    """A number in the phone ledger and where it stands with the carriers (the counts come
    from the confirmed cases that print it)."""

    __tablename__ = "phones"

    number: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), server_default="open")
    changed_by: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


class PhoneAuditRow(Base):
    """Append-only: who moved a number through the ledger, when, and why."""

    __tablename__ = "phone_audit"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(16), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class CaseAuditRow(Base):
    """Append-only: who changed what about a case, when, from what to what, and why."""

    __tablename__ = "case_audit"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class CameraAuditRow(Base):
    """Append-only: operator actions on a camera (accepting its scene baseline, ...)."""

    __tablename__ = "camera_audit"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    # not a foreign key: the log outlives the camera
    camera_id: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    zone_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class SuppressionRow(Base):
    """A rejected false positive: no new drafts of this class at this place until it expires."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(String(64), index=True)
    label: Mapped[str] = mapped_column(String(64))
    box: Mapped[list[float]] = mapped_column(JSON)
    case_id: Mapped[int | None]
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[str | None] = mapped_column(String(64))


class CheckpointRow(Base):
    """What a camera's pipeline needs to resume in another process (a restart, or the camera
    moved to another worker): its violation engine's pending clocks, as JSON."""

    __tablename__ = "camera_checkpoints"

    camera_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    frame_at: Mapped[datetime]  # the camera's last frame when it was written
    saved_at: Mapped[datetime]
    owner: Mapped[str] = mapped_column(String(200))  # the process (worker) that wrote it
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
