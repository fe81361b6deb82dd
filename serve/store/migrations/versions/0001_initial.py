"""Cameras, cases and their evidence.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Hand-checked against ``serve/store/orm.py``: the store tests compare this schema with the
ORM metadata on SQLite and PostgreSQL. Times are ``timestamptz`` (naive UTC text on SQLite).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "cameras",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cameras")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        # no foreign key to cameras: a case outlives its camera
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("violation", sa.String(64), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), server_default="draft", nullable=False),
        sa.Column("signal", sa.String(32), server_default="detector", nullable=False),
        _time("first_seen"),
        _time("last_seen"),
        _time("dwell_reached_at", nullable=True),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("box", sa.JSON(), nullable=False),
        sa.Column("zone_id", sa.String(64), nullable=True),
        sa.Column("responsible", sa.String(128), nullable=True),
        sa.Column("address", sa.String(256), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("model_name", sa.String(128), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("sightings", sa.Integer(), server_default="1", nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_index(op.f("ix_cases_camera_id"), "cases", ["camera_id"])
    op.create_index(op.f("ix_cases_violation"), "cases", ["violation"])
    op.create_index(op.f("ix_cases_status"), "cases", ["status"])
    op.create_index("ix_cases_camera_id_status", "cases", ["camera_id", "status"])
    op.create_index("ix_cases_first_seen", "cases", ["first_seen"])

    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        _time("taken_at"),
        _time("created_at"),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_evidence_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint("case_id", "kind", name=op.f("uq_evidence_case_id_kind")),
    )
    op.create_index(op.f("ix_evidence_case_id"), "evidence", ["case_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_evidence_case_id"), table_name="evidence")
    op.drop_table("evidence")
    op.drop_index("ix_cases_first_seen", table_name="cases")
    op.drop_index("ix_cases_camera_id_status", table_name="cases")
    op.drop_index(op.f("ix_cases_status"), table_name="cases")
    op.drop_index(op.f("ix_cases_violation"), table_name="cases")
    op.drop_index(op.f("ix_cases_camera_id"), table_name="cases")
    op.drop_table("cases")
    op.drop_table("cameras")
