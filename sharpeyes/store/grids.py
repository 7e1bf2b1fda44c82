"""Grids (网格) and their people: the ``grids`` layer (EPSG:4326, replaced whole) and
``grid_workers`` (leader and workers of each grid, with phones that only editors and admins see).

Functions over a :class:`~sharpeyes.store.Store` (as :mod:`sharpeyes.store.health_extra`), so that
the façade stays small: ``replace_grids(store, grids, workers)``, ``read_grids(store)``,
``read_grid_workers(store)``.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import sqlalchemy as sa

from sharpeyes.model.columns import GRID_COLUMNS, GRID_WORKER_COLUMNS
from sharpeyes.store import schema as s
from sharpeyes.store.layers import Layers

__all__ = ["read_grid_workers", "read_grids", "replace_grids"]


def replace_grids(store: Any, grids: gpd.GeoDataFrame, workers: pd.DataFrame | None = None) -> int:
    """Replace every grid (:data:`GRID_COLUMNS`; extra columns kept in ``attrs``) and, when
    ``workers`` is given (:data:`GRID_WORKER_COLUMNS`), every grid worker. Returns the grid count."""
    count = Layers(store.db).replace_layer(s.grids, "code", GRID_COLUMNS, grids, "grids")
    if workers is not None:
        rows = [
            tuple(None if v is None or v != v else str(v) for v in rec)
            for rec in workers[list(GRID_WORKER_COLUMNS)].itertuples(index=False)
        ]
        with store.db.write() as conn:
            conn.execute(s.grid_workers.delete())
            if rows:
                store.db.executemany(
                    conn,
                    "INSERT INTO grid_workers (grid_code, role, name, phone) VALUES (?, ?, ?, ?)",
                    rows,
                )
    return count


def read_grids(
    store: Any,
    parent: str | None = None,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    codes: list[str] | None = None,
) -> gpd.GeoDataFrame:
    """The grids (EPSG:4326), optionally those of one village/community ``parent``, those whose
    extent meets ``bbox`` (west, south, east, north; degrees), or those of ``codes``."""
    t = s.grids
    where: list[Any] = [] if parent is None else [t.c.parent_code == parent]
    if bbox is not None:
        west, south, east, north = bbox
        where += [t.c.minx <= east, t.c.maxx >= west, t.c.miny <= north, t.c.maxy >= south]
    if codes is not None:
        where.append(t.c.code.in_(codes))
    return Layers(store.db).read_layer(t, GRID_COLUMNS, where)


def read_grid_workers(store: Any, grid_codes: list[str] | None = None) -> pd.DataFrame:
    """Leaders and workers (:data:`GRID_WORKER_COLUMNS`), the leader first within a grid."""
    t = s.grid_workers
    query = sa.select(*(t.c[c] for c in GRID_WORKER_COLUMNS)).order_by(
        t.c.grid_code, sa.case((t.c.role == "leader", 0), else_=1), t.c.worker_id
    )
    if grid_codes is not None:
        query = query.where(t.c.grid_code.in_(grid_codes))
    with store.db.read() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame.from_records(rows, columns=list(GRID_WORKER_COLUMNS))
