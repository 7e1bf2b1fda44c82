"""Grids (网格) below villages/communities, their leaders and workers, and the cameras' grid code.

Revision ID: 0007_grids
Revises: 0006_police_units
Create Date: 2026-12-10
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007_grids"
down_revision = "0006_police_units"
branch_labels = None
depends_on = None


class _Geometry(sa.types.UserDefinedType):  # type: ignore[type-arg]
    cache_ok = True

    def __init__(self, kind: str = "Geometry") -> None:
        self.kind = kind

    def get_col_spec(self, **kw: Any) -> str:
        return f"geometry({self.kind},4326)"


def _double() -> Any:
    return sa.Float(precision=53).with_variant(sa.Double(), "postgresql")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("cameras") as batch:
        batch.add_column(sa.Column("grid_code", sa.Text))
    op.create_table(
        "grids",
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("parent_code", sa.Text),
        sa.Column("population", _double()),
        sa.Column("attrs", sa.Text),
        *[sa.Column(c, _double()) for c in ("minx", "miny", "maxx", "maxy")],
        sa.Column("geom", sa.LargeBinary().with_variant(_Geometry("Geometry"), "postgresql")),
        sa.PrimaryKeyConstraint("code", name="pk_grids"),
    )
    if postgres:
        op.execute("CREATE INDEX ix_grids_geom ON grids USING GIST (geom)")
    op.create_index("ix_grids_parent_code", "grids", ["parent_code"])
    op.create_table(
        "grid_workers",
        sa.Column("worker_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("grid_code", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("phone", sa.Text),
        sa.PrimaryKeyConstraint("worker_id", name="pk_grid_workers"),
    )
    op.create_index("ix_grid_workers_grid_code", "grid_workers", ["grid_code"])


def downgrade() -> None:
    op.drop_table("grid_workers")
    op.drop_table("grids")
    with op.batch_alter_table("cameras") as batch:
        batch.drop_column("grid_code")
