"""What the text signal read on a case (its lines, a flyer's phone numbers), the numbers as
rows for the phone ledger, and the ledger's statuses with their audit log.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("reading", sa.JSON(), nullable=True))
    op.create_table(
        "case_phones",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_phones_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_phones")),
        sa.UniqueConstraint("case_id", "number", name=op.f("uq_case_phones_case_id_number")),
    )
    op.create_index(op.f("ix_case_phones_case_id"), "case_phones", ["case_id"])
    op.create_index(op.f("ix_case_phones_number"), "case_phones", ["number"])
    op.create_table(
        "phones",
        sa.Column("number", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), server_default="open", nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_phones")),
    )
    op.create_table(
        "phone_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=False),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_audit")),
    )
    op.create_index(op.f("ix_phone_audit_number"), "phone_audit", ["number"])


def downgrade() -> None:
    op.drop_index(op.f("ix_phone_audit_number"), table_name="phone_audit")
    op.drop_table("phone_audit")
    op.drop_table("phones")
    op.drop_index(op.f("ix_case_phones_number"), table_name="case_phones")
    op.drop_index(op.f("ix_case_phones_case_id"), table_name="case_phones")
    op.drop_table("case_phones")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("reading")
