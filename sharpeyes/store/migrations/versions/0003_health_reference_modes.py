"""Health: reference views per picture mode (the infrared night view beside the day view).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reference_frames_by_mode",
        sa.Column("device_id", sa.Text, nullable=False),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("jpeg", sa.LargeBinary, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("device_id", "mode", name="pk_reference_frames_by_mode"),
    )


def downgrade() -> None:
    op.drop_table("reference_frames_by_mode")
