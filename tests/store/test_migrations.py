"""The Alembic migrations build exactly the tables :mod:`sharpeyes.store.schema` declares."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sharpeyes.store import Store
from sharpeyes.store.schema import metadata


def _include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    # the PostGIS-only geometry column of cameras and the tables PostGIS brings are not declared
    if type_ == "table" and name in {"spatial_ref_sys", "alembic_version"}:
        return False
    return not (
        type_ == "column"
        and name == "geom"
        and getattr(obj, "table", None) is not None
        and obj.table.name == "cameras"
    )


@pytest.mark.filterwarnings("ignore:Did not recognize type 'geometry'")
def test_migrated_database_matches_schema(store_url: str) -> None:
    store = Store.open(store_url)
    with store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"include_object": _include, "compare_type": False},
        )
        diff = compare_metadata(context, metadata)
    # ix_cameras_geom (GIST) exists only on PostGIS and is created by the migration
    diff = [d for d in diff if not (d[0] == "remove_index" and d[1].name.endswith("_geom"))]
    assert diff == []


def test_open_twice_does_not_migrate_again(sqlite_url: str) -> None:
    Store.open(sqlite_url).close()
    store = Store.open(sqlite_url)
    with store.engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from sharpeyes.store.engine import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert [v[0] for v in versions] == heads  # one row: the newest revision, written once


def test_sqlite_is_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    store = Store.open(sqlite_url)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
