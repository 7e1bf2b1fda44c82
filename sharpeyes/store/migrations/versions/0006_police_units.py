"""Police units (city bureau → sub-bureau → police station) in a table of their own.

Police organisation codes are 12 digits like statistical division codes and can be equal to one
(``211200000000``), so the police tree is kept apart from ``units`` rather than beside it.

Revision ID: 0006_police_units
Revises: 0005_report_periods
Create Date: 2026-12-10
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006_police_units"
down_revision = "0005_report_periods"
branch_labels = None
depends_on = None


class _Geometry(sa.types.UserDefinedType):  # type: ignore[type-arg]
    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "geometry(Geometry,4326)"


def _double() -> Any:
    return sa.Float(precision=53).with_variant(sa.Double(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "police_units",
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("level", sa.Text),
        sa.Column("parent_code", sa.Text),
        sa.Column("population", _double()),
        sa.Column("attrs", sa.Text),
        *(sa.Column(c, _double()) for c in ("minx", "miny", "maxx", "maxy")),
        sa.Column("geom", sa.LargeBinary().with_variant(_Geometry(), "postgresql")),
        sa.PrimaryKeyConstraint("code", name="pk_police_units"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_police_units_geom ON police_units USING GIST (geom)")
    op.create_index("ix_police_units_level", "police_units", ["level"])
    op.create_index("ix_police_units_parent_code", "police_units", ["parent_code"])


def downgrade() -> None:
    op.drop_table("police_units")
