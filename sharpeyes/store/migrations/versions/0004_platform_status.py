"""Video platform syncs and the platform's online status of every channel at each sync.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "platform_syncs",
        sa.Column("sync_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.Text, nullable=False),
        sa.Column(
            "import_id",
            sa.Integer,
            sa.ForeignKey(
                "imports.import_id",
                ondelete="SET NULL",
                name="fk_platform_syncs_import_id_imports",
            ),
        ),
        sa.Column("synced_at", sa.Text, nullable=False),
        sa.Column("max_update_time", sa.Text),
        sa.Column("summary", sa.Text),
        sa.PrimaryKeyConstraint("sync_id", name="pk_platform_syncs"),
    )
    op.create_index("ix_platform_syncs_platform", "platform_syncs", ["platform"])
    op.create_index("ix_platform_syncs_import_id", "platform_syncs", ["import_id"])
    op.create_table(
        "platform_status",
        sa.Column("status_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "sync_id",
            sa.Integer,
            sa.ForeignKey(
                "platform_syncs.sync_id",
                ondelete="CASCADE",
                name="fk_platform_status_sync_id_platform_syncs",
            ),
            nullable=False,
        ),
        sa.Column("device_id", sa.Text, nullable=False),
        sa.Column("wvp_device_id", sa.Text),
        sa.Column("status", sa.Text),
        sa.Column("update_time", sa.Text),
        sa.PrimaryKeyConstraint("status_id", name="pk_platform_status"),
    )
    op.create_index("ix_platform_status_sync_id", "platform_status", ["sync_id"])
    op.create_index("ix_platform_status_device_id", "platform_status", ["device_id"])


def downgrade() -> None:
    op.drop_table("platform_status")
    op.drop_table("platform_syncs")
