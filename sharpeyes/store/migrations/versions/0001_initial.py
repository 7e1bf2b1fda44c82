"""Initial schema: cameras, imports and change log, reference layers, health, results, auth.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
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


def _geom() -> Any:
    return sa.LargeBinary().with_variant(_Geometry("Geometry"), "postgresql")


def _bbox() -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column(c, _double()) for c in ("minx", "miny", "maxx", "maxy")]


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        has = bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first()
        if not has:
            op.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    op.create_table(
        "cameras",
        sa.Column("camera_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.Text, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("point_class", sa.Integer),
        sa.Column("camera_type", sa.Integer),
        sa.Column("lon", _double()),
        sa.Column("lat", _double()),
        sa.Column("heading_deg", _double()),
        sa.Column("fov_deg", _double()),
        sa.Column("range_m", _double()),
        sa.Column("resolution", sa.Integer),
        sa.Column("is_hd", sa.Boolean),
        sa.Column("networked", sa.Boolean),
        sa.Column("status", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("admin_code", sa.Text),
        sa.Column("township_code", sa.Text),
        sa.Column("village_code", sa.Text),
        sa.Column("owner_unit", sa.Text),
        sa.Column("police_unit", sa.Text),
        sa.Column("management_unit", sa.Text),
        sa.Column("install_date", sa.Text),
        sa.Column("stream_url", sa.Text),
        sa.Column("uplink", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("id_valid", sa.Boolean),
        sa.Column("parent_id", sa.Text),
        sa.Column("contact", sa.Text),
        sa.Column("extra", sa.Text),
        sa.Column("warnings", sa.Text),
        sa.Column("provenance", sa.Text),
        sa.Column("created_import_id", sa.Integer),
        sa.Column("updated_import_id", sa.Integer),
        sa.Column("updated_at", sa.Text),
        sa.PrimaryKeyConstraint("camera_id", name="pk_cameras"),
        sa.UniqueConstraint("device_id", name="uq_cameras_device_id"),
    )
    op.create_index("ix_cameras_lon_lat", "cameras", ["lon", "lat"])
    op.create_index(
        "ix_cameras_unit", "cameras", ["admin_code", "township_code", "village_code"]
    )
    if postgres:
        op.execute(
            "ALTER TABLE cameras ADD COLUMN geom geometry(Point,4326) "
            "GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED"
        )
        op.execute("CREATE INDEX ix_cameras_geom ON cameras USING GIST (geom)")

    op.create_table(
        "camera_credentials",
        sa.Column("device_id", sa.Text, nullable=False),
        sa.Column("stream_user", sa.Text),
        sa.Column("stream_password", sa.Text),
        sa.PrimaryKeyConstraint("device_id", name="pk_camera_credentials"),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["cameras.device_id"],
            name="fk_camera_credentials_device_id_cameras",
            ondelete="CASCADE",
        ),
    )

    op.create_table(
        "imports",
        sa.Column("import_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.Text),
        sa.Column("file", sa.Text),
        sa.Column("file_sha256", sa.Text),
        sa.Column("started_at", sa.Text, nullable=False),
        sa.Column("finished_at", sa.Text),
        sa.Column("rows", sa.Integer),
        sa.Column("accepted", sa.Integer),
        sa.Column("warned", sa.Integer),
        sa.Column("refused", sa.Integer),
        sa.Column("inserted", sa.Integer),
        sa.Column("updated", sa.Integer),
        sa.Column("unchanged", sa.Integer),
        sa.Column("conflicts", sa.Integer),
        sa.PrimaryKeyConstraint("import_id", name="pk_imports"),
    )

    def _import_fk(table: str) -> sa.ForeignKeyConstraint:
        return sa.ForeignKeyConstraint(
            ["import_id"],
            ["imports.import_id"],
            name=f"fk_{table}_import_id_imports",
            ondelete="CASCADE",
        )

    op.create_table(
        "changes",
        sa.Column("change_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("import_id", sa.Integer),
        sa.Column("device_id", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("field", sa.Text),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
        sa.Column("changed_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("change_id", name="pk_changes"),
        _import_fk("changes"),
    )
    op.create_index("ix_changes_import_id", "changes", ["import_id"])
    op.create_index("ix_changes_device_id", "changes", ["device_id"])

    op.create_table(
        "import_rejects",
        sa.Column("reject_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("import_id", sa.Integer),
        sa.Column("file", sa.Text),
        sa.Column("sheet", sa.Text),
        sa.Column("row", sa.Integer),
        sa.Column("column", sa.Text),
        sa.Column("value", sa.Text),
        sa.Column("reason", sa.Text),
        sa.PrimaryKeyConstraint("reject_id", name="pk_import_rejects"),
        _import_fk("import_rejects"),
    )
    op.create_index("ix_import_rejects_import_id", "import_rejects", ["import_id"])

    op.create_table(
        "import_warnings",
        sa.Column("warning_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("import_id", sa.Integer),
        sa.Column("device_id", sa.Text),
        sa.Column("message", sa.Text),
        sa.PrimaryKeyConstraint("warning_id", name="pk_import_warnings"),
        _import_fk("import_warnings"),
    )
    op.create_index("ix_import_warnings_import_id", "import_warnings", ["import_id"])

    layers = {
        "units": [
            sa.Column("code", sa.Text, nullable=False),
            sa.Column("name", sa.Text),
            sa.Column("level", sa.Text),
            sa.Column("parent_code", sa.Text),
            sa.Column("population", _double()),
        ],
        "places": [
            sa.Column("place_id", sa.Text, nullable=False),
            sa.Column("name", sa.Text),
            sa.Column("category", sa.Text),
        ],
        "roads": [
            sa.Column("road_id", sa.Text, nullable=False),
            sa.Column("name", sa.Text),
            sa.Column("road_class", sa.Text),
        ],
    }
    keys = {"units": "code", "places": "place_id", "roads": "road_id"}
    for table, columns in layers.items():
        op.create_table(
            table,
            *columns,
            sa.Column("attrs", sa.Text),
            *_bbox(),
            sa.Column("geom", _geom()),
            sa.PrimaryKeyConstraint(keys[table], name=f"pk_{table}"),
        )
        if postgres:
            op.execute(f"CREATE INDEX ix_{table}_geom ON {table} USING GIST (geom)")
    op.create_index("ix_units_level", "units", ["level"])
    op.create_index("ix_units_parent_code", "units", ["parent_code"])
    op.create_index("ix_places_category", "places", ["category"])
    op.create_index("ix_roads_road_class", "roads", ["road_class"])

    op.create_table(
        "network_nodes",
        sa.Column("node_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text),
        sa.Column("name", sa.Text),
        sa.Column("lon", _double()),
        sa.Column("lat", _double()),
        sa.Column("attrs", sa.Text),
        sa.PrimaryKeyConstraint("node_id", name="pk_network_nodes"),
    )
    op.create_table(
        "network_links",
        sa.Column("link_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("a", sa.Text, nullable=False),
        sa.Column("b", sa.Text, nullable=False),
        sa.Column("capacity_mbps", _double()),
        sa.Column("medium", sa.Text),
        sa.Column("length_m", _double()),
        sa.Column("attrs", sa.Text),
        sa.PrimaryKeyConstraint("link_id", name="pk_network_links"),
    )
    op.create_index("ix_network_links_a", "network_links", ["a"])
    op.create_index("ix_network_links_b", "network_links", ["b"])

    op.create_table(
        "health_runs",
        sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("night", sa.Text, nullable=False),
        sa.Column("started_at", sa.Text, nullable=False),
        sa.Column("finished_at", sa.Text),
        sa.Column("summary", sa.Text),
        sa.PrimaryKeyConstraint("run_id", name="pk_health_runs"),
    )
    op.create_index("ix_health_runs_night", "health_runs", ["night"])
    op.create_table(
        "health_results",
        sa.Column("result_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("device_id", sa.Text, nullable=False),
        sa.Column("verdict", sa.Text),
        sa.Column("faults", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("measures", sa.Text),
        sa.Column("started_at", sa.Text),
        sa.Column("duration_s", _double()),
        sa.Column("snapshot_jpeg", sa.LargeBinary),
        sa.PrimaryKeyConstraint("result_id", name="pk_health_results"),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["health_runs.run_id"],
            name="fk_health_results_run_id_health_runs",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("run_id", "device_id", name="uq_health_results_run_id_device_id"),
    )
    op.create_index("ix_health_results_device_id", "health_results", ["device_id"])
    op.create_table(
        "reference_frames",
        sa.Column("device_id", sa.Text, nullable=False),
        sa.Column("jpeg", sa.LargeBinary, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("device_id", name="pk_reference_frames"),
    )

    op.create_table(
        "results",
        sa.Column("result_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("result_id", name="pk_results"),
    )
    op.create_index("ix_results_kind", "results", ["kind"])

    op.create_table(
        "users",
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_users"),
    )
    op.create_table(
        "tokens",
        sa.Column("token_hash", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_tokens"),
        sa.ForeignKeyConstraint(
            ["name"], ["users.name"], name="fk_tokens_name_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_tokens_name", "tokens", ["name"])
    op.create_table(
        "audit_log",
        sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("who", sa.Text),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("detail", sa.Text),
        sa.PrimaryKeyConstraint("audit_id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    for table in (
        "audit_log",
        "tokens",
        "users",
        "results",
        "reference_frames",
        "health_results",
        "health_runs",
        "network_links",
        "network_nodes",
        "roads",
        "places",
        "units",
        "import_warnings",
        "import_rejects",
        "changes",
        "imports",
        "camera_credentials",
        "cameras",
    ):
        op.drop_table(table)
