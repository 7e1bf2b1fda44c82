"""Server-side sessions and failed logins (rate limit).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _double() -> Any:
    return sa.Float(precision=53).with_variant(sa.Double(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("session_hash", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_s", _double(), nullable=False),
        sa.Column("expires_s", _double(), nullable=False),
        sa.Column("address", sa.Text),
        sa.PrimaryKeyConstraint("session_hash", name="pk_sessions"),
        sa.ForeignKeyConstraint(
            ["name"], ["users.name"], name="fk_sessions_name_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_sessions_name", "sessions", ["name"])
    op.create_index("ix_sessions_expires_s", "sessions", ["expires_s"])
    op.create_table(
        "login_failures",
        sa.Column("failure_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at_s", _double(), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("address", sa.Text),
        sa.PrimaryKeyConstraint("failure_id", name="pk_login_failures"),
    )
    op.create_index("ix_login_failures_at_s", "login_failures", ["at_s"])
    op.create_index("ix_login_failures_name", "login_failures", ["name"])
    op.create_index("ix_login_failures_address", "login_failures", ["address"])


def downgrade() -> None:
    op.drop_table("login_failures")
    op.drop_table("sessions")
