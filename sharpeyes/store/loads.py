"""Bulk loads of a generated inventory (the synthetic province): cameras streamed in blocks by the
import's own columnar path (:func:`sharpeyes.store.bulk.insert_new`: ``COPY … FROM STDIN`` on
PostgreSQL, a staged ``INSERT … SELECT`` on SQLite), without the change log or the per-row merge of
an import — the rows are new by construction. Positions are WGS-84 lon/lat (EPSG:4326).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import sqlalchemy as sa

from sharpeyes._errors import StoreError
from sharpeyes.store import bulk
from sharpeyes.store import schema as s
from sharpeyes.store.engine import Database, now

__all__ = ["load_cameras"]

_GEOM_INDEX = "ix_cameras_geom"


def _secondary_indexes(db: Database) -> list[str]:
    names = list(s.CAMERA_INDEXES)
    return [*names, _GEOM_INDEX] if db.dialect == "postgresql" else names


def load_cameras(
    db: Database,
    blocks: Iterable[pd.DataFrame],
    *,
    on_block: Callable[[int], None] | None = None,
) -> int:
    """Write every block of new cameras (canonical columns; IDs new to the store and unique) in ONE
    transaction; returns the number written.

    Into an empty ``cameras`` table the secondary indexes (units, lon/lat and, on PostGIS, the GIST
    index of ``geom``) are dropped first and built once at the end, then the table is ANALYZEd: a
    load of millions of rows then costs one sort per index instead of millions of index updates.
    ``on_block`` is called with the running total after every block (progress).

    Raises
    ------
    StoreError
        the database refused a block (an ID already stored, a bad value); nothing was kept.
    """
    total = 0
    stamp = {"updated_at": now()}  # the staged SQLite path needs one constant column
    try:
        with db.write() as conn:
            empty = conn.execute(sa.select(sa.func.count()).select_from(s.cameras)).scalar_one()
            dropped = _secondary_indexes(db) if empty == 0 else []
            for name in dropped:
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
            for frame in blocks:
                batch = bulk.keyed_batch(frame, source=None)
                if batch.dup.any() or len(batch.keyless):
                    raise StoreError("a generated block has empty or repeated device IDs")
                table = bulk.arrow_rows(batch, np.arange(len(batch.frame)))
                bulk.insert_new(db, conn, table, stamp)
                total += table.num_rows
                if on_block is not None:
                    on_block(total)
            _build_indexes(db, conn, dropped)
    except sa.exc.DBAPIError as err:
        raise StoreError(f"the database refused the camera load: {err.orig}") from err
    return total


def _build_indexes(db: Database, conn: sa.Connection, names: list[str]) -> None:
    for name in names:
        if name == _GEOM_INDEX:
            conn.exec_driver_sql(f"CREATE INDEX {_GEOM_INDEX} ON cameras USING GIST (geom)")
        else:
            cols = ", ".join(s.CAMERA_INDEXES[name])
            conn.exec_driver_sql(f"CREATE INDEX {name} ON cameras ({cols})")
    if db.dialect == "postgresql":
        conn.exec_driver_sql("ANALYZE cameras")
