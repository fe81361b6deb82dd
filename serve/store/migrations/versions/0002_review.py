"""Case review: corrections, rejection reasons, deadlines; the audit log; suppressions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("detected_label", sa.String(64), nullable=True))
        batch.add_column(sa.Column("detected_box", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("reviewed_by", sa.String(64), nullable=True))
        batch.add_column(_time("reviewed_at", nullable=True))
        batch.add_column(sa.Column("reject_reason", sa.String(32), nullable=True))
        batch.add_column(sa.Column("review_note", sa.Text(), nullable=True))
        batch.add_column(_time("deadline_at", nullable=True))
        batch.add_column(_time("dispatched_at", nullable=True))
        batch.add_column(_time("cleared_at", nullable=True))
        batch.add_column(_time("closed_at", nullable=True))
        batch.add_column(
            sa.Column("overdue", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # cases opened before review existed: what the model said is what they hold
    op.execute("UPDATE cases SET detected_label = label, detected_box = box")
    with op.batch_alter_table("cases") as batch:
        batch.alter_column("detected_label", existing_type=sa.String(64), nullable=False)
        batch.alter_column("detected_box", existing_type=sa.JSON(), nullable=False)
    op.create_table(
        "case_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        _time("at"),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(32), nullable=True),
        sa.Column("to_status", sa.String(32), nullable=True),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_audit_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_audit")),
    )
    op.create_index(op.f("ix_case_audit_case_id"), "case_audit", ["case_id"])
    op.create_table(
        "suppressions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("box", sa.JSON(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        _time("created_at"),
        _time("expires_at"),
        _time("lifted_at", nullable=True),
        sa.Column("lifted_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppressions")),
    )
    op.create_index(op.f("ix_suppressions_camera_id"), "suppressions", ["camera_id"])
    # audit rows for cases that predate the log
    op.execute(
        "INSERT INTO case_audit (case_id, at, actor, action, from_status, to_status) "
        "SELECT id, created_at, 'system', 'opened', NULL, status FROM cases"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_suppressions_camera_id"), table_name="suppressions")
    op.drop_table("suppressions")
    op.drop_index(op.f("ix_case_audit_case_id"), table_name="case_audit")
    op.drop_table("case_audit")
    with op.batch_alter_table("cases") as batch:
        for column in (
            "overdue",
            "closed_at",
            "cleared_at",
            "dispatched_at",
            "deadline_at",
            "review_note",
            "reject_reason",
            "reviewed_at",
            "reviewed_by",
            "detected_box",
            "detected_label",
        ):
            batch.drop_column(column)
