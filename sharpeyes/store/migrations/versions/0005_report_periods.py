"""Results: the reporting period (``YYYY-MM``) of each report run, for month-on-month comparison.

Reports saved before this revision get the month (UTC) they were computed in.

Revision ID: 0005_report_periods
Revises: 0004
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_report_periods"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.add_column(sa.Column("period", sa.Text))
    op.create_index("ix_results_period", "results", ["period"])
    op.execute(
        "UPDATE results SET period = substr(created_at, 1, 7) "
        "WHERE kind = 'report' AND period IS NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_results_period", table_name="results")
    with op.batch_alter_table("results") as batch:
        batch.drop_column("period")
