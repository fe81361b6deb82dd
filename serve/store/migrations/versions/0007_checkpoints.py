"""Camera checkpoints: a pipeline's pending violation clocks, to resume elsewhere.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "camera_checkpoints",
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("frame_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("camera_id", name=op.f("pk_camera_checkpoints")),
    )


def downgrade() -> None:
    op.drop_table("camera_checkpoints")
