"""Tables of the store (SQLAlchemy Core), shared by SQLite and PostgreSQL/PostGIS.

The Alembic migrations in :mod:`sharpeyes.store.migrations` create these tables; a test checks that the
migrated database and this module agree. Geometry is WGS-84 (EPSG:4326) everywhere:

- cameras keep ``lon``/``lat`` (degrees) on both back ends, indexed together; on PostGIS a generated
  ``geom geometry(Point,4326)`` column with a GIST index follows them (created by the migration only,
  so it is not declared here);
- units, places and roads keep their geometry in ``geom``: WKB bytes on SQLite (with the bounding box in
  ``minx/miny/maxx/maxy`` for indexed window queries), ``geometry(Geometry,4326)`` with a GIST index on
  PostGIS (read and written as WKB by the repository).

Times are ISO-8601 UTC text (``2026-11-22T15:04:01.123456+00:00``); JSON documents are text.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import UserDefinedType

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class PostgisGeometry(UserDefinedType[Any]):
    """``geometry(<kind>,4326)`` on PostGIS; the repository reads and writes it as WKB."""

    cache_ok = True

    def __init__(self, kind: str = "Geometry") -> None:
        self.kind = kind

    def get_col_spec(self, **kw: Any) -> str:
        return f"geometry({self.kind},4326)"


def geometry_type(kind: str = "Geometry") -> sa.types.TypeEngine[Any]:
    """WKB bytes on SQLite, PostGIS geometry on PostgreSQL."""
    return sa.LargeBinary().with_variant(PostgisGeometry(kind), "postgresql")


Double = sa.Float(precision=53).with_variant(sa.Double(), "postgresql")

# -- cameras -------------------------------------------------------------------------------------
cameras = sa.Table(
    "cameras",
    metadata,
    sa.Column("camera_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("device_id", sa.Text, nullable=False, unique=True),
    sa.Column("name", sa.Text),
    sa.Column("point_class", sa.Integer),
    sa.Column("camera_type", sa.Integer),
    sa.Column("lon", Double),
    sa.Column("lat", Double),
    sa.Column("heading_deg", Double),
    sa.Column("fov_deg", Double),
    sa.Column("range_m", Double),
    sa.Column("resolution", sa.Integer),
    sa.Column("is_hd", sa.Boolean),
    sa.Column("networked", sa.Boolean),
    sa.Column("status", sa.Text),
    sa.Column("address", sa.Text),
    sa.Column("admin_code", sa.Text),
    sa.Column("township_code", sa.Text),
    sa.Column("village_code", sa.Text),
    sa.Column("grid_code", sa.Text),
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
    # which source wrote a field last, for fields not written by the camera's first source (JSON)
    sa.Column("provenance", sa.Text),
    # hash of the import row that last wrote the camera (migration 0005; cleared by other writes)
    sa.Column("row_hash", sa.BigInteger),
    sa.Column("created_import_id", sa.Integer),
    sa.Column("updated_import_id", sa.Integer),
    sa.Column("updated_at", sa.Text),
)
#: Secondary indexes of ``cameras`` (dropped and rebuilt around a bulk load into an empty table).
CAMERA_INDEXES: dict[str, tuple[str, ...]] = {
    "ix_cameras_lon_lat": ("lon", "lat"),
    "ix_cameras_unit": ("admin_code", "township_code", "village_code"),
}
for _name, _cols in CAMERA_INDEXES.items():
    sa.Index(_name, *(cameras.c[c] for c in _cols))

camera_credentials = sa.Table(
    "camera_credentials",
    metadata,
    sa.Column(
        "device_id",
        sa.Text,
        sa.ForeignKey("cameras.device_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("stream_user", sa.Text),
    sa.Column("stream_password", sa.Text),
)

imports = sa.Table(
    "imports",
    metadata,
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
)

changes = sa.Table(
    "changes",
    metadata,
    sa.Column("change_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "import_id", sa.Integer, sa.ForeignKey("imports.import_id", ondelete="CASCADE"), index=True
    ),
    sa.Column("device_id", sa.Text, nullable=False, index=True),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("field", sa.Text),
    sa.Column("before", sa.Text),
    sa.Column("after", sa.Text),
    sa.Column("changed_at", sa.Text, nullable=False),
)

import_rejects = sa.Table(
    "import_rejects",
    metadata,
    sa.Column("reject_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "import_id", sa.Integer, sa.ForeignKey("imports.import_id", ondelete="CASCADE"), index=True
    ),
    sa.Column("file", sa.Text),
    sa.Column("sheet", sa.Text),
    sa.Column("row", sa.Integer),
    sa.Column("column", sa.Text),
    sa.Column("value", sa.Text),
    sa.Column("reason", sa.Text),
)

import_warnings = sa.Table(
    "import_warnings",
    metadata,
    sa.Column("warning_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "import_id", sa.Integer, sa.ForeignKey("imports.import_id", ondelete="CASCADE"), index=True
    ),
    sa.Column("device_id", sa.Text),
    sa.Column("message", sa.Text),
)

# -- reference layers ----------------------------------------------------------------------------


def _layer_columns() -> list[sa.Column[Any]]:
    """What every reference layer keeps beside its own fields: extra attributes (JSON text), the
    extent in WGS-84 degrees for indexed window queries, and the geometry (EPSG:4326)."""
    return [
        sa.Column("attrs", sa.Text),
        sa.Column("minx", Double),
        sa.Column("miny", Double),
        sa.Column("maxx", Double),
        sa.Column("maxy", Double),
        sa.Column("geom", geometry_type("Geometry")),
    ]


units = sa.Table(
    "units",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("level", sa.Text, index=True),
    sa.Column("parent_code", sa.Text, index=True),
    sa.Column("population", Double),
    *_layer_columns(),
)

#: Grids (网格) below villages/communities, apart from ``units`` (a province has 100,000 of them);
#: their people in ``grid_workers``, never in ``attrs`` (phones are for editors and admins only).
grids = sa.Table(
    "grids",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("parent_code", sa.Text, index=True),
    sa.Column("population", Double),
    *_layer_columns(),
)

#: Police units (bureau → sub-bureau → station): their codes can equal administrative codes, so
#: they have a table of their own (:mod:`sharpeyes.model.police`).
police_units = sa.Table(
    "police_units",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("level", sa.Text, index=True),
    sa.Column("parent_code", sa.Text, index=True),
    sa.Column("population", Double),
    *_layer_columns(),
)

grid_workers = sa.Table(
    "grid_workers",
    metadata,
    sa.Column("worker_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("grid_code", sa.Text, nullable=False, index=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("name", sa.Text),
    sa.Column("phone", sa.Text),
)

places = sa.Table(
    "places",
    metadata,
    sa.Column("place_id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("category", sa.Text, index=True),
    *_layer_columns(),
)

roads = sa.Table(
    "roads",
    metadata,
    sa.Column("road_id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("road_class", sa.Text, index=True),
    *_layer_columns(),
)

network_nodes = sa.Table(
    "network_nodes",
    metadata,
    sa.Column("node_id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text),
    sa.Column("name", sa.Text),
    sa.Column("lon", Double),
    sa.Column("lat", Double),
    sa.Column("attrs", sa.Text),
)

network_links = sa.Table(
    "network_links",
    metadata,
    sa.Column("link_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("a", sa.Text, nullable=False, index=True),
    sa.Column("b", sa.Text, nullable=False, index=True),
    sa.Column("capacity_mbps", Double),
    sa.Column("medium", sa.Text),
    sa.Column("length_m", Double),
    sa.Column("attrs", sa.Text),
)

# -- health --------------------------------------------------------------------------------------
health_runs = sa.Table(
    "health_runs",
    metadata,
    sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("night", sa.Text, nullable=False, index=True),
    sa.Column("started_at", sa.Text, nullable=False),
    sa.Column("finished_at", sa.Text),
    sa.Column("summary", sa.Text),
)

health_results = sa.Table(
    "health_results",
    metadata,
    sa.Column("result_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "run_id",
        sa.Integer,
        sa.ForeignKey("health_runs.run_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("device_id", sa.Text, nullable=False, index=True),
    sa.Column("verdict", sa.Text),
    sa.Column("faults", sa.Text),
    sa.Column("reason", sa.Text),
    sa.Column("measures", sa.Text),
    sa.Column("started_at", sa.Text),
    sa.Column("duration_s", Double),
    sa.Column("snapshot_jpeg", sa.LargeBinary),
    sa.UniqueConstraint("run_id", "device_id"),
)

reference_frames = sa.Table(
    "reference_frames",
    metadata,
    sa.Column("device_id", sa.Text, primary_key=True),
    sa.Column("jpeg", sa.LargeBinary, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
)

#: Reference views of a camera's other modes (``ir``: its infrared night picture); the day view
#: stays in ``reference_frames``. Migration 0003.
reference_frames_by_mode = sa.Table(
    "reference_frames_by_mode",
    metadata,
    sa.Column("device_id", sa.Text, primary_key=True),
    sa.Column("mode", sa.Text, primary_key=True),
    sa.Column("jpeg", sa.LargeBinary, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
)

# -- results of analyses -------------------------------------------------------------------------
results = sa.Table(
    "results",
    metadata,
    sa.Column("result_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.Text, nullable=False, index=True),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    # the reporting period (``YYYY-MM``) of a report; the newest run of a period supersedes the others
    sa.Column("period", sa.Text, index=True),
)

# -- auth and audit ------------------------------------------------------------------------------
users = sa.Table(
    "users",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text),
    sa.Column("created_at", sa.Text, nullable=False),
)

tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("token_hash", sa.Text, primary_key=True),
    sa.Column(
        "name",
        sa.Text,
        sa.ForeignKey("users.name", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("created_at", sa.Text, nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Text, nullable=False, index=True),
    sa.Column("who", sa.Text),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("detail", sa.Text),
)

# Server-side sessions of the login form: the cookie carries a signed random id, the store its SHA-256,
# so that logout, user removal and a password change end them. Times are epoch seconds (UTC).
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("session_hash", sa.Text, primary_key=True),
    sa.Column(
        "name",
        sa.Text,
        sa.ForeignKey("users.name", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("created_s", Double, nullable=False),
    sa.Column("expires_s", Double, nullable=False, index=True),
    sa.Column("address", sa.Text),
)

# Failed logins, for the per-user and per-address rate limit (epoch seconds, UTC).
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("failure_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at_s", Double, nullable=False, index=True),
    sa.Column("name", sa.Text, index=True),
    sa.Column("address", sa.Text, index=True),
)

# -- video platform (wvp-GB28181-pro) syncs and the platform's own online status ----------------
platform_syncs = sa.Table(
    "platform_syncs",
    metadata,
    sa.Column("sync_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.Text, nullable=False, index=True),
    sa.Column(
        "import_id", sa.Integer, sa.ForeignKey("imports.import_id", ondelete="SET NULL"), index=True
    ),
    sa.Column("synced_at", sa.Text, nullable=False),
    # newest updateTime the platform reported: the next sync merges only channels newer than it
    sa.Column("max_update_time", sa.Text),
    sa.Column("summary", sa.Text),
)

platform_status = sa.Table(
    "platform_status",
    metadata,
    sa.Column("status_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "sync_id",
        sa.Integer,
        sa.ForeignKey("platform_syncs.sync_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("device_id", sa.Text, nullable=False, index=True),
    sa.Column("wvp_device_id", sa.Text),
    sa.Column("status", sa.Text),  # online | offline | None (the platform did not say)
    sa.Column("update_time", sa.Text),
)
