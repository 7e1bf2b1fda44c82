"""Camera edits from the map: who made each change in the change log.

Revision ID: 0009_camera_edits
Revises: 0008_bulk_ingest
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_camera_edits"
down_revision = "0008_bulk_ingest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for the rows imports wrote (their import names the source); the user's name for an edit
    with op.batch_alter_table("changes") as batch:
        batch.add_column(sa.Column("changed_by", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("changed_by")
